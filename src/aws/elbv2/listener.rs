//! `listener`: a port a load balancer listens on, and what it does with requests.

use super::action;
use super::common::{self, ARN_BATCH};
use crate::aws::attrs::{int_of, put_int, put_str, required_str, str_of, table};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, loose, text};
use crate::aws::tagging::tag_list;
use crate::aws::Aws;
use crate::provider::BlockField;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, Certificate, Listener as SdkListener, ProtocolEnum,
};
use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

/// A load balancer listener (`CreateListener`, `ModifyListener`).
pub struct Listener {
    aws: Arc<Aws>,
}

impl Listener {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Listener { aws }
    }
}

/// The keys of `default_action.redirect`.
pub(super) fn redirect_fields() -> Vec<BlockField> {
    vec![
        text("protocol"),
        loose("port"),
        text("host"),
        text("path"),
        text("query"),
        loose("status_code"),
    ]
}

static SCHEMA: LazyLock<KindSchema> =
    LazyLock::new(|| {
        KindSchema::new(
        "listener",
        "A listener: a port and protocol of a load balancer and its default action",
    )
    .taggable()
    .attr(
        AttrSchema::string("load_balancer_arn")
            .refers_to(&["load_balancer"])
            .required()
            .replace()
            .doc("ARN of the load balancer"),
    )
    // ModifyListener changes port, protocol, certificate, policy and actions in place.
    .attr(AttrSchema::int("port").doc("Port to listen on, e.g. 443"))
    .attr(AttrSchema::string("protocol").doc("HTTP or HTTPS"))
    .attr(AttrSchema::string("certificate_arn").doc("ARN of the ACM certificate (HTTPS listeners)"))
    .attr(
        AttrSchema::string("ssl_policy").doc(
            "TLS negotiation policy (HTTPS listeners), e.g. ELBSecurityPolicy-TLS13-1-2-2021-06",
        ),
    )
    .attr(block(
        "default_action",
        vec![
            text("type").required(),
            text("target_group_arn"),
            BlockField::new("redirect", AttrType::Block(redirect_fields())),
        ],
    )
            .refers_to(&["target_group"]).required().doc(
        "Default action, a table: type = forward (with target_group_arn) or redirect (with \
         redirect = { protocol, port, host, path, query, status_code })",
    ))
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the listener"))
    });

#[async_trait]
impl ResourceKind for Listener {
    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut broken = Vec::new();
        if str_of(attrs, "protocol") == Some("HTTPS") && !attrs.contains_key("certificate_arn") {
            broken.push(Invalid::at(
                "protocol",
                "an HTTPS listener needs `certificate_arn` (an ACM certificate)",
            ));
        }
        if let Some(Value::Map(action)) = attrs.get("default_action") {
            let needs = match action.get("type").and_then(Value::as_str) {
                Some("forward") => Some("target_group_arn"),
                Some("redirect") => Some("redirect"),
                _ => None,
            };
            if let Some(key) = needs.filter(|k| !action.contains_key(*k)) {
                broken.push(Invalid::at(
                    "default_action",
                    format!("this `default_action` needs `{key}`"),
                ));
            }
        }
        broken
    }

    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let ids = match selector {
            Selector::Ids(ids) => ids,
            Selector::Tags(_) => {
                let mut live = self.to_live(self.every_listener().await?).await?;
                live.retain(|l| selector.matches(l));
                return Ok(live);
            }
        };
        let mut found = Vec::new();
        // DescribeListeners documents no limit on ListenerArns; 20 is ELBv2's limit for the
        // other ARN lists (DescribeLoadBalancers, DescribeTags), kept here to be safe.
        for batch in ids.chunks(ARN_BATCH) {
            match self.describe_arns(batch.to_vec()).await {
                Ok(f) => found.extend(f),
                // One vanished ARN fails the whole call. A listener's ARN names its load
                // balancer, so the batch is read again per load balancer: one call per load
                // balancer (and page), never one per listener.
                Err(e) if e.class == ErrorClass::NotFound => {
                    found.extend(self.describe_by_load_balancer(batch).await?);
                }
                Err(e) => return Err(e),
            }
        }
        self.to_live(found).await
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:CreateListener";
        let elb = self.aws.elbv2().await?;
        let attrs = req.attrs;
        let action = default_action(attrs, OP).map_err(|e| e.at(req.address))?;
        // CreateListener is idempotent for the same load balancer, port and settings.
        let mut call = elb
            .create_listener()
            .load_balancer_arn(required_str(attrs, "load_balancer_arn", OP)?)
            .default_actions(action)
            .set_tags(Some(tag_list(req.tags)));
        if let Some(port) = int_of(attrs, "port") {
            call = call.port(port_of(port, OP)?);
        }
        if let Some(p) = str_of(attrs, "protocol") {
            call = call.protocol(ProtocolEnum::from(p));
        }
        if let Some(c) = str_of(attrs, "certificate_arn") {
            call = call.certificates(Certificate::builder().certificate_arn(c).build());
        }
        if let Some(p) = str_of(attrs, "ssl_policy") {
            call = call.ssl_policy(p);
        }
        let created = call
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let arn = created
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no listener ARN in the response")
                    .at(req.address)
            })?
            .to_string();
        Ok(self
            .read(std::slice::from_ref(&arn))
            .await?
            .pop()
            .unwrap_or(LiveResource {
                id: arn,
                attrs: Attrs::new(),
                tags: req.tags.clone(),
            }))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "elbv2:ModifyListener";
        let elb = self.aws.elbv2().await?;
        let after = req.after;
        let mut call = elb.modify_listener().listener_arn(req.id);
        let mut modify = false;
        for name in req.changed {
            match name.as_str() {
                "port" => {
                    if let Some(port) = int_of(after, "port") {
                        call = call.port(port_of(port, OP)?);
                        modify = true;
                    }
                }
                "protocol" => {
                    if let Some(p) = str_of(after, "protocol") {
                        call = call.protocol(ProtocolEnum::from(p));
                        modify = true;
                    }
                }
                "certificate_arn" => {
                    if let Some(c) = str_of(after, "certificate_arn") {
                        call = call.certificates(Certificate::builder().certificate_arn(c).build());
                        modify = true;
                    }
                }
                "ssl_policy" => {
                    if let Some(p) = str_of(after, "ssl_policy") {
                        call = call.ssl_policy(p);
                        modify = true;
                    }
                }
                "default_action" => {
                    call = call
                        .default_actions(default_action(after, OP).map_err(|e| e.at(req.address))?);
                    modify = true;
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!("changing `{other}` of a listener in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        if modify {
            call.send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
        }
        let mut resource = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    "elbv2:DescribeListeners",
                    "the listener disappeared during the update",
                )
                .at(req.address)
            })?;
        common::sync_tags(elb, req.id, &resource.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let elb = self.aws.elbv2().await?;
        common::gone_is_ok(
            elb.delete_listener()
                .listener_arn(id)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| classify("elbv2:DeleteListener", e)),
        )
    }
}

fn default_action(attrs: &Attrs, op: &str) -> Result<Action, ProviderError> {
    let t = table(attrs, "default_action")
        .ok_or_else(|| ProviderError::invalid(op, "`default_action` must be set to a table"))?;
    action::from_table(t, op)
}

/// The load balancer ARN a listener ARN names:
/// `arn:…:listener/app/NAME/LB_ID/LISTENER_ID` → `arn:…:loadbalancer/app/NAME/LB_ID`.
pub fn load_balancer_of(listener_arn: &str) -> Option<String> {
    let (prefix, path) = listener_arn.split_once(":listener/")?;
    let (lb_path, listener_id) = path.rsplit_once('/')?;
    if listener_id.is_empty() || lb_path.split('/').count() != 3 {
        return None;
    }
    Some(format!("{prefix}:loadbalancer/{lb_path}"))
}

fn port_of(port: i64, op: &str) -> Result<i32, ProviderError> {
    i32::try_from(port)
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .ok_or_else(|| ProviderError::invalid(op, format!("`port` must be 1–65535, not {port}")))
}

impl Listener {
    /// Every listener of the account, for finding by tags: DescribeListeners needs a load
    /// balancer or listener ARNs, so this is one call per load balancer (and page); tags are
    /// then looked up 20 ARNs per call.
    async fn every_listener(&self) -> Result<Vec<SdkListener>, ProviderError> {
        let elb = self.aws.elbv2().await?;
        let mut lbs = Vec::new();
        let pages = elb
            .describe_load_balancers()
            .set_page_size(self.aws.page_size(Some(common::PAGE), common::PAGE_LIMITS))
            .into_paginator()
            .send();
        each_page("elbv2:DescribeLoadBalancers", pages, |page| {
            lbs.extend(
                page.load_balancers()
                    .iter()
                    .filter_map(|lb| lb.load_balancer_arn().map(str::to_string)),
            )
        })
        .await?;
        let mut found = Vec::new();
        for lb in lbs {
            let pages = elb
                .describe_listeners()
                .load_balancer_arn(lb)
                .set_page_size(self.aws.page_size(None, common::PAGE_LIMITS))
                .into_paginator()
                .send();
            each_page("elbv2:DescribeListeners", pages, |page| {
                found.extend(page.listeners().iter().cloned())
            })
            .await?;
        }
        Ok(found)
    }

    /// One `DescribeListeners` call per page for these ARNs (at most 20).
    async fn describe_arns(&self, arns: Vec<String>) -> Result<Vec<SdkListener>, ProviderError> {
        const OP: &str = "elbv2:DescribeListeners";
        let elb = self.aws.elbv2().await?;
        let pages = elb
            .describe_listeners()
            .set_listener_arns(Some(arns))
            .set_page_size(self.aws.page_size(None, common::PAGE_LIMITS))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(OP, pages, |page| {
            out.extend(page.listeners().iter().cloned())
        })
        .await?;
        Ok(out)
    }

    /// The listeners among `arns` that still exist, read through their load balancers: one
    /// `DescribeListeners` call per load balancer and page. A load balancer that is gone takes
    /// its listeners with it.
    async fn describe_by_load_balancer(
        &self,
        arns: &[String],
    ) -> Result<Vec<SdkListener>, ProviderError> {
        const OP: &str = "elbv2:DescribeListeners";
        let elb = self.aws.elbv2().await?;
        let wanted: BTreeSet<&str> = arns.iter().map(String::as_str).collect();
        let balancers: BTreeSet<String> = arns.iter().filter_map(|a| load_balancer_of(a)).collect();
        let mut out = Vec::new();
        for lb in balancers {
            let pages = elb
                .describe_listeners()
                .load_balancer_arn(lb)
                .set_page_size(self.aws.page_size(Some(common::PAGE), common::PAGE_LIMITS))
                .into_paginator()
                .send();
            let listed = each_page(OP, pages, |page| {
                out.extend(
                    page.listeners()
                        .iter()
                        .filter(|l| l.listener_arn().is_some_and(|a| wanted.contains(a)))
                        .cloned(),
                )
            })
            .await;
            match listed {
                // The load balancer is gone, and its listeners with it.
                Err(err) if err.class != ErrorClass::NotFound => return Err(err),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Attributes and tags (20 ARNs per `DescribeTags` call) of described listeners.
    async fn to_live(&self, found: Vec<SdkListener>) -> Result<Vec<LiveResource>, ProviderError> {
        let elb = self.aws.elbv2().await?;
        let arns: Vec<String> = found
            .iter()
            .filter_map(|l| l.listener_arn().map(str::to_string))
            .collect();
        let mut tags = common::describe_tags(elb, &arns).await?;
        let mut out = Vec::new();
        for l in found {
            let Some(arn) = l.listener_arn() else {
                continue;
            };
            let mut attrs = Attrs::new();
            put_str(&mut attrs, "arn", Some(arn));
            put_str(&mut attrs, "load_balancer_arn", l.load_balancer_arn());
            put_int(&mut attrs, "port", l.port().map(i64::from));
            put_str(&mut attrs, "protocol", l.protocol().map(|p| p.as_str()));
            put_str(&mut attrs, "ssl_policy", l.ssl_policy());
            put_str(
                &mut attrs,
                "certificate_arn",
                l.certificates().first().and_then(|c| c.certificate_arn()),
            );
            if let Some(a) = l.default_actions().first() {
                attrs.insert("default_action".into(), action::to_value(a));
            }
            out.push(LiveResource {
                id: arn.to_string(),
                attrs,
                tags: tags.remove(arn).unwrap_or_default(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_arn_names_its_load_balancer() {
        let lb = "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188";
        let listener = "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2";
        assert_eq!(load_balancer_of(listener).as_deref(), Some(lb));
        assert_eq!(load_balancer_of(lb), None);
        assert_eq!(
            load_balancer_of("arn:aws:elasticloadbalancing:us-west-2:1:listener/app/my-lb/50dc"),
            None
        );
        assert_eq!(load_balancer_of("not an arn"), None);
    }
}
