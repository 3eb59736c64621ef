//! `db_subnet_group`: the subnets an RDS instance may be placed in.
//!
//! describe: `DescribeDBSubnetGroups` takes one name at most (and fails on an unknown one), so
//! it lists the groups (one call per page) and keeps what the selector matches. The listing
//! omits tags: they come from `ListTagsForResource`, one call per group kept — RDS has no
//! batched tag read, and moto's Resource Groups Tagging API does not report `rds:subgrp`
//! resources (AWS's does; switch to it once the emulator can prove it).
//!
//! update: `ModifyDBSubnetGroup` answers the changed group, which is what update reports.
//! (moto 5.2's ModifyDBSubnetGroup drops the group from its account afterwards, a gap the
//! tests record.)

use super::common::{
    derived_identifier, in_use_is_dependency, lower_identifier, sync_tags, tags_of,
};
use crate::aws::attrs::{put_str, put_str_list, str_list, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::shapes::string_list;
use crate::aws::tagging::tag_list;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use std::sync::{Arc, LazyLock};

const DESCRIBE: &str = "rds:DescribeDBSubnetGroups";
/// RDS's code for a subnet group that does not exist.
const NOT_FOUND: &str = "DBSubnetGroupNotFoundFault";
/// Longest subnet group name RDS takes.
const NAME_MAX: usize = 255;
/// The description when the configuration sets none (RDS requires one).
const DEFAULT_DESCRIPTION: &str = "Managed by strata";

/// A DB subnet group (`CreateDBSubnetGroup`, `ModifyDBSubnetGroup`).
pub struct DbSubnetGroup {
    aws: Arc<Aws>,
}

impl DbSubnetGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        DbSubnetGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "db_subnet_group",
        "An RDS DB subnet group: the private subnets (in two or more zones) a DB instance lives in",
    )
    .taggable()
    // RDS has no rename.
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
            .doc("Ids of the subnets of the group, in at least two availability zones"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the subnet group"))
    .attr(
        AttrSchema::computed("vpc_id", AttrType::String).doc("Id of the VPC of the subnets"),
    )
});

#[async_trait]
impl ResourceKind for DbSubnetGroup {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let rds = self.aws.rds().await?;
        let pages = rds
            .describe_db_subnet_groups()
            .set_max_records(self.aws.page_size(None, 20..=100))
            .into_paginator()
            .send();
        let mut groups = Vec::new();
        each_page(DESCRIBE, pages, |page| {
            groups.extend(page.db_subnet_groups().iter().filter_map(live_of))
        })
        .await?;
        let mut out = Vec::new();
        for (mut live, arn) in groups {
            // Ids are known before the tags: only those groups' tags are read.
            if let Selector::Ids(ids) = selector {
                if !ids.contains(&live.id) {
                    continue;
                }
            }
            live.tags = tags_of(&self.aws, &arn).await?;
            if selector.matches(&live) {
                out.push(live);
            }
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "rds:CreateDBSubnetGroup";
        let rds = self.aws.rds().await?;
        let name = match str_of(req.attrs, "name") {
            Some(n) => lower_identifier(n, NAME_MAX),
            None => derived_identifier(req.deployment, req.address, NAME_MAX),
        };
        let created = rds
            .create_db_subnet_group()
            .db_subnet_group_name(&name)
            .db_subnet_group_description(
                str_of(req.attrs, "description").unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_subnet_ids(Some(str_list(req.attrs, "subnet_ids")))
            .set_tags(Some(tag_list(req.tags)))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let (mut live, _) = created.db_subnet_group().and_then(live_of).ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no subnet group in the response")
                .at(req.address)
        })?;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "rds:ModifyDBSubnetGroup";
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
                            "changing `{other}` of a DB subnet group in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        let rds = self.aws.rds().await?;
        let modified = if modify {
            // The call takes the whole subnet list (and the description) every time, and
            // answers the group as changed.
            let out = rds
                .modify_db_subnet_group()
                .db_subnet_group_name(req.id)
                .db_subnet_group_description(
                    str_of(req.after, "description").unwrap_or(DEFAULT_DESCRIPTION),
                )
                .set_subnet_ids(Some(str_list(req.after, "subnet_ids")))
                .send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
            out.db_subnet_group().and_then(live_of)
        } else {
            None
        };
        let (mut live, arn) = match modified {
            Some(found) => found,
            None => {
                let live = self
                    .read(&[req.id.to_string()])
                    .await?
                    .pop()
                    .ok_or_else(|| {
                        ProviderError::new(
                            ErrorClass::NotFound,
                            DESCRIBE,
                            format!("DB subnet group {} is not visible", req.id),
                        )
                        .at(req.address)
                    })?;
                let arn = str_of(&live.attrs, "arn").unwrap_or_default().to_string();
                (live, arn)
            }
        };
        if !arn.is_empty() {
            // An answer to a modify carries no tags: read them.
            let have = if live.tags.is_empty() {
                tags_of(&self.aws, &arn).await?
            } else {
                live.tags.clone()
            };
            sync_tags(&self.aws, &arn, &have, req.tags)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        live.tags = req.tags.clone();
        Ok(live)
    }

    /// RDS refuses while an instance still uses the group (`InvalidDBSubnetGroupStateFault`,
    /// a dependency): the instance's delete waits until it is gone, so in one destroy the
    /// group goes after it.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let rds = self.aws.rds().await?;
        absent_ok(
            rds.delete_db_subnet_group()
                .db_subnet_group_name(id)
                .send()
                .await
                .map_err(|e| in_use_is_dependency(classify("rds:DeleteDBSubnetGroup", e))),
            &[NOT_FOUND, "DBSubnetGroupNotFound"],
        )
    }
}

/// A group as read (without its tags), and its ARN for the tag read.
fn live_of(group: &aws_sdk_rds::types::DbSubnetGroup) -> Option<(LiveResource, String)> {
    let name = group.db_subnet_group_name()?;
    let arn = group.db_subnet_group_arn().unwrap_or_default().to_string();
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(name));
    put_str(
        &mut attrs,
        "description",
        group.db_subnet_group_description(),
    );
    put_str(&mut attrs, "vpc_id", group.vpc_id());
    put_str(
        &mut attrs,
        "arn",
        Some(&arn).filter(|a| !a.is_empty()).map(|a| a.as_str()),
    );
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
    Some((
        LiveResource {
            id: name.to_string(),
            attrs,
            tags: Default::default(),
        },
        arn,
    ))
}
