//! Everything in the account tagged with a deployment's name, sorted by whose it is.
//!
//! A resource strata creates carries `strata:deployment`, `strata:address` and
//! `strata:lineage` (the lineage of the state that created it). Two states may share a
//! deployment name (two checkouts of one project): the lineage tells their resources apart.
//! The rules, for each resource tagged `strata:deployment=<name>`:
//!
//! 1. its id is recorded in this state: ours, whatever its tags say (a resource created
//!    before lineage tags existed has none; the next apply adds it);
//! 2. it carries another lineage: **foreign**, another state's;
//! 3. its `strata:address` names a resource of another kind that this state records: a part
//!    of that resource (an instance's volumes carry its tags), not an orphan;
//! 4. it carries this state's lineage: an **orphan**, ours but missing from the state (left
//!    by an interrupted run);
//! 5. it carries no lineage and the state does not know its id: **foreign** too. A strata
//!    from before lineage tags made it, for this state or another one with the same name, and
//!    nothing tells which: it is neither adopted nor deleted unless `--adopt-foreign` says
//!    it is ours.
//!
//! Without a state (before the first apply) every tagged resource is foreign.

use crate::address::Address;
use crate::plan::diff::{TAG_ADDRESS, TAG_DEPLOYMENT, TAG_LINEAGE};
use crate::provider::retry::RetryPolicy;
use crate::provider::{LiveResource, ProviderError, Registry};
use crate::state::State;
use std::collections::{BTreeMap, BTreeSet};

/// A resource tagged with this deployment and this state's lineage that the state does not
/// record.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphan {
    /// Its `strata:address` tag (or `kind.orphan-<id>` without one).
    pub address: Address,
    /// Provider id.
    pub id: String,
}

/// A resource tagged with this deployment's name that belongs to another state.
#[derive(Debug, Clone, PartialEq)]
pub struct Foreign {
    /// Resource kind.
    pub kind: String,
    /// Its `strata:address` tag, when that names a resource of its kind.
    pub address: Option<Address>,
    /// Its `strata:lineage` tag; `None` when it has none (made before lineage tags).
    pub lineage: Option<String>,
    /// The resource as read.
    pub live: LiveResource,
}

impl Foreign {
    /// Provider id.
    pub fn id(&self) -> &str {
        &self.live.id
    }

    /// `kind id (address, lineage L)`, for messages.
    pub fn describe(&self) -> String {
        let address = self
            .address
            .as_ref()
            .map_or("no strata:address".to_string(), |a| a.to_string());
        let lineage = self
            .lineage
            .as_deref()
            .map_or("no lineage".to_string(), |l| format!("lineage {l}"));
        format!("{} {} ({address}, {lineage})", self.kind, self.live.id)
    }
}

/// What carries a deployment's name without being recorded in its state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tagged {
    /// This state's own, missing from it.
    pub orphans: Vec<Orphan>,
    /// Another state's (or nobody's that can be told), sorted by kind and id.
    pub foreign: Vec<Foreign>,
}

/// Look up every taggable kind of `registry` for resources tagged
/// `strata:deployment=<deployment>` (one `find_tagged` per kind, each retried by `retry`) and
/// sort them by the rules above against `state`.
pub async fn scan(
    registry: &Registry,
    deployment: &str,
    state: Option<&State>,
    retry: RetryPolicy,
) -> Result<Tagged, ProviderError> {
    let known: BTreeSet<&str> = state
        .iter()
        .flat_map(|s| s.resources.values())
        .filter_map(|r| r.id.as_deref())
        .collect();
    let lineage = state.map(|s| s.lineage.as_str());
    let wanted = BTreeMap::from([(TAG_DEPLOYMENT.to_string(), deployment.to_string())]);
    let mut out = Tagged::default();
    for name in registry.names() {
        let Some(kind) = registry.get(name) else {
            continue;
        };
        if !kind.schema().taggable {
            continue;
        }
        let found = retry.run(|| kind.find_tagged(&wanted), |_, _| {}).await?;
        for live in found {
            if known.contains(live.id.as_str()) {
                continue;
            }
            let tagged_address = live
                .tags
                .get(TAG_ADDRESS)
                .and_then(|a| a.parse::<Address>().ok());
            let own_address = tagged_address.clone().filter(|a| a.kind == name);
            let theirs = live.tags.get(TAG_LINEAGE).cloned();
            let other_lineage = theirs.is_some() && theirs.as_deref() != lineage;
            let part_of_recorded = tagged_address.as_ref().is_some_and(|a| {
                a.kind != name && state.is_some_and(|s| s.resources.contains_key(a))
            });
            if !other_lineage && part_of_recorded {
                continue;
            }
            if other_lineage || theirs.is_none() {
                out.foreign.push(Foreign {
                    kind: name.to_string(),
                    address: own_address,
                    lineage: theirs,
                    live,
                });
            } else {
                out.orphans.push(Orphan {
                    address: own_address
                        .unwrap_or_else(|| Address::new(name, format!("orphan-{}", live.id))),
                    id: live.id,
                });
            }
        }
    }
    out.foreign
        .sort_by(|a, b| (&a.kind, &a.live.id).cmp(&(&b.kind, &b.live.id)));
    Ok(out)
}
