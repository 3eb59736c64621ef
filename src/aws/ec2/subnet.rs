//! `subnet`: a range of a VPC's addresses in one availability zone.

use super::tags;
use crate::aws::attrs::{bool_of, put_bool, put_str, required_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, SubnetState};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// A subnet (`CreateSubnet`).
pub struct Subnet {
    aws: Arc<Aws>,
}

impl Subnet {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Subnet { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "subnet",
        "A range of a VPC's addresses in one availability zone",
    )
    .taggable()
    .attr(
        AttrSchema::string("vpc_id")
            .refers_to(&["vpc"])
            .required()
            .replace()
            .doc("Id of the VPC the subnet belongs to"),
    )
    .attr(
        AttrSchema::string("cidr_block")
            .required()
            .replace()
            .doc("IPv4 CIDR block of the subnet, inside the VPC's block"),
    )
    .attr(
        AttrSchema::string("availability_zone")
            .optional_computed()
            .replace()
            .doc("Availability zone, e.g. us-east-1a; AWS picks one when unset"),
    )
    .attr(
        AttrSchema::bool("map_public_ip_on_launch")
            .doc("Whether instances launched here get a public IPv4 address (default false)"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the subnet"))
    .attr(
        AttrSchema::computed("availability_zone_id", AttrType::String)
            .doc("Zone id, e.g. use1-az4, stable across accounts"),
    )
    .attr(
        AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the subnet's owner"),
    )
});

/// How long `wait_ready` waits for a subnet to leave `pending`.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

#[async_trait]
impl ResourceKind for Subnet {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeSubnets";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in tags::selection(selector, "subnet-id") {
            let pages = ec2
                .describe_subnets()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(page.subnets().iter().filter_map(|s| live_of(s, &region)))
            })
            .await?;
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateSubnet";
        let ec2 = self.aws.ec2().await?;
        let attrs = req.attrs;
        let created = ec2
            .create_subnet()
            .vpc_id(required_str(attrs, "vpc_id", OP)?)
            .cidr_block(required_str(attrs, "cidr_block", OP)?)
            .set_availability_zone(str_of(attrs, "availability_zone").map(str::to_string))
            .tag_specifications(tags::spec(ResourceType::Subnet, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let region = self.aws.region().await?;
        // The create response holds the whole subnet: no describe needed (nor racing AWS's
        // eventual consistency).
        let mut live = created
            .subnet()
            .and_then(|s| live_of(s, &region))
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no subnet id in the response")
            })?;
        if live.tags.is_empty() {
            // Tags went in the create call; some endpoints just do not echo them.
            live.tags = req.tags.clone();
        }
        // CreateSubnet has no parameter for it: the public-IP switch is a separate attribute
        // call, sent only when the configuration asks for it.
        if bool_of(attrs, "map_public_ip_on_launch") == Some(true) {
            self.set_public_ip(&live.id, true)
                .await
                .map_err(|e| e.at(req.address))?;
            live.attrs
                .insert("map_public_ip_on_launch".into(), Value::Bool(true));
        }
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        for name in req.changed {
            match name.as_str() {
                "map_public_ip_on_launch" => {
                    let value = bool_of(req.after, name).unwrap_or(false);
                    self.set_public_ip(req.id, value)
                        .await
                        .map_err(|e| e.at(req.address))?;
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:ModifySubnetAttribute",
                        format!("changing `{other}` of a subnet in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        let ec2 = self.aws.ec2().await?;
        let before = self.read_one(req.id, req.address).await?;
        tags::sync(ec2, req.id, &before.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        Ok(LiveResource {
            tags: req.tags.clone(),
            ..before
        })
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.delete_subnet()
                .subnet_id(id)
                .send()
                .await
                .map_err(|e| classify("ec2:DeleteSubnet", e)),
            &["InvalidSubnetID.NotFound"],
        )
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        const OP: &str = "ec2:DescribeSubnets";
        let ec2 = self.aws.ec2().await?;
        Poll::within(READY_TIMEOUT)
            .until(OP, "the subnet to be available", || async {
                let page = ec2
                    .describe_subnets()
                    .filters(tags::filter("subnet-id", &[id.to_string()]))
                    .send()
                    .await
                    .map_err(|e| classify(OP, e))?;
                let state = page.subnets().first().and_then(|s| s.state().cloned());
                Ok(state == Some(SubnetState::Available))
            })
            .await
    }
}

impl Subnet {
    /// The subnet as read now; NotFound when it vanished.
    async fn read_one(
        &self,
        id: &str,
        address: &crate::address::Address,
    ) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeSubnets",
                format!("subnet {id} is not visible"),
            )
            .at(address)
        })
    }

    async fn set_public_ip(&self, id: &str, value: bool) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        ec2.modify_subnet_attribute()
            .subnet_id(id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(value).build())
            .send()
            .await
            .map_err(|e| classify("ec2:ModifySubnetAttribute", e))?;
        Ok(())
    }
}

/// A subnet as the provider reports it (from a describe or the create response).
fn live_of(subnet: &aws_sdk_ec2::types::Subnet, region: &str) -> Option<LiveResource> {
    let id = subnet.subnet_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "vpc_id", subnet.vpc_id());
    put_str(&mut attrs, "cidr_block", subnet.cidr_block());
    put_str(&mut attrs, "availability_zone", subnet.availability_zone());
    put_str(
        &mut attrs,
        "availability_zone_id",
        subnet.availability_zone_id(),
    );
    put_bool(
        &mut attrs,
        "map_public_ip_on_launch",
        subnet.map_public_ip_on_launch(),
    );
    put_str(&mut attrs, "owner_id", subnet.owner_id());
    let arn = match (subnet.subnet_arn(), subnet.owner_id()) {
        (Some(arn), _) => Some(arn.to_string()),
        (None, Some(owner)) => Some(format!("arn:aws:ec2:{region}:{owner}:subnet/{id}")),
        (None, None) => None,
    };
    put_str(&mut attrs, "arn", arn.as_deref());
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(subnet.tags()),
    })
}
