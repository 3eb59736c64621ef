//! From price history to a choice: the latest price of each zone, the zones that may be used,
//! the cheapest of them (or the pinned one), and what that saves against on-demand.

use super::{SpotPriceRow, HOURS_PER_MONTH};
use crate::cost::Catalog;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The current spot price of one zone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZonePrice {
    /// Availability zone.
    pub zone: String,
    /// US dollars per hour.
    pub usd_hour: f64,
}

/// What spot costs against on-demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Saving {
    /// Percent of the on-demand price saved.
    pub percent: f64,
    /// Dollars saved per hour.
    pub usd_hour: f64,
    /// Dollars saved per month ([`HOURS_PER_MONTH`]).
    pub usd_month: f64,
}

/// One instance type's spot market in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionSpot {
    /// Region.
    pub region: String,
    /// Instance type.
    pub instance_type: String,
    /// Zones that offer the type and have a price, by zone name.
    pub zones: Vec<ZonePrice>,
    /// Zones that offer the type but answered no price.
    pub unpriced: Vec<String>,
    /// The cheapest of `zones` (ties: the first by name).
    pub cheapest: Option<ZonePrice>,
    /// The catalog's on-demand price here (`ec2/<type>`), when it has one.
    pub on_demand_hour: Option<f64>,
}

/// The zone a host runs in and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chosen {
    /// Region.
    pub region: String,
    /// Availability zone.
    pub zone: String,
    /// Spot price per hour.
    pub usd_hour: f64,
    /// Spot price per month.
    pub usd_month: f64,
    /// Whether the configuration pinned this zone (else it is the cheapest).
    pub pinned: bool,
    /// Against the region's on-demand price, when the catalog has one.
    pub saving: Option<Saving>,
    /// With a pinned zone: what the region's cheapest zone would save on top, per month.
    pub cheapest_would_save_month: Option<f64>,
}

/// The spot analysis of one host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostSpot {
    /// The instance's address (`instance.host`).
    pub address: String,
    /// `spot` or `spot-or-on-demand`.
    pub market: String,
    /// The instance type analysed.
    pub instance_type: String,
    /// The zone the configuration pins, if any.
    pub pinned_zone: Option<String>,
    /// The deployment's region first, then the others asked for.
    pub regions: Vec<RegionSpot>,
    /// The zone chosen in the deployment's region; `None` when nothing there can be used.
    pub chosen: Option<Chosen>,
    /// Why nothing was chosen, or what to know about the choice.
    pub note: Option<String>,
    /// The region whose cheapest zone is cheapest (ties: the deployment's, then by name).
    pub cheapest_region: Option<String>,
}

/// The newest price of every (type, zone) in `rows`; of rows with the same time, the last.
pub fn latest_prices(rows: &[SpotPriceRow]) -> BTreeMap<(String, String), f64> {
    let mut newest: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
    for row in rows {
        let key = (row.instance_type.clone(), row.zone.clone());
        match newest.get(&key) {
            Some((at, _)) if *at > row.at => {}
            _ => {
                newest.insert(key, (row.at, row.usd_hour));
            }
        }
    }
    newest.into_iter().map(|(k, (_, p))| (k, p)).collect()
}

/// The spot market of `instance_type` in `region`: only zones in `offered` count (a price row
/// for a zone that does not offer the type is ignored), each at its latest price.
pub fn region_spot(
    region: &str,
    instance_type: &str,
    latest: &BTreeMap<(String, String), f64>,
    offered: &BTreeSet<String>,
    catalog: &Catalog,
) -> RegionSpot {
    let mut zones = Vec::new();
    let mut unpriced = Vec::new();
    for zone in offered {
        match latest.get(&(instance_type.to_string(), zone.clone())) {
            Some(p) => zones.push(ZonePrice {
                zone: zone.clone(),
                usd_hour: *p,
            }),
            None => unpriced.push(zone.clone()),
        }
    }
    let cheapest = zones
        .iter()
        .min_by(|a, b| a.usd_hour.total_cmp(&b.usd_hour).then(a.zone.cmp(&b.zone)))
        .cloned();
    RegionSpot {
        region: region.to_string(),
        instance_type: instance_type.to_string(),
        zones,
        unpriced,
        cheapest,
        on_demand_hour: catalog
            .price(region, &format!("ec2/{instance_type}"))
            .map(|p| p.usd),
    }
}

/// What paying `spot_hour` instead of `on_demand_hour` saves.
pub fn saving(spot_hour: f64, on_demand_hour: Option<f64>) -> Option<Saving> {
    let od = on_demand_hour.filter(|p| *p > 0.0)?;
    let usd_hour = od - spot_hour;
    Some(Saving {
        percent: usd_hour / od * 100.0,
        usd_hour,
        usd_month: usd_hour * HOURS_PER_MONTH,
    })
}

/// The zone to run in: the pinned one when the configuration pins it (even when another is
/// cheaper), else the cheapest. `Err` says why none can be used.
pub fn choose(home: &RegionSpot, pinned: Option<&str>) -> Result<Chosen, String> {
    let cheapest = home.cheapest.as_ref();
    let picked = match pinned {
        Some(zone) => match home.zones.iter().find(|z| z.zone == zone) {
            Some(z) => z,
            None if home.unpriced.iter().any(|u| u == zone) => {
                return Err(format!(
                    "the pinned zone {zone} offers {} but answered no spot price",
                    home.instance_type
                ))
            }
            None => {
                return Err(format!(
                    "the pinned zone {zone} does not offer {}",
                    home.instance_type
                ))
            }
        },
        None => cheapest.ok_or_else(|| {
            format!(
                "no zone of {} offers {} with a spot price",
                home.region, home.instance_type
            )
        })?,
    };
    Ok(Chosen {
        region: home.region.clone(),
        zone: picked.zone.clone(),
        usd_hour: picked.usd_hour,
        usd_month: picked.usd_hour * HOURS_PER_MONTH,
        pinned: pinned.is_some(),
        saving: saving(picked.usd_hour, home.on_demand_hour),
        cheapest_would_save_month: pinned
            .and(cheapest)
            .map(|c| (picked.usd_hour - c.usd_hour) * HOURS_PER_MONTH),
    })
}

/// The region whose cheapest zone is cheapest; ties go to the first in `regions`.
pub fn cheapest_region(regions: &[RegionSpot]) -> Option<&RegionSpot> {
    let mut best: Option<(&RegionSpot, f64)> = None;
    for r in regions {
        if let Some(c) = &r.cheapest {
            if best.is_none_or(|(_, p)| c.usd_hour < p) {
                best = Some((r, c.usd_hour));
            }
        }
    }
    best.map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(zone: &str, ty: &str, usd: f64, at: i64) -> SpotPriceRow {
        SpotPriceRow {
            zone: zone.into(),
            instance_type: ty.into(),
            usd_hour: usd,
            at,
        }
    }

    fn zones(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn spot(rows: &[SpotPriceRow], offered: &[&str]) -> RegionSpot {
        region_spot(
            "us-east-1",
            "t3.large",
            &latest_prices(rows),
            &zones(offered),
            Catalog::shipped(),
        )
    }

    #[test]
    fn the_newest_row_of_each_zone_wins_whatever_the_order() {
        let rows = [
            row("us-east-1a", "t3.large", 0.05, 300),
            row("us-east-1a", "t3.large", 0.01, 100),
            row("us-east-1b", "t3.large", 0.02, 100),
            row("us-east-1b", "t3.large", 0.03, 200),
        ];
        let latest = latest_prices(&rows);
        assert_eq!(latest[&("t3.large".into(), "us-east-1a".into())], 0.05);
        assert_eq!(latest[&("t3.large".into(), "us-east-1b".into())], 0.03);
    }

    #[test]
    fn the_cheapest_offering_zone_is_chosen_and_zones_not_offering_are_ignored() {
        let rows = [
            row("us-east-1a", "t3.large", 0.030, 10),
            row("us-east-1b", "t3.large", 0.025, 10),
            // Cheapest of all, but the type is not offered there.
            row("us-east-1e", "t3.large", 0.001, 10),
        ];
        let home = spot(&rows, &["us-east-1a", "us-east-1b", "us-east-1c"]);
        assert_eq!(home.unpriced, ["us-east-1c"]);
        assert!(home.zones.iter().all(|z| z.zone != "us-east-1e"));
        let chosen = choose(&home, None).expect("a zone");
        assert_eq!(chosen.zone, "us-east-1b");
        assert!(!chosen.pinned);
        assert_eq!(chosen.cheapest_would_save_month, None);
    }

    #[test]
    fn the_saving_is_against_the_catalogs_on_demand_price() {
        let od = Catalog::shipped()
            .price("us-east-1", "ec2/t3.large")
            .expect("t3.large priced")
            .usd;
        let home = spot(&[row("us-east-1a", "t3.large", 0.025, 1)], &["us-east-1a"]);
        assert_eq!(home.on_demand_hour, Some(od));
        let s = choose(&home, None)
            .expect("a zone")
            .saving
            .expect("a saving");
        assert!((s.usd_hour - (od - 0.025)).abs() < 1e-12);
        assert!((s.usd_month - (od - 0.025) * 730.0).abs() < 1e-9);
        assert!((s.percent - (od - 0.025) / od * 100.0).abs() < 1e-9);
    }

    #[test]
    fn a_pinned_zone_is_kept_and_the_cheapest_zones_extra_saving_shown() {
        let rows = [
            row("us-east-1a", "t3.large", 0.030, 10),
            row("us-east-1b", "t3.large", 0.020, 10),
        ];
        let home = spot(&rows, &["us-east-1a", "us-east-1b"]);
        let chosen = choose(&home, Some("us-east-1a")).expect("the pinned zone");
        assert_eq!(chosen.zone, "us-east-1a");
        assert!(chosen.pinned);
        let extra = chosen.cheapest_would_save_month.expect("extra saving");
        assert!((extra - 0.010 * 730.0).abs() < 1e-9);
        let err = choose(&home, Some("us-east-1f")).expect_err("not offered");
        assert!(err.contains("does not offer"), "{err}");
    }

    #[test]
    fn the_cheapest_region_is_the_one_with_the_cheapest_zone() {
        let mut a = spot(&[row("us-east-1a", "t3.large", 0.03, 1)], &["us-east-1a"]);
        let mut b = a.clone();
        b.region = "us-west-2".into();
        b.cheapest = Some(ZonePrice {
            zone: "us-west-2c".into(),
            usd_hour: 0.02,
        });
        assert_eq!(
            cheapest_region(&[a.clone(), b.clone()]).map(|r| r.region.as_str()),
            Some("us-west-2")
        );
        // A tie keeps the first (the deployment's region).
        a.cheapest = b.cheapest.clone();
        assert_eq!(
            cheapest_region(&[a, b]).map(|r| r.region.as_str()),
            Some("us-east-1")
        );
    }
}
