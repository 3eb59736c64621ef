//! Errors of the state backend, each a diagnostic with a stable code and a help line.
//!
//! The refusals (corrupt, checksum mismatch, unknown format version, failed migration) all point
//! at `strata state backups` / `strata state restore`: strata never repairs or overwrites a state
//! file it cannot trust, the user picks a known-good version instead.

use super::lock::LockHolder;
use miette::Diagnostic;
use std::path::PathBuf;
use std::time::Duration;

/// Stable diagnostic codes for state problems. Tests and users rely on these spellings.
pub mod codes {
    /// A file or directory operation failed.
    pub const IO: &str = "strata::state::io";
    /// The state file is not a valid state document (truncated, not JSON, fields missing).
    pub const CORRUPT: &str = "strata::state::corrupt";
    /// The stored checksum does not match the content.
    pub const CHECKSUM_MISMATCH: &str = "strata::state::checksum_mismatch";
    /// The state was written by a newer strata.
    pub const UNKNOWN_FORMAT_VERSION: &str = "strata::state::unknown_format_version";
    /// Another process holds the lock.
    pub const LOCKED: &str = "strata::state::locked";
    /// The lock was still held when `--lock-timeout` ran out.
    pub const LOCK_TIMEOUT: &str = "strata::state::lock_timeout";
    /// `strata state unlock` of a lock whose holder still runs (it holds the OS lock).
    pub const LOCK_ALIVE: &str = "strata::state::lock_alive";
    /// Our lock file was removed or replaced while we held it.
    pub const LOCK_LOST: &str = "strata::state::lock_lost";
    /// Upgrading an older format failed.
    pub const MIGRATION_FAILED: &str = "strata::state::migration_failed";
    /// `restore` was given a backup that does not exist.
    pub const NO_SUCH_BACKUP: &str = "strata::state::no_such_backup";
    /// The deployment has no state yet.
    pub const NO_STATE: &str = "strata::state::no_state";
    /// The state being saved does not continue the state on disk (other lineage, older serial).
    pub const CONFLICT: &str = "strata::state::conflict";
    /// A deployment name that cannot be used as a directory name.
    pub const BAD_NAME: &str = "strata::state::bad_name";
}

/// Everything that can go wrong reading, writing or locking state.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum StateError {
    /// A file or directory operation failed.
    #[error("could not {action} {}: {source}", path.display())]
    #[diagnostic(
        code(strata::state::io),
        help("check that the path exists, is writable by this user and the disk is not full")
    )]
    Io {
        /// What was being done, e.g. "read" or "rename the new state over".
        action: String,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system error.
        #[source]
        source: std::io::Error,
    },

    /// The state file does not parse as a state document.
    #[error("state file {} is corrupt: {reason}", path.display())]
    #[diagnostic(
        code(strata::state::corrupt),
        help(
            "strata will neither use nor overwrite this file. List the saved versions with \
             `strata state backups --name {deployment}` and bring one back with \
             `strata state restore <BACKUP> --name {deployment}`"
        )
    )]
    Corrupt {
        /// Deployment name.
        deployment: String,
        /// The file.
        path: PathBuf,
        /// Why it is not a state document.
        reason: String,
    },

    /// The stored checksum does not match the content.
    #[error(
        "state file {} fails its checksum (stored {stored}, content hashes to {actual})",
        path.display()
    )]
    #[diagnostic(
        code(strata::state::checksum_mismatch),
        help(
            "the file was modified outside strata or damaged on disk; strata will neither use nor \
             overwrite it. List the saved versions with `strata state backups --name {deployment}` \
             and bring one back with `strata state restore <BACKUP> --name {deployment}`"
        )
    )]
    ChecksumMismatch {
        /// Deployment name.
        deployment: String,
        /// The file.
        path: PathBuf,
        /// The checksum recorded in the file.
        stored: String,
        /// The checksum of the content as read.
        actual: String,
    },

    /// The state was written in a format newer than this build understands.
    #[error(
        "state file {} has format_version {found}, but this strata only understands versions up to {supported}",
        path.display()
    )]
    #[diagnostic(
        code(strata::state::unknown_format_version),
        help(
            "a newer strata wrote this state: upgrade strata. If the file is wrong instead, list \
             the saved versions with `strata state backups --name {deployment}` and bring one back \
             with `strata state restore <BACKUP> --name {deployment}`"
        )
    )]
    UnknownFormatVersion {
        /// Deployment name.
        deployment: String,
        /// The file.
        path: PathBuf,
        /// The version found in the file.
        found: u64,
        /// The newest version this build reads.
        supported: u32,
    },

    /// Upgrading an older format failed.
    #[error(
        "could not upgrade state file {} from format_version {from} to {to}: {reason}",
        path.display()
    )]
    #[diagnostic(
        code(strata::state::migration_failed),
        help(
            "the file is left untouched. List the saved versions with \
             `strata state backups --name {deployment}` and bring one back with \
             `strata state restore <BACKUP> --name {deployment}`"
        )
    )]
    MigrationFailed {
        /// Deployment name.
        deployment: String,
        /// The file.
        path: PathBuf,
        /// Version the failing step started from.
        from: u32,
        /// Version the failing step was producing.
        to: u32,
        /// What the step could not handle.
        reason: String,
    },

    /// Another process holds the lock and no waiting was asked for.
    #[error("state of deployment `{deployment}` is locked by {holder}")]
    #[diagnostic(
        code(strata::state::locked),
        help(
            "wait for that command to finish, or pass `--lock-timeout` to wait for it; if that \
             process is gone, remove the lock with `strata state unlock --name {deployment}`"
        )
    )]
    Locked {
        /// Deployment name.
        deployment: String,
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: Box<LockHolder>,
    },

    /// The lock was still held after waiting.
    #[error(
        "gave up after waiting {:.1}s for the state lock of deployment `{deployment}`, held by {holder}",
        waited.as_secs_f64()
    )]
    #[diagnostic(
        code(strata::state::lock_timeout),
        help(
            "wait for that command to finish or raise `--lock-timeout`; if that process is gone, \
             remove the lock with `strata state unlock --name {deployment}`"
        )
    )]
    LockTimeout {
        /// Deployment name.
        deployment: String,
        /// The lock file.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
        /// Who holds it.
        holder: Box<LockHolder>,
    },

    /// `strata state unlock` was asked to remove the lock of a process that still runs.
    #[error(
        "the state lock of deployment `{deployment}` is held by {holder}, which still runs (it holds the OS lock on {}.os)",
        path.display()
    )]
    #[diagnostic(
        code(strata::state::lock_alive),
        help(
            "wait for that command to finish, or stop it (the kernel releases its lock when it \
             ends); `strata state unlock` only removes locks of processes that no longer run"
        )
    )]
    LockAlive {
        /// Deployment name.
        deployment: String,
        /// The lock file.
        path: PathBuf,
        /// Who holds it.
        holder: Box<LockHolder>,
    },

    /// Our lock was removed (e.g. by `strata state unlock`) or taken by someone else.
    #[error(
        "the state lock {} is no longer held by this process; refusing to write",
        path.display()
    )]
    #[diagnostic(
        code(strata::state::lock_lost),
        help(
            "someone ran `strata state unlock --name {deployment}` while this command was running; \
             check `strata state verify --name {deployment}` and run the command again"
        )
    )]
    LockLost {
        /// Deployment name.
        deployment: String,
        /// The lock file.
        path: PathBuf,
    },

    /// The requested backup does not exist.
    #[error("deployment `{deployment}` has no backup `{backup}`")]
    #[diagnostic(
        code(strata::state::no_such_backup),
        help("list the available backups with `strata state backups --name {deployment}`")
    )]
    NoSuchBackup {
        /// Deployment name.
        deployment: String,
        /// The name or serial asked for.
        backup: String,
    },

    /// The deployment has no state file.
    #[error("deployment `{deployment}` has no state at {}", path.display())]
    #[diagnostic(
        code(strata::state::no_state),
        help(
            "check the deployment name and the state directory; if backups exist, list them with \
             `strata state backups --name {deployment}`"
        )
    )]
    NoState {
        /// Deployment name.
        deployment: String,
        /// Where the state file was expected.
        path: PathBuf,
    },

    /// The state being saved does not continue the state on disk.
    #[error("refusing to save state of deployment `{deployment}` over {}: {reason}", path.display())]
    #[diagnostic(
        code(strata::state::conflict),
        help(
            "the state changed since this command read it; run the command again so it starts \
             from the current state (`strata state verify --name {deployment}` shows it)"
        )
    )]
    Conflict {
        /// Deployment name.
        deployment: String,
        /// The state file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },

    /// A deployment name that is not a plain directory name.
    #[error("`{name}` cannot be used as a deployment name in the state directory")]
    #[diagnostic(
        code(strata::state::bad_name),
        help("use letters, digits, `-`, `_` and `.` only, not starting with `.`")
    )]
    BadName {
        /// The name given.
        name: String,
    },
}

impl StateError {
    /// Shorthand for an I/O error with what was being done and where.
    pub(crate) fn io(action: &str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StateError::Io {
            action: action.to_string(),
            path: path.into(),
            source,
        }
    }

    /// The stable code of this error, as also reported through [`miette::Diagnostic::code`].
    pub fn code(&self) -> &'static str {
        match self {
            StateError::Io { .. } => codes::IO,
            StateError::Corrupt { .. } => codes::CORRUPT,
            StateError::ChecksumMismatch { .. } => codes::CHECKSUM_MISMATCH,
            StateError::UnknownFormatVersion { .. } => codes::UNKNOWN_FORMAT_VERSION,
            StateError::MigrationFailed { .. } => codes::MIGRATION_FAILED,
            StateError::Locked { .. } => codes::LOCKED,
            StateError::LockTimeout { .. } => codes::LOCK_TIMEOUT,
            StateError::LockLost { .. } => codes::LOCK_LOST,
            StateError::LockAlive { .. } => codes::LOCK_ALIVE,
            StateError::NoSuchBackup { .. } => codes::NO_SUCH_BACKUP,
            StateError::NoState { .. } => codes::NO_STATE,
            StateError::Conflict { .. } => codes::CONFLICT,
            StateError::BadName { .. } => codes::BAD_NAME,
        }
    }

    /// True for the errors that mean "this file cannot be trusted": load and save both refuse.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StateError::Corrupt { .. }
                | StateError::ChecksumMismatch { .. }
                | StateError::UnknownFormatVersion { .. }
                | StateError::MigrationFailed { .. }
        )
    }
}
