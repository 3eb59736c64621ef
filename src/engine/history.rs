//! The configurations applied to a deployment, kept in its state: recorded at the end of every
//! `apply` and `rollback`, and what `strata rollback` returns to.

use super::Report;
use crate::config::{Deployment, LoadRequest};
use crate::state::{AppliedConfig, ConfigFile, RunOutcome, State, SuppliedVar, HISTORY_LIMIT};
use crate::value::{hmac_sha256_hex, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

/// How a run ended, from its report.
pub fn outcome_of(report: &Report) -> RunOutcome {
    if report.interrupted {
        RunOutcome::Interrupted
    } else if report.failed.is_empty() {
        RunOutcome::Succeeded
    } else if !report.rolled_back.is_empty() && report.rollback_left.is_empty() {
        // A partial rollback is a failure: resources of the failed run still exist.
        RunOutcome::RolledBack
    } else {
        RunOutcome::Failed
    }
}

/// The record of a run of `command` over `deployment`'s configuration. Nothing sensitive is
/// kept in clear: files given outside the project (`--var-file`) are left out, sensitive
/// literals in the project's files are replaced (see [`redacted`]), and every value the snapshot
/// lacks is kept by name and by its digest keyed with `key` (the state's secret key).
pub fn applied_config(
    deployment: &Deployment,
    command: &str,
    outcome: RunOutcome,
    key: &[u8],
) -> AppliedConfig {
    let files: Vec<ConfigFile> = deployment
        .sources
        .kept()
        .map(|(id, f)| {
            let spans: Vec<Range<usize>> = deployment
                .sensitive_literals
                .iter()
                .filter(|o| o.file == id)
                .map(|o| o.span.clone())
                .collect();
            ConfigFile {
                path: f.path.to_string_lossy().into_owned(),
                text: redacted(&f.text, spans),
            }
        })
        .collect();
    let supplied = deployment
        .vars
        .iter()
        .filter(|(_, v)| v.from.is_outside() || deployment.sensitive_literals.contains(&v.origin))
        .map(|(name, v)| SuppliedVar {
            name: name.clone(),
            given: if v.from.is_outside() {
                v.from.describe(name)
            } else {
                format!(
                    "redacted from {}",
                    deployment.sources.get(v.origin.file).path.display()
                )
            },
            digest: supplied_digest(key, &v.value),
        })
        .collect();
    AppliedConfig {
        at: crate::state::now_rfc3339(),
        command: command.to_string(),
        outcome,
        digest: digest(&files),
        tier_file: deployment
            .tier
            .as_ref()
            .map(|t| t.path.to_string_lossy().into_owned()),
        stack_file: deployment.stack.path.to_string_lossy().into_owned(),
        files,
        supplied,
    }
}

/// The keyed digest a history entry keeps of a value it does not hold.
pub fn supplied_digest(key: &[u8], value: &Value) -> String {
    format!(
        "hmac-sha256:{}",
        hmac_sha256_hex(key, value.digest().as_bytes())
    )
}

/// The text to redact a sensitive literal with, keeping its TOML type so that the snapshot
/// still loads: strings (the span is their content) become `(redacted)`, other values an
/// empty value of the same type.
const REDACTED_TEXT: &str = "(redacted)";

/// `text` with the value at each span replaced by a placeholder of the same TOML type.
pub fn redacted(text: &str, mut spans: Vec<Range<usize>>) -> String {
    // From the end, so that earlier spans stay valid.
    spans.sort_by_key(|s| std::cmp::Reverse(s.start));
    spans.dedup();
    let mut out = text.to_string();
    for span in spans {
        let (Some(value), Some(before)) = (text.get(span.clone()), text.get(..span.start)) else {
            continue;
        };
        let placeholder = if before.ends_with(['"', '\'']) {
            REDACTED_TEXT
        } else {
            match value.trim_start().chars().next() {
                Some('t' | 'f') => "false",
                Some('[') => "[]",
                Some('{') => "{}",
                Some(c)
                    if value.contains(['.', 'e', 'E'])
                        && (c.is_ascii_digit() || c == '-' || c == '+') =>
                {
                    "0.0"
                }
                _ => "0",
            }
        };
        out.replace_range(span, placeholder);
    }
    out
}

/// `sha256:<hex>` over the files' paths and texts, each length-prefixed so that no two
/// different file sets share a digest by concatenation.
fn digest(files: &[ConfigFile]) -> String {
    let mut h = Sha256::new();
    for f in files {
        for part in [&f.path, &f.text] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// Append a run to the state's history, keeping the newest [`HISTORY_LIMIT`].
pub fn record(state: &mut State, entry: AppliedConfig) {
    state.history.push(entry);
    let excess = state.history.len().saturating_sub(HISTORY_LIMIT);
    state.history.drain(..excess);
}

/// Why there is nothing to roll back to.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RollbackError {
    /// The state holds no configuration that was applied successfully before the current one.
    #[error("no earlier configuration of `{deployment}` was applied successfully")]
    NothingEarlier {
        /// Deployment name.
        deployment: String,
    },
    /// `--to N` names no entry of the history.
    #[error("the history of `{deployment}` has no entry {index} (it has {len})")]
    NoSuchEntry {
        /// Deployment name.
        deployment: String,
        /// The number asked for (1 = oldest).
        index: usize,
        /// How many entries there are.
        len: usize,
    },
    /// The configuration used values the history keeps by digest only, and they were not
    /// given again.
    #[error("the configuration to roll back to needs {} value(s) given again: {}", .needed.len(), .needed.join(", "))]
    NeedsValues {
        /// Each variable with how it was given then.
        needed: Vec<String>,
    },
    /// `--to N` names a run that did not succeed.
    #[error("entry {index} of the history did not succeed ({outcome}): it is not a configuration to return to")]
    NotSucceeded {
        /// The number asked for (1 = oldest).
        index: usize,
        /// How that run ended.
        outcome: RunOutcome,
    },
}

impl miette::Diagnostic for RollbackError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(match self {
            RollbackError::NothingEarlier { .. } => "strata::rollback::nothing_earlier",
            RollbackError::NoSuchEntry { .. } => "strata::rollback::no_such_entry",
            RollbackError::NeedsValues { .. } => "strata::rollback::needs_values",
            RollbackError::NotSucceeded { .. } => "strata::rollback::not_succeeded",
        }))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(match self {
            RollbackError::NothingEarlier { .. } => {
                "only configurations applied by this version of strata are recorded; to undo a change, revert it in the files and run `strata apply`"
            }
            RollbackError::NeedsValues { .. } => {
                "pass each with `--var NAME=VALUE`, `--var-file FILE` or `STRATA_VAR_NAME`: the state keeps values given outside the files, and sensitive values, by digest only"
            }
            RollbackError::NoSuchEntry { .. } | RollbackError::NotSucceeded { .. } => {
                "see the recorded runs with `strata rollback --list`"
            }
        }))
    }
}

/// Which entry of the history (0-based) `strata rollback` returns to: entry `to` (1 = oldest) when given;
/// otherwise, after a failed or interrupted run, the newest configuration that was applied
/// successfully, and after a successful run, the newest successful one that differs from it.
pub fn rollback_target(state: &State, to: Option<usize>) -> Result<usize, RollbackError> {
    let history = &state.history;
    if let Some(index) = to {
        let entry = index.checked_sub(1).and_then(|i| history.get(i)).ok_or(
            RollbackError::NoSuchEntry {
                deployment: state.deployment.clone(),
                index,
                len: history.len(),
            },
        )?;
        if entry.outcome != RunOutcome::Succeeded {
            return Err(RollbackError::NotSucceeded {
                index,
                outcome: entry.outcome,
            });
        }
        return Ok(index - 1);
    }
    let nothing = || RollbackError::NothingEarlier {
        deployment: state.deployment.clone(),
    };
    let (last, earlier) = history.split_last().ok_or_else(nothing)?;
    let succeeded = |e: &AppliedConfig| e.outcome == RunOutcome::Succeeded;
    let found = if succeeded(last) {
        earlier
            .iter()
            .rposition(|e| succeeded(e) && e.digest != last.digest)
    } else {
        earlier.iter().rposition(succeeded)
    };
    found.ok_or_else(nothing)
}

/// Refuse, before loading, a rollback to `entry` when a value it kept by digest only is not
/// among `given` (the names this run's `--var`, `--var-file` and `STRATA_VAR_*` set).
pub fn require_supplied(
    entry: &AppliedConfig,
    given: &std::collections::BTreeSet<String>,
) -> Result<(), RollbackError> {
    let needed: Vec<String> = entry
        .supplied
        .iter()
        .filter(|s| !given.contains(&s.name))
        .map(|s| format!("`{}` ({})", s.name, s.given))
        .collect();
    if needed.is_empty() {
        Ok(())
    } else {
        Err(RollbackError::NeedsValues { needed })
    }
}

/// Check that every value `entry` kept by digest only was given again for `deployment` (its
/// configuration loaded with this run's `--var`s). Returns the variables given a value other
/// than the one applied then, which the caller warns about.
pub fn check_supplied(
    entry: &AppliedConfig,
    deployment: &Deployment,
    key: &[u8],
) -> Result<Vec<String>, RollbackError> {
    let mut needed = Vec::new();
    let mut changed = Vec::new();
    for s in &entry.supplied {
        match deployment.vars.get(&s.name) {
            Some(v) if v.from.is_outside() => {
                if supplied_digest(key, &v.value) != s.digest {
                    changed.push(s.name.clone());
                }
            }
            _ => needed.push(format!("`{}` ({})", s.name, s.given)),
        }
    }
    if needed.is_empty() {
        Ok(changed)
    } else {
        Err(RollbackError::NeedsValues { needed })
    }
}

/// A load request that reads `entry`'s files instead of the disk, for deployment `name`.
pub fn load_request(entry: &AppliedConfig, name: &str, project_dir: PathBuf) -> LoadRequest {
    let files: BTreeMap<PathBuf, String> = entry
        .files
        .iter()
        .map(|f| (PathBuf::from(&f.path), f.text.clone()))
        .collect();
    LoadRequest {
        tier: entry.tier_file.clone(),
        stack: entry.tier_file.is_none().then(|| entry.stack_file.clone()),
        name: Some(name.to_string()),
        project_dir,
        snapshot: Some(files),
        outside: Default::default(),
        ssm_values: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_each_literal_s_toml_type() {
        let text = "a = \"hunter2\"\nb = 1234\nc = true\nd = [\"x\"]\ne = 'lit'\nf = 1.5\n";
        let span = |needle: &str| {
            let start = text.find(needle).expect("in text");
            start..start + needle.len()
        };
        let out = redacted(
            text,
            vec![
                span("hunter2"),
                span("1234"),
                span("true"),
                span("[\"x\"]"),
                span("lit"),
                span("1.5"),
            ],
        );
        assert_eq!(
            out,
            "a = \"(redacted)\"\nb = 0\nc = false\nd = []\ne = '(redacted)'\nf = 0.0\n"
        );
    }

    fn entry(text: &str, outcome: RunOutcome) -> AppliedConfig {
        let files = vec![ConfigFile {
            path: "stacks/s.toml".into(),
            text: text.into(),
        }];
        AppliedConfig {
            at: "2026-01-01T00:00:00Z".into(),
            command: "apply".into(),
            outcome,
            digest: digest(&files),
            tier_file: None,
            stack_file: "stacks/s.toml".into(),
            files,
            supplied: Vec::new(),
        }
    }

    fn state(entries: Vec<AppliedConfig>) -> State {
        let mut s = State::new("d", "s", None);
        for e in entries {
            record(&mut s, e);
        }
        s
    }

    #[test]
    fn after_a_success_the_target_is_the_previous_different_success() {
        use RunOutcome::*;
        let s = state(vec![
            entry("a", Succeeded),
            entry("b", Failed),
            entry("c", Succeeded),
            entry("c", Succeeded),
        ]);
        assert_eq!(
            s.history[rollback_target(&s, None).unwrap()].files[0].text,
            "a"
        );
    }

    #[test]
    fn after_a_failure_the_target_is_the_last_success_even_if_equal() {
        use RunOutcome::*;
        let s = state(vec![
            entry("a", Succeeded),
            entry("b", Succeeded),
            entry("c", Interrupted),
        ]);
        assert_eq!(
            s.history[rollback_target(&s, None).unwrap()].files[0].text,
            "b"
        );
        let s = state(vec![entry("a", Succeeded), entry("a", Failed)]);
        assert_eq!(
            s.history[rollback_target(&s, None).unwrap()].files[0].text,
            "a"
        );
    }

    #[test]
    fn nothing_to_return_to_is_an_error() {
        use RunOutcome::*;
        assert!(matches!(
            rollback_target(&state(vec![]), None),
            Err(RollbackError::NothingEarlier { .. })
        ));
        assert!(matches!(
            rollback_target(
                &state(vec![entry("a", Failed), entry("a", Succeeded)]),
                None
            ),
            Err(RollbackError::NothingEarlier { .. })
        ));
    }

    #[test]
    fn explicit_entries_must_exist_and_have_succeeded() {
        use RunOutcome::*;
        let s = state(vec![entry("a", Succeeded), entry("b", RolledBack)]);
        assert_eq!(
            s.history[rollback_target(&s, Some(1)).unwrap()].files[0].text,
            "a"
        );
        assert!(matches!(
            rollback_target(&s, Some(2)),
            Err(RollbackError::NotSucceeded { index: 2, .. })
        ));
        assert!(matches!(
            rollback_target(&s, Some(0)),
            Err(RollbackError::NoSuchEntry { .. })
        ));
        assert!(matches!(
            rollback_target(&s, Some(3)),
            Err(RollbackError::NoSuchEntry { len: 2, .. })
        ));
    }

    #[test]
    fn history_keeps_the_newest_entries() {
        let s = state(
            (0..HISTORY_LIMIT + 3)
                .map(|i| entry(&i.to_string(), RunOutcome::Succeeded))
                .collect(),
        );
        assert_eq!(s.history.len(), HISTORY_LIMIT);
        assert_eq!(s.history[0].files[0].text, "3");
    }

    #[test]
    fn digests_separate_path_from_text() {
        let a = vec![ConfigFile {
            path: "ab".into(),
            text: "c".into(),
        }];
        let b = vec![ConfigFile {
            path: "a".into(),
            text: "bc".into(),
        }];
        assert_ne!(digest(&a), digest(&b));
    }
}
