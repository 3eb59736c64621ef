//! Plan renderers: text, Markdown and JSON.
//!
//! All three are pure functions of the plan, so the same plan renders byte-identical output.
//! Sensitive values show as `(sensitive)` in text and Markdown; JSON keeps only their digest.

mod attr_diff;
pub mod cost;
mod json;
mod markdown;
mod summary;
mod text;

use crate::plan::model::Plan;

/// GitHub's limit on the length of a pull-request comment, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_535;

/// Options for the text renderer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour symbols and diff lines with ANSI escape codes.
    pub color: bool,
}

/// Render a plan as Terraform-like text for terminals and CI logs.
pub fn render_text(plan: &Plan, opts: &RenderOptions) -> String {
    text::render(plan, opts)
}

/// Render a plan as Markdown for a pull-request comment, within [`GITHUB_COMMENT_LIMIT`].
pub fn render_markdown(plan: &Plan) -> String {
    render_markdown_limited(plan, GITHUB_COMMENT_LIMIT)
}

/// Render a plan as Markdown of at most `limit` characters, cutting whole sections and noting
/// the cut when the plan does not fit.
pub fn render_markdown_limited(plan: &Plan, limit: usize) -> String {
    markdown::render(plan, limit)
}

/// Render a plan as pretty JSON (the documented `format_version` schema), with a trailing newline.
pub fn render_json(plan: &Plan) -> String {
    json::render(plan)
}

/// A copy of the plan with every value flagged sensitive redacted (defence in depth for writers).
pub fn redact_sensitive(plan: &Plan) -> Plan {
    json::redact_sensitive(plan)
}
