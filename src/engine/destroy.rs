//! `destroy`: delete what strata created, dependents first. Reused resources are kept;
//! resources tagged with the deployment and this state's lineage but missing from state
//! (orphans) are listed, and deleted too when asked. Another state's resources under the same
//! deployment name stop destroy before it deletes anything, unless adopted.

use super::apply::{delete_phase, ApplyOptions};
use super::events::Event;
use super::foreign::refuse_foreign;
use super::journal::Journal;
use super::tagged::Orphan;
use super::{EngineError, Report, RunContext};
use crate::address::Address;
use crate::state::{Provenance, ResourceState, State};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// What destroy does with resources tagged with the deployment that the state does not
/// record (see [`super::tagged`] for how they are told apart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unrecorded {
    /// Delete orphans (this state's lineage) too, before the recorded resources.
    pub delete_orphans: bool,
    /// Take another state's resources as orphans of this one (`--adopt-foreign`) instead of
    /// refusing to run: listed with the orphans, deleted with them when `delete_orphans`.
    pub adopt_foreign: bool,
}

/// Destroy the deployment recorded in `state`. Refused before anything is deleted when
/// another state's resources carry the deployment's name, unless `unrecorded.adopt_foreign`.
/// Orphans are returned; with `unrecorded.delete_orphans` they are deleted first (they are
/// leaves left by interrupted runs).
pub async fn destroy(
    ctx: &RunContext<'_>,
    mut state: State,
    unrecorded: Unrecorded,
    opts: &ApplyOptions,
) -> Result<(Report, State, Vec<Orphan>), EngineError> {
    let started = std::time::Instant::now();
    let dir = ctx.backend.deployment_dir(&ctx.deployment.name)?;
    let journal = Arc::new(Mutex::new(Journal::open(&dir)?));
    let run_id = uuid::Uuid::new_v4().to_string();
    let mut report = Report::default();
    let tagged = refuse_foreign(ctx, &state, unrecorded.adopt_foreign, "destroy").await?;

    let mut orphans = tagged.orphans;
    // Adopted foreign resources join the orphans; without adoption there are none (refused).
    orphans.extend(tagged.foreign.into_iter().map(|f| {
        Orphan {
            address: f
                .address
                .clone()
                .unwrap_or_else(|| Address::new(&f.kind, format!("orphan-{}", f.live.id))),
            id: f.live.id,
        }
    }));
    if unrecorded.delete_orphans && !orphans.is_empty() {
        // Orphans are deleted one kind after another, most dependent kinds first.
        let order = ctx.registry.teardown_order();
        let rank = |kind: &str| order.iter().position(|k| *k == kind).unwrap_or(order.len());
        let mut by_rank: Vec<&Orphan> = orphans.iter().collect();
        by_rank.sort_by_key(|o| rank(&o.address.kind));
        for o in by_rank {
            let waits = BTreeMap::from([(o.address.clone(), BTreeSet::new())]);
            // Orphans are not in the saved state: delete each through a throwaway state
            // holding only it (an orphan may share its address with a recorded resource).
            let mut scratch = state.clone();
            scratch.resources = BTreeMap::from([(
                o.address.clone(),
                ResourceState {
                    address: o.address.clone(),
                    kind: o.address.kind.clone(),
                    id: Some(o.id.clone()),
                    attributes: BTreeMap::new(),
                    dependencies: Vec::new(),
                    provenance: Provenance::Created,
                    created_at: String::new(),
                    updated_at: String::new(),
                },
            )]);
            let mut throwaway = Report::default();
            delete_orphan(
                ctx,
                waits,
                &mut scratch,
                &journal,
                opts,
                &mut throwaway,
                &run_id,
            )
            .await?;
            report.deleted.extend(throwaway.deleted);
            report.failed.extend(throwaway.failed);
        }
    }

    for r in state.resources.values() {
        if r.provenance == Provenance::Reused {
            ctx.events.emit(&Event::Kept {
                address: r.address.to_string(),
                reason: "reused, never deleted by strata".into(),
            });
            report.kept.push(r.address.clone());
        }
    }
    let owned: BTreeSet<Address> = state
        .resources
        .values()
        .filter(|r| r.provenance != Provenance::Reused)
        .map(|r| r.address.clone())
        .collect();
    for address in &owned {
        ctx.events.emit(&Event::Planned {
            address: address.to_string(),
            action: "delete".into(),
        });
    }
    let waits = super::apply::dependents_first(&state, &owned);
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
    report.interrupted = ctx.cancel.load(std::sync::atomic::Ordering::SeqCst);
    if report.succeeded() {
        state
            .resources
            .retain(|_, r| r.provenance != Provenance::Reused);
        state.outputs.clear();
        ctx.backend.save(ctx.lock, &mut state)?;
        if let Ok(mut j) = journal.lock() {
            j.clear()?;
        }
    }
    ctx.events.emit(&Event::Summary {
        created: 0,
        updated: 0,
        deleted: report.deleted.len(),
        failed: report.failed.len(),
        rolled_back: 0,
        interrupted: report.interrupted,
        elapsed_ms: started.elapsed().as_millis() as u64,
    });
    Ok((report, state, orphans))
}

async fn delete_orphan(
    ctx: &RunContext<'_>,
    waits: BTreeMap<Address, BTreeSet<Address>>,
    scratch: &mut State,
    journal: &Arc<Mutex<Journal>>,
    opts: &ApplyOptions,
    report: &mut Report,
    run_id: &str,
) -> Result<bool, EngineError> {
    // The scratch state must not overwrite the real one: delete through a context whose saves
    // go to a throwaway folder.
    let tmp = tempdir_in(ctx.backend.root())?;
    let backend = crate::state::LocalBackend::new(tmp.clone());
    let lock = backend.lock(
        &ctx.deployment.name,
        "strata destroy (orphans)",
        std::time::Duration::ZERO,
    )?;
    let scratch_ctx = RunContext {
        deployment: ctx.deployment,
        registry: ctx.registry,
        backend: &backend,
        lock: &lock,
        events: ctx.events.clone(),
        cancel: ctx.cancel.clone(),
    };
    let ok = delete_phase(
        &scratch_ctx,
        waits,
        scratch,
        journal,
        opts,
        report,
        run_id,
        false,
    )
    .await;
    drop(lock);
    #[allow(
        clippy::let_underscore_must_use,
        reason = "a scratch folder left behind in the temp dir costs nothing"
    )]
    let _ = std::fs::remove_dir_all(&tmp);
    ok
}

fn tempdir_in(root: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let dir = root.join(format!(".orphans-{}", uuid::Uuid::new_v4()));
    crate::state::private::create_dir_all(&dir)?;
    Ok(dir)
}
