//! The Markdown renderer, for pull-request comments.
//!
//! Layout: the summary in bold, the deployment, a table of changes, the outputs and then one
//! collapsed `<details>` block per changed resource. GitHub refuses comments longer than
//! 65,535 characters, so the renderer fills a character budget section by section and, when
//! something does not fit, stops before it and says so. Sections are whole, so a cut never falls
//! inside a code block or a `<details>` element.
#![allow(
    clippy::let_underscore_must_use,
    reason = "every `write!` here goes into a String, which cannot fail"
)]

use super::attr_diff::{self, AttrLine, AttrValue, DiffLine};
use super::summary::{self, Outcome};
use crate::plan::model::{Action, OutputChange, Plan, ResourceChange};
use std::fmt::Write as _;

/// Where the full plan can be found when the comment is cut.
const FULL_PLAN_HINT: &str = "The full plan: `strata plan --output json`.";

/// Render a plan as Markdown of at most `limit` characters.
pub(crate) fn render(plan: &Plan, limit: usize) -> String {
    let sections = Sections::of(plan);
    let full = sections.assemble(&Cut::none(&sections));
    if full.chars().count() <= limit {
        return full;
    }
    let reserved = chars(&sections.truncation_note(&Cut::worst(&sections)));
    let cut = sections.fit(limit.saturating_sub(reserved));
    let text = sections.assemble(&cut);
    // Only a limit too small for the summary itself gets here; a hard cut is all that is left.
    if chars(&text) > limit {
        return text.chars().take(limit).collect();
    }
    text
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The parts of the comment, each rendered whole.
struct Sections {
    /// Summary, deployment and refresh note.
    head: String,
    /// Table header lines.
    table_head: String,
    /// One table row per listed resource.
    rows: Vec<String>,
    /// The outputs block, when outputs change.
    outputs: Option<String>,
    /// One `<details>` block per changed resource with attribute lines.
    details: Vec<String>,
    /// The cost section, never cut: it is what a reviewer looks for first.
    cost: String,
}

/// How much of each section is kept.
struct Cut {
    rows: usize,
    outputs: bool,
    details: usize,
}

impl Cut {
    fn none(s: &Sections) -> Cut {
        Cut {
            rows: s.rows.len(),
            outputs: s.outputs.is_some(),
            details: s.details.len(),
        }
    }

    /// The cut with the longest truncation note: every count at its largest.
    fn worst(s: &Sections) -> Cut {
        Cut {
            rows: s.rows.len().saturating_sub(1),
            outputs: false,
            details: s.details.len(),
        }
    }
}

impl Sections {
    fn of(plan: &Plan) -> Sections {
        let listed = summary::listed_resources(plan);
        let rows = listed.iter().map(|rc| table_row(rc)).collect();
        let details = listed
            .iter()
            .filter(|rc| rc.action.is_change())
            .filter_map(|rc| details_block(rc))
            .collect();
        let changed_outputs: Vec<&OutputChange> = plan
            .output_changes
            .iter()
            .filter(|o| o.action != Action::NoOp)
            .collect();
        Sections {
            head: head(plan),
            table_head: "| | Resource | Kind | Details |\n|---|---|---|---|\n".to_string(),
            rows,
            outputs: (!changed_outputs.is_empty()).then(|| outputs_block(&changed_outputs)),
            details,
            cost: super::cost::markdown(plan),
        }
    }

    /// Keep as much as fits in `budget` characters, in reading order, stopping at the first
    /// section that does not fit.
    fn fit(&self, budget: usize) -> Cut {
        let mut used = chars(&self.head) + chars(&self.cost);
        let mut cut = Cut {
            rows: 0,
            outputs: false,
            details: 0,
        };
        if !self.rows.is_empty() {
            used += 1 + chars(&self.table_head);
            for row in &self.rows {
                let next = used + chars(row);
                if next > budget {
                    return cut;
                }
                used = next;
                cut.rows += 1;
            }
        }
        if let Some(outputs) = &self.outputs {
            let next = used + 1 + chars(outputs);
            if next > budget {
                return cut;
            }
            used = next;
            cut.outputs = true;
        }
        for block in &self.details {
            let next = used + 1 + chars(block);
            if next > budget {
                return cut;
            }
            used = next;
            cut.details += 1;
        }
        cut
    }

    fn is_complete(&self, cut: &Cut) -> bool {
        cut.rows == self.rows.len()
            && cut.outputs == self.outputs.is_some()
            && cut.details == self.details.len()
    }

    fn assemble(&self, cut: &Cut) -> String {
        let mut out = self.head.clone();
        if cut.rows > 0 {
            out.push('\n');
            out.push_str(&self.table_head);
            for row in &self.rows[..cut.rows] {
                out.push_str(row);
            }
        }
        if cut.outputs {
            if let Some(outputs) = &self.outputs {
                out.push('\n');
                out.push_str(outputs);
            }
        }
        for block in &self.details[..cut.details] {
            out.push('\n');
            out.push_str(block);
        }
        if !self.is_complete(cut) {
            out.push_str(&self.truncation_note(cut));
        }
        out.push_str(&self.cost);
        out
    }

    /// The note appended to a cut comment, with its leading blank line.
    fn truncation_note(&self, cut: &Cut) -> String {
        let mut parts = Vec::new();
        if cut.rows < self.rows.len() {
            parts.push(format!(
                "{} of {} resources listed",
                cut.rows,
                self.rows.len()
            ));
        }
        parts.push(format!(
            "{} of {} resources shown in detail",
            cut.details,
            self.details.len()
        ));
        if self.outputs.is_some() && !cut.outputs {
            parts.push("outputs not shown".to_string());
        }
        format!(
            "\n> Output truncated: {}. {FULL_PLAN_HINT}\n",
            parts.join(", ")
        )
    }
}

fn head(plan: &Plan) -> String {
    let mut out = match summary::outcome(plan) {
        Outcome::Changes(counts) => format!("**Plan:** {counts}\n"),
        Outcome::OutputsOnly(n) => format!(
            "**No changes to resources.** {}\n",
            summary::outputs_sentence(n)
        ),
        Outcome::Nothing => format!("**No changes.** {}\n", summary::NO_CHANGES),
    };
    let _ = write!(
        out,
        "\nDeployment {}, stack {}",
        code(&plan.deployment),
        code(&plan.stack)
    );
    if let Some(tier) = &plan.tier {
        let _ = write!(out, ", tier {}", code(tier));
    }
    out.push_str(".\n");
    if !plan.refreshed {
        let _ = writeln!(out, "\n> **Note:** {}", summary::NOT_REFRESHED);
    }
    if let Some(drift) = summary::drift_sentence(plan) {
        let _ = writeln!(out, "\n**{drift}**\n");
        let drifted: Vec<_> = plan
            .resource_changes
            .iter()
            .filter_map(|c| c.drift.as_ref().map(|d| (c, d)))
            .collect();
        // The head is never cut, so the list is bounded here.
        for (change, drift) in drifted.iter().take(DRIFT_LISTED) {
            if drift.deleted {
                let _ = writeln!(
                    out,
                    "- {}: deleted outside strata",
                    code(&change.address.to_string())
                );
            } else {
                let names: Vec<String> = drift.changes.iter().map(|c| code(&c.name)).collect();
                let _ = writeln!(
                    out,
                    "- {}: {}",
                    code(&change.address.to_string()),
                    names.join(", ")
                );
            }
        }
        if drifted.len() > DRIFT_LISTED {
            let _ = writeln!(out, "- … and {} more", drifted.len() - DRIFT_LISTED);
        }
    }
    out
}

/// Drifted resources listed by name in the comment's head.
const DRIFT_LISTED: usize = 50;

fn table_row(change: &ResourceChange) -> String {
    let mut details: Vec<String> = summary::action_note(change).into_iter().collect();
    details.extend(change.reason.clone());
    format!(
        "| {} | {} | {} | {} |\n",
        code(change.action.symbol()),
        code(&change.address.to_string()),
        cell(&change.kind),
        cell(&details.join("; "))
    )
}

fn outputs_block(outputs: &[&OutputChange]) -> String {
    let width = outputs
        .iter()
        .map(|o| o.name.chars().count())
        .max()
        .unwrap_or(0);
    let body: String = outputs
        .iter()
        .map(|o| {
            let symbol = match o.action {
                Action::Create => "+",
                Action::Delete => "-",
                _ => "~",
            };
            format!(
                "{symbol} {:<width$} = {}\n",
                o.name,
                attr_diff::output_value(o)
            )
        })
        .collect();
    details_element("Outputs", &body)
}

fn details_block(change: &ResourceChange) -> Option<String> {
    let lines = attr_diff::attr_lines(change);
    if lines.is_empty() {
        return None;
    }
    let width = attr_diff::name_width(&lines);
    let body: String = lines.iter().map(|l| attr_text(l, width)).collect();
    let summary = format!(
        "<code>{} {}</code>",
        html(change.action.symbol()),
        html(&change.address.to_string())
    );
    Some(details_element(&summary, &body))
}

/// A collapsed element holding a `diff` code block; `summary` is already HTML.
fn details_element(summary: &str, body: &str) -> String {
    let fence = fence_for(body);
    format!("<details><summary>{summary}</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n")
}

/// The lines of one attribute. Markers sit in the first column so that GitHub colours them.
fn attr_text(line: &AttrLine, width: usize) -> String {
    let marker = line.marker.symbol();
    let suffix = if line.forces_replace {
        " # forces replacement"
    } else {
        ""
    };
    let name = format!("{:<width$}", line.name);
    match &line.value {
        AttrValue::Inline(value) => format!("{marker} {name} = {value}{suffix}\n"),
        AttrValue::Lines { open, diff, close } => {
            let mut out = format!("{marker} {name} = {open}{suffix}\n");
            for diff_line in diff {
                let text = match diff_line {
                    DiffLine::Same(s) => format!("      {s}"),
                    DiffLine::Hidden(n) => format!("      {}", attr_diff::hidden_note(*n)),
                    DiffLine::Removed(s) => format!("-     {s}"),
                    DiffLine::Added(s) => format!("+     {s}"),
                };
                out.push_str(text.trim_end());
                out.push('\n');
            }
            out.push_str(&format!("  {close}\n"));
            out
        }
    }
}

/// A code fence longer than any run of backticks in the body, so the body cannot close it.
fn fence_for(body: &str) -> String {
    let longest_run = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest_run.max(2) + 1)
}

/// Inline code that is safe in a table cell and in running text.
fn code(text: &str) -> String {
    if text.contains(['`', '|', '\n', '\r']) {
        format!("<code>{}</code>", html(text).replace('|', "&#124;"))
    } else {
        format!("`{text}`")
    }
}

/// Plain text that is safe in a table cell.
fn cell(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    html(&one_line).replace('|', "\\|")
}

/// Escape text for HTML, and backticks so Markdown cannot open a code span.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '`' => out.push_str("&#96;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_backticks_in_the_body() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("a ``` b"), "````");
    }

    #[test]
    fn table_text_cannot_break_the_table() {
        assert_eq!(cell("a|b <c>"), "a\\|b &lt;c&gt;");
        assert_eq!(code("a`b|c"), "<code>a&#96;b&#124;c</code>");
        assert_eq!(code("<="), "`<=`");
    }
}
