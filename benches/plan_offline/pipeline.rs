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
pub const STAGES: [&str; 7] = [
    "load", "state", "graph", "diff", "release", "render", "free",
];

/// The tier every generated project is planned with (`tiers/bench.toml`).
const TIER: &str = "bench";

/// What one run measured.
#[derive(Debug, Clone)]
pub struct RunSample {
    /// Wall time of each stage, in [`STAGES`] order.
    pub stages: [Duration; STAGES.len()],
    /// Highest live heap during each stage, in bytes (what earlier stages keep included).
    pub stage_peaks: [usize; STAGES.len()],
    /// Live heap at the end of each stage, in bytes: what the stage's result keeps.
    pub live_after: [usize; STAGES.len()],
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

/// Time and heap of each stage of one run.
struct Meter {
    stages: [Duration; STAGES.len()],
    stage_peaks: [usize; STAGES.len()],
    live_after: [usize; STAGES.len()],
}

impl Meter {
    /// Run stage `index` and record its time, its heap peak and what it leaves live.
    fn stage<T>(&mut self, index: usize, work: impl FnOnce() -> T) -> T {
        alloc::reset_peak();
        let started = Instant::now();
        let out = work();
        self.stages[index] = started.elapsed();
        self.stage_peaks[index] = alloc::peak_bytes();
        self.live_after[index] = alloc::current_bytes();
        out
    }
}

/// Plan the project in `project_dir` against the state under `state_root` (none there: a first
/// plan), rendering JSON, then free it all. As in the CLI, the configuration and the state are
/// released once the plan exists and before it is rendered, so the heap peak is the one
/// `strata plan --output json` reaches.
pub fn run_once(
    project_dir: &Path,
    state_root: &Path,
    registry: &Registry,
) -> Result<RunSample, Box<dyn Error>> {
    let request = LoadRequest {
        tier: Some(TIER.to_string()),
        project_dir: project_dir.to_path_buf(),
        snapshot: None,
        ..LoadRequest::default()
    };
    let backend = LocalBackend::new(state_root);
    let heap_before = alloc::current_bytes();
    let mut meter = Meter {
        stages: [Duration::ZERO; STAGES.len()],
        stage_peaks: [0; STAGES.len()],
        live_after: [0; STAGES.len()],
    };

    // load: read, parse, merge the tier over the stack, check, cycle check.
    let deployment = meter.stage(0, || load(&request, registry))?;
    // state: read and verify the recorded state, if any.
    let state = meter.stage(1, || backend.load(&deployment.name))?;
    // graph: what `strata graph` and apply need: the DAG, its order and its critical path.
    let (graph, order, critical) = meter.stage(2, || {
        // Boxed inside the stage: the graph error is large and only matters if it happens.
        let graph = ResourceGraph::from_deployment(&deployment).map_err(Box::new)?;
        let order = black_box(graph.topo_order());
        let critical = black_box(graph.critical_path(|_| 1));
        Ok::<_, Box<dyn Error>>((graph, order, critical))
    })?;
    // diff: desired configuration against recorded state.
    let plan = meter.stage(3, || {
        strata::plan::diff::plan(&deployment, state.as_ref(), registry, false)
    })?;
    // release: the command frees its inputs before rendering (the plan owns what it prints).
    meter.stage(4, || drop((critical, order, graph, state, deployment)));
    // render: the JSON plan, as `--output json` prints it.
    let json = meter.stage(5, || black_box(render_json(&plan)));

    let json_bytes = json.len();
    let summary = plan.summary.clone();
    // free: the command leaves the plan to the process exit instead (`mem::forget`); the bench
    // must free it to go on, and reports the cost so it is seen.
    meter.stage(6, || drop((json, plan)));

    Ok(RunSample {
        stages: meter.stages,
        stage_peaks: meter.stage_peaks,
        live_after: meter.live_after,
        heap_before,
        peak_heap: meter
            .stage_peaks
            .iter()
            .copied()
            .max()
            .unwrap_or(heap_before),
        json_bytes,
        summary,
    })
}
