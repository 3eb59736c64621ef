//! What the ElastiCache kinds share: tags read in one call per page of up to 100 ARNs with the
//! Resource Groups Tagging API (ElastiCache's describes omit tags, and its own
//! `ListTagsForResource` takes one ARN), and changed with `AddTagsToResource` /
//! `RemoveTagsFromResource`.

use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::tagging::{tag_changes, tag_list};
use crate::aws::Aws;
use crate::provider::ProviderError;
use std::collections::BTreeMap;

/// Most ARNs `GetResources` takes in one `ResourceARNList`.
const ARNS_PER_CALL: usize = 100;

/// ARN → tags of `arns` (resources without tags may be absent), one call per page of at most
/// 100 ARNs.
pub async fn tags_of(
    aws: &Aws,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    const OP: &str = "tagging:GetResources";
    let mut out = BTreeMap::new();
    if arns.is_empty() {
        return Ok(out);
    }
    let tagging = aws.tagging().await?;
    for chunk in arns.chunks(ARNS_PER_CALL) {
        let pages = tagging
            .get_resources()
            .set_resource_arn_list(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        each_page(OP, pages, |page| {
            for mapping in page.resource_tag_mapping_list() {
                let Some(arn) = mapping.resource_arn() else {
                    continue;
                };
                let tags = mapping
                    .tags()
                    .iter()
                    .filter(|t| !t.key().starts_with("aws:"))
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                out.insert(arn.to_string(), tags);
            }
        })
        .await?;
    }
    Ok(out)
}

/// Turn the tags `have` of `arn` into `want`.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let ec = aws.elasticache().await?;
    let (set, removed) = tag_changes(have, want);
    if !set.is_empty() {
        ec.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(tag_list(&set)))
            .send()
            .await
            .map_err(|e| classify("elasticache:AddTagsToResource", e))?;
    }
    if !removed.is_empty() {
        ec.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| classify("elasticache:RemoveTagsFromResource", e))?;
    }
    Ok(())
}
