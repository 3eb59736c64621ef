//! `destroy`: delete what strata created, dependents first. Reused resources are kept;
//! resources tagged with the deployment but missing from state (orphans) are listed, and
//! deleted too when asked.

use super::apply::{delete_phase, ApplyOptions};
use super::events::Event;
use super::journal::Journal;
use super::{EngineError, Report, RunContext};
use crate::address::Address;
use crate::plan::diff::{TAG_ADDRESS, TAG_DEPLOYMENT};
use crate::state::{Provenance, ResourceState, State};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// A resource tagged with this deployment that the state does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct Orphan {
    /// Its `strata:address` tag (or `kind.orphan-<id>` without one).
    pub address: Address,
    /// Provider id.
    pub id: String,
}

/// Destroy the deployment recorded in `state`. With `include_orphans`, orphans are deleted
/// first (they are leaves left by interrupted runs).
pub async fn destroy(
    ctx: &RunContext<'_>,
    mut state: State,
    include_orphans: bool,
    opts: &ApplyOptions,
) -> Result<(Report, State, Vec<Orphan>), EngineError> {
    let started = std::time::Instant::now();
    let dir = ctx.backend.deployment_dir(&ctx.deployment.name)?;
    let journal = Arc::new(Mutex::new(Journal::open(&dir)?));
    let run_id = uuid::Uuid::new_v4().to_string();
    let mut report = Report::default();

    let orphans = find_orphans(ctx, &state).await?;
    if include_orphans && !orphans.is_empty() {
        let mut shadow = state.clone();
        for o in &orphans {
            shadow.resources.insert(
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
            );
        }
        // Orphans are deleted one kind after another, most dependent kinds first.
        let mut by_rank: Vec<&Orphan> = orphans.iter().collect();
        by_rank.sort_by_key(|o| kind_rank(&o.address.kind));
        for o in by_rank {
            let waits = BTreeMap::from([(o.address.clone(), BTreeSet::new())]);
            // Orphans are not in the saved state: delete them through a throwaway copy.
            let mut scratch = shadow.clone();
            scratch.resources.retain(|a, _| a == &o.address);
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
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Resources tagged `strata:deployment = <name>` whose ids the state does not hold.
async fn find_orphans(ctx: &RunContext<'_>, state: &State) -> Result<Vec<Orphan>, EngineError> {
    let known: BTreeSet<&str> = state
        .resources
        .values()
        .filter_map(|r| r.id.as_deref())
        .collect();
    let wanted = BTreeMap::from([(TAG_DEPLOYMENT.to_string(), ctx.deployment.name.clone())]);
    let mut out = Vec::new();
    for name in ctx.registry.names() {
        let Some(kind) = ctx.registry.get(name) else {
            continue;
        };
        if !kind.schema().taggable {
            continue;
        }
        for live in kind.find_tagged(&wanted).await? {
            if known.contains(live.id.as_str()) {
                continue;
            }
            // Tags propagated from a known resource (an instance's volumes carry its
            // `strata:address`) mark a part of that resource, not an orphan.
            let tagged = live
                .tags
                .get(TAG_ADDRESS)
                .and_then(|a| a.parse::<Address>().ok());
            if tagged
                .as_ref()
                .is_some_and(|a| a.kind != name && state.resources.contains_key(a))
            {
                continue;
            }
            let address = live
                .tags
                .get(TAG_ADDRESS)
                .and_then(|a| a.parse::<Address>().ok())
                .filter(|a| a.kind == name)
                .unwrap_or_else(|| Address::new(name, format!("orphan-{}", live.id)));
            out.push(Orphan {
                address,
                id: live.id,
            });
        }
    }
    Ok(out)
}

/// Deletion order of kinds for orphans (things that use others first).
fn kind_rank(kind: &str) -> usize {
    const ORDER: &[&str] = &[
        "distribution",
        "listener",
        "target_attachment",
        "load_balancer",
        "target_group",
        "efs_mount_target",
        "efs_file_system",
        "volume_attachment",
        "elastic_ip",
        "instance",
        "volume",
        "instance_profile",
        "iam_role",
        "key_pair",
        "route_table",
        "internet_gateway",
        "security_group",
        "subnet",
        "vpc",
    ];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}
