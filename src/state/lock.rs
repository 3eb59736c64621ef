//! The per-deployment lock: one writer at a time, and a refusal that names the holder.
//!
//! Two parts. The OS lock ([`super::os_lock`], on `state.lock.os`) is held by the writing
//! process for its whole life and released by the kernel when it dies, however it dies: it
//! decides whether a holder is alive. The holder file `state.lock` says who holds it. It is
//! created by hard-linking a fully written temp file to that name: `link` fails if the name
//! exists (like `O_EXCL`), and a competitor never sees a half-written holder record.
//!
//! A holder file left while the OS lock is free was left by a dead process and is taken over
//! — if it names this host: another host may share the folder over a network file system that
//! does not share locks. Where OS locks are unsupported (or the holder predates them), a holder
//! of this host is dead when its pid does not exist, belongs to a later boot, or started at
//! another time than recorded (a reused pid); one of another pid namespace cannot be judged.

use super::atomic::sync_dir;
use super::clock::now_rfc3339;
use super::error::StateError;
use super::os_lock::{self, OsLock, Probe, TryLock};
use super::process::{boot_id, pid_namespace, process_exists, start_ticks};
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
    /// When the holder process started, in clock ticks since boot (Linux): a reused pid has
    /// another start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_start: Option<u64>,
    /// The boot the holder ran in (Linux `boot_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
    /// The holder's pid namespace (`pid:[…]`): pids of another namespace cannot be checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_namespace: Option<String>,
    /// Whether the holder also holds the OS lock: then a free OS lock proves it dead.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub os_lock: bool,
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
            process_start: start_ticks(std::process::id()),
            boot_id: boot_id(),
            pid_namespace: pid_namespace(),
            os_lock: false,
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
            process_start: None,
            boot_id: None,
            pid_namespace: None,
            os_lock: false,
        }
    }

    /// Stand-in while the OS lock is held but the holder file is not (yet, or any more) there.
    fn behind_os_lock() -> Self {
        LockHolder {
            command:
                "a process holding the OS lock (its lock file is not written yet or was removed)"
                    .into(),
            ..LockHolder::unreadable("")
        }
    }

    /// True when the holder ran on this host and, by its process alone, is gone: its pid does
    /// not exist, was started in another boot, or started at another time than recorded (the
    /// pid was reused). A holder of another pid namespace is never judged stale this way.
    pub fn is_stale(&self) -> bool {
        if self.pid == 0 || self.host != host_name() {
            return false;
        }
        let differs = |recorded: &Option<String>, now: Option<String>| matches!((recorded, now), (Some(r), Some(n)) if *r != n);
        if differs(&self.pid_namespace, pid_namespace()) {
            return false;
        }
        if differs(&self.boot_id, boot_id()) || !process_exists(self.pid) {
            return true;
        }
        matches!((self.process_start, start_ticks(self.pid)), (Some(r), Some(n)) if r != n)
    }

    /// Whether the holder is gone, given whether the OS lock is free. A free OS lock proves a
    /// holder of this host that took it dead; anything else falls back to [`Self::is_stale`].
    pub(crate) fn is_dead(&self, os_lock: Probe) -> bool {
        match os_lock {
            Probe::Held => false,
            Probe::Free if self.os_lock => self.pid != 0 && self.host == host_name(),
            Probe::Free | Probe::Unsupported => self.is_stale(),
        }
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
    // Declared last, so it is released after `drop` has removed the holder file: a waiting
    // locker that gets the OS lock then finds no holder left.
    _os: Option<OsLock>,
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
                "took over the stale state lock of deployment `{}` left by {old}: that process no longer runs",
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

/// The OS lock file beside the holder file `state.lock`.
pub(crate) fn os_lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".os");
    path.with_file_name(name)
}

/// Take the lock at `path`, waiting up to `timeout` (zero: do not wait).
pub(crate) fn acquire(
    deployment: &str,
    path: &Path,
    command: &str,
    timeout: Duration,
) -> Result<StateLock, StateError> {
    let mut holder = LockHolder::current(command);
    let os_path = os_lock_path(path);
    let started = Instant::now();
    let mut took_over = None;
    loop {
        let (os, probe) = match os_lock::try_lock(&os_path)
            .map_err(|e| StateError::io("take the OS lock on", &os_path, e))?
        {
            TryLock::Taken(l) => (Some(l), Probe::Free),
            TryLock::Busy => (None, Probe::Held),
            TryLock::Unsupported => (None, Probe::Unsupported),
        };
        let current = if probe == Probe::Held {
            // A live process holds it: whatever its holder file says, it is not ours to take.
            match read_holder(path) {
                Ok(Some(h)) => h,
                Ok(None) => LockHolder::behind_os_lock(),
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    LockHolder::unreadable(&e.to_string())
                }
                Err(e) => return Err(StateError::io("read the lock file", path, e)),
            }
        } else {
            holder.os_lock = os.is_some();
            if try_create(path, &holder)? {
                remove_dead_temps(path);
                return Ok(StateLock {
                    deployment: deployment.to_string(),
                    path: path.to_path_buf(),
                    holder,
                    took_over,
                    _os: os,
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
            if current.is_dead(probe) {
                if remove_if_same(path, &current)? {
                    took_over = Some(current);
                }
                continue;
            }
            current
        };
        drop(os);
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

/// The holder of `path` when a live process holds its OS lock (a stand-in if its holder file
/// is missing or unreadable); `None` when the OS lock is free or unsupported.
pub(crate) fn live_holder(path: &Path) -> Result<Option<LockHolder>, StateError> {
    let os_path = os_lock_path(path);
    let probe =
        os_lock::probe(&os_path).map_err(|e| StateError::io("look at the OS lock", &os_path, e))?;
    if probe != Probe::Held {
        return Ok(None);
    }
    Ok(Some(match read_holder(path) {
        Ok(Some(h)) => h,
        Ok(None) => LockHolder::behind_os_lock(),
        Err(e) => LockHolder::unreadable(&e.to_string()),
    }))
}

/// Whether the holder recorded at `path` is gone (for `strata state verify` and `list`),
/// judged without taking the lock.
pub(crate) fn holder_is_dead(path: &Path, holder: &LockHolder) -> io::Result<bool> {
    Ok(holder.is_dead(os_lock::probe(&os_lock_path(path))?))
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
    let written = super::private::options()
        .write(true)
        .create_new(true)
        .open(&temp)
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
    fn holder_display_names_command_pid_user_host_and_time() {
        let h = LockHolder {
            pid: 4242,
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
        assert_eq!(
            first.ensure_held().unwrap_err().code(),
            "strata::state::lock_lost"
        );
        // Its OS lock still excludes everyone while it runs; a new holder file stands in for
        // a second locker (of a build without OS locks) that took the lock meanwhile.
        let err = acquire("dev", &path, "strata plan", Duration::ZERO).unwrap_err();
        assert!(err.to_string().contains("OS lock"), "{err}");
        let other = LockHolder::current("strata plan");
        assert!(try_create(&path, &other).unwrap());
        drop(first);
        assert_eq!(read_holder(&path).unwrap(), Some(other));
    }

    #[test]
    fn a_live_holder_is_never_taken_over_whatever_its_file_says() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        let live = acquire("dev", &path, "strata apply", Duration::ZERO).unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        for (pid, host) in [(dead, host_name()), (4242, "elsewhere".to_string())] {
            let mut forged = live.holder().clone();
            forged.pid = pid;
            forged.host = host;
            fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
            let err = acquire("dev", &path, "strata apply", Duration::ZERO).unwrap_err();
            assert_eq!(err.code(), "strata::state::locked", "{err}");
            assert_eq!(read_holder(&path).unwrap(), Some(forged));
        }
    }

    #[test]
    fn a_holder_file_left_with_the_os_lock_free_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock");
        // What a process killed with its lock leaves: the file, naming even a live pid.
        let mut left = LockHolder::current("strata apply");
        left.os_lock = true;
        assert!(try_create(&path, &left).unwrap());
        let lock = acquire("dev", &path, "strata destroy", Duration::ZERO).unwrap();
        assert_eq!(lock.took_over_from(), Some(&left));
    }

    #[test]
    fn without_the_os_lock_a_reused_pid_is_told_by_its_start_time() {
        let mut h = LockHolder::current("strata apply");
        assert!(!h.is_stale(), "this process is alive");
        if h.process_start.is_some() {
            h.process_start = h.process_start.map(|t| t + 1);
            assert!(h.is_stale(), "same pid, another start: a reused pid");
        }
        let mut h = LockHolder::current("strata apply");
        h.boot_id = Some("another boot".into());
        assert_eq!(h.is_stale(), boot_id().is_some());
        let mut h = LockHolder::current("strata apply");
        h.pid = 0;
        assert!(!h.is_stale(), "an unreadable holder is never stale");
    }
}
