//! `vpc`: a virtual private cloud.

use super::tags;
use crate::aws::attrs::{bool_of, put_bool, put_str, required_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::paging::each_page;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, ResourceType, Tenancy};
use std::sync::{Arc, LazyLock};

/// A VPC (`CreateVpc`).
pub struct Vpc {
    aws: Arc<Aws>,
}

impl Vpc {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Vpc { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "vpc",
        "A virtual private cloud: an isolated network with its own CIDR block",
    )
    .taggable()
    // No IPAM pool support, so the CIDR block is the only way to size the VPC.
    .attr(
        AttrSchema::string("cidr_block")
            .required()
            .replace()
            .doc("IPv4 CIDR block of the VPC, e.g. 10.42.0.0/16"),
    )
    .attr(
        AttrSchema::bool("enable_dns_support")
            .doc("Whether the Amazon DNS server resolves names in the VPC (default true)"),
    )
    .attr(
        AttrSchema::bool("enable_dns_hostnames")
            .doc("Whether instances with public IPs get public DNS hostnames (default false)"),
    )
    // ModifyVpcTenancy only goes from dedicated to default; the other way needs a new VPC.
    .attr(
        AttrSchema::string("instance_tenancy")
            .replace()
            .doc("Tenancy of instances launched in the VPC: default or dedicated"),
    )
    .attr(
        AttrSchema::bool("assign_generated_ipv6_cidr_block")
            .doc("Whether to associate an Amazon-provided /56 IPv6 CIDR block"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the VPC"))
    .attr(
        AttrSchema::computed("ipv6_cidr_block", AttrType::String)
            .doc("The Amazon-provided IPv6 CIDR block, when one is assigned"),
    )
    .attr(
        AttrSchema::computed("default_security_group_id", AttrType::String)
            .doc("Id of the security group AWS created with the VPC"),
    )
    .attr(
        AttrSchema::computed("main_route_table_id", AttrType::String)
            .doc("Id of the route table AWS created with the VPC"),
    )
    .attr(AttrSchema::computed("owner_id", AttrType::String).doc("Account id of the VPC's owner"))
});

#[async_trait]
impl ResourceKind for Vpc {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeVpcs";
        let ec2 = self.aws.ec2().await?;
        let region = self.aws.region().await?;
        let mut out = Vec::new();
        for filters in tags::selection(selector, "vpc-id") {
            let pages = ec2
                .describe_vpcs()
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            each_page(OP, pages, |page| {
                out.extend(page.vpcs().iter().filter_map(|v| live_of(v, &region)))
            })
            .await?;
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:CreateVpc";
        let ec2 = self.aws.ec2().await?;
        let attrs = req.attrs;
        let mut call = ec2
            .create_vpc()
            .cidr_block(required_str(attrs, "cidr_block", OP)?)
            .tag_specifications(tags::spec(ResourceType::Vpc, req.tags));
        if let Some(t) = str_of(attrs, "instance_tenancy") {
            call = call.instance_tenancy(Tenancy::from(t));
        }
        if let Some(ipv6) = bool_of(attrs, "assign_generated_ipv6_cidr_block") {
            call = call.amazon_provided_ipv6_cidr_block(ipv6);
        }
        let created = call
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = created
            .vpc()
            .and_then(|v| v.vpc_id())
            .ok_or_else(|| ProviderError::new(ErrorClass::Other, OP, "no VPC id in the response"))?
            .to_string();
        // DNS settings are separate calls; only send what the configuration sets.
        for name in ["enable_dns_support", "enable_dns_hostnames"] {
            if let Some(value) = bool_of(attrs, name) {
                self.set_dns(&id, name, value)
                    .await
                    .map_err(|e| e.at(req.address))?;
            }
        }
        let mut live = self.read(std::slice::from_ref(&id)).await?;
        let mut resource = live.pop().unwrap_or(LiveResource {
            id: id.clone(),
            attrs: Attrs::new(),
            tags: req.tags.clone(),
        });
        for name in ["enable_dns_support", "enable_dns_hostnames"] {
            put_bool(&mut resource.attrs, name, bool_of(attrs, name));
        }
        self.add_defaults(&id, &mut resource.attrs).await?;
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        for name in req.changed {
            match name.as_str() {
                "enable_dns_support" | "enable_dns_hostnames" => {
                    let value = bool_of(req.after, name).unwrap_or(name == "enable_dns_support");
                    self.set_dns(req.id, name, value)
                        .await
                        .map_err(|e| e.at(req.address))?;
                }
                "assign_generated_ipv6_cidr_block" => {
                    let want = bool_of(req.after, name).unwrap_or(false);
                    self.set_ipv6(req.id, want)
                        .await
                        .map_err(|e| e.at(req.address))?;
                }
                "tags" => {}
                other => {
                    return Err(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:ModifyVpc",
                        format!("changing `{other}` of a VPC in place is not supported"),
                    )
                    .at(req.address))
                }
            }
        }
        let ec2 = self.aws.ec2().await?;
        let mut live = self.read(&[req.id.to_string()]).await?;
        let have = live.first().map(|l| l.tags.clone()).unwrap_or_default();
        tags::sync(ec2, req.id, &have, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        let mut resource = live.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeVpcs",
                "the VPC disappeared during the update",
            )
            .at(req.address)
        })?;
        resource.tags = req.tags.clone();
        for name in [
            "enable_dns_support",
            "enable_dns_hostnames",
            "assign_generated_ipv6_cidr_block",
        ] {
            put_bool(&mut resource.attrs, name, bool_of(req.after, name));
        }
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.delete_vpc()
                .vpc_id(id)
                .send()
                .await
                .map_err(|e| classify("ec2:DeleteVpc", e)),
            &["InvalidVpcID.NotFound"],
        )
    }
}

impl Vpc {
    async fn set_dns(&self, id: &str, name: &str, value: bool) -> Result<(), ProviderError> {
        const OP: &str = "ec2:ModifyVpcAttribute";
        let ec2 = self.aws.ec2().await?;
        let flag = AttributeBooleanValue::builder().value(value).build();
        let call = ec2.modify_vpc_attribute().vpc_id(id);
        let call = if name == "enable_dns_support" {
            call.enable_dns_support(flag)
        } else {
            call.enable_dns_hostnames(flag)
        };
        call.send().await.map_err(|e| classify(OP, e))?;
        Ok(())
    }

    /// Associate an Amazon-provided IPv6 block, or release the ones associated. Both are
    /// idempotent: nothing is called when the VPC already is as wanted.
    async fn set_ipv6(&self, id: &str, want: bool) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let found = ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeVpcs", e))?;
        let associations: Vec<String> = found
            .vpcs()
            .iter()
            .flat_map(|v| v.ipv6_cidr_block_association_set())
            .filter(|a| is_live_association(a))
            .filter_map(|a| a.association_id().map(str::to_string))
            .collect();
        if want && associations.is_empty() {
            ec2.associate_vpc_cidr_block()
                .vpc_id(id)
                .amazon_provided_ipv6_cidr_block(true)
                .send()
                .await
                .map_err(|e| classify("ec2:AssociateVpcCidrBlock", e))?;
        }
        if !want {
            for association in associations {
                ec2.disassociate_vpc_cidr_block()
                    .association_id(association)
                    .send()
                    .await
                    .map_err(|e| classify("ec2:DisassociateVpcCidrBlock", e))?;
            }
        }
        Ok(())
    }

    /// The route table and security group AWS creates with every VPC (read once, at create).
    async fn add_defaults(&self, id: &str, attrs: &mut Attrs) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        let vpc = [id.to_string()];
        let tables = ec2
            .describe_route_tables()
            .filters(tags::filter("vpc-id", &vpc))
            .filters(tags::filter("association.main", &["true".to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeRouteTables", e))?;
        put_str(
            attrs,
            "main_route_table_id",
            tables
                .route_tables()
                .first()
                .and_then(|t| t.route_table_id()),
        );
        let groups = ec2
            .describe_security_groups()
            .filters(tags::filter("vpc-id", &vpc))
            .filters(tags::filter("group-name", &["default".to_string()]))
            .send()
            .await
            .map_err(|e| classify("ec2:DescribeSecurityGroups", e))?;
        put_str(
            attrs,
            "default_security_group_id",
            groups.security_groups().first().and_then(|g| g.group_id()),
        );
        Ok(())
    }
}

/// Whether an IPv6 association still holds its block (released ones linger as `disassociated`).
fn is_live_association(a: &aws_sdk_ec2::types::VpcIpv6CidrBlockAssociation) -> bool {
    use aws_sdk_ec2::types::VpcCidrBlockStateCode as State;
    !matches!(
        a.ipv6_cidr_block_state().and_then(|s| s.state()),
        Some(State::Disassociated | State::Disassociating | State::Failed | State::Failing)
    )
}

/// A VPC as the provider reports it.
fn live_of(vpc: &aws_sdk_ec2::types::Vpc, region: &str) -> Option<LiveResource> {
    let id = vpc.vpc_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "cidr_block", vpc.cidr_block());
    put_str(
        &mut attrs,
        "instance_tenancy",
        vpc.instance_tenancy().map(|t| t.as_str()),
    );
    put_str(&mut attrs, "owner_id", vpc.owner_id());
    let ipv6 = vpc
        .ipv6_cidr_block_association_set()
        .iter()
        .filter(|a| is_live_association(a))
        .find_map(|a| a.ipv6_cidr_block());
    put_str(&mut attrs, "ipv6_cidr_block", ipv6);
    if let Some(owner) = vpc.owner_id() {
        put_str(
            &mut attrs,
            "arn",
            Some(&format!("arn:aws:ec2:{region}:{owner}:vpc/{id}")),
        );
    }
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(vpc.tags()),
    })
}
