//! One measured run of offline `strata plan`: the same steps the command takes, timed stage by
//! stage, with the heap peak of the whole run.

use crate::alloc;
use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use strata::config::{load, LoadRequest};
use strata::graph::ResourceGraph;
use strata::plan::model::Summary;
use strata::plan::render::render_json;
use strata::provider::Registry;
use strata::state::LocalBackend;

/// Stage names, in pipeline order; [`RunSample::stages`] follows this order.
pub const STAGES: [&str; 5] = ["load", "state", "graph", "diff", "render"];

/// The tier every generated project is planned with (`tiers/bench.toml`).
const TIER: &str = "bench";

/// What one run measured.
#[derive(Debug, Clone)]
pub struct RunSample {
    /// Wall time of each stage, in [`STAGES`] order.
    pub stages: [Duration; STAGES.len()],
    /// Heap live when the run started, in bytes (the bench's own bookkeeping).
    pub heap_before: usize,
    /// Highest live heap during the run, in bytes (`heap_before` included).
    pub peak_heap: usize,
    /// Length of the rendered JSON plan, in bytes.
    pub json_bytes: usize,
    /// The plan's counts, to check the scenario is what it claims to be.
    pub summary: Summary,
}

impl RunSample {
    /// Sum of the stages.
    pub fn total(&self) -> Duration {
        self.stages.iter().sum()
    }
}

/// Plan the project in `project_dir` against the state under `state_root` (none there: a first
/// plan), rendering JSON. Every intermediate result stays alive until the end, as in the CLI, so
/// the heap peak is the one `strata plan --output json` would reach.
pub fn run_once(
    project_dir: &Path,
    state_root: &Path,
    registry: &Registry,
) -> Result<RunSample, Box<dyn Error>> {
    let request = LoadRequest {
        tier: Some(TIER.to_string()),
        project_dir: project_dir.to_path_buf(),
        ..LoadRequest::default()
    };
    let backend = LocalBackend::new(state_root);
    let heap_before = alloc::current_bytes();
    alloc::reset_peak();
    let mut stages = [Duration::ZERO; STAGES.len()];

    // load: read, parse, merge the tier over the stack, check, cycle check.
    let started = Instant::now();
    let deployment = load(&request, registry)?;
    stages[0] = started.elapsed();

    // state: read and verify the recorded state, if any.
    let started = Instant::now();
    let state = backend.load(&deployment.name)?;
    stages[1] = started.elapsed();

    // graph: what `strata graph` and apply need: the DAG, its order and its critical path.
    let started = Instant::now();
    let graph = ResourceGraph::from_deployment(&deployment)?;
    let order = black_box(graph.topo_order());
    let critical = black_box(graph.critical_path(|_| 1));
    stages[2] = started.elapsed();

    // diff: desired configuration against recorded state.
    let started = Instant::now();
    let plan = strata::plan::diff::plan(&deployment, state.as_ref(), registry, false)?;
    stages[3] = started.elapsed();

    // render: the JSON plan, as `--output json` prints it.
    let started = Instant::now();
    let json = black_box(render_json(&plan));
    stages[4] = started.elapsed();

    let peak_heap = alloc::peak_bytes();
    let sample = RunSample {
        stages,
        heap_before,
        peak_heap,
        json_bytes: json.len(),
        summary: plan.summary.clone(),
    };
    drop((json, plan, critical, order, graph, state, deployment));
    Ok(sample)
}
