//! `vpc`: a virtual private cloud.

use crate::provider::{AttrSchema, AttrType, KindSchema, ResourceKind};
use std::sync::LazyLock;

/// A VPC (`CreateVpc`).
pub struct Vpc;

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "vpc",
        "A virtual private cloud: an isolated network with its own CIDR block",
    )
    .taggable()
    // No IPAM pool support, so the CIDR block is the only way to size the VPC.
    .attr(
        AttrSchema::string("cidr_block")
            .required()
            .replace()
            .doc("IPv4 CIDR block of the VPC, e.g. 10.42.0.0/16"),
    )
    .attr(
        AttrSchema::bool("enable_dns_support")
            .doc("Whether the Amazon DNS server resolves names in the VPC (default true)"),
    )
    .attr(
        AttrSchema::bool("enable_dns_hostnames")
            .doc("Whether instances with public IPs get public DNS hostnames (default false)"),
    )
    // ModifyVpcTenancy only goes from dedicated to default; the other way needs a new VPC.
    .attr(
        AttrSchema::string("instance_tenancy")
            .replace()
            .doc("Tenancy of instances launched in the VPC: default or dedicated"),
    )
    .attr(
        AttrSchema::bool("assign_generated_ipv6_cidr_block")
            .doc("Whether to associate an Amazon-provided /56 IPv6 CIDR block"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the VPC"))
    .attr(
        AttrSchema::computed("ipv6_cidr_block", AttrType::String)
            .doc("The Amazon-provided IPv6 CIDR block, when one is assigned"),
    )
    .attr(
        AttrSchema::computed("default_security_group_id", AttrType::String)
            .doc("Id of the security group AWS created with the VPC"),
    )
    .attr(
        AttrSchema::computed("main_route_table_id", AttrType::String)
            .doc("Id of the route table AWS created with the VPC"),
    )
    .attr(AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the VPC's owner"))
});

impl ResourceKind for Vpc {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }
}
