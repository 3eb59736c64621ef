//! [`SpotMarket`] over EC2: spot price history, instance type offerings by zone and instance
//! type facts, each one call per page with every type asked for in the same request.
//!
//! Another region is asked through a client cloned from the session's EC2 client with only the
//! region changed: same credentials, endpoint, call counters and pacing.

use super::tags::PAGE_LIMITS;
use crate::aws::paging::each_page;
use crate::aws::Aws;
use crate::cost::spot::{Offerings, SpotError, SpotMarket, SpotPriceRow, TypeFacts, LINUX};
use crate::provider::ProviderError;
use async_trait::async_trait;
use aws_config::Region;
use aws_sdk_ec2::types::{Filter, InstanceType, InstanceTypeInfo, LocationType, UsageClassType};
use aws_smithy_types::DateTime;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// How many instance types one request names: DescribeInstanceTypes takes at most 100, and
/// the same bound keeps the other calls' filters well within AWS's limits.
const TYPES_PER_REQUEST: usize = 100;

/// DescribeInstanceTypes pages hold 5 to 100 types.
const TYPE_PAGE_LIMITS: std::ops::RangeInclusive<i32> = 5..=100;

/// The EC2 spot market of a session, in its own region and any other.
#[derive(Debug)]
pub struct Ec2Market {
    aws: Arc<Aws>,
    /// Clients of regions other than the session's, built on first use.
    others: Mutex<BTreeMap<String, aws_sdk_ec2::Client>>,
}

impl Ec2Market {
    /// The market as seen through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Ec2Market {
            aws,
            others: Mutex::new(BTreeMap::new()),
        }
    }

    async fn client(&self, region: &str) -> Result<aws_sdk_ec2::Client, ProviderError> {
        let home = self.aws.ec2().await?;
        if home.config().region().map(|r| r.as_ref()) == Some(region) {
            return Ok(home.clone());
        }
        let mut others = self.others.lock().unwrap_or_else(|e| e.into_inner());
        let client = others.entry(region.to_string()).or_insert_with(|| {
            let conf = home
                .config()
                .to_builder()
                .region(Region::new(region.to_string()))
                .build();
            aws_sdk_ec2::Client::from_conf(conf)
        });
        Ok(client.clone())
    }
}

fn types_of(names: &[String]) -> Vec<InstanceType> {
    names
        .iter()
        .map(|t| InstanceType::from(t.as_str()))
        .collect()
}

/// `chunks` of `names`, or one empty chunk (meaning "all") when there are none.
fn batches(names: &[String]) -> Vec<&[String]> {
    if names.is_empty() {
        vec![&[]]
    } else {
        names.chunks(TYPES_PER_REQUEST).collect()
    }
}

#[async_trait]
impl SpotMarket for Ec2Market {
    async fn spot_prices(
        &self,
        region: &str,
        types: &[String],
    ) -> Result<Vec<SpotPriceRow>, SpotError> {
        const OP: &str = "ec2:DescribeSpotPriceHistory";
        if types.is_empty() {
            return Ok(Vec::new());
        }
        let ec2 = self.client(region).await?;
        // Asking from now to now gives the price in force now in each zone (AWS adds the last
        // change before the start), instead of 90 days of history.
        let now = DateTime::from(SystemTime::now());
        let mut out = Vec::new();
        for batch in batches(types) {
            let pages = ec2
                .describe_spot_price_history()
                .set_instance_types(Some(types_of(batch)))
                .product_descriptions(LINUX)
                .start_time(now)
                .end_time(now)
                .set_max_results(self.aws.page_size(None, PAGE_LIMITS))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                for p in page.spot_price_history() {
                    let (Some(zone), Some(ty), Some(usd)) = (
                        p.availability_zone(),
                        p.instance_type(),
                        p.spot_price().and_then(|s| s.trim().parse::<f64>().ok()),
                    ) else {
                        continue;
                    };
                    out.push(SpotPriceRow {
                        zone: zone.to_string(),
                        instance_type: ty.as_str().to_string(),
                        usd_hour: usd,
                        at: p.timestamp().map_or(0, |t| t.secs()),
                    });
                }
            })
            .await?;
        }
        Ok(out)
    }

    async fn offerings(&self, region: &str, types: &[String]) -> Result<Offerings, SpotError> {
        const OP: &str = "ec2:DescribeInstanceTypeOfferings";
        let ec2 = self.client(region).await?;
        let mut out = Offerings::new();
        for batch in batches(types) {
            let filters = (!batch.is_empty()).then(|| {
                vec![Filter::builder()
                    .name("instance-type")
                    .set_values(Some(batch.to_vec()))
                    .build()]
            });
            let pages = ec2
                .describe_instance_type_offerings()
                .location_type(LocationType::AvailabilityZone)
                .set_filters(filters)
                .set_max_results(self.aws.page_size(None, PAGE_LIMITS))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                for o in page.instance_type_offerings() {
                    if let (Some(ty), Some(zone)) = (o.instance_type(), o.location()) {
                        out.entry(ty.as_str().to_string())
                            .or_default()
                            .insert(zone.to_string());
                    }
                }
            })
            .await?;
        }
        Ok(out)
    }

    async fn type_facts(
        &self,
        region: &str,
        types: &[String],
    ) -> Result<Vec<TypeFacts>, SpotError> {
        const OP: &str = "ec2:DescribeInstanceTypes";
        let ec2 = self.client(region).await?;
        let mut out = Vec::new();
        for batch in batches(types) {
            let call = ec2.describe_instance_types();
            // Named types come in one answer; only the listing of all is paged by size.
            let call = if batch.is_empty() {
                call.set_max_results(self.aws.page_size(None, TYPE_PAGE_LIMITS))
            } else {
                call.set_instance_types(Some(types_of(batch)))
            };
            let pages = call.into_paginator().send();
            each_page(OP, pages, |page| {
                out.extend(page.instance_types().iter().filter_map(facts_of));
            })
            .await?;
        }
        Ok(out)
    }
}

fn facts_of(info: &InstanceTypeInfo) -> Option<TypeFacts> {
    let name = info.instance_type()?.as_str().to_string();
    let gpu = info.gpu_info();
    let devices = gpu.map(|g| g.gpus()).unwrap_or_default();
    let count = |d: &aws_sdk_ec2::types::GpuDeviceInfo| d.count().unwrap_or(0).max(0) as u64;
    let gpu_memory_mib = gpu
        .and_then(|g| g.total_gpu_memory_in_mib())
        .map(|m| m.max(0) as u64)
        .unwrap_or_else(|| {
            devices
                .iter()
                .map(|d| {
                    count(d)
                        * d.memory_info()
                            .and_then(|m| m.size_in_mib())
                            .unwrap_or(0)
                            .max(0) as u64
                })
                .sum()
        });
    let classes = info.supported_usage_classes();
    Some(TypeFacts {
        name,
        vcpus: info
            .v_cpu_info()
            .and_then(|v| v.default_v_cpus())
            .unwrap_or(0)
            .max(0) as u32,
        memory_mib: info
            .memory_info()
            .and_then(|m| m.size_in_mib())
            .unwrap_or(0)
            .max(0) as u64,
        gpus: devices.iter().map(count).sum::<u64>() as u32,
        gpu_memory_mib,
        architectures: info
            .processor_info()
            .map(|p| {
                p.supported_architectures()
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect()
            })
            .unwrap_or_default(),
        spot: classes.contains(&UsageClassType::Spot),
        on_demand: classes.contains(&UsageClassType::OnDemand),
    })
}
