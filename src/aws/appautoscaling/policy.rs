//! `appautoscaling_policy`: a scaling policy of a scalable target (target tracking).
//!
//! `PutScalingPolicy` creates and updates (an upsert by name, so a retried create with the
//! same derived name is the same policy). Reads: `DescribeScalingPolicies` takes a list of
//! policy names per namespace — one call per page (of up to 50 names) for each namespace,
//! then what the selector wants is kept (moto ignores the name list and answers the whole
//! namespace; the filter makes that harmless). Untaggable here, like the target: the id is
//! `namespace|resource_id|dimension|name`.

use super::{is_missing, parse_target_id, target_id, DEFAULT_DIMENSION, DEFAULT_NAMESPACE};
use crate::aws::attrs::{put_str, put_str_list, str_of, table};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, flag, int, text};
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, BlockField, CreateRequest, ErrorClass, Invalid, KindSchema,
    LiveResource, Owner, ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalingPolicy,
    ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// DescribeScalingPolicies takes at most this many policy names per call.
const BATCH: usize = 50;

/// A scaling policy (`PutScalingPolicy`).
pub struct AppautoscalingPolicy {
    aws: Arc<Aws>,
}

impl AppautoscalingPolicy {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        AppautoscalingPolicy { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "appautoscaling_policy",
        "An Application Auto Scaling policy: how a scalable target follows a metric (target tracking)",
    )
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Policy name (at most 256 characters), unique per target; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("service_namespace")
            .replace()
            .doc("Service of the scaled resource: ecs (default), …"),
    )
    .attr(
        AttrSchema::string("resource_id")
            .required()
            .replace()
            .refers_to(&["appautoscaling_target"])
            .doc("The scaled resource, e.g. service/CLUSTER/SERVICE (an appautoscaling_target's resource_id); the target must exist first"),
    )
    .attr(
        AttrSchema::string("scalable_dimension")
            .replace()
            .doc("What scales: ecs:service:DesiredCount (default), …"),
    )
    .attr(
        AttrSchema::string("policy_type")
            .replace()
            .doc("TargetTrackingScaling (default; the only type this kind configures)"),
    )
    .attr(
        block(
            "target_tracking",
            vec![
                BlockField::new("target_value", AttrType::Number).required(),
                text("predefined_metric_type").required(),
                text("resource_label"),
                int("scale_in_cooldown"),
                int("scale_out_cooldown"),
                flag("disable_scale_in"),
            ],
        )
        .required()
        .doc(
            "Target tracking: target_value, predefined_metric_type (ECSServiceAverageCPUUtilization, \
             ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget, …), resource_label (for \
             ALBRequestCountPerTarget), scale_in_cooldown and scale_out_cooldown (seconds), disable_scale_in",
        ),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the policy"))
    .attr(
        AttrSchema::computed("alarm_arns", AttrType::List(Box::new(AttrType::String)))
            .doc("ARNs of the CloudWatch alarms Application Auto Scaling made for the policy"),
    )
});

/// `namespace|resource_id|dimension|name`.
fn policy_id(ns: &str, resource: &str, dimension: &str, name: &str) -> String {
    format!("{}|{name}", target_id(ns, resource, dimension))
}

/// The configured name, or the one derived from the owner.
fn policy_name(attrs: &Attrs, owner: Owner<'_>) -> String {
    match str_of(attrs, "name") {
        Some(n) => n.to_string(),
        None => names::derived(owner.deployment, owner.address, 256),
    }
}

/// The parts of a policy id.
fn parse_policy_id(id: &str) -> Option<(&str, &str, &str, &str)> {
    let mut parts = id.splitn(4, '|');
    let (ns, resource, dimension, name) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    parse_target_id(&id[..ns.len() + resource.len() + dimension.len() + 2])?;
    (!name.is_empty()).then_some((ns, resource, dimension, name))
}

#[async_trait]
impl ResourceKind for AppautoscalingPolicy {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let Selector::Ids(ids) = selector else {
            return Ok(Vec::new());
        };
        let mut by_ns: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for id in ids {
            if let Some((ns, _, _, name)) = parse_policy_id(id) {
                let names = by_ns.entry(ns).or_default();
                if !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
        }
        let scaling = self.aws.appautoscaling().await?;
        let mut out = Vec::new();
        for (ns, names) in by_ns {
            for batch in names.chunks(BATCH) {
                const OP: &str = "application-autoscaling:DescribeScalingPolicies";
                let pages = scaling
                    .describe_scaling_policies()
                    .service_namespace(ServiceNamespace::from(ns))
                    .set_policy_names(Some(batch.to_vec()))
                    .set_max_results(self.aws.page_size(None, 1..=50))
                    .into_paginator()
                    .send();
                each_page(OP, pages, |page| {
                    out.extend(page.scaling_policies().iter().map(live_of))
                })
                .await?;
            }
        }
        out.retain(|l| selector.matches(l));
        Ok(out)
    }

    /// The namespace, resource, dimension and name (set, or derived as `create` derives it).
    /// `PutScalingPolicy` is an upsert by name, so a retried create changes the same policy;
    /// the identity lets a killed one be adopted instead of left unresolved.
    fn identity(&self, attrs: &Attrs, owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        let (ns, resource, dimension) = parts(attrs)?;
        let name = policy_name(attrs, owner);
        Some(BTreeMap::from([
            ("service_namespace".to_string(), ns.to_string()),
            ("resource_id".to_string(), resource.to_string()),
            ("scalable_dimension".to_string(), dimension.to_string()),
            ("name".to_string(), name.to_string()),
        ]))
    }

    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let get = |k: &str| identity.get(k).map(String::as_str);
        let (Some(ns), Some(resource), Some(dimension), Some(name)) = (
            get("service_namespace"),
            get("resource_id"),
            get("scalable_dimension"),
            get("name"),
        ) else {
            return Ok(Vec::new());
        };
        self.read(&[policy_id(ns, resource, dimension, name)]).await
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        if let Some(t) = str_of(attrs, "policy_type") {
            if t != "TargetTrackingScaling" {
                out.push(Invalid::at(
                    "policy_type",
                    format!("only TargetTrackingScaling is supported, not {t:?}"),
                ));
            }
        }
        if let Some(tt) = table(attrs, "target_tracking") {
            let metric = tt.get("predefined_metric_type").and_then(Value::as_str);
            if metric == Some("ALBRequestCountPerTarget") && !tt.contains_key("resource_label") {
                out.push(Invalid::at(
                    "target_tracking",
                    "ALBRequestCountPerTarget needs `resource_label` (app/LB/ID/targetgroup/TG/ID)",
                ));
            }
            for key in ["scale_in_cooldown", "scale_out_cooldown"] {
                if let Some(Value::Int(v)) = tt.get(key) {
                    if !(0..=3600).contains(v) {
                        out.push(Invalid::at(
                            "target_tracking",
                            format!("`{key}` must be between 0 and 3600 seconds, not {v}"),
                        ));
                    }
                }
            }
        }
        out
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let name = policy_name(req.attrs, req.owner());
        let id = self
            .put(req.attrs, &name)
            .await
            .map_err(|e| e.at(req.address))?;
        self.read(std::slice::from_ref(&id))
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    "application-autoscaling:DescribeScalingPolicies",
                    format!("scaling policy {id} is not visible after putting it"),
                )
                .at(req.address)
            })
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        if let Some(other) = req.changed.iter().find(|c| c.as_str() != "target_tracking") {
            return Err(at(ProviderError::new(
                ErrorClass::Unsupported,
                "application-autoscaling:PutScalingPolicy",
                format!("changing `{other}` of a scaling policy in place is not supported"),
            )));
        }
        let (.., name) = parse_policy_id(req.id).ok_or_else(|| {
            at(ProviderError::invalid(
                "application-autoscaling:PutScalingPolicy",
                format!("`{}` is not a policy id", req.id),
            ))
        })?;
        let id = self.put(req.after, name).await.map_err(at)?;
        self.read(std::slice::from_ref(&id))
            .await?
            .pop()
            .ok_or_else(|| {
                at(ProviderError::new(
                    ErrorClass::NotFound,
                    "application-autoscaling:DescribeScalingPolicies",
                    format!("scaling policy {id} disappeared during the update"),
                ))
            })
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "application-autoscaling:DeleteScalingPolicy";
        let (ns, resource, dimension, name) = parse_policy_id(id)
            .ok_or_else(|| ProviderError::invalid(OP, format!("`{id}` is not a policy id")))?;
        let scaling = self.aws.appautoscaling().await?;
        match scaling
            .delete_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::from(ns))
            .resource_id(resource)
            .scalable_dimension(ScalableDimension::from(dimension))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify(OP, e);
                if is_missing(&err) || err.class == ErrorClass::NotFound {
                    Ok(())
                } else {
                    Err(err)
                }
            }
        }
    }
}

/// Namespace, resource id and dimension of a configuration, defaults applied.
fn parts(attrs: &Attrs) -> Option<(&str, &str, &str)> {
    Some((
        str_of(attrs, "service_namespace").unwrap_or(DEFAULT_NAMESPACE),
        str_of(attrs, "resource_id")?,
        str_of(attrs, "scalable_dimension").unwrap_or(DEFAULT_DIMENSION),
    ))
}

impl AppautoscalingPolicy {
    /// `PutScalingPolicy` named `name` with these attributes; the policy's id.
    async fn put(&self, attrs: &Attrs, name: &str) -> Result<String, ProviderError> {
        const OP: &str = "application-autoscaling:PutScalingPolicy";
        let (ns, resource, dimension) =
            parts(attrs).ok_or_else(|| ProviderError::invalid(OP, "`resource_id` must be set"))?;
        let tt = table(attrs, "target_tracking")
            .ok_or_else(|| ProviderError::invalid(OP, "`target_tracking` must be set"))?;
        let target = match tt.get("target_value") {
            Some(Value::Int(i)) => *i as f64,
            Some(Value::Float(f)) => *f,
            _ => {
                return Err(ProviderError::invalid(
                    OP,
                    "`target_tracking.target_value` must be a number",
                ))
            }
        };
        let metric = PredefinedMetricSpecification::builder()
            .set_predefined_metric_type(
                tt.get("predefined_metric_type")
                    .and_then(Value::as_str)
                    .map(MetricType::from),
            )
            .set_resource_label(
                tt.get("resource_label")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            )
            .build()
            .map_err(|e| ProviderError::invalid(OP, format!("`target_tracking`: {e}")))?;
        let config = TargetTrackingScalingPolicyConfiguration::builder()
            .target_value(target)
            .predefined_metric_specification(metric)
            .set_scale_in_cooldown(crate::aws::ecs::int_in(
                tt,
                "scale_in_cooldown",
                "target_tracking",
                OP,
            )?)
            .set_scale_out_cooldown(crate::aws::ecs::int_in(
                tt,
                "scale_out_cooldown",
                "target_tracking",
                OP,
            )?)
            .set_disable_scale_in(tt.get("disable_scale_in").and_then(Value::as_bool))
            .build()
            .map_err(|e| ProviderError::invalid(OP, format!("`target_tracking`: {e}")))?;
        let scaling = self.aws.appautoscaling().await?;
        scaling
            .put_scaling_policy()
            .policy_name(name)
            .service_namespace(ServiceNamespace::from(ns))
            .resource_id(resource)
            .scalable_dimension(ScalableDimension::from(dimension))
            .policy_type(PolicyType::from(
                str_of(attrs, "policy_type").unwrap_or("TargetTrackingScaling"),
            ))
            .target_tracking_scaling_policy_configuration(config)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(policy_id(ns, resource, dimension, name))
    }
}

fn live_of(p: &ScalingPolicy) -> LiveResource {
    let ns = p.service_namespace().as_str();
    let dimension = p.scalable_dimension().as_str();
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(p.policy_name()));
    put_str(&mut attrs, "service_namespace", Some(ns));
    put_str(&mut attrs, "resource_id", Some(p.resource_id()));
    put_str(&mut attrs, "scalable_dimension", Some(dimension));
    put_str(&mut attrs, "policy_type", Some(p.policy_type().as_str()));
    put_str(&mut attrs, "arn", Some(p.policy_arn()));
    put_str_list(
        &mut attrs,
        "alarm_arns",
        p.alarms()
            .iter()
            .map(|a| a.alarm_arn().to_string())
            .collect(),
        true,
    );
    if let Some(c) = p.target_tracking_scaling_policy_configuration() {
        let mut t = Attrs::new();
        t.insert("target_value".into(), Value::Float(c.target_value()));
        if let Some(m) = c.predefined_metric_specification() {
            put_str(
                &mut t,
                "predefined_metric_type",
                Some(m.predefined_metric_type().as_str()),
            );
            put_str(&mut t, "resource_label", m.resource_label());
        }
        if let Some(v) = c.scale_in_cooldown() {
            t.insert("scale_in_cooldown".into(), Value::Int(i64::from(v)));
        }
        if let Some(v) = c.scale_out_cooldown() {
            t.insert("scale_out_cooldown".into(), Value::Int(i64::from(v)));
        }
        if let Some(v) = c.disable_scale_in() {
            t.insert("disable_scale_in".into(), Value::Bool(v));
        }
        attrs.insert("target_tracking".into(), Value::Map(t));
    }
    LiveResource {
        id: policy_id(ns, p.resource_id(), dimension, p.policy_name()),
        attrs,
        tags: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_ids_round_trip_even_with_a_bar_in_the_name() {
        let id = policy_id("ecs", "service/c/s", DEFAULT_DIMENSION, "cpu|70");
        assert_eq!(
            parse_policy_id(&id),
            Some(("ecs", "service/c/s", DEFAULT_DIMENSION, "cpu|70"))
        );
        assert_eq!(
            parse_policy_id("ecs|service/c/s|ecs:service:DesiredCount"),
            None
        );
    }
}
