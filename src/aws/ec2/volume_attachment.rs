//! `volume_attachment`: an EBS volume attached to an instance.

use crate::aws::Aws;
use crate::provider::{AttrSchema, KindSchema};
use std::sync::{Arc, LazyLock};

/// A volume attachment (`AttachVolume`). It has no AWS id of its own; `id` is
/// `DEVICE:VOLUME:INSTANCE`. Attachments cannot be modified, only detached and attached again.
pub struct VolumeAttachment {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl VolumeAttachment {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        VolumeAttachment { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "volume_attachment",
        "An EBS volume attached to an instance as a device",
    )
    .attr(
        AttrSchema::string("volume_id")
            .required()
            .replace()
            .doc("Id of the volume to attach"),
    )
    .attr(
        AttrSchema::string("instance_id")
            .required()
            .replace()
            .doc("Id of the instance to attach it to, in the volume's availability zone"),
    )
    .attr(
        AttrSchema::string("device_name")
            .required()
            .replace()
            .doc("Device name exposed to the instance, e.g. /dev/sdf"),
    )
});

crate::pending_kind!(VolumeAttachment, SCHEMA);
