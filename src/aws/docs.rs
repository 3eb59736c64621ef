//! The Markdown reference of every resource kind (`docs/resource-kinds.md`), generated from the
//! schemas so that it never goes stale.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use crate::provider::{AttrSchema, AttrType, KindSchema, OnChange, Registry};
use std::fmt::Write as _;

/// Render the reference of every kind in the registry, kinds in name order, attributes in
/// schema order.
pub fn kinds_markdown(registry: &Registry) -> String {
    let mut out = String::new();
    out.push_str("# Resource kinds\n\n");
    out.push_str(
        "<!-- Generated from the kind schemas in src/aws; do not edit by hand. \
         Regenerate with: strata schema kinds > docs/resource-kinds.md -->\n\n",
    );
    out.push_str(
        "Each kind is written as `[resource.KIND.NAME]` in a stack. Settable attributes are \
         written there; computed attributes are set by AWS and read through references such as \
         `${vpc.main.id}`. Every attribute also accepts a `${...}` reference. Changing an \
         attribute marked *replace* destroys the resource and creates it again; *update* \
         changes it in place.\n\n",
    );
    out.push_str(
        "Besides its attributes, every resource takes the meta keys `depends_on`, `enabled`, \
         `existing` and `lookup`.\n\n",
    );
    let order = registry.teardown_order();
    let _ = writeln!(
        out,
        "`destroy` deletes resources it has no recorded dependencies for (orphans) kind by \
         kind, a kind before the kinds it refers to: {}.\n",
        order
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for name in registry.names() {
        let _ = writeln!(out, "- [`{name}`](#{name})");
    }
    for name in registry.names() {
        if let Some(schema) = registry.schema(name) {
            out.push('\n');
            write_kind(&mut out, schema);
        }
    }
    out
}

fn write_kind(out: &mut String, schema: &KindSchema) {
    let _ = writeln!(out, "## {}\n", schema.kind);
    let _ = write!(out, "{}.", schema.description);
    if schema.taggable {
        out.push_str(" Taggable: strata adds its own `strata:*` tags to `tags`.");
    }
    if schema.create_before_destroy {
        out.push_str(
            " Replaced create-before-destroy: the new one is made before the old one is deleted.",
        );
    }
    out.push_str("\n\n");
    out.push_str("| Attribute | Type | Set in config | Computed | On change | Description |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for attr in &schema.attrs {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            attr.name,
            attr.ty.describe(),
            settable_cell(attr),
            computed_cell(attr),
            on_change_cell(attr),
            description_cell(attr),
        );
    }
    if !schema.usage.is_empty() {
        let _ = writeln!(
            out,
            "\nUsage for cost estimates (`[usage.{}]`, or `[usage.{}.NAME]` for one resource):\n",
            schema.kind, schema.kind
        );
        out.push_str("| Key | Unit a month | Default | What it measures |\n|---|---|---|---|\n");
        for u in &schema.usage {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                u.name, u.unit, u.default, u.doc
            );
        }
    }
}

fn settable_cell(attr: &AttrSchema) -> &'static str {
    match (attr.required, attr.settable()) {
        (true, _) => "required",
        (false, true) => "optional",
        (false, false) => "no",
    }
}

fn computed_cell(attr: &AttrSchema) -> &'static str {
    match (attr.computed, attr.optional) {
        (true, true) => "when unset",
        (true, false) => "yes",
        (false, _) => "",
    }
}

fn on_change_cell(attr: &AttrSchema) -> &'static str {
    // A computed-only attribute never changes through configuration.
    if !attr.settable() {
        return "";
    }
    match attr.on_change {
        OnChange::Update => "update",
        OnChange::Replace => "**replace**",
    }
}

fn description_cell(attr: &AttrSchema) -> String {
    // A pipe would end the table cell early.
    let mut text = attr.description.replace('|', "\\|");
    if attr.sensitive {
        text.push_str(" (sensitive)");
    }
    if let Some((lo, hi)) = attr.range {
        text.push_str(&format!(" (from {lo} to {hi})"));
    }
    if let Some(keys) = block_keys(&attr.ty) {
        if !text.is_empty() && !text.ends_with('.') {
            text.push('.');
        }
        text.push_str(&format!(" Keys: {keys}."));
    }
    if !attr.refers_to.is_empty() {
        let kinds: Vec<String> = attr.refers_to.iter().map(|k| format!("`{k}`")).collect();
        text.push_str(&format!(" (refers to {})", kinds.join(", ")));
    }
    text
}

/// `` `a` (string, required), `b` (integer) `` for a block or a list of blocks.
fn block_keys(ty: &AttrType) -> Option<String> {
    let fields = match ty {
        AttrType::Block(fields) => fields,
        AttrType::List(inner) => match inner.as_ref() {
            AttrType::Block(fields) => fields,
            _ => return None,
        },
        _ => return None,
    };
    let keys: Vec<String> = fields
        .iter()
        .map(|f| {
            let ty = match &f.ty {
                AttrType::Any => "string or number".to_string(),
                AttrType::Block(_) => format!("block: {}", block_keys(&f.ty).unwrap_or_default()),
                other => other.describe(),
            };
            let required = if f.required { ", required" } else { "" };
            format!("`{}` ({ty}{required})", f.name)
        })
        .collect();
    Some(keys.join(", "))
}
