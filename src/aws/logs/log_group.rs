//! `cloudwatch_log_group`: a CloudWatch Logs log group. Its id is its name.
//!
//! `describe` lists `DescribeLogGroups` by name prefix — the longest prefix the wanted names
//! share, so several groups are one listing, one call per page, kept to the wanted names —
//! and reads the tags of every group found in one Resource Groups Tagging API call per 100
//! ARNs (`GetResources` with `ResourceARNList`): `DescribeLogGroups` omits tags, and
//! `ListTagsForResource` would be one call per group. A lookup by tags asks the tagging API
//! first (tag filters, resource type `logs`), then lists the groups it named.
//!
//! moto lacks `AssociateKmsKey` and `DisassociateKmsKey` (changing `kms_key_id` in place is
//! therefore untested against it) and ignores `logGroupClass` (not returned; the recorded
//! value is kept).

use crate::aws::attrs::{int_of, put_int, put_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::names;
use crate::aws::paging::each_page;
use crate::aws::tagging::tag_changes;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::Value;
use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::types::LogGroupClass;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// A log group (`CreateLogGroup`).
pub struct LogGroup {
    aws: Arc<Aws>,
}

impl LogGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        LogGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "cloudwatch_log_group",
        "A CloudWatch Logs log group, e.g. for the logs of ECS tasks",
    )
    .usage(crate::provider::UsageKey::new("gb_ingested", "GB", 5.0, "Log data written a month"))
    .usage(crate::provider::UsageKey::new("gb_stored", "GB", 5.0, "Log data kept on average (depends on retention)"))
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Log group name, unique in the region; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::int("retention_in_days")
            .doc("Days to keep events (1, 3, 5, 7, 14, 30, 60, 90, … 3653); kept forever when unset"),
    )
    .attr(
        AttrSchema::string("kms_key_id")
            .doc("ARN of the KMS key encrypting the group's events; CloudWatch Logs' own encryption when unset"),
    )
    // The class is chosen at creation only.
    .attr(
        AttrSchema::string("log_group_class")
            .replace()
            .doc("STANDARD (default) or INFREQUENT_ACCESS"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the log group (without the `:*` suffix)"))
});

/// The retention periods CloudWatch Logs accepts (`PutRetentionPolicy`).
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// The log group classes strata offers.
const CLASSES: &[&str] = &["STANDARD", "INFREQUENT_ACCESS"];

/// Log group names are at most 512 characters.
const NAME_MAX: usize = 512;

/// `GetResources` takes at most 100 ARNs per call.
const ARNS_PER_CALL: usize = 100;

const DESCRIBE: &str = "logs:DescribeLogGroups";
const GET_RESOURCES: &str = "tagging:GetResources";

#[async_trait]
impl ResourceKind for LogGroup {
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
        vec![
            Meter::new(
                "logs/ingest-gb",
                usage.get("gb_ingested"),
                CostCategory::Other,
                "log data ingested",
            )
            .from_usage("gb_ingested"),
            Meter::new(
                "logs/storage-gb-month",
                usage.get("gb_stored"),
                CostCategory::Storage,
                "log data stored",
            )
            .from_usage("gb_stored"),
        ]
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut broken = Vec::new();
        if let Some(Value::Int(days)) = attrs.get("retention_in_days") {
            if !RETENTION_DAYS.contains(days) {
                let allowed: Vec<String> = RETENTION_DAYS.iter().map(|d| d.to_string()).collect();
                broken.push(Invalid::at(
                    "retention_in_days",
                    format!(
                        "CloudWatch Logs keeps events for one of {} days, not {days}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        if let Some(Value::String(class)) = attrs.get("log_group_class") {
            if !CLASSES.contains(&class.as_str()) {
                broken.push(Invalid::at(
                    "log_group_class",
                    format!("`log_group_class` is STANDARD or INFREQUENT_ACCESS, not `{class}`"),
                ));
            }
        }
        broken
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let names: BTreeSet<String> = match selector {
            Selector::Ids(ids) => ids.iter().cloned().collect(),
            Selector::Tags(tags) => self.tagged_names(tags).await?,
        };
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut found = self.listed(&names).await?;
        let arns: Vec<String> = found.iter().filter_map(arn_of).collect();
        let mut tags = self.tags_of(&arns).await?;
        for live in &mut found {
            if let Some(arn) = arn_of(live) {
                live.tags = tags.remove(&arn).unwrap_or_default();
            }
        }
        found.retain(|l| selector.matches(l));
        Ok(found)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "logs:CreateLogGroup";
        let logs = self.aws.logs().await?;
        let name = match str_of(req.attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, NAME_MAX),
        };
        logs.create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(str_of(req.attrs, "kms_key_id").map(str::to_string))
            .set_log_group_class(str_of(req.attrs, "log_group_class").map(LogGroupClass::from))
            .set_tags(Some(req.tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        if let Some(days) = int_of(req.attrs, "retention_in_days") {
            self.put_retention(&name, days)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut live = self.read_or_assumed(&name, req.attrs, req.tags).await?;
        if let Some(class) = str_of(req.attrs, "log_group_class") {
            live.attrs
                .entry("log_group_class".into())
                .or_insert_with(|| Value::str(class));
        }
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let logs = self.aws.logs().await?;
        let name = req.id;
        let mut tags_changed = false;
        for attr in req.changed {
            match attr.as_str() {
                "retention_in_days" => match int_of(req.after, "retention_in_days") {
                    Some(days) => self.put_retention(name, days).await,
                    None => logs
                        .delete_retention_policy()
                        .log_group_name(name)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| classify("logs:DeleteRetentionPolicy", e)),
                },
                "kms_key_id" => match str_of(req.after, "kms_key_id") {
                    Some(key) => logs
                        .associate_kms_key()
                        .log_group_name(name)
                        .kms_key_id(key)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| classify("logs:AssociateKmsKey", e)),
                    None => logs
                        .disassociate_kms_key()
                        .log_group_name(name)
                        .send()
                        .await
                        .map(|_| ())
                        .map_err(|e| classify("logs:DisassociateKmsKey", e)),
                },
                "tags" => {
                    tags_changed = true;
                    Ok(())
                }
                other => Err(ProviderError::new(
                    ErrorClass::Unsupported,
                    "logs:CreateLogGroup",
                    format!("changing `{other}` of a log group in place is not supported"),
                )),
            }
            .map_err(|e| e.at(req.address))?;
        }
        let mut live = self.read(&[name.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                DESCRIBE,
                format!("log group {name} is not visible"),
            )
            .at(req.address)
        })?;
        if tags_changed || live.tags != *req.tags {
            let arn = arn_of(&live).unwrap_or_default();
            self.sync_tags(&arn, &live.tags, req.tags)
                .await
                .map_err(|e| e.at(req.address))?;
            live.tags = req.tags.clone();
        }
        if let Some(class) = req.before.get("log_group_class").cloned() {
            live.attrs.entry("log_group_class".into()).or_insert(class);
        }
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let logs = self.aws.logs().await?;
        absent_ok(
            logs.delete_log_group()
                .log_group_name(id)
                .send()
                .await
                .map_err(|e| classify("logs:DeleteLogGroup", e)),
            &["ResourceNotFoundException"],
        )
    }
}

impl LogGroup {
    /// The groups named `names`, from one listing (paged) by their longest common prefix.
    async fn listed(&self, names: &BTreeSet<String>) -> Result<Vec<LiveResource>, ProviderError> {
        let logs = self.aws.logs().await?;
        let prefix = common_prefix(names);
        let pages = logs
            .describe_log_groups()
            .set_log_group_name_prefix((!prefix.is_empty()).then(|| prefix.to_string()))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(DESCRIBE, pages, |page| {
            for group in page.log_groups() {
                let Some(name) = group.log_group_name() else {
                    continue;
                };
                if !names.contains(name) {
                    continue;
                }
                let mut attrs = Attrs::new();
                put_str(&mut attrs, "name", Some(name));
                let arn = group
                    .log_group_arn()
                    .map(str::to_string)
                    .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()));
                put_str(&mut attrs, "arn", arn.as_deref());
                // Unset is a value (kept forever, AWS's encryption): a policy or key removed
                // behind strata's back shows as a change.
                match group.retention_in_days() {
                    Some(days) => put_int(&mut attrs, "retention_in_days", Some(days.into())),
                    None => {
                        attrs.insert("retention_in_days".into(), Value::Null);
                    }
                }
                match group.kms_key_id() {
                    Some(key) => put_str(&mut attrs, "kms_key_id", Some(key)),
                    None => {
                        attrs.insert("kms_key_id".into(), Value::Null);
                    }
                }
                put_str(
                    &mut attrs,
                    "log_group_class",
                    group.log_group_class().map(|c| c.as_str()),
                );
                out.push(LiveResource {
                    id: name.to_string(),
                    attrs,
                    tags: BTreeMap::new(),
                });
            }
        })
        .await?;
        Ok(out)
    }

    /// Tags of these log groups, by ARN: one tagging API call per 100 ARNs (per page).
    async fn tags_of(
        &self,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
        let mut out = BTreeMap::new();
        if arns.is_empty() {
            return Ok(out);
        }
        let tagging = self.aws.tagging().await?;
        for batch in arns.chunks(ARNS_PER_CALL) {
            let pages = tagging
                .get_resources()
                .set_resource_arn_list(Some(batch.to_vec()))
                .into_paginator()
                .send();
            each_page(GET_RESOURCES, pages, |page| {
                for mapping in page.resource_tag_mapping_list() {
                    if let Some(arn) = mapping.resource_arn() {
                        out.insert(arn.trim_end_matches(":*").to_string(), tag_map(mapping));
                    }
                }
            })
            .await?;
        }
        Ok(out)
    }

    /// Names of the log groups carrying all of `wanted`, from the tagging API.
    async fn tagged_names(
        &self,
        wanted: &BTreeMap<String, String>,
    ) -> Result<BTreeSet<String>, ProviderError> {
        let tagging = self.aws.tagging().await?;
        let filters = wanted
            .iter()
            .map(|(k, v)| TagFilter::builder().key(k).values(v).build())
            .collect();
        // `logs` (the service) rather than `logs:log-group`: emulators name the type otherwise.
        let pages = tagging
            .get_resources()
            .resource_type_filters("logs")
            .set_tag_filters(Some(filters))
            .into_paginator()
            .send();
        let mut names = BTreeSet::new();
        each_page(GET_RESOURCES, pages, |page| {
            for mapping in page.resource_tag_mapping_list() {
                let tags = tag_map(mapping);
                if !wanted.iter().all(|(k, v)| tags.get(k) == Some(v)) {
                    continue;
                }
                if let Some(name) = mapping.resource_arn().and_then(name_of_arn) {
                    names.insert(name);
                }
            }
        })
        .await?;
        Ok(names)
    }

    async fn put_retention(&self, name: &str, days: i64) -> Result<(), ProviderError> {
        const OP: &str = "logs:PutRetentionPolicy";
        let days = i32::try_from(days)
            .map_err(|_| ProviderError::invalid(OP, format!("{days} days is out of range")))?;
        let logs = self.aws.logs().await?;
        logs.put_retention_policy()
            .log_group_name(name)
            .retention_in_days(days)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(())
    }

    /// Make the group's tags equal `want` (`TagResource` / `UntagResource`).
    async fn sync_tags(
        &self,
        arn: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        let logs = self.aws.logs().await?;
        let (set, removed) = tag_changes(have, want);
        if !set.is_empty() {
            logs.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .map_err(|e| classify("logs:TagResource", e))?;
        }
        if !removed.is_empty() {
            logs.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| classify("logs:UntagResource", e))?;
        }
        Ok(())
    }

    /// The group as read back after create, or as requested if not visible yet.
    async fn read_or_assumed(
        &self,
        name: &str,
        attrs: &Attrs,
        tags: &BTreeMap<String, String>,
    ) -> Result<LiveResource, ProviderError> {
        if let Some(live) = self.read(&[name.to_string()]).await?.pop() {
            return Ok(live);
        }
        let mut assumed = Attrs::new();
        put_str(&mut assumed, "name", Some(name));
        put_int(
            &mut assumed,
            "retention_in_days",
            int_of(attrs, "retention_in_days"),
        );
        put_str(&mut assumed, "kms_key_id", str_of(attrs, "kms_key_id"));
        Ok(LiveResource {
            id: name.to_string(),
            attrs: assumed,
            tags: tags.clone(),
        })
    }
}

/// The ARN recorded on a read group.
fn arn_of(live: &LiveResource) -> Option<String> {
    str_of(&live.attrs, "arn").map(str::to_string)
}

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → `NAME`.
fn name_of_arn(arn: &str) -> Option<String> {
    let (_, name) = arn.split_once(":log-group:")?;
    Some(name.trim_end_matches(":*").to_string())
}

/// The tagging API's tags of one resource as a map, without AWS's own `aws:` tags.
fn tag_map(
    mapping: &aws_sdk_resourcegroupstagging::types::ResourceTagMapping,
) -> BTreeMap<String, String> {
    mapping
        .tags()
        .iter()
        .filter(|t| !t.key().starts_with("aws:"))
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

/// The longest prefix all `names` share (empty when they share none).
fn common_prefix(names: &BTreeSet<String>) -> &str {
    // In sorted order, the first and last names differ soonest.
    let (Some(first), Some(last)) = (names.first(), names.last()) else {
        return "";
    };
    let len = first
        .char_indices()
        .zip(last.chars())
        .find(|((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(first.len().min(last.len()));
    &first[..len]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_share_the_longest_common_prefix() {
        let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(common_prefix(&set(&["/ecs/api", "/ecs/worker"])), "/ecs/");
        assert_eq!(common_prefix(&set(&["a", "ab"])), "a");
        assert_eq!(common_prefix(&set(&["a", "b"])), "");
        assert_eq!(common_prefix(&set(&["only"])), "only");
        assert_eq!(
            name_of_arn("arn:aws:logs:us-east-1:1:log-group:/ecs/api:*").as_deref(),
            Some("/ecs/api")
        );
    }
}
