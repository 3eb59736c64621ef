//! `elastic_ip`: a static public IPv4 address.

use crate::provider::{AttrSchema, AttrType, KindSchema, ResourceKind};
use std::sync::LazyLock;

/// An Elastic IP address (`AllocateAddress`, `AssociateAddress`).
pub struct ElasticIp;

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "elastic_ip",
        "A static public IPv4 address, optionally associated with an instance",
    )
    .taggable()
    // Associate/disassociate moves the address without releasing it.
    .attr(
        AttrSchema::string("instance_id")
            .doc("Id of the instance to associate the address with; unset leaves it unassociated"),
    )
    .attr(
        AttrSchema::computed("public_ip", AttrType::String)
            .doc("The allocated public IPv4 address"),
    )
    .attr(
        AttrSchema::computed("allocation_id", AttrType::String)
            .doc("Allocation id of the address (eipalloc-...)"),
    )
    .attr(
        AttrSchema::computed("association_id", AttrType::String)
            .doc("Id of the current association, when associated"),
    )
    .attr(
        AttrSchema::computed("private_ip", AttrType::String)
            .doc("Private address the public address maps to, when associated"),
    )
});

impl ResourceKind for ElasticIp {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }
}
