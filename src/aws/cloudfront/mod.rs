//! CloudFront resource kinds.

pub mod distribution;

pub use distribution::Distribution;
