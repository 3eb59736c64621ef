//! `efs_mount_target`: the address of an EFS file system in one subnet.

use crate::aws::shapes::string_list;
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A mount target (`CreateMountTarget`). EFS mount targets take no tags.
pub struct EfsMountTarget {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl EfsMountTarget {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EfsMountTarget { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "efs_mount_target",
        "A mount target: an NFS endpoint of a file system in one subnet",
    )
    .attr(
        AttrSchema::string("file_system_id")
            .required()
            .replace()
            .doc("Id of the file system"),
    )
    .attr(
        AttrSchema::string("subnet_id")
            .required()
            .replace()
            .doc("Id of the subnet; one mount target per availability zone"),
    )
    // ModifyMountTargetSecurityGroups changes the groups of a live mount target.
    .attr(
        string_list("security_groups")
            .doc("Ids of the security groups (at most 5); the VPC's default group when unset"),
    )
    .attr(
        AttrSchema::string("ip_address")
            .optional_computed()
            .replace()
            .doc("IPv4 address of the mount target in the subnet; AWS picks one when unset"),
    )
    .attr(
        AttrSchema::computed("availability_zone_name", AttrType::String)
            .doc("Availability zone of the mount target (that of its subnet)"),
    )
    .attr(
        AttrSchema::computed("network_interface_id", AttrType::String)
            .doc("Id of the network interface EFS created for the mount target"),
    )
});

crate::pending_kind!(EfsMountTarget, SCHEMA);
