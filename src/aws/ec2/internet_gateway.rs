//! `internet_gateway`: a VPC's route to the internet.

use crate::provider::{AttrSchema, AttrType, KindSchema, ResourceKind};
use std::sync::LazyLock;

/// An internet gateway (`CreateInternetGateway` + `AttachInternetGateway`).
pub struct InternetGateway;

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

impl ResourceKind for InternetGateway {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }
}
