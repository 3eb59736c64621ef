//! `apply`: carry out a plan. Deletions (removed resources and the old half of replacements)
//! run first, dependents before what they depend on; then creations and updates, each the
//! moment its dependencies are done; last, the old halves of replacements made
//! create-before-destroy, because something updated in place pointed at them. State is saved
//! after every resource.

use super::events::Event;
use super::journal::Journal;
use super::record::recorded;
use super::schedule;
use super::step::{Done, Step, Work};
use super::{EngineError, Report, RunContext};
use crate::address::Address;
use crate::plan::diff::{apply_attrs, output_values};
use crate::plan::{Action, Plan, ResourceChange};
use crate::provider::retry::RetryPolicy;
use crate::provider::{ErrorClass, ProviderError};
use crate::state::{now_rfc3339, OutputState, Provenance, ResourceState, State};
use crate::value::Value;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// What to do when a resource fails for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// On a first deployment, delete everything this run created (the default).
    Rollback,
    /// Leave what was done in place; state records exactly what exists.
    Keep,
}

/// How to run.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Resources worked on at once.
    pub parallelism: usize,
    /// Rollback or keep.
    pub on_failure: OnFailure,
    /// Retries of throttling, transient and eventual-consistency errors.
    pub retry: RetryPolicy,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 10,
            on_failure: OnFailure::Rollback,
            retry: RetryPolicy::default(),
        }
    }
}

/// Apply `plan` to the deployment whose recorded state is `state`. Returns what was done and
/// the state as saved at the end.
pub async fn apply(
    ctx: &RunContext<'_>,
    plan: &Plan,
    mut state: State,
    opts: &ApplyOptions,
) -> Result<(Report, State), EngineError> {
    let started = std::time::Instant::now();
    let first_deployment = state
        .resources
        .values()
        .all(|r| r.provenance == Provenance::Reused);
    let dir = ctx.backend.deployment_dir(&ctx.deployment.name)?;
    let carried = carried_tokens(&dir)?;
    let journal = Arc::new(Mutex::new(Journal::open(&dir)?));
    let run_id = uuid::Uuid::new_v4().to_string();
    let changes: BTreeMap<Address, &ResourceChange> = plan
        .resource_changes
        .iter()
        .map(|c| (c.address.clone(), c))
        .collect();
    for c in &plan.resource_changes {
        if c.action.is_change() {
            ctx.events.emit(&Event::Planned {
                address: c.address.to_string(),
                action: action_name(c.action).into(),
            });
        }
    }

    // Reused resources: record what was read; forget the ones no longer referenced.
    for c in &plan.resource_changes {
        match c.action {
            Action::Read => {
                let mut attrs = c.after.clone().unwrap_or_default();
                let id = match attrs.remove("id") {
                    Some(Value::String(s)) => Some(s),
                    _ => None,
                };
                let now = now_rfc3339();
                let created_at = state
                    .resources
                    .get(&c.address)
                    .map_or(now.clone(), |r| r.created_at.clone());
                state.resources.insert(
                    c.address.clone(),
                    ResourceState {
                        address: c.address.clone(),
                        kind: c.kind.clone(),
                        id,
                        attributes: attrs,
                        dependencies: Vec::new(),
                        provenance: Provenance::Reused,
                        created_at,
                        updated_at: now,
                    },
                );
            }
            Action::NoOp if c.after.is_none() => {
                state.resources.remove(&c.address);
            }
            _ => {}
        }
    }
    ctx.backend.save(ctx.lock, &mut state)?;

    let mut report = Report::default();
    let config_deps = |a: &Address| -> BTreeSet<Address> {
        ctx.deployment
            .resources
            .get(a)
            .map(|r| r.dependencies().into_iter().map(|(d, _)| d).collect())
            .unwrap_or_default()
    };

    // A replaced resource that something updated in place will point at (the internet
    // gateway of a replaced VPC, the instance of a replaced security group) is replaced
    // create-before-destroy: AWS refuses to delete the old one while it is still used, and
    // the dependent can only move once the new one exists. The old one waits in state under
    // its `~replaced` address and is deleted last. What the old one stands on and is
    // replaced too (the subnet and security group of a replaced instance) must outlive it,
    // so create-before-destroy spreads to its replaced dependencies, as in Terraform. Kinds
    // whose schema asks for it are always replaced this way.
    let replacing: BTreeSet<&Address> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action == Action::Replace)
        .map(|c| &c.address)
        .collect();
    let seeds: Vec<Address> = replacing
        .iter()
        .filter(|a| {
            let always = ctx
                .registry
                .schema(&a.kind)
                .is_some_and(|s| s.create_before_destroy);
            always
                || plan
                    .resource_changes
                    .iter()
                    .any(|d| d.action == Action::Update && config_deps(&d.address).contains(**a))
        })
        .map(|a| (*a).clone())
        .collect();
    let before_destroy = spread_to_dependencies(seeds, |a| {
        deps_of(&state, a, &config_deps)
            .into_iter()
            .filter(|d| replacing.contains(d))
            .collect()
    });

    // Phase 1: deletions, dependents first.
    let deleting: BTreeSet<Address> = plan
        .resource_changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace))
        .filter(|c| !before_destroy.contains(&c.address) && !c.address.is_replaced())
        .map(|c| c.address.clone())
        .collect();
    let mut waits: BTreeMap<Address, BTreeSet<Address>> = BTreeMap::new();
    for x in &deleting {
        let dependents = deleting
            .iter()
            .filter(|y| *y != x && deps_of(&state, y, &config_deps).contains(x))
            .cloned()
            .collect();
        waits.insert(x.clone(), dependents);
    }
    let ok = delete_phase(
        ctx,
        waits,
        &mut state,
        &journal,
        opts,
        &mut report,
        &run_id,
        false,
    )
    .await?;

    // Old halves a stopped run left, and the ones set aside now, are deleted in phase 3.
    let mut replaced: BTreeSet<Address> = plan
        .resource_changes
        .iter()
        .filter(|c| c.action == Action::Delete && c.address.is_replaced())
        .map(|c| c.address.clone())
        .collect();
    if ok && !report.interrupted && !before_destroy.is_empty() {
        set_aside(&mut state, &before_destroy);
        ctx.backend.save(ctx.lock, &mut state)?;
        replaced.extend(before_destroy.iter().map(Address::replaced));
    }

    // Phase 2: creations and updates, dependencies first.
    if ok && !report.interrupted {
        let building: BTreeSet<Address> = plan
            .resource_changes
            .iter()
            .filter(|c| matches!(c.action, Action::Create | Action::Replace | Action::Update))
            .map(|c| c.address.clone())
            .collect();
        let waits: BTreeMap<Address, BTreeSet<Address>> = building
            .iter()
            .map(|x| {
                let deps = config_deps(x)
                    .into_iter()
                    .filter(|d| building.contains(d))
                    .collect();
                (x.clone(), deps)
            })
            .collect();
        let state_cell = Mutex::new(&mut state);
        let failures: Mutex<Vec<ProviderError>> = Mutex::new(Vec::new());
        let mut start = |address: &Address| -> Option<Step> {
            let guard = state_cell.lock().ok()?;
            let change = changes.get(address)?;
            let op = match change.action {
                Action::Update => "update",
                _ => "create",
            };
            let token = match carried.get(address) {
                Some(t) if op == "create" => t.clone(),
                _ => token(&guard.lineage, address, op, &run_id),
            };
            match build_step(ctx, address, change, &guard, &journal, opts, token) {
                Ok(step) => Some(step),
                Err(e) => {
                    if let Ok(mut f) = failures.lock() {
                        f.push(e);
                    }
                    None
                }
            }
        };
        let mut created = Vec::new();
        let mut updated = Vec::new();
        let commits: RefCell<Vec<u64>> = RefCell::new(Vec::new());
        let halt: RefCell<Option<EngineError>> = RefCell::new(None);
        let mut finish = |done: Done| -> bool {
            let Ok(mut guard) = state_cell.lock() else {
                return false;
            };
            let state: &mut State = &mut guard;
            // Recorded like any other result below, so the state saved by the next flush
            // holds what exists; the run stops and returns the journal error after that.
            let journal_ok = journal_written(&halt, done.journal_error);
            let (ok, live) = match done.result {
                Ok(live) => (true, live),
                Err(e) => {
                    if let Ok(mut f) = failures.lock() {
                        f.push(e);
                    }
                    // Created but never ready: it exists, so the state must list it (what
                    // rollback and destroy delete); the failure still stops the run.
                    (false, done.leftover)
                }
            };
            if let Some(live) = live {
                let desired = apply_attrs(ctx.deployment, &done.address, state, ctx.registry)
                    .unwrap_or_default();
                let deps: Vec<Address> = config_deps(&done.address).into_iter().collect();
                let previous = state.resources.get(&done.address).cloned();
                let rs = recorded(
                    &done.address,
                    &live,
                    &desired,
                    deps,
                    ctx.registry,
                    previous.as_ref(),
                );
                state.resources.insert(done.address.clone(), rs);
                match done.work {
                    Work::Create { .. } => created.push(done.address.clone()),
                    _ => updated.push(done.address.clone()),
                }
                commits.borrow_mut().push(done.seq);
            }
            ok && journal_ok
        };
        let mut flush = || save_and_commit(ctx, &state_cell, &journal, &commits, &halt);
        schedule::run(
            waits,
            opts.parallelism,
            &ctx.cancel,
            &mut start,
            &mut finish,
            &mut flush,
        )
        .await;
        report.created.extend(created);
        report.updated.extend(updated);
        report
            .failed
            .extend(failures.into_inner().unwrap_or_default());
        // No rollback after a state or journal failure: rollback's deletes would need both,
        // and the state as last saved holds what exists.
        if let Some(e) = halt.into_inner() {
            return Err(e);
        }
    }
    report.interrupted = ctx.cancel.load(std::sync::atomic::Ordering::SeqCst);

    // Phase 3: the old halves of create-before-destroy replacements, once everything that
    // used them points at their replacements. After a failure they stay in state (the next
    // plan deletes them), since a dependent may still use them.
    if report.failed.is_empty() && !report.interrupted && !replaced.is_empty() {
        let waits = dependents_first(&state, &replaced);
        delete_phase(
            ctx,
            waits,
            &mut state,
            &journal,
            opts,
            &mut report,
            &run_id,
            false,
        )
        .await?;
    }

    if !report.failed.is_empty() && first_deployment && opts.on_failure == OnFailure::Rollback {
        rollback(ctx, &mut state, &journal, opts, &mut report, &run_id).await?;
    } else if report.succeeded() {
        let outputs = output_values(ctx.deployment, &state, ctx.registry)?;
        state.outputs = outputs
            .into_iter()
            .map(|(k, (value, sensitive))| (k, OutputState { value, sensitive }))
            .collect();
        ctx.backend.save(ctx.lock, &mut state)?;
    }
    if report.failed.is_empty() {
        if let Ok(mut j) = journal.lock() {
            j.clear()?;
        }
    }
    ctx.events.emit(&Event::Summary {
        created: report.created.len(),
        updated: report.updated.len(),
        deleted: report.deleted.len(),
        failed: report.failed.len(),
        rolled_back: report.rolled_back.len(),
        interrupted: report.interrupted,
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    Ok((report, state))
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
        Action::Read => "read",
        Action::NoOp => "no-op",
    }
}

/// For deleting `addresses`: each waits for those among them that the state records as
/// depending on it.
pub(crate) fn dependents_first(
    state: &State,
    addresses: &BTreeSet<Address>,
) -> BTreeMap<Address, BTreeSet<Address>> {
    addresses
        .iter()
        .map(|x| {
            let dependents = addresses
                .iter()
                .filter(|y| {
                    state
                        .resources
                        .get(*y)
                        .is_some_and(|r| r.dependencies.contains(x))
                })
                .cloned()
                .collect();
            (x.clone(), dependents)
        })
        .collect()
}

/// Whether a resource recorded as created at `at` (RFC 3339) is younger than `budget`.
fn created_within(at: &str, budget: std::time::Duration) -> bool {
    let Ok(created) =
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
    else {
        return false;
    };
    let age = time::OffsetDateTime::now_utc() - created;
    std::time::Duration::try_from(age).is_ok_and(|age| age < budget)
}

/// Move the state entries of `addresses` to their `~replaced` addresses, so that their
/// replacements can be recorded beside them. Dependencies among them follow them.
fn set_aside(state: &mut State, addresses: &BTreeSet<Address>) {
    for address in addresses {
        let Some(mut old) = state.resources.remove(address) else {
            continue;
        };
        old.address = address.replaced();
        for d in old.dependencies.iter_mut() {
            if addresses.contains(d) {
                *d = d.replaced();
            }
        }
        state.resources.insert(old.address.clone(), old);
    }
}

/// `seeds` and, transitively, the replaced dependencies `replaced_deps` names for each.
fn spread_to_dependencies(
    seeds: Vec<Address>,
    replaced_deps: impl Fn(&Address) -> Vec<Address>,
) -> BTreeSet<Address> {
    let mut out = BTreeSet::new();
    let mut todo = seeds;
    while let Some(a) = todo.pop() {
        if out.insert(a.clone()) {
            todo.extend(replaced_deps(&a));
        }
    }
    out
}

/// What a resource depends on: recorded dependencies and configured ones.
fn deps_of(
    state: &State,
    a: &Address,
    config_deps: &dyn Fn(&Address) -> BTreeSet<Address>,
) -> BTreeSet<Address> {
    let mut deps = config_deps(a);
    if let Some(rs) = state.resources.get(a) {
        deps.extend(rs.dependencies.iter().cloned());
    }
    deps
}

/// The idempotency token of an intent (≤ 64 characters, as RunInstances' ClientToken
/// requires): derived from the state's lineage, the address, the operation and the run that
/// first announced the intent. Retries within a run send the same token; a run finishing an
/// interrupted create reuses the token its journal recorded (see [`carried_tokens`]), so AWS
/// answers with the resource already made. A later, new create of the same address gets a
/// token of its own: a token reused after a delete would hand back the deleted resource.
pub fn token(lineage: &str, address: &Address, op: &str, run_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(
        format!("{lineage}/{address}/{op}/{run_id}").as_bytes(),
    ));
    format!("strata-{}", &digest[..40])
}

/// The tokens of creates an interrupted run announced and reconcile could not settle: the
/// next create of each address sends the same token.
fn carried_tokens(dir: &std::path::Path) -> Result<BTreeMap<Address, String>, EngineError> {
    Ok(super::journal::pending(dir)?
        .into_iter()
        .filter(|p| p.op == super::journal::Op::Create)
        .map(|p| (p.address, p.token))
        .collect())
}

fn build_step(
    ctx: &RunContext<'_>,
    address: &Address,
    change: &ResourceChange,
    state: &State,
    journal: &Arc<Mutex<Journal>>,
    opts: &ApplyOptions,
    token: String,
) -> Result<Step, ProviderError> {
    let kind = ctx.registry.get(&address.kind).cloned().ok_or_else(|| {
        ProviderError::invalid("apply", format!("unknown kind `{}`", address.kind))
    })?;
    let desired = apply_attrs(ctx.deployment, address, state, ctx.registry)
        .map_err(|e| ProviderError::invalid("apply", e.to_string()).at(address))?;
    let (attrs, tags) = super::converge::sent(&desired);
    let recorded = state.resources.get(address);
    let work = match (change.action, recorded) {
        (Action::Update, Some(rs)) => Work::Update {
            id: rs.id.clone().unwrap_or_default(),
            before: rs.attributes.clone(),
            after: attrs,
            changed: change.changes.iter().map(|c| c.name.clone()).collect(),
            tags,
        },
        _ => Work::Create { attrs, tags },
    };
    Ok(Step {
        address: address.clone(),
        kind,
        deployment: ctx.deployment.name.clone(),
        work,
        token,
        retry: opts.retry,
        journal: journal.clone(),
        events: ctx.events.clone(),
    })
}

/// Delete the nodes (each waiting for its dependents), recording each deletion in state.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn delete_phase(
    ctx: &RunContext<'_>,
    waits: BTreeMap<Address, BTreeSet<Address>>,
    state: &mut State,
    journal: &Arc<Mutex<Journal>>,
    opts: &ApplyOptions,
    report: &mut Report,
    run_id: &str,
    rolling_back: bool,
) -> Result<bool, EngineError> {
    if waits.is_empty() {
        return Ok(true);
    }
    let state_cell = Mutex::new(state);
    let failures: Mutex<Vec<ProviderError>> = Mutex::new(Vec::new());
    let mut deleted = Vec::new();
    let commits: RefCell<Vec<u64>> = RefCell::new(Vec::new());
    let halt: RefCell<Option<EngineError>> = RefCell::new(None);
    let mut start = |address: &Address| -> Option<Step> {
        let guard = state_cell.lock().ok()?;
        let rs = guard.resources.get(address)?;
        let Some(kind) = ctx.registry.get(&address.kind).cloned() else {
            // Not starting stops the run; without a failure it would count as done and the
            // resource, still in the account, would be reported deleted by omission.
            if let Ok(mut f) = failures.lock() {
                f.push(
                    ProviderError::new(
                        ErrorClass::Unsupported,
                        "delete",
                        format!("this build does not know the kind `{}`", address.kind),
                    )
                    .at(address),
                );
            }
            return None;
        };
        Some(Step {
            address: address.clone(),
            kind,
            deployment: ctx.deployment.name.clone(),
            work: Work::Delete {
                id: rs.id.clone().unwrap_or_default(),
                recorded: rs.attributes.clone(),
                fresh: created_within(&rs.created_at, opts.retry.consistency_budget),
            },
            token: token(&guard.lineage, address, "delete", run_id),
            retry: opts.retry,
            journal: journal.clone(),
            events: ctx.events.clone(),
        })
    };
    let mut finish = |done: Done| -> bool {
        let Ok(mut guard) = state_cell.lock() else {
            return false;
        };
        // As for creations: a deletion that happened is recorded even if the journal missed
        // its outcome, then the run stops with the journal error.
        let journal_ok = journal_written(&halt, done.journal_error);
        let ok = match done.result {
            Ok(_) => {
                guard.resources.remove(&done.address);
                if rolling_back {
                    ctx.events.emit(&Event::RolledBack {
                        address: done.address.to_string(),
                    });
                }
                deleted.push(done.address.clone());
                commits.borrow_mut().push(done.seq);
                true
            }
            Err(e) => {
                if let Ok(mut f) = failures.lock() {
                    f.push(e);
                }
                false
            }
        };
        ok && journal_ok
    };
    let never = std::sync::atomic::AtomicBool::new(false);
    // A rollback runs to the end even after Ctrl-C: stopping half-way would orphan resources.
    let cancel = if rolling_back { &never } else { &*ctx.cancel };
    let mut flush = || save_and_commit(ctx, &state_cell, journal, &commits, &halt);
    schedule::run(
        waits,
        opts.parallelism,
        cancel,
        &mut start,
        &mut finish,
        &mut flush,
    )
    .await;
    if let Some(e) = halt.into_inner() {
        return Err(e);
    }
    let failed = failures.into_inner().unwrap_or_default();
    let ok = failed.is_empty();
    if rolling_back {
        report.rolled_back.extend(deleted);
    } else {
        report.deleted.extend(deleted);
    }
    report.failed.extend(failed);
    Ok(ok)
}

/// Save the state holding the results recorded since the last save, then commit their journal
/// intents (one save and one journal sync for every step that ended in the same batch).
/// Returns false, with the reason in `halt`, when the run must stop.
fn save_and_commit(
    ctx: &RunContext<'_>,
    state: &Mutex<&mut State>,
    journal: &Mutex<Journal>,
    commits: &RefCell<Vec<u64>>,
    halt: &RefCell<Option<EngineError>>,
) -> bool {
    let seqs = std::mem::take(&mut *commits.borrow_mut());
    if seqs.is_empty() {
        return true;
    }
    let Ok(mut guard) = state.lock() else {
        return false;
    };
    if let Err(e) = ctx.backend.save(ctx.lock, &mut guard) {
        // Worse than any journal failure before it: results are now missing from the state.
        *halt.borrow_mut() = Some(e.into());
        return false;
    }
    // A commit that does not reach the disk is safe in itself (the state holds the results;
    // the next run only checks them again by their tags), but a journal that cannot be
    // written cannot announce the next calls either: stop and say so.
    let committed = match journal.lock() {
        Ok(mut j) => j.committed_all(&seqs),
        Err(_) => Err(std::io::Error::other(
            "the journal was left unusable by a panic in a step",
        )),
    };
    journal_written(halt, committed.err())
}

/// Note a failed journal write as the reason the run stops (the first reason is kept: later
/// writes to a broken journal fail for the same cause). Returns whether the write worked.
fn journal_written(halt: &RefCell<Option<EngineError>>, error: Option<std::io::Error>) -> bool {
    match error {
        None => true,
        Some(e) => {
            halt.borrow_mut().get_or_insert(EngineError::Journal(e));
            false
        }
    }
}

/// Delete every resource this first deployment created, dependents first.
async fn rollback(
    ctx: &RunContext<'_>,
    state: &mut State,
    journal: &Arc<Mutex<Journal>>,
    opts: &ApplyOptions,
    report: &mut Report,
    run_id: &str,
) -> Result<(), EngineError> {
    let created: BTreeSet<Address> = state
        .resources
        .values()
        .filter(|r| r.provenance == Provenance::Created)
        .map(|r| r.address.clone())
        .collect();
    let waits = dependents_first(state, &created);
    delete_phase(ctx, waits, state, journal, opts, report, run_id, true).await?;
    report.rollback_left = created
        .iter()
        .filter(|a| state.resources.contains_key(*a))
        .cloned()
        .collect();
    // Reused resources were only read: forget them, keep nothing half-done in state.
    if report.rolled_back.len() == created.len() {
        state
            .resources
            .retain(|_, r| r.provenance != Provenance::Reused);
        state.outputs.clear();
        ctx.backend.save(ctx.lock, state)?;
    }
    Ok(())
}
