//! One apply of the generated stack through the real engine: a fresh `LocalBackend` in a temp
//! folder, its lock, its journal, a fresh sleeping kind; timed around `strata::engine::apply`.

use super::sleepy::{Sleepy, KIND};
use super::timing::{Timeline, Usage};
use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strata::config::Deployment;
use strata::engine::{apply, ApplyOptions, RunContext};
use strata::plan::Plan;
use strata::provider::Registry;
use strata::state::{LocalBackend, State};

/// A registry holding only the sleeping kind.
pub fn registry(kind: Arc<Sleepy>) -> Registry {
    let mut registry = Registry::new();
    registry.register(kind);
    registry
}

/// What one apply took.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall time of `engine::apply`.
    pub wall: Duration,
    /// Provider calls made.
    pub calls: u64,
    /// How the time was used.
    pub usage: Usage,
}

/// Apply `plan` from an empty state kept under `state_root`.
pub fn apply_once(
    runtime: &tokio::runtime::Runtime,
    deployment: &Deployment,
    plan: &Plan,
    parents: &BTreeMap<String, Vec<String>>,
    latency: Duration,
    parallelism: usize,
    state_root: &Path,
) -> Result<Measured, Box<dyn Error>> {
    let kind = Arc::new(Sleepy::new(latency));
    let registry = registry(kind.clone());
    let backend = LocalBackend::new(state_root);
    let lock = backend.lock(&deployment.name, "bench", Duration::from_secs(5))?;
    let state = State::new(&deployment.name, &deployment.stack.name, None);
    let timeline = Arc::new(Timeline::default());
    let ctx = RunContext {
        deployment,
        registry: &registry,
        backend: &backend,
        lock: &lock,
        events: timeline.clone(),
        cancel: Arc::new(AtomicBool::new(false)),
    };
    let opts = ApplyOptions {
        parallelism,
        ..ApplyOptions::default()
    };
    let started = Instant::now();
    let (report, _state) = runtime.block_on(apply(&ctx, plan, state, &opts))?;
    let wall = started.elapsed();
    let expected = plan.resource_changes.len();
    if !report.succeeded() || report.created.len() != expected {
        return Err(format!(
            "the apply did not create the {expected} {KIND} resources: {} created, {} failed",
            report.created.len(),
            report.failed.len()
        )
        .into());
    }
    Ok(Measured {
        wall,
        calls: kind.calls(),
        usage: timeline.usage(parents, wall),
    })
}
