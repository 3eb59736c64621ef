//! Tables of the measured runs (Markdown, so they paste into BENCHMARKS.md as they are) and the
//! verdict on the targets. A bench reports; it never fails on a missed target.

use crate::pipeline::{RunSample, STAGES};
use std::time::Duration;

/// The size the targets are set for.
pub const TARGET_RESOURCES: usize = 10_000;
/// Time target for a plan of [`TARGET_RESOURCES`] (median total).
pub const TARGET_TIME: Duration = Duration::from_secs(1);
/// Heap target for a plan of [`TARGET_RESOURCES`] (worst run), in bytes (200 MB).
pub const TARGET_HEAP: usize = 200_000_000;

/// All runs of one scenario at one size.
pub struct SizeRuns {
    /// Resources in the stack.
    pub resources: usize,
    /// One sample per measured run.
    pub samples: Vec<RunSample>,
}

impl SizeRuns {
    fn durations(&self, pick: impl Fn(&RunSample) -> Duration) -> Vec<Duration> {
        self.samples.iter().map(pick).collect()
    }

    fn median_total(&self) -> Duration {
        median(&self.durations(RunSample::total))
    }

    fn worst_peak(&self) -> usize {
        self.samples.iter().map(|s| s.peak_heap).max().unwrap_or(0)
    }
}

/// Print one scenario as a Markdown table: rows are stages, columns median and min per size,
/// then the ratio of each later size's median to the first size's.
pub fn print_scenario(title: &str, sizes: &[SizeRuns]) {
    let Some(first) = sizes.first() else {
        return;
    };
    let runs = first.samples.len();
    println!("\n### {title}\n\n{runs} runs per size, interleaved; median (min).\n");
    let mut header = vec!["stage".to_string()];
    header.extend(
        sizes
            .iter()
            .map(|s| format!("{} resources", thousands(s.resources))),
    );
    header.extend(sizes.iter().skip(1).map(|s| {
        format!(
            "{} / {}",
            thousands(s.resources),
            thousands(first.resources)
        )
    }));
    print_row(&header);
    print_row(&vec!["---".to_string(); header.len()]);

    for (i, stage) in STAGES.iter().enumerate() {
        print_duration_row(stage, sizes, |s| s.stages[i]);
    }
    print_duration_row("**total**", sizes, RunSample::total);
    print_bytes_row("peak heap", sizes, |s| s.peak_heap);
    print_bytes_row("heap at start", sizes, |s| s.heap_before);
    print_bytes_row("JSON plan", sizes, |s| s.json_bytes);

    println!("\nHeap by stage: highest during the stage / live after it (median).\n");
    let mut header = vec!["stage".to_string()];
    header.extend(
        sizes
            .iter()
            .map(|s| format!("{} resources", thousands(s.resources))),
    );
    print_row(&header);
    print_row(&vec!["---".to_string(); header.len()]);
    for (i, stage) in STAGES.iter().enumerate() {
        let mut row = vec![stage.to_string()];
        for s in sizes {
            let peak = median_bytes(s.samples.iter().map(|r| r.stage_peaks[i]));
            let live = median_bytes(s.samples.iter().map(|r| r.live_after[i]));
            row.push(format!("{} / {}", megabytes(peak), megabytes(live)));
        }
        print_row(&row);
    }
}

fn median_bytes(values: impl Iterator<Item = usize>) -> usize {
    let mut sorted: Vec<usize> = values.collect();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or(0)
}

fn print_duration_row(label: &str, sizes: &[SizeRuns], pick: impl Fn(&RunSample) -> Duration) {
    let medians: Vec<Duration> = sizes.iter().map(|s| median(&s.durations(&pick))).collect();
    let mut row = vec![label.to_string()];
    for (s, m) in sizes.iter().zip(&medians) {
        let min = s.durations(&pick).into_iter().min().unwrap_or_default();
        row.push(format!("{} ({})", duration(*m), duration(min)));
    }
    row.extend(ratios(medians.iter().map(Duration::as_secs_f64)));
    print_row(&row);
}

fn print_bytes_row(label: &str, sizes: &[SizeRuns], pick: impl Fn(&RunSample) -> usize) {
    let mut row = vec![label.to_string()];
    let mut medians = Vec::new();
    for s in sizes {
        let m = median_bytes(s.samples.iter().map(&pick));
        let min = s.samples.iter().map(&pick).min().unwrap_or(0);
        row.push(format!("{} ({})", megabytes(m), megabytes(min)));
        medians.push(m as f64);
    }
    row.extend(ratios(medians.into_iter()));
    print_row(&row);
}

/// Each value after the first divided by the first, as `12.3×`.
fn ratios(values: impl Iterator<Item = f64>) -> Vec<String> {
    let values: Vec<f64> = values.collect();
    let base = values.first().copied().unwrap_or(0.0);
    values
        .iter()
        .skip(1)
        .map(|v| {
            if base > 0.0 {
                format!("{:.1}×", v / base)
            } else {
                "–".to_string()
            }
        })
        .collect()
}

fn print_row(cells: &[String]) {
    println!("| {} |", cells.join(" | "));
}

/// Print whether the targets are met for each scenario (or that the target size was not run).
pub fn print_targets(scenarios: &[(&str, Vec<SizeRuns>)]) {
    println!(
        "\n### Targets ({} resources: under {} s and under {} MB)\n",
        thousands(TARGET_RESOURCES),
        TARGET_TIME.as_secs_f64(),
        TARGET_HEAP / 1_000_000
    );
    for (title, sizes) in scenarios {
        let Some(runs) = sizes.iter().find(|s| s.resources == TARGET_RESOURCES) else {
            println!("- {title}: not measured (add {TARGET_RESOURCES} to --sizes)",);
            continue;
        };
        let time = runs.median_total();
        let heap = runs.worst_peak();
        println!(
            "- {title}: time {} (median) — {}; peak heap {} (worst run) — {}",
            duration(time),
            verdict(time < TARGET_TIME),
            megabytes(heap),
            verdict(heap < TARGET_HEAP)
        );
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

/// The middle value (the upper middle for an even count).
pub fn median(values: &[Duration]) -> Duration {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

/// A duration in the unit that keeps three or four significant digits.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// Bytes in decimal megabytes (the unit of the target), or kilobytes below one megabyte.
pub fn megabytes(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.1} kB", bytes as f64 / 1e3)
    }
}

/// `10000` as `10,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
