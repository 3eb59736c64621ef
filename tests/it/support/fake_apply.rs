//! A stand-in for apply: the state strata would record if AWS did exactly what the plan says,
//! with made-up but stable ids and computed values.
//!
//! Resources are applied one at a time in dependency order and the deployment is planned again
//! after each one, so that a reference (`${vpc.main.id}`) resolves to the fake id recorded for
//! its target, exactly as it would after a real apply.

use std::collections::BTreeMap;
use strata::config::Deployment;
use strata::graph::ResourceGraph;
use strata::plan::diff::plan;
use strata::plan::{Action, Plan, ResourceChange};
use strata::provider::{AttrType, Registry};
use strata::state::{OutputState, Provenance, ResourceState, State};
use strata::{Address, Value};

/// Timestamp written on every fake resource, so that states built twice are equal.
const FAKE_TIME: &str = "2026-01-01T00:00:00Z";

/// The fake provider id of a resource: `<kind>-fake-<name>`.
pub fn fake_id(address: &Address) -> String {
    format!("{}-fake-{}", address.kind, address.name)
}

/// The state after applying every change of `deployment`'s plan against an empty state. A plan
/// of the deployment against the result has no changes.
pub fn fake_apply(deployment: &Deployment, registry: &Registry) -> State {
    let mut state = State::new(
        &deployment.name,
        &deployment.stack.name,
        deployment.tier.as_ref().map(|t| t.name.as_str()),
    );
    let graph = ResourceGraph::from_deployment(deployment).expect("a loaded deployment is acyclic");
    for address in graph.topo_order() {
        let current = plan_against(deployment, &state, registry);
        let change = current
            .resource_changes
            .iter()
            .find(|c| c.address == address)
            .expect("every resource of the deployment is in its plan");
        let recorded = record(change, deployment, registry);
        state.resources.insert(address, recorded);
    }
    let current = plan_against(deployment, &state, registry);
    for output in &current.output_changes {
        let Some(after) = &output.after else { continue };
        assert!(
            after.is_known(),
            "output {} still unknown after the fake apply: {after:?}",
            output.name
        );
        state.outputs.insert(
            output.name.clone(),
            OutputState {
                value: after.clone(),
                sensitive: output.sensitive,
            },
        );
    }
    state
}

fn plan_against(deployment: &Deployment, state: &State, registry: &Registry) -> Plan {
    plan(deployment, Some(state), registry, false).expect("the deployment plans")
}

/// What apply would record for one planned change.
fn record(change: &ResourceChange, deployment: &Deployment, registry: &Registry) -> ResourceState {
    assert!(
        matches!(change.action, Action::Create | Action::Read),
        "fake_apply starts from an empty state, so {} should be created or read, not {:?}",
        change.address,
        change.action
    );
    let schema = registry
        .schema(&change.kind)
        .expect("the kind of a planned resource is registered");
    let after = change.after.clone().unwrap_or_default();
    let mut attributes = BTreeMap::new();
    let mut id = None;
    for (name, value) in after {
        if name == "id" {
            id = Some(match value {
                Value::String(s) => s,
                _ => fake_id(&change.address),
            });
            continue;
        }
        let ty = schema
            .get(&name)
            .map(|a| a.ty.clone())
            .unwrap_or(AttrType::Any);
        attributes.insert(
            name.clone(),
            fill_unknown(value, &ty, &change.address, &name),
        );
    }
    let dependencies = deployment
        .resources
        .get(&change.address)
        .map(|r| {
            let mut deps: Vec<Address> = r.dependencies().into_iter().map(|(a, _)| a).collect();
            deps.sort();
            deps.dedup();
            deps
        })
        .unwrap_or_default();
    ResourceState {
        address: change.address.clone(),
        kind: change.kind.clone(),
        id: Some(id.unwrap_or_else(|| fake_id(&change.address))),
        attributes,
        dependencies,
        provenance: change.provenance.unwrap_or(Provenance::Created),
        created_at: FAKE_TIME.to_string(),
        updated_at: FAKE_TIME.to_string(),
    }
}

/// Replace every `Unknown` inside `value` by a made-up value of the attribute's type.
fn fill_unknown(value: Value, ty: &AttrType, address: &Address, attr: &str) -> Value {
    match value {
        Value::Unknown => fake_value(ty, address, attr),
        Value::List(items) => {
            let inner = match ty {
                AttrType::List(inner) => inner.as_ref().clone(),
                _ => AttrType::Any,
            };
            Value::List(
                items
                    .into_iter()
                    .map(|v| fill_unknown(v, &inner, address, attr))
                    .collect(),
            )
        }
        Value::Map(map) => {
            let inner = match ty {
                AttrType::Map(inner) => inner.as_ref().clone(),
                _ => AttrType::Any,
            };
            Value::Map(
                map.into_iter()
                    .map(|(k, v)| {
                        let filled = fill_unknown(v, &inner, address, &format!("{attr}.{k}"));
                        (k, filled)
                    })
                    .collect(),
            )
        }
        other => other,
    }
}

fn fake_value(ty: &AttrType, address: &Address, attr: &str) -> Value {
    match ty {
        AttrType::Int | AttrType::Number => Value::Int(1),
        AttrType::Bool => Value::Bool(false),
        AttrType::List(_) => Value::List(Vec::new()),
        AttrType::Map(_) | AttrType::Block(_) => Value::Map(BTreeMap::new()),
        AttrType::String | AttrType::Any => {
            if attr.ends_with("ip") {
                // Stands in for a public or private address: TEST-NET-3, never routed.
                Value::str("203.0.113.10")
            } else {
                Value::String(format!("fake-{}-{}-{attr}", address.kind, address.name))
            }
        }
    }
}
