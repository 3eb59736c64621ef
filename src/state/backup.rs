//! Previous versions of a deployment's state, kept under `backups/` and rotated.
//!
//! A backup is named after the serial of the state it holds, zero-padded so names sort by
//! serial: `state.000042.json`. A file that could not be read when it was set aside (restore
//! over a corrupt state) is named `state.000042.unreadable.json` with the best serial known, and
//! a second distinct file for the same serial gets a counter: `state.000042.1.json`.

use super::atomic::{sync_dir, write_atomically};
use super::clock::{system_time_rfc3339, UNKNOWN_TIME};
use super::document::{decode, encode};
use super::error::StateError;
use super::model::State;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What one backup holds, as `strata state backups` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// File name; what `restore` accepts (the serial alone works too).
    pub name: String,
    /// Full path.
    pub path: PathBuf,
    /// Serial of the state inside, or from the file name when the content is unreadable.
    pub serial: Option<u64>,
    /// Lineage of the state inside, when readable.
    pub lineage: Option<String>,
    /// Format version found in the file, when readable.
    pub format_version: Option<u32>,
    /// When the file was written (its modification time), RFC 3339.
    pub written_at: String,
    /// Size in bytes.
    pub size: u64,
    /// Why the backup cannot be restored; `None` when it verifies.
    pub problem: Option<String>,
}

impl BackupInfo {
    /// True when the backup verifies and can be restored.
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }
}

/// Keep `bytes` (the current file's) in `dir` as the backup of `serial`. A copy rather than a
/// hard link, so that someone editing `state.json` in place cannot alter the backup with it.
/// Setting the same bytes aside twice (a save that crashed after this step and is retried)
/// keeps one file.
pub(crate) fn keep(dir: &Path, bytes: &[u8], serial: u64, readable: bool) -> io::Result<PathBuf> {
    super::private::create_dir_all(dir)?;
    let kind = if readable { "" } else { ".unreadable" };
    for attempt in 0u32.. {
        let counter = if attempt == 0 {
            String::new()
        } else {
            format!(".{attempt}")
        };
        let candidate = dir.join(format!("state.{serial:06}{kind}{counter}.json"));
        match fs::read(&candidate) {
            Ok(existing) if existing == bytes => return Ok(candidate),
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        write_atomically(&candidate, bytes)?;
        return Ok(candidate);
    }
    Err(io::Error::other("no free backup name"))
}

/// `state` with its digests keyed: under its own key, or `key` (the key of the state that
/// replaces it) when it has none, so that a restored backup compares with the configuration.
pub(crate) fn keyed_copy(state: &State, key: &str) -> State {
    let mut copy = state.clone();
    if copy.secret_key.is_empty() {
        copy.secret_key = key.to_string();
    }
    copy.key_digests();
    copy
}

/// Rewrite, keyed (see [`keyed_copy`]), every readable backup in `dir` that still holds plain
/// digests: what a state saved before digests were keyed left behind. Unreadable backups are
/// left as they are: rewriting them would lose what is left of them.
pub(crate) fn rekey_all(dir: &Path, deployment: &str, key: &str) -> io::Result<()> {
    for name in backup_names(dir)? {
        let path = dir.join(&name);
        let bytes = fs::read(&path)?;
        let Ok(decoded) = decode(&bytes, deployment, &path) else {
            continue;
        };
        if decoded.state.has_plain_digests() {
            write_atomically(&path, &encode(&keyed_copy(&decoded.state, key)))?;
        }
    }
    Ok(())
}

/// Delete the oldest backups so that at most `keep` remain.
pub(crate) fn rotate(dir: &Path, keep: usize) -> io::Result<()> {
    let mut names = backup_names(dir)?;
    if names.len() <= keep {
        return Ok(());
    }
    sort_oldest_first(&mut names);
    let excess = names.len() - keep;
    for name in names.into_iter().take(excess) {
        match fs::remove_file(dir.join(&name)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    sync_dir(dir)
}

/// Describe every backup in `dir`, newest first.
pub(crate) fn list(dir: &Path, deployment: &str) -> Result<Vec<BackupInfo>, StateError> {
    let mut names = backup_names(dir).map_err(|e| StateError::io("list the backups in", dir, e))?;
    sort_oldest_first(&mut names);
    names.reverse();
    names
        .into_iter()
        .map(|name| describe(dir, name, deployment))
        .collect()
}

/// Find the backup meant by `wanted`: a file name, or a serial (`42`, `000042`).
pub(crate) fn resolve(backups: &[BackupInfo], wanted: &str) -> Option<BackupInfo> {
    if let Some(found) = backups.iter().find(|b| b.name == wanted) {
        return Some(found.clone());
    }
    let serial: u64 = wanted.parse().ok()?;
    // Newest first already; prefer one that verifies.
    let mut matching = backups.iter().filter(|b| b.serial == Some(serial));
    let first = matching.clone().next()?;
    Some(matching.find(|b| b.is_valid()).unwrap_or(first).clone())
}

fn describe(dir: &Path, name: String, deployment: &str) -> Result<BackupInfo, StateError> {
    let path = dir.join(&name);
    let meta = fs::metadata(&path).map_err(|e| StateError::io("read", &path, e))?;
    let written_at = meta
        .modified()
        .map(system_time_rfc3339)
        .unwrap_or_else(|_| UNKNOWN_TIME.to_string());
    let bytes = fs::read(&path).map_err(|e| StateError::io("read", &path, e))?;
    let (serial, lineage, format_version, problem) = match decode(&bytes, deployment, &path) {
        Ok(d) => (
            Some(d.state.serial),
            Some(d.state.lineage),
            Some(d.format_version),
            None,
        ),
        Err(e) => (serial_from_name(&name), None, None, Some(e.to_string())),
    };
    Ok(BackupInfo {
        name,
        path,
        serial,
        lineage,
        format_version,
        written_at,
        size: meta.len(),
        problem,
    })
}

fn backup_names(dir: &Path) -> io::Result<Vec<String>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if serial_from_name(&name).is_some() && name.ends_with(".json") {
            names.push(name);
        }
    }
    Ok(names)
}

fn sort_oldest_first(names: &mut [String]) {
    names.sort_by(|a, b| {
        (serial_from_name(a), a.len(), a.as_str()).cmp(&(serial_from_name(b), b.len(), b.as_str()))
    });
}

/// `42` from `state.000042.json`, `state.000042.unreadable.json`, `state.000042.1.json`.
fn serial_from_name(name: &str) -> Option<u64> {
    let rest = name.strip_prefix("state.")?;
    let digits = rest.split('.').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_sort_by_serial() {
        assert_eq!(serial_from_name("state.000042.json"), Some(42));
        assert_eq!(serial_from_name("state.000042.unreadable.json"), Some(42));
        assert_eq!(serial_from_name("state.1000000.json"), Some(1_000_000));
        assert_eq!(serial_from_name("state.json"), None);
        assert_eq!(serial_from_name("other.000001.json"), None);
        let mut names: Vec<String> = [
            "state.1000000.json",
            "state.000042.1.json",
            "state.000042.json",
            "state.000007.json",
        ]
        .map(String::from)
        .into();
        sort_oldest_first(&mut names);
        assert_eq!(
            names,
            [
                "state.000007.json",
                "state.000042.json",
                "state.000042.1.json",
                "state.1000000.json"
            ]
        );
    }

    #[test]
    fn keeping_the_same_bytes_twice_makes_one_backup_and_different_bytes_a_second() {
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join("backups");
        let a = keep(&backups, b"v1", 5, true).unwrap();
        let b = keep(&backups, b"v1", 5, true).unwrap();
        assert_eq!(a, b);
        let c = keep(&backups, b"v1 changed", 5, true).unwrap();
        assert!(c.ends_with("state.000005.1.json"), "{}", c.display());
        let d = keep(&backups, b"v1 changed", 5, false).unwrap();
        assert!(
            d.ends_with("state.000005.unreadable.json"),
            "{}",
            d.display()
        );
        rotate(&backups, 1).unwrap();
        assert_eq!(
            backup_names(&backups).unwrap(),
            vec!["state.000005.unreadable.json"]
        );
    }
}
