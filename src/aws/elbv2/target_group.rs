//! `target_group`: the backends a load balancer forwards to.

use super::common;
use crate::aws::attrs::{int_of, put_int, put_str, str_of, table};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, flag, int, loose, text};
use crate::aws::tagging::tag_list;
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as SdkTargetGroup, TargetGroupAttribute, TargetTypeEnum,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A target group (`CreateTargetGroup`, `ModifyTargetGroup`).
pub struct TargetGroup {
    aws: Arc<Aws>,
}

impl TargetGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        TargetGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "target_group",
        "A target group: backends a listener forwards to, with their health check",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 32 characters), unique in the region; derived from the deployment and resource names when unset"),
    )
    // Port, protocol and VPC are required by AWS for instance and ip targets but not for
    // lambda targets, so they are not marked required; none can change on a live group.
    .attr(
        AttrSchema::int("port")
            .replace()
            .doc("Port the targets receive traffic on (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("protocol")
            .replace()
            .doc("Protocol to the targets: HTTP or HTTPS (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("vpc_id")
            .refers_to(&["vpc"])
            .replace()
            .doc("Id of the VPC of the targets (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("target_type")
            .replace()
            .doc("instance (default), ip, lambda or alb"),
    )
    .attr(block(
        "health_check",
        vec![
            flag("enabled"),
            text("path"),
            loose("port"),
            text("protocol"),
            int("interval"),
            int("timeout"),
            int("healthy_threshold"),
            int("unhealthy_threshold"),
            text("matcher"),
        ],
    ).doc(
        "Health check, a table: path, port, protocol, interval, timeout, healthy_threshold, \
         unhealthy_threshold, matcher (e.g. \"200-399\")",
    ))
    .attr(
        AttrSchema::int("deregistration_delay")
            .range(0, 3600)
            .doc("Seconds to drain a deregistered target (default 300)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the target group"))
    .attr(
        AttrSchema::computed("arn_suffix", AttrType::String)
            .doc("Last part of the ARN, as used in CloudWatch metrics"),
    )
});

#[async_trait]
impl ResourceKind for TargetGroup {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let found = match selector {
            Selector::Ids(ids) => self.describe_arns(ids).await?,
            // No tag filter in ELBv2: list every group a page at a time, tags 20 ARNs per call.
            Selector::Tags(_) => self.list(None).await?,
        };
        let mut live = self.to_live(found).await?;
        if let Selector::Tags(_) = selector {
            live.retain(|l| selector.matches(l));
        }
        Ok(live)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:CreateTargetGroup";
        let elb = self.aws.elbv2().await?;
        let attrs = req.attrs;
        let name = match str_of(attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, 32),
        };
        // CreateTargetGroup is idempotent by name when the settings are the same.
        let mut call = elb
            .create_target_group()
            .name(&name)
            .set_tags(Some(tag_list(req.tags)));
        if let Some(port) = int_of(attrs, "port") {
            call = call.port(to_i32(port, "port", OP)?);
        }
        if let Some(p) = str_of(attrs, "protocol") {
            call = call.protocol(ProtocolEnum::from(p));
        }
        if let Some(v) = str_of(attrs, "vpc_id") {
            call = call.vpc_id(v);
        }
        if let Some(t) = str_of(attrs, "target_type") {
            call = call.target_type(TargetTypeEnum::from(t));
        }
        let hc = HealthCheck::from_attrs(attrs, OP).map_err(|e| e.at(req.address))?;
        let call = call
            .set_health_check_enabled(hc.enabled)
            .set_health_check_path(hc.path)
            .set_health_check_port(hc.port)
            .set_health_check_protocol(hc.protocol)
            .set_health_check_interval_seconds(hc.interval)
            .set_health_check_timeout_seconds(hc.timeout)
            .set_healthy_threshold_count(hc.healthy_threshold)
            .set_unhealthy_threshold_count(hc.unhealthy_threshold)
            .set_matcher(hc.matcher);
        let created = call
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let arn = created
            .target_groups()
            .first()
            .and_then(|tg| tg.target_group_arn())
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no target group ARN in the response")
                    .at(req.address)
            })?
            .to_string();
        if let Some(delay) = int_of(attrs, "deregistration_delay") {
            self.set_deregistration_delay(&arn, delay)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut resource = self.read_one(&arn).await?.unwrap_or(LiveResource {
            id: arn.clone(),
            attrs: Attrs::new(),
            tags: req.tags.clone(),
        });
        put_delay(&mut resource.attrs, attrs);
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:ModifyTargetGroup";
        let elb = self.aws.elbv2().await?;
        for name in req.changed {
            match name.as_str() {
                "health_check" => {
                    // Settings removed from the table keep their current value: AWS has no
                    // "reset to default" for them.
                    let hc =
                        HealthCheck::from_attrs(req.after, OP).map_err(|e| e.at(req.address))?;
                    elb.modify_target_group()
                        .target_group_arn(req.id)
                        .set_health_check_enabled(hc.enabled)
                        .set_health_check_path(hc.path)
                        .set_health_check_port(hc.port)
                        .set_health_check_protocol(hc.protocol)
                        .set_health_check_interval_seconds(hc.interval)
                        .set_health_check_timeout_seconds(hc.timeout)
                        .set_healthy_threshold_count(hc.healthy_threshold)
                        .set_unhealthy_threshold_count(hc.unhealthy_threshold)
                        .set_matcher(hc.matcher)
                        .send()
                        .await
                        .map_err(|e| classify(OP, e).at(req.address))?;
                }
                "deregistration_delay" => {
                    // 300 s is AWS's default when the setting is removed.
                    let delay = int_of(req.after, "deregistration_delay").unwrap_or(300);
                    self.set_deregistration_delay(req.id, delay)
                        .await
                        .map_err(|e| e.at(req.address))?;
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!("changing `{other}` of a target group in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        let mut resource = self.read_one(req.id).await?.ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "elbv2:DescribeTargetGroups",
                "the target group disappeared during the update",
            )
            .at(req.address)
        })?;
        common::sync_tags(elb, req.id, &resource.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        resource.tags = req.tags.clone();
        put_delay(&mut resource.attrs, req.after);
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // AWS refuses (ResourceInUse) while a listener or rule still forwards here: the engine
        // deletes listeners first, and the error is classified as a dependency violation.
        let elb = self.aws.elbv2().await?;
        common::gone_is_ok(
            elb.delete_target_group()
                .target_group_arn(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("elbv2:DeleteTargetGroup", e)),
        )
    }
}

/// The configured deregistration delay, which the batched describe does not return (it is a
/// per-group attribute): keep the configured value.
fn put_delay(live: &mut Attrs, desired: &Attrs) {
    if let Some(v) = int_of(desired, "deregistration_delay") {
        live.insert("deregistration_delay".into(), Value::Int(v));
    }
}

fn to_i32(v: i64, name: &str, op: &str) -> Result<i32, ProviderError> {
    i32::try_from(v)
        .map_err(|_| ProviderError::invalid(op, format!("`{name}` is out of range: {v}")))
}

/// The `health_check` table as ModifyTargetGroup/CreateTargetGroup parameters.
#[derive(Debug, Default)]
struct HealthCheck {
    enabled: Option<bool>,
    path: Option<String>,
    port: Option<String>,
    protocol: Option<ProtocolEnum>,
    interval: Option<i32>,
    timeout: Option<i32>,
    healthy_threshold: Option<i32>,
    unhealthy_threshold: Option<i32>,
    matcher: Option<Matcher>,
}

impl HealthCheck {
    /// The keys of the `health_check` block, as the schema declares them.
    fn keys() -> Vec<&'static str> {
        match SCHEMA.get("health_check").map(|a| &a.ty) {
            Some(AttrType::Block(fields)) => fields.iter().map(|f| f.name).collect(),
            _ => Vec::new(),
        }
    }

    fn from_attrs(attrs: &Attrs, op: &str) -> Result<Self, ProviderError> {
        let Some(t) = table(attrs, "health_check") else {
            return Ok(HealthCheck::default());
        };
        let keys = Self::keys();
        if let Some(unknown) = t.keys().find(|k| !keys.contains(&k.as_str())) {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "unknown key `{unknown}` in `health_check` (known: {})",
                    keys.join(", ")
                ),
            ));
        }
        let int = |k: &str| -> Result<Option<i32>, ProviderError> {
            match t.get(k) {
                None => Ok(None),
                Some(Value::Int(i)) => to_i32(*i, &format!("health_check.{k}"), op).map(Some),
                Some(other) => Err(ProviderError::invalid(
                    op,
                    format!(
                        "`health_check.{k}` must be an integer, not {}",
                        other.type_name()
                    ),
                )),
            }
        };
        let text = |k: &str| -> Result<Option<String>, ProviderError> {
            match t.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                // A port may be written as a number.
                Some(Value::Int(i)) if k == "port" => Ok(Some(i.to_string())),
                Some(other) => Err(ProviderError::invalid(
                    op,
                    format!(
                        "`health_check.{k}` must be a string, not {}",
                        other.type_name()
                    ),
                )),
            }
        };
        let enabled = match t.get("enabled") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                return Err(ProviderError::invalid(
                    op,
                    format!(
                        "`health_check.enabled` must be a bool, not {}",
                        other.type_name()
                    ),
                ))
            }
        };
        Ok(HealthCheck {
            enabled,
            path: text("path")?,
            port: text("port")?,
            protocol: text("protocol")?.map(|p| ProtocolEnum::from(p.as_str())),
            interval: int("interval")?,
            timeout: int("timeout")?,
            healthy_threshold: int("healthy_threshold")?,
            unhealthy_threshold: int("unhealthy_threshold")?,
            matcher: text("matcher")?.map(|m| Matcher::builder().http_code(m).build()),
        })
    }

    /// The health check of a described group, as the `health_check` table.
    fn to_value(tg: &SdkTargetGroup) -> Value {
        let mut m = BTreeMap::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put("enabled", tg.health_check_enabled().map(Value::Bool));
        put("path", tg.health_check_path().map(Value::str));
        put("port", tg.health_check_port().map(Value::str));
        put(
            "protocol",
            tg.health_check_protocol().map(|p| Value::str(p.as_str())),
        );
        let int = |v: Option<i32>| v.map(|i| Value::Int(i64::from(i)));
        put("interval", int(tg.health_check_interval_seconds()));
        put("timeout", int(tg.health_check_timeout_seconds()));
        put("healthy_threshold", int(tg.healthy_threshold_count()));
        put("unhealthy_threshold", int(tg.unhealthy_threshold_count()));
        put(
            "matcher",
            tg.matcher().and_then(|m| m.http_code()).map(Value::str),
        );
        Value::Map(m)
    }
}

impl TargetGroup {
    /// Target groups by ARN, 20 per call; a batch with a vanished ARN (which fails the whole
    /// call) is served from a listing of the account instead, made once.
    async fn describe_arns(&self, arns: &[String]) -> Result<Vec<SdkTargetGroup>, ProviderError> {
        common::by_arn_batches(
            arns,
            |a| self.list(a),
            |r: &SdkTargetGroup| r.target_group_arn(),
        )
        .await
    }

    /// One `DescribeTargetGroups` call per page: these ARNs, or every group.
    async fn list(&self, arns: Option<Vec<String>>) -> Result<Vec<SdkTargetGroup>, ProviderError> {
        const OP: &str = "elbv2:DescribeTargetGroups";
        let elb = self.aws.elbv2().await?;
        let call = match arns {
            Some(a) => elb
                .describe_target_groups()
                .set_target_group_arns(Some(a))
                .set_page_size(self.aws.page_size(None, common::PAGE_LIMITS)),
            None => elb
                .describe_target_groups()
                .set_page_size(self.aws.page_size(Some(common::PAGE), common::PAGE_LIMITS)),
        };
        let mut out = Vec::new();
        each_page(OP, call.into_paginator().send(), |page| {
            out.extend(page.target_groups().iter().cloned())
        })
        .await?;
        Ok(out)
    }

    async fn read_one(&self, arn: &str) -> Result<Option<LiveResource>, ProviderError> {
        Ok(self.read(&[arn.to_string()]).await?.pop())
    }

    /// Attributes and tags (20 ARNs per `DescribeTags` call) of described groups.
    async fn to_live(
        &self,
        found: Vec<SdkTargetGroup>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let elb = self.aws.elbv2().await?;
        let arns: Vec<String> = found
            .iter()
            .filter_map(|tg| tg.target_group_arn().map(str::to_string))
            .collect();
        let mut tags = common::describe_tags(elb, &arns).await?;
        let mut out = Vec::new();
        for tg in found {
            let Some(arn) = tg.target_group_arn() else {
                continue;
            };
            let mut attrs = Attrs::new();
            put_str(&mut attrs, "name", tg.target_group_name());
            put_str(&mut attrs, "arn", Some(arn));
            // CloudWatch's dimension is the part after the last ':' (targetgroup/name/hash).
            put_str(&mut attrs, "arn_suffix", arn.rsplit(':').next());
            put_int(&mut attrs, "port", tg.port().map(i64::from));
            put_str(&mut attrs, "protocol", tg.protocol().map(|p| p.as_str()));
            put_str(&mut attrs, "vpc_id", tg.vpc_id());
            put_str(
                &mut attrs,
                "target_type",
                tg.target_type().map(|t| t.as_str()),
            );
            attrs.insert("health_check".into(), HealthCheck::to_value(&tg));
            out.push(LiveResource {
                id: arn.to_string(),
                attrs,
                tags: tags.remove(arn).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn set_deregistration_delay(&self, arn: &str, seconds: i64) -> Result<(), ProviderError> {
        let elb = self.aws.elbv2().await?;
        elb.modify_target_group_attributes()
            .target_group_arn(arn)
            .attributes(
                TargetGroupAttribute::builder()
                    .key("deregistration_delay.timeout_seconds")
                    .value(seconds.to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify("elbv2:ModifyTargetGroupAttributes", e))?;
        Ok(())
    }
}
