//! strata's integration tests, in one binary (one link of the library and the AWS SDK instead
//! of one per file). One module per area; `support` holds what they share: the emulator, the
//! fault-injecting proxy, SDK clients, temporary projects, the binary runner and the fake kind
//! (`engine` runs the apply engine over that fake kind, without the emulator).
//!
//! Run one area with a filter: `cargo nextest run -E 'test(/^aws::/)'` or `cargo test --test it aws::`.

// The lint guards the library's journal and state writes; here, test servers and child
// processes ignore failures of best-effort I/O (a client that hung up, a child already dead).
#![allow(clippy::let_underscore_must_use)]

mod ai_stack;
mod apply;
mod aws;
mod cli;
mod config;
mod cost;
mod engine;
mod graph;
mod health;
mod plan;
mod proxy;
mod state;
mod support;
mod synth;
