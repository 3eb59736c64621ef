//! The plan: for each resource, what apply will do and why.
//!
//! Values in a plan are already redacted: sensitive values are `Value::Redacted`, values only
//! apply can tell are `Value::Unknown`. Renderers never see a secret.

use crate::address::Address;
use crate::state::Provenance;
use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the JSON plan format (`strata plan --output json` and saved plan files).
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// What apply will do to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Create a new resource (`+`).
    Create,
    /// Update in place (`~`).
    Update,
    /// Destroy and create again (`-/+`).
    Replace,
    /// Destroy (`-`).
    Delete,
    /// Read an existing resource that strata reuses but never changes (`<=`).
    Read,
    /// Nothing to do.
    NoOp,
}

impl Action {
    /// The symbol shown in text plans.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
            Action::Read => "<=",
            Action::NoOp => " ",
        }
    }

    /// Whether the action changes anything in the account.
    pub fn is_change(self) -> bool {
        !matches!(self, Action::Read | Action::NoOp)
    }
}

/// The change of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttrChange {
    /// Attribute name.
    pub name: String,
    /// Recorded value (absent on create or when newly set).
    pub before: Option<Value>,
    /// Desired value (absent on delete or when unset).
    pub after: Option<Value>,
    /// The change forces replacement of the resource.
    #[serde(default)]
    pub forces_replace: bool,
    /// The value is sensitive (already redacted).
    #[serde(default)]
    pub sensitive: bool,
}

/// The planned change of one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// `kind.name`.
    pub address: Address,
    /// Resource kind.
    pub kind: String,
    /// What apply will do.
    pub action: Action,
    /// All recorded attributes (absent on create).
    pub before: Option<BTreeMap<String, Value>>,
    /// All desired attributes (absent on delete).
    pub after: Option<BTreeMap<String, Value>>,
    /// Only the attributes that differ (every set attribute on create and delete).
    pub changes: Vec<AttrChange>,
    /// Attributes whose change forces replacement (non-empty exactly when `action` is `Replace`).
    pub replace_because: Vec<String>,
    /// Provenance in state, or what it will be after apply.
    pub provenance: Option<Provenance>,
    /// Why this action, when it is not obvious (e.g. "disabled in tier dev").
    pub reason: Option<String>,
    /// What changed in the account since strata recorded it, outside strata (present only
    /// when the plan read the live account and found a difference).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

/// A difference between the live account and the recorded state of one resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drift {
    /// The resource no longer exists; the plan creates it again.
    pub deleted: bool,
    /// Attributes whose live value differs from the recorded one (`before` recorded, `after`
    /// live).
    pub changes: Vec<AttrChange>,
}

/// The planned change of one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    /// Output name.
    pub name: String,
    /// What happens to the output (create, update, delete or no-op).
    pub action: Action,
    /// Recorded value.
    pub before: Option<Value>,
    /// Desired value.
    pub after: Option<Value>,
    /// The output is sensitive.
    #[serde(default)]
    pub sensitive: bool,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources to create.
    pub add: usize,
    /// Resources to update in place.
    pub change: usize,
    /// Resources to replace.
    pub replace: usize,
    /// Resources to destroy.
    pub destroy: usize,
    /// Reused resources read.
    pub read: usize,
    /// Resources left as they are.
    pub unchanged: usize,
}

impl Summary {
    /// Whether the plan changes anything (resources or outputs are counted separately).
    pub fn has_changes(&self) -> bool {
        self.add + self.change + self.replace + self.destroy > 0
    }
}

/// Identity of the state a plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRef {
    /// State lineage.
    pub lineage: String,
    /// State serial.
    pub serial: u64,
}

/// One input file and its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Path as given on the command line (relative paths stay relative).
    pub path: String,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
}

/// A complete plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Version of this format.
    pub format_version: u32,
    /// strata version that made the plan.
    pub strata_version: String,
    /// Deployment name.
    pub deployment: String,
    /// Stack name.
    pub stack: String,
    /// Tier name, if any.
    pub tier: Option<String>,
    /// Whether the live account was read (false with `--refresh=false` or offline).
    pub refreshed: bool,
    /// The state the plan was made against (`None` when no state existed).
    pub state: Option<StateRef>,
    /// Every input file that shaped the plan.
    pub inputs: Vec<InputFile>,
    /// One entry per resource, sorted by address.
    pub resource_changes: Vec<ResourceChange>,
    /// One entry per output, sorted by name.
    pub output_changes: Vec<OutputChange>,
    /// Counts.
    pub summary: Summary,
    /// AWS calls made while reading the live account, by operation (only when it was read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<BTreeMap<String, u64>>,
    /// What the deployment costs a month before and after the plan, and against its budget
    /// (absent only in plans made before strata estimated costs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::plan::PlanCost>,
}
