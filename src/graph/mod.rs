//! The resource dependency graph: a DAG built from references and `depends_on`, with the orders
//! the engine walks it in (creation, destruction, levels), its critical path, and pictures of it
//! (Graphviz DOT, Mermaid).
//!
//! Edges point from a resource to what it depends on. Node indices follow the sorted order of
//! addresses, so every traversal that breaks ties by index is deterministic by construction.

mod build;
mod cycle;
mod error;
mod order;
mod render;

pub use error::{Cycle, GraphError};
pub use order::CriticalPath;

use crate::address::Address;
use crate::config::{Deployment, Origin, Resource};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;
use std::collections::BTreeMap;

/// An edge: `from` depends on `to` (from references to), with where the reference is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edge {
    /// The dependent resource.
    pub from: Address,
    /// The resource it depends on.
    pub to: Address,
    /// Where the reference or `depends_on` entry is written, when it comes from a file.
    pub origin: Option<Origin>,
}

impl Edge {
    /// An edge with no recorded origin.
    pub fn new(from: Address, to: Address) -> Self {
        Edge {
            from,
            to,
            origin: None,
        }
    }
}

/// A checked, acyclic dependency graph of resources.
#[derive(Debug, Clone)]
pub struct ResourceGraph {
    /// Node weights are addresses, inserted in sorted order; edge weights are origins.
    graph: DiGraph<Address, Option<Origin>>,
    /// Address to node, for lookups by address.
    index: BTreeMap<Address, NodeIndex>,
}

impl ResourceGraph {
    /// Build the graph of a loaded deployment: every enabled resource, with an edge for each
    /// reference and `depends_on` entry.
    // Built once per load, so the size of the error is irrelevant; keeping `UnknownNode`'s
    // fields inline keeps it easy to match on.
    #[allow(clippy::result_large_err)]
    pub fn from_deployment(deployment: &Deployment) -> Result<Self, GraphError> {
        Self::from_resources(&deployment.resources)
    }

    /// Build the graph of resources that are still being loaded (the loader checks cycles
    /// before a `Deployment` exists).
    #[allow(clippy::result_large_err)]
    pub fn from_resources(resources: &BTreeMap<Address, Resource>) -> Result<Self, GraphError> {
        let nodes = resources.keys().cloned();
        let edges = resources.values().flat_map(|resource| {
            resource
                .dependencies()
                .into_iter()
                .map(|(to, origin)| Edge {
                    from: resource.address.clone(),
                    to,
                    origin: Some(origin),
                })
        });
        Self::build(nodes, edges)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// True when there are no resources.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// Number of distinct dependency edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// True when the address is a node of the graph.
    pub fn contains(&self, address: &Address) -> bool {
        self.index.contains_key(address)
    }

    /// Every resource, sorted.
    pub fn nodes(&self) -> impl Iterator<Item = &Address> {
        self.index.keys()
    }

    /// Every edge, sorted by (`from`, `to`).
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges: Vec<Edge> = self
            .graph
            .raw_edges()
            .iter()
            .map(|e| Edge {
                from: self.graph[e.source()].clone(),
                to: self.graph[e.target()].clone(),
                origin: e.weight.clone(),
            })
            .collect();
        edges.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        edges
    }

    /// Where `from`'s dependency on `to` is written, if that edge exists and has an origin.
    pub fn edge_origin(&self, from: &Address, to: &Address) -> Option<&Origin> {
        let (a, b) = (self.index.get(from)?, self.index.get(to)?);
        let e = self.graph.find_edge(*a, *b)?;
        self.graph[e].as_ref()
    }

    /// What `a` depends on directly, sorted. Empty for unknown addresses.
    pub fn dependencies(&self, a: &Address) -> Vec<&Address> {
        self.neighbours_of(a, Direction::Outgoing)
    }

    /// What depends on `a` directly, sorted. Empty for unknown addresses.
    pub fn dependents(&self, a: &Address) -> Vec<&Address> {
        self.neighbours_of(a, Direction::Incoming)
    }

    fn neighbours_of(&self, a: &Address, dir: Direction) -> Vec<&Address> {
        match self.index.get(a) {
            Some(&n) => self
                .sorted_neighbours(n, dir)
                .into_iter()
                .map(|m| &self.graph[m])
                .collect(),
            None => Vec::new(),
        }
    }

    /// Neighbours in index (= address) order; petgraph yields them in reverse insertion order.
    fn sorted_neighbours(&self, n: NodeIndex, dir: Direction) -> Vec<NodeIndex> {
        let mut out: Vec<NodeIndex> = self.graph.neighbors_directed(n, dir).collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}
