//! `ecs_service`: a long-running ECS service.
//!
//! The id is the service ARN in the long format, `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME`
//! (the default since 2021), which names the cluster. Reads group the ids by cluster and make
//! one `DescribeServices` call per 10 services (the API's limit, one cluster per call), tags
//! included; found by tags through the Resource Groups Tagging API (one call per page) and
//! then described the same way. A deleted service stays visible as `INACTIVE` (and `DRAINING`
//! before that) for a while: inactive counts as gone.
//!
//! `desired_count` and scaling: when an `appautoscaling_target` manages the service's
//! `ecs:service:DesiredCount`, the count AWS reports is the scaler's, not the configuration's.
//! The read then leaves `desired_count` out (the engine keeps the recorded value), so the
//! scaler's changes never read as drift and an update of another attribute never resets the
//! count; only a change of `desired_count` in the configuration sends it. Which services have
//! a target is one `DescribeScalableTargets` call per read (all the services' resource ids).

use super::cluster::strategy_rules;
use super::{strategy_fields, strategy_of, strategy_value, tagged_arns, to_i32};
use crate::address::Address;
use crate::aws::attrs::{
    bool_of, int_of, put_bool, put_int, put_str, required_str, str_of, table, table_list,
};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, block_list, flag, int, text, texts};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::wait::Poll;
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentConfiguration, DeploymentRolloutState,
    LaunchType, LoadBalancer, NetworkConfiguration, PropagateTags, Service, ServiceField,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// DescribeServices takes at most this many services (of one cluster) per call.
const BATCH: usize = 10;

/// An ECS service (`CreateService`, `UpdateService`).
pub struct EcsService {
    aws: Arc<Aws>,
}

impl EcsService {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EcsService { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "ecs_service",
        "An ECS service: keeps a number of tasks of a task definition running, behind load balancers",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Service name (at most 255 characters), unique in the cluster; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("cluster")
            .required()
            .replace()
            .refers_to(&["ecs_cluster"])
            .doc("ARN of the cluster the service runs in"),
    )
    .attr(
        AttrSchema::string("task_definition")
            .required()
            .refers_to(&["ecs_task_definition"])
            .doc("ARN of the task definition revision to run; changing it rolls out a new deployment"),
    )
    .attr(
        AttrSchema::int("desired_count")
            .range(0, 10_000)
            .doc("Number of tasks to keep running (default 1); not read back while an appautoscaling_target manages it"),
    )
    .attr(
        AttrSchema::string("launch_type")
            .replace()
            .doc("FARGATE (default when no capacity_provider_strategy is set), EC2 or EXTERNAL"),
    )
    .attr(
        block_list("capacity_provider_strategy", strategy_fields()).doc(
            "Capacity providers instead of a launch type: capacity_provider, weight (0-1000), base (0-100000)",
        ),
    )
    .attr(
        AttrSchema::string("platform_version")
            .doc("Fargate platform version (LATEST when unset)"),
    )
    .attr(
        block(
            "network_configuration",
            vec![
                texts("subnets").required().unordered(),
                texts("security_groups").unordered(),
                flag("assign_public_ip"),
            ],
        )
        .refers_to(&["subnet", "security_group"])
        .doc("Task networking (awsvpc): subnets (ids), security_groups (ids), assign_public_ip"),
    )
    .attr(
        block_list(
            "load_balancers",
            vec![
                text("target_group_arn").required(),
                text("container_name").required(),
                int("container_port").required(),
            ],
        )
        .refers_to(&["target_group"])
        .doc("Target groups the tasks register in: target_group_arn, container_name, container_port"),
    )
    .attr(
        AttrSchema::int("health_check_grace_period_seconds")
            .range(0, 2_147_483_647)
            .doc("Seconds to ignore failing load balancer health checks after a task starts"),
    )
    .attr(
        AttrSchema::int("deployment_minimum_healthy_percent")
            .range(0, 100)
            .doc("Lowest share of desired tasks kept running during a deployment (default 100)"),
    )
    .attr(
        AttrSchema::int("deployment_maximum_percent")
            .range(100, 200)
            .doc("Highest share of desired tasks running during a deployment (default 200)"),
    )
    .attr(
        AttrSchema::bool("enable_execute_command")
            .doc("Whether ECS Exec may open a shell in the tasks"),
    )
    .attr(
        AttrSchema::string("propagate_tags")
            .doc("Copy tags to the tasks from SERVICE or TASK_DEFINITION; NONE (default) copies none"),
    )
    .attr(
        AttrSchema::bool("wait_for_steady_state")
            .doc("Whether apply waits until the deployment is complete (running tasks = desired); default false"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the service (also its id)"))
    .attr(
        AttrSchema::computed("resource_id", AttrType::String)
            .doc("The service as Application Auto Scaling names it: service/CLUSTER/NAME"),
    )
});

/// The cluster name and service name of a long-format service ARN.
pub fn parse_service_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.split_once(":service/")?.1;
    let (cluster, name) = rest.split_once('/')?;
    (!cluster.is_empty() && !name.is_empty() && !name.contains('/')).then_some((cluster, name))
}

#[async_trait]
impl ResourceKind for EcsService {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        _usage: &crate::provider::Usage<'_>,
        related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::aws::attrs::{int_of, str_of};
        use crate::provider::{CostCategory, Meter};
        if str_of(attrs, "launch_type").is_some_and(|t| t != "FARGATE") {
            return Vec::new();
        }
        let Some(task) = related("task_definition") else {
            return Vec::new();
        };
        // Task sizes are strings in ECS (CPU units, MiB).
        let units = |name: &str| str_of(&task, name).and_then(|s| s.parse::<f64>().ok());
        let (Some(cpu), Some(mib)) = (units("cpu"), units("memory")) else {
            return Vec::new();
        };
        let tasks = int_of(attrs, "desired_count").unwrap_or(1).max(0) as f64;
        // The provider with the largest weight carries most tasks; it prices them all.
        let spot = match attrs.get("capacity_provider_strategy") {
            Some(crate::value::Value::List(items)) => items
                .iter()
                .filter_map(|i| match i {
                    crate::value::Value::Map(m) => Some((
                        int_of(m, "weight").unwrap_or(0),
                        str_of(m, "capacity_provider").unwrap_or(""),
                    )),
                    _ => None,
                })
                .max_by_key(|(w, _)| *w)
                .is_some_and(|(_, p)| p == "FARGATE_SPOT"),
            _ => false,
        };
        let (prefix, how) = if spot {
            ("fargate-spot", "Fargate Spot")
        } else {
            ("fargate", "Fargate")
        };
        let hours = tasks * crate::provider::HOURS_PER_MONTH;
        vec![
            Meter::new(
                format!("{prefix}/vcpu-hour"),
                hours * cpu / 1024.0,
                CostCategory::Compute,
                format!("{tasks} {how} task(s) × {} vCPU", cpu / 1024.0),
            ),
            Meter::new(
                format!("{prefix}/gb-hour"),
                hours * mib / 1024.0,
                CostCategory::Compute,
                format!("{tasks} {how} task(s) × {} GB", mib / 1024.0),
            ),
        ]
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let arns = match selector {
            Selector::Ids(ids) => ids.to_vec(),
            Selector::Tags(tags) => tagged_arns(&self.aws, "ecs:service", tags).await?,
        };
        let found = self.describe_raw(&arns).await?;
        let managed = self.scaled(&found).await?;
        let mut out: Vec<LiveResource> = found
            .iter()
            .filter_map(|s| {
                let mut live = live_of(s)?;
                if managed.contains(str_of(&live.attrs, "resource_id").unwrap_or("")) {
                    live.attrs.remove("desired_count");
                }
                Some(live)
            })
            .collect();
        out.retain(|l| selector.matches(l));
        Ok(out)
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = strategy_rules(attrs, "capacity_provider_strategy", None);
        if attrs.contains_key("launch_type") && attrs.contains_key("capacity_provider_strategy") {
            out.push(Invalid::at(
                "capacity_provider_strategy",
                "set either `launch_type` or `capacity_provider_strategy`, not both",
            ));
        }
        if let (Some(min), Some(max)) = (
            int_of(attrs, "deployment_minimum_healthy_percent"),
            int_of(attrs, "deployment_maximum_percent"),
        ) {
            if min > max {
                out.push(Invalid::at(
                    "deployment_minimum_healthy_percent",
                    format!("{min} is above deployment_maximum_percent {max}"),
                ));
            }
        }
        if let Some(p) = str_of(attrs, "propagate_tags") {
            if !matches!(p, "SERVICE" | "TASK_DEFINITION" | "NONE") {
                out.push(Invalid::at(
                    "propagate_tags",
                    format!("must be SERVICE, TASK_DEFINITION or NONE, not {p:?}"),
                ));
            }
        }
        out
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ecs:CreateService";
        let at = |e: ProviderError| e.at(req.address);
        let ecs = self.aws.ecs().await?;
        let attrs = req.attrs;
        let name = match str_of(attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, 255),
        };
        let cluster = required_str(attrs, "cluster", OP).map_err(at)?;
        let strategy = strategy_of(attrs, "capacity_provider_strategy", OP).map_err(at)?;
        let launch_type = match (str_of(attrs, "launch_type"), &strategy) {
            (Some(l), _) => Some(LaunchType::from(l)),
            (None, None) => Some(LaunchType::Fargate),
            (None, Some(_)) => None,
        };
        let desired = to_i32(
            int_of(attrs, "desired_count").unwrap_or(1),
            "desired_count",
            OP,
        )
        .map_err(at)?;
        let created = ecs
            .create_service()
            .cluster(cluster)
            .service_name(&name)
            .task_definition(required_str(attrs, "task_definition", OP).map_err(at)?)
            .desired_count(desired)
            .client_token(client_token(req.token))
            .set_launch_type(launch_type)
            .set_capacity_provider_strategy(strategy)
            .set_platform_version(str_of(attrs, "platform_version").map(str::to_string))
            .set_network_configuration(network_of(attrs, OP).map_err(at)?)
            .set_load_balancers(load_balancers_of(attrs, OP).map_err(at)?)
            .set_health_check_grace_period_seconds(
                opt_i32(attrs, "health_check_grace_period_seconds", OP).map_err(at)?,
            )
            .set_deployment_configuration(deployment_of(attrs, OP).map_err(at)?)
            .set_enable_execute_command(bool_of(attrs, "enable_execute_command"))
            .set_propagate_tags(str_of(attrs, "propagate_tags").map(PropagateTags::from))
            .set_tags(Some(tag_list(req.tags)))
            .send()
            .await
            .map_err(|e| at(classify(OP, e)))?;
        let service = created.service().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no service in the response",
            ))
        })?;
        let mut live = live_of(service).ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no service ARN in the response",
            ))
        })?;
        live.tags = req.tags.clone();
        // The flag is configuration, not AWS state: the wait happens here, where it is known.
        if bool_of(attrs, "wait_for_steady_state") == Some(true) {
            self.wait_steady(&live.id).await.map_err(at)?;
        }
        put_bool(
            &mut live.attrs,
            "wait_for_steady_state",
            bool_of(attrs, "wait_for_steady_state"),
        );
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ecs:UpdateService";
        let at = |e: ProviderError| e.at(req.address);
        let changed = |n: &str| req.changed.iter().any(|c| c == n);
        if let Some(other) = req
            .changed
            .iter()
            .find(|c| matches!(c.as_str(), "name" | "cluster" | "launch_type"))
        {
            return Err(at(ProviderError::new(
                ErrorClass::Unsupported,
                OP,
                format!("changing `{other}` of an ECS service in place is not supported"),
            )));
        }
        let (cluster, _) = parse_service_arn(req.id).ok_or_else(|| {
            at(ProviderError::invalid(
                OP,
                format!("`{}` is not a service ARN naming its cluster", req.id),
            ))
        })?;
        let after = req.after;
        let mut call = self
            .aws
            .ecs()
            .await?
            .update_service()
            .cluster(cluster)
            .service(req.id);
        let mut any = false;
        if changed("task_definition") {
            call = call.task_definition(required_str(after, "task_definition", OP).map_err(at)?);
            any = true;
        }
        if changed("desired_count") {
            let n = int_of(after, "desired_count").unwrap_or(1);
            call = call.desired_count(to_i32(n, "desired_count", OP).map_err(at)?);
            any = true;
        }
        if changed("capacity_provider_strategy") {
            call = call.set_capacity_provider_strategy(Some(
                strategy_of(after, "capacity_provider_strategy", OP)
                    .map_err(at)?
                    .unwrap_or_default(),
            ));
            any = true;
        }
        if changed("platform_version") {
            call = call.platform_version(str_of(after, "platform_version").unwrap_or("LATEST"));
            any = true;
        }
        if changed("network_configuration") {
            call = call.set_network_configuration(network_of(after, OP).map_err(at)?);
            any = true;
        }
        if changed("load_balancers") {
            // An empty list removes them all.
            call = call.set_load_balancers(Some(
                load_balancers_of(after, OP)
                    .map_err(at)?
                    .unwrap_or_default(),
            ));
            any = true;
        }
        if changed("health_check_grace_period_seconds") {
            call = call.health_check_grace_period_seconds(
                opt_i32(after, "health_check_grace_period_seconds", OP)
                    .map_err(at)?
                    .unwrap_or(0),
            );
            any = true;
        }
        if changed("deployment_minimum_healthy_percent") || changed("deployment_maximum_percent") {
            call = call.set_deployment_configuration(deployment_of(after, OP).map_err(at)?);
            any = true;
        }
        if changed("enable_execute_command") {
            call = call
                .enable_execute_command(bool_of(after, "enable_execute_command").unwrap_or(false));
            any = true;
        }
        if changed("propagate_tags") {
            call = call.propagate_tags(PropagateTags::from(
                str_of(after, "propagate_tags").unwrap_or("NONE"),
            ));
            any = true;
        }
        if any {
            call.send().await.map_err(|e| at(classify(OP, e)))?;
            if bool_of(after, "wait_for_steady_state") == Some(true) {
                self.wait_steady(req.id).await.map_err(at)?;
            }
        }
        let current = self.read_one(req.id, req.address).await?;
        let (set, removed) = tag_changes(&current.tags, req.tags);
        super::sync_tags(&self.aws, req.id, set, removed)
            .await
            .map_err(at)?;
        let mut live = current;
        live.tags = req.tags.clone();
        put_bool(
            &mut live.attrs,
            "wait_for_steady_state",
            bool_of(after, "wait_for_steady_state"),
        );
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let Some((cluster, _)) = parse_service_arn(id) else {
            return Err(ProviderError::invalid(
                "ecs:DeleteService",
                format!("`{id}` is not a service ARN naming its cluster"),
            ));
        };
        // Gone already (inactive, or its cluster deleted): nothing to do. AWS answers
        // ServiceNotActiveException to an update or delete of an inactive service.
        let live = self.describe_raw(&[id.to_string()]).await?;
        let Some(service) = live.first() else {
            return Ok(());
        };
        let ecs = self.aws.ecs().await?;
        let gone = |e: &ProviderError| {
            matches!(
                e.code.as_deref(),
                Some(
                    "ServiceNotFoundException"
                        | "ServiceNotActiveException"
                        | "ClusterNotFoundException"
                )
            )
        };
        // Scale to zero first, so the tasks drain instead of being killed mid-request.
        if service.status() == Some("ACTIVE") && service.desired_count() > 0 {
            if let Err(e) = ecs
                .update_service()
                .cluster(cluster)
                .service(id)
                .desired_count(0)
                .send()
                .await
            {
                let err = classify("ecs:UpdateService", e);
                if !gone(&err) {
                    return Err(err);
                }
            }
        }
        if service.status() == Some("ACTIVE") {
            if let Err(e) = ecs
                .delete_service()
                .cluster(cluster)
                .service(id)
                .force(true)
                .send()
                .await
            {
                let err = classify("ecs:DeleteService", e);
                if !gone(&err) {
                    return Err(err);
                }
            }
        }
        // The service drains (DRAINING) before it is INACTIVE; the cluster cannot be deleted
        // before that, so wait here.
        Poll::within(Duration::from_secs(900))
            .until(
                "ecs:DescribeServices",
                "the service to be inactive",
                || async { Ok(self.describe_raw(&[id.to_string()]).await?.is_empty()) },
            )
            .await
    }
}

impl EcsService {
    /// The services of these ARNs that are not inactive: grouped by cluster, one
    /// `DescribeServices` call per 10, tags included. A cluster that no longer exists has
    /// no services.
    async fn describe_raw(&self, arns: &[String]) -> Result<Vec<Service>, ProviderError> {
        const OP: &str = "ecs:DescribeServices";
        let mut by_cluster: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for arn in arns {
            if let Some((cluster, _)) = parse_service_arn(arn) {
                by_cluster.entry(cluster).or_default().push(arn.clone());
            }
        }
        if by_cluster.is_empty() {
            return Ok(Vec::new());
        }
        let ecs = self.aws.ecs().await?;
        let mut out = Vec::new();
        for (cluster, arns) in by_cluster {
            for batch in arns.chunks(BATCH) {
                let got = match ecs
                    .describe_services()
                    .cluster(cluster)
                    .set_services(Some(batch.to_vec()))
                    .include(ServiceField::Tags)
                    .send()
                    .await
                {
                    Ok(got) => got,
                    Err(e) => {
                        let err = classify(OP, e);
                        if super::cluster_missing(&err) {
                            break;
                        }
                        return Err(err);
                    }
                };
                out.extend(
                    got.services()
                        .iter()
                        .filter(|s| s.status() != Some("INACTIVE"))
                        .cloned(),
                );
            }
        }
        Ok(out)
    }

    /// The resource ids (`service/CLUSTER/NAME`) of these services that an Application Auto
    /// Scaling target manages: one `DescribeScalableTargets` call per page of 50 ids.
    async fn scaled(&self, services: &[Service]) -> Result<BTreeSet<String>, ProviderError> {
        const OP: &str = "application-autoscaling:DescribeScalableTargets";
        let ids: Vec<String> = services
            .iter()
            .filter_map(|s| parse_service_arn(s.service_arn()?).map(|(c, n)| resource_id(c, n)))
            .collect();
        let mut out = BTreeSet::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let scaling = self.aws.appautoscaling().await?;
        for batch in ids.chunks(50) {
            let pages = scaling
                .describe_scalable_targets()
                .service_namespace(ServiceNamespace::Ecs)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .set_resource_ids(Some(batch.to_vec()))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(
                    page.scalable_targets()
                        .iter()
                        .map(|t| t.resource_id().to_string()),
                )
            })
            .await?;
        }
        Ok(out)
    }

    async fn read_one(&self, id: &str, address: &Address) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ecs:DescribeServices",
                format!("service {id} is not visible"),
            )
            .at(address)
        })
    }

    /// Wait until the service's primary deployment is complete: rolled out, and as many
    /// tasks running as desired (`wait_for_steady_state`).
    async fn wait_steady(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(Duration::from_secs(1800))
            .until(
                "ecs:DescribeServices",
                "the service to reach a steady state",
                || async {
                    let found = self.describe_raw(&[id.to_string()]).await?;
                    let Some(s) = found.first() else {
                        return Err(ProviderError::new(
                            ErrorClass::NotFound,
                            "ecs:DescribeServices",
                            format!("service {id} disappeared while rolling out"),
                        ));
                    };
                    Ok(steady(s))
                },
            )
            .await
    }
}

/// Whether a service is in a steady state: one deployment, completed (or without a rollout
/// state), and running = desired.
pub fn steady(s: &Service) -> bool {
    let deployments = s.deployments();
    let done = deployments.len() == 1
        && deployments[0]
            .rollout_state()
            .is_none_or(|r| *r == DeploymentRolloutState::Completed);
    done && s.running_count() == s.desired_count()
}

/// Application Auto Scaling's name of a service.
pub fn resource_id(cluster: &str, name: &str) -> String {
    format!("service/{cluster}/{name}")
}

/// CreateService takes a client token of at most 36 characters: the engine's token, or a
/// digest of it when longer (the same token gives the same digest).
fn client_token(token: &str) -> String {
    if token.len() <= 36 && token.is_ascii() {
        token.to_string()
    } else {
        hex::encode(Sha256::digest(token.as_bytes()))[..32].to_string()
    }
}

fn opt_i32(attrs: &Attrs, name: &str, op: &str) -> Result<Option<i32>, ProviderError> {
    int_of(attrs, name).map(|v| to_i32(v, name, op)).transpose()
}

fn network_of(attrs: &Attrs, op: &str) -> Result<Option<NetworkConfiguration>, ProviderError> {
    let Some(n) = table(attrs, "network_configuration") else {
        return Ok(None);
    };
    let list = |k: &str| -> Vec<String> {
        match n.get(k) {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let public = n.get("assign_public_ip").and_then(Value::as_bool);
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(list("subnets")))
        .set_security_groups(Some(list("security_groups")))
        .set_assign_public_ip(public.map(|p| {
            if p {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            }
        }))
        .build()
        .map_err(|e| ProviderError::invalid(op, format!("`network_configuration`: {e}")))?;
    Ok(Some(
        NetworkConfiguration::builder()
            .awsvpc_configuration(vpc)
            .build(),
    ))
}

fn load_balancers_of(attrs: &Attrs, op: &str) -> Result<Option<Vec<LoadBalancer>>, ProviderError> {
    if !attrs.contains_key("load_balancers") {
        return Ok(None);
    }
    let mut out = Vec::new();
    for t in table_list(attrs, "load_balancers") {
        let s = |k: &str| t.get(k).and_then(Value::as_str).map(str::to_string);
        out.push(
            LoadBalancer::builder()
                .set_target_group_arn(s("target_group_arn"))
                .set_container_name(s("container_name"))
                .set_container_port(super::int_in(t, "container_port", "load_balancers", op)?)
                .build(),
        );
    }
    Ok(Some(out))
}

fn deployment_of(
    attrs: &Attrs,
    op: &str,
) -> Result<Option<DeploymentConfiguration>, ProviderError> {
    let min = opt_i32(attrs, "deployment_minimum_healthy_percent", op)?;
    let max = opt_i32(attrs, "deployment_maximum_percent", op)?;
    if min.is_none() && max.is_none() {
        return Ok(None);
    }
    Ok(Some(
        DeploymentConfiguration::builder()
            .set_minimum_healthy_percent(min)
            .set_maximum_percent(max)
            .build(),
    ))
}

/// A service as the provider reports it.
fn live_of(s: &Service) -> Option<LiveResource> {
    let arn = s.service_arn()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "arn", Some(arn));
    put_str(&mut attrs, "name", s.service_name());
    put_str(&mut attrs, "cluster", s.cluster_arn());
    if let Some((cluster, name)) = parse_service_arn(arn) {
        put_str(&mut attrs, "resource_id", Some(&resource_id(cluster, name)));
    }
    put_str(&mut attrs, "task_definition", s.task_definition());
    put_int(
        &mut attrs,
        "desired_count",
        Some(i64::from(s.desired_count())),
    );
    put_str(
        &mut attrs,
        "launch_type",
        s.launch_type().map(|l| l.as_str()),
    );
    if !s.capacity_provider_strategy().is_empty() {
        attrs.insert(
            "capacity_provider_strategy".into(),
            strategy_value(s.capacity_provider_strategy()),
        );
    }
    put_str(&mut attrs, "platform_version", s.platform_version());
    if let Some(vpc) = s
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
    {
        let mut n = Attrs::new();
        let mut subnets = vpc.subnets().to_vec();
        subnets.sort();
        let mut groups = vpc.security_groups().to_vec();
        groups.sort();
        n.insert(
            "subnets".into(),
            Value::List(subnets.into_iter().map(Value::String).collect()),
        );
        n.insert(
            "security_groups".into(),
            Value::List(groups.into_iter().map(Value::String).collect()),
        );
        put_bool(
            &mut n,
            "assign_public_ip",
            vpc.assign_public_ip()
                .map(|a| *a == AssignPublicIp::Enabled),
        );
        attrs.insert("network_configuration".into(), Value::Map(n));
    }
    let lbs = s
        .load_balancers()
        .iter()
        .map(|lb| {
            let mut m = Attrs::new();
            put_str(&mut m, "target_group_arn", lb.target_group_arn());
            put_str(&mut m, "container_name", lb.container_name());
            put_int(&mut m, "container_port", lb.container_port().map(i64::from));
            Value::Map(m)
        })
        .collect();
    attrs.insert("load_balancers".into(), Value::List(lbs));
    put_int(
        &mut attrs,
        "health_check_grace_period_seconds",
        s.health_check_grace_period_seconds().map(i64::from),
    );
    if let Some(d) = s.deployment_configuration() {
        put_int(
            &mut attrs,
            "deployment_minimum_healthy_percent",
            d.minimum_healthy_percent().map(i64::from),
        );
        put_int(
            &mut attrs,
            "deployment_maximum_percent",
            d.maximum_percent().map(i64::from),
        );
    }
    put_bool(
        &mut attrs,
        "enable_execute_command",
        Some(s.enable_execute_command()),
    );
    put_str(
        &mut attrs,
        "propagate_tags",
        s.propagate_tags().map(|p| p.as_str()),
    );
    Some(LiveResource {
        id: arn.to_string(),
        attrs,
        tags: tag_map(s.tags()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_arns_name_their_cluster() {
        let arn = "arn:aws:ecs:us-east-1:123456789012:service/prod/api";
        assert_eq!(parse_service_arn(arn), Some(("prod", "api")));
        assert_eq!(
            parse_service_arn("arn:aws:ecs:us-east-1:123456789012:service/api"),
            None,
            "the short format does not name the cluster"
        );
        assert_eq!(resource_id("prod", "api"), "service/prod/api");
        assert!(client_token(&"x".repeat(80)).len() <= 36);
        assert_eq!(client_token("tok"), "tok");
    }
}
