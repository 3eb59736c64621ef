//! TOML stacks and tiers → a typed, checked [`Deployment`].
//!
//! `load` finds the files (`locate`), parses them keeping spans (`node`), reads their structure
//! (`raw`), merges the tier over the stack and checks kinds, keys, types and references
//! (`resolve`, `eval`, `cycles`). Every problem is a [`ConfigError`] with a stable code.

mod attr_sizes;
pub mod budget_alerts;
mod cycles;
pub mod diagnostic;
pub mod eval;
pub mod expr;
pub mod given;
pub mod health;
pub mod json_schema;
pub mod limits;
pub mod load;
pub mod locate;
pub mod model;
pub mod node;
pub mod raw;
pub mod resolve;
pub mod source;
pub mod template;
pub mod usage;
pub mod vars;

pub use diagnostic::{codes, ConfigError, ConfigErrors};
pub use given::OutsideVars;
pub use load::{load, LoadRequest};
pub use model::{Deployment, Mode, Resource, VarFrom};
pub use source::{FileId, Origin, Sources};
