//! The local state backend: round trips and locks, and writers killed mid-save.

mod lock;
mod store;
mod torture;
