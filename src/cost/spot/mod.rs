//! Spot prices across zones and regions, and the cheapest instance type meeting requirements.
//!
//! AWS answers through [`SpotMarket`] (implemented over EC2 in `aws::ec2::market`); everything
//! else here is pure functions over its answers, so the choices can be tested without AWS:
//!
//! - [`analysis`]: latest price per zone, the cheapest eligible zone, a pinned zone, the
//!   saving against the catalog's on-demand price, the cheapest region;
//! - [`requirements`]: `instance_requirements` and the cheapest type meeting them;
//! - [`hosts`]: the spot hosts of a deployment, where their zone is pinned, and the calls that
//!   analyse them or resolve their requirements into a type.

pub mod analysis;
pub mod hosts;
pub mod requirements;

pub use analysis::{
    cheapest_region, choose, latest_prices, region_spot, saving, Chosen, HostSpot, RegionSpot,
    Saving, ZonePrice,
};
pub use hosts::{analyse_hosts, resolve_requirements, spot_hosts, Resolved, SpotHost};
pub use requirements::{cheapest_type, Basis, Candidate, Cheapest, Requirements};

use crate::provider::ProviderError;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Hours in the month every monthly figure uses (AWS's own 730).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// The product whose spot prices are asked for: Linux, as the catalog's on-demand prices are.
pub const LINUX: &str = "Linux/UNIX";

/// One row of spot price history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpotPriceRow {
    /// Availability zone, e.g. `us-east-1a`.
    pub zone: String,
    /// Instance type, e.g. `t3.large`.
    pub instance_type: String,
    /// US dollars per hour.
    pub usd_hour: f64,
    /// When the price took effect, seconds since the Unix epoch.
    pub at: i64,
}

/// What an instance type offers, as `DescribeInstanceTypes` tells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeFacts {
    /// Instance type name.
    pub name: String,
    /// Default vCPUs.
    pub vcpus: u32,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// GPUs, all devices counted.
    pub gpus: u32,
    /// Memory of all GPUs together, in MiB.
    pub gpu_memory_mib: u64,
    /// Supported architectures (`x86_64`, `arm64`, ...).
    pub architectures: Vec<String>,
    /// Whether it can be bought as spot capacity.
    pub spot: bool,
    /// Whether it can be bought on demand.
    pub on_demand: bool,
}

/// Zones offering each instance type: type → zones.
pub type Offerings = BTreeMap<String, BTreeSet<String>>;

/// The questions spot analysis asks AWS, in engine terms (no SDK types).
#[async_trait]
pub trait SpotMarket: Send + Sync {
    /// Spot price history of `types` in `region` ([`LINUX`]): every row answered, possibly
    /// several per zone and type; [`latest_prices`] keeps the newest.
    async fn spot_prices(
        &self,
        region: &str,
        types: &[String],
    ) -> Result<Vec<SpotPriceRow>, SpotError>;

    /// The zones of `region` offering each of `types`; every type the region offers when
    /// `types` is empty.
    async fn offerings(&self, region: &str, types: &[String]) -> Result<Offerings, SpotError>;

    /// What `types` offer in `region`; every type of the region when `types` is empty.
    async fn type_facts(&self, region: &str, types: &[String])
        -> Result<Vec<TypeFacts>, SpotError>;
}

/// Why spot analysis or requirements resolution failed.
#[derive(Debug, thiserror::Error)]
pub enum SpotError {
    /// AWS refused or failed a call.
    #[error(transparent)]
    Aws(#[from] ProviderError),
    /// A host's `instance_requirements` or `market` cannot be read.
    #[error("{address}: {message}")]
    Config {
        /// The instance's address.
        address: String,
        /// What is wrong.
        message: String,
    },
    /// No instance type offered in the region meets a host's requirements.
    #[error("{address}: no instance type offered in {region} meets {wanted}")]
    NoTypeMeets {
        /// The instance's address.
        address: String,
        /// The region searched.
        region: String,
        /// The requirements, as written for people.
        wanted: String,
    },
}

impl SpotError {
    /// A stable diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            SpotError::Aws(_) => "strata::cost::spot_aws",
            SpotError::Config { .. } => "strata::cost::spot_config",
            SpotError::NoTypeMeets { .. } => "strata::cost::no_type_meets",
        }
    }

    /// What to do about it.
    pub fn help(&self) -> String {
        match self {
            SpotError::Aws(e) => format!(
                "check the credentials and region, and that they may call {} (ec2:DescribeSpotPriceHistory, ec2:DescribeInstanceTypeOfferings, ec2:DescribeInstanceTypes)",
                e.operation
            ),
            SpotError::Config { .. } => "give `instance_requirements` as a table of vcpus, memory_gib, gpus, gpu_memory_gib (minimums) and arch, and `market` as spot, on-demand or spot-or-on-demand".into(),
            SpotError::NoTypeMeets { .. } => "lower a minimum, or name an `instance_type` instead".into(),
        }
    }
}
