//! `route_table`: routes of a VPC and the subnets that use them.

use crate::aws::shapes::{block_list, string_list};
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A route table with its routes and subnet associations (`CreateRouteTable`, `CreateRoute`,
/// `AssociateRouteTable`).
pub struct RouteTable {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl RouteTable {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        RouteTable { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "route_table",
        "A route table of a VPC, with its routes and the subnets associated with it",
    )
    .taggable()
    .attr(
        AttrSchema::string("vpc_id")
            .required()
            .replace()
            .doc("Id of the VPC the route table belongs to"),
    )
    // Routes are created, replaced and deleted one by one on the live table.
    .attr(block_list("routes").doc(
        "Routes, each a table: destination_cidr_block or destination_ipv6_cidr_block, and one \
         target of gateway_id, nat_gateway_id, network_interface_id, vpc_peering_connection_id, \
         transit_gateway_id",
    ))
    .attr(string_list("subnet_ids").doc("Ids of the subnets associated with this route table"))
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the route table"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String)
            .doc("Account id of the route table's owner"),
    )
});

crate::pending_kind!(RouteTable, SCHEMA);
