//! The price catalog: what one unit of each billed item costs, per region, compiled into the
//! binary (`catalog.json`) so that every estimate works offline and the same inputs always give
//! the same figures. `strata cost refresh-catalog` rebuilds it from the AWS Price List.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The catalog shipped in this build.
const SHIPPED: &str = include_str!("catalog.json");

/// Region key of prices that are the same everywhere (CloudFront's edge, WAF).
pub const GLOBAL: &str = "global";

/// Prices by region, then by key (`ec2/t3.large`, `ebs/gp3-gb-month`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Where the prices come from.
    pub source: String,
    /// When they were taken (`YYYY-MM-DD`).
    pub date: String,
    /// Currency of every price (`USD`).
    pub currency: String,
    /// Region → key → price; [`GLOBAL`] holds prices the same in every region.
    pub regions: BTreeMap<String, BTreeMap<String, CatalogPrice>>,
}

/// A catalog entry as stored (the unit owned, for catalogs read or rebuilt at run time).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogPrice {
    /// US dollars per unit.
    pub usd: f64,
    /// What one unit is.
    pub unit: String,
}

/// Why a catalog could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the price catalog is not valid JSON of the catalog format: {0}")]
pub struct CatalogError(#[from] serde_json::Error);

impl Catalog {
    /// The catalog compiled into this build.
    pub fn shipped() -> &'static Catalog {
        static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        CATALOG.get_or_init(|| {
            // A test parses the shipped file, so a broken one never reaches a release.
            Catalog::from_json(SHIPPED).unwrap_or_else(|e| panic!("shipped catalog: {e}"))
        })
    }

    /// Read a catalog in the format of `catalog.json`.
    pub fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        Ok(serde_json::from_str(text)?)
    }

    /// The catalog in the format of `catalog.json`: sorted keys, one entry per line, so that a
    /// refreshed catalog reads as a small diff.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\n");
        out.push_str(&format!("  \"source\": {},\n", json_str(&self.source)));
        out.push_str(&format!("  \"date\": {},\n", json_str(&self.date)));
        out.push_str(&format!("  \"currency\": {},\n", json_str(&self.currency)));
        out.push_str("  \"regions\": {\n");
        let regions: Vec<String> = self
            .regions
            .iter()
            .map(|(region, prices)| {
                let lines: Vec<String> = prices
                    .iter()
                    .map(|(key, p)| {
                        format!(
                            "      {}: {{ \"usd\": {}, \"unit\": {} }}",
                            json_str(key),
                            p.usd,
                            json_str(&p.unit)
                        )
                    })
                    .collect();
                format!(
                    "    {}: {{\n{}\n    }}",
                    json_str(region),
                    lines.join(",\n")
                )
            })
            .collect();
        out.push_str(&regions.join(",\n"));
        out.push_str("\n  }\n}\n");
        out
    }

    /// The price of `key` in `region`, or the global one.
    pub fn price(&self, region: &str, key: &str) -> Option<&CatalogPrice> {
        self.regions
            .get(region)
            .and_then(|p| p.get(key))
            .or_else(|| self.regions.get(GLOBAL).and_then(|p| p.get(key)))
    }

    /// Whether the catalog has prices for `region`.
    pub fn covers(&self, region: &str) -> bool {
        self.regions.contains_key(region)
    }

    /// The regions priced (without [`GLOBAL`]).
    pub fn region_names(&self) -> Vec<&str> {
        self.regions
            .keys()
            .map(String::as_str)
            .filter(|r| *r != GLOBAL)
            .collect()
    }
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
