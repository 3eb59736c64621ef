//! `load_balancer`: an application load balancer.

use crate::aws::shapes::string_list;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An application load balancer (`CreateLoadBalancer`).
pub struct LoadBalancer {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl LoadBalancer {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        LoadBalancer { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "load_balancer",
        "An application load balancer spreading HTTP(S) traffic over target groups",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 32 characters), unique in the region; derived from the deployment and resource names when unset"),
    )
    // Subnets is the only placement strata exposes, and AWS needs a placement.
    // SetSubnets and SetSecurityGroups change both on a live load balancer.
    .attr(
        string_list("subnets")
            .required()
            .doc("Ids of the subnets, in at least two availability zones"),
    )
    .attr(string_list("security_groups").doc("Ids of the security groups of the load balancer"))
    .attr(
        AttrSchema::bool("internal")
            .replace()
            .doc("Whether the load balancer is internal rather than internet-facing (default false)"),
    )
    .attr(
        AttrSchema::int("idle_timeout")
            .doc("Connection idle timeout in seconds (default 60)"),
    )
    .attr(
        AttrSchema::string("ip_address_type")
            .doc("ipv4 (default) or dualstack"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the load balancer"))
    .attr(
        AttrSchema::computed("dns_name", AttrType::String)
            .doc("Public DNS name of the load balancer"),
    )
    .attr(
        AttrSchema::computed("zone_id", AttrType::String)
            .doc("Route 53 hosted zone id of the DNS name, for alias records"),
    )
    .attr(
        AttrSchema::computed("vpc_id", AttrType::String)
            .doc("Id of the VPC the load balancer lives in"),
    )
});

crate::pending_kind!(LoadBalancer, SCHEMA);
