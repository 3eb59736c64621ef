//! The text form of `strata show`: a head of key facts, then one section per kind of detail.
//! Empty sections are left out, except resources, whose absence is itself worth saying.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use super::list::{cost_text, or_unknown, status_style};
use super::show::ShowView;
use super::table::Table;
use super::ui::Ui;
use std::fmt::Write as _;

/// Render the view for a terminal.
pub fn render(ui: &Ui, view: &ShowView<'_>) -> String {
    let s = &view.summary;
    let mut out = format!(
        "{}  {}\n",
        ui.paint("1", &s.name),
        ui.paint(status_style(s.status), s.status.as_str())
    );
    let mut facts: Vec<(&str, String)> = vec![
        ("stack", or_unknown(s.stack.as_deref())),
        ("tier", or_unknown(s.tier.as_deref())),
        ("region", or_unknown(s.region.as_deref())),
        ("created", or_unknown(s.created.as_deref())),
        (
            "cost",
            match s.monthly_cost {
                Some(_) => format!(
                    "{} a month (estimated from the recorded resources at default usage; `strata cost` breaks it down)",
                    cost_text(s.monthly_cost)
                ),
                None => format!(
                    "{} (no estimate: nothing recorded, or a region the price catalog does not cover)",
                    cost_text(None)
                ),
            },
        ),
    ];
    if let Some(at) = &s.destroyed_at {
        facts.push(("destroyed", at.clone()));
    }
    if let Some(h) = view.lock_holder {
        facts.push(("lock", format!("held by {h}")));
    }
    if view.pending_intents > 0 {
        facts.push((
            "journal",
            format!(
                "{} call(s) of an interrupted run not settled: the next apply or destroy finishes them",
                view.pending_intents
            ),
        ));
    }
    if let Some(path) = &view.archive {
        facts.push(("archive", path.clone()));
    }
    for (key, value) in facts {
        let _ = writeln!(out, "  {key:<9} {value}");
    }

    if view.resources.is_empty() {
        out.push_str("\nResources: none recorded\n");
    } else {
        let _ = writeln!(out, "\nResources ({}):", view.resources.len());
        let mut table = Table::new(&["ADDRESS", "KIND", "ID", "PROVENANCE", "ARN"]);
        for r in &view.resources {
            table.row(vec![
                r.address.clone(),
                r.kind.to_string(),
                or_unknown(r.id),
                r.provenance.to_string(),
                r.arn.unwrap_or("").to_string(),
            ]);
        }
        out.push_str(&table.render("  ", |_, cell| cell.to_string()));
    }

    if !view.outputs.is_empty() {
        out.push_str("\nOutputs:\n");
        let width = view.outputs.keys().map(|k| k.len()).max().unwrap_or(0);
        for (name, o) in &view.outputs {
            let _ = writeln!(out, "  {name:<width$} = {}", o.text);
        }
    }
    if !view.endpoints.is_empty() {
        out.push_str("\nEndpoints:\n");
        let width = view.endpoints.keys().map(|k| k.len()).max().unwrap_or(0);
        for (name, url) in &view.endpoints {
            let _ = writeln!(out, "  {name:<width$}  {url}");
        }
    }
    if let Some(ssh) = &view.ssh_command {
        let _ = writeln!(out, "\nSSH:\n  {ssh}");
    }
    if !view.runs.is_empty() {
        out.push_str("\nLast runs (newest first):\n");
        let mut table = Table::new(&["ENDED", "COMMAND", "OUTCOME"]);
        for r in &view.runs {
            table.row(vec![
                r.at.to_string(),
                r.command.to_string(),
                r.outcome.to_string(),
            ]);
        }
        out.push_str(&table.render("  ", |_, cell| cell.to_string()));
    }
    out
}
