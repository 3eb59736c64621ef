//! `volume_attachment`: an EBS volume attached to an instance.

use super::tags;
use crate::aws::attrs::{put_str, required_str, str_of};
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource, Owner, ProviderError,
    ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_ec2::types::VolumeAttachmentState;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// A volume attachment (`AttachVolume`). It has no AWS id of its own; `id` is
/// `VOLUME:INSTANCE` (a volume attaches to an instance at most once). Attachments cannot be
/// modified, only detached and attached again.
pub struct VolumeAttachment {
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
            .refers_to(&["volume"])
            .required()
            .replace()
            .doc("Id of the volume to attach"),
    )
    .attr(
        AttrSchema::string("instance_id")
            .refers_to(&["instance"])
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

/// The composite id of an attachment.
pub fn attachment_id(volume: &str, instance: &str) -> String {
    format!("{volume}:{instance}")
}

/// The volume and instance of a composite id, or None when it is not one.
pub fn parse_attachment_id(id: &str) -> Option<(&str, &str)> {
    let (volume, instance) = id.split_once(':')?;
    (volume.starts_with("vol-") && instance.starts_with("i-")).then_some((volume, instance))
}

#[async_trait]
impl ResourceKind for VolumeAttachment {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let ids = match selector {
            Selector::Ids(ids) => ids,
            // Attachments carry no tags of their own: none can match.
            Selector::Tags(_) => return Ok(Vec::new()),
        };
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let volumes: BTreeSet<String> = ids
            .iter()
            .filter_map(|id| parse_attachment_id(id))
            .map(|(v, _)| v.to_string())
            .collect();
        let volumes: Vec<String> = volumes.into_iter().collect();
        let mut out = Vec::new();
        for batch in volumes.chunks(tags::FILTER_BATCH) {
            for live in self.of_volumes(batch).await? {
                if wanted.contains(live.id.as_str()) {
                    out.push(live);
                }
            }
        }
        Ok(out)
    }

    /// The volume, the instance and the device: a volume attaches to an instance once, and a
    /// device of an instance holds one volume.
    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        Some(BTreeMap::from([
            (
                "volume_id".to_string(),
                str_of(attrs, "volume_id")?.to_string(),
            ),
            (
                "instance_id".to_string(),
                str_of(attrs, "instance_id")?.to_string(),
            ),
            (
                "device_name".to_string(),
                str_of(attrs, "device_name")?.to_string(),
            ),
        ]))
    }

    /// One `DescribeVolumes` call on the identity's volume. An attachment still `attaching`
    /// counts: it is the create that was interrupted.
    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let (Some(volume), Some(instance), Some(device)) = (
            identity.get("volume_id"),
            identity.get("instance_id"),
            identity.get("device_name"),
        ) else {
            return Ok(Vec::new());
        };
        let id = attachment_id(volume, instance);
        Ok(self
            .of_volumes(std::slice::from_ref(volume))
            .await?
            .into_iter()
            .filter(|live| {
                live.id == id && str_of(&live.attrs, "device_name") == Some(device.as_str())
            })
            .collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:AttachVolume";
        let at = |e: ProviderError| e.at(req.address);
        let volume = required_str(req.attrs, "volume_id", OP).map_err(at)?;
        let instance = required_str(req.attrs, "instance_id", OP).map_err(at)?;
        let device = required_str(req.attrs, "device_name", OP).map_err(at)?;
        let ec2 = self.aws.ec2().await?;
        ec2.attach_volume()
            .volume_id(volume)
            .instance_id(instance)
            .device(device)
            .send()
            .await
            .map_err(|e| at(classify(OP, e)))?;
        let mut attrs = Attrs::new();
        put_str(&mut attrs, "volume_id", Some(volume));
        put_str(&mut attrs, "instance_id", Some(instance));
        put_str(&mut attrs, "device_name", Some(device));
        Ok(LiveResource {
            id: attachment_id(volume, instance),
            attrs,
            tags: BTreeMap::new(),
        })
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let name = req.changed.first().map(String::as_str).unwrap_or("?");
        Err(ProviderError::new(
            ErrorClass::Unsupported,
            "ec2:AttachVolume",
            format!("changing `{name}` of a volume attachment in place is not supported: detach and attach again"),
        )
        .at(req.address))
    }

    async fn delete(&self, id: &str, recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "ec2:DetachVolume";
        let (volume, instance) = parse_attachment_id(id).ok_or_else(|| {
            ProviderError::invalid(OP, format!("`{id}` is not a VOLUME:INSTANCE attachment id"))
        })?;
        let ec2 = self.aws.ec2().await?;
        let mut call = ec2.detach_volume().volume_id(volume).instance_id(instance);
        if let Some(device) = str_of(recorded, "device_name") {
            call = call.device(device);
        }
        if let Err(e) = call.send().await {
            let err = classify(OP, e);
            let gone = matches!(
                err.code.as_deref(),
                Some(
                    "InvalidVolume.NotFound"
                        | "InvalidInstanceID.NotFound"
                        | "InvalidAttachment.NotFound"
                        | "IncorrectState"
                )
            );
            // IncorrectState: the volume is no longer attached (already `available`).
            if !gone {
                return Err(err);
            }
        }
        // Deleting the volume right after needs it fully detached.
        Poll::VOLUME
            .until(OP, "the volume to be detached", || async {
                Ok(self.read(&[id.to_string()]).await?.is_empty())
            })
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::VOLUME
            .until(
                "ec2:DescribeVolumes",
                "the volume to be attached",
                || async {
                    let live = self.describe_states(id).await?;
                    Ok(live == Some(VolumeAttachmentState::Attached))
                },
            )
            .await
    }
}

impl VolumeAttachment {
    /// The live attachments of these volumes, one `DescribeVolumes` call per page. Detached
    /// and detaching attachments are left out: they are on their way out.
    async fn of_volumes(&self, volumes: &[String]) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        for (volume, instance, device, state) in self.attachments(volumes).await? {
            if matches!(
                state,
                Some(VolumeAttachmentState::Detached | VolumeAttachmentState::Detaching)
            ) {
                continue;
            }
            let mut attrs = Attrs::new();
            put_str(&mut attrs, "volume_id", Some(&volume));
            put_str(&mut attrs, "instance_id", Some(&instance));
            put_str(&mut attrs, "device_name", device.as_deref());
            out.push(LiveResource {
                id: attachment_id(&volume, &instance),
                attrs,
                tags: BTreeMap::new(),
            });
        }
        Ok(out)
    }

    /// The state of one attachment, None when absent.
    async fn describe_states(
        &self,
        id: &str,
    ) -> Result<Option<VolumeAttachmentState>, ProviderError> {
        let Some((volume, instance)) = parse_attachment_id(id) else {
            return Ok(None);
        };
        Ok(self
            .attachments(&[volume.to_string()])
            .await?
            .into_iter()
            .find(|(_, i, _, _)| i == instance)
            .and_then(|(_, _, _, state)| state))
    }

    /// (volume, instance, device, state) of every attachment of these volumes.
    #[allow(clippy::type_complexity)]
    async fn attachments(
        &self,
        volumes: &[String],
    ) -> Result<
        Vec<(
            String,
            String,
            Option<String>,
            Option<VolumeAttachmentState>,
        )>,
        ProviderError,
    > {
        const OP: &str = "ec2:DescribeVolumes";
        let ec2 = self.aws.ec2().await?;
        let pages = ec2
            .describe_volumes()
            .filters(tags::filter("volume-id", volumes))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(OP, pages, |page| {
            for volume in page.volumes() {
                for a in volume.attachments() {
                    let (Some(v), Some(i)) = (a.volume_id(), a.instance_id()) else {
                        continue;
                    };
                    out.push((
                        v.to_string(),
                        i.to_string(),
                        a.device().map(str::to_string),
                        a.state().cloned(),
                    ));
                }
            }
        })
        .await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_ids_round_trip_and_reject_others() {
        let id = attachment_id("vol-0abc", "i-0def");
        assert_eq!(id, "vol-0abc:i-0def");
        assert_eq!(parse_attachment_id(&id), Some(("vol-0abc", "i-0def")));
        assert_eq!(parse_attachment_id("vol-0abc"), None);
        assert_eq!(parse_attachment_id("/dev/sdf:vol-0abc"), None);
    }
}
