//! `volume_attachment`: an EBS volume attached to an instance.

use crate::provider::{AttrSchema, KindSchema, ResourceKind};
use std::sync::LazyLock;

/// A volume attachment (`AttachVolume`). It has no AWS id of its own; `id` is
/// `DEVICE:VOLUME:INSTANCE`. Attachments cannot be modified, only detached and attached again.
pub struct VolumeAttachment;

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

impl ResourceKind for VolumeAttachment {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }
}
