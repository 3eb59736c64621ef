//! `elastic_ip`: a static public IPv4 address.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An Elastic IP address (`AllocateAddress`, `AssociateAddress`).
pub struct ElasticIp {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl ElasticIp {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        ElasticIp { aws }
    }
}

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

crate::pending_kind!(ElasticIp, SCHEMA);
