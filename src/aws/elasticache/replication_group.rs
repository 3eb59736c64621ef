//! `elasticache_replication_group`: a Redis (or Valkey) primary with replicas, cluster mode
//! disabled.
//!
//! describe: `DescribeReplicationGroups` takes one id or lists all (paged): it lists and keeps
//! what the selector matches. Tags come from the Resource Groups Tagging API (one call per
//! page of up to 100 ARNs). The engine version, subnet group, security groups and parameter
//! group are attributes of the member clusters, read from one `DescribeCacheClusters`
//! listing (paged); where no member cluster is reported (moto creates none) they are not read
//! back and the recorded values stand.
//!
//! Every change is sent with `ApplyImmediately = true`, as for RDS: an applied plan is
//! applied now, not in the next maintenance window. `update` waits until the group is
//! `available` again. A new `auth_token` is sent with the `ROTATE` strategy (old and new
//! token both accepted until the next change), so connected clients are not cut off.
//!
//! `num_cache_clusters` changes with `IncreaseReplicaCount` / `DecreaseReplicaCount`, which
//! moto 5.2 lacks; moto also ignores `NumCacheClusters` at create (it makes one member unless
//! `ReplicasPerNodeGroup` is given). The strict test proxy models both as AWS behaves, so the
//! tests exercise them there; against plain moto a group reads back with one member.
//!
//! delete: `DeleteReplicationGroup`, then a wait until the group is gone: its subnet group
//! cannot be deleted before (moto keeps a deleted group as `deleting` for ever; the strict
//! test proxy hides it once deleted, as AWS eventually does).

use super::common::{sync_tags, tags_of};
use crate::aws::attrs::{
    bool_of, int_of, put_bool, put_int, put_str, put_str_list, str_list, str_of,
};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::rds::common::{derived_identifier, lower_identifier};
use crate::aws::shapes::string_list;
use crate::aws::tagging::tag_list;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_elasticache::types::AuthTokenUpdateStrategyType;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

const DESCRIBE: &str = "elasticache:DescribeReplicationGroups";
const MODIFY: &str = "elasticache:ModifyReplicationGroup";
/// ElastiCache's code for a replication group that does not exist.
const NOT_FOUND: &str = "ReplicationGroupNotFoundFault";
/// Longest replication group id.
const ID_MAX: usize = 40;
/// The description when the configuration sets none (ElastiCache requires one).
const DEFAULT_DESCRIPTION: &str = "Managed by strata";
/// Creating, resizing or deleting a replication group takes tens of minutes.
const SETTLE: Duration = Duration::from_secs(60 * 60);

/// An ElastiCache replication group (`CreateReplicationGroup`, `ModifyReplicationGroup`).
pub struct ReplicationGroup {
    aws: Arc<Aws>,
}

impl ReplicationGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        ReplicationGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "elasticache_replication_group",
        "An ElastiCache Redis replication group: a primary and replicas, with optional automatic failover",
    )
    .taggable()
    .attr(
        AttrSchema::string("replication_group_id")
            .optional_computed()
            .replace()
            .doc("Id of the group (at most 40 characters, lowercase); derived from the deployment and resource name when unset"),
    )
    .attr(
        AttrSchema::string("description")
            .doc("Description of the group (default \"Managed by strata\")"),
    )
    .attr(
        AttrSchema::string("engine")
            .replace()
            .doc("redis (default) or valkey"),
    )
    .attr(
        AttrSchema::string("engine_version")
            .optional_computed()
            .doc("Engine version, e.g. 7.1"),
    )
    .attr(
        AttrSchema::string("node_type")
            .required()
            .doc("Node type, e.g. cache.t4g.small"),
    )
    .attr(
        AttrSchema::int("num_cache_clusters")
            .range(1, 6)
            .doc("Number of nodes: the primary and its replicas"),
    )
    .attr(
        AttrSchema::bool("automatic_failover_enabled")
            .doc("Promote a replica when the primary fails; needs num_cache_clusters >= 2"),
    )
    .attr(
        AttrSchema::bool("multi_az_enabled")
            .doc("Place replicas in other availability zones; needs automatic failover"),
    )
    .attr(
        AttrSchema::bool("at_rest_encryption_enabled")
            .replace()
            .doc("Encrypt data on disk (fixed at creation)"),
    )
    // Turning TLS on in place exists only through a migration (TransitEncryptionMode
    // `preferred`, then `required`) during which clients must switch; strata does not run
    // that migration, so a change means a new group.
    .attr(
        AttrSchema::bool("transit_encryption_enabled")
            .replace()
            .doc("Require TLS between clients and nodes"),
    )
    .attr(
        AttrSchema::string("auth_token")
            .sensitive()
            .doc("Redis AUTH password (write-only, never read back); needs transit encryption"),
    )
    .attr(
        AttrSchema::string("subnet_group_name")
            .replace()
            .refers_to(&["elasticache_subnet_group"])
            .doc("Name of the ElastiCache subnet group to place the nodes in"),
    )
    .attr(
        string_list("security_group_ids")
            .unordered()
            .refers_to(&["security_group"])
            .doc("Ids of the VPC security groups of the nodes"),
    )
    .attr(
        AttrSchema::int("port")
            .optional_computed()
            .replace()
            .range(1024, 65535)
            .doc("Port the nodes listen on (default 6379)"),
    )
    .attr(
        AttrSchema::int("snapshot_retention_limit")
            .range(0, 35)
            .doc("Days automatic snapshots are kept; 0 turns them off"),
    )
    .attr(
        AttrSchema::string("parameter_group_name")
            .optional_computed()
            .doc("Cache parameter group; the engine's default when unset"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the replication group"))
    .attr(
        AttrSchema::computed("primary_endpoint_address", AttrType::String)
            .doc("Host name that always reaches the primary (writes)"),
    )
    .attr(
        AttrSchema::computed("reader_endpoint_address", AttrType::String)
            .doc("Host name spreading reads over the replicas"),
    )
});

#[async_trait]
impl ResourceKind for ReplicationGroup {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        _usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::aws::attrs::{int_of, str_of};
        use crate::provider::{CostCategory, Meter};
        let Some(node) = str_of(attrs, "node_type") else {
            return Vec::new();
        };
        let nodes = int_of(attrs, "num_cache_clusters").unwrap_or(1).max(1);
        vec![Meter::new(
            format!("elasticache/{node}"),
            nodes as f64 * crate::provider::HOURS_PER_MONTH,
            CostCategory::Compute,
            format!("{nodes} × {node} node"),
        )]
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let ec = self.aws.elasticache().await?;
        let pages = ec
            .describe_replication_groups()
            .set_max_records(self.aws.page_size(None, 20..=100))
            .into_paginator()
            .send();
        let mut groups = Vec::new();
        each_page(DESCRIBE, pages, |page| {
            groups.extend(page.replication_groups().iter().filter_map(live_of))
        })
        .await?;
        if let Selector::Ids(ids) = selector {
            groups.retain(|g| ids.contains(&g.id));
        }
        if groups.is_empty() {
            return Ok(groups);
        }
        let arns: Vec<String> = groups
            .iter()
            .filter_map(|g| str_of(&g.attrs, "arn").map(str::to_string))
            .collect();
        let mut tags = tags_of(&self.aws, &arns).await?;
        for g in &mut groups {
            if let Some(arn) = str_of(&g.attrs, "arn") {
                g.tags = tags.remove(arn).unwrap_or_default();
            }
        }
        groups.retain(|g| selector.matches(g));
        if !groups.is_empty() {
            let members = self.member_settings().await?;
            for g in &mut groups {
                if let Some(settings) = members.get(&g.id) {
                    g.attrs.extend(settings.clone());
                }
            }
        }
        Ok(groups)
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        let on = |name: &str| bool_of(attrs, name) == Some(true);
        let unknown = |name: &str| matches!(attrs.get(name), Some(Value::Unknown));
        let nodes = int_of(attrs, "num_cache_clusters");
        if on("automatic_failover_enabled")
            && !unknown("num_cache_clusters")
            && nodes.unwrap_or(1) < 2
        {
            out.push(Invalid::at(
                "automatic_failover_enabled",
                "automatic failover needs a replica: set num_cache_clusters to 2 or more",
            ));
        }
        if on("multi_az_enabled")
            && !on("automatic_failover_enabled")
            && !unknown("automatic_failover_enabled")
        {
            out.push(Invalid::at(
                "multi_az_enabled",
                "Multi-AZ needs automatic_failover_enabled = true",
            ));
        }
        let token = attrs
            .get("auth_token")
            .is_some_and(|v| !matches!(v, Value::Null));
        if token && !on("transit_encryption_enabled") && !unknown("transit_encryption_enabled") {
            out.push(Invalid::at(
                "auth_token",
                "an auth_token needs transit_encryption_enabled = true (AUTH is sent in clear otherwise)",
            ));
        }
        out
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elasticache:CreateReplicationGroup";
        let ec = self.aws.elasticache().await?;
        let a = req.attrs;
        let id = match str_of(a, "replication_group_id") {
            Some(i) => lower_identifier(i, ID_MAX),
            None => derived_identifier(req.deployment, req.address, ID_MAX),
        };
        let int = |name: &str| int_of(a, name).and_then(|i| i32::try_from(i).ok());
        let groups = str_list(a, "security_group_ids");
        let created = ec
            .create_replication_group()
            .replication_group_id(&id)
            .replication_group_description(str_of(a, "description").unwrap_or(DEFAULT_DESCRIPTION))
            .engine(str_of(a, "engine").unwrap_or("redis"))
            .set_engine_version(str_of(a, "engine_version").map(str::to_string))
            .cache_node_type(str_of(a, "node_type").unwrap_or_default())
            .set_num_cache_clusters(int("num_cache_clusters"))
            .set_automatic_failover_enabled(bool_of(a, "automatic_failover_enabled"))
            .set_multi_az_enabled(bool_of(a, "multi_az_enabled"))
            .set_at_rest_encryption_enabled(bool_of(a, "at_rest_encryption_enabled"))
            .set_transit_encryption_enabled(bool_of(a, "transit_encryption_enabled"))
            .set_auth_token(str_of(a, "auth_token").map(str::to_string))
            .set_cache_subnet_group_name(str_of(a, "subnet_group_name").map(str::to_string))
            .set_security_group_ids((!groups.is_empty()).then_some(groups))
            .set_port(int("port"))
            .set_snapshot_retention_limit(int("snapshot_retention_limit"))
            .set_cache_parameter_group_name(str_of(a, "parameter_group_name").map(str::to_string))
            .set_tags(Some(tag_list(req.tags)))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let mut live = created
            .replication_group()
            .and_then(live_of)
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::Other,
                    OP,
                    "no replication group in the response",
                )
                .at(req.address)
            })?;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let ec = self.aws.elasticache().await?;
        let a = req.after;
        let int = |name: &str| int_of(a, name).and_then(|i| i32::try_from(i).ok());
        let mut call = ec
            .modify_replication_group()
            .replication_group_id(req.id)
            .apply_immediately(true);
        let mut modify = false;
        let mut resize = None;
        for name in req.changed {
            call = match name.as_str() {
                "num_cache_clusters" => {
                    resize = int("num_cache_clusters");
                    call
                }
                "tags" => call,
                other => {
                    modify = true;
                    match other {
                        "description" => call.replication_group_description(
                            str_of(a, "description").unwrap_or(DEFAULT_DESCRIPTION),
                        ),
                        "engine_version" => call.set_engine_version(str_of(a, "engine_version").map(str::to_string)),
                        "node_type" => call.set_cache_node_type(str_of(a, "node_type").map(str::to_string)),
                        "automatic_failover_enabled" => call.automatic_failover_enabled(
                            bool_of(a, "automatic_failover_enabled").unwrap_or(false),
                        ),
                        "multi_az_enabled" => call.multi_az_enabled(bool_of(a, "multi_az_enabled").unwrap_or(false)),
                        "security_group_ids" => call.set_security_group_ids(Some(str_list(a, "security_group_ids"))),
                        "snapshot_retention_limit" => call.set_snapshot_retention_limit(int("snapshot_retention_limit")),
                        "parameter_group_name" => call
                            .set_cache_parameter_group_name(str_of(a, "parameter_group_name").map(str::to_string)),
                        "auth_token" => call
                            .set_auth_token(str_of(a, "auth_token").map(str::to_string))
                            .auth_token_update_strategy(AuthTokenUpdateStrategyType::Rotate),
                        other => {
                            return Err(ProviderError::new(
                                ErrorClass::Unsupported,
                                MODIFY,
                                format!("changing `{other}` of a replication group in place is not supported"),
                            )
                            .at(req.address))
                        }
                    }
                }
            };
        }
        let before = int_of(req.before, "num_cache_clusters");
        // Growing comes before turning failover on, shrinking after turning it off.
        let grow_first =
            matches!((resize, before), (Some(n), Some(b)) if i64::from(n) > b) || before.is_none();
        if grow_first {
            if let Some(n) = resize {
                self.resize(req.id, n)
                    .await
                    .map_err(|e| e.at(req.address))?;
            }
        }
        if modify {
            call.send()
                .await
                .map_err(|e| classify(MODIFY, e).at(req.address))?;
            self.wait_ready(req.id)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        if !grow_first {
            if let Some(n) = resize {
                self.resize(req.id, n)
                    .await
                    .map_err(|e| e.at(req.address))?;
            }
        }
        let mut live = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    DESCRIBE,
                    format!("replication group {} is not visible", req.id),
                )
                .at(req.address)
            })?;
        if let Some(arn) = str_of(&live.attrs, "arn").map(str::to_string) {
            sync_tags(&self.aws, &arn, &live.tags, req.tags)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "elasticache:DeleteReplicationGroup";
        let ec = self.aws.elasticache().await?;
        let deleted = ec
            .delete_replication_group()
            .replication_group_id(id)
            .send()
            .await
            .map_err(|e| classify(OP, e));
        match deleted {
            Ok(_) => {}
            // Already being deleted (by an interrupted run): wait for it like for ours.
            Err(e)
                if e.code.as_deref() == Some("InvalidReplicationGroupState")
                    && self.status(id).await?.as_deref() == Some("deleting") => {}
            Err(e) => return absent_ok(Err::<(), _>(e), &[NOT_FOUND]),
        }
        Poll::within(SETTLE)
            .until(
                DESCRIBE,
                "the deleted replication group to be gone",
                || async move { Ok(self.status(id).await?.is_none()) },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(SETTLE)
            .until_some(
                DESCRIBE,
                "the replication group to be available",
                || async move {
                    match self.status(id).await?.as_deref() {
                        Some("available") => Ok(Some(())),
                        Some(bad @ ("create-failed" | "deleting")) => Err(ProviderError::new(
                            ErrorClass::Other,
                            DESCRIBE,
                            format!("replication group {id} is {bad} instead of available"),
                        )),
                        Some(_) => Ok(None),
                        None => Err(ProviderError::new(
                            ErrorClass::NotFound,
                            DESCRIBE,
                            format!("replication group {id} does not exist"),
                        )),
                    }
                },
            )
            .await
    }
}

impl ReplicationGroup {
    /// The status of one group (one call), `None` when it does not exist.
    async fn status(&self, id: &str) -> Result<Option<String>, ProviderError> {
        let ec = self.aws.elasticache().await?;
        match ec
            .describe_replication_groups()
            .replication_group_id(id)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .replication_groups()
                .first()
                .map(|g| g.status().unwrap_or("unknown").to_string())),
            Err(e) => {
                let err = classify(DESCRIBE, e);
                if err.code.as_deref() == Some(NOT_FOUND) {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }

    /// Make the group `nodes` nodes (primary + replicas), and wait until it is available.
    async fn resize(&self, id: &str, nodes: i32) -> Result<(), ProviderError> {
        let ec = self.aws.elasticache().await?;
        let current = self
            .read(&[id.to_string()])
            .await?
            .pop()
            .and_then(|g| int_of(&g.attrs, "num_cache_clusters"))
            .unwrap_or(1);
        let replicas = nodes - 1;
        if i64::from(nodes) > current {
            const OP: &str = "elasticache:IncreaseReplicaCount";
            ec.increase_replica_count()
                .replication_group_id(id)
                .new_replica_count(replicas)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        } else if i64::from(nodes) < current {
            const OP: &str = "elasticache:DecreaseReplicaCount";
            ec.decrease_replica_count()
                .replication_group_id(id)
                .new_replica_count(replicas)
                .apply_immediately(true)
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        } else {
            return Ok(());
        }
        self.wait_ready(id).await
    }

    /// Replication group id → what its member clusters report (engine version, subnet group,
    /// security groups, parameter group), from one `DescribeCacheClusters` listing, paged.
    async fn member_settings(&self) -> Result<BTreeMap<String, Attrs>, ProviderError> {
        const OP: &str = "elasticache:DescribeCacheClusters";
        let ec = self.aws.elasticache().await?;
        let pages = ec
            .describe_cache_clusters()
            .set_max_records(self.aws.page_size(None, 20..=100))
            .into_paginator()
            .send();
        let mut out = BTreeMap::new();
        each_page(OP, pages, |page| {
            for c in page.cache_clusters() {
                let Some(group) = c.replication_group_id() else {
                    continue;
                };
                if out.contains_key(group) {
                    continue;
                }
                let mut attrs = Attrs::new();
                put_str(&mut attrs, "engine_version", c.engine_version());
                put_str(&mut attrs, "subnet_group_name", c.cache_subnet_group_name());
                put_str(
                    &mut attrs,
                    "parameter_group_name",
                    c.cache_parameter_group()
                        .and_then(|p| p.cache_parameter_group_name()),
                );
                put_str_list(
                    &mut attrs,
                    "security_group_ids",
                    c.security_groups()
                        .iter()
                        .filter_map(|s| s.security_group_id().map(str::to_string))
                        .collect(),
                    true,
                );
                out.insert(group.to_string(), attrs);
            }
        })
        .await?;
        Ok(out)
    }
}

/// A group as read (without its tags and member settings).
fn live_of(g: &aws_sdk_elasticache::types::ReplicationGroup) -> Option<LiveResource> {
    let id = g.replication_group_id()?;
    // A group being deleted is as good as gone for what reads it.
    if g.status() == Some("deleting") {
        return None;
    }
    let mut attrs = Attrs::new();
    let on = |s: Option<&str>| s.map(|s| matches!(s, "enabled" | "enabling"));
    put_str(&mut attrs, "replication_group_id", Some(id));
    put_str(&mut attrs, "description", g.description());
    put_str(&mut attrs, "engine", g.engine());
    put_str(&mut attrs, "node_type", g.cache_node_type());
    if !g.member_clusters().is_empty() {
        put_int(
            &mut attrs,
            "num_cache_clusters",
            Some(g.member_clusters().len() as i64),
        );
    }
    put_bool(
        &mut attrs,
        "automatic_failover_enabled",
        on(g.automatic_failover().map(|s| s.as_str())),
    );
    put_bool(
        &mut attrs,
        "multi_az_enabled",
        on(g.multi_az().map(|s| s.as_str())),
    );
    put_bool(
        &mut attrs,
        "at_rest_encryption_enabled",
        g.at_rest_encryption_enabled(),
    );
    put_bool(
        &mut attrs,
        "transit_encryption_enabled",
        g.transit_encryption_enabled(),
    );
    put_int(
        &mut attrs,
        "snapshot_retention_limit",
        g.snapshot_retention_limit().map(i64::from),
    );
    put_str(&mut attrs, "arn", g.arn());
    let group = g.node_groups().first();
    let primary = group.and_then(|n| n.primary_endpoint());
    put_str(
        &mut attrs,
        "primary_endpoint_address",
        primary.and_then(|e| e.address()),
    );
    put_str(
        &mut attrs,
        "reader_endpoint_address",
        group
            .and_then(|n| n.reader_endpoint())
            .and_then(|e| e.address()),
    );
    put_int(
        &mut attrs,
        "port",
        primary
            .and_then(|e| e.port())
            .or_else(|| g.configuration_endpoint().and_then(|e| e.port()))
            .map(i64::from),
    );
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: Default::default(),
    })
}
