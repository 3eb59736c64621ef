//! `internet_gateway`: a VPC's route to the internet.

use super::tags;
use crate::address::Address;
use crate::aws::attrs::{put_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use std::sync::{Arc, LazyLock};

/// An internet gateway (`CreateInternetGateway` + `AttachInternetGateway`).
pub struct InternetGateway {
    aws: Arc<Aws>,
}

impl InternetGateway {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        InternetGateway { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "internet_gateway",
        "An internet gateway, attached to a VPC to give it a route to the internet",
    )
    .taggable()
    // Detach + attach moves a gateway between VPCs without recreating it.
    .attr(
        AttrSchema::string("vpc_id")
            .refers_to(&["vpc"])
            .doc("Id of the VPC to attach the gateway to; unset leaves it detached"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the internet gateway"))
    .attr(
        AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the gateway's owner"),
    )
});

/// The code EC2 answers for a gateway that does not exist.
const NOT_FOUND: &str = "InvalidInternetGatewayID.NotFound";

#[async_trait]
impl ResourceKind for InternetGateway {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeInternetGateways";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in tags::selection(selector, "internet-gateway-id") {
            let pages = ec2
                .describe_internet_gateways()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(
                    page.internet_gateways()
                        .iter()
                        .filter_map(|g| live_of(g, &region)),
                )
            })
            .await?;
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateInternetGateway";
        let ec2 = self.aws.ec2().await?;
        let created = ec2
            .create_internet_gateway()
            .tag_specifications(tags::spec(ResourceType::InternetGateway, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let region = self.aws.region().await?;
        let mut live = created
            .internet_gateway()
            .and_then(|g| live_of(g, &region))
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no gateway id in the response")
            })?;
        if live.tags.is_empty() {
            // Tags went in the create call; some endpoints just do not echo them.
            live.tags = req.tags.clone();
        }
        if let Some(vpc) = str_of(req.attrs, "vpc_id") {
            self.attach(&live.id, vpc)
                .await
                .map_err(|e| e.at(req.address))?;
            put_str(&mut live.attrs, "vpc_id", Some(vpc));
        }
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let current = self.read_one(req.id, req.address).await?;
        for name in req.changed {
            match name.as_str() {
                "vpc_id" => {
                    // A gateway is attached to at most one VPC: leave the old before joining
                    // the new one.
                    let have = str_of(&current.attrs, "vpc_id");
                    let want = str_of(req.after, "vpc_id");
                    if have != want {
                        if let Some(old) = have {
                            self.detach(req.id, old)
                                .await
                                .map_err(|e| e.at(req.address))?;
                        }
                        if let Some(new) = want {
                            self.attach(req.id, new)
                                .await
                                .map_err(|e| e.at(req.address))?;
                        }
                    }
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:AttachInternetGateway",
                        format!(
                            "changing `{other}` of an internet gateway in place is not supported"
                        ),
                    )
                    .at(req.address))
                }
            }
        }
        let ec2 = self.aws.ec2().await?;
        tags::sync(ec2, req.id, &current.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        let mut live = current;
        live.tags = req.tags.clone();
        live.attrs.remove("vpc_id");
        put_str(&mut live.attrs, "vpc_id", str_of(req.after, "vpc_id"));
        Ok(live)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // AWS refuses to delete an attached gateway: detach from whatever VPC it is attached
        // to now (not only the recorded one, which may have drifted).
        let live = self.read(&[id.to_string()]).await?;
        let Some(gateway) = live.first() else {
            return Ok(());
        };
        if let Some(vpc) = str_of(&gateway.attrs, "vpc_id") {
            match self.detach(id, vpc).await {
                Ok(()) => {}
                Err(e) if is_gone(&e) || e.code.as_deref() == Some("Gateway.NotAttached") => {}
                Err(e) => return Err(e),
            }
        }
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.delete_internet_gateway()
                .internet_gateway_id(id)
                .send()
                .await
                .map_err(|e| classify("ec2:DeleteInternetGateway", e)),
            &[NOT_FOUND],
        )
    }
}

/// Whether the error says the gateway no longer exists.
fn is_gone(err: &ProviderError) -> bool {
    err.code.as_deref() == Some(NOT_FOUND)
}

impl InternetGateway {
    async fn read_one(&self, id: &str, address: &Address) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeInternetGateways",
                format!("internet gateway {id} is not visible"),
            )
            .at(address)
        })
    }

    async fn attach(&self, id: &str, vpc: &str) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        ec2.attach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(|e| classify("ec2:AttachInternetGateway", e))?;
        Ok(())
    }

    async fn detach(&self, id: &str, vpc: &str) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        ec2.detach_internet_gateway()
            .internet_gateway_id(id)
            .vpc_id(vpc)
            .send()
            .await
            .map_err(|e| classify("ec2:DetachInternetGateway", e))?;
        Ok(())
    }
}

/// A gateway as the provider reports it (from a describe or the create response).
fn live_of(gateway: &aws_sdk_ec2::types::InternetGateway, region: &str) -> Option<LiveResource> {
    let id = gateway.internet_gateway_id()?;
    let mut attrs = Attrs::new();
    // Attachments that are being torn down do not count as the gateway's VPC.
    let vpc = gateway
        .attachments()
        .iter()
        .find(|a| {
            !matches!(
                a.state().map(|s| s.as_str()),
                Some("detaching") | Some("detached")
            )
        })
        .and_then(|a| a.vpc_id());
    // Detached is a value (`null`), not an attribute the read cannot return: a gateway
    // detached outside strata, or whose attach call never happened, shows as a change.
    match vpc {
        Some(vpc) => put_str(&mut attrs, "vpc_id", Some(vpc)),
        None => {
            attrs.insert("vpc_id".into(), Value::Null);
        }
    }
    put_str(&mut attrs, "owner_id", gateway.owner_id());
    if let Some(owner) = gateway.owner_id() {
        put_str(
            &mut attrs,
            "arn",
            Some(&format!(
                "arn:aws:ec2:{region}:{owner}:internet-gateway/{id}"
            )),
        );
    }
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(gateway.tags()),
    })
}
