//! The result of `strata state verify`: what the state file holds and who holds its lock.

use super::lock::LockHolder;
use super::private::LooseMode;
use std::path::PathBuf;

/// Whether a deployment's state is locked, and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockStatus {
    /// No lock file.
    Free,
    /// Held by a live (or, on another host, unverifiable) process.
    Held(LockHolder),
    /// Held by a process of this host that no longer exists; the next locker takes it over.
    Stale(LockHolder),
    /// A lock file exists but cannot be read; it blocks writers until removed.
    Unreadable,
}

/// A verified state file, summarized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Deployment name.
    pub deployment: String,
    /// The state file.
    pub path: PathBuf,
    /// Format version found in the file (older ones are upgraded on load).
    pub format_version: u32,
    /// The verified `sha256:` checksum; `None` for older formats that stored none.
    pub checksum: Option<String>,
    /// State serial.
    pub serial: u64,
    /// State lineage.
    pub lineage: String,
    /// Number of resources recorded.
    pub resources: usize,
    /// Number of outputs recorded.
    pub outputs: usize,
    /// Lock status.
    pub lock: LockStatus,
    /// Number of backups kept.
    pub backups: usize,
    /// How many of those fail verification.
    pub invalid_backups: usize,
    /// Files and folders of the deployment that others than the owner may access.
    pub loose_modes: Vec<LooseMode>,
}
