//! `ecs_cluster`: an ECS cluster.
//!
//! Read with `DescribeClusters` (up to 100 clusters per call, tags and settings included);
//! found by tags through the Resource Groups Tagging API. A deleted cluster stays visible as
//! `INACTIVE` for a while: that counts as gone.

use super::{strategy_fields, strategy_of, strategy_value, tagged_arns};
use crate::address::Address;
use crate::aws::attrs::{bool_of, put_bool, put_str, put_str_list, str_list, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::shapes::{block_list, string_list};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::wait::Poll;
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ecs::types::{Cluster, ClusterField, ClusterSetting, ClusterSettingName};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// DescribeClusters takes at most this many clusters per call.
const BATCH: usize = 100;

/// An ECS cluster (`CreateCluster`, `PutClusterCapacityProviders`, `UpdateCluster`).
pub struct EcsCluster {
    aws: Arc<Aws>,
}

impl EcsCluster {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EcsCluster { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "ecs_cluster",
        "An ECS cluster: where services and tasks run (on Fargate or Fargate Spot)",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Cluster name (at most 255 characters), unique in the region; derived from the deployment and resource names when unset"),
    )
    .attr(
        string_list("capacity_providers")
            .unordered()
            .doc("Capacity providers the cluster may use: FARGATE and/or FARGATE_SPOT"),
    )
    .attr(
        block_list("default_capacity_provider_strategy", strategy_fields()).doc(
            "Strategy for services that set none: capacity_provider, weight (0-1000), base (0-100000)",
        ),
    )
    .attr(
        AttrSchema::bool("container_insights")
            .doc("Whether CloudWatch Container Insights collects the cluster's metrics"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the cluster (also its id)"))
});

#[async_trait]
impl ResourceKind for EcsCluster {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = match selector {
            Selector::Ids(ids) => ids.to_vec(),
            Selector::Tags(tags) => tagged_arns(&self.aws, "ecs:cluster", tags).await?,
        };
        let mut out = Vec::new();
        for batch in arns.chunks(BATCH) {
            out.extend(self.describe_batch(batch).await?);
        }
        out.retain(|l| selector.matches(l));
        Ok(out)
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        strategy_rules(
            attrs,
            "default_capacity_provider_strategy",
            Some("capacity_providers"),
        )
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ecs:CreateCluster";
        let at = |e: ProviderError| e.at(req.address);
        let ecs = self.aws.ecs().await?;
        let name = match str_of(req.attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, 255),
        };
        let mut call = ecs
            .create_cluster()
            .cluster_name(&name)
            .set_tags(Some(tag_list(req.tags)));
        if req.attrs.contains_key("capacity_providers") {
            call = call.set_capacity_providers(Some(str_list(req.attrs, "capacity_providers")));
        }
        call = call.set_default_capacity_provider_strategy(
            strategy_of(req.attrs, "default_capacity_provider_strategy", OP).map_err(at)?,
        );
        if let Some(on) = bool_of(req.attrs, "container_insights") {
            call = call.settings(insights(on));
        }
        let created = call.send().await.map_err(|e| at(classify(OP, e)))?;
        let cluster = created.cluster().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no cluster in the response",
            ))
        })?;
        let mut live = live_of(cluster).ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no cluster ARN in the response",
            ))
        })?;
        // CreateCluster does not always echo the tags it was given.
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        let ecs = self.aws.ecs().await?;
        let changed = |n: &str| req.changed.iter().any(|c| c == n);
        if let Some(other) = req.changed.iter().find(|c| {
            !matches!(
                c.as_str(),
                "capacity_providers"
                    | "default_capacity_provider_strategy"
                    | "container_insights"
                    | "tags"
            )
        }) {
            return Err(at(ProviderError::new(
                ErrorClass::Unsupported,
                "ecs:UpdateCluster",
                format!("changing `{other}` of an ECS cluster in place is not supported"),
            )));
        }
        if changed("capacity_providers") || changed("default_capacity_provider_strategy") {
            // One call sets both; AWS wants both lists, empty ones included.
            const OP: &str = "ecs:PutClusterCapacityProviders";
            let strategy = strategy_of(req.after, "default_capacity_provider_strategy", OP)
                .map_err(at)?
                .unwrap_or_default();
            ecs.put_cluster_capacity_providers()
                .cluster(req.id)
                .set_capacity_providers(Some(str_list(req.after, "capacity_providers")))
                .set_default_capacity_provider_strategy(Some(strategy))
                .send()
                .await
                .map_err(|e| at(classify(OP, e)))?;
        }
        if changed("container_insights") {
            // UpdateCluster takes the settings too (moto 5.2 has no UpdateClusterSettings).
            const OP: &str = "ecs:UpdateCluster";
            let on = bool_of(req.after, "container_insights").unwrap_or(false);
            ecs.update_cluster()
                .cluster(req.id)
                .settings(insights(on))
                .send()
                .await
                .map_err(|e| at(classify(OP, e)))?;
        }
        let current = self.read_one(req.id, req.address).await?;
        let (set, removed) = tag_changes(&current.tags, req.tags);
        super::sync_tags(&self.aws, req.id, set, removed)
            .await
            .map_err(at)?;
        let mut live = current;
        live.tags = req.tags.clone();
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // AWS refuses (ClusterContainsServicesException) while services are active or
        // draining: services are deleted first, and wait until they are gone.
        let ecs = self.aws.ecs().await?;
        if self.read(&[id.to_string()]).await?.is_empty() {
            return Ok(());
        }
        absent_ok(
            ecs.delete_cluster()
                .cluster(id)
                .send()
                .await
                .map_err(|e| classify("ecs:DeleteCluster", e)),
            &["ClusterNotFoundException"],
        )
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(Duration::from_secs(300))
            .until(
                "ecs:DescribeClusters",
                "the cluster to be ACTIVE",
                || async {
                    let found = self.describe_raw(&[id.to_string()]).await?;
                    Ok(found.iter().any(|c| c.status() == Some("ACTIVE")))
                },
            )
            .await
    }
}

/// Rules of a capacity provider strategy: at most one item with a base, providers named once,
/// and (for a cluster) every provider of the strategy among the cluster's providers.
pub(crate) fn strategy_rules(
    attrs: &Attrs,
    name: &'static str,
    providers: Option<&'static str>,
) -> Vec<Invalid> {
    let mut out = Vec::new();
    let items = crate::aws::attrs::table_list(attrs, name);
    let with_base = items
        .iter()
        .filter(|t| matches!(t.get("base"), Some(Value::Int(b)) if *b > 0))
        .count();
    if with_base > 1 {
        out.push(Invalid::at(
            name,
            "only one capacity provider of a strategy may have a base",
        ));
    }
    for (key, (lo, hi)) in [("weight", (0, 1000)), ("base", (0, 100_000))] {
        for t in &items {
            if let Some(Value::Int(v)) = t.get(key) {
                if !(lo..=hi).contains(v) {
                    out.push(Invalid::at(
                        name,
                        format!("`{key}` must be between {lo} and {hi}, not {v}"),
                    ));
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for t in &items {
        if let Some(p) = t.get("capacity_provider").and_then(Value::as_str) {
            if !seen.insert(p) {
                out.push(Invalid::at(
                    name,
                    format!("capacity provider `{p}` appears twice"),
                ));
            }
        }
    }
    if let Some(list) = providers {
        if matches!(attrs.get(list), Some(Value::List(_))) {
            let allowed = str_list(attrs, list);
            for p in &seen {
                if !allowed.iter().any(|a| a == p) {
                    out.push(Invalid::at(
                        name,
                        format!("capacity provider `{p}` is not in `{list}`"),
                    ));
                }
            }
        }
    }
    out
}

impl EcsCluster {
    /// One `DescribeClusters` call for up to 100 clusters, tags and settings included;
    /// inactive (deleted) clusters left out.
    async fn describe_raw(&self, arns: &[String]) -> Result<Vec<Cluster>, ProviderError> {
        const OP: &str = "ecs:DescribeClusters";
        if arns.is_empty() {
            return Ok(Vec::new());
        }
        let ecs = self.aws.ecs().await?;
        let got = ecs
            .describe_clusters()
            .set_clusters(Some(arns.to_vec()))
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(got
            .clusters()
            .iter()
            .filter(|c| c.status() != Some("INACTIVE"))
            .cloned()
            .collect())
    }

    async fn describe_batch(&self, arns: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        Ok(self
            .describe_raw(arns)
            .await?
            .iter()
            .filter_map(live_of)
            .collect())
    }

    async fn read_one(&self, id: &str, address: &Address) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ecs:DescribeClusters",
                format!("cluster {id} is not visible"),
            )
            .at(address)
        })
    }
}

/// The Container Insights setting.
fn insights(on: bool) -> ClusterSetting {
    ClusterSetting::builder()
        .name(ClusterSettingName::ContainerInsights)
        .value(if on { "enabled" } else { "disabled" })
        .build()
}

/// A cluster as the provider reports it.
fn live_of(cluster: &Cluster) -> Option<LiveResource> {
    let arn = cluster.cluster_arn()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "arn", Some(arn));
    put_str(&mut attrs, "name", cluster.cluster_name());
    put_str_list(
        &mut attrs,
        "capacity_providers",
        cluster.capacity_providers().to_vec(),
        true,
    );
    attrs.insert(
        "default_capacity_provider_strategy".into(),
        strategy_value(cluster.default_capacity_provider_strategy()),
    );
    // `enhanced` is Container Insights with more metrics: still on.
    let on = cluster
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ClusterSettingName::ContainerInsights))
        .and_then(|s| s.value())
        .map(|v| v != "disabled");
    put_bool(&mut attrs, "container_insights", Some(on.unwrap_or(false)));
    Some(LiveResource {
        id: arn.to_string(),
        attrs,
        tags: tag_map(cluster.tags()),
    })
}
