//! `instance`: an EC2 instance, on-demand or spot.

use super::instance_market::{fallback_token, Market};
use super::tags;
use crate::aws::attrs::{bool_of, int_of, put_int, put_str, put_str_list, str_list, str_of, table};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, flag, int, string_list, text};
use crate::aws::wait::Poll;
use crate::aws::{meters, Aws};
use crate::provider::BlockField;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CostCategory, CreateRequest, ErrorClass, Invalid, KindSchema,
    LiveResource, Meter, ProviderError, ResourceKind, Selector, SizeLimit, UpdateRequest, Usage,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{
    BlockDeviceMapping, EbsBlockDevice, HttpTokensState, IamInstanceProfileSpecification,
    InstanceMarketOptionsRequest, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest,
    InstanceMetadataTagsState, InstanceNetworkInterfaceSpecification, InstanceStateName,
    InstanceType, MarketType, ResourceType, SpotInstanceType, SpotMarketOptions, VolumeType,
};
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// An EC2 instance (`RunInstances`). Its tags are also applied to the volumes it launches with.
pub struct Instance {
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
            .doc("Instance type, e.g. t3.large or g4dn.xlarge (AWS default m1.small when unset); or give instance_requirements"),
    )
    // Resolved into `instance_type` before planning (`cost::spot::resolve_requirements`), so
    // AWS never sees it; a change picks a new type, and a new type replaces the instance.
    .attr(
        block(
            "instance_requirements",
            vec![
                int("vcpus"),
                BlockField::new("memory_gib", AttrType::Number),
                int("gpus"),
                BlockField::new("gpu_memory_gib", AttrType::Number),
                text("arch"),
            ],
        )
        .replace()
        .doc("Instead of instance_type: the cheapest type meeting these, a table of minimums vcpus, memory_gib, gpus, gpu_memory_gib and an exact arch (x86_64, arm64); spot hosts compare spot prices in the zones they may use, others the catalog's on-demand prices"),
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
            .refers_to(&["subnet"])
            .replace()
            .doc("Id of the subnet to launch in; a default subnet when unset"),
    )
    .attr(
        string_list("vpc_security_group_ids")
            .refers_to(&["security_group"]).unordered()
            .doc("Ids of the security groups attached to the instance's primary interface"),
    )
    .attr(
        AttrSchema::string("key_name")
            .refers_to(&["key_pair"])
            .replace()
            .doc("Name of the key pair allowed to log in over SSH"),
    )
    // Debatable: user data can be modified on a stopped instance, but cloud-init runs it only
    // on first boot, so an in-place change would be recorded without ever taking effect.
    // A new script therefore means a new instance.
    .attr(
        AttrSchema::any("user_data")
            .replace()
            .limit(USER_DATA_LIMIT)
            .doc("Boot script text (e.g. ${template(\"user-data.sh.tpl\")}), at most 16 KiB; longer text is sent gzip-compressed (cloud-init reads it), and refused if still over 16 KiB"),
    )
    .attr(
        AttrSchema::string("iam_instance_profile")
            .refers_to(&["instance_profile"])
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
        block(
            "root_volume",
            vec![int("size_gb"), text("type"), flag("encrypted")],
        )
            .replace()
            .doc("Root volume, a table: size_gb (integer), type (gp3, gp2, io2...), encrypted (bool)"),
    )
    .attr(
        AttrSchema::string("metadata_http_tokens")
            .doc("Instance metadata service tokens: required (IMDSv2 only, recommended) or optional"),
    )
    .attr(
        AttrSchema::int("metadata_http_put_response_hop_limit")
            .range(1, 64)
            .doc("Network hops an IMDSv2 token travels, 1 to 64: 1 keeps it on the host, out of reach of containers on a bridge network; 2 when unset"),
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

/// EC2 takes 16 KiB of user data before base64; cloud-init unpacks gzip, so compressible
/// scripts over that still fit. The text, not the gzip, is what state records and plans
/// compare, and user data is never read back, so compression shows no drift.
pub const USER_DATA_LIMIT: SizeLimit = SizeLimit {
    max_bytes: 16 * 1024,
    gzip: true,
};

/// Root devices are mapped with the image's root device name; encryption is on unless the
/// configuration turns it off explicitly.
const DEFAULT_ROOT_ENCRYPTED: bool = true;
/// Root volume size of the images the shipped stacks launch (Amazon Linux 2023), in GiB.
const DEFAULT_IMAGE_ROOT_GB: i64 = 8;

/// IMDS answers over one network hop by default; 2 lets containers on the host (Docker's
/// bridge adds a hop) reach it with IMDSv2 tokens. A stack whose containers need no instance
/// credentials sets `metadata_http_put_response_hop_limit = 1`.
const METADATA_HOP_LIMIT: i32 = 2;

#[async_trait]
impl ResourceKind for Instance {
    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = match (
            attrs.contains_key("ami"),
            attrs.contains_key("ami_ssm_parameter"),
        ) {
            (true, true) => vec![Invalid::at(
                "ami_ssm_parameter",
                "set either `ami` or `ami_ssm_parameter`, not both",
            )],
            (false, false) => vec![Invalid {
                attr: None,
                message: "set `ami` or `ami_ssm_parameter` to choose the image to launch".into(),
            }],
            _ => Vec::new(),
        };
        if attrs.contains_key("instance_type") && attrs.contains_key("instance_requirements") {
            out.push(Invalid::at(
                "instance_requirements",
                "set either `instance_type` or `instance_requirements`, not both",
            ));
        }
        out
    }

    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        attrs: &Attrs,
        _usage: &Usage<'_>,
        related: &dyn Fn(&str) -> Option<Attrs>,
    ) -> Vec<Meter> {
        let mut out = Vec::new();
        if let Some(ty) = str_of(attrs, "instance_type") {
            out.push(
                Meter::hourly(
                    format!("ec2/{ty}"),
                    CostCategory::Compute,
                    format!("{ty} host"),
                )
                .bought(meters::market_of(str_of(attrs, "market"))),
            );
        }
        let root = table(attrs, "root_volume").cloned().unwrap_or_default();
        // Without a size the image's own is used; the shipped images' is 8 GiB.
        let size = int_of(&root, "size_gb").unwrap_or(DEFAULT_IMAGE_ROOT_GB);
        let ty = str_of(&root, "type").unwrap_or("gp3");
        out.extend(meters::ebs(ty, size, None, None, "root volume"));
        let public = bool_of(attrs, "associate_public_ip_address").unwrap_or_else(|| {
            related("subnet_id")
                .and_then(|s| bool_of(&s, "map_public_ip_on_launch"))
                .unwrap_or(false)
        });
        if public {
            out.push(meters::public_ipv4("public IPv4 address"));
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeInstances";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in tags::selection(selector, "instance-id") {
            let pages = ec2
                .describe_instances()
                .set_filters(Some(filters))
                .set_max_results(self.aws.page_size(None, tags::PAGE_LIMITS))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                for reservation in page.reservations() {
                    for instance in reservation.instances() {
                        // Terminated instances linger in the API for an hour but are gone.
                        let state = instance.state().and_then(|s| s.name());
                        if state == Some(&InstanceStateName::Terminated) {
                            continue;
                        }
                        out.extend(live_of(instance, reservation.owner_id(), &region));
                    }
                }
            })
            .await?;
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:RunInstances";
        let at = |e: ProviderError| e.at(req.address);
        let attrs = req.attrs;
        let market = Market::parse(str_of(attrs, "market"))
            .map_err(|m| at(ProviderError::invalid(OP, m)))?;
        let image = self.image_id(attrs).await.map_err(at)?;
        let root_device = self.root_device(&image).await.map_err(at)?;
        let ec2 = self.aws.ec2().await?;

        let mut volume_tags = req.tags.clone();
        volume_tags.extend(string_map(attrs, "volume_tags"));
        let mut call = ec2
            .run_instances()
            .image_id(&image)
            .min_count(1)
            .max_count(1)
            .block_device_mappings(root_mapping(attrs, &root_device).map_err(at)?)
            .metadata_options(metadata_options(attrs)?)
            .tag_specifications(tags::spec(ResourceType::Instance, req.tags))
            .tag_specifications(tags::spec(ResourceType::Volume, &volume_tags));
        if let Some(t) = str_of(attrs, "instance_type") {
            call = call.instance_type(InstanceType::from(t));
        }
        if let Some(k) = str_of(attrs, "key_name") {
            call = call.key_name(k);
        }
        if let Some(p) = str_of(attrs, "iam_instance_profile") {
            call = call
                .iam_instance_profile(IamInstanceProfileSpecification::builder().name(p).build());
        }
        if let Some(data) = user_data(attrs).map_err(at)? {
            // Checked at plan when the text was known; a text known only now is checked here,
            // before anything is launched.
            let sent = USER_DATA_LIMIT.encode(data).map_err(|fit| {
                at(ProviderError::invalid(
                    OP,
                    format!(
                        "`user_data` is {}",
                        fit.refusal(&USER_DATA_LIMIT).unwrap_or_default()
                    ),
                ))
            })?;
            call = call.user_data(aws_smithy_types::base64::encode(sent));
        }
        let groups = str_list(attrs, "vpc_security_group_ids");
        let subnet = str_of(attrs, "subnet_id");
        match bool_of(attrs, "associate_public_ip_address") {
            // The public-address switch exists only on a network interface specification,
            // which then must carry the subnet and groups too.
            Some(public) => {
                let nic = InstanceNetworkInterfaceSpecification::builder()
                    .device_index(0)
                    .associate_public_ip_address(public)
                    .set_subnet_id(subnet.map(str::to_string))
                    .set_groups((!groups.is_empty()).then_some(groups))
                    .build();
                call = call.network_interfaces(nic);
            }
            None => {
                call = call
                    .set_subnet_id(subnet.map(str::to_string))
                    .set_security_group_ids((!groups.is_empty()).then_some(groups));
            }
        }

        let on_demand = call.clone();
        let launched = if market.tries_spot_first() {
            let spot = call
                .instance_market_options(spot_options(attrs)?)
                .client_token(req.token)
                .send()
                .await
                .map_err(|e| classify(OP, e));
            match spot {
                Ok(r) => r,
                Err(e) if market.falls_back_after(&e) => on_demand
                    .client_token(fallback_token(req.token))
                    .send()
                    .await
                    .map_err(|e| at(classify(OP, e)))?,
                Err(e) => return Err(at(e)),
            }
        } else {
            on_demand
                .client_token(req.token)
                .send()
                .await
                .map_err(|e| at(classify(OP, e)))?
        };
        let region = self.aws.region().await?;
        let instance = launched.instances().first().ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no instance in the response",
            ))
        })?;
        let mut resource = live_of(instance, launched.owner_id(), &region).ok_or_else(|| {
            at(ProviderError::new(
                ErrorClass::Other,
                OP,
                "no instance id in the response",
            ))
        })?;
        if resource.tags.is_empty() {
            resource.tags = req.tags.clone();
        }
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        let ec2 = self.aws.ec2().await?;
        let mut volume_tags_changed = false;
        let mut metadata_sent = false;
        for name in req.changed {
            match name.as_str() {
                "vpc_security_group_ids" => {
                    let groups = str_list(req.after, name);
                    ec2.modify_instance_attribute()
                        .instance_id(req.id)
                        .set_groups(Some(groups))
                        .send()
                        .await
                        .map_err(|e| at(classify("ec2:ModifyInstanceAttribute", e)))?;
                }
                "iam_instance_profile" => self
                    .set_profile(req.id, str_of(req.after, name))
                    .await
                    .map_err(at)?,
                "metadata_http_tokens" | "metadata_http_put_response_hop_limit"
                    if !metadata_sent =>
                {
                    metadata_sent = true;
                    let options = metadata_options(req.after)?;
                    // ModifyInstanceMetadataOptions resets what it is not sent: send all of it.
                    ec2.modify_instance_metadata_options()
                        .instance_id(req.id)
                        .set_http_tokens(options.http_tokens().cloned())
                        .set_http_endpoint(options.http_endpoint().cloned())
                        .set_http_put_response_hop_limit(options.http_put_response_hop_limit())
                        .set_instance_metadata_tags(options.instance_metadata_tags().cloned())
                        .send()
                        .await
                        .map_err(|e| at(classify("ec2:ModifyInstanceMetadataOptions", e)))?;
                }
                // Sent with the other metadata option: one call carries the full set.
                "metadata_http_tokens" | "metadata_http_put_response_hop_limit" => {}
                "volume_tags" | "tags" => volume_tags_changed = true,
                other => {
                    return Err(at(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:ModifyInstanceAttribute",
                        format!("changing `{other}` of an instance in place is not supported"),
                    )))
                }
            }
        }
        let current = self.read_one(req.id).await.map_err(at)?;
        tags::sync(ec2, req.id, &current.tags, req.tags)
            .await
            .map_err(at)?;
        if volume_tags_changed {
            self.sync_root_volume_tags(req).await.map_err(at)?;
        }
        let mut resource = self.read_one(req.id).await.map_err(at)?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "ec2:TerminateInstances";
        let ec2 = self.aws.ec2().await?;
        let terminated = ec2.terminate_instances().instance_ids(id).send().await;
        if terminated.is_err() {
            return absent_ok(
                terminated.map_err(|e| classify(OP, e)),
                &["InvalidInstanceID.NotFound"],
            );
        }
        // What depends on the instance (its security groups, subnet, attached volumes) can be
        // deleted only once it is fully terminated.
        Poll::INSTANCE
            .until(
                "ec2:DescribeInstances",
                "the instance to terminate",
                || async {
                    Ok(matches!(
                        self.state(id).await?,
                        None | Some((InstanceStateName::Terminated, _))
                    ))
                },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        const OP: &str = "ec2:DescribeInstances";
        Poll::INSTANCE
            .until(OP, "the instance to be running", || async {
                match self.state(id).await? {
                    Some((InstanceStateName::Running, _)) => Ok(true),
                    // Not visible yet right after RunInstances, or still booting.
                    None | Some((InstanceStateName::Pending, _)) => Ok(false),
                    Some((state, reason)) => Err(ProviderError::new(
                        ErrorClass::Other,
                        OP,
                        format!(
                            "instance `{id}` is {} instead of running: {}",
                            state.as_str(),
                            reason.unwrap_or_else(|| "no reason given".into())
                        ),
                    )),
                }
            })
            .await
    }
}

impl Instance {
    /// The instance with this id, or a NotFound error.
    async fn read_one(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeInstances",
                format!("instance `{id}` does not exist"),
            )
        })
    }

    /// The state of one instance and the reason AWS gives for it, terminated ones included.
    async fn state(
        &self,
        id: &str,
    ) -> Result<Option<(InstanceStateName, Option<String>)>, ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let page = ec2
            .describe_instances()
            .filters(tags::filter("instance-id", &[id.to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeInstances", e))?;
        Ok(page
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.instance_id() == Some(id))
            .and_then(|i| {
                let state = i.state()?.name()?.clone();
                let reason = i
                    .state_reason()
                    .and_then(|r| r.message())
                    .map(str::to_string);
                Some((state, reason))
            }))
    }

    /// The AMI to launch: `ami`, or the value of the SSM parameter `ami_ssm_parameter`.
    async fn image_id(&self, attrs: &Attrs) -> Result<String, ProviderError> {
        const OP: &str = "ec2:RunInstances";
        match (str_of(attrs, "ami"), str_of(attrs, "ami_ssm_parameter")) {
            (Some(ami), None) => Ok(ami.to_string()),
            (None, Some(name)) => {
                let ssm = self.aws.ssm().await?;
                let got = ssm
                    .get_parameter()
                    .name(name)
                    .send()
                    .await
                    .map_err(|e| classify("ssm:GetParameter", e))?;
                got.parameter()
                    .and_then(|p| p.value())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        ProviderError::new(
                            ErrorClass::NotFound,
                            "ssm:GetParameter",
                            format!("SSM parameter `{name}` has no value"),
                        )
                    })
            }
            (Some(_), Some(_)) => Err(ProviderError::invalid(
                OP,
                "set either `ami` or `ami_ssm_parameter`, not both",
            )),
            (None, None) => Err(ProviderError::invalid(
                OP,
                "set `ami` or `ami_ssm_parameter` to choose the image to launch",
            )),
        }
    }

    /// The root device of an image: its name, to map the root volume's size, type and
    /// encryption, and its size, the default when `root_volume` sets none (a mapping without
    /// a size is refused by some implementations of the API).
    async fn root_device(&self, image: &str) -> Result<RootDevice, ProviderError> {
        const OP: &str = "ec2:DescribeImages";
        let ec2 = self.aws.ec2().await?;
        let found = ec2
            .describe_images()
            .image_ids(image)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        let image_info = found.images().first();
        let name = image_info
            .and_then(|i| i.root_device_name())
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    OP,
                    format!("AMI `{image}` does not exist in this region"),
                )
            })?;
        let size = image_info.and_then(|i| {
            i.block_device_mappings()
                .iter()
                .find(|m| m.device_name() == Some(name))
                .and_then(|m| m.ebs())
                .and_then(|e| e.volume_size())
        });
        Ok(RootDevice {
            name: name.to_string(),
            size_gb: size,
        })
    }

    /// Associate, replace or remove the instance profile.
    async fn set_profile(&self, id: &str, profile: Option<&str>) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let associations = ec2
            .describe_iam_instance_profile_associations()
            .filters(tags::filter("instance-id", &[id.to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeIamInstanceProfileAssociations", e))?;
        let current = associations
            .iam_instance_profile_associations()
            .iter()
            .filter(|a| {
                a.state().map(|s| s.as_str()) == Some("associated")
                    || a.state().map(|s| s.as_str()) == Some("associating")
            })
            .find_map(|a| a.association_id());
        let spec = |name: &str| {
            IamInstanceProfileSpecification::builder()
                .name(name)
                .build()
        };
        match (current, profile) {
            (Some(association), Some(name)) => {
                ec2.replace_iam_instance_profile_association()
                    .association_id(association)
                    .iam_instance_profile(spec(name))
                    .send()
                    .await
                    .map_err(|e| classify("ec2:ReplaceIamInstanceProfileAssociation", e))?;
            }
            (None, Some(name)) => {
                ec2.associate_iam_instance_profile()
                    .instance_id(id)
                    .iam_instance_profile(spec(name))
                    .send()
                    .await
                    .map_err(|e| classify("ec2:AssociateIamInstanceProfile", e))?;
            }
            (Some(association), None) => {
                ec2.disassociate_iam_instance_profile()
                    .association_id(association)
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DisassociateIamInstanceProfile", e))?;
            }
            (None, None) => {}
        }
        Ok(())
    }

    /// Give the root volume the instance's tags plus `volume_tags`, as at launch. Only the
    /// root volume: volumes attached later are resources of their own with their own tags.
    async fn sync_root_volume_tags(&self, req: &UpdateRequest<'_>) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let page = ec2
            .describe_instances()
            .filters(tags::filter("instance-id", &[req.id.to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeInstances", e))?;
        let root = page
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find_map(|i| {
                let name = i.root_device_name()?;
                i.block_device_mappings()
                    .iter()
                    .find(|m| m.device_name() == Some(name))
                    .and_then(|m| m.ebs())
                    .and_then(|e| e.volume_id())
                    .map(str::to_string)
            });
        let Some(volume) = root else { return Ok(()) };
        let described = ec2
            .describe_volumes()
            .filters(tags::filter("volume-id", std::slice::from_ref(&volume)))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeVolumes", e))?;
        let have = described
            .volumes()
            .first()
            .map(|v| tags::from_ec2(v.tags()))
            .unwrap_or_default();
        let mut want = req.tags.clone();
        want.extend(string_map(req.after, "volume_tags"));
        tags::sync(ec2, &volume, &have, &want).await
    }
}

/// The resource as strata records it, from one instance of a describe or launch response.
fn live_of(
    instance: &aws_sdk_ec2::types::Instance,
    owner: Option<&str>,
    region: &str,
) -> Option<LiveResource> {
    let id = instance.instance_id()?;
    let mut attrs = Attrs::new();
    // `ami` is not read back: an instance's image never changes, and a configuration that
    // names it through `ami_ssm_parameter` would otherwise see a difference.
    put_str(
        &mut attrs,
        "instance_type",
        instance.instance_type().map(|t| t.as_str()),
    );
    put_str(&mut attrs, "subnet_id", instance.subnet_id());
    put_str(&mut attrs, "key_name", instance.key_name());
    let groups = instance
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    put_str_list(&mut attrs, "vpc_security_group_ids", groups, true);
    let profile = instance
        .iam_instance_profile()
        .and_then(|p| p.arn())
        .and_then(|arn| arn.rsplit('/').next());
    put_str(&mut attrs, "iam_instance_profile", profile);
    put_str(
        &mut attrs,
        "metadata_http_tokens",
        instance
            .metadata_options()
            .and_then(|m| m.http_tokens())
            .map(|t| t.as_str()),
    );
    put_int(
        &mut attrs,
        "metadata_http_put_response_hop_limit",
        instance
            .metadata_options()
            .and_then(|m| m.http_put_response_hop_limit())
            .map(i64::from),
    );
    put_str(&mut attrs, "public_ip", instance.public_ip_address());
    put_str(
        &mut attrs,
        "public_dns",
        instance.public_dns_name().filter(|s| !s.is_empty()),
    );
    put_str(&mut attrs, "private_ip", instance.private_ip_address());
    put_str(
        &mut attrs,
        "private_dns",
        instance.private_dns_name().filter(|s| !s.is_empty()),
    );
    put_str(
        &mut attrs,
        "availability_zone",
        instance.placement().and_then(|p| p.availability_zone()),
    );
    put_str(
        &mut attrs,
        "spot_instance_request_id",
        instance.spot_instance_request_id(),
    );
    if let Some(owner) = owner {
        let arn = format!("arn:aws:ec2:{region}:{owner}:instance/{id}");
        put_str(&mut attrs, "arn", Some(&arn));
    }
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(instance.tags()),
    })
}

/// A map attribute of strings (`volume_tags`).
fn string_map(attrs: &Attrs, name: &str) -> BTreeMap<String, String> {
    table(attrs, name)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The boot script in clear, when set. A template table must have been rendered by the
/// engine before create; getting one here is a bug upstream, reported rather than ignored.
fn user_data(attrs: &Attrs) -> Result<Option<&str>, ProviderError> {
    match attrs.get("user_data") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ProviderError::invalid(
            "ec2:RunInstances",
            format!(
                "`user_data` must be a rendered string at launch, got a {}",
                other.type_name()
            ),
        )),
    }
}

/// An image's root device.
#[derive(Debug, Clone, PartialEq)]
struct RootDevice {
    /// `/dev/xvda`, `/dev/sda1`…
    name: String,
    /// Size of the image's root snapshot in GiB, when the image says.
    size_gb: Option<i32>,
}

/// The root volume mapping: size and type from `root_volume` (the image's size by default),
/// encrypted unless it says not.
fn root_mapping(attrs: &Attrs, device: &RootDevice) -> Result<BlockDeviceMapping, ProviderError> {
    const OP: &str = "ec2:RunInstances";
    let root = table(attrs, "root_volume").cloned().unwrap_or_default();
    let mut ebs = EbsBlockDevice::builder()
        .delete_on_termination(true)
        .encrypted(bool_of(&root, "encrypted").unwrap_or(DEFAULT_ROOT_ENCRYPTED));
    if let Some(size) = int_of(&root, "size_gb") {
        let size = i32::try_from(size).map_err(|_| {
            ProviderError::invalid(OP, format!("root_volume.size_gb = {size} is out of range"))
        })?;
        ebs = ebs.volume_size(size);
    } else if let Some(size) = device.size_gb {
        ebs = ebs.volume_size(size);
    }
    if let Some(t) = str_of(&root, "type") {
        ebs = ebs.volume_type(VolumeType::from(t));
    }
    if let Some(unknown) = root
        .keys()
        .find(|k| !["size_gb", "type", "encrypted"].contains(&k.as_str()))
    {
        return Err(ProviderError::invalid(
            OP,
            format!("`root_volume` has no key `{unknown}` (size_gb, type, encrypted)"),
        ));
    }
    Ok(BlockDeviceMapping::builder()
        .device_name(&device.name)
        .ebs(ebs.build())
        .build())
}

/// The full metadata options set: IMDSv2 tokens required unless configured otherwise.
fn metadata_options(attrs: &Attrs) -> Result<InstanceMetadataOptionsRequest, ProviderError> {
    let tokens = match str_of(attrs, "metadata_http_tokens").unwrap_or("required") {
        "required" => HttpTokensState::Required,
        "optional" => HttpTokensState::Optional,
        other => {
            return Err(ProviderError::invalid(
                "ec2:ModifyInstanceMetadataOptions",
                format!("`metadata_http_tokens` must be required or optional, not `{other}`"),
            ))
        }
    };
    let hops = match int_of(attrs, "metadata_http_put_response_hop_limit") {
        None => METADATA_HOP_LIMIT,
        Some(n @ 1..=64) => n as i32,
        Some(other) => {
            return Err(ProviderError::invalid(
                "ec2:ModifyInstanceMetadataOptions",
                format!("`metadata_http_put_response_hop_limit` must be 1 to 64, not {other}"),
            ))
        }
    };
    Ok(InstanceMetadataOptionsRequest::builder()
        .http_tokens(tokens)
        .http_endpoint(InstanceMetadataEndpointState::Enabled)
        .http_put_response_hop_limit(hops)
        .instance_metadata_tags(InstanceMetadataTagsState::Disabled)
        .build())
}

/// Spot market options: a one-time request that terminates on interruption, capped at
/// `spot_max_price` when set (else AWS caps at the on-demand price).
fn spot_options(attrs: &Attrs) -> Result<InstanceMarketOptionsRequest, ProviderError> {
    let max_price = match attrs.get("spot_max_price") {
        None => None,
        Some(Value::Int(i)) => Some(i.to_string()),
        Some(Value::Float(f)) => Some(f.to_string()),
        Some(other) => {
            return Err(ProviderError::invalid(
                "ec2:RunInstances",
                format!(
                    "`spot_max_price` must be a number, got a {}",
                    other.type_name()
                ),
            ))
        }
    };
    Ok(InstanceMarketOptionsRequest::builder()
        .market_type(MarketType::Spot)
        .spot_options(
            SpotMarketOptions::builder()
                .spot_instance_type(SpotInstanceType::OneTime)
                .instance_interruption_behavior(
                    aws_sdk_ec2::types::InstanceInterruptionBehavior::Terminate,
                )
                .set_max_price(max_price)
                .build(),
        )
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_mapping_is_encrypted_by_default_and_rejects_unknown_keys() {
        let attrs = Attrs::from([(
            "root_volume".to_string(),
            Value::Map(BTreeMap::from([
                ("size_gb".to_string(), Value::Int(40)),
                ("type".to_string(), Value::str("gp3")),
            ])),
        )]);
        let device = RootDevice {
            name: "/dev/xvda".into(),
            size_gb: Some(8),
        };
        let m = root_mapping(&attrs, &device).expect("mapping");
        let ebs = m.ebs().expect("ebs");
        assert_eq!(m.device_name(), Some("/dev/xvda"));
        assert_eq!(ebs.encrypted(), Some(true));
        assert_eq!(ebs.volume_size(), Some(40));
        assert_eq!(ebs.volume_type(), Some(&VolumeType::Gp3));

        let bad = Attrs::from([(
            "root_volume".to_string(),
            Value::Map(BTreeMap::from([("sise_gb".to_string(), Value::Int(40))])),
        )]);
        assert!(root_mapping(&bad, &device).is_err());
        let image_default = root_mapping(&Attrs::new(), &device).expect("mapping");
        let ebs = image_default.ebs().expect("ebs");
        assert_eq!(ebs.volume_size(), Some(8));
        assert_eq!(ebs.encrypted(), Some(true));
    }

    #[test]
    fn metadata_requires_tokens_unless_told_otherwise() {
        let m = metadata_options(&Attrs::new()).expect("options");
        assert_eq!(m.http_tokens(), Some(&HttpTokensState::Required));
        assert_eq!(m.http_put_response_hop_limit(), Some(METADATA_HOP_LIMIT));
        let optional = Attrs::from([("metadata_http_tokens".to_string(), Value::str("optional"))]);
        assert_eq!(
            metadata_options(&optional).expect("options").http_tokens(),
            Some(&HttpTokensState::Optional)
        );
        let bad = Attrs::from([("metadata_http_tokens".to_string(), Value::str("sometimes"))]);
        assert!(metadata_options(&bad).is_err());
        let hops = |n: i64| {
            metadata_options(&Attrs::from([(
                "metadata_http_put_response_hop_limit".to_string(),
                Value::Int(n),
            )]))
        };
        assert_eq!(
            hops(1).expect("options").http_put_response_hop_limit(),
            Some(1)
        );
        assert!(hops(0).is_err());
        assert!(hops(65).is_err());
    }

    #[test]
    fn user_data_must_be_rendered_text() {
        let text = Attrs::from([("user_data".to_string(), Value::str("#!/bin/sh\necho hi"))]);
        assert_eq!(user_data(&text).expect("text"), Some("#!/bin/sh\necho hi"));
        let table = Attrs::from([("user_data".to_string(), Value::Map(BTreeMap::new()))]);
        assert!(user_data(&table).is_err());
        assert_eq!(user_data(&Attrs::new()).expect("unset"), None);
    }
}
