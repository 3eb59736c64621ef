//! `efs_mount_target`: the address of an EFS file system in one subnet.
//!
//! `DescribeMountTargets` takes one file system id or one mount target id per call, and
//! `describe` is given mount target ids only (`fsmt-…`, which do not name their file system).
//! A batch is therefore read by hops: one call by mount target id names the file system, and
//! one call per page lists that file system's mount targets, which serves every other id of the
//! batch on the same file system. A batch of n mount targets on k file systems costs 2k calls
//! (one when a file system holds a single wanted id), plus one per id that no longer exists: it
//! never lists the account's file systems, and never costs a call per mount target that is read.
//! Security groups need a call per mount target (`DescribeMountTargetSecurityGroups`), so they
//! are written but not read back.
//!
//! Mount targets take no tags: a create interrupted by a kill is found again by its identity,
//! the file system and the subnet (a file system has at most one mount target per zone).

use super::common::{PAGE_LIMITS, SETTLE_TIMEOUT};
use crate::aws::attrs::{put_str, put_str_list, required_str, str_list, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::shapes::string_list;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource, Owner,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_efs::types::{LifeCycleState, MountTargetDescription};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

const DESCRIBE: &str = "efs:DescribeMountTargets";

/// A mount target (`CreateMountTarget`). EFS mount targets take no tags.
pub struct EfsMountTarget {
    aws: Arc<Aws>,
}

impl EfsMountTarget {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EfsMountTarget { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "efs_mount_target",
        "A mount target: an NFS endpoint of a file system in one subnet",
    )
    .attr(
        AttrSchema::string("file_system_id")
            .refers_to(&["efs_file_system"])
            .required()
            .replace()
            .doc("Id of the file system"),
    )
    .attr(
        AttrSchema::string("subnet_id")
            .refers_to(&["subnet"])
            .required()
            .replace()
            .doc("Id of the subnet; one mount target per availability zone"),
    )
    // ModifyMountTargetSecurityGroups changes the groups of a live mount target.
    .attr(
        string_list("security_groups")
            .refers_to(&["security_group"])
            .unordered()
            .doc("Ids of the security groups (at most 5); the VPC's default group when unset"),
    )
    .attr(
        AttrSchema::string("ip_address")
            .optional_computed()
            .replace()
            .doc("IPv4 address of the mount target in the subnet; AWS picks one when unset"),
    )
    .attr(
        AttrSchema::computed("availability_zone_name", AttrType::String)
            .doc("Availability zone of the mount target (that of its subnet)"),
    )
    .attr(
        AttrSchema::computed("network_interface_id", AttrType::String)
            .doc("Id of the network interface EFS created for the mount target"),
    )
});

#[async_trait]
impl ResourceKind for EfsMountTarget {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let ids = match selector {
            Selector::Ids(ids) => ids,
            // Mount targets carry no tags, so none is ever found by tags.
            Selector::Tags(_) => return Ok(Vec::new()),
        };
        let mut pending: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let mut found = BTreeMap::new();
        let mut listed: BTreeSet<String> = BTreeSet::new();
        while let Some(id) = pending.pop_first() {
            // One call by id names the file system…
            let Some(mt) = self.by_id(id).await? else {
                continue;
            };
            let fs = mt.file_system_id().to_string();
            found.insert(id.to_string(), live(&mt));
            // …and one listing of it reads the batch's other mount targets there.
            if pending.is_empty() || !listed.insert(fs.clone()) {
                continue;
            }
            for other in self.of_file_system(&fs).await? {
                if !is_gone(&other) && pending.remove(other.mount_target_id()) {
                    found.insert(other.mount_target_id().to_string(), live(&other));
                }
            }
        }
        Ok(found.into_values().collect())
    }

    /// The file system and the subnet: a file system has at most one mount target per zone,
    /// so at most one in a subnet.
    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        Some(BTreeMap::from([
            (
                "file_system_id".to_string(),
                str_of(attrs, "file_system_id")?.to_string(),
            ),
            (
                "subnet_id".to_string(),
                str_of(attrs, "subnet_id")?.to_string(),
            ),
        ]))
    }

    /// One `DescribeMountTargets` call per page of the identity's file system.
    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let (Some(fs), Some(subnet)) = (identity.get("file_system_id"), identity.get("subnet_id"))
        else {
            return Ok(Vec::new());
        };
        Ok(self
            .of_file_system(fs)
            .await?
            .iter()
            .filter(|m| m.subnet_id() == subnet && !is_gone(m))
            .map(live)
            .collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "efs:CreateMountTarget";
        let efs = self.aws.efs().await?;
        let attrs = req.attrs;
        let fs = required_str(attrs, "file_system_id", OP).map_err(|e| e.at(req.address))?;
        let subnet = required_str(attrs, "subnet_id", OP).map_err(|e| e.at(req.address))?;
        let groups = str_list(attrs, "security_groups");
        let mut call = efs
            .create_mount_target()
            .file_system_id(fs)
            .subnet_id(subnet);
        if !groups.is_empty() {
            call = call.set_security_groups(Some(groups.clone()));
        }
        if let Some(ip) = str_of(attrs, "ip_address") {
            call = call.ip_address(ip);
        }
        let target = match call.send().await {
            Ok(out) => live_of_create(&out),
            Err(e) => {
                let err = classify(OP, e).at(req.address);
                // No token and no tags: a retry after a killed run is refused because the
                // zone already has a mount target; it is ours when it sits in our subnet.
                if err.code.as_deref() != Some("MountTargetConflict") {
                    return Err(err);
                }
                let identity = self.identity(attrs, req.owner()).unwrap_or_default();
                match self.find_by_identity(&identity).await?.pop() {
                    Some(mt) => mt,
                    None => return Err(err),
                }
            }
        };
        let mut target = target;
        if !groups.is_empty() {
            put_str_list(&mut target.attrs, "security_groups", groups, true);
        }
        Ok(target)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "efs:ModifyMountTargetSecurityGroups";
        for attr in req.changed {
            match attr.as_str() {
                "security_groups" => {
                    let groups = str_list(req.after, "security_groups");
                    if groups.is_empty() {
                        return Err(ProviderError::invalid(
                            OP,
                            "a mount target needs at least one security group; list the VPC's default group to go back to it",
                        )
                        .at(req.address));
                    }
                    let efs = self.aws.efs().await?;
                    efs.modify_mount_target_security_groups()
                        .mount_target_id(req.id)
                        .set_security_groups(Some(groups))
                        .send()
                        .await
                        .map_err(|e| classify(OP, e).at(req.address))?;
                }
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!(
                            "changing `{other}` of an EFS mount target in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        let mut resource = self
            .by_id(req.id)
            .await?
            .map(|mt| live(&mt))
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    DESCRIBE,
                    "the mount target disappeared during the update",
                )
                .at(req.address)
            })?;
        let groups = str_list(req.after, "security_groups");
        if !groups.is_empty() {
            put_str_list(&mut resource.attrs, "security_groups", groups, true);
        }
        Ok(resource)
    }

    /// Deleting a mount target takes a while on AWS, and its file system cannot be deleted
    /// before it is gone: wait for that here.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "efs:DeleteMountTarget";
        let efs = self.aws.efs().await?;
        let deleted = efs.delete_mount_target().mount_target_id(id).send().await;
        if deleted.is_err() {
            return absent_ok(
                deleted.map_err(|e| classify(OP, e)),
                &["MountTargetNotFound"],
            );
        }
        Poll::within(SETTLE_TIMEOUT)
            .until_some(DESCRIBE, "the deleted mount target", || async move {
                Ok(self.by_id(id).await?.is_none().then_some(()))
            })
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(SETTLE_TIMEOUT)
            .until_some(DESCRIBE, "the mount target", || async move {
                match self
                    .by_id(id)
                    .await?
                    .map(|mt| mt.life_cycle_state().clone())
                {
                    Some(LifeCycleState::Available) => Ok(Some(())),
                    Some(LifeCycleState::Creating) => Ok(None),
                    Some(other) => Err(ProviderError::new(
                        ErrorClass::Other,
                        DESCRIBE,
                        format!(
                            "mount target {id} is {} instead of available",
                            other.as_str()
                        ),
                    )),
                    None => Err(ProviderError::new(
                        ErrorClass::NotFound,
                        DESCRIBE,
                        format!("mount target {id} does not exist"),
                    )),
                }
            })
            .await
    }
}

impl EfsMountTarget {
    /// One mount target by id (one call); `None` when it does not exist or is being deleted.
    async fn by_id(&self, id: &str) -> Result<Option<MountTargetDescription>, ProviderError> {
        let efs = self.aws.efs().await?;
        match efs
            .describe_mount_targets()
            .mount_target_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(out.mount_targets().iter().find(|m| !is_gone(m)).cloned()),
            Err(e) => {
                let err = classify(DESCRIBE, e);
                if err.code.as_deref() == Some("MountTargetNotFound") {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Every mount target of a file system: one call per page.
    async fn of_file_system(&self, fs: &str) -> Result<Vec<MountTargetDescription>, ProviderError> {
        let efs = self.aws.efs().await?;
        let mut out = Vec::new();
        let pages = efs
            .describe_mount_targets()
            .file_system_id(fs)
            .set_max_items(self.aws.page_size(None, PAGE_LIMITS))
            .into_paginator()
            .send();
        let listed = each_page(DESCRIBE, pages, |page| {
            out.extend(page.mount_targets().iter().cloned())
        })
        .await;
        match listed {
            // The file system went away between the listing and this call.
            Err(err) if err.code.as_deref() != Some("FileSystemNotFound") => Err(err),
            _ => Ok(out),
        }
    }
}

/// A mount target being deleted is as good as gone.
fn is_gone(mt: &MountTargetDescription) -> bool {
    matches!(
        mt.life_cycle_state(),
        LifeCycleState::Deleting | LifeCycleState::Deleted
    )
}

/// A mount target as the provider reports it.
fn live(mt: &MountTargetDescription) -> LiveResource {
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "file_system_id", Some(mt.file_system_id()));
    put_str(&mut attrs, "subnet_id", Some(mt.subnet_id()));
    put_str(&mut attrs, "ip_address", mt.ip_address());
    put_str(
        &mut attrs,
        "availability_zone_name",
        mt.availability_zone_name(),
    );
    put_str(
        &mut attrs,
        "network_interface_id",
        mt.network_interface_id(),
    );
    LiveResource {
        id: mt.mount_target_id().to_string(),
        attrs,
        tags: BTreeMap::new(),
    }
}

/// The `CreateMountTarget` answer, which has the shape of a mount target description.
fn live_of_create(
    out: &aws_sdk_efs::operation::create_mount_target::CreateMountTargetOutput,
) -> LiveResource {
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "file_system_id", Some(out.file_system_id()));
    put_str(&mut attrs, "subnet_id", Some(out.subnet_id()));
    put_str(&mut attrs, "ip_address", out.ip_address());
    put_str(
        &mut attrs,
        "availability_zone_name",
        out.availability_zone_name(),
    );
    put_str(
        &mut attrs,
        "network_interface_id",
        out.network_interface_id(),
    );
    LiveResource {
        id: out.mount_target_id().to_string(),
        attrs,
        tags: BTreeMap::new(),
    }
}
