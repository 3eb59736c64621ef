//! `instance_profile`: the container that hands an IAM role to EC2 instances.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An instance profile (`CreateInstanceProfile`, `AddRoleToInstanceProfile`).
pub struct InstanceProfile {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl InstanceProfile {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        InstanceProfile { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "instance_profile",
        "An instance profile: passes an IAM role to EC2 instances",
    )
    .taggable()
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Profile name, unique in the account; derived from the deployment and resource names when unset"),
    )
    // The role is removed from and added to the live profile.
    .attr(AttrSchema::string("role").doc("Name of the IAM role in the profile"))
    .attr(
        AttrSchema::string("path")
            .replace()
            .doc("Path of the profile (default /)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the instance profile"))
    .attr(
        AttrSchema::computed("unique_id", AttrType::String)
            .doc("Stable unique id of the profile (AIPA...)"),
    )
});

crate::pending_kind!(InstanceProfile, SCHEMA);
