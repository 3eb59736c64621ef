//! The synthetic stack generator: deterministic, exact in size and depth, and every reference
//! names a declared resource of a fitting kind.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use strata::config::expr::{parse_string, Expr, RefTarget};
use strata::config::{FileId, Origin};
use strata::graph::{Edge, ResourceGraph};
use strata::synth::{generate, SynthSpec, SynthStack};
use strata::Address;
use toml_span::value::{Value, ValueInner};

/// What a generated stack declares, read back from its TOML.
struct Declared {
    /// Every resource with, per attribute, the resources it references.
    refs: BTreeMap<Address, BTreeMap<String, Vec<Address>>>,
    /// Every resource's `depends_on` entries.
    depends_on: BTreeMap<Address, Vec<Address>>,
    /// Variables referenced anywhere in resources.
    vars_used: BTreeSet<String>,
    /// `[vars]` keys.
    vars: BTreeSet<String>,
    /// Output references.
    output_refs: Vec<Address>,
    /// `stack.description`.
    description: String,
}

fn refs_in(value: &Value<'_>, out: &mut Vec<Address>, vars: &mut BTreeSet<String>) {
    match value.as_ref() {
        ValueInner::String(s) => {
            let whole = Origin::new(FileId(0), 0..0);
            let kind = parse_string(s, FileId(0), None, whole.clone()).expect("expression parses");
            Expr {
                kind,
                origin: whole,
            }
            .visit_refs(&mut |r| match &r.target {
                RefTarget::Resource { address, .. } => out.push(address.clone()),
                RefTarget::Var(name) => {
                    vars.insert(name.clone());
                }
                RefTarget::Context { .. } => {}
            });
        }
        ValueInner::Array(items) => items.iter().for_each(|i| refs_in(i, out, vars)),
        ValueInner::Table(t) => t.values().for_each(|v| refs_in(v, out, vars)),
        _ => {}
    }
}

fn table<'a, 'de>(v: &'a Value<'de>) -> &'a toml_span::value::Table<'de> {
    v.as_table().expect("a table")
}

fn read_back(stack: &SynthStack) -> Declared {
    let root = toml_span::parse(&stack.stack_toml).expect("stack TOML parses");
    let root = table(&root);
    let mut declared = Declared {
        refs: BTreeMap::new(),
        depends_on: BTreeMap::new(),
        vars_used: BTreeSet::new(),
        vars: table(&root["vars"])
            .keys()
            .map(|k| k.name.to_string())
            .collect(),
        output_refs: Vec::new(),
        description: root["stack"]
            .pointer("/description")
            .and_then(Value::as_str)
            .unwrap()
            .into(),
    };
    if let Some(resources) = root.get("resource") {
        for (kind, by_name) in table(resources) {
            for (name, body) in table(by_name) {
                let address = Address::new(kind.name.as_ref(), name.name.as_ref());
                let mut attrs = BTreeMap::new();
                for (key, value) in table(body) {
                    if key.name == "depends_on" {
                        let deps = value
                            .as_array()
                            .expect("depends_on is a list")
                            .iter()
                            .map(|d| d.as_str().unwrap().parse::<Address>().unwrap())
                            .collect();
                        declared.depends_on.insert(address.clone(), deps);
                    } else {
                        let mut found = Vec::new();
                        refs_in(value, &mut found, &mut declared.vars_used);
                        attrs.insert(key.name.to_string(), found);
                    }
                }
                assert!(declared.refs.insert(address, attrs).is_none());
            }
        }
    }
    if let Some(outputs) = root.get("output") {
        refs_in(outputs, &mut declared.output_refs, &mut BTreeSet::new());
    }
    declared
}

/// Check everything the generator promises; returns the graph for further checks.
fn check(spec: SynthSpec) -> ResourceGraph {
    let stack = generate(&spec);
    let declared = read_back(&stack);
    let expected_depth = if spec.resources == 0 {
        0
    } else {
        spec.depth.clamp(1, spec.resources)
    };

    assert_eq!(stack.resources, spec.resources);
    assert_eq!(declared.refs.len(), spec.resources);
    assert_eq!(stack.depth, expected_depth);
    assert_eq!(
        declared.description,
        format!(
            "generated: {} resources, depth {}, seed {}",
            spec.resources, expected_depth, spec.seed
        )
    );

    // Names are unique across kinds.
    let names: BTreeSet<&str> = declared.refs.keys().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), declared.refs.len());

    // Every reference and depends_on names a declared resource, of a kind that fits.
    let is_declared = |a: &Address| declared.refs.contains_key(a);
    let mut edges = Vec::new();
    for (address, attrs) in &declared.refs {
        for (attr, targets) in attrs {
            for t in targets {
                assert!(is_declared(t), "{address}.{attr} references undeclared {t}");
                let fits = match attr.as_str() {
                    "vpc_id" => "vpc",
                    "subnet_id" => "subnet",
                    "vpc_security_group_ids" => "security_group",
                    other => panic!("{address}.{other} should not reference {t}"),
                };
                assert_eq!(t.kind, fits, "{address}.{attr}");
                edges.push(Edge::new(address.clone(), t.clone()));
            }
        }
        for d in declared.depends_on.get(address).into_iter().flatten() {
            assert!(is_declared(d), "{address} depends_on undeclared {d}");
            edges.push(Edge::new(address.clone(), d.clone()));
        }
    }
    for t in &declared.output_refs {
        assert!(is_declared(t), "output references undeclared {t}");
    }
    assert!(declared.vars_used.is_subset(&declared.vars));

    // No dependency is written twice, so the edge count is the number of entries.
    let distinct: BTreeSet<(Address, Address)> = edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone()))
        .collect();
    assert_eq!(distinct.len(), edges.len());
    assert_eq!(stack.edges, edges.len());

    let graph = ResourceGraph::build(declared.refs.keys().cloned(), edges).expect("a DAG");
    assert_eq!(graph.levels().len(), expected_depth);
    assert_eq!(graph.critical_path(|_| 1).total as usize, expected_depth);
    for (level, members) in graph.levels().iter().enumerate() {
        for a in members {
            let deps = graph.dependencies(a).len();
            if level == 0 {
                assert!(a.kind == "vpc" || a.kind == "iam_role", "{a} at level 0");
                assert_eq!(deps, 0);
            } else {
                assert!(
                    ["subnet", "security_group", "instance"].contains(&a.kind.as_str()),
                    "{a} at level {level}"
                );
                assert!((1..=3).contains(&deps), "{a} has {deps} dependencies");
            }
        }
    }
    graph
}

#[test]
fn benchmark_sized_stack_is_exact() {
    let graph = check(SynthSpec {
        resources: 1000,
        depth: 8,
        seed: 1,
    });
    let kinds: BTreeSet<&str> = graph.nodes().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["iam_role", "instance", "security_group", "subnet", "vpc"])
    );
}

#[test]
fn same_seed_same_text_other_seed_other_text() {
    let spec = SynthSpec {
        resources: 300,
        depth: 6,
        seed: 42,
    };
    assert_eq!(generate(&spec), generate(&spec));
    let other = generate(&SynthSpec { seed: 43, ..spec });
    assert_ne!(generate(&spec).stack_toml, other.stack_toml);
}

#[test]
fn output_names_the_first_instance() {
    let stack = generate(&SynthSpec {
        resources: 50,
        depth: 4,
        seed: 7,
    });
    let declared = read_back(&stack);
    let first_instance = declared
        .refs
        .keys()
        .filter(|a| a.kind == "instance")
        .min_by_key(|a| a.name[1..].parse::<usize>().unwrap());
    let first_instance = first_instance.expect("50 resources over 4 levels include an instance");
    assert!(stack.stack_toml.contains(&format!(
        "first_instance_ip = \"${{{first_instance}.public_ip}}\""
    )));
}

#[test]
fn tier_overrides_the_instance_type() {
    let stack = generate(&SynthSpec {
        resources: 10,
        depth: 3,
        seed: 0,
    });
    let tier = toml_span::parse(&stack.tier_toml).expect("tier TOML parses");
    assert_eq!(
        tier.pointer("/tier/name").and_then(Value::as_str),
        Some("bench")
    );
    assert_eq!(
        tier.pointer("/tier/stack").and_then(Value::as_str),
        Some("synth")
    );
    assert_eq!(
        tier.pointer("/vars/instance_type").and_then(Value::as_str),
        Some("t3.small")
    );
}

#[test]
fn small_and_degenerate_sizes() {
    check(SynthSpec {
        resources: 0,
        depth: 3,
        seed: 1,
    });
    check(SynthSpec {
        resources: 1,
        depth: 1,
        seed: 1,
    });
    check(SynthSpec {
        resources: 3,
        depth: 10,
        seed: 1,
    });
    check(SynthSpec {
        resources: 5,
        depth: 0,
        seed: 1,
    });
    check(SynthSpec {
        resources: 2,
        depth: 2,
        seed: u64::MAX,
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn every_spec_keeps_its_promises(resources in 0usize..150, depth in 0usize..14, seed in any::<u64>()) {
        check(SynthSpec { resources, depth, seed });
    }
}
