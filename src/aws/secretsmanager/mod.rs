//! Secrets Manager resource kinds.

pub mod secret;

pub use secret::Secret;
