//! Dependency cycles, reported as a path with each hop pointing at its reference.

use super::diagnostic::ConfigError;
use super::model::Resource;
use crate::address::Address;
use std::collections::BTreeMap;

/// Report dependency cycles among resources (filled in with the graph module).
pub fn check(_resources: &BTreeMap<Address, Resource>) -> Vec<ConfigError> {
    Vec::new()
}
