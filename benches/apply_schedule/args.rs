//! Command-line options of the benchmark (after `cargo bench --bench apply_schedule --`).

use clap::Parser;

/// `strata apply` of a generated wide-and-deep graph over an in-process kind that sleeps a
/// fixed latency per provider call, against the critical-path lower bound.
#[derive(Debug, Parser)]
#[command(name = "apply_schedule")]
pub struct Args {
    /// Injected latency of every provider call, in milliseconds.
    #[arg(long, default_value_t = 100)]
    pub latency_ms: u64,
    /// Independent chains (the graph's width).
    #[arg(long, default_value_t = 6)]
    pub chains: usize,
    /// Resources per chain (the graph's depth, before the leaves).
    #[arg(long, default_value_t = 8)]
    pub depth: usize,
    /// Leaves hanging off each chain resource.
    #[arg(long, default_value_t = 1)]
    pub fanout: usize,
    /// Whether each chain resource also waits for the previous level of the next chain.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub cross: bool,
    /// Resources worked on at once (`strata apply --parallelism`).
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Measured runs at `--parallelism` (median reported); the parallelism-1 run is done once.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Skip the run at parallelism 1 (it takes resources × calls × latency).
    #[arg(long)]
    pub skip_serial: bool,
    /// Passed by `cargo bench` to every bench binary; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}
