//! EC2 tags: tag specifications for create calls, tag filters for lookups, and syncing tags
//! on update.

use crate::aws::errors::classify;
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::provider::{ProviderError, Selector};
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use std::collections::BTreeMap;

/// Tags as a map, skipping AWS's own `aws:` tags.
pub fn from_ec2(tags: &[Tag]) -> BTreeMap<String, String> {
    tag_map(tags)
}

fn to_ec2(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tag_list(tags)
}

/// A tag specification for a create call: tags are set atomically with the resource, so an
/// interrupted run can always find what it created.
pub fn spec(resource_type: ResourceType, tags: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource_type)
        .set_tags(Some(to_ec2(tags)))
        .build()
}

/// One `tag:KEY = VALUE` filter per tag.
pub fn filters(tags: &BTreeMap<String, String>) -> Vec<Filter> {
    tags.iter()
        .map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build())
        .collect()
}

/// A filter on one field with many values (ids in batches).
pub fn filter(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// The filter sets a describe makes for `selector`: one per batch of ids on the `id_filter`
/// field (`vpc-id`), or the tag filters; each set is then one paginated call.
pub fn selection(selector: Selector<'_>, id_filter: &str) -> Vec<Vec<Filter>> {
    match selector {
        Selector::Ids(ids) => ids
            .chunks(FILTER_BATCH)
            .map(|batch| vec![filter(id_filter, batch)])
            .collect(),
        Selector::Tags(tags) => vec![filters(tags)],
    }
}

/// EC2 filters take at most 200 values: batch ids by that.
pub const FILTER_BATCH: usize = 200;

/// The page sizes EC2 describe calls accept (`MaxResults`).
pub const PAGE_LIMITS: std::ops::RangeInclusive<i32> = 5..=1000;

/// Make the resource's tags equal `want`: create/overwrite changed ones, delete removed ones.
pub async fn sync(
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (changed, removed) = tag_changes(have, want);
    if !changed.is_empty() {
        ec2.create_tags()
            .resources(id)
            .set_tags(Some(to_ec2(&changed)))
            .send()
            .await
            .map_err(|e| classify("ec2:CreateTags", e))?;
    }
    let removed: Vec<Tag> = removed
        .iter()
        .map(|k| Tag::builder().key(k).build())
        .collect();
    if !removed.is_empty() {
        ec2.delete_tags()
            .resources(id)
            .set_tags(Some(removed))
            .send()
            .await
            .map_err(|e| classify("ec2:DeleteTags", e))?;
    }
    Ok(())
}

/// The desired tags of a resource as strings (the engine passes them in the `tags` attribute).
pub fn desired(attrs: &crate::provider::Attrs) -> BTreeMap<String, String> {
    match attrs.get("tags") {
        Some(crate::value::Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    }
}
