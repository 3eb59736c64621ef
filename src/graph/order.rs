//! Walking orders over the graph: creation, destruction, depth levels and the critical path.

use super::ResourceGraph;
use crate::address::Address;
use petgraph::graph::NodeIndex;
use petgraph::Direction;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The longest weighted chain of dependencies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CriticalPath {
    /// The chain in creation order: each element depends on the one before it.
    pub path: Vec<Address>,
    /// Sum of the weights along the chain.
    pub total: u64,
}

impl ResourceGraph {
    /// Every resource once, dependencies before dependents. Among resources that are ready at
    /// the same time the smallest address comes first, so the order is stable.
    pub fn topo_order(&self) -> Vec<Address> {
        self.kahn(Direction::Outgoing)
            .into_iter()
            .map(|n| self.graph[n].clone())
            .collect()
    }

    /// Every resource once, dependents before their dependencies (the order to delete in).
    /// Ties go to the smallest address, as in [`ResourceGraph::topo_order`].
    pub fn destroy_order(&self) -> Vec<Address> {
        self.kahn(Direction::Incoming)
            .into_iter()
            .map(|n| self.graph[n].clone())
            .collect()
    }

    /// Resources grouped by depth: level 0 depends on nothing, level `k` depends on something at
    /// level `k - 1` and nothing deeper. Each level is sorted.
    pub fn levels(&self) -> Vec<Vec<Address>> {
        let depth = self.longest_chain_lengths();
        let mut levels: Vec<Vec<Address>> = Vec::new();
        // Node indices are in address order, so pushing in index order keeps levels sorted.
        for n in self.graph.node_indices() {
            let d = depth[n.index()] as usize - 1;
            if levels.len() <= d {
                levels.resize_with(d + 1, Vec::new);
            }
            levels[d].push(self.graph[n].clone());
        }
        levels
    }

    /// The chain of dependencies with the largest total weight (for example, the sum of expected
    /// creation times: no schedule can finish faster). Ties prefer smaller addresses.
    pub fn critical_path(&self, weight: impl Fn(&Address) -> u64) -> CriticalPath {
        let weights: Vec<u64> = self
            .graph
            .node_indices()
            .map(|n| weight(&self.graph[n]))
            .collect();
        let mut best = vec![0u64; self.len()];
        let mut via: Vec<Option<NodeIndex>> = vec![None; self.len()];
        for n in self.kahn(Direction::Outgoing) {
            let mut chosen: Option<NodeIndex> = None;
            for d in self.sorted_neighbours(n, Direction::Outgoing) {
                if chosen.is_none_or(|c| best[d.index()] > best[c.index()]) {
                    chosen = Some(d);
                }
            }
            let before = chosen.map_or(0, |c| best[c.index()]);
            best[n.index()] = before.saturating_add(weights[n.index()]);
            via[n.index()] = chosen;
        }
        let mut end: Option<NodeIndex> = None;
        for n in self.graph.node_indices() {
            if end.is_none_or(|e| best[n.index()] > best[e.index()]) {
                end = Some(n);
            }
        }
        let Some(end) = end else {
            return CriticalPath::default();
        };
        let mut path = Vec::new();
        let mut at = Some(end);
        while let Some(n) = at {
            path.push(self.graph[n].clone());
            at = via[n.index()];
        }
        path.reverse();
        CriticalPath {
            path,
            total: best[end.index()],
        }
    }

    /// For each node, the number of resources on the longest chain ending at it (itself
    /// included), indexed by node index.
    fn longest_chain_lengths(&self) -> Vec<u32> {
        let mut depth = vec![0u32; self.len()];
        for n in self.kahn(Direction::Outgoing) {
            let deepest = self
                .graph
                .neighbors_directed(n, Direction::Outgoing)
                .map(|d| depth[d.index()])
                .max()
                .unwrap_or(0);
            depth[n.index()] = deepest + 1;
        }
        depth
    }

    /// Kahn's algorithm with a min-heap as the ready set. `first` is the direction whose
    /// neighbours must come earlier: `Outgoing` (dependencies first) or `Incoming` (dependents
    /// first). The graph is acyclic by construction, so every node is emitted.
    fn kahn(&self, first: Direction) -> Vec<NodeIndex> {
        let then = first.opposite();
        let mut waiting: Vec<usize> = self
            .graph
            .node_indices()
            .map(|n| self.sorted_neighbours(n, first).len())
            .collect();
        let mut ready: BinaryHeap<Reverse<NodeIndex>> = self
            .graph
            .node_indices()
            .filter(|n| waiting[n.index()] == 0)
            .map(Reverse)
            .collect();
        let mut out = Vec::with_capacity(self.len());
        while let Some(Reverse(n)) = ready.pop() {
            out.push(n);
            for m in self.sorted_neighbours(n, then) {
                waiting[m.index()] -= 1;
                if waiting[m.index()] == 0 {
                    ready.push(Reverse(m));
                }
            }
        }
        out
    }
}
