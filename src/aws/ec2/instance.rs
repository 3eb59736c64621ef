//! `instance`: an EC2 instance, on-demand or spot.

use crate::aws::shapes::{block, string_list};
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An EC2 instance (`RunInstances`). Its tags are also applied to the volumes it launches with.
pub struct Instance {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl Instance {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Instance { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "instance",
        "An EC2 instance, on-demand or spot; its tags are propagated to its volumes",
    )
    .taggable()
    // Neither image is required on its own: exactly one of the two must be set.
    .attr(
        AttrSchema::string("ami")
            .replace()
            .doc("AMI id to launch; set this or ami_ssm_parameter"),
    )
    .attr(
        AttrSchema::string("ami_ssm_parameter")
            .replace()
            .doc("SSM parameter holding the AMI id, e.g. /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"),
    )
    // Debatable: EC2 can change the type of a stopped on-demand instance in place, but a
    // one-time spot instance cannot be stopped, and the default market here is spot. Replacing
    // is the one answer that is true for every market, so plans never promise an in-place
    // change that apply cannot deliver. Data that must survive belongs on a `volume` or EFS.
    .attr(
        AttrSchema::string("instance_type")
            .replace()
            .doc("Instance type, e.g. t3.large or g4dn.xlarge (AWS default m1.small when unset)"),
    )
    .attr(
        AttrSchema::string("market")
            .replace()
            .doc("Purchase option: on-demand (default), spot, or spot-or-on-demand (spot, falling back to on-demand when no capacity)"),
    )
    .attr(
        AttrSchema::number("spot_max_price")
            .replace()
            .doc("Highest hourly price in USD to pay for spot capacity; the on-demand price when unset"),
    )
    .attr(
        AttrSchema::string("subnet_id")
            .replace()
            .doc("Id of the subnet to launch in; a default subnet when unset"),
    )
    .attr(
        string_list("vpc_security_group_ids")
            .doc("Ids of the security groups attached to the instance's primary interface"),
    )
    .attr(
        AttrSchema::string("key_name")
            .replace()
            .doc("Name of the key pair allowed to log in over SSH"),
    )
    // Debatable: user data can be modified on a stopped instance, but cloud-init runs it only
    // on first boot, so an in-place change would be recorded without ever taking effect.
    // A new script therefore means a new instance.
    .attr(
        AttrSchema::any("user_data")
            .replace()
            .doc("Boot script: a string, or a table { template = \"path\", vars = { ... } } rendered by strata"),
    )
    .attr(
        AttrSchema::string("iam_instance_profile")
            .doc("Name of the instance profile giving the instance its IAM role"),
    )
    .attr(
        AttrSchema::bool("associate_public_ip_address")
            .replace()
            .doc("Whether the primary interface gets a public IPv4 address; the subnet's setting when unset"),
    )
    // Debatable: size and type can be modified on a live volume, but not encryption, and a
    // volume cannot shrink. With one table for all three, replacing is the safe answer.
    .attr(
        block("root_volume")
            .replace()
            .doc("Root volume, a table: size_gb (integer), type (gp3, gp2, io2...), encrypted (bool)"),
    )
    .attr(
        AttrSchema::string("metadata_http_tokens")
            .doc("Instance metadata service tokens: required (IMDSv2 only, recommended) or optional"),
    )
    .attr(
        AttrSchema::map("volume_tags", AttrType::String)
            .doc("Extra tags for the instance's volumes, on top of the instance's own tags"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the instance"))
    .attr(
        AttrSchema::computed("public_ip", AttrType::String)
            .doc("Public IPv4 address, when the instance has one (changes on stop/start)"),
    )
    .attr(
        AttrSchema::computed("public_dns", AttrType::String)
            .doc("Public DNS name, when the instance has a public address"),
    )
    .attr(
        AttrSchema::computed("private_ip", AttrType::String)
            .doc("Private IPv4 address of the primary interface"),
    )
    .attr(
        AttrSchema::computed("private_dns", AttrType::String)
            .doc("Private DNS name of the primary interface"),
    )
    .attr(
        AttrSchema::computed("availability_zone", AttrType::String)
            .doc("Availability zone the instance runs in (that of its subnet)"),
    )
    .attr(
        AttrSchema::computed("spot_instance_request_id", AttrType::String)
            .doc("Id of the spot request, when the instance runs on spot capacity"),
    )
});

crate::pending_kind!(Instance, SCHEMA);
