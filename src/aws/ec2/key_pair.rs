//! `key_pair`: an SSH public key imported into EC2.

use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// An imported key pair (`ImportKeyPair`). strata never generates private keys: they would
/// have to live in state.
pub struct KeyPair {
    #[allow(dead_code)] // used once the kind's AWS calls are written
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

crate::pending_kind!(KeyPair, SCHEMA);
