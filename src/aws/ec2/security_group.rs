//! `security_group`: a stateful firewall for instances, load balancers and mount targets.

use crate::aws::shapes::block_list;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A security group with its rules (`CreateSecurityGroup`, `AuthorizeSecurityGroupIngress`,
/// `AuthorizeSecurityGroupEgress`).
pub struct SecurityGroup {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl SecurityGroup {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        SecurityGroup { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "security_group",
        "A security group: stateful allow rules for inbound and outbound traffic",
    )
    .taggable()
    // CreateSecurityGroup requires a name; the provider derives one when unset.
    // Neither the name nor the description of a live group can be changed.
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Group name, unique in the VPC; derived from the deployment and resource names when unset"),
    )
    .attr(
        AttrSchema::string("description")
            .replace()
            .doc("Group description (default \"Managed by strata\")"),
    )
    .attr(
        AttrSchema::string("vpc_id")
            .replace()
            .doc("Id of the VPC; the region's default VPC when unset"),
    )
    // Rules are authorized and revoked one by one on the live group.
    .attr(block_list("ingress").doc(
        "Inbound rules, each a table: protocol (tcp, udp, icmp or -1), from_port, to_port, one or \
         more sources (cidr_blocks, ipv6_cidr_blocks, source_security_group_id, prefix_list_name: \
         a managed prefix list looked up by name, e.g. \
         com.amazonaws.global.cloudfront.origin-facing) and description",
    ))
    .attr(block_list("egress").doc(
        "Outbound rules, same keys as ingress (the sources become destinations); unset keeps \
         AWS's default allow-all rule",
    ))
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the security group"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String)
            .doc("Account id of the group's owner"),
    )
});

crate::pending_kind!(SecurityGroup, SCHEMA);
