//! ECS resource kinds: clusters, task definitions and services.
//!
//! Shared here: the capacity provider strategy block (a cluster's default and a service's
//! own), and finding tagged ECS resources through the Resource Groups Tagging API (one call
//! per page for every cluster, service or task definition with the tags, where ECS itself
//! would need a list and a describe per cluster).

pub mod cluster;
pub mod service;
pub mod task_definition;

pub use cluster::EcsCluster;
pub use service::EcsService;
pub use task_definition::EcsTaskDefinition;

use crate::aws::attrs::table_list;
use crate::aws::paging::each_page;
use crate::aws::shapes::int;
use crate::aws::Aws;
use crate::provider::{AttrType, Attrs, BlockField, ProviderError};
use crate::value::Value;
use aws_sdk_ecs::types::CapacityProviderStrategyItem;
use aws_sdk_resourcegroupstagging::types::TagFilter;
use std::collections::BTreeMap;

/// The keys of one capacity provider strategy item.
pub(crate) fn strategy_fields() -> Vec<BlockField> {
    vec![
        BlockField::new("capacity_provider", AttrType::String).required(),
        int("weight"),
        int("base"),
    ]
}

/// The capacity provider strategy in `attrs[name]` as SDK items; `None` when unset.
pub(crate) fn strategy_of(
    attrs: &Attrs,
    name: &str,
    op: &str,
) -> Result<Option<Vec<CapacityProviderStrategyItem>>, ProviderError> {
    if !attrs.contains_key(name) {
        return Ok(None);
    }
    let mut items = Vec::new();
    for t in table_list(attrs, name) {
        let provider = t.get("capacity_provider").and_then(Value::as_str);
        let item = CapacityProviderStrategyItem::builder()
            .set_capacity_provider(provider.map(str::to_string))
            .set_weight(int_in(t, "weight", name, op)?)
            .set_base(int_in(t, "base", name, op)?)
            .build()
            .map_err(|e| ProviderError::invalid(op, format!("`{name}`: {e}")))?;
        items.push(item);
    }
    Ok(Some(items))
}

/// A capacity provider strategy as the block list.
pub(crate) fn strategy_value(items: &[CapacityProviderStrategyItem]) -> Value {
    Value::List(
        items
            .iter()
            .map(|i| {
                Value::Map(BTreeMap::from([
                    (
                        "capacity_provider".to_string(),
                        Value::str(i.capacity_provider()),
                    ),
                    ("weight".to_string(), Value::Int(i64::from(i.weight()))),
                    ("base".to_string(), Value::Int(i64::from(i.base()))),
                ]))
            })
            .collect(),
    )
}

/// An integer key of a block as the SDK's `i32`.
pub(crate) fn int_in(
    t: &BTreeMap<String, Value>,
    key: &str,
    block: &str,
    op: &str,
) -> Result<Option<i32>, ProviderError> {
    match t.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => i32::try_from(*i)
            .map(Some)
            .map_err(|_| ProviderError::invalid(op, format!("`{block}.{key}` is out of range"))),
        Some(other) => Err(ProviderError::invalid(
            op,
            format!(
                "`{block}.{key}` must be an integer, not {}",
                other.type_name()
            ),
        )),
    }
}

/// An integer attribute as the SDK's `i32`.
pub(crate) fn to_i32(v: i64, name: &str, op: &str) -> Result<i32, ProviderError> {
    i32::try_from(v)
        .map_err(|_| ProviderError::invalid(op, format!("`{name}` is out of range: {v}")))
}

/// The ARNs of the resources of `resource_type` (`ecs:cluster`, `ecs:service`,
/// `ecs:task-definition`) carrying every tag of `wanted`: one `GetResources` call per page.
pub(crate) async fn tagged_arns(
    aws: &Aws,
    resource_type: &str,
    wanted: &BTreeMap<String, String>,
) -> Result<Vec<String>, ProviderError> {
    const OP: &str = "tagging:GetResources";
    let tagging = aws.tagging().await?;
    let filters = wanted
        .iter()
        .map(|(k, v)| TagFilter::builder().key(k).values(v).build())
        .collect();
    let pages = tagging
        .get_resources()
        .resource_type_filters(resource_type)
        .set_tag_filters(Some(filters))
        .set_resources_per_page(aws.page_size(None, 1..=100))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    each_page(OP, pages, |page| {
        out.extend(
            page.resource_tag_mapping_list()
                .iter()
                .filter_map(|m| m.resource_arn().map(str::to_string)),
        )
    })
    .await?;
    Ok(out)
}

/// Whether an ECS error says the cluster named does not exist.
pub(crate) fn cluster_missing(err: &ProviderError) -> bool {
    err.code.as_deref() == Some("ClusterNotFoundException")
}

/// Set `set` and remove `removed` on the ECS resource `arn` (`TagResource`, `UntagResource`;
/// no call when there is nothing to do).
pub(crate) async fn sync_tags(
    aws: &Aws,
    arn: &str,
    set: BTreeMap<String, String>,
    removed: Vec<String>,
) -> Result<(), ProviderError> {
    let ecs = aws.ecs().await?;
    if !set.is_empty() {
        ecs.tag_resource()
            .resource_arn(arn)
            .set_tags(Some(crate::aws::tagging::tag_list(&set)))
            .send()
            .await
            .map_err(|e| crate::aws::errors::classify("ecs:TagResource", e))?;
    }
    if !removed.is_empty() {
        ecs.untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| crate::aws::errors::classify("ecs:UntagResource", e))?;
    }
    Ok(())
}
