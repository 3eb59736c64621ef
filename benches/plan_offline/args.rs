//! Command-line options of the benchmark (after `cargo bench --bench plan_offline --`).

use clap::Parser;

/// Offline `strata plan` on synthetic stacks: time per stage and peak heap, per size.
#[derive(Debug, Parser)]
#[command(name = "plan_offline")]
pub struct Args {
    /// Stack sizes in resources, comma-separated; ratios compare each size with the first.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    pub sizes: Vec<usize>,
    /// Measured runs per size and scenario (after one unmeasured warm-up run).
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Resources on the longest dependency chain of each generated stack.
    #[arg(long, default_value_t = 12)]
    pub depth: usize,
    /// Generator seed; the same seed always gives the same stacks.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Skip the runs of the `strata` binary as a separate process.
    #[arg(long)]
    pub in_process_only: bool,
    /// Keep the generated projects and states (their folder is printed) instead of removing them,
    /// e.g. to run `strata plan` on them under `/usr/bin/time -v`.
    #[arg(long)]
    pub keep: bool,
    /// Passed by `cargo bench` to every bench binary; ignored.
    #[arg(long, hide = true)]
    pub bench: bool,
}
