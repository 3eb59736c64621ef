//! Dependency cycles, reported as the path `a -> b -> c -> a` with each hop pointing at the
//! reference that makes it.

use super::diagnostic::ConfigError;
use super::model::Resource;
use crate::address::Address;
use crate::graph::ResourceGraph;
use std::collections::BTreeMap;

/// Diagnostics for cycles (and dangling dependencies) among the resources.
pub fn check(resources: &BTreeMap<Address, Resource>) -> Vec<ConfigError> {
    match ResourceGraph::from_resources(resources) {
        Ok(_) => Vec::new(),
        Err(e) => vec![e.to_config_error()],
    }
}
