//! The status of a deployment (`deploying`, `running`, `failed`, `destroyed`, `unreadable`),
//! derived from what its state folder holds. Pure: the facts are gathered elsewhere.

use super::model::RunOutcome;
use super::verify::LockStatus;
use serde::Serialize;
use std::fmt;

/// What a deployment is doing, as far as its state folder can tell.
///
/// [`derive`] applies these rules in order; the first that matches wins:
///
/// 1. **deploying**: a strata process holds the lock (alive, or on another host where strata
///    cannot check; an unreadable lock file counts too, since it blocks every writer), or the
///    journal has intents without a commit (a run was killed mid-call and the next `apply` or
///    `destroy` finishes it). A lock left by a dead process of this host does not count.
/// 2. **unreadable**: a state document exists but cannot be trusted (damaged, checksum
///    mismatch, newer format); `strata state verify` says why.
/// 3. **failed**: the last recorded run ended `failed` or `interrupted`, or `rolled back` with
///    no resource left.
/// 4. **running**: resources are recorded, and the last run succeeded, was rolled back to what
///    stood before, or there is no history (states written before history was kept).
/// 5. **destroyed**: nothing is recorded as existing: no state document but an archive left by
///    `strata destroy`, or a state document without resources.
///
/// A folder matching none of these (no state, no archive, no lock, no journal) is not a
/// deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeploymentStatus {
    /// A run is under way, or one was killed and has uncommitted journal intents.
    Deploying,
    /// Resources exist and the last run left them as intended.
    Running,
    /// The last run failed or was interrupted.
    Failed,
    /// Nothing recorded as existing (destroyed and archived, or emptied).
    Destroyed,
    /// The state document exists but cannot be read.
    Unreadable,
}

impl DeploymentStatus {
    /// Every status, in the order rules are applied (for help texts and tests).
    pub const ALL: [DeploymentStatus; 5] = [
        DeploymentStatus::Deploying,
        DeploymentStatus::Unreadable,
        DeploymentStatus::Failed,
        DeploymentStatus::Running,
        DeploymentStatus::Destroyed,
    ];

    /// The lowercase name used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DeploymentStatus::Deploying => "deploying",
            DeploymentStatus::Running => "running",
            DeploymentStatus::Failed => "failed",
            DeploymentStatus::Destroyed => "destroyed",
            DeploymentStatus::Unreadable => "unreadable",
        }
    }
}

impl fmt::Display for DeploymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the state document says, for status purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFacts {
    /// No `state.json`.
    Missing,
    /// A `state.json` that was refused on load.
    Unreadable,
    /// A readable state.
    Readable {
        /// How many resources it records.
        resources: usize,
        /// Outcome of the newest entry of its history, if it has one.
        last_outcome: Option<RunOutcome>,
    },
}

/// Everything the status rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFacts<'a> {
    /// The lock file.
    pub lock: &'a LockStatus,
    /// Journal intents without a commit.
    pub pending_intents: usize,
    /// The current state document.
    pub document: DocumentFacts,
    /// Whether `strata destroy` archived a state of this deployment.
    pub archived: bool,
}

/// The status these facts give, by the rules on [`DeploymentStatus`]; `None` when the facts
/// describe no deployment at all.
pub fn derive(facts: &StatusFacts<'_>) -> Option<DeploymentStatus> {
    let locked = matches!(facts.lock, LockStatus::Held(_) | LockStatus::Unreadable);
    if locked || facts.pending_intents > 0 {
        return Some(DeploymentStatus::Deploying);
    }
    match facts.document {
        DocumentFacts::Unreadable => Some(DeploymentStatus::Unreadable),
        DocumentFacts::Missing if facts.archived => Some(DeploymentStatus::Destroyed),
        DocumentFacts::Missing => None,
        DocumentFacts::Readable {
            resources,
            last_outcome,
        } => Some(match last_outcome {
            Some(RunOutcome::Failed | RunOutcome::Interrupted) => DeploymentStatus::Failed,
            Some(RunOutcome::RolledBack) if resources == 0 => DeploymentStatus::Failed,
            _ if resources > 0 => DeploymentStatus::Running,
            _ => DeploymentStatus::Destroyed,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::LockHolder;

    fn holder() -> LockHolder {
        LockHolder {
            pid: 42,
            host: "build-7".into(),
            user: "alice".into(),
            command: "strata apply".into(),
            started_at: "2026-11-21T21:00:00Z".into(),
            strata_version: "0.1.0".into(),
            id: "x".into(),
            process_start: None,
            boot_id: None,
            pid_namespace: None,
            os_lock: false,
        }
    }

    fn readable(resources: usize, last_outcome: Option<RunOutcome>) -> DocumentFacts {
        DocumentFacts::Readable {
            resources,
            last_outcome,
        }
    }

    fn status(
        lock: &LockStatus,
        pending_intents: usize,
        document: DocumentFacts,
        archived: bool,
    ) -> Option<DeploymentStatus> {
        derive(&StatusFacts {
            lock,
            pending_intents,
            document,
            archived,
        })
    }

    use DeploymentStatus::*;

    #[test]
    fn a_live_or_unreadable_lock_or_pending_intents_mean_deploying_whatever_the_state_says() {
        let held = LockStatus::Held(holder());
        for document in [
            DocumentFacts::Missing,
            DocumentFacts::Unreadable,
            readable(3, Some(RunOutcome::Succeeded)),
            readable(0, Some(RunOutcome::Failed)),
        ] {
            assert_eq!(status(&held, 0, document, false), Some(Deploying));
            assert_eq!(
                status(&LockStatus::Unreadable, 0, document, true),
                Some(Deploying)
            );
            assert_eq!(
                status(&LockStatus::Free, 2, document, false),
                Some(Deploying)
            );
        }
    }

    #[test]
    fn a_stale_lock_is_ignored() {
        let stale = LockStatus::Stale(holder());
        assert_eq!(
            status(&stale, 0, readable(1, Some(RunOutcome::Succeeded)), false),
            Some(Running)
        );
        assert_eq!(status(&stale, 0, DocumentFacts::Missing, false), None);
    }

    #[test]
    fn outcomes_of_the_last_run_decide_between_running_and_failed() {
        let free = LockStatus::Free;
        let cases = [
            (readable(4, Some(RunOutcome::Succeeded)), Running),
            (readable(4, None), Running),
            (readable(4, Some(RunOutcome::Failed)), Failed),
            (readable(0, Some(RunOutcome::Failed)), Failed),
            (readable(4, Some(RunOutcome::Interrupted)), Failed),
            (readable(0, Some(RunOutcome::RolledBack)), Failed),
            // Rolled back to what stood before: the previous deployment still runs.
            (readable(4, Some(RunOutcome::RolledBack)), Running),
        ];
        for (document, want) in cases {
            assert_eq!(
                status(&free, 0, document, false),
                Some(want),
                "{document:?}"
            );
        }
    }

    #[test]
    fn nothing_recorded_is_destroyed_and_no_trace_is_no_deployment() {
        let free = LockStatus::Free;
        assert_eq!(
            status(&free, 0, DocumentFacts::Missing, true),
            Some(Destroyed)
        );
        assert_eq!(status(&free, 0, readable(0, None), false), Some(Destroyed));
        assert_eq!(
            status(&free, 0, readable(0, Some(RunOutcome::Succeeded)), true),
            Some(Destroyed)
        );
        assert_eq!(status(&free, 0, DocumentFacts::Missing, false), None);
    }

    #[test]
    fn a_present_document_wins_over_an_old_archive() {
        let free = LockStatus::Free;
        assert_eq!(
            status(&free, 0, readable(2, Some(RunOutcome::Succeeded)), true),
            Some(Running)
        );
        assert_eq!(
            status(&free, 0, DocumentFacts::Unreadable, true),
            Some(Unreadable)
        );
    }

    #[test]
    fn names_are_lowercase_in_text_and_json() {
        for s in DeploymentStatus::ALL {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.to_string())
            );
        }
        assert_eq!(Deploying.to_string(), "deploying");
    }
}
