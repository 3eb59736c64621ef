//! `db_instance`: an RDS DB instance (PostgreSQL, MySQL…).
//!
//! describe: `DescribeDBInstances` with the `db-instance-id` filter, up to 100 identifiers per
//! call, one call per page; the answer carries each instance's `TagList`, so tags need no
//! other call. Finding by tags lists every instance (paged) and keeps what matches.
//!
//! Every `ModifyDBInstance` is sent with `ApplyImmediately = true`: a plan that says "update"
//! is applied now, not in the next maintenance window (which would leave the state describing
//! a database that does not exist yet). Some changes (instance class, Multi-AZ, storage) then
//! take minutes; `update` waits until the instance is `available` again.
//!
//! The master password: either `manage_master_user_password = true` (RDS generates it, keeps it
//! in Secrets Manager and rotates it; the secret's ARN is `master_user_secret_arn`) or
//! `password` (sensitive, write-only: sent, never read back, never in tags). Exactly one.
//!
//! Extensions such as pgvector are enabled by SQL (`CREATE EXTENSION vector`) once the instance
//! runs; they are not AWS resources, so there is no kind for them.
//!
//! delete: refused up front, with what to do, while `deletion_protection` is on. Otherwise a
//! final snapshot is taken unless `skip_final_snapshot = true` (named
//! `final_snapshot_identifier`, or derived from the identifier and the time when unset), and
//! the call waits until the instance is gone: its subnet group cannot be deleted before.

use super::common::{derived_identifier, in_use_is_dependency, lower_identifier, sync_tags};
use crate::aws::attrs::{
    bool_of, int_of, put_bool, put_int, put_str, put_str_list, str_list, str_of,
};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::shapes::string_list;
use crate::aws::tagging::{tag_list, tag_map};
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_rds::types::Filter;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

const DESCRIBE: &str = "rds:DescribeDBInstances";
const MODIFY: &str = "rds:ModifyDBInstance";
/// RDS's codes for an instance that does not exist.
const NOT_FOUND: &[&str] = &["DBInstanceNotFound", "DBInstanceNotFoundFault"];
/// Longest DB instance identifier.
const IDENTIFIER_MAX: usize = 63;
/// Most values RDS takes in one filter.
const FILTER_VALUES: usize = 100;
/// Creating or modifying a Multi-AZ instance takes tens of minutes.
const SETTLE: Duration = Duration::from_secs(90 * 60);

/// An RDS DB instance (`CreateDBInstance`, `ModifyDBInstance`).
pub struct DbInstance {
    aws: Arc<Aws>,
}

impl DbInstance {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        DbInstance { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "db_instance",
        "An RDS DB instance (e.g. PostgreSQL); extensions such as pgvector are enabled by SQL afterwards, not by a kind",
    )
    .taggable()
    // Fixed at creation: identifier (a rename would change the endpoint), engine, encryption
    // and its key, subnet group (moving VPC is not in place), initial database and user.
    .attr(
        AttrSchema::string("identifier")
            .optional_computed()
            .replace()
            .doc("DB instance identifier, lowercase; derived from the deployment and resource name when unset"),
    )
    .attr(
        AttrSchema::string("engine")
            .required()
            .replace()
            .doc("Database engine, e.g. postgres"),
    )
    .attr(
        AttrSchema::string("engine_version")
            .optional_computed()
            .doc("Engine version, e.g. 16.3; a major upgrade needs allow_major_version_upgrade"),
    )
    .attr(
        AttrSchema::bool("allow_major_version_upgrade")
            .doc("Allow engine_version changes across a major version (sent with the change)"),
    )
    .attr(
        AttrSchema::string("instance_class")
            .required()
            .doc("Instance class, e.g. db.r6g.large"),
    )
    .attr(
        AttrSchema::int("allocated_storage")
            .range(20, 65536)
            .doc("Storage in GiB"),
    )
    .attr(
        AttrSchema::int("max_allocated_storage")
            .range(20, 65536)
            .doc("Upper limit in GiB for storage autoscaling; at least allocated_storage"),
    )
    .attr(
        AttrSchema::string("storage_type")
            .optional_computed()
            .doc("gp2, gp3, io1 or io2"),
    )
    .attr(
        AttrSchema::int("iops")
            .range(1000, 256000)
            .doc("Provisioned IOPS; only with storage_type gp3, io1 or io2"),
    )
    .attr(
        AttrSchema::bool("storage_encrypted")
            .replace()
            .doc("Whether storage is encrypted at rest"),
    )
    .attr(
        AttrSchema::string("kms_key_id")
            .replace()
            .doc("KMS key for storage encryption; the account's RDS key when unset"),
    )
    .attr(
        AttrSchema::bool("multi_az")
            .doc("Keep a synchronous standby in another availability zone"),
    )
    .attr(
        AttrSchema::string("db_subnet_group_name")
            .replace()
            .refers_to(&["db_subnet_group"])
            .doc("Name of the DB subnet group to place the instance in"),
    )
    .attr(
        string_list("vpc_security_group_ids")
            .unordered()
            .refers_to(&["security_group"])
            .doc("Ids of the VPC security groups of the instance"),
    )
    .attr(
        AttrSchema::string("db_name")
            .replace()
            .doc("Name of the database created with the instance"),
    )
    .attr(
        AttrSchema::string("username")
            .required()
            .replace()
            .doc("Master user name"),
    )
    .attr(
        AttrSchema::bool("manage_master_user_password")
            .doc("Let RDS generate the master password, keep it in Secrets Manager and rotate it"),
    )
    .attr(
        AttrSchema::string("password")
            .sensitive()
            .doc("Master password (write-only, never read back); or set manage_master_user_password"),
    )
    .attr(
        AttrSchema::int("port")
            .optional_computed()
            .range(1150, 65535)
            .doc("Port the database listens on; the engine's default when unset"),
    )
    .attr(
        AttrSchema::int("backup_retention_period")
            .range(0, 35)
            .doc("Days automated backups (and point-in-time recovery) are kept; 0 turns them off"),
    )
    .attr(
        AttrSchema::string("preferred_backup_window")
            .optional_computed()
            .doc("Daily backup window in UTC, e.g. 03:00-04:00"),
    )
    .attr(
        AttrSchema::bool("deletion_protection")
            .doc("Refuse deletion while on; turn it off (and apply) before destroying"),
    )
    .attr(
        AttrSchema::bool("skip_final_snapshot")
            .doc("Delete without a final snapshot (default false: a snapshot is taken)"),
    )
    .attr(
        AttrSchema::string("final_snapshot_identifier")
            .doc("Name of the final snapshot taken at delete; derived from the identifier and the time when unset"),
    )
    .attr(
        AttrSchema::bool("publicly_accessible")
            .doc("Give the instance a public address (default false)"),
    )
    .attr(
        AttrSchema::string("parameter_group_name")
            .optional_computed()
            .doc("DB parameter group; the engine's default group when unset"),
    )
    .attr(
        AttrSchema::bool("auto_minor_version_upgrade")
            .doc("Apply minor engine upgrades in the maintenance window"),
    )
    .attr(
        AttrSchema::bool("performance_insights_enabled")
            .doc("Turn Performance Insights on"),
    )
    .attr(
        AttrSchema::bool("copy_tags_to_snapshot")
            .doc("Copy the instance's tags to its snapshots"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the DB instance"))
    .attr(
        AttrSchema::computed("address", AttrType::String)
            .doc("Host name of the instance's endpoint"),
    )
    .attr(
        AttrSchema::computed("resource_id", AttrType::String)
            .doc("Region-unique, immutable id of the instance (db-…)"),
    )
    .attr(
        AttrSchema::computed("master_user_secret_arn", AttrType::String)
            .doc("ARN of the Secrets Manager secret holding the master password, when RDS manages it"),
    )
});

#[async_trait]
impl ResourceKind for DbInstance {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        _usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::aws::attrs::{bool_of, int_of, str_of};
        use crate::provider::{CostCategory, Meter};
        let mut out = Vec::new();
        let multi_az = bool_of(attrs, "multi_az") == Some(true);
        let suffix = if multi_az { "-multi-az" } else { "" };
        let engine = str_of(attrs, "engine").unwrap_or("postgres");
        if let Some(class) = str_of(attrs, "instance_class") {
            out.push(Meter::hourly(
                format!("rds/{class}/{engine}{suffix}"),
                CostCategory::Compute,
                format!(
                    "{class} {engine}{}",
                    if multi_az { ", Multi-AZ" } else { "" }
                ),
            ));
        }
        if let Some(size) = int_of(attrs, "allocated_storage") {
            let ty = str_of(attrs, "storage_type").unwrap_or("gp2");
            out.push(Meter::new(
                format!("rds/{ty}-gb-month{suffix}"),
                size.max(0) as f64,
                CostCategory::Storage,
                format!("{size} GiB {ty} storage"),
            ));
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let rds = self.aws.rds().await?;
        let batches: Vec<Option<Vec<String>>> = match selector {
            Selector::Ids(ids) => ids
                .chunks(FILTER_VALUES)
                .map(|c| Some(c.to_vec()))
                .collect(),
            // RDS filters on no tag: list them all and keep what matches.
            Selector::Tags(_) => vec![None],
        };
        let mut out = Vec::new();
        for ids in batches {
            let mut call = rds
                .describe_db_instances()
                .set_max_records(self.aws.page_size(None, 20..=100));
            if let Some(ids) = ids {
                call = call.filters(
                    Filter::builder()
                        .name("db-instance-id")
                        .set_values(Some(ids))
                        .build(),
                );
            }
            let pages = call.into_paginator().send();
            each_page(DESCRIBE, pages, |page| {
                out.extend(
                    page.db_instances()
                        .iter()
                        .filter_map(live_of)
                        .filter(|live| selector.matches(live)),
                )
            })
            .await?;
        }
        Ok(out)
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        let known = |name: &str| {
            attrs
                .get(name)
                .is_some_and(|v| !matches!(v, Value::Unknown | Value::Null))
        };
        if let (Some(min), Some(max)) = (
            int_of(attrs, "allocated_storage"),
            int_of(attrs, "max_allocated_storage"),
        ) {
            if max < min {
                out.push(Invalid::at(
                    "max_allocated_storage",
                    format!(
                        "max_allocated_storage ({max}) must be at least allocated_storage ({min})"
                    ),
                ));
            }
        }
        if known("iops") {
            if let Some(t) = str_of(attrs, "storage_type") {
                if !matches!(t, "gp3" | "io1" | "io2") {
                    out.push(Invalid::at(
                        "iops",
                        format!("iops applies to storage_type gp3, io1 or io2, not {t}"),
                    ));
                }
            } else if !attrs.contains_key("storage_type") {
                out.push(Invalid::at(
                    "iops",
                    "iops needs storage_type = \"gp3\", \"io1\" or \"io2\"",
                ));
            }
        }
        if let Some(t) = str_of(attrs, "storage_type") {
            if !matches!(t, "gp2" | "gp3" | "io1" | "io2" | "standard") {
                out.push(Invalid::at(
                    "storage_type",
                    format!("storage_type is gp2, gp3, io1 or io2, not {t:?}"),
                ));
            }
        }
        let managed = bool_of(attrs, "manage_master_user_password") == Some(true);
        let unknown_managed = matches!(
            attrs.get("manage_master_user_password"),
            Some(Value::Unknown)
        );
        let password =
            attrs.contains_key("password") && !matches!(attrs.get("password"), Some(Value::Null));
        if managed && password {
            out.push(Invalid::at(
                "password",
                "set either password or manage_master_user_password = true, not both",
            ));
        } else if !managed && !password && !unknown_managed {
            out.push(Invalid::at(
                "manage_master_user_password",
                "set manage_master_user_password = true (RDS keeps the password in Secrets Manager) or a password",
            ));
        }
        if bool_of(attrs, "skip_final_snapshot") == Some(true) && known("final_snapshot_identifier")
        {
            out.push(Invalid::at(
                "final_snapshot_identifier",
                "final_snapshot_identifier has no effect with skip_final_snapshot = true",
            ));
        }
        out
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "rds:CreateDBInstance";
        let rds = self.aws.rds().await?;
        let a = req.attrs;
        let identifier = match str_of(a, "identifier") {
            Some(i) => lower_identifier(i, IDENTIFIER_MAX),
            None => derived_identifier(req.deployment, req.address, IDENTIFIER_MAX),
        };
        let int = |name: &str| int_of(a, name).and_then(|i| i32::try_from(i).ok());
        let groups = str_list(a, "vpc_security_group_ids");
        let created = rds
            .create_db_instance()
            .db_instance_identifier(&identifier)
            .engine(str_of(a, "engine").unwrap_or_default())
            .set_engine_version(str_of(a, "engine_version").map(str::to_string))
            .db_instance_class(str_of(a, "instance_class").unwrap_or_default())
            .set_allocated_storage(int("allocated_storage"))
            .set_max_allocated_storage(int("max_allocated_storage"))
            .set_storage_type(str_of(a, "storage_type").map(str::to_string))
            .set_iops(int("iops"))
            .set_storage_encrypted(bool_of(a, "storage_encrypted"))
            .set_kms_key_id(str_of(a, "kms_key_id").map(str::to_string))
            .set_multi_az(bool_of(a, "multi_az"))
            .set_db_subnet_group_name(str_of(a, "db_subnet_group_name").map(str::to_string))
            .set_vpc_security_group_ids((!groups.is_empty()).then_some(groups))
            .set_db_name(str_of(a, "db_name").map(str::to_string))
            .master_username(str_of(a, "username").unwrap_or_default())
            .set_manage_master_user_password(bool_of(a, "manage_master_user_password"))
            .set_master_user_password(str_of(a, "password").map(str::to_string))
            .set_port(int("port"))
            .set_backup_retention_period(int("backup_retention_period"))
            .set_preferred_backup_window(str_of(a, "preferred_backup_window").map(str::to_string))
            .set_deletion_protection(bool_of(a, "deletion_protection"))
            .publicly_accessible(bool_of(a, "publicly_accessible").unwrap_or(false))
            .set_db_parameter_group_name(str_of(a, "parameter_group_name").map(str::to_string))
            .set_auto_minor_version_upgrade(bool_of(a, "auto_minor_version_upgrade"))
            .set_enable_performance_insights(bool_of(a, "performance_insights_enabled"))
            .set_copy_tags_to_snapshot(bool_of(a, "copy_tags_to_snapshot"))
            .set_tags(Some(tag_list(req.tags)))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let mut live = created.db_instance().and_then(live_of).ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no DB instance in the response")
                .at(req.address)
        })?;
        if live.tags.is_empty() {
            live.tags = req.tags.clone();
        }
        keep_write_only(&mut live.attrs, a);
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let rds = self.aws.rds().await?;
        let a = req.after;
        let int = |name: &str| int_of(a, name).and_then(|i| i32::try_from(i).ok());
        let mut call = rds
            .modify_db_instance()
            .db_instance_identifier(req.id)
            .apply_immediately(true);
        let modify = req.changed.iter().any(|c| !is_local(c));
        for name in req.changed {
            call = match name.as_str() {
                "engine_version" => call
                    .set_engine_version(str_of(a, "engine_version").map(str::to_string))
                    .set_allow_major_version_upgrade(bool_of(a, "allow_major_version_upgrade")),
                "instance_class" => {
                    call.set_db_instance_class(str_of(a, "instance_class").map(str::to_string))
                }
                "allocated_storage" => call.set_allocated_storage(int("allocated_storage")),
                "max_allocated_storage" => {
                    call.set_max_allocated_storage(int("max_allocated_storage"))
                }
                "storage_type" => call
                    .set_storage_type(str_of(a, "storage_type").map(str::to_string))
                    .set_iops(int("iops")),
                "iops" => call.set_iops(int("iops")),
                "multi_az" => call.set_multi_az(bool_of(a, "multi_az")),
                "vpc_security_group_ids" => {
                    call.set_vpc_security_group_ids(Some(str_list(a, "vpc_security_group_ids")))
                }
                "manage_master_user_password" => {
                    let managed = bool_of(a, "manage_master_user_password").unwrap_or(false);
                    // Turning it off needs the password that takes over.
                    call.manage_master_user_password(managed)
                        .set_master_user_password(
                            (!managed)
                                .then(|| str_of(a, "password").map(str::to_string))
                                .flatten(),
                        )
                }
                "password" => {
                    call.set_master_user_password(str_of(a, "password").map(str::to_string))
                }
                "port" => call.set_db_port_number(int("port")),
                "backup_retention_period" => {
                    call.set_backup_retention_period(int("backup_retention_period"))
                }
                "preferred_backup_window" => call.set_preferred_backup_window(
                    str_of(a, "preferred_backup_window").map(str::to_string),
                ),
                "deletion_protection" => {
                    call.set_deletion_protection(bool_of(a, "deletion_protection"))
                }
                "publicly_accessible" => {
                    call.publicly_accessible(bool_of(a, "publicly_accessible").unwrap_or(false))
                }
                "parameter_group_name" => call.set_db_parameter_group_name(
                    str_of(a, "parameter_group_name").map(str::to_string),
                ),
                "auto_minor_version_upgrade" => {
                    call.set_auto_minor_version_upgrade(bool_of(a, "auto_minor_version_upgrade"))
                }
                "performance_insights_enabled" => {
                    call.set_enable_performance_insights(bool_of(a, "performance_insights_enabled"))
                }
                "copy_tags_to_snapshot" => {
                    call.set_copy_tags_to_snapshot(bool_of(a, "copy_tags_to_snapshot"))
                }
                // Used only by later calls (the next engine change, the delete): state alone.
                local if is_local(local) => call,
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        MODIFY,
                        format!("changing `{other}` of a DB instance in place is not supported"),
                    )
                    .at(req.address))
                }
            };
        }
        if modify {
            call.send()
                .await
                .map_err(|e| in_use_is_dependency(classify(MODIFY, e)).at(req.address))?;
            self.wait_ready(req.id)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut live = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    DESCRIBE,
                    format!("DB instance {} is not visible", req.id),
                )
                .at(req.address)
            })?;
        if let Some(arn) = str_of(&live.attrs, "arn").map(str::to_string) {
            sync_tags(&self.aws, &arn, &live.tags, req.tags)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        live.tags = req.tags.clone();
        keep_write_only(&mut live.attrs, a);
        Ok(live)
    }

    async fn delete(&self, id: &str, recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "rds:DeleteDBInstance";
        let Some(current) = self.read(&[id.to_string()]).await?.pop() else {
            return Ok(());
        };
        if bool_of(&current.attrs, "deletion_protection") == Some(true) {
            return Err(ProviderError::new(
                ErrorClass::InvalidInput,
                OP,
                format!(
                    "DB instance {id} has deletion protection on: set `deletion_protection = false`, apply, then destroy"
                ),
            ));
        }
        let rds = self.aws.rds().await?;
        let mut call = rds.delete_db_instance().db_instance_identifier(id);
        if bool_of(recorded, "skip_final_snapshot") == Some(true) {
            call = call.skip_final_snapshot(true);
        } else {
            let name = str_of(recorded, "final_snapshot_identifier")
                .map(str::to_string)
                .unwrap_or_else(|| final_snapshot_name(id));
            call = call
                .skip_final_snapshot(false)
                .final_db_snapshot_identifier(name);
        }
        let deleted = call
            .send()
            .await
            .map_err(|e| in_use_is_dependency(classify(OP, e)));
        if deleted.is_err() {
            return absent_ok(deleted, NOT_FOUND);
        }
        Poll::within(SETTLE)
            .until(
                DESCRIBE,
                "the deleted DB instance to be gone",
                || async move { Ok(self.status(id).await?.is_none()) },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(SETTLE)
            .until_some(DESCRIBE, "the DB instance to be available", || async move {
                match self.status(id).await?.as_deref() {
                    Some("available") | Some("storage-optimization") => Ok(Some(())),
                    Some(
                        bad @ ("failed"
                        | "incompatible-parameters"
                        | "incompatible-network"
                        | "incompatible-option-group"
                        | "incompatible-restore"
                        | "inaccessible-encryption-credentials"
                        | "storage-full"
                        | "restore-error"
                        | "stopped"
                        | "deleting"),
                    ) => Err(ProviderError::new(
                        ErrorClass::Other,
                        DESCRIBE,
                        format!("DB instance {id} is {bad} instead of available"),
                    )),
                    Some(_) => Ok(None),
                    None => Err(ProviderError::new(
                        ErrorClass::NotFound,
                        DESCRIBE,
                        format!("DB instance {id} does not exist"),
                    )),
                }
            })
            .await
    }
}

impl DbInstance {
    /// The status of one instance (one call), `None` when it does not exist.
    async fn status(&self, id: &str) -> Result<Option<String>, ProviderError> {
        let rds = self.aws.rds().await?;
        match rds
            .describe_db_instances()
            .db_instance_identifier(id)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .db_instances()
                .first()
                .map(|d| d.db_instance_status().unwrap_or("unknown").to_string())),
            Err(e) => {
                let err = classify(DESCRIBE, e);
                if err.code.as_deref().is_some_and(|c| NOT_FOUND.contains(&c)) {
                    Ok(None)
                } else {
                    Err(err)
                }
            }
        }
    }
}

/// Attributes that only change what strata does later (no AWS call of their own).
fn is_local(name: &str) -> bool {
    matches!(
        name,
        "allow_major_version_upgrade"
            | "skip_final_snapshot"
            | "final_snapshot_identifier"
            | "tags"
    )
}

/// The attributes AWS never reports (strata's own switches) as configured. The password is
/// not among them: the engine keeps the recorded (redacted) value of what a read lacks.
fn keep_write_only(attrs: &mut Attrs, config: &Attrs) {
    for name in [
        "allow_major_version_upgrade",
        "skip_final_snapshot",
        "final_snapshot_identifier",
    ] {
        if let Some(v) = config.get(name) {
            attrs.insert(name.to_string(), v.clone());
        }
    }
}

/// The final snapshot's name when the configuration gives none: the identifier and the time,
/// so that deleting a re-created instance of the same name never collides with an old one.
fn final_snapshot_name(id: &str) -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    lower_identifier(&format!("{id}-final-{secs}"), 255)
}

/// An instance as read.
fn live_of(db: &aws_sdk_rds::types::DbInstance) -> Option<LiveResource> {
    let id = db.db_instance_identifier()?;
    // An instance being deleted is as good as gone for what reads it.
    if db.db_instance_status() == Some("deleting") {
        return None;
    }
    let mut attrs = Attrs::new();
    let int = |v: Option<i32>| v.map(i64::from);
    put_str(&mut attrs, "identifier", Some(id));
    put_str(&mut attrs, "engine", db.engine());
    put_str(&mut attrs, "engine_version", db.engine_version());
    put_str(&mut attrs, "instance_class", db.db_instance_class());
    put_int(&mut attrs, "allocated_storage", int(db.allocated_storage()));
    put_int(
        &mut attrs,
        "max_allocated_storage",
        int(db.max_allocated_storage()),
    );
    put_str(&mut attrs, "storage_type", db.storage_type());
    put_int(&mut attrs, "iops", int(db.iops()));
    put_bool(&mut attrs, "storage_encrypted", db.storage_encrypted());
    put_str(&mut attrs, "kms_key_id", db.kms_key_id());
    put_bool(&mut attrs, "multi_az", db.multi_az());
    put_str(
        &mut attrs,
        "db_subnet_group_name",
        db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
    );
    put_str_list(
        &mut attrs,
        "vpc_security_group_ids",
        db.vpc_security_groups()
            .iter()
            .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
            .collect(),
        true,
    );
    put_str(&mut attrs, "db_name", db.db_name());
    put_str(&mut attrs, "username", db.master_username());
    let secret = db.master_user_secret().and_then(|s| s.secret_arn());
    put_bool(
        &mut attrs,
        "manage_master_user_password",
        Some(secret.is_some()),
    );
    put_str(&mut attrs, "master_user_secret_arn", secret);
    put_int(
        &mut attrs,
        "port",
        int(db
            .endpoint()
            .and_then(|e| e.port())
            .or(db.db_instance_port())
            .filter(|p| *p > 0)),
    );
    put_int(
        &mut attrs,
        "backup_retention_period",
        int(db.backup_retention_period()),
    );
    put_str(
        &mut attrs,
        "preferred_backup_window",
        db.preferred_backup_window(),
    );
    put_bool(&mut attrs, "deletion_protection", db.deletion_protection());
    put_bool(&mut attrs, "publicly_accessible", db.publicly_accessible());
    put_str(
        &mut attrs,
        "parameter_group_name",
        db.db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name()),
    );
    put_bool(
        &mut attrs,
        "auto_minor_version_upgrade",
        db.auto_minor_version_upgrade(),
    );
    put_bool(
        &mut attrs,
        "performance_insights_enabled",
        db.performance_insights_enabled(),
    );
    put_bool(
        &mut attrs,
        "copy_tags_to_snapshot",
        db.copy_tags_to_snapshot(),
    );
    put_str(&mut attrs, "arn", db.db_instance_arn());
    put_str(
        &mut attrs,
        "address",
        db.endpoint().and_then(|e| e.address()),
    );
    put_str(&mut attrs, "resource_id", db.dbi_resource_id());
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tag_map(db.tag_list()),
    })
}
