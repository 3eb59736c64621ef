//! strata's integration tests, in one binary (one link of the library and the AWS SDK instead
//! of one per file). One module per area; `support` holds what they share: the emulator, the
//! fault-injecting proxy, SDK clients, temporary projects, the binary runner and the fake kind.
//!
//! Run one area with a filter: `cargo nextest run -E 'test(/^aws::/)'` or `cargo test --test it aws::`.

mod ai_stack;
mod apply;
mod aws;
mod cli;
mod config;
mod graph;
mod health;
mod plan;
mod proxy;
mod state;
mod support;
mod synth;
