//! Saved plan files and their staleness check.
//!
//! `strata plan --out FILE` writes the plan as JSON with a `"kind": "strata-plan"` marker. The
//! plan already carries what staleness needs: the sha256 of every input file, the state's
//! lineage and serial, and the strata version. [`staleness`] compares those with the present.

use crate::plan::model::{InputFile, Plan, StateRef, PLAN_FORMAT_VERSION};
use crate::value::{with_sensitive_form, SensitiveForm, Value};
use miette::Diagnostic;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The marker that tells a saved plan from any other JSON file.
pub const PLAN_FILE_KIND: &str = "strata-plan";

/// Hex digits shown of a digest in messages.
const SHORT_DIGEST: usize = 12;

/// Why a saved plan cannot be written or used.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum SavedPlanError {
    /// The file could not be read, or its contents do not form a plan.
    #[error("cannot read the saved plan {}: {detail}", path.display())]
    #[diagnostic(
        code(strata::plan::unreadable),
        help(
            "check the path and permissions, or make the plan again with `strata plan --out FILE`"
        )
    )]
    Unreadable {
        /// The plan file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },

    /// The file is not a strata plan.
    #[error("{} is not a strata plan file: {detail}", path.display())]
    #[diagnostic(
        code(strata::plan::not_a_plan),
        help("pass a file written by `strata plan --out FILE`")
    )]
    NotAPlan {
        /// The file.
        path: PathBuf,
        /// Why it is not a plan.
        detail: String,
    },

    /// The plan was written in a format this build does not know.
    #[error(
        "the saved plan {} has format_version {found}; this strata reads format_version {PLAN_FORMAT_VERSION}",
        path.display()
    )]
    #[diagnostic(
        code(strata::plan::unknown_format_version),
        help("use the strata version that wrote the plan, or make the plan again with `strata plan --out FILE`")
    )]
    UnknownFormatVersion {
        /// The plan file.
        path: PathBuf,
        /// The version found in the file.
        found: String,
    },

    /// The plan was made against inputs or a state that have changed since.
    #[error("the saved plan is stale:\n{}", list_reasons(reasons))]
    #[diagnostic(
        code(strata::plan::stale),
        help("run `strata plan --out FILE` again and review the new plan before applying it")
    )]
    Stale {
        /// Everything that changed since the plan was made.
        reasons: Vec<StaleReason>,
    },

    /// The deployment chosen on the command line is not the one the plan was made for.
    #[error("the saved plan {} is for deployment `{planned}`, not `{chosen}`", path.display())]
    #[diagnostic(
        code(strata::plan::other_deployment),
        help("drop --tier/--stack/--name to use the plan's own deployment, or pass the plan made for `{chosen}`")
    )]
    OtherDeployment {
        /// The plan file.
        path: PathBuf,
        /// The deployment recorded in the plan.
        planned: String,
        /// The deployment the command line chose.
        chosen: String,
    },

    /// A value marked sensitive is in clear; writing it would put a secret in a file.
    #[error("refusing to write the plan: {location} is sensitive but holds a value in clear")]
    #[diagnostic(
        code(strata::plan::sensitive_in_clear),
        help("this is a bug in strata (sensitive values must be redacted before planning); please report it")
    )]
    SensitiveInClear {
        /// `address.attribute` or `output.name`.
        location: String,
    },

    /// The plan file could not be written.
    #[error("cannot write the plan to {}: {source}", path.display())]
    #[diagnostic(
        code(strata::plan::unwritable),
        help("check that the directory exists and is writable")
    )]
    Unwritable {
        /// The plan file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Build the error for a stale plan from [`staleness`]'s reasons.
pub fn stale_error(reasons: Vec<StaleReason>) -> SavedPlanError {
    SavedPlanError::Stale { reasons }
}

fn list_reasons(reasons: &[StaleReason]) -> String {
    reasons
        .iter()
        .map(|r| format!("  - {r}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One way in which a saved plan no longer matches the present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// An input file's contents changed.
    InputChanged {
        /// Path as recorded.
        path: String,
        /// Digest when the plan was made.
        before: String,
        /// Digest now.
        after: String,
    },
    /// An input file exists now that the plan did not read.
    InputAdded {
        /// Path of the new input.
        path: String,
    },
    /// An input file the plan read is no longer an input.
    InputRemoved {
        /// Path of the missing input.
        path: String,
    },
    /// The state was written since the plan was made.
    StateSerialChanged {
        /// Serial when the plan was made.
        before: u64,
        /// Serial now.
        after: u64,
    },
    /// The state is a different state altogether (another lineage).
    StateLineageChanged {
        /// Lineage when the plan was made.
        before: String,
        /// Lineage now.
        after: String,
    },
    /// The plan was made with no state, and a state exists now.
    StateCreated {
        /// Lineage of the new state.
        lineage: String,
        /// Serial of the new state.
        serial: u64,
    },
    /// The plan was made against a state that no longer exists.
    StateRemoved {
        /// Lineage of the state the plan was made against.
        lineage: String,
    },
    /// The plan was made by another strata version.
    VersionChanged {
        /// Version that made the plan.
        before: String,
        /// Version running now.
        after: String,
    },
}

fn short(digest: &str) -> &str {
    digest.get(..SHORT_DIGEST).unwrap_or(digest)
}

impl fmt::Display for StaleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaleReason::InputChanged {
                path,
                before,
                after,
            } => write!(
                f,
                "input file {path} changed (sha256 {} -> {})",
                short(before),
                short(after)
            ),
            StaleReason::InputAdded { path } => {
                write!(f, "input file {path} was added since the plan was made")
            }
            StaleReason::InputRemoved { path } => {
                write!(f, "input file {path} is no longer an input")
            }
            StaleReason::StateSerialChanged { before, after } => write!(
                f,
                "the state was written since the plan was made (serial {before} -> {after})"
            ),
            StaleReason::StateLineageChanged { before, after } => write!(
                f,
                "the state was replaced by another one (lineage {before} -> {after})"
            ),
            StaleReason::StateCreated { lineage, serial } => write!(
                f,
                "the plan was made with no state, but a state exists now (lineage {lineage}, serial {serial})"
            ),
            StaleReason::StateRemoved { lineage } => write!(
                f,
                "the state the plan was made against (lineage {lineage}) no longer exists"
            ),
            StaleReason::VersionChanged { before, after } => write!(
                f,
                "the plan was made by strata {before}; this is strata {after}"
            ),
        }
    }
}

/// Record an input file for a plan: its path as given and the hex sha256 of its bytes.
pub fn hash_input(path: &Path) -> std::io::Result<InputFile> {
    let bytes = fs::read(path)?;
    Ok(InputFile {
        path: path.to_string_lossy().into_owned(),
        sha256: hex::encode(Sha256::digest(&bytes)),
    })
}

/// The plan's input files hashed again from the disk. Variables given outside the files
/// (`var:NAME` inputs) are left out: only the command line applying the plan can give them.
pub fn rehash_files(plan: &Plan) -> Vec<InputFile> {
    plan.inputs
        .iter()
        .filter(|i| !i.path.starts_with(crate::plan::diff::VAR_INPUT_PREFIX))
        .filter_map(|i| {
            fs::read(&i.path).ok().map(|bytes| InputFile {
                path: i.path.clone(),
                sha256: hex::encode(Sha256::digest(&bytes)),
            })
        })
        .collect()
}

/// Everything that changed since `saved` was made; an empty list means the plan is fresh.
///
/// Reasons come in a fixed order (version, inputs by path, state) so that messages are stable.
pub fn staleness(
    saved: &Plan,
    current_inputs: &[InputFile],
    current_state: Option<&StateRef>,
    current_version: &str,
) -> Vec<StaleReason> {
    let mut reasons = Vec::new();
    if saved.strata_version != current_version {
        reasons.push(StaleReason::VersionChanged {
            before: saved.strata_version.clone(),
            after: current_version.to_string(),
        });
    }
    reasons.extend(input_changes(&saved.inputs, current_inputs));
    reasons.extend(state_change(saved.state.as_ref(), current_state));
    reasons
}

fn input_changes(saved: &[InputFile], current: &[InputFile]) -> Vec<StaleReason> {
    let digests = |files: &[InputFile]| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone()))
            .collect()
    };
    let before = digests(saved);
    let after = digests(current);
    let paths: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .filter_map(|path| match (before.get(path), after.get(path)) {
            (Some(old), Some(new)) if old != new => Some(StaleReason::InputChanged {
                path: path.clone(),
                before: old.clone(),
                after: new.clone(),
            }),
            (Some(_), None) => Some(StaleReason::InputRemoved { path: path.clone() }),
            (None, Some(_)) => Some(StaleReason::InputAdded { path: path.clone() }),
            _ => None,
        })
        .collect()
}

fn state_change(saved: Option<&StateRef>, current: Option<&StateRef>) -> Option<StaleReason> {
    match (saved, current) {
        (None, None) => None,
        (None, Some(now)) => Some(StaleReason::StateCreated {
            lineage: now.lineage.clone(),
            serial: now.serial,
        }),
        (Some(then), None) => Some(StaleReason::StateRemoved {
            lineage: then.lineage.clone(),
        }),
        (Some(then), Some(now)) if then.lineage != now.lineage => {
            Some(StaleReason::StateLineageChanged {
                before: then.lineage.clone(),
                after: now.lineage.clone(),
            })
        }
        (Some(then), Some(now)) if then.serial != now.serial => {
            Some(StaleReason::StateSerialChanged {
                before: then.serial,
                after: now.serial,
            })
        }
        _ => None,
    }
}

/// The saved file: the marker first, then the plan's own fields.
#[derive(Serialize)]
struct PlanFile<'a> {
    kind: &'static str,
    #[serde(flatten)]
    plan: &'a Plan,
}

/// Write `plan` to `path` atomically (temporary file in the same directory, fsync, rename).
///
/// Sensitive values are written as HMAC-SHA256 of their digest under `key` (the state's
/// [`crate::state::State::plan_key`]), never as the plain digest, so that the file cannot be
/// dictionary-attacked without the state. Refuses a plan in which a value flagged sensitive is
/// neither redacted nor unknown.
pub fn write_plan(path: &Path, plan: &Plan, key: &[u8]) -> Result<(), SavedPlanError> {
    check_redacted(plan)?;
    let mut json = with_sensitive_form(SensitiveForm::Keyed(key.to_vec()), || {
        serde_json::to_string_pretty(&PlanFile {
            kind: PLAN_FILE_KIND,
            plan,
        })
    })
    .expect("a Plan always serializes: every map key is a string");
    json.push('\n');
    write_atomically(path, json.as_bytes()).map_err(|source| SavedPlanError::Unwritable {
        path: path.to_path_buf(),
        source,
    })
}

fn check_redacted(plan: &Plan) -> Result<(), SavedPlanError> {
    let in_clear =
        |v: &Option<Value>| !matches!(v, None | Some(Value::Redacted(_) | Value::Unknown));
    for rc in &plan.resource_changes {
        for attr in rc.changes.iter().filter(|a| a.sensitive) {
            let full_maps = [&rc.before, &rc.after]
                .into_iter()
                .flatten()
                .map(|m| m.get(&attr.name).cloned());
            let mut values = [attr.before.clone(), attr.after.clone()]
                .into_iter()
                .chain(full_maps);
            if values.any(|v| in_clear(&v)) {
                return Err(SavedPlanError::SensitiveInClear {
                    location: format!("{}.{}", rc.address, attr.name),
                });
            }
        }
    }
    for output in plan.output_changes.iter().filter(|o| o.sensitive) {
        if in_clear(&output.before) || in_clear(&output.after) {
            return Err(SavedPlanError::SensitiveInClear {
                location: format!("output.{}", output.name),
            });
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plan".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
    let result = (|| {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // Make the rename itself durable; not every platform can open a directory.
        if let Ok(d) = fs::File::open(&dir) {
            #[allow(
                clippy::let_underscore_must_use,
                reason = "the file itself is synced; a directory sync some filesystems refuse is only extra durability"
            )]
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        #[allow(
            clippy::let_underscore_must_use,
            reason = "the write already failed; the temp file is ours and its removal changes nothing for the caller"
        )]
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Read a plan written by [`write_plan`], refusing other files and unknown format versions.
pub fn read_plan(path: &Path) -> Result<Plan, SavedPlanError> {
    let text = fs::read_to_string(path).map_err(|e| SavedPlanError::Unreadable {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    let not_a_plan = |detail: String| SavedPlanError::NotAPlan {
        path: path.to_path_buf(),
        detail,
    };
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_a_plan(format!("not JSON ({e})")))?;
    let serde_json::Value::Object(mut fields) = json else {
        return Err(not_a_plan("not a JSON object".to_string()));
    };
    match fields.get("kind") {
        Some(serde_json::Value::String(k)) if k == PLAN_FILE_KIND => {}
        Some(other) => {
            return Err(not_a_plan(format!(
                "its kind is {other}, not \"{PLAN_FILE_KIND}\""
            )))
        }
        None => {
            return Err(not_a_plan(format!(
                "it has no \"kind\": \"{PLAN_FILE_KIND}\" marker"
            )))
        }
    }
    match fields.get("format_version") {
        Some(v) if v.as_u64() == Some(u64::from(PLAN_FORMAT_VERSION)) => {}
        found => {
            return Err(SavedPlanError::UnknownFormatVersion {
                path: path.to_path_buf(),
                found: found.map_or_else(|| "(missing)".to_string(), |v| v.to_string()),
            })
        }
    }
    fields.shift_remove("kind");
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
        SavedPlanError::Unreadable {
            path: path.to_path_buf(),
            detail: format!("the plan is damaged ({e})"),
        }
    })
}
