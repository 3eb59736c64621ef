//! RDS resource kinds.

pub(crate) mod common;
pub mod instance;
pub mod subnet_group;

pub use instance::DbInstance;
pub use subnet_group::DbSubnetGroup;
