//! `internet_gateway`: a VPC's route to the internet.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An internet gateway (`CreateInternetGateway` + `AttachInternetGateway`).
pub struct InternetGateway {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl InternetGateway {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        InternetGateway { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "internet_gateway",
        "An internet gateway, attached to a VPC to give it a route to the internet",
    )
    .taggable()
    // Detach + attach moves a gateway between VPCs without recreating it.
    .attr(
        AttrSchema::string("vpc_id")
            .doc("Id of the VPC to attach the gateway to; unset leaves it detached"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the internet gateway"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the gateway's owner"),
    )
});

crate::pending_kind!(InternetGateway, SCHEMA);
