//! NAT gateways: what their network interface holds until the gateway is `deleted`.
//!
//! On AWS, a NAT gateway's interface keeps its Elastic IP until the gateway reaches `deleted`:
//! `ReleaseAddress` and `DisassociateAddress` of that address answer `AuthFailure` ("You do not
//! have permission to access the specified resource") while it lives. moto releases it at
//! once. Once deleted, AWS removes the interface; moto keeps it (unattached) in the subnet,
//! which the subnet rule must then not count (see [`deleted_gateway_interfaces`]).

use super::checks::{Ctx, Verdict};
use super::params;

/// The NAT gateways moto holds: id, state and the `natGatewayAddressSet` items.
fn gateways(ctx: &Ctx) -> Result<Vec<super::xml::Element>, String> {
    let no_params: [(&str, &str); 0] = [];
    let root = ctx.upstream.ec2("DescribeNatGateways", &no_params)?;
    Ok(root.items("natGatewaySet").cloned().collect())
}

/// An Elastic IP (by `AllocationId`, `PublicIp` or `AssociationId`) still held by a NAT
/// gateway that is not `deleted`.
pub fn address_held_by_nat_gateway(ctx: &Ctx) -> Verdict {
    let wanted: Vec<(&str, &str)> = ["AllocationId", "PublicIp", "AssociationId"]
        .iter()
        .filter_map(|key| params::first(&ctx.fields, key).map(|v| (*key, v)))
        .collect();
    if wanted.is_empty() {
        return Err("no AllocationId, PublicIp or AssociationId in the request".into());
    }
    for gateway in gateways(ctx)? {
        if gateway.child_text("state") == "deleted" {
            continue;
        }
        for address in gateway.items("natGatewayAddressSet") {
            let holds = wanted.iter().any(|(key, value)| {
                let element = match *key {
                    "AllocationId" => "allocationId",
                    "PublicIp" => "publicIp",
                    _ => "associationId",
                };
                address.child_text(element) == *value
            });
            if holds {
                return Ok(Some(format!(
                    "You do not have permission to access the specified resource. (strict test \
                     proxy: the address is held by NAT gateway {} in state {})",
                    gateway.child_text("natGatewayId"),
                    gateway.child_text("state")
                )));
            }
        }
    }
    Ok(None)
}

/// The network interfaces of NAT gateways that are `deleted`: gone on AWS, kept by moto.
pub fn deleted_gateway_interfaces(ctx: &Ctx) -> Result<Vec<String>, String> {
    Ok(gateways(ctx)?
        .iter()
        .filter(|g| g.child_text("state") == "deleted")
        .flat_map(|g| {
            g.items("natGatewayAddressSet")
                .map(|a| a.child_text("networkInterfaceId").to_string())
                .collect::<Vec<_>>()
        })
        .filter(|id| !id.is_empty())
        .collect())
}
