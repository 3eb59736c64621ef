//! TOML stacks and tiers → a typed, checked [`Deployment`].

pub mod diagnostic;
pub mod expr;
pub mod json_schema;
pub mod model;
pub mod source;

pub use diagnostic::{codes, ConfigError, ConfigErrors};
pub use model::{Deployment, Mode, Resource};
pub use source::{FileId, Origin, Sources};
