//! The provider boundary: what the engine knows of a resource kind.
//!
//! The engine core (config, graph, plan, engine, state) sees resource kinds only through
//! [`ResourceKind`] and the [`Registry`]; AWS specifics live in `crate::aws`. Values cross the
//! boundary as [`Attrs`] (attribute name → [`crate::Value`]), errors as [`ProviderError`]
//! classified into [`ErrorClass`], never as SDK types.

mod error;
pub mod meter;
mod ops;
mod registry;
pub mod retry;
mod schema;
pub mod size_limit;
mod stats;

pub use error::{ErrorClass, ProviderError};
pub use meter::{CostCategory, Market, Meter, Usage, UsageKey, HOURS_PER_MONTH};
pub use ops::{
    Attrs, CreateRequest, Invalid, LiveResource, Owner, ResourceKind, Selector, UpdateRequest,
};
pub use registry::Registry;
pub use schema::{sort_set, AttrSchema, AttrType, BlockField, KindSchema, Mismatch, OnChange};
pub use size_limit::{Fit, SizeLimit};
pub use stats::CallStats;
