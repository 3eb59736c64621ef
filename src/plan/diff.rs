//! Desired configuration vs recorded state → a plan.
//!
//! Resources are planned in dependency order so that a reference to an attribute of a
//! resource planned earlier resolves to its recorded or configured value when that value will
//! still hold after apply, and to `Unknown` ("known after apply") otherwise.

use super::model::{
    Action, AttrChange, InputFile, OutputChange, Plan, ResourceChange, StateRef, Summary,
    PLAN_FORMAT_VERSION,
};
use super::refresh::{live_attrs, refreshed_state, Refreshed};
use crate::address::Address;
use crate::config::eval::{eval, EvalError, Evaluated, Scope};
use crate::config::expr::Expr;
use crate::config::resolve::{context_value, Context, DEFAULT_TIER_NAME};
use crate::config::{Deployment, Mode, Resource};
use crate::provider::{KindSchema, LiveResource, OnChange, Registry};
use crate::state::{Provenance, ResourceState, State};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The tag naming the deployment on every taggable resource.
pub const TAG_DEPLOYMENT: &str = "strata:deployment";
/// The tag naming the resource's address on every taggable resource.
pub const TAG_ADDRESS: &str = "strata:address";
/// The tag naming the lineage of the state that created the resource: two states that share
/// a deployment name (two checkouts) tell their resources apart by it.
pub const TAG_LINEAGE: &str = "strata:lineage";

/// Why planning failed (configuration that loads but cannot be planned).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PlanError {
    /// An expression failed when evaluated against state values.
    #[error("cannot evaluate `{attribute}` of `{address}`: {message}")]
    #[diagnostic(
        code(strata::plan::evaluation),
        help("check the expression and the recorded state (`strata state show {address}`)")
    )]
    Evaluation {
        /// Resource.
        address: String,
        /// Attribute.
        attribute: String,
        /// What went wrong.
        message: String,
    },
    /// An attribute is larger than its kind accepts, in the form it would be sent.
    #[error("`{attribute}` of `{address}` is {why}")]
    #[diagnostic(
        code(strata::plan::too_large),
        help("shrink what `{attribute}` renders: fetch large files at boot (S3, a package, a container image) instead of inlining them")
    )]
    TooLarge {
        /// Resource.
        address: String,
        /// Attribute.
        attribute: String,
        /// Its size against the limit.
        why: String,
    },
    /// The configuration would change a reused resource.
    #[error("`{address}` is reused, but the configuration sets `{attribute}` = {wanted} while it is {live} (per {compared_with})")]
    #[diagnostic(
        code(strata::plan::reused_would_change),
        help("strata never updates, replaces or deletes resources it reuses: remove `{attribute}` from `{address}`, or let strata create its own resource instead of `existing`/`lookup`")
    )]
    ReusedWouldChange {
        /// Resource.
        address: String,
        /// Attribute.
        attribute: String,
        /// Live (or recorded) value.
        live: String,
        /// Configured value.
        wanted: String,
        /// What the value was compared against: the live read or the recorded state.
        compared_with: String,
    },
    /// The configuration sets an attribute of a reused resource that strata cannot compare.
    #[error("`{address}` is reused, and the configuration sets `{attribute}`, which strata cannot confirm unchanged: it compared against {compared_with}")]
    #[diagnostic(
        code(strata::plan::reused_unconfirmed),
        help("strata never changes a resource it reuses, so a reused resource may only set attributes strata can read and compare (plan with refresh on): remove `{attribute}` from `{address}`, or let strata create its own resource instead of `existing`/`lookup`")
    )]
    ReusedUnconfirmed {
        /// Resource.
        address: String,
        /// Attribute.
        attribute: String,
        /// What was compared against, and why it could not confirm.
        compared_with: String,
    },
    /// The configuration manages a resource the state records as reused.
    #[error("`{address}` is recorded as reused (`{id}`), but the configuration now declares it as a resource strata manages: the plan would update, replace or delete what strata never owned")]
    #[diagnostic(
        code(strata::plan::reused_is_sacred),
        help("to keep reusing it, put `existing = \"{id}\"` (or its `lookup`) back on `{address}`; to have strata manage a resource of its own at this address, run `strata state forget {address}` (AWS is not touched) and plan again: strata then creates a new one and leaves `{id}` alone")
    )]
    ReusedIsSacred {
        /// Resource.
        address: String,
        /// The reused resource's id (`-` when the state holds none).
        id: String,
    },
    /// A resource's kind is not in the registry (state written by another strata build).
    #[error(
        "the state records `{address}` of kind `{kind}`, which this strata build does not know"
    )]
    #[diagnostic(
        code(strata::plan::unknown_kind),
        help("use the strata version that wrote this state, or remove the resource with `strata state` commands")
    )]
    UnknownKind {
        /// Resource.
        address: String,
        /// Kind.
        kind: String,
    },
}

/// What planning one resource decided, kept for references from later resources.
struct Planned {
    action: Action,
    /// Desired attributes, evaluated (not redacted).
    desired: BTreeMap<String, Evaluated>,
}

struct PlanScope<'a> {
    deployment: &'a Deployment,
    ctx: &'a Context,
    state: Option<&'a State>,
    planned: &'a BTreeMap<Address, Planned>,
    registry: &'a Registry,
}

impl Scope for PlanScope<'_> {
    fn var(&self, name: &str) -> Option<Evaluated> {
        self.deployment.vars.get(name).map(|v| Evaluated {
            value: v.value.clone(),
            sensitive: v.sensitive,
        })
    }

    fn context(&self, scope: &str, field: &str) -> Option<Value> {
        context_value(self.ctx, scope, field)
    }

    fn resource_attr(&self, address: &Address, attr: &str) -> Evaluated {
        let sensitive = self
            .registry
            .schema(&address.kind)
            .and_then(|s| s.get(attr))
            .is_some_and(|a| a.sensitive);
        let unknown = Evaluated {
            value: Value::Unknown,
            sensitive,
        };
        let Some(planned) = self.planned.get(address) else {
            // Not planned in this pass (apply resolves one resource at a time): whatever is
            // recorded is what exists.
            return match self.state.and_then(|s| s.resources.get(address)) {
                Some(rs) => recorded_attr(rs, attr)
                    .map_or(unknown.clone(), |value| Evaluated { value, sensitive }),
                None => unknown,
            };
        };
        if let Some(v) = planned.desired.get(attr) {
            if v.value.is_known() {
                return v.clone();
            }
        }
        if matches!(planned.action, Action::Create | Action::Replace) {
            return unknown;
        }
        match self.state.and_then(|s| s.resources.get(address)) {
            Some(rs) => recorded_attr(rs, attr)
                .map_or(unknown.clone(), |value| Evaluated { value, sensitive }),
            None => unknown,
        }
    }
}

/// A recorded attribute, with `id` taken from the resource's id field.
fn recorded_attr(rs: &ResourceState, attr: &str) -> Option<Value> {
    if attr == "id" {
        if let Some(id) = &rs.id {
            return Some(Value::String(id.clone()));
        }
    }
    rs.attributes.get(attr).cloned()
}

/// Inputs of a plan: the project's files read, with digests, in load order; then each variable
/// given outside them as `var:NAME`, with its value's digest, or only its name when sensitive
/// (a plan file must not hold a guessable digest of a secret).
pub fn input_files(deployment: &Deployment) -> Vec<InputFile> {
    let files = deployment.sources.kept().map(|(_, f)| InputFile {
        path: f.path.display().to_string(),
        sha256: f.sha256.clone(),
    });
    let vars = deployment
        .vars
        .iter()
        .filter(|(_, v)| v.from.is_outside())
        .map(|(name, v)| InputFile {
            path: format!("{VAR_INPUT_PREFIX}{name}"),
            sha256: if v.sensitive {
                crate::value::SENSITIVE_TEXT.to_string()
            } else {
                v.value.digest()
            },
        });
    files.chain(vars).collect()
}

/// How a saved plan names a variable input given outside the files.
pub const VAR_INPUT_PREFIX: &str = "var:";

/// Dependencies first; ties broken by address so the order is deterministic.
fn dependency_order(resources: &BTreeMap<Address, Resource>) -> Vec<Address> {
    fn visit(
        a: &Address,
        resources: &BTreeMap<Address, Resource>,
        done: &mut BTreeSet<Address>,
        out: &mut Vec<Address>,
    ) {
        if !done.insert(a.clone()) {
            return;
        }
        if let Some(r) = resources.get(a) {
            let deps: BTreeSet<Address> = r.dependencies().into_iter().map(|(d, _)| d).collect();
            for d in &deps {
                visit(d, resources, done, out);
            }
        }
        out.push(a.clone());
    }
    let mut done = BTreeSet::new();
    let mut out = Vec::with_capacity(resources.len());
    for a in resources.keys() {
        visit(a, resources, &mut done, &mut out);
    }
    out
}

/// Plan `deployment` against `state` (the recorded state, `None` before the first apply).
pub fn plan(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
    refreshed: bool,
) -> Result<Plan, PlanError> {
    plan_inner(deployment, state, state, registry, refreshed, None)
}

/// Plan against the live account: recorded state brought up to date by `refresh`, drift
/// reported per resource, reused resources as found.
pub fn plan_refreshed(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
    refresh: &Refreshed,
) -> Result<Plan, PlanError> {
    let current = state.map(|s| refreshed_state(s, refresh, registry));
    let mut plan = plan_inner(
        deployment,
        current.as_ref(),
        state,
        registry,
        true,
        Some(&refresh.reused),
    )?;
    for change in &mut plan.resource_changes {
        change.drift = refresh.drift.get(&change.address).cloned();
    }
    Ok(plan)
}

/// Only what changed outside strata: the drift of every recorded resource, nothing else.
pub fn plan_refresh_only(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
    refresh: &Refreshed,
) -> Result<Plan, PlanError> {
    let mut plan = plan_refreshed(deployment, state, registry, refresh)?;
    plan.resource_changes.retain(|c| c.drift.is_some());
    for c in &mut plan.resource_changes {
        c.action = Action::NoOp;
        c.changes.clear();
        c.replace_because.clear();
    }
    plan.output_changes.clear();
    plan.summary = Summary {
        unchanged: plan.resource_changes.len(),
        ..Summary::default()
    };
    Ok(plan)
}

fn plan_inner(
    deployment: &Deployment,
    state: Option<&State>,
    original: Option<&State>,
    registry: &Registry,
    refreshed: bool,
    reused: Option<&BTreeMap<Address, LiveResource>>,
) -> Result<Plan, PlanError> {
    let ctx = context_of(deployment);
    let mut planned: BTreeMap<Address, Planned> = BTreeMap::new();
    let mut changes: Vec<ResourceChange> = Vec::new();
    let key = state.and_then(State::digest_key);
    for address in dependency_order(&deployment.resources) {
        let resource = &deployment.resources[&address];
        let Some(schema) = registry.schema(&address.kind) else {
            return Err(PlanError::UnknownKind {
                address: address.to_string(),
                kind: address.kind.clone(),
            });
        };
        let scope = PlanScope {
            deployment,
            ctx: &ctx,
            state,
            planned: &planned,
            registry,
        };
        let mut desired = desired_attrs(deployment, resource, schema, &scope)?;
        let notes = super::sizes::check(&address, schema, &desired)?;
        let recorded = state.and_then(|s| s.resources.get(&address));
        let live = reused.and_then(|r| r.get(&address));
        let mut change = plan_resource(resource, schema, &desired, recorded, live, key.as_deref())?;
        // Said where the value is sent, so a reviewer sees it beside the create or replace.
        if matches!(change.action, Action::Create | Action::Replace) && !notes.is_empty() {
            let notes = notes.join("; ");
            change.reason = Some(match change.reason.take() {
                Some(r) => format!("{r}; {notes}"),
                None => notes,
            });
        }
        if change.action == Action::Read {
            // A reused resource exposes what was read (or at least its given id) to references.
            for (k, v) in change.after.iter().flatten() {
                desired.entry(k.clone()).or_insert_with(|| Evaluated {
                    value: v.clone(),
                    sensitive: false,
                });
            }
        }
        planned.insert(
            address.clone(),
            Planned {
                action: change.action,
                desired,
            },
        );
        changes.push(change);
    }
    if let Some(state) = state {
        for (address, rs) in &state.resources {
            if deployment.resources.contains_key(address) {
                continue;
            }
            let reason = if deployment.disabled.contains_key(address) {
                match &deployment.tier {
                    Some(tier) => format!("disabled in tier `{}`", tier.name),
                    None => "switched off by its `enabled` setting".to_string(),
                }
            } else if address.is_replaced() {
                "replaced; a run stopped before deleting the old one".to_string()
            } else {
                "no longer in the configuration".to_string()
            };
            changes.push(plan_removal(address, rs, registry, reason));
        }
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));

    let scope = PlanScope {
        deployment,
        ctx: &ctx,
        state,
        planned: &planned,
        registry,
    };
    let output_changes = plan_outputs(deployment, state, &scope)?;
    let mut summary = Summary::default();
    for c in &changes {
        match c.action {
            Action::Create => summary.add += 1,
            Action::Update => summary.change += 1,
            Action::Replace => summary.replace += 1,
            Action::Delete => summary.destroy += 1,
            Action::Read => summary.read += 1,
            Action::NoOp => summary.unchanged += 1,
        }
    }
    Ok(Plan {
        format_version: PLAN_FORMAT_VERSION,
        strata_version: env!("CARGO_PKG_VERSION").to_string(),
        deployment: deployment.name.clone(),
        stack: deployment.stack.name.clone(),
        tier: deployment.tier.as_ref().map(|t| t.name.clone()),
        refreshed,
        state: original.map(|s| StateRef {
            lineage: s.lineage.clone(),
            serial: s.serial,
        }),
        inputs: input_files(deployment),
        resource_changes: changes,
        output_changes,
        summary,
        calls: None,
        cost: None,
    })
}

/// A resource's attributes as apply sends them: every reference resolved against `state`
/// (its dependencies are applied and recorded by then), in clear, with which are sensitive.
/// `None` values cannot occur; an attribute still unknown is an error.
pub fn apply_attrs(
    deployment: &Deployment,
    address: &Address,
    state: &State,
    registry: &Registry,
) -> Result<BTreeMap<String, Evaluated>, PlanError> {
    let resource = deployment
        .resources
        .get(address)
        .ok_or_else(|| PlanError::Evaluation {
            address: address.to_string(),
            attribute: "(resource)".into(),
            message: "not in the configuration".into(),
        })?;
    let schema = registry
        .schema(&address.kind)
        .ok_or_else(|| PlanError::UnknownKind {
            address: address.to_string(),
            kind: address.kind.clone(),
        })?;
    let ctx = context_of(deployment);
    let planned = BTreeMap::new();
    let scope = PlanScope {
        deployment,
        ctx: &ctx,
        state: Some(state),
        planned: &planned,
        registry,
    };
    let attrs = desired_attrs(deployment, resource, schema, &scope)?;
    super::sizes::check(address, schema, &attrs)?;
    for (name, v) in &attrs {
        if !v.value.is_known() {
            return Err(PlanError::Evaluation {
                address: address.to_string(),
                attribute: name.clone(),
                message: "still unknown when it was to be applied (a dependency was not applied)"
                    .into(),
            });
        }
    }
    Ok(attrs)
}

/// Output values once everything is applied, redacted where sensitive.
pub fn output_values(
    deployment: &Deployment,
    state: &State,
    registry: &Registry,
) -> Result<BTreeMap<String, (Value, bool)>, PlanError> {
    let mut out = BTreeMap::new();
    for (name, output) in &deployment.outputs {
        let v = eval_recorded(deployment, &output.expr, Some(state), registry).map_err(|e| {
            PlanError::Evaluation {
                address: "output".into(),
                attribute: name.clone(),
                message: e.message,
            }
        })?;
        out.insert(name.clone(), (shown(&v), v.sensitive));
    }
    Ok(out)
}

/// One expression (an output's, a health check's URL) evaluated against recorded state, in
/// clear: attributes of resources not recorded are `Unknown`.
pub fn eval_recorded(
    deployment: &Deployment,
    expr: &Expr,
    state: Option<&State>,
    registry: &Registry,
) -> Result<Evaluated, EvalError> {
    let ctx = context_of(deployment);
    let planned = BTreeMap::new();
    let scope = PlanScope {
        deployment,
        ctx: &ctx,
        state,
        planned: &planned,
        registry,
    };
    eval(expr, &scope)
}

fn context_of(deployment: &Deployment) -> Context {
    Context {
        deployment: deployment.name.clone(),
        stack: deployment.stack.name.clone(),
        tier: deployment
            .tier
            .as_ref()
            .map_or(DEFAULT_TIER_NAME.to_string(), |t| t.name.clone()),
        region: deployment.region.clone(),
    }
}

/// Evaluate a resource's configured attributes, adding tags where the kind takes them.
fn desired_attrs(
    deployment: &Deployment,
    resource: &Resource,
    schema: &KindSchema,
    scope: &PlanScope<'_>,
) -> Result<BTreeMap<String, Evaluated>, PlanError> {
    let mut out = BTreeMap::new();
    for (name, expr) in &resource.attrs {
        let mut v = eval(expr, scope).map_err(|e| PlanError::Evaluation {
            address: resource.address.to_string(),
            attribute: name.clone(),
            message: e.message,
        })?;
        // `null` (typically the untaken side of an `if`) means "not set", as if unwritten.
        if v.value == Value::Null {
            continue;
        }
        let attr = schema.get(name);
        v.sensitive |= attr.is_some_and(|a| a.sensitive);
        if let Some(attr) = attr {
            attr.canonicalize(&mut v.value);
        }
        out.insert(name.clone(), v);
    }
    if schema.taggable && resource.mode == Mode::Managed {
        let mut tags: BTreeMap<String, Value> = deployment
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        if let Some(own) = out.get("tags") {
            if own.sensitive {
                // Tags are read in clear by anyone who can list the resource, and strata
                // finds its resources by them (journal, adoption): never a place for a secret.
                return Err(PlanError::Evaluation {
                    address: resource.address.to_string(),
                    attribute: "tags".into(),
                    message: "a tag uses a sensitive value; tags are visible to anyone who can list the resource, keep secrets out of them".into(),
                });
            }
            match &own.value {
                Value::Map(m) => tags.extend(m.clone()),
                Value::Unknown => {
                    tags.clear();
                }
                _ => {}
            }
        }
        let unknown = out.get("tags").is_some_and(|t| t.value == Value::Unknown);
        tags.insert(
            TAG_DEPLOYMENT.into(),
            Value::String(deployment.name.clone()),
        );
        tags.insert(
            TAG_ADDRESS.into(),
            Value::String(resource.address.to_string()),
        );
        // Before the first apply there is no state, so no lineage yet: apply makes the state,
        // and with it the lineage, before it creates anything.
        tags.insert(
            TAG_LINEAGE.into(),
            scope
                .state
                .map_or(Value::Unknown, |s| Value::String(s.lineage.clone())),
        );
        out.insert(
            "tags".into(),
            Evaluated {
                value: if unknown {
                    Value::Unknown
                } else {
                    Value::Map(tags)
                },
                sensitive: false,
            },
        );
    }
    Ok(out)
}

/// The value as state and plans keep it: the digest when sensitive.
pub fn shown(v: &Evaluated) -> Value {
    if v.sensitive {
        v.value.redact()
    } else {
        v.value.clone()
    }
}

/// `key` is the state's digest key: recorded digests are keyed, the configuration's plain, and
/// both are compared under it.
fn plan_resource(
    resource: &Resource,
    schema: &KindSchema,
    desired: &BTreeMap<String, Evaluated>,
    recorded: Option<&ResourceState>,
    live: Option<&LiveResource>,
    key: Option<&[u8]>,
) -> Result<ResourceChange, PlanError> {
    let address = resource.address.clone();
    let kind = address.kind.clone();
    if let Mode::Existing { .. } | Mode::Lookup { .. } = resource.mode {
        let before = recorded.map(attrs_with_id);
        let read = live.map(|l| {
            let mut attrs = live_attrs(l, Some(schema));
            attrs.insert("id".into(), Value::String(l.id.clone()));
            attrs
        });
        // Reused is sacred: configuration may name it, never change it. What the live read
        // (or, not refreshed, the recorded state) cannot confirm is refused, not assumed.
        let known = match (&read, &before) {
            (Some(r), _) => Some((r, "the live read")),
            (None, Some(b)) => Some((b, "the recorded state")),
            (None, None) => None,
        };
        check_reused_unchanged(&address, desired, known, key)?;
        // Compared in clear above; recorded (and planned) only as digests.
        let read = read.map(|mut r| {
            for (name, v) in r.iter_mut() {
                if schema.get(name).is_some_and(|a| a.sensitive) {
                    *v = v.redact();
                }
            }
            r
        });
        let after = match (&resource.mode, &read, &before) {
            (_, Some(r), _) => r.clone(),
            (_, None, Some(b)) => b.clone(),
            (Mode::Existing { id }, None, None) => {
                BTreeMap::from([("id".to_string(), Value::String(id.clone()))])
            }
            _ => BTreeMap::from([("id".to_string(), Value::Unknown)]),
        };
        let reason = match &resource.mode {
            Mode::Existing { id } => format!("reuses existing `{id}`"),
            Mode::Lookup { tags } => format!(
                "reuses the resource tagged {}",
                tags.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Mode::Managed => String::new(),
        };
        return Ok(ResourceChange {
            address,
            kind,
            action: Action::Read,
            before,
            after: Some(after),
            changes: Vec::new(),
            replace_because: Vec::new(),
            provenance: Some(Provenance::Reused),
            reason: Some(reason),
            drift: None,
        });
    }

    // Reused is sacred: a configuration that now manages a resource recorded as reused (its
    // `existing` removed, the address kept) would have the plan update, replace or delete it.
    if let Some(rs) = recorded.filter(|r| r.provenance == Provenance::Reused) {
        return Err(PlanError::ReusedIsSacred {
            address: address.to_string(),
            id: rs.id.clone().unwrap_or_else(|| "-".into()),
        });
    }
    let mut after: BTreeMap<String, Value> =
        desired.iter().map(|(k, v)| (k.clone(), shown(v))).collect();
    let Some(rs) = recorded else {
        for attr in schema.attrs.iter().filter(|a| a.computed) {
            after.entry(attr.name.to_string()).or_insert(Value::Unknown);
        }
        let changes = after
            .iter()
            .map(|(k, v)| AttrChange {
                name: k.clone(),
                before: None,
                after: Some(v.clone()),
                forces_replace: false,
                sensitive: desired.get(k).is_some_and(|d| d.sensitive),
            })
            .collect();
        return Ok(ResourceChange {
            address,
            kind,
            action: Action::Create,
            before: None,
            after: Some(after),
            changes,
            replace_because: Vec::new(),
            provenance: Some(Provenance::Created),
            reason: None,
            drift: None,
        });
    };

    let before = attrs_with_id(rs);
    let mut changes = Vec::new();
    for attr in schema.attrs.iter().filter(|a| a.settable()) {
        let old = rs.attributes.get(attr.name);
        let new = desired.get(attr.name);
        let sensitive = new.is_some_and(|n| n.sensitive) || attr.sensitive;
        let new_shown = new.map(shown);
        // An attribute the configuration does not set is left as it is (AWS's default or
        // whatever it was): removing a line never silently replaces a resource.
        let differs = match (old, &new_shown) {
            (_, None) => false,
            (Some(o), Some(n)) if attr.name == "tags" => {
                o.keyed(key) != n.keyed(key) || !n.is_known()
            }
            (Some(o), Some(n)) => !o.keyed(key).covers(&n.keyed(key)),
            (None, Some(_)) => true,
        };
        if differs {
            changes.push(AttrChange {
                name: attr.name.to_string(),
                before: old.cloned(),
                after: new_shown,
                forces_replace: attr.on_change == OnChange::Replace,
                sensitive,
            });
        }
    }
    // Keep what the provider computed (ids, addresses) visible in `after` unless replaced.
    let replace_because: Vec<String> = changes
        .iter()
        .filter(|c| c.forces_replace)
        .map(|c| c.name.clone())
        .collect();
    let action = if !replace_because.is_empty() {
        Action::Replace
    } else if !changes.is_empty() {
        Action::Update
    } else {
        Action::NoOp
    };
    for attr in schema.attrs.iter().filter(|a| a.computed) {
        if after.contains_key(attr.name) {
            continue;
        }
        let value = if action == Action::Replace {
            Value::Unknown
        } else {
            match recorded_attr(rs, attr.name) {
                Some(v) => v,
                None => continue,
            }
        };
        after.insert(attr.name.to_string(), value);
    }
    Ok(ResourceChange {
        address,
        kind,
        action,
        before: Some(before),
        after: Some(after),
        changes,
        replace_because,
        provenance: Some(rs.provenance),
        reason: None,
        drift: None,
    })
}

/// Every attribute the configuration sets on a reused resource must be confirmed equal by
/// `known` (attributes and what they came from); unknown configured values are left to apply.
fn check_reused_unchanged(
    address: &Address,
    desired: &BTreeMap<String, Evaluated>,
    known: Option<(&BTreeMap<String, Value>, &str)>,
    key: Option<&[u8]>,
) -> Result<(), PlanError> {
    for (name, want) in desired {
        if !want.value.is_known() {
            continue;
        }
        let unconfirmed = |source: &str| PlanError::ReusedUnconfirmed {
            address: address.to_string(),
            attribute: name.clone(),
            compared_with: source.to_string(),
        };
        let Some((attrs, source)) = known else {
            return Err(unconfirmed(
                "nothing: it was not read (--refresh=false) and is not recorded yet",
            ));
        };
        let Some(have) = attrs.get(name) else {
            return Err(unconfirmed(&format!("{source}, which has no `{name}`")));
        };
        // Recorded sensitive values are digests: compare like with like.
        let wanted = if matches!(have, Value::Redacted(_)) {
            want.value.redact()
        } else {
            want.value.clone()
        };
        // AWS may report more than was configured (extra tags, nested defaults): what is
        // configured must hold, nothing more.
        if !have.keyed(key).covers(&wanted.keyed(key)) {
            return Err(PlanError::ReusedWouldChange {
                address: address.to_string(),
                attribute: name.clone(),
                live: have.render_inline(),
                wanted: shown(want).render_inline(),
                compared_with: source.to_string(),
            });
        }
    }
    Ok(())
}

fn attrs_with_id(rs: &ResourceState) -> BTreeMap<String, Value> {
    let mut m = rs.attributes.clone();
    if let Some(id) = &rs.id {
        m.insert("id".into(), Value::String(id.clone()));
    }
    m
}

fn plan_removal(
    address: &Address,
    rs: &ResourceState,
    registry: &Registry,
    reason: String,
) -> ResourceChange {
    let before = attrs_with_id(rs);
    let sensitive = |name: &str| {
        registry
            .schema(&rs.kind)
            .and_then(|s| s.get(name))
            .is_some_and(|a| a.sensitive)
    };
    if rs.provenance == Provenance::Reused {
        return ResourceChange {
            address: address.clone(),
            kind: rs.kind.clone(),
            action: Action::NoOp,
            before: Some(before),
            after: None,
            changes: Vec::new(),
            replace_because: Vec::new(),
            provenance: Some(rs.provenance),
            reason: Some(format!(
                "{reason}; reused resources are never deleted, strata only forgets it"
            )),
            drift: None,
        };
    }
    let changes = before
        .iter()
        .map(|(k, v)| AttrChange {
            name: k.clone(),
            before: Some(v.clone()),
            after: None,
            forces_replace: false,
            sensitive: sensitive(k) || matches!(v, Value::Redacted(_)),
        })
        .collect();
    ResourceChange {
        address: address.clone(),
        kind: rs.kind.clone(),
        action: Action::Delete,
        before: Some(before),
        after: None,
        changes,
        replace_because: Vec::new(),
        provenance: Some(rs.provenance),
        reason: Some(reason),
        drift: None,
    }
}

fn plan_outputs(
    deployment: &Deployment,
    state: Option<&State>,
    scope: &PlanScope<'_>,
) -> Result<Vec<OutputChange>, PlanError> {
    let mut out = Vec::new();
    for (name, output) in &deployment.outputs {
        let v = eval(&output.expr, scope).map_err(|e| PlanError::Evaluation {
            address: "output".into(),
            attribute: name.clone(),
            message: e.message,
        })?;
        let after = shown(&v);
        let before = state
            .and_then(|s| s.outputs.get(name))
            .map(|o| o.value.clone());
        let key = state.and_then(State::digest_key);
        let key = key.as_deref();
        let action = match &before {
            None => Action::Create,
            Some(b) if b.keyed(key) == after.keyed(key) && after.is_known() => Action::NoOp,
            Some(_) => Action::Update,
        };
        out.push(OutputChange {
            name: name.clone(),
            action,
            before,
            after: Some(after),
            sensitive: v.sensitive,
        });
    }
    if let Some(state) = state {
        for (name, o) in &state.outputs {
            if !deployment.outputs.contains_key(name) {
                out.push(OutputChange {
                    name: name.clone(),
                    action: Action::Delete,
                    before: Some(o.value.clone()),
                    after: None,
                    sensitive: o.sensitive,
                });
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}
