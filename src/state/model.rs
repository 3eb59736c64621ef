//! The in-memory state of one deployment: what strata created or reused, and its outputs.

use crate::address::Address;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state format this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// How a resource came to be recorded in state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Created by strata; strata may update, replace and delete it.
    Created,
    /// Existed before and is referenced; strata never changes or deletes it.
    Reused,
    /// Existed before and was brought under management.
    Imported,
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Provenance::Created => "created",
            Provenance::Reused => "reused",
            Provenance::Imported => "imported",
        })
    }
}

/// One resource as recorded after the last apply or refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `kind.name`.
    pub address: Address,
    /// Resource kind.
    pub kind: String,
    /// Provider identifier (e.g. `vpc-0abc`), absent until known.
    pub id: Option<String>,
    /// Attributes as last applied or read; sensitive ones are `Value::Redacted`.
    pub attributes: BTreeMap<String, Value>,
    /// Addresses this resource depended on when it was applied (destroy order without config).
    #[serde(default)]
    pub dependencies: Vec<Address>,
    /// Created, reused or imported.
    pub provenance: Provenance,
    /// RFC 3339 time of creation (or adoption).
    pub created_at: String,
    /// RFC 3339 time of the last change recorded.
    pub updated_at: String,
}

/// A recorded output value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    /// The value; `Value::Redacted` when sensitive.
    pub value: Value,
    /// Whether the output is sensitive.
    #[serde(default)]
    pub sensitive: bool,
}

/// The whole state of one deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Version of this document's format.
    pub format_version: u32,
    /// Incremented on every write.
    pub serial: u64,
    /// Random id fixed when the state is first created; a plan made against another lineage is stale.
    pub lineage: String,
    /// Deployment name.
    pub deployment: String,
    /// Stack name.
    #[serde(default)]
    pub stack: String,
    /// Tier name, if the deployment uses one.
    #[serde(default)]
    pub tier: Option<String>,
    /// AWS region the deployment was last applied in, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Resources by address.
    #[serde(default)]
    pub resources: BTreeMap<Address, ResourceState>,
    /// Outputs by name.
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// The configurations applied to this deployment, oldest first, at most
    /// [`HISTORY_LIMIT`]: what `strata rollback` returns to, and what `strata list` reads
    /// the status from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<AppliedConfig>,
    /// Hex key that saved plans digest sensitive values with (never written into a plan): a
    /// plan posted in a pull request then cannot be dictionary-attacked without the state.
    /// Empty in a state written before the key existed (its checksum covers no key); such a
    /// state gets one from [`State::ensure_secret_key`] before its next save.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub secret_key: String,
}

/// A fresh random secret key: 256 bits as hex, of which 244 random (two v4 UUIDs).
pub fn new_secret_key() -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    format!("{}{}", a.simple(), b.simple())
}

/// How many applied configurations a state keeps.
pub const HISTORY_LIMIT: usize = 10;

/// How a run that changed the deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Every planned change was made.
    Succeeded,
    /// A resource failed; what succeeded stays (an update, or `--on-failure keep`).
    Failed,
    /// A first deployment failed and everything it created was deleted again.
    RolledBack,
    /// Stopped by Ctrl-C (or killed) before the end.
    Interrupted,
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RunOutcome::Succeeded => "succeeded",
            RunOutcome::Failed => "failed",
            RunOutcome::RolledBack => "rolled back",
            RunOutcome::Interrupted => "interrupted",
        })
    }
}

/// One input file of an applied configuration, kept whole so it can be applied again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    /// Path relative to the snapshot's root (the deepest folder holding every file).
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// A configuration that `apply` (or `rollback`) ran, and how the run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedConfig {
    /// RFC 3339 time the run ended.
    pub at: String,
    /// The command that ran it: `apply` or `rollback`.
    pub command: String,
    /// How the run ended.
    pub outcome: RunOutcome,
    /// `sha256:<hex>` over the files' paths and texts: equal digests, equal configurations.
    pub digest: String,
    /// The tier file (relative path among `files`), when the deployment used one.
    #[serde(default)]
    pub tier_file: Option<String>,
    /// The stack file (relative path among `files`).
    pub stack_file: String,
    /// Every file the configuration was loaded from (sensitive literals replaced).
    pub files: Vec<ConfigFile>,
    /// Variables whose values the snapshot does not hold: given by `--var`, `--var-file` or
    /// `STRATA_VAR_*`, or sensitive literals redacted from the files. A rollback to this
    /// configuration asks for them again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplied: Vec<SuppliedVar>,
}

/// A variable of an applied configuration kept by name and keyed digest only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppliedVar {
    /// Variable name.
    pub name: String,
    /// How the value was given, e.g. `--var NAME=…` or `STRATA_VAR_NAME`.
    pub given: String,
    /// `hmac-sha256:<hex>` of the value's digest under the state's secret key: tells whether
    /// a value given again is the same, without being guessable from the state.
    pub digest: String,
}

impl State {
    /// A fresh, empty state with a new lineage.
    pub fn new(deployment: &str, stack: &str, tier: Option<&str>) -> Self {
        State {
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            deployment: deployment.to_string(),
            stack: stack.to_string(),
            tier: tier.map(str::to_string),
            region: None,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            history: Vec::new(),
            secret_key: new_secret_key(),
        }
    }

    /// Give a state written before secret keys existed its key (kept from its next save).
    pub fn ensure_secret_key(&mut self) {
        if self.secret_key.is_empty() {
            self.secret_key = new_secret_key();
        }
    }

    /// The key a saved plan against this state digests sensitive values with. A state without
    /// a key yet gets a throwaway one: that plan's digests then match no other plan's, which
    /// costs nothing (staleness is decided by inputs and serial) and leaks nothing.
    pub fn plan_key(state: Option<&State>) -> Vec<u8> {
        match state.and_then(State::digest_key) {
            Some(key) => key,
            None => key_bytes(&new_secret_key()),
        }
    }

    /// The key this state's digests are keyed with; `None` for a state written before keys
    /// existed, whose digests are all plain.
    pub fn digest_key(&self) -> Option<Vec<u8>> {
        (!self.secret_key.is_empty()).then(|| key_bytes(&self.secret_key))
    }

    /// Key every plain digest of sensitive values (giving the state a key first if it has
    /// none): what the state writes, so that `state/` holds nothing a dictionary can guess.
    pub fn key_digests(&mut self) {
        self.ensure_secret_key();
        let Some(key) = self.digest_key() else {
            return;
        };
        let key = Some(key.as_slice());
        for rs in self.resources.values_mut() {
            for v in rs.attributes.values_mut() {
                if v.has_plain_digest() {
                    *v = v.keyed(key).into_owned();
                }
            }
        }
        for o in self.outputs.values_mut() {
            if o.value.has_plain_digest() {
                o.value = o.value.keyed(key).into_owned();
            }
        }
    }

    /// Whether any recorded value still holds a plain digest (a state from before keying).
    pub fn has_plain_digests(&self) -> bool {
        self.resources
            .values()
            .flat_map(|r| r.attributes.values())
            .chain(self.outputs.values().map(|o| &o.value))
            .any(Value::has_plain_digest)
    }
}

/// The bytes of a hex key (a key that is not hex, edited by hand, is used as its text).
fn key_bytes(key: &str) -> Vec<u8> {
    hex::decode(key).unwrap_or_else(|_| key.as_bytes().to_vec())
}
