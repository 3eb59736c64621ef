//! CloudFront resource kinds.

mod config;
pub mod distribution;

pub use distribution::Distribution;
