//! What the local state backend holds about each deployment: the state document, the newest
//! archive left by `strata destroy`, the lock and the journal. Read-only, without AWS or the
//! configuration files, and without taking the lock (state files are replaced atomically).

use super::args::{StateArgs, StateDirArgs};
use super::target;
use super::ui::Ui;
use crate::engine::journal;
use crate::state::document::decode;
use crate::state::status::{self, DeploymentStatus, DocumentFacts, StatusFacts};
use crate::state::{LocalBackend, LockHolder, LockStatus, State, StateError};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A state archived by `strata destroy`.
#[derive(Debug)]
pub struct Archived {
    /// The archive file.
    pub path: PathBuf,
    /// When it was archived, from the file name (`state.<time>.json`).
    pub at: Option<String>,
    /// Its content, when it can be read.
    pub state: Option<State>,
}

/// One deployment of the backend, as found on disk.
#[derive(Debug)]
pub struct DeploymentRecord {
    /// Deployment name (the folder's name).
    pub name: String,
    /// Status, by the rules of [`DeploymentStatus`].
    pub status: DeploymentStatus,
    /// The current state document, when there is a readable one.
    pub state: Option<State>,
    /// Why the current state document was refused, when it was.
    pub problem: Option<StateError>,
    /// The newest archive, when `strata destroy` left one.
    pub archive: Option<Archived>,
    /// The lock file.
    pub lock: LockStatus,
    /// Journal intents without a commit.
    pub pending_intents: usize,
}

impl DeploymentRecord {
    /// The state that describes this deployment best: the current one, else the archived one.
    pub fn latest_state(&self) -> Option<&State> {
        self.state
            .as_ref()
            .or_else(|| self.archive.as_ref().and_then(|a| a.state.as_ref()))
    }

    /// The lock holder, when a live process holds the lock.
    pub fn lock_holder(&self) -> Option<&LockHolder> {
        match &self.lock {
            LockStatus::Held(h) => Some(h),
            _ => None,
        }
    }
}

/// The backend of a read-only command: the folder every state command uses.
pub fn backend(ui: &Ui, args: &StateDirArgs) -> LocalBackend {
    target::backend(
        ui,
        &StateArgs {
            state_dir: args.state_dir.clone(),
            lock_timeout: Duration::ZERO,
        },
    )
}

/// Every deployment in the backend, sorted by name. A missing state folder holds none.
pub fn read_all(backend: &LocalBackend) -> Result<Vec<DeploymentRecord>, StateError> {
    let root = backend.root();
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StateError::io("list the deployments in", root, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StateError::io("list", root, e))?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    let mut records = Vec::new();
    for name in names {
        // Folders whose names cannot be deployment names are not deployments.
        if backend.deployment_dir(&name).is_err() {
            continue;
        }
        if let Some(record) = read_one(backend, &name)? {
            records.push(record);
        }
    }
    Ok(records)
}

/// One deployment; `None` when the backend holds no trace of it.
pub fn read_one(
    backend: &LocalBackend,
    name: &str,
) -> Result<Option<DeploymentRecord>, StateError> {
    let dir = backend.deployment_dir(name)?;
    let (state, problem) = match backend.load(name) {
        Ok(state) => (state, None),
        Err(e) if e.is_refusal() => (None, Some(e)),
        Err(e) => return Err(e),
    };
    let lock = backend.lock_status(name)?;
    let pending_intents = journal::pending(&dir)
        .map_err(|e| StateError::io("read the journal", journal::path_in(&dir), e))?
        .len();
    let archive = newest_archive(&backend.archive_dir(name)?, name)?;
    let document = match (&state, &problem) {
        (Some(s), _) => DocumentFacts::Readable {
            resources: s.resources.len(),
            last_outcome: s.history.last().map(|h| h.outcome),
        },
        (None, Some(_)) => DocumentFacts::Unreadable,
        (None, None) => DocumentFacts::Missing,
    };
    let facts = StatusFacts {
        lock: &lock,
        pending_intents,
        document,
        archived: archive.is_some(),
    };
    Ok(status::derive(&facts).map(|status| DeploymentRecord {
        name: name.to_string(),
        status,
        state,
        problem,
        archive,
        lock,
        pending_intents,
    }))
}

/// The newest `state.<time>.json` of an archive folder: the time stamps sort as text.
fn newest_archive(dir: &Path, deployment: &str) -> Result<Option<Archived>, StateError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::io("list the archive", dir, e)),
    };
    let newest = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| archive_stamp(n).is_some())
        .max();
    let Some(file) = newest else {
        return Ok(None);
    };
    let path = dir.join(&file);
    // An archive that cannot be read still proves the deployment was destroyed.
    let state = fs::read(&path)
        .ok()
        .and_then(|bytes| decode(&bytes, deployment, &path).ok())
        .map(|d| d.state);
    Ok(Some(Archived {
        at: archive_stamp(&file).map(stamp_to_rfc3339),
        path,
        state,
    }))
}

/// The stamp of `state.<stamp>.json`.
fn archive_stamp(file: &str) -> Option<&str> {
    file.strip_prefix("state.")?
        .strip_suffix(".json")
        .filter(|s| !s.is_empty())
}

/// `2026-11-21T210000Z` (an RFC 3339 time with its colons removed) back to RFC 3339.
fn stamp_to_rfc3339(stamp: &str) -> String {
    let Some((date, time)) = stamp.split_once('T') else {
        return stamp.to_string();
    };
    let digits = time.trim_end_matches('Z');
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) {
        format!(
            "{date}T{}:{}:{}Z",
            &digits[0..2],
            &digits[2..4],
            &digits[4..6]
        )
    } else {
        stamp.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_give_back_their_time() {
        assert_eq!(
            archive_stamp("state.2026-11-21T210000Z.json"),
            Some("2026-11-21T210000Z")
        );
        assert_eq!(archive_stamp("state..json"), None);
        assert_eq!(archive_stamp("notes.txt"), None);
        assert_eq!(
            stamp_to_rfc3339("2026-11-21T210000Z"),
            "2026-11-21T21:00:00Z"
        );
        assert_eq!(stamp_to_rfc3339("odd"), "odd");
    }
}
