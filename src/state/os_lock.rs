//! The operating system's lock on a deployment: an open file description lock (`F_OFD_SETLK`,
//! Linux ≥ 3.15) on `state.lock.os`, held by the writing process for its whole life. The
//! kernel drops it when the process ends, however it ends (kill -9 included), so a free OS lock
//! proves its last holder is gone, with no guessing from pids. The file itself is never
//! removed: a lock on a removed file would exclude nobody.
//!
//! Unlike classic `fcntl` locks, an OFD lock belongs to the open file, not the process: closing
//! another descriptor of the file does not drop it, and two opens in one process conflict like
//! two processes do. On network file systems the lock is what the client forwards to the server
//! (NFS: NLM or NFSv4 locks); with `nolock` mounts or servers that do not share locks, hosts do
//! not see each other's locks (see the README).

use std::fs::File;
use std::io;
use std::path::Path;

/// A held OS lock; dropping it (closing the file) releases it.
#[derive(Debug)]
pub(crate) struct OsLock {
    _file: File,
}

/// What an attempt to take the OS lock found.
#[derive(Debug)]
pub(crate) enum TryLock {
    /// Taken: no other live process holds it.
    Taken(OsLock),
    /// Another open file (a live process, or this one through another open) holds it.
    Busy,
    /// This platform or file system has no such locks: only the holder file counts.
    Unsupported,
}

/// What a look at the OS lock found, without taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Probe {
    /// Nobody holds it.
    Free,
    /// Someone holds it.
    Held,
    /// No such locks here.
    Unsupported,
}

/// Take the OS lock on `path` (created 0600 if missing) without waiting.
pub(crate) fn try_lock(path: &Path) -> io::Result<TryLock> {
    let file = super::private::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    imp::set(&file).map(|taken| match taken {
        Some(true) => TryLock::Taken(OsLock { _file: file }),
        Some(false) => TryLock::Busy,
        None => TryLock::Unsupported,
    })
}

/// Whether someone holds the OS lock on `path`, without taking it (a missing file: free).
pub(crate) fn probe(path: &Path) -> io::Result<Probe> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Probe::Free),
        Err(e) => return Err(e),
    };
    imp::get(&file).map(|held| match held {
        Some(true) => Probe::Held,
        Some(false) => Probe::Free,
        None => Probe::Unsupported,
    })
}

#[cfg(target_os = "linux")]
mod imp {
    use std::fs::File;
    use std::io;
    use std::os::fd::AsRawFd;

    /// A write lock over the whole file.
    fn whole_file() -> libc::flock {
        // SAFETY: `flock` is plain data; all-zero is a valid value (pid 0, as OFD requires).
        let mut lock: libc::flock = unsafe { std::mem::zeroed() };
        lock.l_type = libc::F_WRLCK as libc::c_short;
        lock.l_whence = libc::SEEK_SET as libc::c_short;
        lock
    }

    /// Errors that mean "no OFD locks here" rather than a failure.
    fn unsupported(e: &io::Error) -> bool {
        matches!(
            e.raw_os_error(),
            Some(libc::EINVAL | libc::ENOLCK | libc::EOPNOTSUPP | libc::ENOSYS)
        )
    }

    /// `Some(true)`: taken; `Some(false)`: busy; `None`: unsupported.
    pub(super) fn set(file: &File) -> io::Result<Option<bool>> {
        let lock = whole_file();
        // SAFETY: a valid descriptor and a pointer to a live, initialised `flock`.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) };
        if rc == 0 {
            return Ok(Some(true));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN | libc::EACCES) => Ok(Some(false)),
            _ if unsupported(&e) => Ok(None),
            _ => Err(e),
        }
    }

    /// `Some(true)`: held by someone; `Some(false)`: free; `None`: unsupported.
    pub(super) fn get(file: &File) -> io::Result<Option<bool>> {
        let mut lock = whole_file();
        // SAFETY: a valid descriptor and a pointer to a live `flock` the kernel fills in.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) };
        if rc == 0 {
            return Ok(Some(i32::from(lock.l_type) != libc::F_UNLCK));
        }
        let e = io::Error::last_os_error();
        if unsupported(&e) {
            Ok(None)
        } else {
            Err(e)
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use std::fs::File;
    use std::io;

    pub(super) fn set(_file: &File) -> io::Result<Option<bool>> {
        Ok(None)
    }

    pub(super) fn get(_file: &File) -> io::Result<Option<bool>> {
        Ok(None)
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_busy_for_another_open_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.lock.os");
        assert_eq!(probe(&path).unwrap(), Probe::Free);
        let TryLock::Taken(held) = try_lock(&path).unwrap() else {
            panic!("a fresh lock is free")
        };
        assert!(matches!(try_lock(&path).unwrap(), TryLock::Busy));
        assert_eq!(probe(&path).unwrap(), Probe::Held);
        // Probing opened and closed the file: with OFD locks that does not release ours.
        assert!(matches!(try_lock(&path).unwrap(), TryLock::Busy));
        drop(held);
        assert_eq!(probe(&path).unwrap(), Probe::Free);
        assert!(matches!(try_lock(&path).unwrap(), TryLock::Taken(_)));
    }
}
