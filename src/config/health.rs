//! `[health.<service>]` tables of a stack: how to tell that a deployed service answers.
//!
//! `raw` hands each table to [`read_checks`], which checks its keys; [`resolve_checks`] turns
//! them into [`HealthCheck`]s once variables and resources are known. The URL is an expression
//! evaluated against state after apply, like an `[output]`.

use super::diagnostic::{codes, ConfigError};
use super::eval::eval;
use super::model::HealthCheck;
use super::node::{Entry, NodeKind};
use super::raw::{Field, Walker};
use super::resolve::{enabled_value, names_disabled, node_expr, RefCheck, StaticScope};
use super::source::{FileId, Origin};
use crate::address::Address;
use crate::value::Value;
use std::collections::BTreeMap;

/// Keys a `[health.<service>]` table may hold.
pub const CHECK_KEYS: &[&str] = &["url", "enabled", "hint", "expect"];

/// One `[health.<service>]` table as written.
#[derive(Debug, Clone)]
pub struct RawHealthCheck {
    /// Service name (the table's key).
    pub name: Field<String>,
    /// `url`, if present.
    pub url: Option<Entry>,
    /// `enabled`, if present.
    pub enabled: Option<Entry>,
    /// `hint`, if present.
    pub hint: Option<Field<String>>,
    /// `expect`, if present and an integer.
    pub expect: Option<Field<i64>>,
}

/// Walk the `[health]` table of a stack: one sub-table per service, keys checked.
pub fn read_checks(entry: &Entry, w: &mut Walker<'_>) -> Vec<RawHealthCheck> {
    let Some(services) = w.table(&entry.value, "`[health]`") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for service in services {
        let what = format!("`[health.{}]`", service.key);
        let Some(body) = w.table(&service.value, &what) else {
            continue;
        };
        let name = Field {
            value: service.key.clone(),
            origin: w.at(&service.key_span),
        };
        if !w.check_name(&name, "service name", false) {
            continue;
        }
        let mut check = RawHealthCheck {
            name,
            url: None,
            enabled: None,
            hint: None,
            expect: None,
        };
        for e in body {
            match e.key.as_str() {
                "url" => check.url = Some(e.clone()),
                "enabled" => check.enabled = Some(e.clone()),
                "hint" => check.hint = w.string(e, "`hint`"),
                "expect" => check.expect = read_expect(e, w),
                _ => w.unknown_key(e, CHECK_KEYS, &what),
            }
        }
        if check.url.is_none() {
            w.errors.push(
                ConfigError::new(codes::MISSING_KEY, format!("{what} has no `url`"))
                    .label(
                        check.name.origin.clone(),
                        "this check needs `url = \"...\"`",
                    )
                    .help("add e.g. `url = \"http://${instance.host.public_ip}:5678/healthz\"`"),
            );
        }
        out.push(check);
    }
    out
}

/// `expect`: an HTTP status code.
fn read_expect(e: &Entry, w: &mut Walker<'_>) -> Option<Field<i64>> {
    let NodeKind::Int(status) = e.value.kind else {
        w.wrong_type(&e.value, "an integer", "`expect`");
        return None;
    };
    if !(100..=599).contains(&status) {
        w.errors.push(
            ConfigError::new(
                codes::INVALID_VALUE,
                format!("`expect = {status}` is not an HTTP status"),
            )
            .label(w.at(&e.value.span), "expected 100 to 599")
            .help("write the status the healthy service answers, e.g. `expect = 200`, or leave `expect` out to accept any 2xx"),
        );
        return None;
    }
    Some(Field {
        value: status,
        origin: w.at(&e.value.span),
    })
}

/// Everything resolving checks needs from the resolver.
pub(super) struct CheckScope<'a> {
    /// The stack file the checks are written in.
    pub(super) file: FileId,
    /// Variables and context.
    pub(super) scope: &'a StaticScope<'a>,
    /// Reference checks against declared resources.
    pub(super) refs: &'a RefCheck<'a>,
    /// Resources the tier switched off.
    pub(super) disabled: &'a BTreeMap<Address, Origin>,
}

/// Resolve the checks: `enabled` evaluated, URLs checked. A check whose URL names a resource
/// the tier switched off is dropped with it, like an output.
pub(super) fn resolve_checks(
    raw: &[RawHealthCheck],
    cx: &CheckScope<'_>,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<String, HealthCheck> {
    let mut out = BTreeMap::new();
    for check in raw {
        let Some(url_entry) = &check.url else {
            continue;
        };
        let url = match node_expr(&url_entry.value, cx.file).and_then(|mut e| {
            super::template::fold_static(&mut e, cx.scope)?;
            Ok(e)
        }) {
            Ok(e) => e,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if names_disabled(&url, cx.disabled) {
            continue;
        }
        let enabled = match &check.enabled {
            Some(e) => match enabled_value(&e.value, cx.file, cx.scope, errors) {
                Some(b) => b,
                None => continue,
            },
            None => true,
        };
        if !cx.refs.check(&url, errors) {
            continue;
        }
        match eval(&url, cx.scope) {
            Ok(v) if matches!(v.value, Value::String(_) | Value::Unknown) => {}
            Ok(v) => errors.push(
                ConfigError::new(
                    codes::WRONG_TYPE,
                    format!(
                        "the `url` of health check `{}` must be a string, found {}",
                        check.name.value,
                        crate::value::with_article(v.value.type_name())
                    ),
                )
                .label(url.origin.clone(), "expected a URL")
                .help("write e.g. `url = \"http://${instance.host.public_ip}:5678/healthz\"`"),
            ),
            Err(e) => errors.push(
                ConfigError::new(e.code(), e.message.clone())
                    .help(e.help_or("fix the expression of this health check's `url`"))
                    .label(e.origin, e.message),
            ),
        }
        out.insert(
            check.name.value.clone(),
            HealthCheck {
                name: check.name.value.clone(),
                url,
                enabled,
                hint: check.hint.as_ref().map(|h| h.value.clone()),
                // `read_expect` only lets 100..=599 through.
                expect: check
                    .expect
                    .as_ref()
                    .and_then(|s| u16::try_from(s.value).ok()),
                origin: check.name.origin.clone(),
            },
        );
    }
    out
}
