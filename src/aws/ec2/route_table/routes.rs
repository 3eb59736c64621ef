//! Routes as strata writes them (`{ destination_cidr_block = "0.0.0.0/0", gateway_id = "igw-…" }`)
//! and as EC2 reports them, keyed by destination so that the live table can be brought to the
//! desired one route by route.

use crate::provider::ProviderError;
use crate::value::Value;
use std::collections::BTreeMap;

/// The keys that name a route's destination (exactly one per route).
pub const DESTINATIONS: [&str; 2] = ["destination_cidr_block", "destination_ipv6_cidr_block"];

/// The keys that name a route's target (exactly one per route).
pub const TARGETS: [&str; 5] = [
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
];

/// One route: where traffic goes to, and through what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Destination key (one of [`DESTINATIONS`]) and CIDR block.
    pub destination: (&'static str, String),
    /// Target key (one of [`TARGETS`]) and id.
    pub target: (&'static str, String),
}

impl Route {
    /// The route as an attribute table.
    pub fn to_value(&self) -> Value {
        Value::Map(BTreeMap::from([
            (
                self.destination.0.to_string(),
                Value::String(self.destination.1.clone()),
            ),
            (
                self.target.0.to_string(),
                Value::String(self.target.1.clone()),
            ),
        ]))
    }
}

/// The one key of `keys` set in `table`, or an error naming the choices.
fn exactly_one(
    table: &BTreeMap<String, Value>,
    keys: &[&'static str],
    what: &str,
    op: &str,
) -> Result<(&'static str, String), ProviderError> {
    let set: Vec<(&'static str, String)> = keys
        .iter()
        .filter_map(|k| {
            table
                .get(*k)
                .and_then(Value::as_str)
                .map(|v| (*k, v.to_string()))
        })
        .collect();
    match set.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(ProviderError::invalid(
            op,
            format!(
                "each route needs exactly one {what} of {}; got {}",
                keys.join(", "),
                if set.is_empty() {
                    "none".to_string()
                } else {
                    set.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
                }
            ),
        )),
    }
}

/// The desired routes, keyed by destination. A destination given twice is an error: AWS keeps
/// one route per destination.
pub fn desired(
    tables: &[&BTreeMap<String, Value>],
    op: &str,
) -> Result<BTreeMap<(&'static str, String), Route>, ProviderError> {
    let mut out = BTreeMap::new();
    for table in tables {
        if let Some(unknown) = table
            .keys()
            .find(|k| !DESTINATIONS.contains(&k.as_str()) && !TARGETS.contains(&k.as_str()))
        {
            return Err(ProviderError::invalid(
                op,
                format!(
                    "unknown route key `{unknown}`; routes take {} and one of {}",
                    DESTINATIONS.join(" or "),
                    TARGETS.join(", ")
                ),
            ));
        }
        let route = Route {
            destination: exactly_one(table, &DESTINATIONS, "destination", op)?,
            target: exactly_one(table, &TARGETS, "target", op)?,
        };
        if out
            .insert(route.destination.clone(), route.clone())
            .is_some()
        {
            return Err(ProviderError::invalid(
                op,
                format!("two routes for destination {}", route.destination.1),
            ));
        }
    }
    Ok(out)
}

/// A live route in strata's shape; `None` for the VPC's own `local` route and for routes
/// strata does not manage (propagated, or to targets it has no key for).
pub fn from_ec2(route: &aws_sdk_ec2::types::Route) -> Option<Route> {
    use aws_sdk_ec2::types::RouteOrigin;
    if matches!(
        route.origin(),
        Some(RouteOrigin::CreateRouteTable) | Some(RouteOrigin::EnableVgwRoutePropagation)
    ) || route.gateway_id() == Some("local")
    {
        return None;
    }
    let nonempty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
    let destination = nonempty(route.destination_cidr_block())
        .map(|d| (DESTINATIONS[0], d))
        .or_else(|| nonempty(route.destination_ipv6_cidr_block()).map(|d| (DESTINATIONS[1], d)))?;
    // Order matters: a route to an instance also names its network interface.
    let target = [
        ("gateway_id", route.gateway_id()),
        ("nat_gateway_id", route.nat_gateway_id()),
        ("transit_gateway_id", route.transit_gateway_id()),
        (
            "vpc_peering_connection_id",
            route.vpc_peering_connection_id(),
        ),
        ("network_interface_id", route.network_interface_id()),
    ]
    .into_iter()
    .find_map(|(k, v)| nonempty(v).map(|v| (k, v)))?;
    Some(Route {
        destination,
        target,
    })
}

/// What to do to the live routes to reach the desired ones.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct RouteChanges {
    /// Destinations with no route yet.
    pub create: Vec<Route>,
    /// Destinations whose target changes.
    pub replace: Vec<Route>,
    /// Routes no longer wanted.
    pub delete: Vec<Route>,
}

/// The changes from `live` to `want`, in destination order.
pub fn changes(live: &[Route], want: &BTreeMap<(&'static str, String), Route>) -> RouteChanges {
    let live: BTreeMap<_, _> = live.iter().map(|r| (r.destination.clone(), r)).collect();
    let mut out = RouteChanges::default();
    for (dest, route) in want {
        match live.get(dest) {
            None => out.create.push(route.clone()),
            Some(have) if have.target != route.target => out.replace.push(route.clone()),
            Some(_) => {}
        }
    }
    out.delete = live
        .iter()
        .filter(|(dest, _)| !want.contains_key(*dest))
        .map(|(_, r)| (*r).clone())
        .collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, &str)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(*v)))
            .collect()
    }

    #[test]
    fn a_route_needs_one_destination_and_one_target() {
        let ok = table(&[
            ("destination_cidr_block", "0.0.0.0/0"),
            ("gateway_id", "igw-1"),
        ]);
        let routes = desired(&[&ok], "op").expect("valid");
        assert_eq!(routes.len(), 1);
        let two_targets = table(&[
            ("destination_cidr_block", "0.0.0.0/0"),
            ("gateway_id", "igw-1"),
            ("nat_gateway_id", "nat-1"),
        ]);
        let err = desired(&[&two_targets], "op").expect_err("two targets");
        assert!(err.message.contains("gateway_id, nat_gateway_id"), "{err}");
        let no_dest = table(&[("gateway_id", "igw-1")]);
        assert!(desired(&[&no_dest], "op").is_err());
        let typo = table(&[("destination", "0.0.0.0/0"), ("gateway_id", "igw-1")]);
        let err = desired(&[&typo], "op").expect_err("unknown key");
        assert!(err.message.contains("`destination`"), "{err}");
        assert!(desired(&[&ok, &ok], "op").is_err(), "duplicate destination");
    }

    #[test]
    fn changes_create_replace_and_delete_by_destination() {
        let route = |d: &str, t: (&'static str, &str)| Route {
            destination: ("destination_cidr_block", d.to_string()),
            target: (t.0, t.1.to_string()),
        };
        let live = vec![
            route("0.0.0.0/0", ("gateway_id", "igw-1")),
            route("10.1.0.0/16", ("vpc_peering_connection_id", "pcx-1")),
            route("10.2.0.0/16", ("nat_gateway_id", "nat-1")),
        ];
        let want: BTreeMap<_, _> = [
            route("0.0.0.0/0", ("nat_gateway_id", "nat-2")),
            route("10.2.0.0/16", ("nat_gateway_id", "nat-1")),
            route("10.3.0.0/16", ("gateway_id", "igw-1")),
        ]
        .into_iter()
        .map(|r| (r.destination.clone(), r))
        .collect();
        let c = changes(&live, &want);
        assert_eq!(
            c.create,
            vec![route("10.3.0.0/16", ("gateway_id", "igw-1"))]
        );
        assert_eq!(
            c.replace,
            vec![route("0.0.0.0/0", ("nat_gateway_id", "nat-2"))]
        );
        assert_eq!(
            c.delete,
            vec![route("10.1.0.0/16", ("vpc_peering_connection_id", "pcx-1"))]
        );
    }
}
