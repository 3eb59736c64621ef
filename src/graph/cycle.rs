//! Finding one dependency cycle, deterministically, as a path of real edges.

use super::{Cycle, Edge, ResourceGraph};
use petgraph::algo::tarjan_scc;
use petgraph::graph::NodeIndex;
use petgraph::Direction;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The shortest cycle through the smallest address of the first (by smallest address) strongly
/// connected component that contains a cycle, or `None` when the graph is acyclic.
///
/// Shortest, because a user breaking the loop wants the fewest hops to look at; through the
/// smallest address with neighbours visited in sorted order, so the same input always reports
/// the same cycle.
pub(super) fn find_cycle(g: &ResourceGraph) -> Option<Cycle> {
    let component = tarjan_scc(&g.graph)
        .into_iter()
        .filter(|scc| scc.len() > 1 || scc.first().is_some_and(|&n| g.graph.contains_edge(n, n)))
        .map(|scc| scc.into_iter().collect::<BTreeSet<NodeIndex>>())
        .min_by_key(|scc| scc.first().copied())?;
    let start = *component.first()?;
    let nodes = shortest_cycle_through(g, start, &component)?;
    let hops = nodes
        .windows(2)
        .map(|w| Edge {
            from: g.graph[w[0]].clone(),
            to: g.graph[w[1]].clone(),
            origin: g
                .graph
                .find_edge(w[0], w[1])
                .and_then(|e| g.graph[e].clone()),
        })
        .collect();
    Some(Cycle { hops })
}

/// Breadth-first search from `start` inside `component` for an edge back to `start`; returns
/// the closed walk `start, .., start`.
fn shortest_cycle_through(
    g: &ResourceGraph,
    start: NodeIndex,
    component: &BTreeSet<NodeIndex>,
) -> Option<Vec<NodeIndex>> {
    let mut parent: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(u) = queue.pop_front() {
        for v in g.sorted_neighbours(u, Direction::Outgoing) {
            if v == start {
                let mut back = Vec::new();
                let mut at = u;
                while at != start {
                    back.push(at);
                    at = *parent.get(&at)?;
                }
                back.reverse();
                let mut path = Vec::with_capacity(back.len() + 2);
                path.push(start);
                path.extend(back);
                path.push(start);
                return Some(path);
            }
            if component.contains(&v) && !parent.contains_key(&v) {
                parent.insert(v, u);
                queue.push_back(v);
            }
        }
    }
    None
}
