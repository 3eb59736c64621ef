//! What a resource costs, as its kind tells it: priced quantities ([`Meter`]) that the cost
//! estimator multiplies by the price catalog. A kind knows what it is billed for (hours of an
//! instance type, GB-months of a volume, GB through a NAT gateway); the catalog knows what
//! that costs in a region. Neither knows the other's insides.

use super::schema::KindSchema;
use std::collections::BTreeMap;

/// Hours in the month every estimate uses (AWS's own convention: 365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Which bill an item lands on, for the breakdown by category.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum CostCategory {
    /// Instances, containers, database and cache nodes.
    Compute,
    /// Volumes, file systems, database storage, log storage.
    Storage,
    /// Load balancers, NAT, public addresses, data out.
    Network,
    /// Everything else (firewall rules, secrets, requests).
    Other,
}

impl CostCategory {
    /// Every category, in display order.
    pub const ALL: [CostCategory; 4] = [
        CostCategory::Compute,
        CostCategory::Storage,
        CostCategory::Network,
        CostCategory::Other,
    ];

    /// The name shown in tables.
    pub fn name(self) -> &'static str {
        match self {
            CostCategory::Compute => "compute",
            CostCategory::Storage => "storage",
            CostCategory::Network => "network",
            CostCategory::Other => "other",
        }
    }
}

/// How an hourly compute item is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Market {
    /// Always the on-demand price.
    OnDemand,
    /// Spot capacity: the spot price, with on-demand shown beside it.
    Spot,
    /// Spot while there is capacity, else on-demand: expected at spot, up to on-demand.
    SpotOrOnDemand,
}

/// One priced quantity of one resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Meter {
    /// Catalog key, e.g. `ec2/t3.large` or `ebs/gp3-gb-month` (see `src/cost/catalog.json`).
    pub price: String,
    /// Quantity per month, in the catalog entry's unit.
    pub quantity: f64,
    /// Bill category.
    pub category: CostCategory,
    /// What this line is, for people: `t3.large host`, `30 GiB gp3 root volume`.
    pub what: String,
    /// How it is bought (only compute hours differ from on-demand).
    pub market: Market,
    /// The usage key the quantity came from, when it is usage-based (`gb_processed`).
    pub usage: Option<&'static str>,
}

impl Meter {
    /// An on-demand item.
    pub fn new(
        price: impl Into<String>,
        quantity: f64,
        category: CostCategory,
        what: impl Into<String>,
    ) -> Self {
        Meter {
            price: price.into(),
            quantity,
            category,
            what: what.into(),
            market: Market::OnDemand,
            usage: None,
        }
    }

    /// An item billed by the hour, for the whole month.
    pub fn hourly(
        price: impl Into<String>,
        category: CostCategory,
        what: impl Into<String>,
    ) -> Self {
        Meter::new(price, HOURS_PER_MONTH, category, what)
    }

    /// The same item bought on `market`.
    pub fn bought(mut self, market: Market) -> Self {
        self.market = market;
        self
    }

    /// The same item, its quantity taken from the usage key `key`.
    pub fn from_usage(mut self, key: &'static str) -> Self {
        self.usage = Some(key);
        self
    }
}

/// A usage quantity a kind's cost depends on and configuration cannot tell (GB sent, requests),
/// set in the tier's `[usage]` table and otherwise assumed at its default.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageKey {
    /// Key in `[usage.KIND]`, e.g. `gb_processed`.
    pub name: &'static str,
    /// Unit of the quantity, per month: `GB`, `requests`, `LCU-hours`.
    pub unit: &'static str,
    /// The quantity assumed when the tier does not set it.
    pub default: f64,
    /// What it measures, for docs and error messages.
    pub doc: &'static str,
}

impl UsageKey {
    /// A usage key.
    pub fn new(name: &'static str, unit: &'static str, default: f64, doc: &'static str) -> Self {
        UsageKey {
            name,
            unit,
            default,
            doc,
        }
    }
}

/// The usage quantities of one resource: the tier's values over the kind's defaults.
#[derive(Debug, Clone, Copy)]
pub struct Usage<'a> {
    schema: &'a KindSchema,
    given: Option<&'a BTreeMap<String, f64>>,
}

impl<'a> Usage<'a> {
    /// Usage for a resource of the kind `schema`, with the tier's values `given`.
    pub fn new(schema: &'a KindSchema, given: Option<&'a BTreeMap<String, f64>>) -> Self {
        Usage { schema, given }
    }

    /// The quantity of `key`: the tier's value, else the kind's default (0 for a key the kind
    /// does not declare, which a test of every kind catches).
    pub fn get(&self, key: &str) -> f64 {
        if let Some(v) = self.given.and_then(|g| g.get(key)) {
            return *v;
        }
        self.schema
            .usage
            .iter()
            .find(|u| u.name == key)
            .map_or(0.0, |u| u.default)
    }

    /// Whether the tier set `key` (else the default is an assumption).
    pub fn is_given(&self, key: &str) -> bool {
        self.given.is_some_and(|g| g.contains_key(key))
    }
}
