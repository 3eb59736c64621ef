//! `load_balancer`: an application load balancer.

use super::common;
use crate::aws::attrs::{bool_of, int_of, put_bool, put_str, put_str_list, str_list, str_of};
use crate::aws::ec2::tags;
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::string_list;
use crate::aws::tagging::tag_list;
use crate::aws::wait::Poll;
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancer as SdkLoadBalancer, LoadBalancerAttribute, LoadBalancerSchemeEnum,
    LoadBalancerStateEnum, LoadBalancerTypeEnum,
};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// An application load balancer (`CreateLoadBalancer`).
pub struct LoadBalancer {
    aws: Arc<Aws>,
}

impl LoadBalancer {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        LoadBalancer { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "load_balancer",
        "An application load balancer spreading HTTP(S) traffic over target groups",
    )
    .usage(crate::provider::UsageKey::new("lcu", "LCU", 1.0, "Load balancer capacity units used on average, all month (new connections, active connections, processed bytes, rule evaluations: the highest of the four)"))
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 32 characters), unique in the region; derived from the deployment and resource names when unset"),
    )
    // Subnets is the only placement strata exposes, and AWS needs a placement.
    // SetSubnets and SetSecurityGroups change both on a live load balancer.
    .attr(
        string_list("subnets")
            .refers_to(&["subnet"]).unordered()
            .required()
            .doc("Ids of the subnets, in at least two availability zones"),
    )
    .attr(string_list("security_groups")
            .refers_to(&["security_group"]).unordered().doc("Ids of the security groups of the load balancer"))
    .attr(
        AttrSchema::bool("internal")
            .replace()
            .doc("Whether the load balancer is internal rather than internet-facing (default false)"),
    )
    .attr(
        AttrSchema::int("idle_timeout")
            .range(1, 4000)
            .doc("Connection idle timeout in seconds (default 60)"),
    )
    .attr(
        AttrSchema::string("ip_address_type")
            .doc("ipv4 (default) or dualstack"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the load balancer"))
    .attr(
        AttrSchema::computed("dns_name", AttrType::String)
            .doc("Public DNS name of the load balancer"),
    )
    .attr(
        AttrSchema::computed("zone_id", AttrType::String)
            .doc("Route 53 hosted zone id of the DNS name, for alias records"),
    )
    .attr(
        AttrSchema::computed("vpc_id", AttrType::String)
            .doc("Id of the VPC the load balancer lives in"),
    )
});

/// How long a new load balancer may take to become active (AWS: usually 2–5 minutes).
const READY_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// A deleted load balancer is gone in seconds; its network interfaces take up to a few
/// minutes more.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The description AWS gives the network interfaces of a load balancer: `ELB ` and the end of
/// its ARN (`ELB app/NAME/ID`).
fn interface_description(arn: &str) -> Option<String> {
    let (_, path) = arn.split_once(":loadbalancer/")?;
    Some(format!("ELB {path}"))
}

#[async_trait]
impl ResourceKind for LoadBalancer {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::aws::attrs::bool_of;
        use crate::provider::{CostCategory, Meter};
        let lcu = usage.get("lcu");
        let mut out = vec![
            Meter::hourly("elb/alb-hour", CostCategory::Network, "load balancer hours"),
            Meter::new(
                "elb/alb-lcu-hour",
                lcu * crate::provider::HOURS_PER_MONTH,
                CostCategory::Network,
                format!("{lcu} LCU on average"),
            )
            .from_usage("lcu"),
        ];
        // An internet-facing load balancer holds one public IPv4 address per zone it is in.
        if bool_of(attrs, "internal") != Some(true) {
            // Subnet ids are known only after apply in a first plan: count them, whatever they are.
            let zones = match attrs.get("subnets") {
                Some(crate::value::Value::List(items)) => items.len(),
                _ => 0,
            };
            if zones > 0 {
                out.push(Meter::new(
                    "ipv4/public-hour",
                    zones as f64 * crate::provider::HOURS_PER_MONTH,
                    CostCategory::Network,
                    format!("{zones} public IPv4 address(es), one per zone"),
                ));
            }
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let found = match selector {
            Selector::Ids(ids) => self.describe_arns(ids).await?,
            // ELBv2 has no tag filter: list every load balancer (a page at a time) and look
            // their tags up 20 ARNs per call.
            Selector::Tags(_) => self.list(None).await?,
        };
        let mut live = self.to_live(found).await?;
        if let Selector::Tags(_) = selector {
            live.retain(|l| selector.matches(l));
        }
        Ok(live)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:CreateLoadBalancer";
        let elb = self.aws.elbv2().await?;
        let attrs = req.attrs;
        let name = match str_of(attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, 32),
        };
        let subnets = str_list(attrs, "subnets");
        if subnets.is_empty() {
            return Err(ProviderError::invalid(
                OP,
                "`subnets` must list at least two subnets in different availability zones",
            )
            .at(req.address));
        }
        let scheme = if bool_of(attrs, "internal").unwrap_or(false) {
            LoadBalancerSchemeEnum::Internal
        } else {
            LoadBalancerSchemeEnum::InternetFacing
        };
        let security_groups = str_list(attrs, "security_groups");
        // CreateLoadBalancer is idempotent by name: a retry with the same settings returns the
        // load balancer the first attempt created.
        let mut call = elb
            .create_load_balancer()
            .name(&name)
            .r#type(LoadBalancerTypeEnum::Application)
            .scheme(scheme)
            .set_subnets(Some(subnets))
            .set_tags(Some(tag_list(req.tags)));
        if !security_groups.is_empty() {
            call = call.set_security_groups(Some(security_groups));
        }
        if let Some(t) = str_of(attrs, "ip_address_type") {
            call = call.ip_address_type(IpAddressType::from(t));
        }
        let created = call
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let arn = created
            .load_balancers()
            .first()
            .and_then(|lb| lb.load_balancer_arn())
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::Other,
                    OP,
                    "no load balancer ARN in the response",
                )
                .at(req.address)
            })?
            .to_string();
        if let Some(seconds) = int_of(attrs, "idle_timeout") {
            self.set_idle_timeout(&arn, seconds)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut resource = self.read_one(&arn).await?.unwrap_or(LiveResource {
            id: arn.clone(),
            attrs: Attrs::new(),
            tags: req.tags.clone(),
        });
        put_idle_timeout(&mut resource.attrs, attrs);
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let elb = self.aws.elbv2().await?;
        let after = req.after;
        for name in req.changed {
            let result = match name.as_str() {
                "subnets" => elb
                    .set_subnets()
                    .load_balancer_arn(req.id)
                    .set_subnets(Some(str_list(after, "subnets")))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify("elbv2:SetSubnets", e)),
                "security_groups" => elb
                    .set_security_groups()
                    .load_balancer_arn(req.id)
                    .set_security_groups(Some(str_list(after, "security_groups")))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify("elbv2:SetSecurityGroups", e)),
                "ip_address_type" => elb
                    .set_ip_address_type()
                    .load_balancer_arn(req.id)
                    .ip_address_type(IpAddressType::from(
                        str_of(after, "ip_address_type").unwrap_or("ipv4"),
                    ))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| classify("elbv2:SetIpAddressType", e)),
                // AWS's default when the setting is removed from the configuration.
                "idle_timeout" => {
                    self.set_idle_timeout(req.id, int_of(after, "idle_timeout").unwrap_or(60))
                        .await
                }
                "tags" => Ok(()),
                other => Err(ProviderError::new(
                    ErrorClass::Unsupported,
                    "elbv2:ModifyLoadBalancer",
                    format!("changing `{other}` of a load balancer in place is not supported"),
                )),
            };
            result.map_err(|e| e.at(req.address))?;
        }
        let mut resource = self.read_one(req.id).await?.ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "elbv2:DescribeLoadBalancers",
                "the load balancer disappeared during the update",
            )
            .at(req.address)
        })?;
        common::sync_tags(elb, req.id, &resource.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        resource.tags = req.tags.clone();
        put_idle_timeout(&mut resource.attrs, after);
        Ok(resource)
    }

    /// `DeleteLoadBalancer` returns while AWS is still taking the load balancer down, and its
    /// network interfaces stay in the subnets (and keep the security groups in use) for a
    /// while after. The delete waits for both, so that deleting the subnets and groups next in
    /// the same destroy is not refused as `DependencyViolation`. Listeners go with the load
    /// balancer; target groups are separate resources.
    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let elb = self.aws.elbv2().await?;
        common::gone_is_ok(
            elb.delete_load_balancer()
                .load_balancer_arn(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("elbv2:DeleteLoadBalancer", e)),
        )?;
        Poll::within(DELETE_TIMEOUT)
            .until(
                "elbv2:DescribeLoadBalancers",
                "the deleted load balancer to be gone",
                || async move {
                    match self.list(Some(vec![id.to_string()])).await {
                        Ok(found) if !found.is_empty() => Ok(false),
                        Ok(_) => Ok(true),
                        Err(e) if e.class == ErrorClass::NotFound => Ok(true),
                        Err(e) => Err(e),
                    }
                },
            )
            .await?;
        let Some(description) = interface_description(id) else {
            return Ok(());
        };
        let ec2 = self.aws.ec2().await?;
        Poll::within(DELETE_TIMEOUT)
            .until(
                "ec2:DescribeNetworkInterfaces",
                "the load balancer's network interfaces to be released",
                || {
                    let call = ec2.describe_network_interfaces().filters(tags::filter(
                        "description",
                        std::slice::from_ref(&description),
                    ));
                    async move {
                        let out = call
                            .send()
                            .await
                            .map_err(|e| classify("ec2:DescribeNetworkInterfaces", e))?;
                        Ok(out.network_interfaces().is_empty())
                    }
                },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        const OP: &str = "elbv2:DescribeLoadBalancers";
        Poll::within(READY_TIMEOUT)
            .until_some(OP, "the load balancer to become active", || async move {
                let found = self.list(Some(vec![id.to_string()])).await?;
                let state = found
                    .first()
                    .and_then(|lb| lb.state())
                    .and_then(|s| s.code())
                    .cloned();
                match state {
                    Some(LoadBalancerStateEnum::Active) => Ok(Some(())),
                    Some(LoadBalancerStateEnum::Failed) => Err(ProviderError::new(
                        ErrorClass::Other,
                        OP,
                        format!("load balancer {id} failed to provision"),
                    )),
                    _ => Ok(None),
                }
            })
            .await
    }
}

/// The configured idle timeout, which the batched describe does not return (it is a
/// per-load-balancer attribute): keep the configured value.
fn put_idle_timeout(live: &mut Attrs, desired: &Attrs) {
    if let Some(v) = int_of(desired, "idle_timeout") {
        live.insert("idle_timeout".into(), crate::value::Value::Int(v));
    }
}

impl LoadBalancer {
    /// Load balancers by ARN, 20 per call. AWS fails a whole call when one ARN is unknown; for
    /// such a batch the account is listed instead (once), so vanished ids are simply absent.
    async fn describe_arns(&self, arns: &[String]) -> Result<Vec<SdkLoadBalancer>, ProviderError> {
        common::by_arn_batches(
            arns,
            |a| self.list(a),
            |r: &SdkLoadBalancer| r.load_balancer_arn(),
        )
        .await
    }

    /// One `DescribeLoadBalancers` call per page: these ARNs, or every load balancer.
    async fn list(&self, arns: Option<Vec<String>>) -> Result<Vec<SdkLoadBalancer>, ProviderError> {
        const OP: &str = "elbv2:DescribeLoadBalancers";
        let elb = self.aws.elbv2().await?;
        let call = match arns {
            Some(a) => elb
                .describe_load_balancers()
                .set_load_balancer_arns(Some(a))
                .set_page_size(self.aws.page_size(None, common::PAGE_LIMITS)),
            None => elb
                .describe_load_balancers()
                .set_page_size(self.aws.page_size(Some(common::PAGE), common::PAGE_LIMITS)),
        };
        let mut out = Vec::new();
        each_page(OP, call.into_paginator().send(), |page| {
            out.extend(page.load_balancers().iter().cloned())
        })
        .await?;
        Ok(out)
    }

    async fn read_one(&self, arn: &str) -> Result<Option<LiveResource>, ProviderError> {
        Ok(self.read(&[arn.to_string()]).await?.pop())
    }

    /// Attributes and tags (20 ARNs per `DescribeTags` call) of described load balancers.
    async fn to_live(
        &self,
        found: Vec<SdkLoadBalancer>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let elb = self.aws.elbv2().await?;
        let arns: Vec<String> = found
            .iter()
            .filter_map(|lb| lb.load_balancer_arn().map(str::to_string))
            .collect();
        let mut tags = common::describe_tags(elb, &arns).await?;
        let mut out = Vec::new();
        for lb in found {
            let Some(arn) = lb.load_balancer_arn() else {
                continue;
            };
            let mut attrs = Attrs::new();
            put_str(&mut attrs, "name", lb.load_balancer_name());
            put_str(&mut attrs, "arn", Some(arn));
            put_str(&mut attrs, "dns_name", lb.dns_name());
            put_str(&mut attrs, "zone_id", lb.canonical_hosted_zone_id());
            put_str(&mut attrs, "vpc_id", lb.vpc_id());
            put_str(
                &mut attrs,
                "ip_address_type",
                lb.ip_address_type().map(|t| t.as_str()),
            );
            put_bool(
                &mut attrs,
                "internal",
                lb.scheme().map(|s| *s == LoadBalancerSchemeEnum::Internal),
            );
            let subnets = lb
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(str::to_string))
                .collect();
            put_str_list(&mut attrs, "subnets", subnets, true);
            put_str_list(
                &mut attrs,
                "security_groups",
                lb.security_groups().to_vec(),
                true,
            );
            out.push(LiveResource {
                id: arn.to_string(),
                attrs,
                tags: tags.remove(arn).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn set_idle_timeout(&self, arn: &str, seconds: i64) -> Result<(), ProviderError> {
        let elb = self.aws.elbv2().await?;
        elb.modify_load_balancer_attributes()
            .load_balancer_arn(arn)
            .attributes(
                LoadBalancerAttribute::builder()
                    .key("idle_timeout.timeout_seconds")
                    .value(seconds.to_string())
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify("elbv2:ModifyLoadBalancerAttributes", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_interfaces_are_described_by_the_end_of_the_arn() {
        assert_eq!(
            interface_description(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
            )
            .as_deref(),
            Some("ELB app/web/50dc6c495c0c9188")
        );
        assert_eq!(interface_description("not-an-arn"), None);
    }
}
