//! The text of the live view: permanent lines for finished resources, the note of a running
//! one, and the summary. Pure functions, so the wording is tested without a terminal.

use crate::engine::Event;
use crate::provider::ErrorClass;

/// ANSI colours, or none (`--color never`, `NO_COLOR`, or stderr is not a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// Whether to colour.
    pub color: bool,
}

impl Palette {
    fn paint(self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Green: created.
    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }
    /// Yellow: updated, retries, interruptions.
    pub fn yellow(self, text: &str) -> String {
        self.paint("33", text)
    }
    /// Red: deleted and failed.
    pub fn red(self, text: &str) -> String {
        self.paint("31", text)
    }
    /// Bold red: failures.
    pub fn bold_red(self, text: &str) -> String {
        self.paint("1;31", text)
    }
    /// Dim: ids, times, notes.
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Milliseconds as seconds with one decimal: `2.1s`.
pub fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

/// What a running step is doing, in the present tense.
pub fn doing(action: &str) -> &'static str {
    match action {
        "create" => "creating",
        "update" => "updating",
        "delete" => "deleting",
        _ => "working",
    }
}

/// The note on a running step's line after a retryable error: `retrying (throttling, 1.2s)`.
pub fn retry_note(class: ErrorClass, code: Option<&str>, delay_ms: u64) -> String {
    let why = match code {
        Some(code) => format!("{}: {code}", class.name()),
        None => class.name().to_string(),
    };
    format!("retrying ({why}, {})", seconds(delay_ms))
}

/// The permanent line printed above the running steps when an event ends something, or
/// `None` for events that only change the running view (`planned`, `started`, `retrying`,
/// `summary`).
pub fn finished(event: &Event, p: Palette) -> Option<String> {
    let line = match event {
        Event::Succeeded {
            address,
            action,
            id,
            elapsed_ms,
        } => {
            let (symbol, verb) = match action.as_str() {
                "create" => (p.green("+"), p.green("created")),
                "update" => (p.yellow("~"), p.yellow("updated")),
                "delete" => (p.red("-"), p.red("deleted")),
                _ => (" ".to_string(), "done".to_string()),
            };
            let id = id
                .as_ref()
                .map(|i| format!(" {}", p.dim(&format!("({i})"))))
                .unwrap_or_default();
            format!(
                "{symbol} {verb} {address}{id} {}",
                p.dim(&seconds(*elapsed_ms))
            )
        }
        Event::Failed {
            address,
            action,
            code,
            message,
        } => format!(
            "{} {address}: {action} [{code}]: {message}",
            p.bold_red("! failed")
        ),
        Event::RolledBack { address } => format!("{} {address}", p.red("- rolled back")),
        Event::Adopted { address, id } => format!(
            "{} {address} {} {}",
            p.green("= adopted"),
            p.dim(&format!("({id})")),
            p.dim("left by an earlier attempt; converged")
        ),
        Event::Unresolved { address, reason } => format!(
            "{} {address}: an interrupted create could not be checked {}",
            p.bold_red("? unresolved"),
            p.dim(&format!("({reason}); its journal entry is kept"))
        ),
        Event::Kept { address, reason } => {
            format!("  kept {address} {}", p.dim(&format!("({reason})")))
        }
        Event::Planned { .. }
        | Event::Started { .. }
        | Event::Retrying { .. }
        | Event::Summary { .. } => return None,
    };
    Some(line)
}

/// The counts of a run, as the summary event carries them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Created.
    pub created: usize,
    /// Updated in place.
    pub updated: usize,
    /// Deleted.
    pub deleted: usize,
    /// Failed.
    pub failed: usize,
    /// Deleted again by rollback.
    pub rolled_back: usize,
}

/// The last line of a run: how it ended, how long it took, what it did (non-zero counts only).
pub fn summary(counts: Counts, interrupted: bool, elapsed_ms: u64, p: Palette) -> String {
    let time = seconds(elapsed_ms);
    let head = if counts.failed > 0 {
        p.bold_red(&format!("Failed after {time}"))
    } else if interrupted {
        p.yellow(&format!("Interrupted after {time}"))
    } else {
        p.green(&format!("Done in {time}"))
    };
    let parts: Vec<String> = [
        (counts.created, "created"),
        (counts.updated, "updated"),
        (counts.deleted, "deleted"),
        (counts.failed, "failed"),
        (counts.rolled_back, "rolled back"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    if parts.is_empty() {
        format!("{head}: nothing changed.")
    } else {
        format!("{head}: {}.", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: Palette = Palette { color: false };
    const COLOR: Palette = Palette { color: true };

    fn succeeded(action: &str, id: Option<&str>, ms: u64) -> Event {
        Event::Succeeded {
            address: "vpc.main".into(),
            action: action.into(),
            id: id.map(str::to_string),
            elapsed_ms: ms,
        }
    }

    #[test]
    fn finished_steps_read_as_symbol_verb_address_id_time() {
        assert_eq!(
            finished(&succeeded("create", Some("vpc-123"), 2_140), PLAIN).as_deref(),
            Some("+ created vpc.main (vpc-123) 2.1s")
        );
        assert_eq!(
            finished(&succeeded("update", Some("vpc-123"), 400), PLAIN).as_deref(),
            Some("~ updated vpc.main (vpc-123) 0.4s")
        );
        assert_eq!(
            finished(&succeeded("delete", None, 50), PLAIN).as_deref(),
            Some("- deleted vpc.main 0.1s")
        );
    }

    #[test]
    fn failures_rollbacks_adoptions_and_kept_resources_get_their_own_lines() {
        let failed = Event::Failed {
            address: "instance.host".into(),
            action: "create".into(),
            code: "strata::aws::invalid_input".into(),
            message: "bad AMI".into(),
        };
        assert_eq!(
            finished(&failed, PLAIN).as_deref(),
            Some("! failed instance.host: create [strata::aws::invalid_input]: bad AMI")
        );
        let rolled = Event::RolledBack {
            address: "vpc.main".into(),
        };
        assert_eq!(
            finished(&rolled, PLAIN).as_deref(),
            Some("- rolled back vpc.main")
        );
        let adopted = Event::Adopted {
            address: "vpc.main".into(),
            id: "vpc-9".into(),
        };
        assert_eq!(
            finished(&adopted, PLAIN).as_deref(),
            Some("= adopted vpc.main (vpc-9) left by an earlier attempt; converged")
        );
        let kept = Event::Kept {
            address: "vpc.shared".into(),
            reason: "reused".into(),
        };
        assert_eq!(
            finished(&kept, PLAIN).as_deref(),
            Some("  kept vpc.shared (reused)")
        );
    }

    #[test]
    fn events_of_the_running_view_print_no_line() {
        let started = Event::Started {
            address: "vpc.main".into(),
            action: "create".into(),
        };
        assert_eq!(finished(&started, PLAIN), None);
        let planned = Event::Planned {
            address: "vpc.main".into(),
            action: "create".into(),
        };
        assert_eq!(finished(&planned, PLAIN), None);
    }

    #[test]
    fn colour_wraps_the_verb_and_is_absent_without_it() {
        let line = finished(&succeeded("create", Some("vpc-1"), 1000), COLOR).unwrap();
        assert!(line.starts_with("\x1b[32m+\x1b[0m \x1b[32mcreated\x1b[0m vpc.main"));
        let plain = finished(&succeeded("create", Some("vpc-1"), 1000), PLAIN).unwrap();
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }

    #[test]
    fn retry_note_names_the_class_code_and_delay() {
        assert_eq!(
            retry_note(ErrorClass::Throttling, None, 1_200),
            "retrying (throttling, 1.2s)"
        );
        assert_eq!(
            retry_note(ErrorClass::Throttling, Some("RequestLimitExceeded"), 260),
            "retrying (throttling: RequestLimitExceeded, 0.3s)"
        );
    }

    #[test]
    fn summary_counts_only_what_happened() {
        let counts = Counts {
            created: 3,
            updated: 1,
            ..Counts::default()
        };
        assert_eq!(
            summary(counts, false, 12_340, PLAIN),
            "Done in 12.3s: 3 created, 1 updated."
        );
        assert_eq!(
            summary(Counts::default(), false, 100, PLAIN),
            "Done in 0.1s: nothing changed."
        );
    }

    #[test]
    fn summary_leads_with_failure_then_interruption() {
        let failed = Counts {
            created: 2,
            failed: 1,
            rolled_back: 2,
            ..Counts::default()
        };
        assert_eq!(
            summary(failed, true, 4_000, PLAIN),
            "Failed after 4.0s: 2 created, 1 failed, 2 rolled back."
        );
        let stopped = Counts {
            deleted: 1,
            ..Counts::default()
        };
        assert_eq!(
            summary(stopped, true, 3_000, PLAIN),
            "Interrupted after 3.0s: 1 deleted."
        );
    }
}
