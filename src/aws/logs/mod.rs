//! CloudWatch Logs resource kinds.

pub mod log_group;

pub use log_group::LogGroup;
