//! Plans: desired configuration vs recorded state, rendered for people and tools.

pub mod diff;
pub mod model;
pub mod refresh;
pub mod render;
pub mod saved;
mod sizes;

pub use model::{Action, AttrChange, Drift, OutputChange, Plan, ResourceChange, Summary};
