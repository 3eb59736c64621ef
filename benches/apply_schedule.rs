//! Benchmark of `strata apply`'s scheduler (see BENCHMARKS.md).
//!
//! A wide-and-deep stack is generated over an in-process resource kind whose every call sleeps
//! a fixed latency, and applied by the real engine — `strata::engine::apply` with a
//! `LocalBackend` in a temp folder, its lock, its journal, the state saved after every
//! resource — first at `--parallelism` (several runs), then at parallelism 1. Each run's wall
//! time is compared with the lower bound `max(critical path × per-resource latency, total
//! work / parallelism)`; the target is a ratio of at most 1.2. A run with zero latency shows
//! what the engine itself costs. Run it with `scripts/bench.sh apply` or
//! `cargo bench --bench apply_schedule -- [--latency-ms 100] [--chains 6] [--depth 8] ...`.

// A bench target's root is its crate root, so modules beside it are named by path.

#[path = "apply_schedule/args.rs"]
mod args;
#[path = "apply_schedule/report.rs"]
mod report;
#[path = "apply_schedule/run.rs"]
mod run;
#[path = "apply_schedule/shape.rs"]
mod shape;
#[path = "apply_schedule/sleepy.rs"]
mod sleepy;
#[path = "apply_schedule/timing.rs"]
mod timing;

use args::Args;
use clap::Parser;
use report::{lower_bound, secs, Row};
use shape::Shape;
use sleepy::{Sleepy, CALLS_PER_CREATE};
use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use strata::config::{load, LoadRequest};
use strata::graph::ResourceGraph;
use strata::plan::{diff, Action};

/// The ratio of wall time to lower bound the scheduler aims at.
const TARGET_RATIO: f64 = 1.2;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apply_schedule: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    if args.chains == 0 || args.depth == 0 || args.parallelism == 0 || args.runs == 0 {
        return Err("--chains, --depth, --parallelism and --runs must be at least 1".into());
    }
    let shape = Shape {
        chains: args.chains,
        depth: args.depth,
        fanout: args.fanout,
        cross: args.cross,
    };
    let latency = Duration::from_millis(args.latency_ms);
    let per_resource = latency * CALLS_PER_CREATE as u32;

    let workspace = tempfile::Builder::new()
        .prefix("strata-apply-bench-")
        .tempdir()?;
    std::fs::create_dir_all(workspace.path().join("stacks"))?;
    std::fs::write(
        workspace.path().join("stacks/apply-bench.toml"),
        shape.stack_toml(),
    )?;
    let offline = run::registry(Arc::new(Sleepy::new(Duration::ZERO)));
    let deployment = load(
        &LoadRequest {
            stack: Some("apply-bench".into()),
            project_dir: workspace.path().to_path_buf(),
            ..LoadRequest::default()
        },
        &offline,
    )?;
    let plan = diff::plan(&deployment, None, &offline, false)?;
    let resources = plan.resource_changes.len();
    if resources != shape.resources()
        || plan
            .resource_changes
            .iter()
            .any(|c| c.action != Action::Create)
    {
        return Err(format!(
            "the plan should create {} resources; it has {resources} changes",
            shape.resources()
        )
        .into());
    }
    let graph = ResourceGraph::from_deployment(&deployment)?;
    let critical = graph.critical_path(|_| 1);
    let critical_time = per_resource * critical.path.len() as u32;
    let parents: BTreeMap<String, Vec<String>> = graph
        .nodes()
        .map(|a| {
            let deps = graph
                .dependencies(a)
                .iter()
                .map(|d| d.to_string())
                .collect();
            (a.to_string(), deps)
        })
        .collect();

    // Two workers, as `strata apply` runs (src/cli/live.rs).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut fresh = 0usize;
    let mut apply = |latency: Duration, parallelism: usize| {
        fresh += 1;
        let state_root = workspace.path().join(format!("state-{fresh}"));
        run::apply_once(
            &runtime,
            &deployment,
            &plan,
            &parents,
            latency,
            parallelism,
            &state_root,
        )
    };

    // Also the warm-up: the engine alone, every call instant.
    let overhead = apply(Duration::ZERO, args.parallelism)?;
    let mut rows = vec![Row {
        parallelism: args.parallelism,
        runs: Vec::new(),
        bound: lower_bound(critical_time, resources, per_resource, args.parallelism),
    }];
    for _ in 0..args.runs {
        let measured = apply(latency, args.parallelism)?;
        rows[0].runs.push(measured);
    }
    if !args.skip_serial && args.parallelism != 1 {
        let serial = apply(latency, 1)?;
        rows.push(Row {
            parallelism: 1,
            runs: vec![serial],
            bound: lower_bound(critical_time, resources, per_resource, 1),
        });
    }

    println!("## Apply schedule benchmark\n");
    println!(
        "- graph: {} chains × depth {}, {} leaves under each chain resource, cross links {}: {resources} resources, {} dependency edges, critical path {} resources",
        shape.chains,
        shape.depth,
        shape.fanout,
        if shape.cross { "on" } else { "off" },
        graph.edge_count(),
        critical.path.len()
    );
    println!(
        "- latency: {} per provider call (in process, a tokio sleep), {CALLS_PER_CREATE} calls per create (create, wait_ready, read) = {} per resource; {} calls counted per apply",
        secs(latency),
        secs(per_resource),
        rows[0].runs.first().map_or(0, |m| m.calls)
    );
    println!(
        "- lower bound at parallelism {p}: max(critical path {} × {} = {}, {resources} × {} / {p} = {}) = {}",
        critical.path.len(),
        secs(per_resource),
        secs(critical_time),
        secs(per_resource),
        secs(per_resource.mul_f64(resources as f64 / args.parallelism as f64)),
        secs(rows[0].bound),
        p = args.parallelism,
    );
    println!(
        "- engine alone (zero latency, parallelism {}): {} for {resources} resources, {} per resource",
        args.parallelism,
        secs(overhead.wall),
        secs(overhead.wall / resources.max(1) as u32)
    );
    println!(
        "- build profile: {}\n",
        if cfg!(debug_assertions) {
            "debug (numbers are not representative)"
        } else {
            "optimized"
        }
    );
    report::print_table(&rows);
    if let Some(ratio) = rows[0].ratio() {
        println!(
            "\nTarget: wall / bound ≤ {TARGET_RATIO} at parallelism {}: {:.3} — {}",
            args.parallelism,
            ratio,
            if ratio <= TARGET_RATIO {
                "met"
            } else {
                "MISSED"
            }
        );
    }
    Ok(())
}
