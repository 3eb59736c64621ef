//! The typed model of a deployment: a stack with its tier overlay merged in.

use super::expr::Expr;
use super::source::{Origin, Sources};
use crate::address::Address;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[stack]` metadata.
#[derive(Debug, Clone)]
pub struct StackInfo {
    /// Stack name.
    pub name: String,
    /// One line describing the stack.
    pub description: Option<String>,
    /// Path of the stack file.
    pub path: PathBuf,
}

/// `[tier]` metadata.
#[derive(Debug, Clone)]
pub struct TierInfo {
    /// Tier name.
    pub name: String,
    /// One line describing the tier.
    pub description: Option<String>,
    /// Path of the tier file.
    pub path: PathBuf,
}

/// A variable after the tier's value was applied over the stack's default.
#[derive(Debug, Clone)]
pub struct Variable {
    /// The value.
    pub value: Value,
    /// Never shown or stored in clear.
    pub sensitive: bool,
    /// One line describing the variable.
    pub description: Option<String>,
    /// Where the effective value was set.
    pub origin: Origin,
    /// Which source the effective value came from.
    pub from: VarFrom,
}

/// The sources of a variable's value, lowest precedence first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum VarFrom {
    /// The stack's `default`.
    StackDefault,
    /// The tier's `[vars]`.
    Tier,
    /// `STRATA_VAR_<NAME>` in the environment.
    Env,
    /// A `--var-file FILE.toml`.
    VarFile(PathBuf),
    /// `--var NAME=VALUE`.
    Flag,
}

impl VarFrom {
    /// True for values given outside the project's files, which history keeps by digest only.
    pub fn is_outside(&self) -> bool {
        matches!(self, VarFrom::Env | VarFrom::VarFile(_) | VarFrom::Flag)
    }

    /// How to give the value again, for messages: `--var NAME=…`, `STRATA_VAR_NAME`, ….
    pub fn describe(&self, name: &str) -> String {
        match self {
            VarFrom::StackDefault => "the stack's default".into(),
            VarFrom::Tier => "the tier's `[vars]`".into(),
            VarFrom::Env => format!("STRATA_VAR_{name}"),
            VarFrom::VarFile(path) => format!("--var-file {}", path.display()),
            VarFrom::Flag => format!("--var {name}=…"),
        }
    }
}

/// `[budget]` from the tier (or stack).
#[derive(Debug, Clone)]
pub struct Budget {
    /// Monthly ceiling in US dollars.
    pub monthly_usd: f64,
    /// Where `monthly_usd` was set.
    pub origin: Origin,
    /// Percentages of the ceiling at which an AWS budget alerts (empty: no AWS budget).
    pub alert_at: Vec<f64>,
    /// Who the alerts go to.
    pub alert_emails: Vec<String>,
    /// The `[budget]` table's key.
    pub table: Origin,
}

/// How a resource relates to the account.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Created and owned by strata.
    Managed,
    /// Exists already, given by id; read, never changed.
    Existing {
        /// Provider id.
        id: String,
    },
    /// Exists already, found by tags; read, never changed.
    Lookup {
        /// Tags that must all match.
        tags: BTreeMap<String, String>,
    },
}

/// One enabled resource.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `kind.name`.
    pub address: Address,
    /// The `[resource.KIND.NAME]` key in the stack.
    pub origin: Origin,
    /// Attributes as written, references unresolved (tier overrides merged in).
    pub attrs: BTreeMap<String, Expr>,
    /// Explicit `depends_on` entries.
    pub depends_on: Vec<(Address, Origin)>,
    /// Managed, existing or looked up.
    pub mode: Mode,
}

impl Resource {
    /// Every resource this one references in its attributes, with where each reference is.
    pub fn references(&self) -> Vec<(Address, Origin)> {
        let mut out = Vec::new();
        for expr in self.attrs.values() {
            expr.visit_refs(&mut |r| {
                if let super::expr::RefTarget::Resource { address, .. } = &r.target {
                    out.push((address.clone(), r.origin.clone()));
                }
            });
        }
        out
    }

    /// References and explicit dependencies together, one entry per (target, place).
    pub fn dependencies(&self) -> Vec<(Address, Origin)> {
        let mut deps = self.references();
        deps.extend(self.depends_on.iter().cloned());
        deps
    }
}

/// One `[output]` entry.
#[derive(Debug, Clone)]
pub struct Output {
    /// Output name.
    pub name: String,
    /// The value expression.
    pub expr: Expr,
    /// Where it was declared.
    pub origin: Origin,
}

/// One `[health.<service>]` check.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    /// Service name.
    pub name: String,
    /// The URL expression, resolved against state after apply like an output.
    pub url: Expr,
    /// Whether this deployment checks it (`enabled`, evaluated over variables and tier).
    pub enabled: bool,
    /// What to do when it fails, shown with the failure.
    pub hint: Option<String>,
    /// The status a healthy service answers; `None` accepts any 2xx.
    pub expect: Option<u16>,
    /// Where it was declared.
    pub origin: Origin,
}

/// A loaded, merged and checked deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Deployment name (`--name`, default `<stack>-<tier>`); it tags every resource.
    pub name: String,
    /// Stack metadata.
    pub stack: StackInfo,
    /// Tier metadata, when a tier was chosen.
    pub tier: Option<TierInfo>,
    /// AWS region from the tier or stack, if set.
    pub region: Option<String>,
    /// Effective variables.
    pub vars: BTreeMap<String, Variable>,
    /// Effective tags (stack tags, then tier tags), evaluated.
    pub tags: BTreeMap<String, String>,
    /// Budget, if any.
    pub budget: Option<Budget>,
    /// Usage quantities for cost estimates (`[usage]`).
    pub usage: super::usage::UsageTable,
    /// Enabled resources.
    pub resources: BTreeMap<Address, Resource>,
    /// Resources the stack declares but the tier switched off, with where they are declared.
    pub disabled: BTreeMap<Address, Origin>,
    /// Outputs.
    pub outputs: BTreeMap<String, Output>,
    /// Health checks, by service name (disabled ones kept with `enabled = false`).
    pub health: BTreeMap<String, HealthCheck>,
    /// Every file read, for diagnostics and for saved plans.
    pub sources: Sources,
    /// Sensitive variables set to `{ ssm = "/path" }` whose value was not fetched yet
    /// (variable → parameter name): `plan` and `apply` fetch them and load again.
    pub ssm_needed: BTreeMap<String, String>,
    /// Where the project's files hold a sensitive value literally (a tier's `[vars]` or a
    /// stack's `default`): history snapshots replace these before keeping the files.
    pub sensitive_literals: Vec<Origin>,
}
