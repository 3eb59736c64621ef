//! `volume`: an EBS volume.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An EBS volume (`CreateVolume`, `ModifyVolume`).
pub struct Volume {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl Volume {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Volume { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "volume",
        "An EBS volume, attached to an instance with volume_attachment",
    )
    .taggable()
    .attr(
        AttrSchema::string("availability_zone")
            .required()
            .replace()
            .doc("Availability zone of the volume; it can attach only to instances in this zone"),
    )
    // ModifyVolume grows size and changes type, IOPS and throughput on a live volume; a
    // shrink request is refused by AWS at apply time.
    .attr(
        AttrSchema::int("size_gb")
            .doc("Size in GiB; may grow in place, never shrink (set this or snapshot_id)"),
    )
    .attr(
        AttrSchema::string("snapshot_id")
            .replace()
            .doc("Snapshot to create the volume from"),
    )
    .attr(AttrSchema::string("type").doc("Volume type: gp3 (default), gp2, io1, io2, st1, sc1"))
    .attr(AttrSchema::int("iops").doc("Provisioned IOPS (gp3, io1, io2)"))
    .attr(AttrSchema::int("throughput").doc("Provisioned throughput in MiB/s (gp3)"))
    .attr(
        AttrSchema::bool("encrypted")
            .replace()
            .doc("Whether the volume is encrypted at rest"),
    )
    .attr(
        AttrSchema::string("kms_key_id")
            .replace()
            .doc("KMS key for encryption; the account's EBS default key when unset"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the volume"))
});

crate::pending_kind!(Volume, SCHEMA);
