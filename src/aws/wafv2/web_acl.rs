//! `wafv2_web_acl`: a WAF web ACL, the rules in front of a load balancer or an API.
//!
//! WAFv2 has no batch read: a web ACL's rules come only from `GetWebACL` (one ACL per call)
//! and its tags only from `ListTagsForResource` (one ACL per call). A read by ids therefore
//! makes one `GetWebACL` and one `ListTagsForResource` per ACL; a search by tags lists the
//! ACLs (`ListWebACLs`, a page per call), asks each for its tags, and gets only those that
//! match. Every change (`UpdateWebACL`, `DeleteWebACL`) needs the lock token of the latest
//! `GetWebACL`; a token gone stale in between (`WAFOptimisticLockException`) is read again and
//! the call sent once more.

use super::{parse_acl_arn, waf_error, AclArn, NONEXISTENT, STALE_LOCK};
use crate::aws::attrs::{put_int, put_str, str_of, table, table_list};
use crate::aws::errors::absent_ok;
use crate::aws::shapes::{block, block_list, flag, int, text, texts};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, BlockField, CreateRequest, ErrorClass, Invalid, KindSchema,
    LiveResource, ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, DefaultAction, ExcludedRule, ManagedRuleGroupStatement,
    NoneAction, OverrideAction, RateBasedStatement, RateBasedStatementAggregateKeyType, Rule,
    RuleAction, Scope, Statement, VisibilityConfig, WebAcl as SdkWebAcl,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A web ACL (`CreateWebACL`, `UpdateWebACL`, `DeleteWebACL`).
///
/// Regional ACLs (scope `REGIONAL`) protect ALBs and API Gateway stages in the session's region;
/// CloudFront ACLs (scope `CLOUDFRONT`) live in us-east-1 only, so this kind creates them only
/// when the session's region is us-east-1, and they attach through a distribution's
/// `web_acl_id`, not through `wafv2_web_acl_association`.
///
/// The emulator (moto 5.2) keeps an ACL's rules when an update sends none (AWS empties them)
/// and always reports a capacity of 3.
pub struct WebAcl {
    aws: Arc<Aws>,
}

impl WebAcl {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        WebAcl { aws }
    }
}

/// The longest web ACL name AWS takes.
const NAME_MAX: usize = 128;
/// The region of CloudFront-scoped ACLs.
const CLOUDFRONT_REGION: &str = "us-east-1";
/// The evaluation windows a rate-based rule takes, in seconds.
const WINDOWS: [i64; 4] = [60, 120, 300, 600];
/// The lowest and highest rate limit AWS takes (requests per evaluation window).
const LIMIT_RANGE: (i64, i64) = (10, 2_000_000_000);

fn visibility_fields() -> Vec<BlockField> {
    vec![
        text("metric_name"),
        flag("cloudwatch_metrics_enabled"),
        flag("sampled_requests_enabled"),
    ]
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    let mut rule_fields = vec![
        text("name").required(),
        int("priority").required(),
        text("action"),
        text("override_action"),
        BlockField::new(
            "rate_based",
            AttrType::Block(vec![
                int("limit").required(),
                text("aggregate_key_type"),
                int("evaluation_window_sec"),
            ]),
        ),
        BlockField::new(
            "managed_rule_group",
            AttrType::Block(vec![
                text("vendor_name"),
                text("name").required(),
                texts("excluded_rules"),
            ]),
        ),
    ];
    rule_fields.extend(visibility_fields());
    KindSchema::new(
        "wafv2_web_acl",
        "A WAF web ACL: rate limits and managed rule groups in front of an ALB or API (CLOUDFRONT scope in us-east-1 only)",
    )
    .usage(crate::provider::UsageKey::new("requests_millions", "million requests", 10.0, "Requests the web ACL inspects a month, in millions"))
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 128 letters, digits, - and _), unique per scope and region; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("scope")
            .replace()
            .doc("REGIONAL (default: ALBs and API Gateway in this region) or CLOUDFRONT (distributions; us-east-1 only)"),
    )
    .attr(AttrSchema::string("description").doc("Description of the ACL"))
    .attr(
        AttrSchema::string("default_action")
            .doc("What happens to a request no rule decides: allow (default) or block"),
    )
    .attr(
        block_list("rules", rule_fields).doc(
            "Rules, each a table: name, priority (lowest first), exactly one statement \
             (rate_based = { limit, aggregate_key_type = \"IP\", evaluation_window_sec = 60|120|300|600 } \
             or managed_rule_group = { vendor_name = \"AWS\", name, excluded_rules }), action \
             (allow, block (default) or count; rate-based rules) or override_action (none \
             (default) or count; managed rule groups), metric_name (default: the rule's name), \
             cloudwatch_metrics_enabled and sampled_requests_enabled (default true)",
        ),
    )
    .attr(
        block("visibility", visibility_fields()).doc(
            "CloudWatch metrics of the ACL itself: metric_name (default: the ACL's name), \
             cloudwatch_metrics_enabled and sampled_requests_enabled (default true)",
        ),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the web ACL (also its id)"))
    .attr(
        AttrSchema::computed("capacity", AttrType::Int)
            .doc("Web ACL capacity units the rules use"),
    )
});

#[async_trait]
impl ResourceKind for WebAcl {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::provider::{CostCategory, Meter};
        let rules = match attrs.get("rules") {
            Some(crate::value::Value::List(r)) => r.len(),
            _ => 0,
        };
        vec![
            Meter::new("waf/acl-month", 1.0, CostCategory::Other, "web ACL"),
            Meter::new(
                "waf/rule-month",
                rules as f64,
                CostCategory::Other,
                format!("{rules} rule(s)"),
            ),
            Meter::new(
                "waf/requests-1m",
                usage.get("requests_millions"),
                CostCategory::Other,
                "requests inspected",
            )
            .from_usage("requests_millions"),
        ]
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        if let Some(scope) = str_of(attrs, "scope") {
            if !matches!(scope, "REGIONAL" | "CLOUDFRONT") {
                out.push(Invalid::at(
                    "scope",
                    format!("`{scope}` is not a scope: write REGIONAL or CLOUDFRONT"),
                ));
            }
        }
        if let Some(action) = str_of(attrs, "default_action") {
            if !matches!(action, "allow" | "block") {
                out.push(Invalid::at(
                    "default_action",
                    format!("`{action}` is not a default action: write allow or block"),
                ));
            }
        }
        let mut names = BTreeMap::new();
        let mut priorities = BTreeMap::new();
        for (i, rule) in table_list(attrs, "rules").into_iter().enumerate() {
            let label = match str_of(rule, "name") {
                Some(n) => format!("rule `{n}`"),
                None => format!("rules[{i}]"),
            };
            if let Some(name) = str_of(rule, "name") {
                if let Some(first) = names.insert(name.to_string(), i) {
                    out.push(Invalid::at(
                        "rules",
                        format!("rules[{first}] and rules[{i}] are both named `{name}`: rule names must differ"),
                    ));
                }
            }
            if let Some(Value::Int(p)) = rule.get("priority") {
                if *p < 0 {
                    out.push(Invalid::at(
                        "rules",
                        format!("{label}: priority {p} is negative"),
                    ));
                }
                if let Some(first) = priorities.insert(*p, i) {
                    out.push(Invalid::at(
                        "rules",
                        format!("rules[{first}] and rules[{i}] both have priority {p}: priorities must differ"),
                    ));
                }
            }
            out.extend(
                rule_problems(rule)
                    .into_iter()
                    .map(|m| Invalid::at("rules", format!("{label}: {m}"))),
            );
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let waf = self.aws.wafv2().await?;
        let mut out = Vec::new();
        match selector {
            Selector::Ids(ids) => {
                // No batch read in WAFv2: one GetWebACL and one ListTagsForResource per ACL.
                for arn in ids {
                    let Some(parsed) = parse_acl_arn(arn) else {
                        continue;
                    };
                    let Some((acl, _)) = get_acl(waf, &parsed).await? else {
                        continue;
                    };
                    let tags = list_tags(waf, arn).await?;
                    out.push(live_of(&acl, &parsed.scope, tags));
                }
            }
            Selector::Tags(wanted) => {
                let region = self.aws.region().await?;
                let mut scopes = vec![Scope::Regional];
                if region == CLOUDFRONT_REGION {
                    scopes.push(Scope::Cloudfront);
                }
                for scope in scopes {
                    for arn in self.list_arns(&scope).await? {
                        // Tags first (one call each), the rules only for the ACLs that match.
                        let tags = list_tags(waf, &arn).await?;
                        if !wanted.iter().all(|(k, v)| tags.get(k) == Some(v)) {
                            continue;
                        }
                        let Some(parsed) = parse_acl_arn(&arn) else {
                            continue;
                        };
                        if let Some((acl, _)) = get_acl(waf, &parsed).await? {
                            out.push(live_of(&acl, &scope, tags));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "wafv2:CreateWebACL";
        let at = |e: ProviderError| e.at(req.address);
        let scope = self.scope_of(req.attrs, OP).await.map_err(at)?;
        let name = match str_of(req.attrs, "name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, NAME_MAX),
        };
        let desired = Desired::of(req.attrs, &name, OP).map_err(at)?;
        let waf = self.aws.wafv2().await?;
        let tags = tag_list::<aws_sdk_wafv2::types::Tag>(req.tags);
        let created = waf
            .create_web_acl()
            .name(&name)
            .scope(scope.clone())
            .default_action(desired.default_action)
            .set_rules(Some(desired.rules))
            .visibility_config(desired.visibility)
            .set_description(desired.description)
            .set_tags((!tags.is_empty()).then_some(tags))
            .send()
            .await
            .map_err(|e| at(waf_error(OP, e)))?;
        let arn = created
            .summary()
            .and_then(|s| s.arn())
            .ok_or_else(|| {
                at(ProviderError::new(
                    ErrorClass::Other,
                    OP,
                    "no ARN in the answer",
                ))
            })?
            .to_string();
        let live = self.read(std::slice::from_ref(&arn)).await.map_err(at)?;
        live.into_iter().next().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::NotFound,
                "wafv2:GetWebACL",
                format!("web ACL {arn} is not visible after its creation"),
            ))
        })
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "wafv2:UpdateWebACL";
        let at = |e: ProviderError| e.at(req.address);
        let arn = parse_acl_arn(req.id).ok_or_else(|| {
            at(ProviderError::invalid(
                OP,
                format!("`{}` is not a web ACL ARN", req.id),
            ))
        })?;
        let waf = self.aws.wafv2().await?;
        let mut content = false;
        for name in req.changed {
            match name.as_str() {
                "description" | "default_action" | "rules" | "visibility" => content = true,
                "tags" => {}
                other => {
                    return Err(at(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!("changing `{other}` of a web ACL in place is not supported"),
                    )))
                }
            }
        }
        if content {
            // UpdateWebACL replaces the whole definition: send all of it, as desired now.
            let desired = Desired::of(req.after, &arn.name, OP).map_err(at)?;
            let mut retried = false;
            loop {
                let token = lock_token(waf, &arn).await.map_err(at)?;
                let sent = waf
                    .update_web_acl()
                    .name(&arn.name)
                    .scope(arn.scope.clone())
                    .id(&arn.id)
                    .lock_token(token)
                    .default_action(desired.default_action.clone())
                    .set_rules(Some(desired.rules.clone()))
                    .visibility_config(desired.visibility.clone())
                    .set_description(desired.description.clone())
                    .send()
                    .await
                    .map_err(|e| waf_error(OP, e));
                match sent {
                    Err(e) if e.code.as_deref() == Some(STALE_LOCK) && !retried => retried = true,
                    other => {
                        other.map_err(at)?;
                        break;
                    }
                }
            }
        }
        let have = list_tags(waf, req.id).await.map_err(at)?;
        let (set, removed) = tag_changes(&have, req.tags);
        if !set.is_empty() {
            waf.tag_resource()
                .resource_arn(req.id)
                .set_tags(Some(tag_list(&set)))
                .send()
                .await
                .map_err(|e| at(waf_error("wafv2:TagResource", e)))?;
        }
        if !removed.is_empty() {
            waf.untag_resource()
                .resource_arn(req.id)
                .set_tag_keys(Some(removed))
                .send()
                .await
                .map_err(|e| at(waf_error("wafv2:UntagResource", e)))?;
        }
        self.read(&[req.id.to_string()])
            .await
            .map_err(at)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                at(ProviderError::new(
                    ErrorClass::NotFound,
                    "wafv2:GetWebACL",
                    "the web ACL disappeared during the update",
                ))
            })
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "wafv2:DeleteWebACL";
        let arn = parse_acl_arn(id)
            .ok_or_else(|| ProviderError::invalid(OP, format!("`{id}` is not a web ACL ARN")))?;
        let waf = self.aws.wafv2().await?;
        // AWS refuses (WAFAssociatedItemException, a dependency) while a resource still uses
        // the ACL: the engine removes associations first.
        let mut retried = false;
        loop {
            let token = match get_acl(waf, &arn).await? {
                Some((_, token)) => token,
                None => return Ok(()),
            };
            let sent = waf
                .delete_web_acl()
                .name(&arn.name)
                .scope(arn.scope.clone())
                .id(&arn.id)
                .lock_token(token)
                .send()
                .await
                .map_err(|e| waf_error(OP, e));
            match sent {
                Err(e) if e.code.as_deref() == Some(STALE_LOCK) && !retried => retried = true,
                other => return absent_ok(other, &[NONEXISTENT]),
            }
        }
    }
}

impl WebAcl {
    /// The scope `attrs` ask for, refused when CLOUDFRONT is asked outside us-east-1.
    async fn scope_of(&self, attrs: &Attrs, op: &str) -> Result<Scope, ProviderError> {
        match str_of(attrs, "scope").unwrap_or("REGIONAL") {
            "REGIONAL" => Ok(Scope::Regional),
            "CLOUDFRONT" => {
                let region = self.aws.region().await?;
                if region == CLOUDFRONT_REGION {
                    Ok(Scope::Cloudfront)
                } else {
                    Err(ProviderError::invalid(
                        op,
                        format!("a CLOUDFRONT web ACL lives in us-east-1 only, and this deployment is in {region}: deploy it from a us-east-1 stack, or use scope = \"REGIONAL\" for an ALB or API here"),
                    ))
                }
            }
            other => Err(ProviderError::invalid(
                op,
                format!("`{other}` is not a scope: write REGIONAL or CLOUDFRONT"),
            )),
        }
    }

    /// The ARNs of every ACL of `scope`, one `ListWebACLs` call per page. The SDK has no
    /// paginator for this call (it pages by `NextMarker`), so the loop is written here, once.
    async fn list_arns(&self, scope: &Scope) -> Result<Vec<String>, ProviderError> {
        const OP: &str = "wafv2:ListWebACLs";
        let waf = self.aws.wafv2().await?;
        let limit = self.aws.page_size(None, 1..=100);
        let mut out = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = waf
                .list_web_acls()
                .scope(scope.clone())
                .set_limit(limit)
                .set_next_marker(marker.take())
                .send()
                .await
                .map_err(|e| waf_error(OP, e))?;
            out.extend(
                page.web_acls()
                    .iter()
                    .filter_map(|s| s.arn().map(str::to_string)),
            );
            match page.next_marker() {
                // An empty page with a marker would loop forever on a misbehaving endpoint.
                Some(m) if !m.is_empty() && !page.web_acls().is_empty() => {
                    marker = Some(m.to_string())
                }
                _ => return Ok(out),
            }
        }
    }
}

/// The ACL and its lock token, or `None` when it does not exist.
async fn get_acl(
    waf: &aws_sdk_wafv2::Client,
    arn: &AclArn,
) -> Result<Option<(SdkWebAcl, String)>, ProviderError> {
    const OP: &str = "wafv2:GetWebACL";
    let got = waf
        .get_web_acl()
        .name(&arn.name)
        .scope(arn.scope.clone())
        .id(&arn.id)
        .send()
        .await
        .map_err(|e| waf_error(OP, e));
    match got {
        Ok(out) => Ok(out
            .web_acl()
            .cloned()
            .map(|acl| (acl, out.lock_token().unwrap_or_default().to_string()))),
        Err(e) if e.class == ErrorClass::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The current lock token of an ACL that must exist.
async fn lock_token(waf: &aws_sdk_wafv2::Client, arn: &AclArn) -> Result<String, ProviderError> {
    match get_acl(waf, arn).await? {
        Some((_, token)) => Ok(token),
        None => Err(ProviderError::new(
            ErrorClass::NotFound,
            "wafv2:GetWebACL",
            format!("web ACL {}/{} does not exist", arn.name, arn.id),
        )),
    }
}

/// The tags of one ACL, one `ListTagsForResource` call per page (paged by `NextMarker`; no
/// SDK paginator).
async fn list_tags(
    waf: &aws_sdk_wafv2::Client,
    arn: &str,
) -> Result<BTreeMap<String, String>, ProviderError> {
    const OP: &str = "wafv2:ListTagsForResource";
    let mut out = BTreeMap::new();
    let mut marker: Option<String> = None;
    loop {
        let page = waf
            .list_tags_for_resource()
            .resource_arn(arn)
            .set_next_marker(marker.take())
            .send()
            .await
            .map_err(|e| waf_error(OP, e))?;
        let tags = page
            .tag_info_for_resource()
            .map(|t| t.tag_list())
            .unwrap_or_default();
        out.extend(tag_map(tags));
        match page.next_marker() {
            Some(m) if !m.is_empty() && !tags.is_empty() => marker = Some(m.to_string()),
            _ => return Ok(out),
        }
    }
}

/// What an ACL's create or update sends, built from the attributes.
struct Desired {
    default_action: DefaultAction,
    rules: Vec<Rule>,
    visibility: VisibilityConfig,
    description: Option<String>,
}

impl Desired {
    fn of(attrs: &Attrs, acl_name: &str, op: &str) -> Result<Self, ProviderError> {
        let default_action = match str_of(attrs, "default_action").unwrap_or("allow") {
            "allow" => DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
            "block" => DefaultAction::builder()
                .block(BlockAction::builder().build())
                .build(),
            other => {
                return Err(ProviderError::invalid(
                    op,
                    format!("`{other}` is not a default action: write allow or block"),
                ))
            }
        };
        let mut rules = Vec::new();
        for rule in table_list(attrs, "rules") {
            if let Some(problem) = rule_problems(rule).into_iter().next() {
                return Err(ProviderError::invalid(op, format!("rules: {problem}")));
            }
            rules.push(sdk_rule(rule, op)?);
        }
        let visibility = visibility_of(table(attrs, "visibility"), acl_name, op)?;
        Ok(Desired {
            default_action,
            rules,
            visibility,
            description: str_of(attrs, "description")
                .filter(|d| !d.is_empty())
                .map(str::to_string),
        })
    }
}

/// The visibility of a rule or ACL: the block's settings, the metric named `default_metric`
/// and both switches on where unset.
fn visibility_of(
    block: Option<&BTreeMap<String, Value>>,
    default_metric: &str,
    op: &str,
) -> Result<VisibilityConfig, ProviderError> {
    let get = |key: &str| block.and_then(|b| b.get(key));
    let metric = get("metric_name")
        .and_then(Value::as_str)
        .unwrap_or(default_metric);
    VisibilityConfig::builder()
        .metric_name(metric)
        .cloud_watch_metrics_enabled(
            get("cloudwatch_metrics_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .sampled_requests_enabled(
            get("sampled_requests_enabled")
                .and_then(Value::as_bool)
                .unwrap_or(true),
        )
        .build()
        .map_err(|e| ProviderError::invalid(op, format!("visibility: {e}")))
}

/// What is wrong with one rule's table (empty when nothing is, or when values are unknown).
fn rule_problems(rule: &BTreeMap<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    let rate = rule.get("rate_based");
    let managed = rule.get("managed_rule_group");
    let known = |v: Option<&Value>| v.is_some_and(|v| !matches!(v, Value::Unknown));
    match (rate, managed) {
        (Some(_), Some(_)) => out.push(
            "set exactly one statement: `rate_based` or `managed_rule_group`, not both".into(),
        ),
        (None, None) => out.push(
            "set a statement: `rate_based = { limit = ... }` or `managed_rule_group = { name = ... }`"
                .into(),
        ),
        _ => {}
    }
    let action = rule.get("action").and_then(Value::as_str);
    let override_action = rule.get("override_action").and_then(Value::as_str);
    if known(managed) && rule.contains_key("action") {
        out.push(
            "a managed rule group takes `override_action` (none or count), not `action`".into(),
        );
    }
    if known(rate) && rule.contains_key("override_action") {
        out.push(
            "a rate-based rule takes `action` (allow, block or count), not `override_action`"
                .into(),
        );
    }
    if let Some(a) = action {
        if !matches!(a, "allow" | "block" | "count") {
            out.push(format!("`action = \"{a}\"`: write allow, block or count"));
        }
    }
    if let Some(a) = override_action {
        if !matches!(a, "none" | "count") {
            out.push(format!("`override_action = \"{a}\"`: write none or count"));
        }
    }
    if let Some(Value::Map(rate)) = rate {
        if let Some(Value::Int(limit)) = rate.get("limit") {
            let (min, max) = LIMIT_RANGE;
            if !(min..=max).contains(limit) {
                out.push(format!(
                    "rate_based.limit {limit} is out of range: AWS takes {min} to {max} requests per window"
                ));
            }
        }
        if let Some(Value::Int(window)) = rate.get("evaluation_window_sec") {
            if !WINDOWS.contains(window) {
                out.push(format!(
                    "rate_based.evaluation_window_sec {window}: write 60, 120, 300 or 600"
                ));
            }
        }
        if let Some(key) = rate.get("aggregate_key_type").and_then(Value::as_str) {
            if key != "IP" {
                out.push(format!(
                    "rate_based.aggregate_key_type `{key}`: only IP is supported (the other keys need settings this kind does not take)"
                ));
            }
        }
    }
    out
}

/// One rule as the SDK sends it. `rule` has passed [`rule_problems`].
fn sdk_rule(rule: &BTreeMap<String, Value>, op: &str) -> Result<Rule, ProviderError> {
    let bad = |m: String| ProviderError::invalid(op, m);
    let name = rule
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("every rule needs a `name`".into()))?;
    let priority = match rule.get("priority") {
        Some(Value::Int(p)) => i32::try_from(*p)
            .map_err(|_| bad(format!("rule `{name}`: priority {p} is too large")))?,
        _ => return Err(bad(format!("rule `{name}` needs a `priority`"))),
    };
    let mut built = Rule::builder().name(name).priority(priority);
    match (rule.get("rate_based"), rule.get("managed_rule_group")) {
        (Some(Value::Map(rate)), _) => {
            let limit = match rate.get("limit") {
                Some(Value::Int(l)) => *l,
                _ => return Err(bad(format!("rule `{name}`: rate_based needs a `limit`"))),
            };
            let window = match rate.get("evaluation_window_sec") {
                Some(Value::Int(w)) => *w,
                _ => 300,
            };
            let key = rate
                .get("aggregate_key_type")
                .and_then(Value::as_str)
                .unwrap_or("IP");
            let statement = RateBasedStatement::builder()
                .limit(limit)
                .evaluation_window_sec(window)
                .aggregate_key_type(RateBasedStatementAggregateKeyType::from(key))
                .build()
                .map_err(|e| bad(format!("rule `{name}`: {e}")))?;
            let action = match rule
                .get("action")
                .and_then(Value::as_str)
                .unwrap_or("block")
            {
                "allow" => RuleAction::builder().allow(AllowAction::builder().build()),
                "count" => RuleAction::builder().count(CountAction::builder().build()),
                _ => RuleAction::builder().block(BlockAction::builder().build()),
            };
            built = built
                .statement(Statement::builder().rate_based_statement(statement).build())
                .action(action.build());
        }
        (_, Some(Value::Map(group))) => {
            let group_name = group
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("rule `{name}`: managed_rule_group needs a `name`")))?;
            let mut statement = ManagedRuleGroupStatement::builder()
                .vendor_name(
                    group
                        .get("vendor_name")
                        .and_then(Value::as_str)
                        .unwrap_or("AWS"),
                )
                .name(group_name);
            if let Some(Value::List(excluded)) = group.get("excluded_rules") {
                for rule_name in excluded.iter().filter_map(Value::as_str) {
                    statement = statement.excluded_rules(
                        ExcludedRule::builder()
                            .name(rule_name)
                            .build()
                            .map_err(|e| bad(format!("rule `{name}`: {e}")))?,
                    );
                }
            }
            let statement = statement
                .build()
                .map_err(|e| bad(format!("rule `{name}`: {e}")))?;
            let override_action = match rule
                .get("override_action")
                .and_then(Value::as_str)
                .unwrap_or("none")
            {
                "count" => OverrideAction::builder().count(CountAction::builder().build()),
                _ => OverrideAction::builder().none(NoneAction::builder().build()),
            };
            built = built
                .statement(
                    Statement::builder()
                        .managed_rule_group_statement(statement)
                        .build(),
                )
                .override_action(override_action.build());
        }
        _ => return Err(bad(format!("rule `{name}` needs a statement"))),
    }
    let visibility = visibility_of(Some(rule), name, op)?;
    built
        .visibility_config(visibility)
        .build()
        .map_err(|e| bad(format!("rule `{name}`: {e}")))
}

/// An ACL as the provider reports it.
fn live_of(acl: &SdkWebAcl, scope: &Scope, tags: BTreeMap<String, String>) -> LiveResource {
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "name", Some(acl.name()));
    put_str(&mut attrs, "arn", Some(acl.arn()));
    put_str(&mut attrs, "scope", Some(scope.as_str()));
    put_str(
        &mut attrs,
        "description",
        acl.description().filter(|d| !d.is_empty()),
    );
    let default_action = acl.default_action().map(|d| {
        if d.block().is_some() {
            "block"
        } else {
            "allow"
        }
    });
    put_str(&mut attrs, "default_action", default_action);
    attrs.insert(
        "rules".into(),
        Value::List(acl.rules().iter().map(rule_value).collect()),
    );
    if let Some(v) = acl.visibility_config() {
        attrs.insert("visibility".into(), Value::Map(visibility_value(v)));
    }
    put_int(&mut attrs, "capacity", Some(acl.capacity()));
    LiveResource {
        id: acl.arn().to_string(),
        attrs,
        tags,
    }
}

fn visibility_value(v: &VisibilityConfig) -> BTreeMap<String, Value> {
    BTreeMap::from([
        ("metric_name".to_string(), Value::str(v.metric_name())),
        (
            "cloudwatch_metrics_enabled".to_string(),
            Value::Bool(v.cloud_watch_metrics_enabled()),
        ),
        (
            "sampled_requests_enabled".to_string(),
            Value::Bool(v.sampled_requests_enabled()),
        ),
    ])
}

/// One rule in the attribute's shape (statements strata does not model are left out).
fn rule_value(rule: &Rule) -> Value {
    let mut m = BTreeMap::from([
        ("name".to_string(), Value::str(rule.name())),
        (
            "priority".to_string(),
            Value::Int(i64::from(rule.priority())),
        ),
    ]);
    if let Some(v) = rule.visibility_config() {
        m.extend(visibility_value(v));
    }
    if let Some(a) = rule.action() {
        let name = if a.allow().is_some() {
            "allow"
        } else if a.count().is_some() {
            "count"
        } else if a.block().is_some() {
            "block"
        } else {
            "other"
        };
        m.insert("action".into(), Value::str(name));
    }
    if let Some(o) = rule.override_action() {
        let name = if o.count().is_some() { "count" } else { "none" };
        m.insert("override_action".into(), Value::str(name));
    }
    let statement = rule.statement();
    if let Some(rate) = statement.and_then(|s| s.rate_based_statement()) {
        // AWS reports 300 s for a rule created without a window.
        let window = match rate.evaluation_window_sec() {
            0 => 300,
            w => w,
        };
        m.insert(
            "rate_based".into(),
            Value::Map(BTreeMap::from([
                ("limit".to_string(), Value::Int(rate.limit())),
                (
                    "aggregate_key_type".to_string(),
                    Value::str(rate.aggregate_key_type().as_str()),
                ),
                ("evaluation_window_sec".to_string(), Value::Int(window)),
            ])),
        );
    }
    if let Some(group) = statement.and_then(|s| s.managed_rule_group_statement()) {
        m.insert(
            "managed_rule_group".into(),
            Value::Map(BTreeMap::from([
                ("vendor_name".to_string(), Value::str(group.vendor_name())),
                ("name".to_string(), Value::str(group.name())),
                (
                    "excluded_rules".to_string(),
                    Value::List(
                        group
                            .excluded_rules()
                            .iter()
                            .map(|r| Value::str(r.name()))
                            .collect(),
                    ),
                ),
            ])),
        );
    }
    Value::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn rate(limit: i64) -> Value {
        Value::Map(BTreeMap::from([("limit".to_string(), Value::Int(limit))]))
    }

    fn managed(name: &str) -> Value {
        Value::Map(BTreeMap::from([("name".to_string(), Value::str(name))]))
    }

    #[test]
    fn a_rule_takes_exactly_one_statement_and_the_action_that_fits_it() {
        let ok = rule(&[
            ("name", Value::str("rate")),
            ("priority", Value::Int(1)),
            ("rate_based", rate(100)),
        ]);
        assert!(rule_problems(&ok).is_empty());
        let both = rule(&[
            ("rate_based", rate(100)),
            ("managed_rule_group", managed("x")),
        ]);
        assert!(rule_problems(&both)[0].contains("not both"));
        assert!(rule_problems(&rule(&[]))[0].contains("set a statement"));
        let wrong = rule(&[
            (
                "managed_rule_group",
                managed("AWSManagedRulesCommonRuleSet"),
            ),
            ("action", Value::str("block")),
        ]);
        assert!(rule_problems(&wrong)[0].contains("override_action"));
        let wrong = rule(&[
            ("rate_based", rate(100)),
            ("override_action", Value::str("none")),
        ]);
        assert!(rule_problems(&wrong)[0].contains("not `override_action`"));
    }

    #[test]
    fn rate_limits_and_windows_are_bounded_as_aws_bounds_them() {
        for (limit, ok) in [
            (9, false),
            (10, true),
            (2_000_000_000, true),
            (2_000_000_001, false),
        ] {
            let r = rule(&[("rate_based", rate(limit))]);
            assert_eq!(rule_problems(&r).is_empty(), ok, "{limit}");
        }
        let mut r = rule(&[("rate_based", rate(100))]);
        if let Some(Value::Map(m)) = r.get_mut("rate_based") {
            m.insert("evaluation_window_sec".into(), Value::Int(90));
        }
        assert!(rule_problems(&r)[0].contains("60, 120, 300 or 600"));
    }

    #[test]
    fn a_rule_round_trips_through_the_sdk_shape() {
        let r = rule(&[
            ("name", Value::str("common")),
            ("priority", Value::Int(2)),
            (
                "managed_rule_group",
                managed("AWSManagedRulesCommonRuleSet"),
            ),
        ]);
        let sdk = sdk_rule(&r, "wafv2:CreateWebACL").expect("rule");
        let back = rule_value(&sdk);
        assert!(back.covers(&Value::Map(r)), "{back:?}");
        let Value::Map(back) = back else {
            panic!("a table")
        };
        assert_eq!(back["override_action"], Value::str("none"));
        assert_eq!(back["metric_name"], Value::str("common"));
        assert_eq!(back["cloudwatch_metrics_enabled"], Value::Bool(true));
    }
}
