//! Properties of the resource graph on random DAGs, plus exact pictures of a small graph.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use strata::config::{FileId, Origin};
use strata::graph::{Edge, GraphError, ResourceGraph};
use strata::Address;

const KINDS: [&str; 4] = ["vpc", "subnet", "security_group", "instance"];

fn addr(i: usize) -> Address {
    Address::new(KINDS[i % KINDS.len()], format!("n{i:02}"))
}

fn origin(i: usize) -> Option<Origin> {
    Some(Origin::new(FileId(0), i * 10..i * 10 + 5))
}

/// A random DAG on `n` nodes: edges only go from a higher to a lower index (in a random
/// permutation, so that the index order and the address order disagree).
fn dag() -> impl Strategy<Value = (Vec<Address>, Vec<(usize, usize)>)> {
    (1usize..12).prop_flat_map(|n| {
        let perm = Just((0..n).collect::<Vec<_>>()).prop_shuffle();
        let edges = proptest::collection::vec((0..n, 0..n), 0..(n * 3));
        (perm, edges).prop_map(move |(perm, raw)| {
            let nodes: Vec<Address> = perm.iter().map(|&i| addr(i)).collect();
            let edges = raw
                .into_iter()
                .filter(|(a, b)| a != b)
                .map(|(a, b)| (a.max(b), a.min(b)))
                .collect();
            (nodes, edges)
        })
    })
}

fn edges_of(nodes: &[Address], pairs: &[(usize, usize)]) -> Vec<Edge> {
    pairs
        .iter()
        .enumerate()
        .map(|(k, &(a, b))| Edge {
            from: nodes[a].clone(),
            to: nodes[b].clone(),
            origin: origin(k),
        })
        .collect()
}

fn position(order: &[Address]) -> BTreeMap<&Address, usize> {
    order.iter().enumerate().map(|(i, a)| (a, i)).collect()
}

/// Every chain (path from any node following dependencies down to a node without any), by
/// brute force.
fn all_chains(g: &ResourceGraph) -> Vec<Vec<Address>> {
    fn walk(g: &ResourceGraph, at: &Address, path: &mut Vec<Address>, out: &mut Vec<Vec<Address>>) {
        path.push(at.clone());
        let deps = g.dependencies(at);
        if deps.is_empty() {
            out.push(path.clone());
        }
        for d in deps {
            walk(g, d, path, out);
        }
        path.pop();
    }
    let mut out = Vec::new();
    for n in g.nodes() {
        walk(g, n, &mut Vec::new(), &mut out);
    }
    out
}

fn weight(a: &Address) -> u64 {
    a.name.bytes().map(u64::from).sum::<u64>() % 7 + 1
}

proptest! {
    #[test]
    fn topo_order_puts_dependencies_first((nodes, pairs) in dag()) {
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let order = g.topo_order();
        let pos = position(&order);
        prop_assert_eq!(order.len(), nodes.len());
        prop_assert_eq!(pos.len(), nodes.len());
        for (a, b) in &pairs {
            prop_assert!(pos[&nodes[*b]] < pos[&nodes[*a]], "{} before {}", nodes[*b], nodes[*a]);
        }
    }

    #[test]
    fn destroy_order_puts_dependents_first((nodes, pairs) in dag()) {
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let order = g.destroy_order();
        let pos = position(&order);
        prop_assert_eq!(order.len(), nodes.len());
        prop_assert_eq!(pos.len(), nodes.len());
        for (a, b) in &pairs {
            prop_assert!(pos[&nodes[*a]] < pos[&nodes[*b]], "{} before {}", nodes[*a], nodes[*b]);
        }
    }

    #[test]
    fn dependencies_and_dependents_mirror_edges((nodes, pairs) in dag()) {
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let expected: BTreeSet<(Address, Address)> =
            pairs.iter().map(|&(a, b)| (nodes[a].clone(), nodes[b].clone())).collect();
        prop_assert_eq!(g.edge_count(), expected.len());
        for n in g.nodes() {
            let deps = g.dependencies(n);
            prop_assert!(deps.windows(2).all(|w| w[0] < w[1]));
            for d in deps {
                prop_assert!(expected.contains(&(n.clone(), d.clone())));
                prop_assert!(g.dependents(d).contains(&n));
            }
        }
    }

    #[test]
    fn levels_partition_nodes_by_longest_chain((nodes, pairs) in dag()) {
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let levels = g.levels();
        let level_of: BTreeMap<&Address, usize> = levels
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.iter().map(move |a| (a, i)))
            .collect();
        prop_assert_eq!(level_of.len(), nodes.len());
        for n in g.nodes() {
            let expected = g.dependencies(n).iter().map(|d| level_of[d] + 1).max().unwrap_or(0);
            prop_assert_eq!(level_of[n], expected);
        }
        let longest = all_chains(&g).iter().map(Vec::len).max().unwrap_or(0);
        prop_assert_eq!(levels.len(), longest);
        prop_assert_eq!(g.critical_path(|_| 1).total as usize, longest);
    }

    #[test]
    fn critical_path_is_the_heaviest_real_chain((nodes, pairs) in dag()) {
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let cp = g.critical_path(weight);
        let heaviest = all_chains(&g)
            .iter()
            .map(|c| c.iter().map(weight).sum::<u64>())
            .max()
            .unwrap_or(0);
        prop_assert_eq!(cp.total, heaviest);
        prop_assert_eq!(cp.path.iter().map(weight).sum::<u64>(), cp.total);
        // A real chain, in creation order: each element depends on the previous one.
        for w in cp.path.windows(2) {
            prop_assert!(g.dependencies(&w[1]).contains(&&w[0]), "{} -> {}", w[1], w[0]);
        }
        if let Some(first) = cp.path.first() {
            prop_assert!(g.dependencies(first).is_empty());
        }
    }

    #[test]
    fn back_edge_yields_a_closed_walk_of_real_edges(
        (nodes, pairs) in dag(),
        pick in any::<prop::sample::Index>(),
    ) {
        prop_assume!(!pairs.is_empty());
        // Follow a chain down from a random edge, then close it with a back edge.
        let g = ResourceGraph::build(nodes.clone(), edges_of(&nodes, &pairs)).unwrap();
        let (a, b) = pairs[pick.index(pairs.len())];
        let mut bottom = nodes[b].clone();
        while let Some(next) = g.dependencies(&bottom).first() {
            bottom = (*next).clone();
        }
        let mut edges = edges_of(&nodes, &pairs);
        let back = Edge { from: bottom.clone(), to: nodes[a].clone(), origin: origin(999) };
        edges.push(back.clone());
        let all: BTreeMap<(Address, Address), Option<Origin>> = edges
            .iter()
            .rev() // the first origin of a duplicate wins, so insert the first last
            .map(|e| ((e.from.clone(), e.to.clone()), e.origin.clone()))
            .collect();
        let Err(GraphError::Cycle(cycle)) = ResourceGraph::build(nodes.clone(), edges) else {
            return Err(TestCaseError::fail("expected a cycle"));
        };
        prop_assert!(!cycle.hops.is_empty());
        prop_assert_eq!(&cycle.hops[0].from, &cycle.hops.last().unwrap().to);
        for w in cycle.hops.windows(2) {
            prop_assert_eq!(&w[0].to, &w[1].from);
        }
        for hop in &cycle.hops {
            let key = (hop.from.clone(), hop.to.clone());
            prop_assert!(all.contains_key(&key), "{} -> {} is not an edge", hop.from, hop.to);
            prop_assert_eq!(&all[&key], &hop.origin);
        }
        let path: Vec<String> = cycle.path().iter().map(|a| a.to_string()).collect();
        prop_assert_eq!(cycle.to_string(), path.join(" -> "));
    }

    #[test]
    fn outputs_do_not_depend_on_input_order(
        (nodes, edges, shuffled_nodes, shuffled_edges) in dag().prop_flat_map(|(nodes, pairs)| {
            // Without duplicates, so that "the first origin wins" cannot differ between orders.
            let mut seen = BTreeSet::new();
            let edges: Vec<Edge> = edges_of(&nodes, &pairs)
                .into_iter()
                .filter(|e| seen.insert((e.from.clone(), e.to.clone())))
                .collect();
            (
                Just(nodes.clone()),
                Just(edges.clone()),
                Just(nodes).prop_shuffle(),
                Just(edges).prop_shuffle(),
            )
        }),
    ) {
        let a = ResourceGraph::build(nodes, edges).unwrap();
        let b = ResourceGraph::build(shuffled_nodes, shuffled_edges).unwrap();
        prop_assert_eq!(a.topo_order(), b.topo_order());
        prop_assert_eq!(a.destroy_order(), b.destroy_order());
        prop_assert_eq!(a.levels(), b.levels());
        prop_assert_eq!(a.critical_path(weight), b.critical_path(weight));
        prop_assert_eq!(a.to_dot(), b.to_dot());
        prop_assert_eq!(a.to_mermaid(), b.to_mermaid());
        prop_assert_eq!(a.edges(), b.edges());
    }

    #[test]
    fn reported_cycle_does_not_depend_on_input_order(
        (nodes, pairs) in dag(),
        pick in any::<prop::sample::Index>(),
    ) {
        prop_assume!(!pairs.is_empty());
        let (a, b) = pairs[pick.index(pairs.len())];
        let mut edges: Vec<Edge> = pairs
            .iter()
            .map(|&(x, y)| Edge::new(nodes[x].clone(), nodes[y].clone()))
            .collect();
        edges.push(Edge::new(nodes[b].clone(), nodes[a].clone()));
        let forward = ResourceGraph::build(nodes.clone(), edges.clone()).unwrap_err();
        edges.reverse();
        let backward = ResourceGraph::build(nodes.iter().rev().cloned(), edges).unwrap_err();
        prop_assert_eq!(forward, backward);
    }
}

fn a(s: &str) -> Address {
    s.parse().unwrap()
}

fn small_graph() -> ResourceGraph {
    ResourceGraph::build(
        [
            a("vpc.main"),
            a("subnet.public-a"),
            a("security_group.web"),
            a("instance.host"),
            a("bucket.logs"),
        ],
        [
            Edge::new(a("subnet.public-a"), a("vpc.main")),
            Edge::new(a("security_group.web"), a("vpc.main")),
            Edge::new(a("instance.host"), a("subnet.public-a")),
            Edge::new(a("instance.host"), a("security_group.web")),
            Edge::new(a("instance.host"), a("subnet.public-a")),
        ],
    )
    .unwrap()
}

#[test]
fn small_graph_orders() {
    let g = small_graph();
    let names = |v: Vec<Address>| v.iter().map(Address::to_string).collect::<Vec<_>>();
    assert_eq!(
        names(g.topo_order()),
        [
            "bucket.logs",
            "vpc.main",
            "security_group.web",
            "subnet.public-a",
            "instance.host"
        ]
    );
    assert_eq!(
        names(g.destroy_order()),
        [
            "bucket.logs",
            "instance.host",
            "security_group.web",
            "subnet.public-a",
            "vpc.main"
        ]
    );
    let levels: Vec<Vec<String>> = g.levels().into_iter().map(names).collect();
    assert_eq!(
        levels,
        [
            vec!["bucket.logs", "vpc.main"],
            vec!["security_group.web", "subnet.public-a"],
            vec!["instance.host"],
        ]
    );
    let cp = g.critical_path(|a| if a.kind == "subnet" { 5 } else { 1 });
    assert_eq!(
        names(cp.path),
        ["vpc.main", "subnet.public-a", "instance.host"]
    );
    assert_eq!(cp.total, 7);
    let cp = g.critical_path(|_| 1);
    assert_eq!(
        names(cp.path),
        ["vpc.main", "security_group.web", "instance.host"]
    );
    assert_eq!(g.edge_count(), 4);
}

#[test]
fn dot_output_is_exact() {
    let expected = r##"digraph strata {
  rankdir=LR;
  node [fontname="Helvetica", style=filled];
  "bucket.logs" [label="bucket.logs", shape=component, fillcolor="#c9daf8"];
  "instance.host" [label="instance.host", shape=box3d, fillcolor="#fff2cc"];
  "security_group.web" [label="security_group.web", shape=octagon, fillcolor="#f4cccc"];
  "subnet.public-a" [label="subnet.public-a", shape=tab, fillcolor="#d9ead3"];
  "vpc.main" [label="vpc.main", shape=folder, fillcolor="#cfe2f3"];
  "security_group.web" -> "instance.host";
  "subnet.public-a" -> "instance.host";
  "vpc.main" -> "security_group.web";
  "vpc.main" -> "subnet.public-a";
}
"##;
    assert_eq!(small_graph().to_dot(), expected);
}

#[test]
fn mermaid_output_is_exact() {
    let expected = r##"flowchart LR
    bucket_logs["bucket.logs"]
    instance_host["instance.host"]
    security_group_web["security_group.web"]
    subnet_public_a["subnet.public-a"]
    vpc_main["vpc.main"]
    security_group_web --> instance_host
    subnet_public_a --> instance_host
    vpc_main --> security_group_web
    vpc_main --> subnet_public_a
    classDef kind_bucket fill:#c9daf8,stroke:#333333
    class bucket_logs kind_bucket
    classDef kind_instance fill:#fff2cc,stroke:#333333
    class instance_host kind_instance
    classDef kind_security_group fill:#f4cccc,stroke:#333333
    class security_group_web kind_security_group
    classDef kind_subnet fill:#d9ead3,stroke:#333333
    class subnet_public_a kind_subnet
    classDef kind_vpc fill:#cfe2f3,stroke:#333333
    class vpc_main kind_vpc
"##;
    assert_eq!(small_graph().to_mermaid(), expected);
}

#[test]
fn mermaid_ids_stay_unique_when_names_sanitise_alike() {
    let g = ResourceGraph::build([a("vpc.a-b"), a("vpc.a_b")], []).unwrap();
    let text = g.to_mermaid();
    assert!(text.contains("    vpc_a_b[\"vpc.a-b\"]\n"), "{text}");
    assert!(text.contains("    vpc_a_b_2[\"vpc.a_b\"]\n"), "{text}");
    assert!(
        text.contains("    class vpc_a_b,vpc_a_b_2 kind_vpc\n"),
        "{text}"
    );
}

#[test]
fn self_reference_is_a_one_hop_cycle() {
    let err = ResourceGraph::build(
        [a("vpc.main")],
        [Edge {
            from: a("vpc.main"),
            to: a("vpc.main"),
            origin: origin(1),
        }],
    )
    .unwrap_err();
    let GraphError::Cycle(cycle) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(cycle.hops.len(), 1);
    assert_eq!(cycle.hops[0].origin, origin(1));
    assert_eq!(cycle.to_string(), "vpc.main -> vpc.main");
    assert_eq!(err.to_string(), "dependency cycle: vpc.main -> vpc.main");
}

#[test]
fn cycle_is_the_shortest_through_the_smallest_address() {
    // Two loops through `a.x`: a.x -> c.z -> b.y -> a.x and a.x -> d.w -> a.x; plus a separate
    // loop e.v <-> f.u further along the alphabet.
    let edges = [
        ("a.x", "c.z", 1),
        ("c.z", "b.y", 2),
        ("b.y", "a.x", 3),
        ("a.x", "d.w", 4),
        ("d.w", "a.x", 5),
        ("e.v", "f.u", 6),
        ("f.u", "e.v", 7),
    ];
    let nodes = ["a.x", "b.y", "c.z", "d.w", "e.v", "f.u"].map(a);
    let err = ResourceGraph::build(
        nodes,
        edges.map(|(f, t, o)| Edge {
            from: a(f),
            to: a(t),
            origin: origin(o),
        }),
    )
    .unwrap_err();
    let GraphError::Cycle(cycle) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(cycle.to_string(), "a.x -> d.w -> a.x");
    assert_eq!(
        cycle
            .hops
            .iter()
            .map(|h| h.origin.clone())
            .collect::<Vec<_>>(),
        [origin(4), origin(5)]
    );
    let diagnostic = err.to_config_error();
    assert_eq!(diagnostic.code, "strata::config::cycle");
    assert_eq!(diagnostic.labels.len(), 2);
    assert_eq!(diagnostic.labels[0].text, "`a.x` depends on `d.w` here");
    assert!(diagnostic.help.is_some());
}

#[test]
fn unknown_endpoint_is_reported_deterministically() {
    let nodes = [a("vpc.main")];
    let edges = [
        Edge {
            from: a("vpc.main"),
            to: a("subnet.zz"),
            origin: origin(1),
        },
        Edge {
            from: a("vpc.main"),
            to: a("subnet.aa"),
            origin: origin(2),
        },
    ];
    let err = ResourceGraph::build(nodes.clone(), edges.clone()).unwrap_err();
    let mut reversed = edges;
    reversed.reverse();
    assert_eq!(err, ResourceGraph::build(nodes, reversed).unwrap_err());
    assert_eq!(
        err,
        GraphError::UnknownNode {
            from: a("vpc.main"),
            to: a("subnet.aa"),
            origin: origin(2)
        }
    );
    assert_eq!(
        err.to_config_error().code,
        "strata::config::unknown_resource"
    );
}

#[test]
fn duplicate_edges_keep_the_first_origin() {
    let g = ResourceGraph::build(
        [a("vpc.main"), a("subnet.a")],
        [
            Edge {
                from: a("subnet.a"),
                to: a("vpc.main"),
                origin: origin(1),
            },
            Edge {
                from: a("subnet.a"),
                to: a("vpc.main"),
                origin: origin(2),
            },
        ],
    )
    .unwrap();
    assert_eq!(g.edge_count(), 1);
    assert_eq!(
        g.edge_origin(&a("subnet.a"), &a("vpc.main")),
        origin(1).as_ref()
    );
}

#[test]
fn empty_graph_is_empty() {
    let g = ResourceGraph::build([], []).unwrap();
    assert!(g.is_empty());
    assert_eq!(g.len(), 0);
    assert!(g.topo_order().is_empty());
    assert!(g.levels().is_empty());
    assert_eq!(g.critical_path(|_| 1).total, 0);
    assert_eq!(
        g.to_dot(),
        "digraph strata {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", style=filled];\n}\n"
    );
    assert_eq!(g.to_mermaid(), "flowchart LR\n");
}
