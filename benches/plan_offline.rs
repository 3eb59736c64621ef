//! Benchmark of offline `strata plan` on synthetic stacks (see BENCHMARKS.md).
//!
//! For each size, a stack is generated (fixed seed and depth), written to a temporary project,
//! and planned end to end — load, state, graph, diff, render JSON — several times in one
//! process, sizes interleaved so that a noisy neighbour slows all sizes alike. Two scenarios: a
//! first plan (no state: everything is created) and a plan against a state that matches the
//! configuration (everything is a no-op). Time per stage and peak heap are reported per size,
//! with the ratio of each size to the first. The `strata` binary is then run on the same
//! projects as a separate process, for wall time and peak resident set size. Run it with `scripts/bench.sh` or
//! `cargo bench --bench plan_offline -- [--sizes 1000,10000] [--runs 5]`.

// A bench target's root is its crate root, so modules beside it are named by path.

#[path = "plan_offline/alloc.rs"]
mod alloc;
#[path = "plan_offline/args.rs"]
mod args;
#[path = "plan_offline/matching_state.rs"]
mod matching_state;
#[path = "plan_offline/pipeline.rs"]
mod pipeline;
#[path = "plan_offline/process.rs"]
mod process;
#[path = "plan_offline/report.rs"]
mod report;
#[path = "plan_offline/rss.rs"]
mod rss;
#[path = "plan_offline/workspace.rs"]
mod workspace;

use args::Args;
use clap::Parser;
use pipeline::run_once;
use report::{megabytes, thousands, ProcessRuns, SizeRuns};
use std::error::Error;
use std::path::PathBuf;
use std::process::ExitCode;
use strata::config::{load, LoadRequest};
use strata::plan::model::Summary;
use strata::provider::Registry;
use strata::synth::{generate, SynthSpec};
use workspace::{Project, Workspace};

#[global_allocator]
static ALLOCATOR: alloc::CountingAlloc = alloc::CountingAlloc;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("plan_offline: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A scenario: a name and where each project keeps the state it is planned against.
struct Scenario {
    title: &'static str,
    state_root: fn(&Project) -> PathBuf,
    /// The count of the plan summary that must equal the number of resources.
    expected: fn(&Summary) -> usize,
}

const SCENARIOS: [Scenario; 2] = [
    Scenario {
        title: "First plan (no state: every resource is created)",
        state_root: Project::empty_state_root,
        expected: |s| s.add,
    },
    Scenario {
        title: "Plan against a matching state (every resource is a no-op)",
        state_root: Project::matching_state_root,
        expected: |s| s.unchanged,
    },
];

fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    if args.sizes.is_empty() || args.sizes.contains(&0) || args.runs == 0 {
        return Err("--sizes needs sizes above zero and --runs at least 1".into());
    }
    let registry = strata::aws::registry();
    let workspace = Workspace::create(args.keep)?;
    println!("## Offline plan benchmark\n");
    println!(
        "depth {}, seed {}, {} measured runs per size after one warm-up run; build profile: {}.\n",
        args.depth,
        args.seed,
        args.runs,
        if cfg!(debug_assertions) {
            "debug (numbers are not representative)"
        } else {
            "optimized"
        }
    );
    let mut projects = Vec::new();
    for &resources in &args.sizes {
        projects.push(prepare(&workspace, &registry, resources, args)?);
    }
    let rss_reset = rss::reset_peak_rss();
    let rss_at_start = rss::current_rss_bytes();

    let mut measured = Vec::new();
    for scenario in &SCENARIOS {
        let sizes = measure(scenario, &projects, &registry, args.runs)?;
        check_scenario(scenario, &sizes);
        report::print_scenario(scenario.title, &sizes);
        measured.push((scenario.title, sizes));
    }
    // Read before the process runs, which reset the peak before every spawn.
    let rss_peak = rss::peak_rss_bytes();
    let mut as_process = Vec::new();
    if !args.in_process_only {
        for scenario in &SCENARIOS {
            as_process.push((
                scenario.title,
                measure_process(scenario, &projects, args.runs)?,
            ));
        }
        report::print_process(&as_process);
    }
    report::print_targets(&measured, &as_process);
    print_rss(rss_peak, rss_reset, rss_at_start);
    Ok(())
}

/// Generate, write and describe the project of one size, with its matching state.
fn prepare(
    workspace: &Workspace,
    registry: &Registry,
    resources: usize,
    args: &Args,
) -> Result<(usize, Project), Box<dyn Error>> {
    let stack = generate(&SynthSpec {
        resources,
        depth: args.depth,
        seed: args.seed,
    });
    let project = workspace.write_project(&format!("n{resources}"), &stack)?;
    let request = LoadRequest {
        tier: Some("bench".to_string()),
        project_dir: project.dir().to_path_buf(),
        snapshot: None,
        ..LoadRequest::default()
    };
    let deployment = load(&request, registry)?;
    let settled = matching_state::write_matching_state(
        &deployment,
        registry,
        &project.matching_state_root(),
    )?;
    println!(
        "- {} resources: {} dependency edges, depth {}, stack file {}; matching state settled in {} rounds{}",
        thousands(stack.resources),
        thousands(stack.edges),
        stack.depth,
        megabytes(stack.stack_toml.len()),
        settled.rounds,
        if settled.all_no_op {
            ""
        } else {
            " (NOT all no-op: see the summaries below)"
        }
    );
    Ok((resources, project))
}

/// One warm-up run per size, then `runs` rounds over all sizes.
fn measure(
    scenario: &Scenario,
    projects: &[(usize, Project)],
    registry: &Registry,
    runs: usize,
) -> Result<Vec<SizeRuns>, Box<dyn Error>> {
    let mut sizes: Vec<SizeRuns> = projects
        .iter()
        .map(|(resources, _)| SizeRuns {
            resources: *resources,
            samples: Vec::with_capacity(runs),
        })
        .collect();
    for (_, project) in projects {
        run_once(project.dir(), &(scenario.state_root)(project), registry)?;
    }
    for _ in 0..runs {
        for (slot, (_, project)) in sizes.iter_mut().zip(projects) {
            let sample = run_once(project.dir(), &(scenario.state_root)(project), registry)?;
            slot.samples.push(sample);
        }
    }
    Ok(sizes)
}

/// One warm-up process per size (it loads the binary and the files into the page cache), then
/// `runs` rounds over all sizes.
fn measure_process(
    scenario: &Scenario,
    projects: &[(usize, Project)],
    runs: usize,
) -> Result<Vec<ProcessRuns>, Box<dyn Error>> {
    let mut sizes: Vec<ProcessRuns> = projects
        .iter()
        .map(|(resources, _)| ProcessRuns {
            resources: *resources,
            samples: Vec::with_capacity(runs),
        })
        .collect();
    for (_, project) in projects {
        process::run_cli(project.dir(), &(scenario.state_root)(project))?;
    }
    for _ in 0..runs {
        for (slot, (_, project)) in sizes.iter_mut().zip(projects) {
            let sample = process::run_cli(project.dir(), &(scenario.state_root)(project))?;
            slot.samples.push(sample);
        }
    }
    Ok(sizes)
}

/// Say so when a scenario did not plan what it claims (the numbers would measure something else).
fn check_scenario(scenario: &Scenario, sizes: &[SizeRuns]) {
    for size in sizes {
        let Some(sample) = size.samples.first() else {
            continue;
        };
        let s = &sample.summary;
        if (scenario.expected)(s) != size.resources {
            eprintln!(
                "warning: {} at {} resources planned add {}, change {}, replace {}, unchanged {}",
                scenario.title, size.resources, s.add, s.change, s.replace, s.unchanged
            );
        }
    }
}

/// The in-process runs' peak RSS, to compare with the counted heap peak.
fn print_rss(peak: Option<u64>, reset: bool, at_start: Option<u64>) {
    let Some(peak) = peak else {
        println!("\n(VmHWM unavailable: no /proc/self/status on this system)");
        return;
    };
    let scope = if reset {
        "of the in-process runs (setup excluded)"
    } else {
        "whole process, setup included"
    };
    println!(
        "\nCross-check: peak resident set size (VmHWM) {scope}: {}; resident when measuring began: {}.",
        mb(peak),
        at_start.map_or_else(|| "unknown".to_string(), mb)
    );
}

fn mb(bytes: u64) -> String {
    megabytes(usize::try_from(bytes).unwrap_or(usize::MAX))
}
