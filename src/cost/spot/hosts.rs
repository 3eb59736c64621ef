//! The hosts of a deployment as spot analysis sees them (market, type or requirements, pinned
//! zone), and the two jobs over [`SpotMarket`]: analysing spot hosts across zones and regions,
//! and resolving requirements into a type.

use super::analysis::{cheapest_region, choose, latest_prices, region_spot, HostSpot};
use super::requirements::{cheapest_type, Basis, Cheapest, Requirements};
use super::{Offerings, SpotError, SpotMarket, TypeFacts};
use crate::address::Address;
use crate::config::eval::eval;
use crate::config::expr::{Expr, RefTarget};
use crate::config::resolve::{Context, StaticScope, DEFAULT_TIER_NAME};
use crate::config::{Deployment, Mode, Resource};
use crate::cost::Catalog;
use crate::value::Value;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The resource kind of EC2 instances.
const INSTANCE: &str = "instance";
/// The attribute naming requirements instead of a type.
pub const REQUIREMENTS_ATTR: &str = "instance_requirements";

/// An instance as spot analysis sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpotHost {
    /// Its address (`instance.host`).
    pub address: String,
    /// `on-demand`, `spot` or `spot-or-on-demand`.
    pub market: String,
    /// The type named, if known while loading.
    pub instance_type: Option<String>,
    /// The requirements given instead of a type.
    pub requirements: Option<Requirements>,
    /// The zone its subnet pins (`subnet_id` referring to a subnet whose `availability_zone`
    /// is set).
    pub pinned_zone: Option<String>,
}

impl SpotHost {
    /// Whether it runs on spot capacity (first).
    pub fn is_spot(&self) -> bool {
        matches!(self.market.as_str(), "spot" | "spot-or-on-demand")
    }
}

/// What [`resolve_requirements`] chose for one instance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The instance's address.
    pub address: String,
    /// Its requirements.
    pub requirements: Requirements,
    /// The type chosen and the runner-up.
    pub cheapest: Cheapest,
}

/// Every managed instance of the deployment, read with the values known while loading.
pub fn instance_hosts(deployment: &Deployment) -> Result<Vec<SpotHost>, SpotError> {
    let ctx = context(deployment);
    let scope = StaticScope {
        vars: &deployment.vars,
        ctx: &ctx,
    };
    deployment
        .resources
        .iter()
        .filter(|(a, r)| a.kind == INSTANCE && r.mode == Mode::Managed)
        .map(|(address, resource)| host_of(deployment, address, resource, &scope))
        .collect()
}

/// The instances of the deployment bought as `spot` or `spot-or-on-demand`.
pub fn spot_hosts(deployment: &Deployment) -> Result<Vec<SpotHost>, SpotError> {
    Ok(instance_hosts(deployment)?
        .into_iter()
        .filter(SpotHost::is_spot)
        .collect())
}

/// Analyse `hosts` (each with a type) in `home` and `others`: per region one offerings call
/// and one price-history call for all their types together.
pub async fn analyse_hosts(
    hosts: &[SpotHost],
    market: &dyn SpotMarket,
    home: &str,
    others: &[String],
    catalog: &Catalog,
) -> Result<Vec<HostSpot>, SpotError> {
    let types: Vec<String> = hosts
        .iter()
        .filter_map(|h| h.instance_type.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut regions = vec![home.to_string()];
    for r in others {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    let mut markets = Vec::new();
    if !types.is_empty() {
        for region in &regions {
            let offered = market.offerings(region, &types).await?;
            let latest = latest_prices(&market.spot_prices(region, &types).await?);
            markets.push((region.clone(), offered, latest));
        }
    }
    let none = BTreeSet::new();
    let mut out = Vec::new();
    for host in hosts {
        let Some(ty) = &host.instance_type else {
            continue;
        };
        let per_region: Vec<_> = markets
            .iter()
            .map(|(region, offered, latest)| {
                region_spot(
                    region,
                    ty,
                    latest,
                    offered.get(ty).unwrap_or(&none),
                    catalog,
                )
            })
            .collect();
        let (chosen, note) = match per_region.first() {
            Some(h) => match choose(h, host.pinned_zone.as_deref()) {
                Ok(c) => (Some(c), None),
                Err(why) => (None, Some(why)),
            },
            None => (None, Some("no region analysed".to_string())),
        };
        out.push(HostSpot {
            address: host.address.clone(),
            market: host.market.clone(),
            instance_type: ty.clone(),
            pinned_zone: host.pinned_zone.clone(),
            cheapest_region: cheapest_region(&per_region).map(|r| r.region.clone()),
            regions: per_region,
            chosen,
            note,
        });
    }
    Ok(out)
}

/// Give every instance with `instance_requirements` the cheapest type of `region` meeting
/// them (spot hosts by spot price in the zones they may use, others by the catalog's
/// on-demand price; ties by name): its `instance_type` becomes that literal and the
/// requirements are taken off, so the rest of the engine sees an instance with a type.
/// Makes no call when no instance has requirements.
pub async fn resolve_requirements(
    deployment: &mut Deployment,
    market: &dyn SpotMarket,
    region: &str,
) -> Result<Vec<Resolved>, SpotError> {
    let wanting: Vec<(SpotHost, Requirements)> = instance_hosts(deployment)?
        .into_iter()
        .filter_map(|h| h.requirements.clone().map(|r| (h, r)))
        .collect();
    if wanting.is_empty() {
        return Ok(Vec::new());
    }
    let offered = market.offerings(region, &[]).await?;
    let facts: Vec<TypeFacts> = market
        .type_facts(region, &[])
        .await?
        .into_iter()
        .filter(|f| offered.contains_key(&f.name))
        .collect();
    // One price-history call for every type any spot host could take.
    let spot_types: Vec<String> = wanting
        .iter()
        .filter(|(h, _)| h.is_spot())
        .flat_map(|(_, req)| facts.iter().filter(|f| f.spot && req.met_by(f)))
        .map(|f| f.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let latest = if spot_types.is_empty() {
        BTreeMap::new()
    } else {
        latest_prices(&market.spot_prices(region, &spot_types).await?)
    };
    let catalog = Catalog::shipped();
    let mut out = Vec::new();
    for (host, req) in wanting {
        let zones = |ty: &str| usable_zones(&offered, ty, host.pinned_zone.as_deref());
        let cheapest = if host.is_spot() {
            let price = |f: &TypeFacts| {
                zones(&f.name)
                    .into_iter()
                    .filter_map(|z| latest.get(&(f.name.clone(), z.clone())).map(|p| (*p, z)))
                    .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)))
                    .map(|(p, z)| (p, Some(z)))
            };
            cheapest_type(&req, &facts, Basis::Spot, &price)
        } else {
            let price = |f: &TypeFacts| {
                if zones(&f.name).is_empty() {
                    return None;
                }
                catalog
                    .price(region, &format!("ec2/{}", f.name))
                    .map(|p| (p.usd, None))
            };
            cheapest_type(&req, &facts, Basis::OnDemand, &price)
        };
        let Some(cheapest) = cheapest else {
            return Err(SpotError::NoTypeMeets {
                address: host.address.clone(),
                region: region.to_string(),
                wanted: req.describe(),
            });
        };
        set_type(deployment, &host.address, &cheapest.choice.instance_type);
        out.push(Resolved {
            address: host.address,
            requirements: req,
            cheapest,
        });
    }
    Ok(out)
}

/// The zones of `ty` a host may use: all that offer it, or only the pinned one.
fn usable_zones(offered: &Offerings, ty: &str, pinned: Option<&str>) -> Vec<String> {
    offered
        .get(ty)
        .map(|zones| {
            zones
                .iter()
                .filter(|z| pinned.is_none_or(|p| p == z.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn set_type(deployment: &mut Deployment, address: &str, ty: &str) {
    let Some(resource) = deployment
        .resources
        .iter_mut()
        .find(|(a, _)| a.to_string() == address)
        .map(|(_, r)| r)
    else {
        return;
    };
    let origin = resource
        .attrs
        .remove(REQUIREMENTS_ATTR)
        .map_or_else(|| resource.origin.clone(), |e| e.origin);
    resource
        .attrs
        .insert("instance_type".into(), Expr::lit(Value::str(ty), origin));
}

fn context(deployment: &Deployment) -> Context {
    Context {
        deployment: deployment.name.clone(),
        stack: deployment.stack.name.clone(),
        tier: deployment
            .tier
            .as_ref()
            .map_or_else(|| DEFAULT_TIER_NAME.to_string(), |t| t.name.clone()),
        region: deployment.region.clone(),
    }
}

fn host_of(
    deployment: &Deployment,
    address: &Address,
    resource: &Resource,
    scope: &StaticScope<'_>,
) -> Result<SpotHost, SpotError> {
    let at = address.to_string();
    let value = |name: &str| -> Result<Option<Value>, SpotError> {
        let Some(expr) = resource.attrs.get(name) else {
            return Ok(None);
        };
        let v = eval(expr, scope).map_err(|e| SpotError::Config {
            address: at.clone(),
            message: format!("`{name}`: {}", e.message),
        })?;
        Ok(Some(v.value).filter(|v| *v != Value::Null))
    };
    let market = match value("market")? {
        None => "on-demand".to_string(),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(SpotError::Config {
                address: at,
                message: format!(
                    "`market` must be known while loading (a string), not {}",
                    other.type_name()
                ),
            })
        }
    };
    let instance_type = match value("instance_type")? {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let requirements = value(REQUIREMENTS_ATTR)?
        .map(|v| Requirements::from_value(&v))
        .transpose()
        .map_err(|message| SpotError::Config {
            address: at.clone(),
            message,
        })?;
    Ok(SpotHost {
        address: at,
        market,
        instance_type,
        requirements,
        pinned_zone: pinned_zone(deployment, resource, scope),
    })
}

/// The zone of the subnet the instance's `subnet_id` refers to, when that subnet sets
/// `availability_zone` to a value known while loading.
fn pinned_zone(
    deployment: &Deployment,
    resource: &Resource,
    scope: &StaticScope<'_>,
) -> Option<String> {
    let expr = resource.attrs.get("subnet_id")?;
    let mut subnets = Vec::new();
    expr.visit_refs(&mut |r| {
        if let RefTarget::Resource { address, attr, .. } = &r.target {
            if address.kind == "subnet" && attr == "id" {
                subnets.push(address.clone());
            }
        }
    });
    let [subnet] = subnets.as_slice() else {
        return None;
    };
    let zone = deployment
        .resources
        .get(subnet)?
        .attrs
        .get("availability_zone")?;
    match eval(zone, scope).ok()?.value {
        Value::String(s) => Some(s),
        _ => None,
    }
}
