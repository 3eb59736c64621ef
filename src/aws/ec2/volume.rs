//! `volume`: an EBS volume.

use super::tags;
use crate::aws::attrs::{bool_of, int_of, put_bool, put_int, put_str, required_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{ResourceType, VolumeState, VolumeType};
use std::sync::{Arc, LazyLock};

/// An EBS volume (`CreateVolume`, `ModifyVolume`).
pub struct Volume {
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
            .range(1, 65536)
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

#[async_trait]
impl ResourceKind for Volume {
    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        // An unknown type (set by a reference) satisfies every rule until apply.
        let ty = match attrs.get("type") {
            None => "gp3",
            Some(Value::String(t)) => t.as_str(),
            Some(_) => return Vec::new(),
        };
        let mut broken = Vec::new();
        if attrs.contains_key("throughput") && ty != "gp3" {
            broken.push(Invalid::at(
                "throughput",
                format!("`throughput` is for gp3 volumes, not {ty}"),
            ));
        }
        if attrs.contains_key("iops") && !["gp3", "io1", "io2"].contains(&ty) {
            broken.push(Invalid::at(
                "iops",
                format!("`iops` is for gp3, io1 and io2 volumes, not {ty}"),
            ));
        }
        broken
    }

    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &crate::provider::Attrs,
        _usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::aws::attrs::{int_of, str_of};
        let (Some(size), ty) = (
            int_of(attrs, "size_gb"),
            str_of(attrs, "type").unwrap_or("gp2"),
        ) else {
            return Vec::new();
        };
        crate::aws::meters::ebs(
            ty,
            size,
            int_of(attrs, "iops"),
            int_of(attrs, "throughput"),
            "volume",
        )
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeVolumes";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in tags::selection(selector, "volume-id") {
            let pages = ec2
                .describe_volumes()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(page.volumes().iter().filter_map(|v| live_of(v, &region)))
            })
            .await?;
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateVolume";
        let ec2 = self.aws.ec2().await?;
        let attrs = req.attrs;
        let at = |e: ProviderError| e.at(req.address);
        let mut call = ec2
            .create_volume()
            .availability_zone(required_str(attrs, "availability_zone", OP).map_err(at)?)
            .volume_type(VolumeType::from(str_of(attrs, "type").unwrap_or("gp3")))
            .tag_specifications(tags::spec(ResourceType::Volume, req.tags))
            .client_token(req.token);
        if let Some(size) = int_of(attrs, "size_gb") {
            call = call.size(to_i32(size, "size_gb", OP).map_err(at)?);
        }
        if let Some(iops) = int_of(attrs, "iops") {
            call = call.iops(to_i32(iops, "iops", OP).map_err(at)?);
        }
        if let Some(throughput) = int_of(attrs, "throughput") {
            call = call.throughput(to_i32(throughput, "throughput", OP).map_err(at)?);
        }
        if let Some(snapshot) = str_of(attrs, "snapshot_id") {
            call = call.snapshot_id(snapshot);
        }
        if let Some(encrypted) = bool_of(attrs, "encrypted") {
            call = call.encrypted(encrypted);
        }
        if let Some(key) = str_of(attrs, "kms_key_id") {
            call = call.kms_key_id(key);
        }
        let created = call.send().await.map_err(|e| at(classify(OP, e)))?;
        let id = created.volume_id().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no volume id in the response",
            ))
        })?;
        let mut live = self.read(&[id.to_string()]).await?;
        Ok(live.pop().unwrap_or_else(|| LiveResource {
            id: id.to_string(),
            attrs: Attrs::new(),
            tags: req.tags.clone(),
        }))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:ModifyVolume";
        let at = |e: ProviderError| e.at(req.address);
        let ec2 = self.aws.ec2().await?;
        let mut call = ec2.modify_volume().volume_id(req.id);
        let mut modify = false;
        for name in req.changed {
            match name.as_str() {
                "size_gb" | "iops" | "throughput" => {
                    let value = int_of(req.after, name).ok_or_else(|| {
                        at(ProviderError::new(
                            ErrorClass::Unsupported,
                            OP,
                            format!("`{name}` of a volume cannot be unset in place"),
                        ))
                    })?;
                    let value = to_i32(value, name, OP).map_err(at)?;
                    call = match name.as_str() {
                        "size_gb" => call.size(value),
                        "iops" => call.iops(value),
                        _ => call.throughput(value),
                    };
                    modify = true;
                }
                "type" => {
                    let t = str_of(req.after, "type").unwrap_or("gp3");
                    call = call.volume_type(VolumeType::from(t));
                    modify = true;
                }
                "tags" => {}
                other => {
                    return Err(at(ProviderError::new(
                        ErrorClass::Unsupported,
                        OP,
                        format!("changing `{other}` of a volume in place is not supported"),
                    )))
                }
            }
        }
        if modify {
            call.send().await.map_err(|e| at(classify(OP, e)))?;
        }
        let mut live = self.read(&[req.id.to_string()]).await?;
        let mut resource = live.pop().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeVolumes",
                "the volume disappeared during the update",
            ))
        })?;
        tags::sync(ec2, req.id, &resource.tags, req.tags)
            .await
            .map_err(at)?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    /// A new volume is `creating` until EBS has allocated it; attaching it before it is
    /// `available` fails with IncorrectState.
    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        const OP: &str = "ec2:DescribeVolumes";
        Poll::VOLUME
            .until(OP, "the volume to be available", || async {
                match self.state(id).await? {
                    Some(VolumeState::Available | VolumeState::InUse) => Ok(true),
                    // Not visible yet right after CreateVolume, or still being allocated.
                    None | Some(VolumeState::Creating) => Ok(false),
                    Some(state) => Err(ProviderError::new(
                        ErrorClass::Other,
                        OP,
                        format!("volume `{id}` is {} instead of available", state.as_str()),
                    )),
                }
            })
            .await
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.delete_volume()
                .volume_id(id)
                .send()
                .await
                .map_err(|e| classify("ec2:DeleteVolume", e)),
            &["InvalidVolume.NotFound"],
        )
    }
}

/// An integer attribute as the `i32` the EC2 API takes.
fn to_i32(value: i64, name: &str, op: &str) -> Result<i32, ProviderError> {
    i32::try_from(value)
        .map_err(|_| ProviderError::invalid(op, format!("`{name}` = {value} is out of range")))
}

impl Volume {
    /// The volume's state, `None` while it is not visible.
    async fn state(&self, id: &str) -> Result<Option<VolumeState>, ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let found = ec2
            .describe_volumes()
            .filters(tags::filter("volume-id", &[id.to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeVolumes", e))?;
        Ok(found.volumes().first().and_then(|v| v.state()).cloned())
    }
}

/// A volume as the provider reports it.
fn live_of(volume: &aws_sdk_ec2::types::Volume, region: &str) -> Option<LiveResource> {
    let id = volume.volume_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "availability_zone", volume.availability_zone());
    put_int(&mut attrs, "size_gb", volume.size().map(i64::from));
    put_str(&mut attrs, "type", volume.volume_type().map(|t| t.as_str()));
    put_int(&mut attrs, "iops", volume.iops().map(i64::from));
    put_int(&mut attrs, "throughput", volume.throughput().map(i64::from));
    put_bool(&mut attrs, "encrypted", volume.encrypted());
    put_str(&mut attrs, "kms_key_id", volume.kms_key_id());
    // An empty snapshot id means "created empty", the same as unset.
    put_str(
        &mut attrs,
        "snapshot_id",
        volume.snapshot_id().filter(|s| !s.is_empty()),
    );
    let arn = match (volume.volume_arn(), volume.owner_id()) {
        (Some(arn), _) => Some(arn.to_string()),
        (None, Some(owner)) => Some(format!("arn:aws:ec2:{region}:{owner}:volume/{id}")),
        (None, None) => None,
    };
    put_str(&mut attrs, "arn", arn.as_deref());
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(volume.tags()),
    })
}
