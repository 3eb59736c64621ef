//! Versioned deployment state: model, local backend, locking, backups, migrations.

mod atomic;
pub mod backup;
pub mod clock;
pub mod document;
pub mod error;
pub mod local;
pub mod lock;
pub mod migrate;
pub mod model;
mod os_lock;
pub mod private;
pub mod process;
pub mod status;
pub mod verify;

pub use backup::BackupInfo;
pub use clock::{now_rfc3339, UNKNOWN_TIME};
pub use document::checksum;
pub use error::{codes, StateError};
pub use local::{LocalBackend, DEFAULT_BACKUP_LIMIT};
pub use lock::{LockHolder, StateLock};
pub use model::{
    AppliedConfig, ConfigFile, OutputState, Provenance, ResourceState, RunOutcome, State,
    SuppliedVar, FORMAT_VERSION, HISTORY_LIMIT,
};
pub use private::LooseMode;
pub use verify::{LockStatus, VerifyReport};
