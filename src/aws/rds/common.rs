//! What the RDS kinds share (and the identifier rules, which ElastiCache shares too): tags (set at create, changed with `AddTagsToResource` /
//! `RemoveTagsFromResource`, read with `ListTagsForResource`), derived identifiers and the
//! refusals RDS words as "invalid state".

use crate::address::Address;
use crate::aws::errors::classify;
use crate::aws::names;
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::Aws;
use crate::provider::{ErrorClass, ProviderError};
use std::collections::BTreeMap;

/// A name RDS accepts for an identifier strata derives: lowercase (RDS lowercases them
/// anyway), starting with a letter, no `--`, no trailing `-`, at most `max` characters.
pub fn derived_identifier(deployment: &str, address: &Address, max: usize) -> String {
    lower_identifier(&names::derived(deployment, address, max), max)
}

/// `raw` made a valid RDS/ElastiCache identifier of at most `max` characters.
pub fn lower_identifier(raw: &str, max: usize) -> String {
    let mut out = String::new();
    for c in raw.to_ascii_lowercase().chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "x-");
    }
    out.truncate(max);
    out.trim_end_matches('-').to_string()
}

/// The tags of one RDS resource (`ListTagsForResource`: one call per resource; RDS has no
/// batched tag read, and moto's Resource Groups Tagging API does not report subnet groups).
pub async fn tags_of(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
    const OP: &str = "rds:ListTagsForResource";
    let rds = aws.rds().await?;
    let out = rds
        .list_tags_for_resource()
        .resource_name(arn)
        .send()
        .await
        .map_err(|e| classify(OP, e))?;
    Ok(tag_map(out.tag_list()))
}

/// Turn the tags `have` of `arn` into `want`.
pub async fn sync_tags(
    aws: &Aws,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let rds = aws.rds().await?;
    let (set, removed) = tag_changes(have, want);
    if !set.is_empty() {
        rds.add_tags_to_resource()
            .resource_name(arn)
            .set_tags(Some(tag_list(&set)))
            .send()
            .await
            .map_err(|e| classify("rds:AddTagsToResource", e))?;
    }
    if !removed.is_empty() {
        rds.remove_tags_from_resource()
            .resource_name(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| classify("rds:RemoveTagsFromResource", e))?;
    }
    Ok(())
}

/// RDS words "still in use" as an invalid state (`InvalidDBSubnetGroupStateFault`,
/// `InvalidDBInstanceState`): that is a dependency the engine orders around, not a typo.
pub fn in_use_is_dependency(err: ProviderError) -> ProviderError {
    match err.code.as_deref() {
        Some("InvalidDBSubnetGroupStateFault")
        | Some("InvalidDBSubnetGroupState")
        | Some("InvalidDBInstanceState")
        | Some("InvalidDBInstanceStateFault") => ProviderError {
            class: ErrorClass::DependencyViolation,
            ..err
        },
        _ => err,
    }
}
