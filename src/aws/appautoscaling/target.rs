//! `appautoscaling_target`: a resource Application Auto Scaling may scale, with its bounds.
//!
//! `RegisterScalableTarget` creates and updates (it is an upsert, so a retried create is the
//! same target). Reads: `DescribeScalableTargets` takes a list of resource ids per namespace —
//! one call per page (of up to 50 ids) for each namespace and dimension asked about.
//! Untaggable here (moto has no tagging calls for this API): `identity` is the namespace,
//! resource id and dimension.

use super::{is_missing, parse_target_id, target_id, DEFAULT_DIMENSION, DEFAULT_NAMESPACE};
use crate::aws::attrs::{int_of, put_int, put_str, required_str, str_of};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    Owner, ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ScalableTarget, ServiceNamespace};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// DescribeScalableTargets takes at most this many resource ids per call.
const BATCH: usize = 50;

/// A scalable target (`RegisterScalableTarget`).
pub struct AppautoscalingTarget {
    aws: Arc<Aws>,
}

impl AppautoscalingTarget {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        AppautoscalingTarget { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "appautoscaling_target",
        "An Application Auto Scaling target: a resource (an ECS service's task count…) and the bounds it scales within",
    )
    .attr(
        AttrSchema::string("service_namespace")
            .replace()
            .doc("Service of the resource: ecs (default), dynamodb, rds, …"),
    )
    .attr(
        AttrSchema::string("resource_id")
            .required()
            .replace()
            .refers_to(&["ecs_service"])
            .doc("The resource, e.g. service/CLUSTER/SERVICE (an ecs_service's resource_id)"),
    )
    .attr(
        AttrSchema::string("scalable_dimension")
            .replace()
            .doc("What scales: ecs:service:DesiredCount (default), …"),
    )
    .attr(
        AttrSchema::int("min_capacity")
            .required()
            .range(0, 2_147_483_647)
            .doc("Lowest capacity scaling may set"),
    )
    .attr(
        AttrSchema::int("max_capacity")
            .required()
            .range(0, 2_147_483_647)
            .doc("Highest capacity scaling may set"),
    )
    .attr(
        AttrSchema::string("role_arn")
            .optional_computed()
            .refers_to(&["iam_role"])
            .doc("Role Application Auto Scaling acts with; the service-linked role when unset"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the scalable target"))
});

#[async_trait]
impl ResourceKind for AppautoscalingTarget {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let Selector::Ids(ids) = selector else {
            // Untaggable: nothing carries tags.
            return Ok(Vec::new());
        };
        let mut groups: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for id in ids {
            if let Some((ns, resource, dimension)) = parse_target_id(id) {
                groups
                    .entry((ns, dimension))
                    .or_default()
                    .push(resource.to_string());
            }
        }
        let mut out = Vec::new();
        for ((ns, dimension), resources) in groups {
            for batch in resources.chunks(BATCH) {
                out.extend(self.describe_batch(ns, dimension, batch).await?);
            }
        }
        out.retain(|l| selector.matches(l));
        Ok(out)
    }

    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        let (ns, resource, dimension) = parts(attrs)?;
        Some(BTreeMap::from([
            ("service_namespace".to_string(), ns.to_string()),
            ("resource_id".to_string(), resource.to_string()),
            ("scalable_dimension".to_string(), dimension.to_string()),
        ]))
    }

    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let (Some(ns), Some(resource), Some(dimension)) = (
            identity.get("service_namespace"),
            identity.get("resource_id"),
            identity.get("scalable_dimension"),
        ) else {
            return Ok(Vec::new());
        };
        self.read(&[target_id(ns, resource, dimension)]).await
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        match (int_of(attrs, "min_capacity"), int_of(attrs, "max_capacity")) {
            (Some(min), Some(max)) if min > max => vec![Invalid::at(
                "min_capacity",
                format!("min_capacity {min} is above max_capacity {max}"),
            )],
            _ => Vec::new(),
        }
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let id = self
            .register(req.attrs)
            .await
            .map_err(|e| e.at(req.address))?;
        self.read(std::slice::from_ref(&id))
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    "application-autoscaling:DescribeScalableTargets",
                    format!("scalable target {id} is not visible after registering it"),
                )
                .at(req.address)
            })
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        if let Some(other) = req.changed.iter().find(|c| {
            matches!(
                c.as_str(),
                "service_namespace" | "resource_id" | "scalable_dimension"
            )
        }) {
            return Err(ProviderError::new(
                ErrorClass::Unsupported,
                "application-autoscaling:RegisterScalableTarget",
                format!("changing `{other}` of a scalable target in place is not supported"),
            )
            .at(req.address));
        }
        // Registering again with the new bounds (or role) updates the target.
        let id = self
            .register(req.after)
            .await
            .map_err(|e| e.at(req.address))?;
        self.read(std::slice::from_ref(&id))
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    "application-autoscaling:DescribeScalableTargets",
                    format!("scalable target {id} disappeared during the update"),
                )
                .at(req.address)
            })
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "application-autoscaling:DeregisterScalableTarget";
        let (ns, resource, dimension) = parse_target_id(id)
            .ok_or_else(|| ProviderError::invalid(OP, format!("`{id}` is not a target id")))?;
        let scaling = self.aws.appautoscaling().await?;
        // Deregistering also deletes the target's policies and scheduled actions.
        match scaling
            .deregister_scalable_target()
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

impl AppautoscalingTarget {
    /// `RegisterScalableTarget` with these attributes; the target's id.
    async fn register(&self, attrs: &Attrs) -> Result<String, ProviderError> {
        const OP: &str = "application-autoscaling:RegisterScalableTarget";
        required_str(attrs, "resource_id", OP)?;
        let (ns, resource, dimension) =
            parts(attrs).ok_or_else(|| ProviderError::invalid(OP, "`resource_id` must be set"))?;
        let cap = |name: &str| -> Result<Option<i32>, ProviderError> {
            int_of(attrs, name)
                .map(|v| super::super::ecs::to_i32(v, name, OP))
                .transpose()
        };
        let scaling = self.aws.appautoscaling().await?;
        scaling
            .register_scalable_target()
            .service_namespace(ServiceNamespace::from(ns))
            .resource_id(resource)
            .scalable_dimension(ScalableDimension::from(dimension))
            .set_min_capacity(cap("min_capacity")?)
            .set_max_capacity(cap("max_capacity")?)
            .set_role_arn(str_of(attrs, "role_arn").map(str::to_string))
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        Ok(target_id(ns, resource, dimension))
    }

    /// One `DescribeScalableTargets` call per page for these resources of one namespace and
    /// dimension.
    async fn describe_batch(
        &self,
        ns: &str,
        dimension: &str,
        resources: &[String],
    ) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "application-autoscaling:DescribeScalableTargets";
        let scaling = self.aws.appautoscaling().await?;
        let pages = scaling
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::from(ns))
            .scalable_dimension(ScalableDimension::from(dimension))
            .set_resource_ids(Some(resources.to_vec()))
            .set_max_results(self.aws.page_size(None, 1..=50))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(OP, pages, |page| {
            out.extend(page.scalable_targets().iter().map(live_of))
        })
        .await?;
        Ok(out)
    }
}

fn live_of(t: &ScalableTarget) -> LiveResource {
    let ns = t.service_namespace().as_str();
    let dimension = t.scalable_dimension().as_str();
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "service_namespace", Some(ns));
    put_str(&mut attrs, "resource_id", Some(t.resource_id()));
    put_str(&mut attrs, "scalable_dimension", Some(dimension));
    put_int(
        &mut attrs,
        "min_capacity",
        Some(i64::from(t.min_capacity())),
    );
    put_int(
        &mut attrs,
        "max_capacity",
        Some(i64::from(t.max_capacity())),
    );
    if !t.role_arn().is_empty() {
        put_str(&mut attrs, "role_arn", Some(t.role_arn()));
    }
    put_str(&mut attrs, "arn", t.scalable_target_arn());
    LiveResource {
        id: target_id(ns, t.resource_id(), dimension),
        attrs,
        tags: BTreeMap::new(),
    }
}
