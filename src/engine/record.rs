//! What the state records for a resource after a step.

use crate::address::Address;
use crate::config::eval::Evaluated;
use crate::plan::diff::shown;
use crate::plan::refresh::live_attrs;
use crate::provider::{LiveResource, Registry};
use crate::state::{now_rfc3339, Provenance, ResourceState};
use std::collections::BTreeMap;

/// The state entry of a resource just created or updated: what AWS reported, overlaid with
/// the configured values (redacted where sensitive), so that the next plan finds no change.
pub fn recorded(
    address: &Address,
    live: &LiveResource,
    desired: &BTreeMap<String, Evaluated>,
    dependencies: Vec<Address>,
    registry: &Registry,
    previous: Option<&ResourceState>,
) -> ResourceState {
    let mut attributes = live_attrs(live, registry.schema(&address.kind));
    attributes.remove("id");
    for (k, v) in desired {
        attributes.insert(k.clone(), shown(v));
    }
    let now = now_rfc3339();
    ResourceState {
        address: address.clone(),
        kind: address.kind.clone(),
        id: Some(live.id.clone()),
        attributes,
        dependencies,
        provenance: previous.map_or(Provenance::Created, |p| p.provenance),
        created_at: previous.map_or(now.clone(), |p| p.created_at.clone()),
        updated_at: now,
    }
}
