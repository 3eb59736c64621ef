//! Pictures of the graph: Graphviz DOT and Mermaid. Arrows run from a dependency to its
//! dependents, so the picture reads left to right in creation order.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use super::ResourceGraph;
use crate::address::Address;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// How a kind is drawn.
struct KindStyle {
    /// Graphviz node shape.
    shape: &'static str,
    /// Fill colour, `#rrggbb`.
    fill: &'static str,
}

/// Styles for the kinds people look for first; other kinds get one picked from their name.
const KNOWN_KINDS: &[(&str, KindStyle)] = &[
    (
        "vpc",
        KindStyle {
            shape: "folder",
            fill: "#cfe2f3",
        },
    ),
    (
        "subnet",
        KindStyle {
            shape: "tab",
            fill: "#d9ead3",
        },
    ),
    (
        "security_group",
        KindStyle {
            shape: "octagon",
            fill: "#f4cccc",
        },
    ),
    (
        "instance",
        KindStyle {
            shape: "box3d",
            fill: "#fff2cc",
        },
    ),
    (
        "iam_role",
        KindStyle {
            shape: "note",
            fill: "#d9d2e9",
        },
    ),
];

const FALLBACK_SHAPES: &[&str] = &[
    "box",
    "ellipse",
    "hexagon",
    "component",
    "cylinder",
    "house",
];
const FALLBACK_FILLS: &[&str] = &[
    "#fce5cd", "#d0e0e3", "#ead1dc", "#c9daf8", "#e6e6e6", "#d9ead3", "#fff2cc",
];

/// The style of a kind. Fallbacks come from an FNV-1a hash of the name, which (unlike the
/// standard hasher) is fixed across Rust versions, so pictures stay byte-for-byte stable.
fn style_of(kind: &str) -> KindStyle {
    if let Some((_, style)) = KNOWN_KINDS.iter().find(|(k, _)| *k == kind) {
        return KindStyle {
            shape: style.shape,
            fill: style.fill,
        };
    }
    let hash = kind.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    KindStyle {
        shape: FALLBACK_SHAPES[(hash % FALLBACK_SHAPES.len() as u64) as usize],
        fill: FALLBACK_FILLS[((hash >> 16) % FALLBACK_FILLS.len() as u64) as usize],
    }
}

/// A DOT double-quoted string.
fn dot_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Mermaid identifiers for `names`, in the same order: every character outside
/// `[A-Za-z0-9_]` becomes `_`, and a numeric suffix keeps two names that sanitise alike apart.
fn mermaid_ids<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut used = BTreeSet::new();
    let mut ids = Vec::new();
    for name in names {
        let base: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut id = base.clone();
        let mut n = 2;
        while used.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        used.insert(id.clone());
        ids.push(id);
    }
    ids
}

/// Mermaid label text inside `["..."]`: quotes become entity codes.
fn mermaid_label(s: &str) -> String {
    s.replace('"', "#quot;")
}

impl ResourceGraph {
    /// Edges as (dependency, dependent), sorted: the direction pictures draw them in.
    fn drawn_edges(&self) -> Vec<(Address, Address)> {
        let mut out: Vec<(Address, Address)> =
            self.edges().into_iter().map(|e| (e.to, e.from)).collect();
        out.sort();
        out
    }

    /// Graphviz DOT: one node per resource labelled `kind.name`, shaped and coloured by kind,
    /// and one arrow per dependency from the dependency to its dependent.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph strata {\n  rankdir=LR;\n");
        out.push_str("  node [fontname=\"Helvetica\", style=filled];\n");
        for address in self.nodes() {
            let style = style_of(&address.kind);
            let name = dot_quote(&address.to_string());
            let _ = writeln!(
                out,
                "  {name} [label={name}, shape={}, fillcolor=\"{}\"];",
                style.shape, style.fill
            );
        }
        for (from, to) in self.drawn_edges() {
            let _ = writeln!(
                out,
                "  {} -> {};",
                dot_quote(&from.to_string()),
                dot_quote(&to.to_string())
            );
        }
        out.push_str("}\n");
        out
    }

    /// Mermaid `flowchart LR` (renders in GitHub Markdown): one node per resource, one `-->`
    /// per dependency from the dependency to its dependent, and a class per kind for colour.
    pub fn to_mermaid(&self) -> String {
        let labels: Vec<String> = self.nodes().map(Address::to_string).collect();
        let ids: BTreeMap<&Address, String> = self
            .nodes()
            .zip(mermaid_ids(labels.iter().map(String::as_str)))
            .collect();
        let mut out = String::from("flowchart LR\n");
        let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for ((address, id), label) in ids.iter().zip(&labels) {
            let _ = writeln!(out, "    {id}[\"{}\"]", mermaid_label(label));
            by_kind.entry(&address.kind).or_default().push(id);
        }
        for (from, to) in self.drawn_edges() {
            if let (Some(a), Some(b)) = (ids.get(&from), ids.get(&to)) {
                let _ = writeln!(out, "    {a} --> {b}");
            }
        }
        let classes: Vec<String> = by_kind.keys().map(|k| format!("kind_{k}")).collect();
        let class_ids = mermaid_ids(classes.iter().map(String::as_str));
        for ((kind, members), class) in by_kind.iter().zip(class_ids) {
            let style = style_of(kind);
            let _ = writeln!(
                out,
                "    classDef {class} fill:{},stroke:#333333",
                style.fill
            );
            let _ = writeln!(out, "    class {} {class}", members.join(","));
        }
        out
    }
}
