//! Construction: nodes in sorted order, duplicate edges collapsed, unknown endpoints and cycles
//! rejected.

use super::cycle::find_cycle;
use super::{Edge, GraphError, ResourceGraph};
use crate::address::Address;
use crate::config::Origin;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet};

impl ResourceGraph {
    /// Build a graph from resources and their dependency edges.
    ///
    /// Duplicate nodes and edges collapse (an edge keeps the first origin given). An edge naming
    /// an address that is not a node is an [`GraphError::UnknownNode`] (the smallest such edge is
    /// reported, so the error does not depend on input order); a loop, including a resource
    /// depending on itself, is a [`GraphError::Cycle`].
    // Built once per load, so the size of the error is irrelevant; keeping `UnknownNode`'s
    // fields inline keeps it easy to match on.
    #[allow(clippy::result_large_err)]
    pub fn build(
        nodes: impl IntoIterator<Item = Address>,
        edges: impl IntoIterator<Item = Edge>,
    ) -> Result<Self, GraphError> {
        let sorted: BTreeSet<Address> = nodes.into_iter().collect();
        let mut graph: DiGraph<Address, Option<Origin>> =
            DiGraph::with_capacity(sorted.len(), sorted.len());
        let mut index = BTreeMap::new();
        for address in sorted {
            let n = graph.add_node(address.clone());
            index.insert(address, n);
        }

        let mut unique: BTreeMap<(NodeIndex, NodeIndex), Option<Origin>> = BTreeMap::new();
        let mut unknown: Option<Edge> = None;
        for edge in edges {
            match (index.get(&edge.from), index.get(&edge.to)) {
                (Some(&a), Some(&b)) => {
                    unique.entry((a, b)).or_insert(edge.origin);
                }
                _ => {
                    let smaller = unknown
                        .as_ref()
                        .is_none_or(|u| (&edge.from, &edge.to) < (&u.from, &u.to));
                    if smaller {
                        unknown = Some(edge);
                    }
                }
            }
        }
        if let Some(Edge { from, to, origin }) = unknown {
            return Err(GraphError::UnknownNode { from, to, origin });
        }
        for ((a, b), origin) in unique {
            graph.add_edge(a, b, origin);
        }

        let built = ResourceGraph { graph, index };
        match find_cycle(&built) {
            Some(cycle) => Err(GraphError::Cycle(cycle)),
            None => Ok(built),
        }
    }
}
