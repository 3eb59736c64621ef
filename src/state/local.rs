//! The local state backend: one directory per deployment under a state root.
//!
//! ```text
//! ROOT/<deployment>/state.json      the current state document
//! ROOT/<deployment>/state.lock      present while a command holds the lock: who holds it
//! ROOT/<deployment>/state.lock.os   kept; the writer holds an OS lock on it while it runs
//! ROOT/<deployment>/backups/        previous versions, state.<serial>.json, the last N kept
//! ```
//!
//! Other files may join these later (a journal beside the state); nothing here assumes the
//! directory holds only these.

use super::atomic::{remove_leftover_temps, sync_dir, write_atomically};
use super::backup::{self, BackupInfo};
use super::document::{decode, encode, Decoded};
use super::error::StateError;
use super::lock::{self, LockHolder, StateLock};
use super::model::{State, FORMAT_VERSION};
use super::private;
use super::verify::{LockStatus, VerifyReport};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many previous versions are kept unless configured otherwise.
pub const DEFAULT_BACKUP_LIMIT: usize = 10;

const STATE_FILE: &str = "state.json";
const LOCK_FILE: &str = "state.lock";
const BACKUP_DIR: &str = "backups";
const ARCHIVE_DIR: &str = "archive";

/// State stored as files under a root directory.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    root: PathBuf,
    backup_limit: usize,
}

/// What is on disk at a deployment's state path.
enum OnDisk {
    Missing,
    Readable(Box<Decoded>),
    Refused(StateError),
}

impl LocalBackend {
    /// A backend keeping state under `root` (created on first save), with
    /// [`DEFAULT_BACKUP_LIMIT`] backups per deployment.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        LocalBackend {
            root: root.into(),
            backup_limit: DEFAULT_BACKUP_LIMIT,
        }
    }

    /// The same backend keeping at most `limit` backups per deployment.
    pub fn with_backup_limit(mut self, limit: usize) -> Self {
        self.backup_limit = limit;
        self
    }

    /// The state root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of one deployment.
    pub fn deployment_dir(&self, deployment: &str) -> Result<PathBuf, StateError> {
        check_name(deployment)?;
        Ok(self.root.join(deployment))
    }

    /// The path of a deployment's state document.
    pub fn state_path(&self, deployment: &str) -> Result<PathBuf, StateError> {
        Ok(self.deployment_dir(deployment)?.join(STATE_FILE))
    }

    /// Where `strata destroy` moves a deployment's emptied state.
    pub fn archive_dir(&self, deployment: &str) -> Result<PathBuf, StateError> {
        Ok(self.deployment_dir(deployment)?.join(ARCHIVE_DIR))
    }

    /// Who holds a deployment's lock, read without taking it.
    pub fn lock_status(&self, deployment: &str) -> Result<LockStatus, StateError> {
        let path = self.deployment_dir(deployment)?.join(LOCK_FILE);
        let dead = |h: &LockHolder| {
            lock::holder_is_dead(&path, h)
                .map_err(|e| StateError::io("look at the OS lock of", &path, e))
        };
        Ok(match lock::read_holder(&path) {
            Ok(None) => LockStatus::Free,
            Ok(Some(h)) if dead(&h)? => LockStatus::Stale(h),
            Ok(Some(h)) => LockStatus::Held(h),
            Err(e) if e.kind() == io::ErrorKind::InvalidData => LockStatus::Unreadable,
            Err(e) => return Err(StateError::io("read the lock file", &path, e)),
        })
    }

    /// Deployments that have a state document, sorted by name.
    pub fn deployments(&self) -> Result<Vec<String>, StateError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(StateError::io("list the deployments in", &self.root, e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| StateError::io("list", &self.root, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if check_name(&name).is_ok() && entry.path().join(STATE_FILE).is_file() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Whether the deployment has a state document (readable or not).
    pub fn exists(&self, deployment: &str) -> bool {
        self.state_path(deployment)
            .map(|p| p.is_file())
            .unwrap_or(false)
    }

    /// Read and verify a deployment's state; `None` when it has none yet. Older formats are
    /// upgraded in memory; damaged or newer ones are refused.
    pub fn load(&self, deployment: &str) -> Result<Option<State>, StateError> {
        match self.read_current(deployment)? {
            OnDisk::Missing => Ok(None),
            OnDisk::Readable(d) => Ok(Some(d.state)),
            OnDisk::Refused(e) => Err(e),
        }
    }

    /// Take the deployment's lock for `command`, waiting up to `timeout` for another holder.
    /// A lock left by a process of this host that no longer runs is taken over; see
    /// [`StateLock::takeover_warning`].
    pub fn lock(
        &self,
        deployment: &str,
        command: &str,
        timeout: Duration,
    ) -> Result<StateLock, StateError> {
        let dir = self.deployment_dir(deployment)?;
        private::create_dir_all(&dir).map_err(|e| StateError::io("create", &dir, e))?;
        lock::acquire(deployment, &dir.join(LOCK_FILE), command, timeout)
    }

    /// Remove the deployment's lock (`strata state unlock`); returns the holder. Refused while
    /// the holder still runs: its OS lock would exclude everyone anyway, and removing its file
    /// would only make it stop at its next save.
    pub fn force_unlock(&self, deployment: &str) -> Result<Option<LockHolder>, StateError> {
        let path = self.deployment_dir(deployment)?.join(LOCK_FILE);
        if let Some(holder) = lock::live_holder(&path)? {
            return Err(StateError::LockAlive {
                deployment: deployment.to_string(),
                path,
                holder: Box::new(holder),
            });
        }
        lock::force_remove(&path)
    }

    /// Write `state` as the deployment's new state: `serial` is incremented (in `state` too),
    /// the previous file is kept as a backup, and the write is atomic. Refuses when the file on
    /// disk cannot be trusted, when it belongs to another lineage or has a newer serial, and
    /// when `lock` is not (or no longer) this deployment's lock.
    pub fn save(&self, lock: &StateLock, state: &mut State) -> Result<(), StateError> {
        let deployment = lock.deployment();
        let path = self.state_path(deployment)?;
        if state.deployment != deployment {
            return Err(StateError::Conflict {
                deployment: deployment.to_string(),
                path,
                reason: format!(
                    "the state is for deployment `{}` but the lock is for `{deployment}`",
                    state.deployment
                ),
            });
        }
        // States written before saved plans were keyed get their key on their next save.
        state.ensure_secret_key();
        lock.ensure_held()?;
        let current = self.read_current(deployment)?;
        if let OnDisk::Readable(on_disk) = &current {
            let reason = if on_disk.state.lineage != state.lineage {
                Some(format!(
                    "the state on disk has lineage {} but the state being saved has lineage {}",
                    on_disk.state.lineage, state.lineage
                ))
            } else if on_disk.state.serial > state.serial {
                Some(format!(
                    "the state on disk has serial {}, newer than the serial {} this command read",
                    on_disk.state.serial, state.serial
                ))
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(StateError::Conflict {
                    deployment: deployment.to_string(),
                    path,
                    reason,
                });
            }
        }
        if let OnDisk::Refused(e) = current {
            return Err(e);
        }

        let mut next = state.clone();
        next.serial = state.serial + 1;
        next.format_version = FORMAT_VERSION;
        next.key_digests();
        self.replace(deployment, &path, &next, current_serial(&current), &current)?;
        *state = next;
        Ok(())
    }

    /// Move the deployment's state into `archive/` as `state.<time>.json` (what `strata
    /// destroy` does once everything is deleted); returns the archive file. A state still
    /// holding plain digests is written there keyed.
    pub fn archive(&self, lock: &StateLock) -> Result<PathBuf, StateError> {
        let deployment = lock.deployment();
        lock.ensure_held()?;
        let path = self.state_path(deployment)?;
        let dir = self.archive_dir(deployment)?;
        private::create_dir_all(&dir).map_err(|e| StateError::io("create", &dir, e))?;
        let stamp = super::clock::now_rfc3339().replace(':', "");
        let to = dir.join(format!("state.{stamp}.json"));
        match self.read_current(deployment)? {
            OnDisk::Readable(d) if d.state.has_plain_digests() => {
                let keyed = backup::keyed_copy(&d.state, &d.state.secret_key);
                write_atomically(&to, &encode(&keyed))
                    .map_err(|e| StateError::io("write the archive", &to, e))?;
                fs::remove_file(&path).map_err(|e| StateError::io("remove", &path, e))?;
            }
            _ => fs::rename(&path, &to).map_err(|e| StateError::io("archive", &path, e))?,
        }
        let parent = self.deployment_dir(deployment)?;
        sync_dir(&parent).map_err(|e| StateError::io("sync the directory", &parent, e))?;
        Ok(to)
    }

    /// The deployment's backups, newest first, each verified.
    pub fn backups(&self, deployment: &str) -> Result<Vec<BackupInfo>, StateError> {
        backup::list(
            &self.deployment_dir(deployment)?.join(BACKUP_DIR),
            deployment,
        )
    }

    /// Make a backup (by file name or serial) the current state again. The current file, even
    /// an unreadable one, is kept as a backup first; the restored state gets a serial above every
    /// serial seen, so that plans made against any earlier version count as stale.
    pub fn restore(&self, lock: &StateLock, backup: &str) -> Result<State, StateError> {
        let deployment = lock.deployment();
        lock.ensure_held()?;
        let path = self.state_path(deployment)?;
        let backups = self.backups(deployment)?;
        let chosen = backup::resolve(&backups, backup).ok_or_else(|| StateError::NoSuchBackup {
            deployment: deployment.to_string(),
            backup: backup.to_string(),
        })?;
        let bytes = fs::read(&chosen.path).map_err(|e| StateError::io("read", &chosen.path, e))?;
        let mut restored = decode(&bytes, deployment, &chosen.path)?.state;

        let current = self.read_current(deployment)?;
        let highest = backups
            .iter()
            .filter_map(|b| b.serial)
            .chain(current_serial(&current))
            .chain([restored.serial])
            .max()
            .unwrap_or(0);
        restored.serial = highest + 1;
        restored.format_version = FORMAT_VERSION;
        restored.deployment = deployment.to_string();
        restored.key_digests();
        // An unreadable current file is set aside under the serial just below the new one.
        let aside_serial = current_serial(&current).or(Some(highest));
        let aside = if matches!(current, OnDisk::Missing) {
            None
        } else {
            aside_serial
        };
        self.replace(deployment, &path, &restored, aside, &current)?;
        Ok(restored)
    }

    /// Check a deployment's state without changing anything: checksum, version, serial,
    /// lineage, size, lock and backups. A damaged state is reported as the refusal error.
    pub fn verify(&self, deployment: &str) -> Result<VerifyReport, StateError> {
        let path = self.state_path(deployment)?;
        let decoded = match self.read_current(deployment)? {
            OnDisk::Missing => {
                return Err(StateError::NoState {
                    deployment: deployment.to_string(),
                    path,
                })
            }
            OnDisk::Refused(e) => return Err(e),
            OnDisk::Readable(d) => d,
        };
        let lock = self.lock_status(deployment)?;
        let backups = self.backups(deployment)?;
        let dir = self.deployment_dir(deployment)?;
        let loose_modes =
            private::loose_modes(&dir).map_err(|e| StateError::io("read the modes of", &dir, e))?;
        Ok(VerifyReport {
            deployment: deployment.to_string(),
            path,
            format_version: decoded.format_version,
            checksum: decoded.checksum,
            serial: decoded.state.serial,
            lineage: decoded.state.lineage,
            resources: decoded.state.resources.len(),
            outputs: decoded.state.outputs.len(),
            lock,
            backups: backups.len(),
            invalid_backups: backups.iter().filter(|b| !b.is_valid()).count(),
            loose_modes,
        })
    }

    /// Write `next` over the state file, first keeping the current file (`current`, if any) as
    /// the backup of `aside_serial`, then rotating backups.
    fn replace(
        &self,
        deployment: &str,
        path: &Path,
        next: &State,
        aside_serial: Option<u64>,
        current: &OnDisk,
    ) -> Result<(), StateError> {
        let dir = self.deployment_dir(deployment)?;
        private::create_dir_all(&dir).map_err(|e| StateError::io("create", &dir, e))?;
        // We hold the lock, so temp files here are debris of a writer that died mid-write.
        remove_leftover_temps(path)
            .map_err(|e| StateError::io("remove leftover temp files in", &dir, e))?;
        let backups = dir.join(BACKUP_DIR);
        if let Some(serial) = aside_serial {
            let readable = !matches!(current, OnDisk::Refused(_));
            let bytes = match current {
                // A state from before digests were keyed is kept keyed too, under the key
                // the new state uses, and so are the older backups beside it.
                OnDisk::Readable(d) if d.state.has_plain_digests() => {
                    backup::rekey_all(&backups, deployment, &next.secret_key).map_err(|e| {
                        StateError::io("key the digests of the backups in", &backups, e)
                    })?;
                    encode(&backup::keyed_copy(&d.state, &next.secret_key))
                }
                _ => fs::read(path).map_err(|e| StateError::io("read", path, e))?,
            };
            backup::keep(&backups, &bytes, serial, readable)
                .map_err(|e| StateError::io("keep a backup of", path, e))?;
        }
        write_atomically(path, &encode(next))
            .map_err(|e| StateError::io("write the new state to", path, e))?;
        backup::rotate(&backups, self.backup_limit)
            .map_err(|e| StateError::io("rotate the backups in", &backups, e))
    }

    fn read_current(&self, deployment: &str) -> Result<OnDisk, StateError> {
        let path = self.state_path(deployment)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(OnDisk::Missing),
            Err(e) => return Err(StateError::io("read", &path, e)),
        };
        Ok(match decode(&bytes, deployment, &path) {
            Ok(d) => OnDisk::Readable(Box::new(d)),
            Err(e) if e.is_refusal() => OnDisk::Refused(e),
            Err(e) => return Err(e),
        })
    }
}

fn current_serial(current: &OnDisk) -> Option<u64> {
    match current {
        OnDisk::Readable(d) => Some(d.state.serial),
        _ => None,
    }
}

/// Deployment names become directory names: keep them plain.
fn check_name(name: &str) -> Result<(), StateError> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if plain {
        Ok(())
    } else {
        Err(StateError::BadName {
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_names_must_be_plain() {
        for ok in ["dev", "gpu-eu.1", "a_b"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".", "..", "../x", "a/b", ".hidden", "sp ace"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
