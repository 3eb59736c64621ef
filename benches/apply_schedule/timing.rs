//! An event sink that notes when each resource's step started and ended, to tell where a run's
//! time went: how many steps ran at once on average, and how long a resource waited between
//! its last dependency ending and its own start.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use strata::engine::{Event, EventSink};

/// When a step started and when it ended.
type Span = (Option<Instant>, Option<Instant>);

/// Start and end of every step, by address.
#[derive(Default)]
pub struct Timeline {
    steps: Mutex<BTreeMap<String, Span>>,
}

impl EventSink for Timeline {
    fn emit(&self, event: &Event) {
        let now = Instant::now();
        let Ok(mut steps) = self.steps.lock() else {
            return;
        };
        match event {
            Event::Started { address, .. } => {
                steps.entry(address.clone()).or_default().0 = Some(now)
            }
            Event::Succeeded { address, .. } => {
                steps.entry(address.clone()).or_default().1 = Some(now)
            }
            _ => {}
        }
    }
}

/// What a timeline says about a run.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    /// Sum of step durations divided by the wall time: steps running at once, on average.
    pub mean_running: f64,
    /// Mean step duration (provider calls plus the journal's outcome write).
    pub mean_step: Duration,
    /// Mean time from a resource's last dependency ending to its own start (state save,
    /// journal writes, scheduling, and waiting for a free slot).
    pub mean_handoff: Duration,
}

impl Timeline {
    /// Summarise the run, given each resource's dependencies (by address) and the wall time.
    pub fn usage(&self, parents: &BTreeMap<String, Vec<String>>, wall: Duration) -> Usage {
        let steps = self.steps.lock().map(|s| s.clone()).unwrap_or_default();
        let mut busy = Duration::ZERO;
        let mut finished = 0u32;
        for (start, end) in steps.values() {
            if let (Some(s), Some(e)) = (start, end) {
                busy += e.saturating_duration_since(*s);
                finished += 1;
            }
        }
        let mut handoff = Duration::ZERO;
        let mut handoffs = 0u32;
        for (address, deps) in parents {
            let last_dep_end = deps
                .iter()
                .filter_map(|d| steps.get(d).and_then(|s| s.1))
                .max();
            let start = steps.get(address).and_then(|s| s.0);
            if let (Some(ready), Some(start)) = (last_dep_end, start) {
                handoff += start.saturating_duration_since(ready);
                handoffs += 1;
            }
        }
        Usage {
            mean_running: busy.as_secs_f64() / wall.as_secs_f64().max(1e-9),
            mean_step: busy / finished.max(1),
            mean_handoff: handoff / handoffs.max(1),
        }
    }
}
