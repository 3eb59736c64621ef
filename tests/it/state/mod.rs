//! The local state backend: round trips and locks, and writers killed mid-save.

mod store;
mod torture;
