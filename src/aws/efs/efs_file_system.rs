//! `efs_file_system`: an EFS file system.
//!
//! `describe` lists the account's file systems (`DescribeFileSystems`, one call per page: the
//! call takes one id at most and fails on an unknown one) and keeps the selected ones. The lifecycle
//! policy (`transition_to_ia`) and the KMS key are not in that listing: they are written but
//! not read back. Values equal to EFS's defaults (not encrypted, generalPurpose, bursting) are
//! left out of what is read, so a configuration that does not set them shows no drift.

use super::common::{all_file_systems, SETTLE_TIMEOUT};
use crate::aws::attrs::{bool_of, put_bool, put_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_efs::types::{
    FileSystemDescription, LifeCycleState, LifecyclePolicy, PerformanceMode, ThroughputMode,
    TransitionToIaRules,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

const DESCRIBE: &str = "efs:DescribeFileSystems";

/// An EFS file system (`CreateFileSystem`, `UpdateFileSystem`).
pub struct EfsFileSystem {
    aws: Arc<Aws>,
}

impl EfsFileSystem {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EfsFileSystem { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "efs_file_system",
        "An EFS file system: shared NFS storage, mounted through efs_mount_target",
    )
    .usage(crate::provider::UsageKey::new("gb_stored", "GB", 20.0, "Data stored on average over the month (Standard storage class)"))
    .taggable()
    // Encryption, its key, the performance mode and One Zone placement are fixed at creation.
    .attr(
        AttrSchema::bool("encrypted")
            .replace()
            .doc("Whether the file system is encrypted at rest"),
    )
    .attr(
        AttrSchema::string("kms_key_id")
            .replace()
            .doc("KMS key for encryption; the account's EFS default key when unset"),
    )
    .attr(
        AttrSchema::string("performance_mode")
            .replace()
            .doc("generalPurpose (default) or maxIO"),
    )
    .attr(
        AttrSchema::string("availability_zone_name")
            .replace()
            .doc("Availability zone of a One Zone file system; Regional when unset"),
    )
    // UpdateFileSystem changes the throughput mode and provisioned throughput in place.
    .attr(
        AttrSchema::string("throughput_mode")
            .doc("bursting (default), elastic or provisioned"),
    )
    .attr(
        AttrSchema::number("provisioned_throughput_mibps")
            .doc("Throughput in MiB/s when throughput_mode is provisioned"),
    )
    .attr(
        AttrSchema::string("transition_to_ia")
            .doc("Lifecycle policy moving files to Infrequent Access, e.g. AFTER_30_DAYS"),
    )
    .attr(
        AttrSchema::string("creation_token")
            .optional_computed()
            .replace()
            .doc("Idempotency token of the creation request; when unset, derived from the state's lineage, the address and the intent, and reused when a run finishes an interrupted one"),
    )
    .attr(
        AttrSchema::computed("dns_name", AttrType::String)
            .doc("DNS name to mount, e.g. fs-0123456789abcdef0.efs.us-east-1.amazonaws.com"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the file system"))
});

#[async_trait]
impl ResourceKind for EfsFileSystem {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        _attrs: &crate::provider::Attrs,
        usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::provider::{CostCategory, Meter};
        vec![Meter::new(
            "efs/standard-gb-month",
            usage.get("gb_stored"),
            CostCategory::Storage,
            "Standard storage",
        )
        .from_usage("gb_stored")]
    }

    /// The selected file systems, from one `DescribeFileSystems` call per page: the call
    /// takes a single id, an unknown one fails it, and it has no tag filter, so the account's
    /// file systems are listed and the selected kept.
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let region = self.aws.region().await?;
        let mut found = BTreeMap::new();
        for fs in all_file_systems(&self.aws).await? {
            // A file system being deleted is as good as gone.
            if matches!(
                fs.life_cycle_state(),
                LifeCycleState::Deleting | LifeCycleState::Deleted
            ) {
                continue;
            }
            let live = live_of(&fs, &region);
            if selector.matches(&live) {
                found.insert(live.id.clone(), live);
            }
        }
        Ok(found.into_values().collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "efs:CreateFileSystem";
        let efs = self.aws.efs().await?;
        let attrs = req.attrs;
        let token = str_of(attrs, "creation_token").unwrap_or(req.token);
        let mut call = efs
            .create_file_system()
            .creation_token(token)
            .set_tags(Some(tag_list(req.tags)));
        if let Some(e) = bool_of(attrs, "encrypted") {
            call = call.encrypted(e);
        }
        if let Some(k) = str_of(attrs, "kms_key_id") {
            call = call.kms_key_id(k);
        }
        if let Some(m) = str_of(attrs, "performance_mode") {
            call = call.performance_mode(PerformanceMode::from(m));
        }
        if let Some(m) = str_of(attrs, "throughput_mode") {
            call = call.throughput_mode(ThroughputMode::from(m));
        }
        if let Some(t) = mibps(attrs) {
            call = call.provisioned_throughput_in_mibps(t);
        }
        if let Some(z) = str_of(attrs, "availability_zone_name") {
            call = call.availability_zone_name(z);
        }
        let id = match call.send().await {
            Ok(created) => created.file_system_id().to_string(),
            Err(e) => {
                let err = classify(OP, e).at(req.address);
                // The creation token makes the call idempotent: a retry after a killed run is
                // told the file system exists, and finishes with that one.
                if err.code.as_deref() != Some("FileSystemAlreadyExists") {
                    return Err(err);
                }
                self.by_token(token).await?.ok_or(err)?
            }
        };
        if let Some(rule) = str_of(attrs, "transition_to_ia") {
            // EFS accepts a lifecycle policy only once the file system is available.
            self.wait_ready(&id).await.map_err(|e| e.at(req.address))?;
            self.put_lifecycle(&id, Some(rule))
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut live = self.read(std::slice::from_ref(&id)).await?;
        let mut resource = live.pop().unwrap_or_else(|| LiveResource {
            id: id.clone(),
            attrs: Attrs::from([("creation_token".to_string(), Value::str(token))]),
            tags: req.tags.clone(),
        });
        put_str(
            &mut resource.attrs,
            "transition_to_ia",
            str_of(attrs, "transition_to_ia"),
        );
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let efs = self.aws.efs().await?;
        let mut throughput = false;
        for attr in req.changed {
            match attr.as_str() {
                "throughput_mode" | "provisioned_throughput_mibps" => throughput = true,
                "transition_to_ia" => self
                    .put_lifecycle(req.id, str_of(req.after, "transition_to_ia"))
                    .await
                    .map_err(|e| e.at(req.address))?,
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "efs:UpdateFileSystem",
                        format!(
                            "changing `{other}` of an EFS file system in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        if throughput {
            const OP: &str = "efs:UpdateFileSystem";
            let mode = str_of(req.after, "throughput_mode").unwrap_or("bursting");
            let mut call = efs
                .update_file_system()
                .file_system_id(req.id)
                .throughput_mode(ThroughputMode::from(mode));
            if let Some(t) = mibps(req.after) {
                call = call.provisioned_throughput_in_mibps(t);
            }
            call.send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
        }
        let live = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    "efs:DescribeFileSystems",
                    "the file system disappeared during the update",
                )
                .at(req.address)
            })?;
        self.sync_tags(req.id, &live.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        let mut resource = live;
        resource.tags = req.tags.clone();
        put_str(
            &mut resource.attrs,
            "transition_to_ia",
            str_of(req.after, "transition_to_ia"),
        );
        Ok(resource)
    }

    /// EFS refuses while mount targets exist (`FileSystemInUse`, a dependency violation): the
    /// engine deletes those first, in reverse dependency order. `DeleteFileSystem` returns
    /// while the file system is still `deleting`; it is awaited until gone, so that what
    /// follows in the same destroy (its security groups, a KMS key) is not refused as in use.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "efs:DeleteFileSystem";
        let efs = self.aws.efs().await?;
        let deleted = efs.delete_file_system().file_system_id(id).send().await;
        if deleted.is_err() {
            return absent_ok(
                deleted.map_err(|e| classify(OP, e)),
                &["FileSystemNotFound"],
            );
        }
        Poll::within(SETTLE_TIMEOUT)
            .until(
                DESCRIBE,
                "the deleted file system to be gone",
                || async move {
                    Ok(matches!(
                        self.life_cycle(id).await?,
                        None | Some(LifeCycleState::Deleted)
                    ))
                },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(SETTLE_TIMEOUT)
            .until_some(DESCRIBE, "the file system", || async move {
                match self.life_cycle(id).await? {
                    Some(LifeCycleState::Available) => Ok(Some(())),
                    Some(LifeCycleState::Creating) | Some(LifeCycleState::Updating) => Ok(None),
                    Some(other) => Err(ProviderError::new(
                        ErrorClass::Other,
                        DESCRIBE,
                        format!(
                            "file system {id} is {} instead of available",
                            other.as_str()
                        ),
                    )),
                    None => Err(ProviderError::new(
                        ErrorClass::NotFound,
                        DESCRIBE,
                        format!("file system {id} does not exist"),
                    )),
                }
            })
            .await
    }
}

impl EfsFileSystem {
    /// The state of one file system (one call), `None` when it does not exist.
    async fn life_cycle(&self, id: &str) -> Result<Option<LifeCycleState>, ProviderError> {
        let efs = self.aws.efs().await?;
        match efs.describe_file_systems().file_system_id(id).send().await {
            Ok(out) => Ok(out
                .file_systems()
                .first()
                .map(|f| f.life_cycle_state().clone())),
            Err(e) => {
                let err = classify(DESCRIBE, e);
                if err.code.as_deref() == Some("FileSystemNotFound") {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// The id of the file system created with `token`, if any.
    async fn by_token(&self, token: &str) -> Result<Option<String>, ProviderError> {
        let efs = self.aws.efs().await?;
        let out = efs
            .describe_file_systems()
            .creation_token(token)
            .send()
            .await
            .map_err(|e| classify("efs:DescribeFileSystems", e))?;
        Ok(out
            .file_systems()
            .first()
            .map(|f| f.file_system_id().to_string()))
    }

    /// Set (or, with `None`, clear) the transition to Infrequent Access.
    async fn put_lifecycle(&self, id: &str, rule: Option<&str>) -> Result<(), ProviderError> {
        const OP: &str = "efs:PutLifecycleConfiguration";
        let efs = self.aws.efs().await?;
        let policies = rule
            .map(|r| {
                vec![LifecyclePolicy::builder()
                    .transition_to_ia(TransitionToIaRules::from(r))
                    .build()]
            })
            .unwrap_or_default();
        efs.put_lifecycle_configuration()
            .file_system_id(id)
            .set_lifecycle_policies(Some(policies))
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(())
    }

    async fn sync_tags(
        &self,
        id: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let efs = self.aws.efs().await?;
        let (set, remove) = tag_changes(have, want);
        if !set.is_empty() {
            const OP: &str = "efs:TagResource";
            efs.tag_resource()
                .resource_id(id)
                .set_tags(Some(tag_list(&set)))
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        }
        if !remove.is_empty() {
            efs.untag_resource()
                .resource_id(id)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .map_err(|e| classify("efs:UntagResource", e))?;
        }
        Ok(())
    }
}

/// The provisioned throughput, integer or float, as EFS's double.
fn mibps(attrs: &Attrs) -> Option<f64> {
    match attrs.get("provisioned_throughput_mibps") {
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    }
}

/// A number as the configuration would write it: whole numbers as integers.
fn number(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Value::Int(f as i64)
    } else {
        Value::Float(f)
    }
}

/// A file system as `DescribeFileSystems` reports it.
fn live_of(fs: &FileSystemDescription, region: &str) -> LiveResource {
    let id = fs.file_system_id();
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "creation_token", Some(fs.creation_token()));
    put_str(&mut attrs, "arn", fs.file_system_arn());
    put_str(
        &mut attrs,
        "dns_name",
        Some(&format!("{id}.efs.{region}.amazonaws.com")),
    );
    put_bool(&mut attrs, "encrypted", fs.encrypted().filter(|e| *e));
    let perf = fs.performance_mode().as_str();
    put_str(
        &mut attrs,
        "performance_mode",
        Some(perf).filter(|m| *m != "generalPurpose"),
    );
    let mode = fs.throughput_mode().map(|m| m.as_str());
    put_str(
        &mut attrs,
        "throughput_mode",
        mode.filter(|m| *m != "bursting"),
    );
    if mode == Some("provisioned") {
        if let Some(t) = fs.provisioned_throughput_in_mibps() {
            attrs.insert("provisioned_throughput_mibps".into(), number(t));
        }
    }
    put_str(
        &mut attrs,
        "availability_zone_name",
        fs.availability_zone_name(),
    );
    LiveResource {
        id: id.to_string(),
        attrs,
        tags: tag_map(fs.tags()),
    }
}
