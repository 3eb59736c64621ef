//! ElastiCache resource kinds.

mod common;
pub mod replication_group;
pub mod subnet_group;

pub use replication_group::ReplicationGroup;
pub use subnet_group::CacheSubnetGroup;
