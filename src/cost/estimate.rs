//! What a set of resources costs a month: each resource's meters (as its kind tells them)
//! priced from the catalog, by resource and by category, with spot and on-demand side by side.
//!
//! Spot prices change by the hour, and a plan must read the same every time it is made from
//! the same inputs, so estimates price spot hours at a fixed share of on-demand
//! (`[usage] spot_price_ratio`, default [`DEFAULT_SPOT_RATIO`]); `strata cost --spot` reads the
//! live prices instead.

use super::catalog::Catalog;
use crate::address::Address;
use crate::provider::{Attrs, CostCategory, Market, Registry, Usage, HOURS_PER_MONTH};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Share of the on-demand price a spot hour is assumed to cost, unless the tier says otherwise:
/// spot prices of the shipped tiers' types have mostly sat at 30–45% of on-demand.
pub const DEFAULT_SPOT_RATIO: f64 = 0.4;

/// One resource to price.
#[derive(Debug, Clone, Copy)]
pub struct Priced<'a> {
    /// `kind.name`.
    pub address: &'a Address,
    /// Its attributes (desired or recorded).
    pub attrs: &'a Attrs,
    /// The tier's `[usage]` values for it (resource over kind), if any.
    pub usage: Option<&'a BTreeMap<String, f64>>,
}

/// The inputs of one estimate besides the resources.
#[derive(Debug, Clone, Copy)]
pub struct Pricing<'a> {
    /// Prices.
    pub catalog: &'a Catalog,
    /// Region the resources live in.
    pub region: &'a str,
    /// Share of on-demand a spot hour costs.
    pub spot_ratio: f64,
    /// Whether the tier set the spot ratio (else it is an assumption).
    pub spot_ratio_given: bool,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// `kind.name`.
    pub address: String,
    /// What it is.
    pub what: String,
    /// Bill category.
    pub category: CostCategory,
    /// Catalog key.
    pub price_key: String,
    /// Quantity a month, in `unit`s.
    pub quantity: f64,
    /// Unit of the catalog price.
    pub unit: String,
    /// Catalog price of one unit, on-demand.
    pub unit_usd: f64,
    /// How it is bought.
    pub market: Market,
    /// Monthly cost on-demand.
    pub on_demand_usd: f64,
    /// Monthly cost at the spot price (only for spot-bought lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spot_usd: Option<f64>,
}

impl Line {
    /// Monthly cost as expected: at spot for spot and spot-or-on-demand lines.
    pub fn expected_usd(&self) -> f64 {
        self.spot_usd.unwrap_or(self.on_demand_usd)
    }

    /// Monthly cost at most: on-demand where spot may fall back to it.
    pub fn ceiling_usd(&self) -> f64 {
        match self.market {
            Market::Spot => self.expected_usd(),
            Market::OnDemand | Market::SpotOrOnDemand => self.on_demand_usd,
        }
    }
}

/// A meter the catalog has no price for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unpriced {
    /// `kind.name`.
    pub address: String,
    /// What it is.
    pub what: String,
    /// The catalog key looked up.
    pub price_key: String,
}

/// A usage quantity the estimate rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumption {
    /// `kind.name`, or `spot` for the spot ratio.
    pub address: String,
    /// The `[usage]` key.
    pub key: String,
    /// The quantity used.
    pub quantity: f64,
    /// Its unit.
    pub unit: String,
    /// Whether it is the default (the tier did not set it).
    pub default: bool,
}

/// The estimate of one set of resources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Region priced.
    pub region: String,
    /// Date of the catalog's prices.
    pub catalog_date: String,
    /// Priced lines, by address then catalog key.
    pub lines: Vec<Line>,
    /// Meters without a price in the catalog (counted as zero, and said so).
    pub unpriced: Vec<Unpriced>,
    /// Usage quantities used, by address then key.
    pub assumptions: Vec<Assumption>,
}

/// Monthly totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Expected: spot lines at spot.
    pub expected_usd: f64,
    /// At most: spot-or-on-demand lines at on-demand.
    pub ceiling_usd: f64,
    /// Everything on-demand.
    pub on_demand_usd: f64,
}

impl Totals {
    fn add(&mut self, line: &Line) {
        self.expected_usd += line.expected_usd();
        self.ceiling_usd += line.ceiling_usd();
        self.on_demand_usd += line.on_demand_usd;
    }

    /// Hourly figures of these monthly ones.
    pub fn hourly(&self) -> Totals {
        Totals {
            expected_usd: self.expected_usd / HOURS_PER_MONTH,
            ceiling_usd: self.ceiling_usd / HOURS_PER_MONTH,
            on_demand_usd: self.on_demand_usd / HOURS_PER_MONTH,
        }
    }
}

impl Estimate {
    /// Totals over every line.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for line in &self.lines {
            t.add(line);
        }
        t
    }

    /// Totals by category (every category present, in display order).
    pub fn by_category(&self) -> Vec<(CostCategory, Totals)> {
        CostCategory::ALL
            .iter()
            .map(|c| {
                let mut t = Totals::default();
                for line in self.lines.iter().filter(|l| l.category == *c) {
                    t.add(line);
                }
                (*c, t)
            })
            .collect()
    }

    /// Totals by resource, by address.
    pub fn by_resource(&self) -> Vec<(String, Totals)> {
        let mut out: BTreeMap<String, Totals> = BTreeMap::new();
        for line in &self.lines {
            out.entry(line.address.clone()).or_default().add(line);
        }
        out.into_iter().collect()
    }

    /// Whether any line is bought on spot.
    pub fn has_spot(&self) -> bool {
        self.lines.iter().any(|l| l.spot_usd.is_some())
    }
}

/// Why a set of resources cannot be priced at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    /// The catalog has no prices for the region.
    #[error("the price catalog has no prices for region `{region}` (it covers {covered})")]
    Region {
        /// The region asked for.
        region: String,
        /// The regions it covers, comma-separated.
        covered: String,
    },
    /// The region is not known.
    #[error("the deployment's region is not known, so its prices cannot be looked up")]
    NoRegion,
}

/// Price `resources`. `related` gives the attributes of the resource an attribute refers to
/// (`ecs_service.task_definition` → the task definition's), as far as the caller knows.
pub fn estimate<'a>(
    pricing: &Pricing<'_>,
    registry: &Registry,
    resources: impl IntoIterator<Item = Priced<'a>>,
    related: &dyn Fn(&Address, &str) -> Option<Attrs>,
) -> Result<Estimate, EstimateError> {
    if !pricing.catalog.covers(pricing.region) {
        return Err(EstimateError::Region {
            region: pricing.region.to_string(),
            covered: pricing.catalog.region_names().join(", "),
        });
    }
    let mut est = Estimate {
        region: pricing.region.to_string(),
        catalog_date: pricing.catalog.date.clone(),
        lines: Vec::new(),
        unpriced: Vec::new(),
        assumptions: Vec::new(),
    };
    for r in resources {
        let Some(kind) = registry.get(&r.address.kind) else {
            continue;
        };
        let schema = kind.schema();
        let usage = Usage::new(schema, r.usage);
        let meters = kind.meters(r.attrs, &usage, &|attr| related(r.address, attr));
        let mut used = Vec::new();
        for m in meters {
            if let Some(key) = m.usage {
                if !used.contains(&key) {
                    used.push(key);
                }
            }
            let Some(price) = pricing.catalog.price(pricing.region, &m.price) else {
                est.unpriced.push(Unpriced {
                    address: r.address.to_string(),
                    what: m.what,
                    price_key: m.price,
                });
                continue;
            };
            let on_demand = m.quantity * price.usd;
            est.lines.push(Line {
                address: r.address.to_string(),
                what: m.what,
                category: m.category,
                price_key: m.price,
                quantity: m.quantity,
                unit: price.unit.clone(),
                unit_usd: price.usd,
                market: m.market,
                on_demand_usd: on_demand,
                spot_usd: (m.market != Market::OnDemand).then_some(on_demand * pricing.spot_ratio),
            });
        }
        for key in used {
            let declared = schema.usage.iter().find(|u| u.name == key);
            est.assumptions.push(Assumption {
                address: r.address.to_string(),
                key: key.to_string(),
                quantity: usage.get(key),
                unit: declared.map_or("", |u| u.unit).to_string(),
                default: !usage.is_given(key),
            });
        }
    }
    if est.has_spot() {
        est.assumptions.push(Assumption {
            address: "spot".into(),
            key: "spot_price_ratio".into(),
            quantity: pricing.spot_ratio,
            unit: "of on-demand".into(),
            default: !pricing.spot_ratio_given,
        });
    }
    Ok(est)
}
