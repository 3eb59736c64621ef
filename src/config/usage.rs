//! `[usage]`: the quantities usage-billed items are estimated with (GB through a NAT gateway,
//! requests to CloudFront), which no configuration attribute can tell.
//!
//! ```toml
//! [usage]
//! spot_price_ratio = 0.35        # a spot hour at 35% of on-demand
//! [usage.nat_gateway]            # every NAT gateway of the deployment
//! gb_processed = 200
//! [usage.distribution.cdn]       # one resource, over the kind's values
//! gb_out = 500
//! ```
//!
//! Each kind declares its keys, units and defaults in its schema; anything not set is assumed
//! at the default and the estimate says so.

use super::diagnostic::{codes, did_you_mean, ConfigError};
use super::node::{Entry, NodeKind};
use super::raw::{Field, Walker};
use crate::address::Address;
use crate::provider::Registry;
use std::collections::{BTreeMap, BTreeSet};

/// Top-level `[usage]` keys that are not kind tables.
const SCALAR_KEYS: &[&str] = &["spot_price_ratio"];

/// One `[usage]` value as written.
#[derive(Debug, Clone)]
pub struct RawUsage {
    /// `KIND` of `[usage.KIND]`; `None` for a top-level key.
    pub kind: Option<Field<String>>,
    /// `NAME` of `[usage.KIND.NAME]`.
    pub resource: Option<Field<String>>,
    /// The key.
    pub key: Field<String>,
    /// The quantity.
    pub value: Field<f64>,
}

/// The usage quantities of a deployment, checked against the kinds' declared keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageTable {
    /// `spot_price_ratio`, when set.
    pub spot_price_ratio: Option<f64>,
    /// Values for every resource of a kind.
    pub kinds: BTreeMap<String, BTreeMap<String, f64>>,
    /// Values for one resource, over its kind's.
    pub resources: BTreeMap<Address, BTreeMap<String, f64>>,
}

impl UsageTable {
    /// The values for the resource at `address`: its own over its kind's.
    pub fn for_resource(&self, address: &Address) -> BTreeMap<String, f64> {
        let mut out = self.kinds.get(&address.kind).cloned().unwrap_or_default();
        if let Some(own) = self.resources.get(address) {
            out.extend(own.iter().map(|(k, v)| (k.clone(), *v)));
        }
        out
    }
}

/// Read a `[usage]` table.
pub fn read(entry: &Entry, w: &mut Walker<'_>) -> Vec<RawUsage> {
    let mut out = Vec::new();
    let Some(top) = w.table(&entry.value, "`[usage]`") else {
        return out;
    };
    for e in top {
        let key = field(w, e);
        match &e.value.kind {
            NodeKind::Table(kind_entries) => {
                for k in kind_entries {
                    match &k.value.kind {
                        NodeKind::Table(resource_entries) => {
                            for r in resource_entries {
                                if let Some(value) = quantity(w, r) {
                                    out.push(RawUsage {
                                        kind: Some(key.clone()),
                                        resource: Some(field(w, k)),
                                        key: field(w, r),
                                        value,
                                    });
                                }
                            }
                        }
                        _ => {
                            if let Some(value) = quantity(w, k) {
                                out.push(RawUsage {
                                    kind: Some(key.clone()),
                                    resource: None,
                                    key: field(w, k),
                                    value,
                                });
                            }
                        }
                    }
                }
            }
            _ => {
                if let Some(value) = quantity(w, e) {
                    out.push(RawUsage {
                        kind: None,
                        resource: None,
                        key,
                        value,
                    });
                }
            }
        }
    }
    out
}

fn field(w: &Walker<'_>, e: &Entry) -> Field<String> {
    Field {
        value: e.key.clone(),
        origin: w.at(&e.key_span),
    }
}

fn quantity(w: &mut Walker<'_>, e: &Entry) -> Option<Field<f64>> {
    let value = match e.value.kind {
        NodeKind::Int(i) => i as f64,
        NodeKind::Float(f) => f,
        _ => {
            w.wrong_type(&e.value, "a number", &format!("usage `{}`", e.key));
            return None;
        }
    };
    if !(value.is_finite() && value >= 0.0) {
        w.errors.push(
            ConfigError::new(
                codes::INVALID_VALUE,
                format!("usage `{}` must be zero or more", e.key),
            )
            .label(w.at(&e.value.span), "negative or not a number")
            .help("write the monthly quantity, e.g. `gb_processed = 100`"),
        );
        return None;
    }
    Some(Field {
        value,
        origin: w.at(&e.value.span),
    })
}

/// Check the stack's and then the tier's `[usage]` values against the registry's kinds and the
/// resources declared, the tier's winning; `declared` is every address of the stack.
pub fn resolve(
    stack: &[RawUsage],
    tier: &[RawUsage],
    registry: &Registry,
    declared: &BTreeSet<Address>,
    errors: &mut Vec<ConfigError>,
) -> UsageTable {
    let mut table = UsageTable::default();
    for u in stack.iter().chain(tier) {
        let Some(kind) = &u.kind else {
            if u.key.value == "spot_price_ratio" {
                if u.value.value == 0.0 || u.value.value > 1.0 {
                    errors.push(
                        ConfigError::new(codes::INVALID_VALUE, "`spot_price_ratio` must be above 0 and at most 1")
                            .label(u.value.origin.clone(), "out of range")
                            .help("write the share of the on-demand price a spot hour costs, e.g. `spot_price_ratio = 0.35`"),
                    );
                } else {
                    table.spot_price_ratio = Some(u.value.value);
                }
            } else {
                let mut err = ConfigError::new(
                    codes::UNKNOWN_KEY,
                    format!("unknown key `{}` in `[usage]`", u.key.value),
                )
                .label(u.key.origin.clone(), "not a usage setting");
                err = match did_you_mean(&u.key.value, SCALAR_KEYS.iter().copied()) {
                    Some(s) => err.help(format!("did you mean `{s}`?")),
                    None => err.help("`[usage]` holds `spot_price_ratio` and one table per resource kind, e.g. `[usage.nat_gateway] gb_processed = 100`"),
                };
                errors.push(err);
            }
            continue;
        };
        let Some(schema) = registry.schema(&kind.value) else {
            let mut err = ConfigError::new(
                codes::UNKNOWN_KIND,
                format!("`[usage.{}]` names no resource kind", kind.value),
            )
            .label(kind.origin.clone(), "unknown kind");
            err = match did_you_mean(&kind.value, registry.names()) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None => err.help("use a kind name, as in `[resource.KIND.NAME]`"),
            };
            errors.push(err);
            continue;
        };
        if !schema.usage.iter().any(|k| k.name == u.key.value) {
            let keys: Vec<String> = schema
                .usage
                .iter()
                .map(|k| format!("{} ({} a month, default {})", k.name, k.unit, k.default))
                .collect();
            let mut err = ConfigError::new(
                codes::UNKNOWN_KEY,
                format!("`{}` is not a usage key of `{}`", u.key.value, kind.value),
            )
            .label(u.key.origin.clone(), "unknown usage key");
            err = match did_you_mean(&u.key.value, schema.usage.iter().map(|k| k.name)) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None if keys.is_empty() => err.help(format!(
                    "`{}` is priced from its attributes alone: remove this table",
                    kind.value
                )),
                None => err.help(format!("its usage keys: {}", keys.join(", "))),
            };
            errors.push(err);
            continue;
        }
        match &u.resource {
            None => {
                table
                    .kinds
                    .entry(kind.value.clone())
                    .or_default()
                    .insert(u.key.value.clone(), u.value.value);
            }
            Some(name) => {
                let address = Address::new(kind.value.clone(), name.value.clone());
                if !declared.contains(&address) {
                    errors.push(
                        ConfigError::new(
                            codes::UNKNOWN_RESOURCE,
                            format!("`[usage.{address}]`: the stack declares no `{address}`"),
                        )
                        .label(name.origin.clone(), "no such resource")
                        .help(format!(
                            "name a `[resource.{}.NAME]` of the stack, or use `[usage.{}]` for all of them",
                            kind.value, kind.value
                        )),
                    );
                    continue;
                }
                table
                    .resources
                    .entry(address)
                    .or_default()
                    .insert(u.key.value.clone(), u.value.value);
            }
        }
    }
    table
}
