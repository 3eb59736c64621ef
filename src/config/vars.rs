//! Variables: each one's effective value, by precedence `--var` > `--var-file` >
//! `STRATA_VAR_<NAME>` > the tier's `[vars]` > the stack's `default`.
//!
//! A sensitive variable may also be `{ ssm = "/path" }`: a SecureString read at plan and apply
//! time (the command line fetches it and loads again), never written anywhere.

use super::diagnostic::{codes, did_you_mean, ConfigError};
use super::given::Given;
use super::model::{VarFrom, Variable};
use super::node::{Entry, Node, NodeKind};
use super::raw::{RawStack, RawTier};
use super::resolve::node_value;
use super::source::{FileId, Origin};
use crate::value::{with_article, Value};
use std::collections::BTreeMap;

/// What variable resolution produces.
#[derive(Debug, Default)]
pub struct ResolvedVars {
    /// Effective variables.
    pub vars: BTreeMap<String, Variable>,
    /// Sensitive variables waiting for their SSM parameter (variable → parameter name).
    pub ssm_needed: BTreeMap<String, String>,
    /// Literal sensitive values written in the project's files.
    pub sensitive_literals: Vec<Origin>,
}

/// The parameter a `{ ssm = "/path" }` value names.
pub fn ssm_reference(node: &Node) -> Option<&str> {
    match node.entries() {
        Some([only]) if only.key == "ssm" => only.value.as_str(),
        _ => None,
    }
}

/// Resolve every declared variable. `ssm_values` holds parameters fetched already.
pub fn resolve_vars(
    stack: &RawStack,
    tier: Option<&RawTier>,
    given: &BTreeMap<String, Given>,
    ssm_values: &BTreeMap<String, String>,
    errors: &mut Vec<ConfigError>,
) -> ResolvedVars {
    let set_by_tier = tier_values(stack, tier, errors);
    let mut out = ResolvedVars::default();
    for var in &stack.vars {
        let in_tier = set_by_tier.get(var.name.as_str());
        if var.sensitive {
            let literals = var
                .default
                .as_ref()
                .map(|d| Origin::new(stack.file, d.span.clone()))
                .filter(|_| {
                    var.default
                        .as_ref()
                        .is_some_and(|d| ssm_reference(d).is_none())
                })
                .into_iter()
                .chain(
                    in_tier
                        .filter(|(_, e)| ssm_reference(&e.value).is_none())
                        .map(|(file, e)| Origin::new(*file, e.value.span.clone())),
                );
            out.sensitive_literals.extend(literals);
        }
        let (node, origin, from) = match (given.get(&var.name), in_tier, &var.default) {
            (Some(g), _, _) => (&g.node, g.origin.clone(), g.from.clone()),
            (None, Some((file, entry)), _) => (
                &entry.value,
                Origin::new(*file, entry.value.span.clone()),
                VarFrom::Tier,
            ),
            (None, None, Some(d)) => (
                d,
                Origin::new(stack.file, d.span.clone()),
                VarFrom::StackDefault,
            ),
            (None, None, None) => {
                errors.push(
                    ConfigError::new(
                        codes::MISSING_KEY,
                        format!("variable `{}` has no value", var.name),
                    )
                    .label(var.origin.clone(), "declared without a default")
                    .help(format!(
                        "set `{0}` in the tier's `[vars]`, pass `--var {0}=VALUE` or set `STRATA_VAR_{0}`, or give it a `default` here",
                        var.name
                    )),
                );
                continue;
            }
        };
        let value = if let Some(path) = ssm_reference(node) {
            if !var.sensitive {
                errors.push(
                    ConfigError::new(
                        codes::INVALID_VALUE,
                        format!("variable `{}` reads SSM but is not sensitive", var.name),
                    )
                    .label(origin, "a SecureString parameter")
                    .label(var.origin.clone(), "declared here")
                    .help("add `sensitive = true` to the variable's declaration, or give it a plain value"),
                );
                continue;
            }
            match ssm_values.get(path) {
                Some(v) => Value::String(v.clone()),
                None => {
                    out.ssm_needed.insert(var.name.clone(), path.to_string());
                    Value::Unknown
                }
            }
        } else {
            if from != VarFrom::StackDefault {
                if let Some(default) = var.default.as_ref().filter(|d| ssm_reference(d).is_none()) {
                    if !same_shape(default, node) {
                        errors.push(wrong_shape(&var.name, default, node, &origin, stack.file));
                        continue;
                    }
                }
            }
            // Values from outside the files are taken literally: a password may hold `${`.
            if !from.is_outside() && contains_interpolation(node) {
                errors.push(
                    ConfigError::new(
                        codes::BAD_EXPRESSION,
                        format!("variable `{}` uses `${{...}}`", var.name),
                    )
                    .label(origin, "variables hold plain values")
                    .help("compute the value where it is used, e.g. in the resource attribute"),
                );
                continue;
            }
            node_value(node)
        };
        out.vars.insert(
            var.name.clone(),
            Variable {
                value,
                sensitive: var.sensitive,
                description: var.description.clone(),
                origin,
                from,
            },
        );
    }
    out
}

/// The tier's `[vars]` entries that the stack declares; the others are errors.
fn tier_values<'a>(
    stack: &RawStack,
    tier: Option<&'a RawTier>,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<&'a str, (FileId, &'a Entry)> {
    let mut set_by_tier = BTreeMap::new();
    let Some(t) = tier else {
        return set_by_tier;
    };
    for e in &t.vars {
        if stack.vars.iter().any(|v| v.name == e.key) {
            set_by_tier.insert(e.key.as_str(), (t.file, e));
            continue;
        }
        let mut err = ConfigError::new(
            codes::UNKNOWN_VARIABLE,
            format!("the stack declares no variable `{}`", e.key),
        )
        .label(
            Origin::new(t.file, e.key_span.clone()),
            "not declared in the stack",
        );
        err = match did_you_mean(&e.key, stack.vars.iter().map(|v| v.name.as_str())) {
            Some(s) => err.help(format!("did you mean `{s}`?")),
            None => err.help("declare it in the stack's `[vars]` first, or remove it here"),
        };
        errors.push(err);
    }
    set_by_tier
}

fn wrong_shape(
    name: &str,
    default: &Node,
    value: &Node,
    origin: &Origin,
    stack_file: FileId,
) -> ConfigError {
    ConfigError::new(
        codes::WRONG_TYPE,
        format!(
            "variable `{name}` is {} in the stack but {} here",
            with_article(default.type_name()),
            with_article(value.type_name())
        ),
    )
    .label(
        origin.clone(),
        format!("expected {}", with_article(default.type_name())),
    )
    .label(
        Origin::new(stack_file, default.span.clone()),
        "the stack's default",
    )
    .help(format!(
        "give `{name}` {} value",
        with_article(default.type_name())
    ))
}

fn same_shape(a: &Node, b: &Node) -> bool {
    matches!(
        (&a.kind, &b.kind),
        (NodeKind::String(_), NodeKind::String(_))
            | (
                NodeKind::Int(_) | NodeKind::Float(_),
                NodeKind::Int(_) | NodeKind::Float(_)
            )
            | (NodeKind::Bool(_), NodeKind::Bool(_))
            | (NodeKind::Array(_), NodeKind::Array(_))
            | (NodeKind::Table(_), NodeKind::Table(_))
    )
}

fn contains_interpolation(node: &Node) -> bool {
    match &node.kind {
        NodeKind::String(s) => s.replace("$${", "").contains("${"),
        NodeKind::Array(items) => items.iter().any(contains_interpolation),
        NodeKind::Table(entries) => entries.iter().any(|e| contains_interpolation(&e.value)),
        _ => false,
    }
}
