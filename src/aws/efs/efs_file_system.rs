//! `efs_file_system`: an EFS file system.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An EFS file system (`CreateFileSystem`, `UpdateFileSystem`).
pub struct EfsFileSystem {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl EfsFileSystem {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        EfsFileSystem { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "efs_file_system",
        "An EFS file system: shared NFS storage, mounted through efs_mount_target",
    )
    .taggable()
    // Encryption, its key, the performance mode and One Zone placement are fixed at creation.
    .attr(
        AttrSchema::bool("encrypted")
            .replace()
            .doc("Whether the file system is encrypted at rest"),
    )
    .attr(
        AttrSchema::string("kms_key_id")
            .replace()
            .doc("KMS key for encryption; the account's EFS default key when unset"),
    )
    .attr(
        AttrSchema::string("performance_mode")
            .replace()
            .doc("generalPurpose (default) or maxIO"),
    )
    .attr(
        AttrSchema::string("availability_zone_name")
            .replace()
            .doc("Availability zone of a One Zone file system; Regional when unset"),
    )
    // UpdateFileSystem changes the throughput mode and provisioned throughput in place.
    .attr(
        AttrSchema::string("throughput_mode")
            .doc("bursting (default), elastic or provisioned"),
    )
    .attr(
        AttrSchema::number("provisioned_throughput_mibps")
            .doc("Throughput in MiB/s when throughput_mode is provisioned"),
    )
    .attr(
        AttrSchema::string("transition_to_ia")
            .doc("Lifecycle policy moving files to Infrequent Access, e.g. AFTER_30_DAYS"),
    )
    .attr(
        AttrSchema::string("creation_token")
            .optional_computed()
            .replace()
            .doc("Idempotency token of the creation request; derived from the deployment and address when unset"),
    )
    .attr(
        AttrSchema::computed("dns_name", AttrType::String)
            .doc("DNS name to mount, e.g. fs-0123456789abcdef0.efs.us-east-1.amazonaws.com"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the file system"))
});

crate::pending_kind!(EfsFileSystem, SCHEMA);
