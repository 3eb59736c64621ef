//! Reading the live account before planning: one batched read per resource kind (and per page
//! inside the kind), never one call per resource.
//!
//! The result is used two ways: recorded state is brought up to date with what is live (so the
//! plan diffs configuration against reality), and the differences are reported as drift,
//! "changed outside strata", separately from changes in configuration.

use super::model::{AttrChange, Drift};
use crate::address::Address;
use crate::config::{Deployment, Mode};
use crate::provider::retry::RetryPolicy;
use crate::provider::{KindSchema, LiveResource, ProviderError, Registry};
use crate::state::{Provenance, State};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What the live account says.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// Every recorded resource: its live form, or `None` when it no longer exists.
    pub live: BTreeMap<Address, Option<LiveResource>>,
    /// Reused resources (`existing`, `lookup`) as found.
    pub reused: BTreeMap<Address, LiveResource>,
    /// Drift per recorded resource that differs.
    pub drift: BTreeMap<Address, Drift>,
    /// API calls made, by operation.
    pub calls: BTreeMap<String, u64>,
}

/// Why a refresh failed.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// A read failed for good (after retries).
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// A reused resource does not exist or is ambiguous.
    #[error("{message}")]
    Reused {
        /// The resource.
        address: Address,
        /// What is wrong.
        message: String,
    },
}

impl miette::Diagnostic for RefreshError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            RefreshError::Provider(e) => Some(Box::new(e.diagnostic_code())),
            RefreshError::Reused { .. } => Some(Box::new("strata::plan::reused_not_found")),
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            RefreshError::Provider(e) => Some(Box::new(e.class.hint())),
            RefreshError::Reused { address, .. } => Some(Box::new(format!(
                "check the `existing` id or `lookup` tags of `{address}` in the stack or tier, and the region"
            ))),
        }
    }
}

/// Read, in batches, every resource recorded in `state` and every reused resource of
/// `deployment`. At most `concurrency` kinds are read at once.
pub async fn refresh(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
    concurrency: usize,
) -> Result<Refreshed, RefreshError> {
    let before = registry.stats().snapshot();
    // kind → ids to read, and which address each id belongs to.
    let mut by_kind: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut owner: BTreeMap<(String, String), Vec<Address>> = BTreeMap::new();
    if let Some(state) = state {
        for rs in state.resources.values() {
            if let Some(id) = &rs.id {
                by_kind
                    .entry(rs.kind.clone())
                    .or_default()
                    .insert(id.clone());
                owner
                    .entry((rs.kind.clone(), id.clone()))
                    .or_default()
                    .push(rs.address.clone());
            }
        }
    }
    for r in deployment.resources.values() {
        if let Mode::Existing { id } = &r.mode {
            by_kind
                .entry(r.address.kind.clone())
                .or_default()
                .insert(id.clone());
        }
    }

    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (kind_name, ids) in by_kind {
        let Some(kind) = registry.get(&kind_name).cloned() else {
            continue;
        };
        let permits = permits.clone();
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let ids: Vec<String> = ids.into_iter().collect();
            let found = RetryPolicy::default()
                .run(|| kind.read(&ids), |_, _| {})
                .await;
            (kind_name, found)
        });
    }
    let mut live_by_id: BTreeMap<(String, String), LiveResource> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let Ok((kind_name, found)) = joined else {
            continue;
        };
        for live in found? {
            live_by_id.insert((kind_name.clone(), live.id.clone()), live);
        }
    }

    let mut out = Refreshed::default();
    if let Some(state) = state {
        let key = state.digest_key();
        for rs in state.resources.values() {
            let live = rs
                .id
                .as_ref()
                .and_then(|id| live_by_id.get(&(rs.kind.clone(), id.clone())))
                .cloned();
            if rs.provenance != Provenance::Reused {
                if let Some(d) = drift_of(rs, live.as_ref(), registry, key.as_deref()) {
                    out.drift.insert(rs.address.clone(), d);
                }
            }
            out.live.insert(rs.address.clone(), live);
        }
    }
    for r in deployment.resources.values() {
        let found = match &r.mode {
            Mode::Managed => continue,
            Mode::Existing { id } => live_by_id
                .get(&(r.address.kind.clone(), id.clone()))
                .cloned()
                .ok_or_else(|| RefreshError::Reused {
                    address: r.address.clone(),
                    message: format!(
                        "`{}` reuses `{id}`, which does not exist in this account and region",
                        r.address
                    ),
                })?,
            Mode::Lookup { tags } => {
                let kind = registry
                    .get(&r.address.kind)
                    .ok_or_else(|| RefreshError::Reused {
                        address: r.address.clone(),
                        message: format!("unknown kind `{}`", r.address.kind),
                    })?;
                let mut found = RetryPolicy::default()
                    .run(|| kind.find_tagged(tags), |_, _| {})
                    .await?;
                match found.len() {
                    1 => found.remove(0),
                    n => {
                        return Err(RefreshError::Reused {
                            address: r.address.clone(),
                            message: format!(
                                "`{}` looks up a {} tagged {}: found {n}, expected exactly one",
                                r.address,
                                r.address.kind,
                                tags.iter()
                                    .map(|(k, v)| format!("{k}={v}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })
                    }
                }
            }
        };
        out.reused.insert(r.address.clone(), found);
    }
    let after = registry.stats().snapshot();
    out.calls = after
        .into_iter()
        .filter_map(|(op, n)| {
            let d = n - before.get(&op).copied().unwrap_or(0);
            (d > 0).then_some((op, d))
        })
        .collect();
    Ok(out)
}

/// Live attributes of a resource as the state records them: the attributes read, plus its tags
/// as the `tags` attribute for taggable kinds.
pub fn live_attrs(live: &LiveResource, schema: Option<&KindSchema>) -> BTreeMap<String, Value> {
    let taggable = schema.is_some_and(|s| s.taggable);
    let mut attrs = live.attrs.clone();
    if let Some(schema) = schema {
        schema.canonicalize(&mut attrs);
    }
    // Every resource strata creates carries `strata:*` tags, so an empty tag set means the
    // kind's batched read does not return tags (CloudFront lists distributions without them):
    // keep the recorded tags rather than report them all removed.
    if taggable && !live.tags.is_empty() {
        attrs.insert(
            "tags".into(),
            Value::Map(
                live.tags
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ),
        );
    }
    attrs
}

/// Whether a live attribute is kept as a digest: its kind says it is secret, or the state
/// recorded it as one (the configuration put a sensitive variable into it). A live value of
/// such an attribute is never shown nor compared in clear.
fn kept_sensitive(attr: Option<&crate::provider::AttrSchema>, recorded: Option<&Value>) -> bool {
    attr.is_some_and(|a| a.sensitive) || matches!(recorded, Some(Value::Redacted(_)))
}

/// `key` is the state's digest key: the recorded digests are keyed, the live ones plain.
fn drift_of(
    rs: &crate::state::ResourceState,
    live: Option<&LiveResource>,
    registry: &Registry,
    key: Option<&[u8]>,
) -> Option<Drift> {
    let Some(live) = live else {
        return Some(Drift {
            deleted: true,
            changes: Vec::new(),
        });
    };
    let schema = registry.schema(&rs.kind)?;
    let attrs = live_attrs(live, Some(schema));
    let mut changes = Vec::new();
    for (name, value) in &attrs {
        let recorded = rs.attributes.get(name);
        let sensitive = kept_sensitive(schema.get(name), recorded);
        let value = if sensitive {
            value.redact()
        } else {
            value.clone()
        };
        // Live values may carry more than was recorded (AWS's defaults in nested blocks);
        // only what was recorded and no longer holds is drift. Tags must match exactly.
        let same = match recorded {
            Some(r) if name == "tags" => r.keyed(key) == value.keyed(key),
            Some(r) => value.keyed(key).covers(&r.keyed(key)),
            // Not recorded: strata never set it, so a live value is not a change.
            None => true,
        };
        if !same {
            changes.push(AttrChange {
                name: name.clone(),
                before: recorded.cloned(),
                after: Some(value),
                forces_replace: false,
                sensitive,
            });
        }
    }
    (!changes.is_empty()).then_some(Drift {
        deleted: false,
        changes,
    })
}

/// The recorded state brought up to date with the live account: attributes read replace the
/// recorded ones (attributes a kind cannot read keep their recorded value), resources deleted
/// outside strata are dropped (so the plan creates them again).
pub fn refreshed_state(state: &State, refreshed: &Refreshed, registry: &Registry) -> State {
    let mut out = state.clone();
    for (address, live) in &refreshed.live {
        match live {
            None => {
                out.resources.remove(address);
            }
            Some(live) => {
                if let Some(rs) = out.resources.get_mut(address) {
                    let schema = registry.schema(&rs.kind);
                    for (k, v) in live_attrs(live, schema) {
                        let sensitive =
                            kept_sensitive(schema.and_then(|s| s.get(&k)), rs.attributes.get(&k));
                        rs.attributes
                            .insert(k, if sensitive { v.redact() } else { v });
                    }
                }
            }
        }
    }
    out
}
