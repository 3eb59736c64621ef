//! `elasticache_subnet_group`: the subnets an ElastiCache cluster may be placed in.
//!
//! describe: `DescribeCacheSubnetGroups` takes one name at most (and fails on an unknown one),
//! so it lists the groups (one call per page) and keeps what the selector matches; tags come
//! from the Resource Groups Tagging API, one call per page of up to 100 ARNs.
//!
//! moto 5.2 lacks `ModifyCacheSubnetGroup` and `DeleteCacheSubnetGroup`. The strict test
//! proxy models the delete (and AWS's `CacheSubnetGroupInUse` refusal); a modify against
//! moto fails, which the tests record as the emulator's gap.

use super::common::{sync_tags, tags_of};
use crate::aws::attrs::{put_str, put_str_list, str_list, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::rds::common::{derived_identifier, lower_identifier};
use crate::aws::shapes::string_list;
use crate::aws::tagging::tag_list;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use std::sync::{Arc, LazyLock};

const DESCRIBE: &str = "elasticache:DescribeCacheSubnetGroups";
/// Longest cache subnet group name.
const NAME_MAX: usize = 255;
/// The description when the configuration sets none (ElastiCache requires one).
const DEFAULT_DESCRIPTION: &str = "Managed by strata";

/// An ElastiCache subnet group (`CreateCacheSubnetGroup`, `ModifyCacheSubnetGroup`).
pub struct CacheSubnetGroup {
    aws: Arc<Aws>,
}

impl CacheSubnetGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        CacheSubnetGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "elasticache_subnet_group",
        "An ElastiCache subnet group: the private subnets a replication group's nodes live in",
    )
    .taggable()
    // ElastiCache has no rename.
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name of the group, lowercase; derived from the deployment and resource name when unset"),
    )
    .attr(
        AttrSchema::string("description")
            .doc("Description of the group (default \"Managed by strata\")"),
    )
    .attr(
        string_list("subnet_ids")
            .required()
            .unordered()
            .refers_to(&["subnet"])
            .doc("Ids of the subnets of the group"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the subnet group"))
    .attr(
        AttrSchema::computed("vpc_id", AttrType::String).doc("Id of the VPC of the subnets"),
    )
});

#[async_trait]
impl ResourceKind for CacheSubnetGroup {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let ec = self.aws.elasticache().await?;
        let pages = ec
            .describe_cache_subnet_groups()
            .set_max_records(self.aws.page_size(None, 20..=100))
            .into_paginator()
            .send();
        let mut groups = Vec::new();
        each_page(DESCRIBE, pages, |page| {
            groups.extend(page.cache_subnet_groups().iter().filter_map(live_of))
        })
        .await?;
        // Ids are known before the tags: only those groups' tags are read.
        if let Selector::Ids(ids) = selector {
            groups.retain(|g| ids.contains(&g.id));
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
        Ok(groups)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elasticache:CreateCacheSubnetGroup";
        let ec = self.aws.elasticache().await?;
        let name = match str_of(req.attrs, "name") {
            Some(n) => lower_identifier(n, NAME_MAX),
            None => derived_identifier(req.deployment, req.address, NAME_MAX),
        };
        let created = ec
            .create_cache_subnet_group()
            .cache_subnet_group_name(&name)
            .cache_subnet_group_description(
                str_of(req.attrs, "description").unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_subnet_ids(Some(str_list(req.attrs, "subnet_ids")))
            .set_tags(Some(tag_list(req.tags)))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let mut live = created
            .cache_subnet_group()
            .and_then(live_of)
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no subnet group in the response")
                    .at(req.address)
            })?;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elasticache:ModifyCacheSubnetGroup";
        let mut modify = false;
        for name in req.changed {
            match name.as_str() {
                "description" | "subnet_ids" => modify = true,
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!(
                            "changing `{other}` of an ElastiCache subnet group in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        let ec = self.aws.elasticache().await?;
        if modify {
            ec.modify_cache_subnet_group()
                .cache_subnet_group_name(req.id)
                .cache_subnet_group_description(
                    str_of(req.after, "description").unwrap_or(DEFAULT_DESCRIPTION),
                )
                .set_subnet_ids(Some(str_list(req.after, "subnet_ids")))
                .send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
        }
        let mut live = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    DESCRIBE,
                    format!("ElastiCache subnet group {} is not visible", req.id),
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

    /// ElastiCache refuses while a cluster still uses the group (`CacheSubnetGroupInUse`, a
    /// dependency): the replication group's delete waits until it is gone.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let ec = self.aws.elasticache().await?;
        absent_ok(
            ec.delete_cache_subnet_group()
                .cache_subnet_group_name(id)
                .send()
                .await
                .map_err(|e| {
                    let err = classify("elasticache:DeleteCacheSubnetGroup", e);
                    if err.code.as_deref() == Some("CacheSubnetGroupInUse") {
                        ProviderError {
                            class: ErrorClass::DependencyViolation,
                            ..err
                        }
                    } else {
                        err
                    }
                }),
            &["CacheSubnetGroupNotFoundFault"],
        )
    }
}

/// A group as read (without its tags).
fn live_of(group: &aws_sdk_elasticache::types::CacheSubnetGroup) -> Option<LiveResource> {
    let name = group.cache_subnet_group_name()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(name));
    put_str(
        &mut attrs,
        "description",
        group.cache_subnet_group_description(),
    );
    put_str(&mut attrs, "vpc_id", group.vpc_id());
    put_str(&mut attrs, "arn", group.arn());
    put_str_list(
        &mut attrs,
        "subnet_ids",
        group
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect(),
        true,
    );
    Some(LiveResource {
        id: name.to_string(),
        attrs,
        tags: Default::default(),
    })
}
