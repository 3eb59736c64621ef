//! Tables of the measured runs (Markdown, so they paste into BENCHMARKS.md as they are) and the
//! verdict on the targets. A bench reports; it never fails on a missed target.

use crate::pipeline::{RunSample, STAGES};
use crate::process::ProcessSample;
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

/// All process runs of one scenario at one size.
pub struct ProcessRuns {
    /// Resources in the stack.
    pub resources: usize,
    /// One sample per run.
    pub samples: Vec<ProcessSample>,
}

impl ProcessRuns {
    fn median_wall(&self) -> Duration {
        median(&self.samples.iter().map(|s| s.wall).collect::<Vec<_>>())
    }

    /// The largest peak RSS of any run, `None` when the OS does not report it.
    fn worst_rss(&self) -> Option<u64> {
        self.samples.iter().filter_map(|s| s.max_rss).max()
    }
}

/// Print the process runs: wall time and peak RSS per scenario and size, with ratios.
pub fn print_process(scenarios: &[(&str, Vec<ProcessRuns>)]) {
    let Some((_, first_sizes)) = scenarios.first() else {
        return;
    };
    let Some(first) = first_sizes.first() else {
        return;
    };
    println!(
        "\n### `strata plan --output json` as a process\n\nA fresh process per run (cold heap, \
         JSON written to /dev/null, everything freed at exit); {} runs per size, interleaved; \
         median (min) wall time, peak resident set size of the worst run.\n",
        first.samples.len()
    );
    let mut header = vec!["scenario".to_string()];
    header.extend(
        first_sizes
            .iter()
            .map(|s| format!("{} resources", thousands(s.resources))),
    );
    header.extend(first_sizes.iter().skip(1).map(|s| {
        format!(
            "{} / {}",
            thousands(s.resources),
            thousands(first.resources)
        )
    }));
    print_row(&header);
    print_row(&vec!["---".to_string(); header.len()]);
    for (title, sizes) in scenarios {
        let mut row = vec![format!("{} — wall time", short_title(title))];
        for s in sizes {
            let min = s.samples.iter().map(|r| r.wall).min().unwrap_or_default();
            row.push(format!("{} ({})", duration(s.median_wall()), duration(min)));
        }
        row.extend(ratios(sizes.iter().map(|s| s.median_wall().as_secs_f64())));
        print_row(&row);

        let mut row = vec![format!("{} — peak RSS", short_title(title))];
        for s in sizes {
            row.push(s.worst_rss().map_or_else(|| "–".to_string(), rss_megabytes));
        }
        row.extend(ratios(
            sizes.iter().map(|s| s.worst_rss().unwrap_or(0) as f64),
        ));
        print_row(&row);
    }
    let floor = scenarios
        .iter()
        .flat_map(|(_, sizes)| sizes.iter())
        .flat_map(|s| s.samples.iter())
        .filter_map(|s| s.rss_floor)
        .max();
    if let Some(floor) = floor {
        println!(
            "\nPeak RSS cannot read below {} here: Linux charges the bench's own resident size at \
             spawn to the child.",
            rss_megabytes(floor)
        );
    }
}

/// The part of a scenario title before its explanation in brackets.
fn short_title(title: &str) -> &str {
    title.split(" (").next().unwrap_or(title)
}

fn rss_megabytes(bytes: u64) -> String {
    megabytes(usize::try_from(bytes).unwrap_or(usize::MAX))
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

/// Print whether the targets are met for each scenario (or that the target size was not run):
/// in process (counted heap) and, when measured, as a separate process (resident set size).
pub fn print_targets(
    in_process: &[(&str, Vec<SizeRuns>)],
    as_process: &[(&str, Vec<ProcessRuns>)],
) {
    println!(
        "\n### Targets ({} resources: under {} s and under {} MB)\n",
        thousands(TARGET_RESOURCES),
        TARGET_TIME.as_secs_f64(),
        TARGET_HEAP / 1_000_000
    );
    for (title, sizes) in in_process {
        let Some(runs) = sizes.iter().find(|s| s.resources == TARGET_RESOURCES) else {
            println!("- {title}: not measured (add {TARGET_RESOURCES} to --sizes)");
            continue;
        };
        let time = runs.median_total();
        let heap = runs.worst_peak();
        println!(
            "- {title}, in process: time {} (median) — {}; peak heap {} (worst run) — {}",
            duration(time),
            verdict(time < TARGET_TIME),
            megabytes(heap),
            verdict(heap < TARGET_HEAP)
        );
    }
    for (title, sizes) in as_process {
        let Some(runs) = sizes.iter().find(|s| s.resources == TARGET_RESOURCES) else {
            continue;
        };
        let time = runs.median_wall();
        let rss = match runs.worst_rss() {
            Some(rss) => format!(
                "{} (worst run) — {}",
                rss_megabytes(rss),
                verdict(rss < TARGET_HEAP as u64)
            ),
            None => "not reported by this OS".to_string(),
        };
        println!(
            "- {title}, as a process: wall time {} (median) — {}; peak RSS {rss}",
            duration(time),
            verdict(time < TARGET_TIME),
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
