//! `subnet`: a range of a VPC's addresses in one availability zone.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A subnet (`CreateSubnet`).
pub struct Subnet {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl Subnet {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Subnet { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "subnet",
        "A range of a VPC's addresses in one availability zone",
    )
    .taggable()
    .attr(
        AttrSchema::string("vpc_id")
            .required()
            .replace()
            .doc("Id of the VPC the subnet belongs to"),
    )
    .attr(
        AttrSchema::string("cidr_block")
            .required()
            .replace()
            .doc("IPv4 CIDR block of the subnet, inside the VPC's block"),
    )
    .attr(
        AttrSchema::string("availability_zone")
            .optional_computed()
            .replace()
            .doc("Availability zone, e.g. us-east-1a; AWS picks one when unset"),
    )
    .attr(
        AttrSchema::bool("map_public_ip_on_launch")
            .doc("Whether instances launched here get a public IPv4 address (default false)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the subnet"))
    .attr(
        AttrSchema::computed("availability_zone_id", AttrType::String)
            .doc("Zone id, e.g. use1-az4, stable across accounts"),
    )
    .attr(
        AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the subnet's owner"),
    )
});

crate::pending_kind!(Subnet, SCHEMA);
