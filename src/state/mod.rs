//! Versioned deployment state: model, local backend, locking, backups, migrations.

pub mod model;

pub use model::{OutputState, Provenance, ResourceState, State, FORMAT_VERSION};
