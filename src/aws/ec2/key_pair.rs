//! `key_pair`: an SSH public key imported into EC2.

use super::tags;
use crate::aws::attrs::{put_str, required_str, str_of};
use crate::aws::errors::{absent_ok, classify};
use crate::aws::names;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_ec2::types::ResourceType;
use aws_smithy_types::Blob;
use std::sync::{Arc, LazyLock};

/// An imported key pair (`ImportKeyPair`). strata never generates private keys: they would
/// have to live in state.
pub struct KeyPair {
    aws: Arc<Aws>,
}

impl KeyPair {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        KeyPair { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new("key_pair", "An SSH public key imported into EC2 for instance logins")
        .taggable()
        .attr(
            AttrSchema::string("key_name")
                .optional_computed()
                .replace()
                .doc("Key pair name, unique in the region; derived from the deployment and resource names when unset"),
        )
        // EC2 has no API to change the material of an existing key pair.
        .attr(
            AttrSchema::string("public_key")
                .required()
                .replace()
                .doc("Public key material in OpenSSH format (ssh-ed25519 or ssh-rsa)"),
        )
        .attr(
            AttrSchema::computed("fingerprint", AttrType::String)
                .doc("Fingerprint of the key as computed by EC2"),
        )
        .attr(
            AttrSchema::computed("key_type", AttrType::String)
                .doc("Key type detected by EC2: rsa or ed25519"),
        )
        .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the key pair"))
});

/// EC2 key pair names are at most 255 characters.
const NAME_MAX: usize = 255;

#[async_trait]
impl ResourceKind for KeyPair {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "ec2:DescribeKeyPairs";
        let ec2 = self.aws.ec2().await?;
        let mut out = Vec::new();
        // One call per filter set: the API does not paginate (the SDK has no paginator).
        for filters in tags::selection(selector, "key-pair-id") {
            let page = ec2
                .describe_key_pairs()
                .set_filters(Some(filters))
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
            out.extend(page.key_pairs().iter().filter_map(live_of));
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "ec2:ImportKeyPair";
        let ec2 = self.aws.ec2().await?;
        let public_key =
            required_str(req.attrs, "public_key", OP).map_err(|e| e.at(req.address))?;
        let name = match str_of(req.attrs, "key_name") {
            Some(n) => n.to_string(),
            None => names::derived(req.deployment, req.address, NAME_MAX),
        };
        let imported = ec2
            .import_key_pair()
            .key_name(&name)
            .public_key_material(Blob::new(public_key.as_bytes()))
            .tag_specifications(tags::spec(ResourceType::KeyPair, req.tags))
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = imported.key_pair_id().ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no key pair id in the response")
                .at(req.address)
        })?;
        // Read back for the key type, which ImportKeyPair does not return.
        let mut live = self.read(&[id.to_string()]).await?;
        let mut resource = live.pop().unwrap_or_else(|| LiveResource {
            id: id.to_string(),
            attrs: Attrs::new(),
            tags: req.tags.clone(),
        });
        put_str(&mut resource.attrs, "key_name", Some(&name));
        put_str(
            &mut resource.attrs,
            "fingerprint",
            imported.key_fingerprint(),
        );
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        if let Some(other) = req.changed.iter().find(|n| n.as_str() != "tags") {
            return Err(ProviderError::new(
                ErrorClass::Unsupported,
                "ec2:ImportKeyPair",
                format!("changing `{other}` of a key pair in place is not supported"),
            )
            .at(req.address));
        }
        let ec2 = self.aws.ec2().await?;
        let mut live = self.read(&[req.id.to_string()]).await?;
        let mut resource = live.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "ec2:DescribeKeyPairs",
                "the key pair disappeared during the update",
            )
            .at(req.address)
        })?;
        tags::sync(ec2, req.id, &resource.tags, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        resource.tags = req.tags.clone();
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // Deleted by name, read first: some implementations of the API ignore KeyPairId on
        // delete, and a key already gone is then simply absent.
        let Some(key) = self.read(&[id.to_string()]).await?.pop() else {
            return Ok(());
        };
        let Some(name) = str_of(&key.attrs, "key_name") else {
            return Ok(());
        };
        let ec2 = self.aws.ec2().await?;
        absent_ok(
            ec2.delete_key_pair()
                .key_name(name)
                .send()
                .await
                .map_err(|e| classify("ec2:DeleteKeyPair", e)),
            &["InvalidKeyPair.NotFound"],
        )
    }
}

/// A key pair as the provider reports it.
fn live_of(key: &aws_sdk_ec2::types::KeyPairInfo) -> Option<LiveResource> {
    let id = key.key_pair_id()?;
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "key_name", key.key_name());
    put_str(&mut attrs, "fingerprint", key.key_fingerprint());
    put_str(&mut attrs, "key_type", key.key_type().map(|t| t.as_str()));
    Some(LiveResource {
        id: id.to_string(),
        attrs,
        tags: tags::from_ec2(key.tags()),
    })
}
