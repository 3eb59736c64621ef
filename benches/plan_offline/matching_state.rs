//! A recorded state that matches the configuration exactly, so that planning against it is all
//! no-op: the diff path with state, which a first plan never takes.
//!
//! The state is what apply would have recorded: each resource's planned `after` attributes with
//! every "(known after apply)" value replaced by a fake but stable string. One round is not
//! enough, because a reference to a resource being created is unknown in the first plan and only
//! resolves (to the fake id) once that resource is recorded; each round settles one more level
//! of the graph, so at most depth + 1 rounds are needed.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::time::Duration;
use strata::config::Deployment;
use strata::plan::model::{Action, Plan};
use strata::provider::Registry;
use strata::state::{LocalBackend, OutputState, Provenance, ResourceState, State};
use strata::value::Value;
use strata::Address;

/// Fixed timestamps: the state's times never influence a plan.
const RECORDED_AT: &str = "2025-01-01T00:00:00Z";

/// Rounds of plan-then-record before giving up on convergence.
const MAX_ROUNDS: usize = 64;

/// How the state came out.
#[derive(Debug, Clone, Copy)]
pub struct Settled {
    /// Plan-then-record rounds it took.
    pub rounds: usize,
    /// Whether planning against it is all no-op (resources and outputs).
    pub all_no_op: bool,
}

/// Build the matching state for `deployment` and save it under `state_root`.
pub fn write_matching_state(
    deployment: &Deployment,
    registry: &Registry,
    state_root: &Path,
) -> Result<Settled, Box<dyn Error>> {
    let tier = deployment.tier.as_ref().map(|t| t.name.as_str());
    let mut state = State::new(&deployment.name, &deployment.stack.name, tier);
    let mut plan = strata::plan::diff::plan(deployment, None, registry, false)?;
    let mut rounds = 0;
    while !all_no_op(&plan) && rounds < MAX_ROUNDS {
        record(&mut state, deployment, &plan);
        plan = strata::plan::diff::plan(deployment, Some(&state), registry, false)?;
        rounds += 1;
    }
    let backend = LocalBackend::new(state_root);
    let lock = backend.lock(&deployment.name, "bench", Duration::from_secs(5))?;
    backend.save(&lock, &mut state)?;
    lock.release();
    Ok(Settled {
        rounds,
        all_no_op: all_no_op(&plan),
    })
}

fn all_no_op(plan: &Plan) -> bool {
    plan.resource_changes
        .iter()
        .all(|c| c.action == Action::NoOp)
        && plan.output_changes.iter().all(|o| o.action == Action::NoOp)
}

/// Record `plan` in `state` as a successful apply would.
fn record(state: &mut State, deployment: &Deployment, plan: &Plan) {
    state.resources.clear();
    for change in &plan.resource_changes {
        let Some(after) = &change.after else {
            continue;
        };
        let address = &change.address;
        let mut attributes: BTreeMap<String, Value> = after
            .iter()
            .map(|(name, v)| (name.clone(), known(v, address, name)))
            .collect();
        let id = match attributes.remove("id") {
            Some(Value::String(id)) => id,
            _ => fake(address, "id"),
        };
        let mut dependencies: Vec<Address> = deployment
            .resources
            .get(address)
            .map(|r| r.dependencies().into_iter().map(|(a, _)| a).collect())
            .unwrap_or_default();
        dependencies.sort();
        dependencies.dedup();
        state.resources.insert(
            address.clone(),
            ResourceState {
                address: address.clone(),
                kind: change.kind.clone(),
                id: Some(id),
                attributes,
                dependencies,
                provenance: Provenance::Created,
                created_at: RECORDED_AT.to_string(),
                updated_at: RECORDED_AT.to_string(),
            },
        );
    }
    state.outputs = plan
        .output_changes
        .iter()
        .filter_map(|o| {
            let value = o.after.as_ref()?;
            let output = Address::new("output", o.name.clone());
            Some((
                o.name.clone(),
                OutputState {
                    value: known(value, &output, &o.name),
                    sensitive: o.sensitive,
                },
            ))
        })
        .collect();
}

/// `value` with every unknown part replaced by a fake string naming where it sits.
fn known(value: &Value, address: &Address, attr: &str) -> Value {
    match value {
        Value::Unknown => Value::String(fake(address, attr)),
        Value::List(items) => Value::List(items.iter().map(|v| known(v, address, attr)).collect()),
        Value::Map(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (k.clone(), known(v, address, attr)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A stable stand-in for a value only apply could tell.
fn fake(address: &Address, attr: &str) -> String {
    format!("fake-{}-{}-{attr}", address.kind, address.name)
}
