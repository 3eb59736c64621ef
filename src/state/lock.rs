//! The per-deployment lock file: one writer at a time, and a refusal that names the holder.
//!
//! The lock is `state.lock` beside the state. It is created by hard-linking a fully written temp
//! file to that name: `link` fails if the name exists (like `O_EXCL`), and a competitor never
//! sees a half-written holder record.

use super::atomic::sync_dir;
use super::clock::now_rfc3339;
use super::error::StateError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How often a waiting locker looks again.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Who holds a lock: what the lock file records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// Process id of the holder.
    pub pid: u32,
    /// Host name the holder runs on.
    pub host: String,
    /// User running the holder.
    pub user: String,
    /// The command, e.g. `strata apply`.
    pub command: String,
    /// RFC 3339 time the lock was taken.
    pub started_at: String,
    /// Version of strata that took the lock.
    pub strata_version: String,
    /// Random id of this lock, so a holder can tell its lock from a later one.
    #[serde(default)]
    pub id: String,
}

impl LockHolder {
    /// A holder record for this process running `command`.
    pub fn current(command: &str) -> Self {
        LockHolder {
            pid: std::process::id(),
            host: host_name(),
            user: user_name(),
            command: command.to_string(),
            started_at: now_rfc3339(),
            strata_version: env!("CARGO_PKG_VERSION").to_string(),
            id: uuid::Uuid::new_v4().to_string(),
        }
    }

    /// Stand-in for a lock file whose content cannot be read (damaged, or from a foreign tool).
    fn unreadable(why: &str) -> Self {
        LockHolder {
            pid: 0,
            host: "unknown".into(),
            user: "unknown".into(),
            command: format!("an unknown process (lock file unreadable: {why})"),
            started_at: "an unknown time".into(),
            strata_version: String::new(),
            id: String::new(),
        }
    }

    /// True when the holder ran on this host and its process no longer exists.
    pub fn is_stale(&self) -> bool {
        self.pid != 0 && self.host == host_name() && !process_exists(self.pid)
    }
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` (pid {}, user {} on host {}) since {}",
            self.command, self.pid, self.user, self.host, self.started_at
        )
    }
}

/// A held lock. Dropping it releases the lock, provided the lock file is still ours.
#[derive(Debug)]
pub struct StateLock {
    deployment: String,
    path: PathBuf,
    holder: LockHolder,
    took_over: Option<LockHolder>,
}

impl StateLock {
    /// The deployment this lock is for.
    pub fn deployment(&self) -> &str {
        &self.deployment
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What this lock recorded about us.
    pub fn holder(&self) -> &LockHolder {
        &self.holder
    }

    /// The dead holder whose stale lock was taken over, if any; worth a warning to the user.
    pub fn took_over_from(&self) -> Option<&LockHolder> {
        self.took_over.as_ref()
    }

    /// A one-line warning about a taken-over stale lock, if there was one.
    pub fn takeover_warning(&self) -> Option<String> {
        self.took_over.as_ref().map(|old| {
            format!(
                "took over the stale state lock of deployment `{}` left by {old}: that process no longer exists",
                self.deployment
            )
        })
    }

    /// Fail unless the lock file on disk is still this lock (nobody force-unlocked it).
    pub fn ensure_held(&self) -> Result<(), StateError> {
        match read_holder(&self.path) {
            Ok(Some(h)) if h.id == self.holder.id => Ok(()),
            Ok(_) => Err(StateError::LockLost {
                deployment: self.deployment.clone(),
                path: self.path.clone(),
            }),
            Err(e) => Err(StateError::io("read the lock file", &self.path, e)),
        }
    }

    /// Release the lock now (the same as dropping it).
    pub fn release(self) {}
}

impl Drop for StateLock {
    fn drop(&mut self) {
        // Only remove the file if it is still ours: after a force-unlock it may be someone else's.
        if let Ok(Some(h)) = read_holder(&self.path) {
            if h.id == self.holder.id {
                #[allow(
                    clippy::let_underscore_must_use,
                    reason = "a lock file that cannot be removed is reported as stale by the next run"
                )]
                let _ = fs::remove_file(&self.path);
            }
        }
    }
}

/// Take the lock at `path`, waiting up to `timeout` (zero: do not wait).
pub(crate) fn acquire(
    deployment: &str,
    path: &Path,
    command: &str,
    timeout: Duration,
) -> Result<StateLock, StateError> {
    let holder = LockHolder::current(command);
    let started = Instant::now();
    let mut took_over = None;
    loop {
        if try_create(path, &holder)? {
            remove_dead_temps(path);
            return Ok(StateLock {
                deployment: deployment.to_string(),
                path: path.to_path_buf(),
                holder,
                took_over,
            });
        }
        let current = match read_holder(path) {
            Ok(Some(h)) => h,
            // Released between our attempt and our look: try again at once.
            Ok(None) => continue,
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                LockHolder::unreadable(&e.to_string())
            }
            Err(e) => return Err(StateError::io("read the lock file", path, e)),
        };
        if current.is_stale() {
            if remove_if_same(path, &current)? {
                took_over = Some(current);
            }
            continue;
        }
        let waited = started.elapsed();
        if waited >= timeout {
            let holder = Box::new(current);
            return Err(if timeout.is_zero() {
                StateError::Locked {
                    deployment: deployment.to_string(),
                    path: path.to_path_buf(),
                    holder,
                }
            } else {
                StateError::LockTimeout {
                    deployment: deployment.to_string(),
                    path: path.to_path_buf(),
                    waited,
                    holder,
                }
            });
        }
        std::thread::sleep(POLL_INTERVAL.min(timeout - waited));
    }
}

/// Remove the lock whoever holds it; returns the holder it recorded.
pub(crate) fn force_remove(path: &Path) -> Result<Option<LockHolder>, StateError> {
    let holder = match read_holder(path) {
        Ok(h) => h,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            Some(LockHolder::unreadable(&e.to_string()))
        }
        Err(e) => return Err(StateError::io("read the lock file", path, e)),
    };
    match fs::remove_file(path) {
        Ok(()) => Ok(holder),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StateError::io("remove the lock file", path, e)),
    }
}

/// The holder recorded in the lock file; `None` when there is no lock. Unparseable content is
/// reported as `InvalidData`.
pub(crate) fn read_holder(path: &Path) -> io::Result<Option<LockHolder>> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Create the lock file with `holder` if no lock exists. `Ok(false)`: someone holds it.
fn try_create(path: &Path, holder: &LockHolder) -> Result<bool, StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let temp = dir.join(format!(".state.lock.{}.{}.tmp", holder.pid, holder.id));
    let mut content = serde_json::to_vec_pretty(holder).unwrap_or_default();
    content.push(b'\n');
    let written = fs::File::create_new(&temp)
        .and_then(|mut f| f.write_all(&content).and_then(|()| f.sync_all()));
    if let Err(e) = written {
        #[allow(
            clippy::let_underscore_must_use,
            reason = "the write already failed; the error returned says why"
        )]
        let _ = fs::remove_file(&temp);
        return Err(StateError::io("write a lock file", &temp, e));
    }
    let linked = fs::hard_link(&temp, path);
    #[allow(
        clippy::let_underscore_must_use,
        reason = "the link decides; a leftover temp file is swept by the next lock attempt"
    )]
    let _ = fs::remove_file(&temp);
    match linked {
        Ok(()) => {
            sync_dir(dir).map_err(|e| StateError::io("sync the directory", dir, e))?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(StateError::io("create the lock file", path, e)),
    }
}

/// Remove lock temp files (`.state.lock.<pid>.<id>.tmp`) left by lockers of this host that died
/// between writing and linking them. Best effort: they are harmless, just clutter.
fn remove_dead_temps(path: &Path) {
    let dir = path.parent().unwrap_or(Path::new("."));
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(".state.lock.") else {
            continue;
        };
        let pid = rest.split('.').next().and_then(|p| p.parse::<u32>().ok());
        if name.ends_with(".tmp") && pid.is_some_and(|pid| !process_exists(pid)) {
            #[allow(
                clippy::let_underscore_must_use,
                reason = "sweeping a dead writer's temp file is best effort"
            )]
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Remove the lock file only if it still records `expected`: moving it aside first means two
/// processes taking over the same stale lock cannot remove each other's fresh lock.
fn remove_if_same(path: &Path, expected: &LockHolder) -> Result<bool, StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let aside = dir.join(format!(
        ".state.lock.stale.{}.tmp",
        uuid::Uuid::new_v4().simple()
    ));
    match fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(StateError::io("move the stale lock file aside", path, e)),
    }
    let moved = read_holder(&aside).ok().flatten();
    let same = moved.as_ref() == Some(expected);
    if !same {
        // We moved a lock someone took in the meantime: put it back unless a third one exists.
        #[allow(
            clippy::let_underscore_must_use,
            reason = "a third holder took the lock meanwhile: theirs stands"
        )]
        let _ = fs::hard_link(&aside, path);
    }
    #[allow(
        clippy::let_underscore_must_use,
        reason = "the moved-aside copy is ours; a leftover is harmless"
    )]
    let _ = fs::remove_file(&aside);
    Ok(same)
}

/// Whether a process with this pid exists on this host.
pub(crate) fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 performs only the existence and permission check, sending nothing.
    let rc = unsafe { libc::kill(pid, 0) };
    // EPERM means it exists but belongs to someone else: that is not stale.
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// This machine's host name, or `unknown`.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its full length; gethostname writes at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..end]) {
        Ok(name) if !name.is_empty() => name.to_string(),
        _ => "unknown".into(),
    }
}

/// The user running this process, from `$USER` or `$LOGNAME`, or `unknown`.
pub fn user_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_exists_and_a_reaped_child_does_not() {
        assert!(process_exists(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_exists(pid));
        assert!(!process_exists(0));
    }

    #[test]
    fn holder_display_names_command_pid_user_host_and_time() {
        let h = LockHolder {
            pid: 4242,
            host: "build-7".into(),
            user: "alice".into(),
            command: "strata apply".into(),
            started_at: "2026-11-21T21:00:00Z".into(),
            strata_version: "0.1.0".into(),
            id: "x".into(),
        };
        assert_eq!(
            h.to_string(),
            "`strata apply` (pid 4242, user alice on host build-7) since 2026-11-21T21:00:00Z"
        );
    }

    #[test]
    fn unreadable_lock_file_counts_as_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        fs::write(&path, b"{garbage").unwrap();
        let err = acquire("dev", &path, "strata apply", Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("lock file unreadable"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"{garbage");
        assert!(force_remove(&path).unwrap().is_some());
        assert!(acquire("dev", &path, "strata apply", Duration::ZERO).is_ok());
    }

    #[test]
    fn temp_files_of_dead_lockers_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let dead_temp = dir.path().join(format!(".state.lock.{dead}.abc.tmp"));
        let live_temp = dir
            .path()
            .join(format!(".state.lock.{}.abc.tmp", std::process::id()));
        fs::write(&dead_temp, b"{").unwrap();
        fs::write(&live_temp, b"{").unwrap();
        let _lock = acquire("dev", &path, "strata apply", Duration::ZERO).unwrap();
        assert!(!dead_temp.exists());
        assert!(live_temp.exists());
    }

    #[test]
    fn dropping_a_lock_that_was_replaced_leaves_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let first = acquire("dev", &path, "strata apply", Duration::ZERO).unwrap();
        force_remove(&path).unwrap();
        let second = acquire("dev", &path, "strata plan", Duration::ZERO).unwrap();
        assert_eq!(
            first.ensure_held().unwrap_err().code(),
            "strata::state::lock_lost"
        );
        drop(first);
        assert!(second.ensure_held().is_ok());
        drop(second);
        assert!(!path.exists());
    }
}
