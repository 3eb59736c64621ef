//! strata: a declarative plan/apply engine for AWS.
//!
//! Stacks and tiers (TOML) are loaded by [`config`] into a typed [`config::Deployment`], turned
//! into a dependency graph by [`graph`], diffed against recorded [`state`] into a [`plan`], and
//! rendered for terminals, pull requests and tools. Resource kinds are described through the
//! [`provider`] boundary; AWS specifics live in [`aws`]. The command line lives in [`cli`].

pub mod address;
pub mod aws;
pub mod cli;
pub mod config;
pub mod cost;
pub mod engine;
pub mod graph;
pub mod health;
pub mod plan;
pub mod provider;
pub mod state;
pub mod synth;
pub mod value;

pub use address::Address;
pub use value::Value;
