//! `nat_gateway`: outbound internet (or private) address translation for private subnets.
//!
//! `describe` asks `DescribeNatGateways` with `nat-gateway-id` (ids in batches) or tag filters,
//! and only for gateways in state `pending` or `available`: a `deleting`, `deleted` or `failed`
//! gateway can never carry traffic again (AWS removes failed ones on its own), so it counts as
//! gone, and a create interrupted after a gateway failed makes a new one instead of adopting
//! the dead one. The matches are checked again on the answer (moto ignores tag filters on
//! this call). `wait_ready` and `delete` look at the raw state, failures included.
//!
//! Deleting waits until the gateway is `deleted`: until then its network interface holds the
//! Elastic IP (AWS answers `ReleaseAddress` with `AuthFailure`) and the subnet.
//!
//! moto: a gateway is `available` at once and `deleted` at once; `PrivateIpAddress` is ignored
//! (moto picks a random address).

use super::tags;
use crate::aws::attrs::{put_str, required_str, str_of};
use crate::aws::errors::{absent_ok, classify, classify_code};
use crate::aws::paging::each_page;
use crate::aws::wait::Poll;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::Value;
use async_trait::async_trait;
use aws_sdk_ec2::types::{ConnectivityType, NatGateway as SdkNatGateway, NatGatewayState};
use aws_sdk_ec2::types::{Filter, ResourceType};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// A NAT gateway (`CreateNatGateway`).
pub struct NatGateway {
    aws: Arc<Aws>,
}

impl NatGateway {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        NatGateway { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "nat_gateway",
        "A NAT gateway giving the instances and tasks of private subnets outbound access",
    )
    .usage(crate::provider::UsageKey::new(
        "gb_processed",
        "GB",
        100.0,
        "Data the gateway processes a month, both directions",
    ))
    .taggable()
    // EC2 has no API to move a gateway, change its address or its connectivity: all replace.
    .attr(
        AttrSchema::string("subnet_id")
            .required()
            .replace()
            .refers_to(&["subnet"])
            .doc("Id of the (public, for a public gateway) subnet the gateway lives in"),
    )
    .attr(
        AttrSchema::string("allocation_id")
            .replace()
            .refers_to(&["elastic_ip"])
            .doc("Allocation id of the Elastic IP of a public gateway (required when public)"),
    )
    .attr(
        AttrSchema::string("connectivity_type")
            .replace()
            .doc("public (default: to the internet, with an Elastic IP) or private"),
    )
    .attr(
        AttrSchema::string("private_ip")
            .optional_computed()
            .replace()
            .doc("Private IPv4 address of the gateway in its subnet; chosen by AWS when unset"),
    )
    .attr(
        AttrSchema::computed("public_ip", AttrType::String)
            .doc("Public IPv4 address of a public gateway (its Elastic IP)"),
    )
    .attr(
        AttrSchema::computed("network_interface_id", AttrType::String)
            .doc("Id of the network interface AWS made for the gateway"),
    )
});

/// The codes EC2 answers for a gateway that does not exist.
const GONE: &[&str] = &["NatGatewayNotFound", "InvalidNatGatewayID.NotFound"];

const DESCRIBE: &str = "ec2:DescribeNatGateways";

/// Creating a NAT gateway takes a few minutes on AWS, deleting one about one.
const READY_TIMEOUT: Duration = Duration::from_secs(900);

#[async_trait]
impl ResourceKind for NatGateway {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        _attrs: &crate::provider::Attrs,
        usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::provider::{CostCategory, Meter};
        vec![
            Meter::hourly("nat/hour", CostCategory::Network, "NAT gateway hours"),
            Meter::new(
                "nat/gb",
                usage.get("gb_processed"),
                CostCategory::Network,
                "data processed",
            )
            .from_usage("gb_processed"),
        ]
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let connectivity = match attrs.get("connectivity_type") {
            None => "public",
            Some(Value::String(c)) => c.as_str(),
            Some(_) => return Vec::new(),
        };
        match connectivity {
            "public" if !attrs.contains_key("allocation_id") => vec![Invalid::at(
                "allocation_id",
                "a public NAT gateway needs `allocation_id` (an elastic_ip's allocation id); \
                 set `connectivity_type = \"private\"` for a gateway without one",
            )],
            "private" if attrs.contains_key("allocation_id") => vec![Invalid::at(
                "allocation_id",
                "a private NAT gateway takes no `allocation_id`",
            )],
            "public" | "private" => Vec::new(),
            other => vec![Invalid::at(
                "connectivity_type",
                format!("`connectivity_type` is public or private, not `{other}`"),
            )],
        }
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let mut out = Vec::new();
        for mut filters in tags::selection(selector, "nat-gateway-id") {
            filters.push(
                Filter::builder()
                    .name("state")
                    .values("pending")
                    .values("available")
                    .build(),
            );
            for gateway in self.raw(filters).await? {
                if !matches!(
                    gateway.state(),
                    Some(NatGatewayState::Pending | NatGatewayState::Available)
                ) {
                    continue;
                }
                if let Some(live) = live_of(&gateway).filter(|l| selector.matches(l)) {
                    out.push(live);
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateNatGateway";
        let ec2 = self.aws.ec2().await?;
        let subnet = required_str(req.attrs, "subnet_id", OP).map_err(|e| e.at(req.address))?;
        let connectivity = str_of(req.attrs, "connectivity_type").unwrap_or("public");
        let created = ec2
            .create_nat_gateway()
            .subnet_id(subnet)
            .set_allocation_id(str_of(req.attrs, "allocation_id").map(str::to_string))
            .connectivity_type(ConnectivityType::from(connectivity))
            .set_private_ip_address(str_of(req.attrs, "private_ip").map(str::to_string))
            .client_token(req.token)
            .tag_specifications(tags::spec(ResourceType::Natgateway, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let mut live = created.nat_gateway().and_then(live_of).ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no NAT gateway id in the response")
                .at(req.address)
        })?;
        if live.tags.is_empty() {
            // Tags went in the create call; some endpoints just do not echo them.
            live.tags = req.tags.clone();
        }
        put_str(&mut live.attrs, "connectivity_type", Some(connectivity));
        Ok(live)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        if let Some(other) = req.changed.iter().find(|n| n.as_str() != "tags") {
            return Err(ProviderError::new(
                ErrorClass::Unsupported,
                "ec2:CreateNatGateway",
                format!("changing `{other}` of a NAT gateway in place is not supported"),
            )
            .at(req.address));
        }
        let mut current = self
            .read(&[req.id.to_string()])
            .await?
            .pop()
            .ok_or_else(|| {
                ProviderError::new(
                    ErrorClass::NotFound,
                    DESCRIBE,
                    format!("NAT gateway {} is not visible", req.id),
                )
                .at(req.address)
            })?;
        let ec2 = self.aws.ec2().await?;
        tags::sync(ec2, req.id, &current.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        current.tags = req.tags.clone();
        Ok(current)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // Read first: a gateway already `deleted` stays visible for a while, and deleting it
        // again is not something to rely on (moto fails on an unknown id).
        let Some(state) = self.state_of(id).await? else {
            return Ok(());
        };
        if !matches!(state, NatGatewayState::Deleting | NatGatewayState::Deleted) {
            let ec2 = self.aws.ec2().await?;
            absent_ok(
                ec2.delete_nat_gateway()
                    .nat_gateway_id(id)
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DeleteNatGateway", e)),
                GONE,
            )?;
        }
        // Its interface holds the Elastic IP and the subnet until the gateway is `deleted`.
        Poll::within(READY_TIMEOUT)
            .until(
                DESCRIBE,
                &format!("NAT gateway {id} to be deleted"),
                || async {
                    Ok(matches!(
                        self.state_of(id).await?,
                        None | Some(NatGatewayState::Deleted)
                    ))
                },
            )
            .await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        Poll::within(READY_TIMEOUT)
            .until(DESCRIBE, &format!("NAT gateway {id} to be available"), || async {
                let gateway = self.one(id).await?;
                match gateway.as_ref().and_then(|g| g.state()) {
                    Some(NatGatewayState::Available) => Ok(true),
                    Some(NatGatewayState::Failed) => Err(failure(id, gateway.as_ref())),
                    Some(NatGatewayState::Deleting | NatGatewayState::Deleted) => {
                        Err(ProviderError::new(
                            ErrorClass::Other,
                            DESCRIBE,
                            format!("NAT gateway {id} is being deleted instead of becoming available"),
                        ))
                    }
                    // Pending, or not visible yet right after the create.
                    _ => Ok(false),
                }
            })
            .await
    }
}

impl NatGateway {
    /// Every gateway matching `filters`, whatever its state (one call per page).
    async fn raw(&self, filters: Vec<Filter>) -> Result<Vec<SdkNatGateway>, ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let pages = ec2
            .describe_nat_gateways()
            .set_filter(Some(filters))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(DESCRIBE, pages, |page| {
            out.extend(page.nat_gateways().iter().cloned())
        })
        .await?;
        Ok(out)
    }

    /// The gateway `id` in whatever state, if EC2 still shows it.
    async fn one(&self, id: &str) -> Result<Option<SdkNatGateway>, ProviderError> {
        let found = self
            .raw(vec![tags::filter("nat-gateway-id", &[id.to_string()])])
            .await?;
        Ok(found.into_iter().find(|g| g.nat_gateway_id() == Some(id)))
    }

    async fn state_of(&self, id: &str) -> Result<Option<NatGatewayState>, ProviderError> {
        Ok(self.one(id).await?.and_then(|g| g.state().cloned()))
    }
}

/// The error of a gateway that reached `failed`, with AWS's reason.
fn failure(id: &str, gateway: Option<&SdkNatGateway>) -> ProviderError {
    let code = gateway.and_then(|g| g.failure_code());
    let reason = gateway
        .and_then(|g| g.failure_message())
        .unwrap_or("no failure message");
    // The wait must end here, whatever the code would mean elsewhere.
    let class = match classify_code(code, None) {
        c if c.is_retryable() => ErrorClass::Other,
        c => c,
    };
    let mut err = ProviderError::new(
        class,
        DESCRIBE,
        format!("NAT gateway {id} failed: {reason}"),
    );
    if let Some(code) = code {
        err = err.with_code(code);
    }
    err
}

/// A gateway as the provider reports it (from a describe or the create response).
fn live_of(gateway: &SdkNatGateway) -> Option<LiveResource> {
    let id = gateway.nat_gateway_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "subnet_id", gateway.subnet_id());
    put_str(
        &mut attrs,
        "connectivity_type",
        gateway.connectivity_type().map(|c| c.as_str()),
    );
    // The primary address (the first, on APIs that do not mark it).
    let addresses = gateway.nat_gateway_addresses();
    let primary = addresses
        .iter()
        .find(|a| a.is_primary() == Some(true))
        .or_else(|| addresses.first());
    if let Some(address) = primary {
        put_str(&mut attrs, "allocation_id", address.allocation_id());
        put_str(&mut attrs, "public_ip", address.public_ip());
        put_str(&mut attrs, "private_ip", address.private_ip());
        put_str(
            &mut attrs,
            "network_interface_id",
            address.network_interface_id(),
        );
    }
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(gateway.tags()),
    })
}
