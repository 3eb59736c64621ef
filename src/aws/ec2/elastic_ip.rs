//! `elastic_ip`: a static public IPv4 address.

use super::tags;
use crate::aws::attrs::{put_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_ec2::types::{DomainType, ResourceType};
use std::sync::{Arc, LazyLock};

/// An Elastic IP address (`AllocateAddress`, `AssociateAddress`).
pub struct ElasticIp {
    aws: Arc<Aws>,
}

impl ElasticIp {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        ElasticIp { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "elastic_ip",
        "A static public IPv4 address, optionally associated with an instance",
    )
    .taggable()
    // Associate/disassociate moves the address without releasing it.
    .attr(
        AttrSchema::string("instance_id")
            .refers_to(&["instance"])
            .doc("Id of the instance to associate the address with; unset leaves it unassociated"),
    )
    .attr(
        AttrSchema::computed("public_ip", AttrType::String)
            .doc("The allocated public IPv4 address"),
    )
    .attr(
        AttrSchema::computed("allocation_id", AttrType::String)
            .doc("Allocation id of the address (eipalloc-...)"),
    )
    .attr(
        AttrSchema::computed("association_id", AttrType::String)
            .doc("Id of the current association, when associated"),
    )
    .attr(
        AttrSchema::computed("private_ip", AttrType::String)
            .doc("Private address the public address maps to, when associated"),
    )
});

#[async_trait]
impl ResourceKind for ElasticIp {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        _attrs: &crate::provider::Attrs,
        _usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        vec![crate::aws::meters::public_ipv4("Elastic IP address")]
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeAddresses";
        let ec2 = self.aws.ec2().await?;
        let mut out = Vec::new();
        // One call per filter set: the API does not paginate (the SDK has no paginator).
        for filters in tags::selection(selector, "allocation-id") {
            let page = ec2
                .describe_addresses()
                .set_filters(Some(filters))
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
            out.extend(page.addresses().iter().filter_map(live_of));
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:AllocateAddress";
        let ec2 = self.aws.ec2().await?;
        let allocated = ec2
            .allocate_address()
            .domain(DomainType::Vpc)
            .tag_specifications(tags::spec(ResourceType::ElasticIp, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = allocated.allocation_id().ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no allocation id in the response")
                .at(req.address)
        })?;
        if let Some(instance) = str_of(req.attrs, "instance_id") {
            self.associate(id, instance)
                .await
                .map_err(|e| e.at(req.address))?;
        }
        let mut live = self.read(&[id.to_string()]).await?;
        Ok(live.pop().unwrap_or_else(|| {
            let mut attrs = Attrs::new();
            put_str(&mut attrs, "allocation_id", Some(id));
            put_str(&mut attrs, "public_ip", allocated.public_ip());
            LiveResource {
                id: id.to_string(),
                attrs,
                tags: req.tags.clone(),
            }
        }))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        let ec2 = self.aws.ec2().await?;
        let current = self.read_one(req.id).await.map_err(at)?;
        for name in req.changed {
            match name.as_str() {
                "instance_id" => match str_of(req.after, "instance_id") {
                    // Reassociation moves the address in one call, without a gap.
                    Some(instance) => self.associate(req.id, instance).await.map_err(at)?,
                    None => {
                        if let Some(association) = str_of(&current.attrs, "association_id") {
                            self.disassociate(association).await.map_err(at)?;
                        }
                    }
                },
                "tags" => {}
                other => {
                    return Err(at(ProviderError::new(
                        ErrorClass::Unsupported,
                        "ec2:AssociateAddress",
                        format!("changing `{other}` of an elastic IP in place is not supported"),
                    )))
                }
            }
        }
        tags::sync(ec2, req.id, &current.tags, req.tags)
            .await
            .map_err(at)?;
        let mut resource = self.read_one(req.id).await.map_err(at)?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // AWS refuses to release an associated address: disassociate first.
        let live = self.read(&[id.to_string()]).await?;
        let Some(address) = live.first() else {
            return Ok(());
        };
        if let Some(association) = str_of(&address.attrs, "association_id") {
            self.disassociate(association).await?;
        }
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.release_address()
                .allocation_id(id)
                .send()
                .await
                .map_err(|e| classify("ec2:ReleaseAddress", e)),
            &["InvalidAllocationID.NotFound"],
        )
    }
}

/// The value unless it is empty.
fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|s| !s.is_empty())
}

impl ElasticIp {
    /// The address with this allocation id, or a NotFound error.
    async fn read_one(&self, id: &str) -> Result<LiveResource, ProviderError> {
        self.read(&[id.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeAddresses",
                format!("elastic IP `{id}` does not exist"),
            )
        })
    }

    async fn associate(&self, allocation: &str, instance: &str) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        ec2.associate_address()
            .allocation_id(allocation)
            .instance_id(instance)
            .allow_reassociation(true)
            .send()
            .await
            .map_err(|e| classify("ec2:AssociateAddress", e))?;
        Ok(())
    }

    async fn disassociate(&self, association: &str) -> Result<(), ProviderError> {
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.disassociate_address()
                .association_id(association)
                .send()
                .await
                .map_err(|e| classify("ec2:DisassociateAddress", e)),
            &["InvalidAssociationID.NotFound"],
        )
    }
}

/// An address as the provider reports it.
fn live_of(address: &aws_sdk_ec2::types::Address) -> Option<LiveResource> {
    let id = address.allocation_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "allocation_id", Some(id));
    put_str(&mut attrs, "public_ip", address.public_ip());
    // Some implementations answer "" rather than nothing for an unassociated address.
    put_str(&mut attrs, "instance_id", non_empty(address.instance_id()));
    put_str(
        &mut attrs,
        "association_id",
        non_empty(address.association_id()),
    );
    put_str(
        &mut attrs,
        "private_ip",
        non_empty(address.private_ip_address()),
    );
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(address.tags()),
    })
}
