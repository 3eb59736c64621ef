//! What the state records for a resource after a step.

use crate::address::Address;
use crate::config::eval::Evaluated;
use crate::plan::diff::shown;
use crate::plan::refresh::live_attrs;
use crate::provider::{LiveResource, Registry};
use crate::state::{now_rfc3339, Provenance, ResourceState};
use std::collections::BTreeMap;

/// The state entry of a resource just created or updated: what AWS reported, read back after
/// the step, so that the next plan compares the configuration with what is really there. Only
/// attributes the kind cannot read back (write-only ones, such as a key pair's public key)
/// are recorded as configured; read values that are sensitive are kept as digests.
pub fn recorded(
    address: &Address,
    live: &LiveResource,
    desired: &BTreeMap<String, Evaluated>,
    dependencies: Vec<Address>,
    registry: &Registry,
    previous: Option<&ResourceState>,
) -> ResourceState {
    let schema = registry.schema(&address.kind);
    let mut attributes = live_attrs(live, schema);
    attributes.remove("id");
    for (k, v) in attributes.iter_mut() {
        let sensitive = desired.get(k).is_some_and(|d| d.sensitive)
            || schema.and_then(|s| s.get(k)).is_some_and(|a| a.sensitive);
        if sensitive {
            *v = v.redact();
        }
    }
    for (k, v) in desired {
        attributes.entry(k.clone()).or_insert_with(|| shown(v));
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
