//! The distribution's attributes ↔ CloudFront's `DistributionConfig`.
//!
//! Writing starts from an existing configuration (the live one for updates, a minimal one for
//! creation) and overwrites only what strata manages, so settings made elsewhere (logging, geo
//! restrictions, error pages) survive an update.

use super::distribution::{behavior_fields, origin_fields};
use crate::aws::attrs::{bool_of, str_list, str_of, table, table_list};
use crate::provider::{Attrs, BlockField, ProviderError};
use crate::value::Value;
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CustomOriginConfig,
    DefaultCacheBehavior, DistributionConfig, DistributionSummary, Method, MinimumProtocolVersion,
    Origin, OriginProtocolPolicy, Origins, PriceClass, SslSupportMethod, ViewerCertificate,
    ViewerProtocolPolicy,
};
use std::collections::BTreeMap;

/// AWS's managed "CachingOptimized" cache policy, used when a behaviour names none.
pub const CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/// Route 53 hosted zone of every CloudFront domain name (for alias records).
pub const HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

type Table = BTreeMap<String, Value>;

/// A new configuration from the attributes, with this caller reference.
pub fn new_config(
    attrs: &Attrs,
    caller_reference: &str,
    op: &str,
) -> Result<DistributionConfig, ProviderError> {
    let mut config = DistributionConfig::builder()
        .caller_reference(caller_reference)
        .comment("")
        .enabled(true)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))?;
    apply(&mut config, attrs, op)?;
    Ok(config)
}

/// Overwrite the parts of `config` that strata manages with the attributes.
pub fn apply(
    config: &mut DistributionConfig,
    attrs: &Attrs,
    op: &str,
) -> Result<(), ProviderError> {
    config.enabled = bool_of(attrs, "distribution_enabled").unwrap_or(true);
    config.comment = str_of(attrs, "comment").unwrap_or_default().to_string();
    let origins = table_list(attrs, "origins")
        .into_iter()
        .map(|t| origin(t, op))
        .collect::<Result<Vec<_>, _>>()?;
    if origins.is_empty() {
        return Err(ProviderError::invalid(
            op,
            "`origins` must list at least one origin",
        ));
    }
    let first_origin = origins[0].id.clone();
    config.origins = Some(
        Origins::builder()
            .quantity(origins.len() as i32)
            .set_items(Some(origins))
            .build()
            .map_err(|e| ProviderError::invalid(op, e.to_string()))?,
    );
    let default = table(attrs, "default_cache_behavior").ok_or_else(|| {
        ProviderError::invalid(op, "`default_cache_behavior` must be set to a table")
    })?;
    config.default_cache_behavior = Some(default_behavior(default, &first_origin, op)?);
    let ordered = table_list(attrs, "ordered_cache_behaviors")
        .into_iter()
        .map(|t| ordered_behavior(t, &first_origin, op))
        .collect::<Result<Vec<_>, _>>()?;
    config.cache_behaviors = Some(
        CacheBehaviors::builder()
            .quantity(ordered.len() as i32)
            .set_items((!ordered.is_empty()).then_some(ordered))
            .build()
            .map_err(|e| ProviderError::invalid(op, e.to_string()))?,
    );
    config.price_class = str_of(attrs, "price_class").map(PriceClass::from);
    let aliases = str_list(attrs, "aliases");
    config.aliases = Some(
        Aliases::builder()
            .quantity(aliases.len() as i32)
            .set_items((!aliases.is_empty()).then_some(aliases))
            .build()
            .map_err(|e| ProviderError::invalid(op, e.to_string()))?,
    );
    config.viewer_certificate = Some(match str_of(attrs, "acm_certificate_arn") {
        Some(arn) => ViewerCertificate::builder()
            .acm_certificate_arn(arn)
            // SNI costs nothing extra; dedicated IPs cost $600 a month.
            .ssl_support_method(SslSupportMethod::SniOnly)
            .minimum_protocol_version(MinimumProtocolVersion::from(
                str_of(attrs, "minimum_protocol_version").unwrap_or("TLSv1.2_2021"),
            ))
            .build(),
        None => ViewerCertificate::builder()
            .cloud_front_default_certificate(true)
            .build(),
    });
    config.is_ipv6_enabled = bool_of(attrs, "ipv6_enabled");
    config.default_root_object = str_of(attrs, "default_root_object").map(str::to_string);
    config.web_acl_id = str_of(attrs, "web_acl_id").map(str::to_string);
    Ok(())
}

/// The names of a block's keys, as the schema declares them.
fn keys(fields: Vec<BlockField>) -> Vec<&'static str> {
    fields.iter().map(|f| f.name).collect()
}

fn check_keys(t: &Table, known: &[&str], what: &str, op: &str) -> Result<(), ProviderError> {
    match t.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ProviderError::invalid(
            op,
            format!(
                "unknown key `{unknown}` in `{what}` (known: {})",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn text<'a>(
    t: &'a Table,
    key: &str,
    what: &str,
    op: &str,
) -> Result<Option<&'a str>, ProviderError> {
    match t.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ProviderError::invalid(
            op,
            format!("`{what}.{key}` must be a string, not {}", other.type_name()),
        )),
    }
}

fn port(t: &Table, key: &str, default: i32, op: &str) -> Result<i32, ProviderError> {
    match t.get(key) {
        None => Ok(default),
        Some(Value::Int(i)) => i32::try_from(*i)
            .ok()
            .filter(|p| (1..=65535).contains(p))
            .ok_or_else(|| ProviderError::invalid(op, format!("`origins.{key}` must be 1–65535"))),
        Some(other) => Err(ProviderError::invalid(
            op,
            format!(
                "`origins.{key}` must be an integer, not {}",
                other.type_name()
            ),
        )),
    }
}

fn origin(t: &Table, op: &str) -> Result<Origin, ProviderError> {
    check_keys(t, &keys(origin_fields()), "origins", op)?;
    let domain = text(t, "domain_name", "origins", op)?
        .ok_or_else(|| ProviderError::invalid(op, "every origin needs `domain_name`"))?;
    let id = text(t, "id", "origins", op)?.unwrap_or(domain);
    // https-only unless told otherwise: traffic to the origin is encrypted by default.
    let policy = text(t, "origin_protocol_policy", "origins", op)?.unwrap_or("https-only");
    let custom = CustomOriginConfig::builder()
        .http_port(port(t, "http_port", 80, op)?)
        .https_port(port(t, "https_port", 443, op)?)
        .origin_protocol_policy(OriginProtocolPolicy::from(policy))
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))?;
    Origin::builder()
        .id(id)
        .domain_name(domain)
        .custom_origin_config(custom)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))
}

/// The parts shared by the default and the ordered behaviours.
struct Behavior {
    target_origin_id: String,
    viewer_protocol_policy: ViewerProtocolPolicy,
    cache_policy_id: String,
    origin_request_policy_id: Option<String>,
    compress: bool,
    allowed_methods: AllowedMethods,
}

fn behavior(
    t: &Table,
    first_origin: &str,
    what: &str,
    op: &str,
) -> Result<Behavior, ProviderError> {
    check_keys(t, &keys(behavior_fields()), what, op)?;
    let methods: Vec<Method> = match t.get("allowed_methods") {
        None => vec![Method::Get, Method::Head],
        Some(Value::List(items)) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|s| Method::from(s.to_ascii_uppercase().as_str()))
                    .ok_or_else(|| {
                        ProviderError::invalid(
                            op,
                            format!("`{what}.allowed_methods` lists strings"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "`{what}.allowed_methods` must be a list, not {}",
                    other.type_name()
                ),
            ))
        }
    };
    let cached = CachedMethods::builder()
        .quantity(2)
        .items(Method::Get)
        .items(Method::Head)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))?;
    let allowed = AllowedMethods::builder()
        .quantity(methods.len() as i32)
        .set_items(Some(methods))
        .cached_methods(cached)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))?;
    let compress = match t.get("compress") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "`{what}.compress` must be a bool, not {}",
                    other.type_name()
                ),
            ))
        }
    };
    Ok(Behavior {
        target_origin_id: text(t, "target_origin_id", what, op)?
            .unwrap_or(first_origin)
            .to_string(),
        viewer_protocol_policy: ViewerProtocolPolicy::from(
            text(t, "viewer_protocol_policy", what, op)?.unwrap_or("redirect-to-https"),
        ),
        cache_policy_id: text(t, "cache_policy_id", what, op)?
            .unwrap_or(CACHING_OPTIMIZED)
            .to_string(),
        origin_request_policy_id: text(t, "origin_request_policy_id", what, op)?
            .map(str::to_string),
        compress,
        allowed_methods: allowed,
    })
}

fn default_behavior(
    t: &Table,
    first_origin: &str,
    op: &str,
) -> Result<DefaultCacheBehavior, ProviderError> {
    if t.contains_key("path_pattern") {
        return Err(ProviderError::invalid(
            op,
            "`default_cache_behavior` has no `path_pattern` (it serves every other path)",
        ));
    }
    let b = behavior(t, first_origin, "default_cache_behavior", op)?;
    DefaultCacheBehavior::builder()
        .target_origin_id(b.target_origin_id)
        .viewer_protocol_policy(b.viewer_protocol_policy)
        .cache_policy_id(b.cache_policy_id)
        .set_origin_request_policy_id(b.origin_request_policy_id)
        .compress(b.compress)
        .allowed_methods(b.allowed_methods)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))
}

fn ordered_behavior(
    t: &Table,
    first_origin: &str,
    op: &str,
) -> Result<CacheBehavior, ProviderError> {
    let what = "ordered_cache_behaviors";
    let pattern = text(t, "path_pattern", what, op)?.ok_or_else(|| {
        ProviderError::invalid(op, "every ordered cache behavior needs `path_pattern`")
    })?;
    let b = behavior(t, first_origin, what, op)?;
    CacheBehavior::builder()
        .path_pattern(pattern)
        .target_origin_id(b.target_origin_id)
        .viewer_protocol_policy(b.viewer_protocol_policy)
        .cache_policy_id(b.cache_policy_id)
        .set_origin_request_policy_id(b.origin_request_policy_id)
        .compress(b.compress)
        .allowed_methods(b.allowed_methods)
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))
}

/// The attributes `ListDistributions` reports for one distribution.
pub fn summary_attrs(s: &DistributionSummary) -> Attrs {
    let mut a = Attrs::new();
    let mut put = |k: &str, v: Value| {
        a.insert(k.to_string(), v);
    };
    put("distribution_enabled", Value::Bool(s.enabled));
    put("comment", Value::str(s.comment.as_str()));
    put("domain_name", Value::str(s.domain_name.as_str()));
    put("arn", Value::str(s.arn.as_str()));
    put("status", Value::str(s.status.as_str()));
    put("hosted_zone_id", Value::str(HOSTED_ZONE_ID));
    if let Some(etag) = &s.e_tag {
        put("etag", Value::str(etag.as_str()));
    }
    put("price_class", Value::str(s.price_class.as_str()));
    put("ipv6_enabled", Value::Bool(s.is_ipv6_enabled));
    if !s.web_acl_id.is_empty() {
        put("web_acl_id", Value::str(s.web_acl_id.as_str()));
    }
    let origins = s
        .origins
        .as_ref()
        .map(|o| o.items.iter().map(origin_value).collect())
        .unwrap_or_default();
    put("origins", Value::List(origins));
    if let Some(d) = &s.default_cache_behavior {
        put(
            "default_cache_behavior",
            behavior_value(BehaviorView {
                path_pattern: None,
                target_origin_id: &d.target_origin_id,
                viewer_protocol_policy: &d.viewer_protocol_policy,
                cache_policy_id: d.cache_policy_id.as_deref(),
                origin_request_policy_id: d.origin_request_policy_id.as_deref(),
                compress: d.compress,
                allowed_methods: d.allowed_methods.as_ref(),
            }),
        );
    }
    let ordered: Vec<Value> = s
        .cache_behaviors
        .as_ref()
        .and_then(|c| c.items.as_ref())
        .map(|items| {
            items
                .iter()
                .map(|c| {
                    behavior_value(BehaviorView {
                        path_pattern: Some(&c.path_pattern),
                        target_origin_id: &c.target_origin_id,
                        viewer_protocol_policy: &c.viewer_protocol_policy,
                        cache_policy_id: c.cache_policy_id.as_deref(),
                        origin_request_policy_id: c.origin_request_policy_id.as_deref(),
                        compress: c.compress,
                        allowed_methods: c.allowed_methods.as_ref(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    if !ordered.is_empty() {
        put("ordered_cache_behaviors", Value::List(ordered));
    }
    let mut aliases: Vec<String> = s
        .aliases
        .as_ref()
        .and_then(|a| a.items.clone())
        .unwrap_or_default();
    if !aliases.is_empty() {
        aliases.sort();
        put(
            "aliases",
            Value::List(aliases.into_iter().map(Value::String).collect()),
        );
    }
    if let Some(arn) = s
        .viewer_certificate
        .as_ref()
        .and_then(|v| v.acm_certificate_arn.as_deref())
    {
        put("acm_certificate_arn", Value::str(arn));
        if let Some(v) = s
            .viewer_certificate
            .as_ref()
            .and_then(|v| v.minimum_protocol_version.as_ref())
        {
            put("minimum_protocol_version", Value::str(v.as_str()));
        }
    }
    a
}

fn origin_value(o: &Origin) -> Value {
    let mut m = Table::new();
    m.insert("id".into(), Value::str(o.id.as_str()));
    m.insert("domain_name".into(), Value::str(o.domain_name.as_str()));
    if let Some(c) = &o.custom_origin_config {
        m.insert(
            "origin_protocol_policy".into(),
            Value::str(c.origin_protocol_policy.as_str()),
        );
        m.insert("http_port".into(), Value::Int(i64::from(c.http_port)));
        m.insert("https_port".into(), Value::Int(i64::from(c.https_port)));
    }
    Value::Map(m)
}

/// The fields shared by `DefaultCacheBehavior` and `CacheBehavior`, borrowed.
struct BehaviorView<'a> {
    path_pattern: Option<&'a str>,
    target_origin_id: &'a str,
    viewer_protocol_policy: &'a ViewerProtocolPolicy,
    cache_policy_id: Option<&'a str>,
    origin_request_policy_id: Option<&'a str>,
    compress: Option<bool>,
    allowed_methods: Option<&'a AllowedMethods>,
}

fn behavior_value(b: BehaviorView<'_>) -> Value {
    let mut m = Table::new();
    if let Some(p) = b.path_pattern {
        m.insert("path_pattern".into(), Value::str(p));
    }
    m.insert("target_origin_id".into(), Value::str(b.target_origin_id));
    m.insert(
        "viewer_protocol_policy".into(),
        Value::str(b.viewer_protocol_policy.as_str()),
    );
    if let Some(c) = b.cache_policy_id.filter(|c| !c.is_empty()) {
        m.insert("cache_policy_id".into(), Value::str(c));
    }
    if let Some(o) = b.origin_request_policy_id.filter(|o| !o.is_empty()) {
        m.insert("origin_request_policy_id".into(), Value::str(o));
    }
    if let Some(c) = b.compress {
        m.insert("compress".into(), Value::Bool(c));
    }
    if let Some(a) = b.allowed_methods {
        m.insert(
            "allowed_methods".into(),
            Value::List(a.items.iter().map(|i| Value::str(i.as_str())).collect()),
        );
    }
    Value::Map(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pairs: &[(&str, Value)]) -> Value {
        Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn defaults_fill_a_minimal_configuration() {
        let attrs = Attrs::from([
            (
                "origins".to_string(),
                Value::List(vec![t(&[("domain_name", Value::str("lb.example.com"))])]),
            ),
            ("default_cache_behavior".to_string(), t(&[])),
        ]);
        let c = new_config(&attrs, "ref-1", "op").expect("valid");
        assert!(c.enabled);
        let o = &c.origins.as_ref().expect("origins").items[0];
        assert_eq!(o.id, "lb.example.com");
        let custom = o.custom_origin_config.as_ref().expect("custom");
        assert_eq!(
            custom.origin_protocol_policy,
            OriginProtocolPolicy::HttpsOnly
        );
        let d = c.default_cache_behavior.as_ref().expect("default");
        assert_eq!(d.target_origin_id, "lb.example.com");
        assert_eq!(d.cache_policy_id.as_deref(), Some(CACHING_OPTIMIZED));
        assert_eq!(
            d.viewer_protocol_policy,
            ViewerProtocolPolicy::RedirectToHttps
        );
        assert_eq!(
            c.viewer_certificate
                .as_ref()
                .and_then(|v| v.cloud_front_default_certificate),
            Some(true)
        );
    }

    #[test]
    fn bad_tables_are_refused_with_the_key_named() {
        let attrs = Attrs::from([
            (
                "origins".to_string(),
                Value::List(vec![t(&[
                    ("domain_name", Value::str("x")),
                    ("colour", Value::str("blue")),
                ])]),
            ),
            ("default_cache_behavior".to_string(), t(&[])),
        ]);
        let e = new_config(&attrs, "r", "op").expect_err("unknown key");
        assert!(e.message.contains("colour"), "{e}");
        let attrs = Attrs::from([(
            "origins".to_string(),
            Value::List(vec![t(&[("domain_name", Value::str("x"))])]),
        )]);
        let e = new_config(&attrs, "r", "op").expect_err("no default behaviour");
        assert!(e.message.contains("default_cache_behavior"), "{e}");
    }
}
