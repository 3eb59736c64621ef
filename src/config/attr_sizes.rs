//! Attributes over the size their kind accepts (EC2 user data), caught while loading when
//! their value is already known, so that `validate` and `plan` refuse them rather than apply.

use super::diagnostic::{codes, ConfigError};
use super::eval::eval;
use super::model::Resource;
use super::resolve::StaticScope;
use crate::address::Address;
use crate::provider::Registry;
use crate::value::Value;
use std::collections::BTreeMap;

/// One diagnostic per size-limited attribute whose known value is too large even in the form
/// the kind would send. Values that depend on resources are checked again by the plan.
pub fn check(
    resources: &BTreeMap<Address, Resource>,
    registry: &Registry,
    scope: &StaticScope<'_>,
) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for (address, resource) in resources {
        let Some(schema) = registry.schema(&address.kind) else {
            continue;
        };
        for attr in &schema.attrs {
            let (Some(limit), Some(expr)) = (attr.size_limit, resource.attrs.get(attr.name)) else {
                continue;
            };
            // Evaluation errors are reported by the type check already.
            let Ok(Value::String(text)) = eval(expr, scope).map(|v| v.value) else {
                continue;
            };
            if let Some(why) = limit.fit(&text).refusal(&limit) {
                errors.push(
                    ConfigError::new(
                        codes::TOO_LARGE,
                        format!("`{}` of `{address}` renders to {why}", attr.name),
                    )
                    .label(expr.origin.clone(), format!("{} bytes rendered", text.len()))
                    .help(format!(
                        "`{}` takes at most {} bytes of `{}`{}: fetch large files at boot (S3, a package, a container image) instead of inlining them",
                        schema.kind,
                        limit.max_bytes,
                        attr.name,
                        if limit.gzip { ", also gzip-compressed" } else { "" }
                    )),
                );
            }
        }
    }
    errors
}
