//! The dependency graph of a deployment's resources, and cycles reported as a path with each
//! hop pointing at the reference that makes it.

use super::diagnostic::{codes, ConfigError};
use super::model::Resource;
use crate::address::Address;
use crate::graph::{Edge, GraphError, ResourceGraph};
use std::collections::BTreeMap;

/// Build the graph of resources from their references and `depends_on`.
pub fn dependency_graph(resources: &BTreeMap<Address, Resource>) -> Result<ResourceGraph, GraphError> {
    let edges = resources.values().flat_map(|r| {
        r.dependencies().into_iter().map(|(to, origin)| Edge {
            from: r.address.clone(),
            to,
            origin: Some(origin),
        })
    });
    ResourceGraph::build(resources.keys().cloned(), edges)
}

/// Report dependency cycles (and references to resources the graph lacks, which the resolver
/// has normally reported already).
pub fn check(resources: &BTreeMap<Address, Resource>) -> Vec<ConfigError> {
    match dependency_graph(resources) {
        Ok(_) => Vec::new(),
        Err(GraphError::Cycle(cycle)) => {
            let path = cycle.to_string();
            let mut err = ConfigError::new(codes::CYCLE, format!("dependency cycle: {path}"));
            for hop in &cycle.hops {
                if let Some(origin) = &hop.origin {
                    err = err.label(origin.clone(), format!("{} depends on {}", hop.from, hop.to));
                }
            }
            vec![err.help(
                "break the loop: remove one of these references or `depends_on` entries (a security group rule that needs the other group can often live in a separate rule resource)",
            )]
        }
        Err(GraphError::UnknownNode { from, to, origin }) => {
            let mut err = ConfigError::new(
                codes::UNKNOWN_RESOURCE,
                format!("`{from}` depends on `{to}`, which is not declared"),
            );
            if let Some(o) = origin {
                err = err.label(o, "unknown resource");
            }
            vec![err.help("declare the resource or remove the dependency")]
        }
    }
}
