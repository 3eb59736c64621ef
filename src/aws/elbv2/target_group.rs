//! `target_group`: the backends a load balancer forwards to.

use crate::aws::shapes::block;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A target group (`CreateTargetGroup`, `ModifyTargetGroup`).
pub struct TargetGroup {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl TargetGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        TargetGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "target_group",
        "A target group: backends a listener forwards to, with their health check",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 32 characters), unique in the region; derived from the deployment and resource names when unset"),
    )
    // Port, protocol and VPC are required by AWS for instance and ip targets but not for
    // lambda targets, so they are not marked required; none can change on a live group.
    .attr(
        AttrSchema::int("port")
            .replace()
            .doc("Port the targets receive traffic on (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("protocol")
            .replace()
            .doc("Protocol to the targets: HTTP or HTTPS (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("vpc_id")
            .replace()
            .doc("Id of the VPC of the targets (required unless target_type is lambda)"),
    )
    .attr(
        AttrSchema::string("target_type")
            .replace()
            .doc("instance (default), ip, lambda or alb"),
    )
    .attr(block("health_check").doc(
        "Health check, a table: path, port, protocol, interval, timeout, healthy_threshold, \
         unhealthy_threshold, matcher (e.g. \"200-399\")",
    ))
    .attr(
        AttrSchema::int("deregistration_delay")
            .doc("Seconds to drain a deregistered target (default 300)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the target group"))
    .attr(
        AttrSchema::computed("arn_suffix", AttrType::String)
            .doc("Last part of the ARN, as used in CloudWatch metrics"),
    )
});

crate::pending_kind!(TargetGroup, SCHEMA);
