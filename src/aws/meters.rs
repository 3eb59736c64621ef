//! Meters more than one kind bills the same way: EBS volumes (a volume, an instance's root
//! volume) and public IPv4 addresses (instances, Elastic IPs, load balancer nodes).

use crate::provider::{CostCategory, Market, Meter};

/// gp3's included performance: IOPS and MiB/s above these are billed.
const GP3_BASE_IOPS: i64 = 3000;
const GP3_BASE_THROUGHPUT: i64 = 125;

/// What an EBS volume of `volume_type` and `size_gb` is billed for; `iops` and `throughput`
/// as set (gp3 bills what is above its baseline). A type the catalog does not carry
/// (io1, io2, st1, sc1) gets a key of its own, which the estimate reports as unpriced.
pub fn ebs(
    volume_type: &str,
    size_gb: i64,
    iops: Option<i64>,
    throughput: Option<i64>,
    what: &str,
) -> Vec<Meter> {
    let size = size_gb.max(0) as f64;
    let mut out = vec![Meter::new(
        format!("ebs/{volume_type}-gb-month"),
        size,
        CostCategory::Storage,
        format!("{what}: {size_gb} GiB {volume_type}"),
    )];
    if volume_type == "gp3" {
        if let Some(extra) = iops.map(|i| i - GP3_BASE_IOPS).filter(|e| *e > 0) {
            out.push(Meter::new(
                "ebs/gp3-iops-month",
                extra as f64,
                CostCategory::Storage,
                format!("{what}: {extra} IOPS above 3,000"),
            ));
        }
        if let Some(extra) = throughput
            .map(|t| t - GP3_BASE_THROUGHPUT)
            .filter(|e| *e > 0)
        {
            out.push(Meter::new(
                "ebs/gp3-throughput-month",
                extra as f64,
                CostCategory::Storage,
                format!("{what}: {extra} MiB/s above 125"),
            ));
        }
    }
    out
}

/// One public IPv4 address held all month (AWS bills every public IPv4, attached or not).
pub fn public_ipv4(what: &str) -> Meter {
    Meter::hourly("ipv4/public-hour", CostCategory::Network, what)
}

/// How an instance's hours are bought, from its `market` attribute.
pub fn market_of(market: Option<&str>) -> Market {
    match market {
        Some("spot") => Market::Spot,
        Some("spot-or-on-demand") => Market::SpotOrOnDemand,
        _ => Market::OnDemand,
    }
}
