//! The benchmark's printout: the graph, the lower bound, and one table row per parallelism.

use super::run::Measured;
use std::time::Duration;

/// The lower bound on an apply's wall time with `parallelism` steps at once: no schedule beats
/// the critical path, nor the total work spread evenly over every slot.
pub fn lower_bound(
    critical: Duration,
    resources: usize,
    per_resource: Duration,
    parallelism: usize,
) -> Duration {
    let spread = per_resource.mul_f64(resources as f64 / parallelism.max(1) as f64);
    critical.max(spread)
}

/// The runs at one parallelism.
pub struct Row {
    /// Steps at once.
    pub parallelism: usize,
    /// Every measured run.
    pub runs: Vec<Measured>,
    /// The lower bound at this parallelism.
    pub bound: Duration,
}

impl Row {
    /// The run with the median wall time.
    pub fn median(&self) -> Option<&Measured> {
        let mut sorted: Vec<&Measured> = self.runs.iter().collect();
        sorted.sort_by_key(|m| m.wall);
        sorted.get(sorted.len() / 2).copied()
    }

    /// The fastest run's wall time.
    pub fn min(&self) -> Option<Duration> {
        self.runs.iter().map(|m| m.wall).min()
    }

    /// Median wall time over the bound.
    pub fn ratio(&self) -> Option<f64> {
        self.median()
            .map(|m| m.wall.as_secs_f64() / self.bound.as_secs_f64().max(1e-9))
    }
}

/// Seconds with three significant decimals below 10 s.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.3} s")
    }
}

/// The results table; speed-ups are against the parallelism-1 row when there is one.
pub fn print_table(rows: &[Row]) {
    let serial = rows
        .iter()
        .find(|r| r.parallelism == 1)
        .and_then(|r| r.median())
        .map(|m| m.wall);
    println!("| parallelism | wall time, median (min) | lower bound | wall / bound | speed-up over parallelism 1 | steps running at once (mean) | step (mean) | dependency end → start (mean) |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for row in rows {
        let Some(m) = row.median() else { continue };
        let speedup = serial.map_or("–".to_string(), |s| {
            format!("{:.2}×", s.as_secs_f64() / m.wall.as_secs_f64().max(1e-9))
        });
        println!(
            "| {} | {} ({}), {} run{} | {} | {:.3} | {speedup} | {:.2} | {} | {} |",
            row.parallelism,
            secs(m.wall),
            secs(row.min().unwrap_or(m.wall)),
            row.runs.len(),
            if row.runs.len() == 1 { "" } else { "s" },
            secs(row.bound),
            row.ratio().unwrap_or(f64::NAN),
            m.usage.mean_running,
            secs(m.usage.mean_step),
            secs(m.usage.mean_handoff),
        );
    }
}
