//! The text renderer: a Terraform-like plan for terminals and CI logs.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use super::attr_diff::{self, AttrLine, AttrValue, DiffLine, Marker};
use super::summary::{self, Outcome};
use super::RenderOptions;
use crate::plan::model::{Action, OutputChange, Plan, ResourceChange};
use std::fmt::Write as _;

/// Column where resource attribute markers start; names start two columns later.
const ATTR_INDENT: usize = 6;

/// Plain ANSI colours, so that no terminal library is needed.
#[derive(Debug, Clone, Copy)]
enum Colour {
    Green,
    Yellow,
    Magenta,
    Red,
    Cyan,
}

impl Colour {
    fn code(self) -> &'static str {
        match self {
            Colour::Green => "\x1b[32m",
            Colour::Yellow => "\x1b[33m",
            Colour::Magenta => "\x1b[35m",
            Colour::Red => "\x1b[31m",
            Colour::Cyan => "\x1b[36m",
        }
    }
}

const RESET: &str = "\x1b[0m";

/// Writes the plan, colouring only when asked.
struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, text: &str, colour: Option<Colour>) -> String {
        match colour {
            Some(c) if self.color && !text.is_empty() => format!("{}{text}{RESET}", c.code()),
            _ => text.to_string(),
        }
    }
}

fn action_colour(action: Action) -> Option<Colour> {
    match action {
        Action::Create => Some(Colour::Green),
        Action::Update => Some(Colour::Yellow),
        Action::Replace => Some(Colour::Magenta),
        Action::Delete => Some(Colour::Red),
        Action::Read => Some(Colour::Cyan),
        Action::NoOp => None,
    }
}

fn marker_colour(marker: Marker) -> Colour {
    match marker {
        Marker::Added => Colour::Green,
        Marker::Changed => Colour::Yellow,
        Marker::Removed => Colour::Red,
    }
}

/// Render a plan as text.
pub(crate) fn render(plan: &Plan, opts: &RenderOptions) -> String {
    let painter = Painter { color: opts.color };
    let mut out = String::new();
    write_header(&mut out, plan);
    write_drift(&mut out, plan, &painter);

    for change in summary::listed_resources(plan) {
        out.push('\n');
        write_resource(&mut out, change, &painter);
    }

    let outputs: Vec<&OutputChange> = plan
        .output_changes
        .iter()
        .filter(|o| o.action != Action::NoOp)
        .collect();
    if !outputs.is_empty() {
        out.push_str("\nOutputs:\n");
        write_outputs(&mut out, &outputs, &painter);
    }

    out.push('\n');
    out.push_str(&final_line(plan));
    out.push('\n');
    out.push_str(&super::cost::text(plan));
    out
}

fn write_header(out: &mut String, plan: &Plan) {
    let _ = write!(out, "Deployment {}: stack {}", plan.deployment, plan.stack);
    if let Some(tier) = &plan.tier {
        let _ = write!(out, ", tier {tier}");
    }
    out.push('\n');
    if !plan.refreshed {
        let _ = writeln!(out, "Note: {}", summary::NOT_REFRESHED);
    }
}

fn final_line(plan: &Plan) -> String {
    let line = match summary::outcome(plan) {
        Outcome::Changes(counts) => format!("Plan: {counts}"),
        Outcome::OutputsOnly(n) => {
            format!("No changes to resources. {}", summary::outputs_sentence(n))
        }
        Outcome::Nothing => format!("No changes. {}", summary::NO_CHANGES),
    };
    match summary::drift_sentence(plan) {
        Some(drift) => format!("{drift}\n{line}"),
        None => line,
    }
}

/// The resources that changed in the account since strata recorded them, before the plan.
fn write_drift(out: &mut String, plan: &Plan, painter: &Painter) {
    let drifted: Vec<&ResourceChange> = plan
        .resource_changes
        .iter()
        .filter(|c| c.drift.is_some())
        .collect();
    if drifted.is_empty() {
        return;
    }
    out.push_str("\nChanged outside strata (the live account differs from the recorded state):\n");
    for change in drifted {
        let Some(drift) = &change.drift else { continue };
        if drift.deleted {
            let _ = writeln!(
                out,
                "  {} {} (deleted outside strata)",
                painter.paint("-", Some(Colour::Red)),
                change.address
            );
            continue;
        }
        let _ = writeln!(
            out,
            "  {} {}",
            painter.paint("~", Some(Colour::Yellow)),
            change.address
        );
        let as_change = ResourceChange {
            changes: drift.changes.clone(),
            ..change.clone()
        };
        let lines = attr_diff::attr_lines(&as_change);
        let width = attr_diff::name_width(&lines);
        for line in &lines {
            write_attr(out, line, width, true, painter);
        }
    }
}

fn write_resource(out: &mut String, change: &ResourceChange, painter: &Painter) {
    // Symbols are right-aligned so that addresses line up whatever the action.
    let symbol = change.action.symbol();
    let _ = write!(
        out,
        "{:>pad$}{} {}",
        "",
        painter.paint(symbol, action_colour(change.action)),
        change.address,
        pad = 3usize.saturating_sub(symbol.chars().count())
    );
    if let Some(note) = summary::action_note(change) {
        let _ = write!(out, " ({note})");
    }
    if let Some(reason) = &change.reason {
        let _ = write!(out, "  # {}", one_line(reason));
    }
    out.push('\n');

    // Creations and deletions concern every attribute alike, so markers would only add noise.
    let show_markers = !matches!(change.action, Action::Create | Action::Delete);
    let lines = attr_diff::attr_lines(change);
    let width = attr_diff::name_width(&lines);
    for line in &lines {
        write_attr(out, line, width, show_markers, painter);
    }
}

fn write_attr(out: &mut String, line: &AttrLine, width: usize, markers: bool, painter: &Painter) {
    let indent = " ".repeat(ATTR_INDENT);
    let marker = if markers {
        painter.paint(line.marker.symbol(), Some(marker_colour(line.marker)))
    } else {
        " ".to_string()
    };
    let name = format!("{:<width$}", line.name);
    let suffix = if line.forces_replace {
        " # forces replacement"
    } else {
        ""
    };
    match &line.value {
        AttrValue::Inline(value) => {
            let _ = writeln!(out, "{indent}{marker} {name} = {value}{suffix}");
        }
        AttrValue::Lines { open, diff, close } => {
            let _ = writeln!(out, "{indent}{marker} {name} = {open}{suffix}");
            for diff_line in diff {
                write_diff_line(out, diff_line, markers, painter);
            }
            let _ = writeln!(out, "{indent}  {close}");
        }
    }
}

fn write_diff_line(out: &mut String, line: &DiffLine, markers: bool, painter: &Painter) {
    let indent = " ".repeat(ATTR_INDENT + 4);
    let text = match line {
        DiffLine::Same(s) => format!("  {s}"),
        DiffLine::Hidden(n) => format!("  {}", attr_diff::hidden_note(*n)),
        DiffLine::Removed(s) if markers => painter.paint(&format!("- {s}"), Some(Colour::Red)),
        DiffLine::Added(s) if markers => painter.paint(&format!("+ {s}"), Some(Colour::Green)),
        DiffLine::Removed(s) | DiffLine::Added(s) => format!("  {s}"),
    };
    let _ = writeln!(out, "{}", format!("{indent}{text}").trim_end());
}

fn write_outputs(out: &mut String, outputs: &[&OutputChange], painter: &Painter) {
    let width = outputs
        .iter()
        .map(|o| o.name.chars().count())
        .max()
        .unwrap_or(0);
    for output in outputs {
        let (symbol, colour) = match output.action {
            Action::Create => ("+", Colour::Green),
            Action::Delete => ("-", Colour::Red),
            _ => ("~", Colour::Yellow),
        };
        let _ = writeln!(
            out,
            "  {} {:<width$} = {}",
            painter.paint(symbol, Some(colour)),
            output.name,
            attr_diff::output_value(output)
        );
    }
}

/// Reasons are free text; keep them on the resource's line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
