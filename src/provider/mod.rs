//! The provider boundary: what the engine knows of a resource kind.
//!
//! The engine core (config, graph, plan, engine, state) sees resource kinds only through
//! [`ResourceKind`] and the [`Registry`]; AWS specifics live in `crate::aws`.

mod registry;
mod schema;

pub use registry::Registry;
pub use schema::{AttrSchema, AttrType, KindSchema, OnChange};

/// A resource kind as the engine sees it. The AWS issue extends this with
/// read/create/update/delete operations; the engine core only needs the schema.
pub trait ResourceKind: Send + Sync {
    /// The kind's attribute schema: types, computed, sensitive and replace-forcing attributes.
    fn schema(&self) -> &KindSchema;
}
