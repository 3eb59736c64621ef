//! What apply and destroy report while they work: one event per step, printed as plain lines
//! for people or one JSON object per line for pipelines (`--output json`).

use crate::provider::ErrorClass;
use serde::Serialize;
use std::io::Write;
use std::sync::Mutex;

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run will do this to this resource.
    Planned {
        /// Resource address.
        address: String,
        /// `create`, `update`, `replace`, `delete`, `read`.
        action: String,
    },
    /// A call for this resource starts.
    Started {
        /// Resource address.
        address: String,
        /// `create`, `update` or `delete`.
        action: String,
    },
    /// A call failed in a way worth retrying; the next attempt is after `delay_ms`.
    Retrying {
        /// Resource address.
        address: String,
        /// `create`, `update` or `delete`.
        action: String,
        /// The error class.
        class: ErrorClass,
        /// AWS's error code, if any.
        code: Option<String>,
        /// Delay before the next attempt.
        delay_ms: u64,
    },
    /// The resource is done.
    Succeeded {
        /// Resource address.
        address: String,
        /// `create`, `update` or `delete`.
        action: String,
        /// Provider id.
        id: Option<String>,
        /// Time the step took.
        elapsed_ms: u64,
    },
    /// The resource failed for good.
    Failed {
        /// Resource address.
        address: String,
        /// `create`, `update` or `delete`.
        action: String,
        /// Stable diagnostic code, e.g. `strata::aws::invalid_input`.
        code: String,
        /// What went wrong.
        message: String,
    },
    /// A resource this run created was deleted again after a failure.
    RolledBack {
        /// Resource address.
        address: String,
    },
    /// A resource an earlier attempt or an interrupted run created was found again (by its
    /// tags or identity), read live, and recorded; the step converges it.
    Adopted {
        /// Resource address.
        address: String,
        /// Provider id.
        id: String,
    },
    /// An interrupted step the journal records could not be settled; its intent is kept.
    Unresolved {
        /// Resource address.
        address: String,
        /// Why it could not be looked up.
        reason: String,
    },
    /// A resource strata keeps (reused, never deleted).
    Kept {
        /// Resource address.
        address: String,
        /// Why.
        reason: String,
    },
    /// The run is over.
    Summary {
        /// Resources created.
        created: usize,
        /// Resources updated in place.
        updated: usize,
        /// Resources deleted.
        deleted: usize,
        /// Resources that failed.
        failed: usize,
        /// Resources deleted again by rollback.
        rolled_back: usize,
        /// The run stopped early on Ctrl-C.
        interrupted: bool,
        /// Wall time.
        elapsed_ms: u64,
    },
}

/// Where events go.
pub trait EventSink: Send + Sync {
    /// Report one event.
    fn emit(&self, event: &Event);
}

/// One JSON object per line on stdout.
pub struct JsonLines;

impl EventSink for JsonLines {
    fn emit(&self, event: &Event) {
        if let Ok(line) = serde_json::to_string(event) {
            let mut out = std::io::stdout().lock();
            #[allow(
                clippy::let_underscore_must_use,
                reason = "an event stream whose reader went away must not stop the run"
            )]
            let _ = writeln!(out, "{line}");
            #[allow(
                clippy::let_underscore_must_use,
                reason = "an event stream whose reader went away must not stop the run"
            )]
            let _ = out.flush();
        }
    }
}

/// Plain lines on stderr for people (`quiet`: failures only).
pub struct TextLines {
    /// Only failures.
    pub quiet: bool,
}

impl EventSink for TextLines {
    fn emit(&self, event: &Event) {
        let line = match event {
            Event::Planned { .. } => return,
            Event::Started { address, action } => format!("{address}: {}…", ing(action)),
            Event::Retrying {
                address,
                action,
                class,
                code,
                delay_ms,
            } => format!(
                "{address}: {action} hit {}{}; retrying in {:.1}s",
                class.name(),
                code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default(),
                *delay_ms as f64 / 1000.0
            ),
            Event::Succeeded {
                address,
                action,
                id,
                elapsed_ms,
            } => format!(
                "{address}: {}{} [{:.1}s]",
                ed(action),
                id.as_ref().map(|i| format!(" ({i})")).unwrap_or_default(),
                *elapsed_ms as f64 / 1000.0
            ),
            Event::Failed {
                address,
                action,
                code,
                message,
            } => format!("{address}: {action} FAILED [{code}]: {message}"),
            Event::RolledBack { address } => format!("{address}: rolled back (deleted)"),
            Event::Adopted { address, id } => {
                format!("{address}: found {id} left by an earlier attempt; recorded it")
            }
            Event::Unresolved { address, reason } => format!(
                "{address}: an interrupted create could not be checked ({reason}); its journal \
                 entry is kept"
            ),
            Event::Kept { address, reason } => format!("{address}: kept ({reason})"),
            Event::Summary {
                created,
                updated,
                deleted,
                failed,
                rolled_back,
                interrupted,
                elapsed_ms,
            } => {
                let mut s = format!("{} created, {updated} updated, {deleted} deleted", created);
                if *failed > 0 {
                    s.push_str(&format!(", {failed} failed"));
                }
                if *rolled_back > 0 {
                    s.push_str(&format!(", {rolled_back} rolled back"));
                }
                if *interrupted {
                    s.push_str(", interrupted");
                }
                format!("{s} in {:.1}s.", *elapsed_ms as f64 / 1000.0)
            }
        };
        let is_failure = matches!(event, Event::Failed { .. });
        if !self.quiet || is_failure {
            eprintln!("{line}");
        }
    }
}

fn ing(action: &str) -> &'static str {
    match action {
        "create" => "creating",
        "update" => "updating",
        "delete" => "deleting",
        _ => "working",
    }
}

fn ed(action: &str) -> &'static str {
    match action {
        "create" => "created",
        "update" => "updated",
        "delete" => "deleted",
        _ => "done",
    }
}

/// Collects events in memory (tests, and the summary of a run).
#[derive(Default)]
pub struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    /// The events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

impl EventSink for Recorder {
    fn emit(&self, event: &Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event.clone());
        }
    }
}

/// Sends every event to several sinks.
pub struct Tee<'a>(pub Vec<&'a dyn EventSink>);

impl EventSink for Tee<'_> {
    fn emit(&self, event: &Event) {
        for s in &self.0 {
            s.emit(event);
        }
    }
}
