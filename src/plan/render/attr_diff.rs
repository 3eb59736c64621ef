//! Attribute-level diffs shared by the text and Markdown renderers.
//!
//! Each attribute change becomes an [`AttrLine`]: a marker, the name, and either a one-line value
//! (`old -> new`) or, for long and multi-line strings, a line diff computed with `similar`.

use crate::plan::model::{Action, AttrChange, OutputChange, ResourceChange};
use crate::value::Value;
use similar::{ChangeTag, TextDiff};

/// Strings longer than this (in characters) are diffed line by line rather than shown inline.
pub(crate) const LONG_STRING_CHARS: usize = 80;

/// Unchanged lines kept around each change in a line diff.
const CONTEXT_LINES: usize = 3;

/// What happens to one attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// The attribute gains a value.
    Added,
    /// The attribute's value changes.
    Changed,
    /// The attribute loses its value.
    Removed,
}

impl Marker {
    /// The one-character symbol shown before the attribute name.
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Marker::Added => "+",
            Marker::Changed => "~",
            Marker::Removed => "-",
        }
    }
}

/// One line of a line diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DiffLine {
    /// An unchanged context line.
    Same(String),
    /// A line only in the old value.
    Removed(String),
    /// A line only in the new value.
    Added(String),
    /// This many unchanged lines are not shown.
    Hidden(usize),
}

/// How an attribute's value (or change of value) is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrValue {
    /// On the attribute's own line: `value` or `old -> new`.
    Inline(String),
    /// As a line diff between an opening and a closing line: `<<-EOT` … `EOT` for long
    /// strings, `{` … `}` or `[` … `]` for long tables and lists.
    Lines {
        /// Shown after `=`.
        open: String,
        /// The diff of the lines in between.
        diff: Vec<DiffLine>,
        /// The closing line.
        close: String,
    },
}

/// One attribute of a resource change, ready to be laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AttrLine {
    /// Added, changed or removed.
    pub marker: Marker,
    /// Attribute name.
    pub name: String,
    /// What is shown after `=`.
    pub value: AttrValue,
    /// The change forces replacement of the resource.
    pub forces_replace: bool,
}

/// The attribute lines of one resource change, in the order of `changes`.
pub(crate) fn attr_lines(change: &ResourceChange) -> Vec<AttrLine> {
    change.changes.iter().map(attr_line).collect()
}

fn attr_line(change: &AttrChange) -> AttrLine {
    let marker = match (&change.before, &change.after) {
        (None, Some(_)) => Marker::Added,
        (Some(_), None) => Marker::Removed,
        _ => Marker::Changed,
    };
    let value = if let Some((old, new)) = long_strings(change) {
        AttrValue::Lines {
            open: "<<-EOT".into(),
            diff: line_diff(old, new),
            close: "EOT".into(),
        }
    } else if let Some(block) = long_structure(change) {
        block
    } else {
        AttrValue::Inline(inline_value(change, marker))
    };
    AttrLine {
        marker,
        name: change.name.clone(),
        value,
        forces_replace: change.forces_replace,
    }
}

/// The text of an inline value: `new` for additions, `old` for removals, `old -> new` otherwise.
fn inline_value(change: &AttrChange, marker: Marker) -> String {
    let before = display_value(change.before.as_ref(), change.sensitive);
    let after = display_value(change.after.as_ref(), change.sensitive);
    match marker {
        Marker::Added => after,
        Marker::Removed => before,
        Marker::Changed => format!("{before} -> {after}"),
    }
}

/// A value as plans show it. A sensitive attribute shows `(sensitive)` whatever it holds, so
/// that a value wrongly left in clear by an earlier stage still never reaches the output.
pub(crate) fn display_value(value: Option<&Value>, sensitive: bool) -> String {
    match value {
        None => "null".to_string(),
        Some(Value::Unknown) => Value::Unknown.render_inline(),
        Some(_) if sensitive => "(sensitive)".to_string(),
        Some(v) => v.render_inline(),
    }
}

/// The old and new text when the change is best shown as a line diff: non-sensitive strings
/// where either side has a newline, or both sides exist and one is longer than
/// [`LONG_STRING_CHARS`]. A long single-line value that is only added or removed stays inline.
fn long_strings(change: &AttrChange) -> Option<(&str, &str)> {
    if change.sensitive {
        return None;
    }
    let before = string_side(change.before.as_ref())?;
    let after = string_side(change.after.as_ref())?;
    let multi_line = [before, after].iter().flatten().any(|s| s.contains('\n'));
    let long = matches!((before, after), (Some(a), Some(b))
        if a.chars().count() > LONG_STRING_CHARS || b.chars().count() > LONG_STRING_CHARS);
    if multi_line || long {
        Some((before.unwrap_or(""), after.unwrap_or("")))
    } else {
        None
    }
}

/// Long tables and lists (policies, tags, rule lists) as a line diff of their pretty form, so a
/// one-key change shows as one line instead of two long one-line values.
fn long_structure(change: &AttrChange) -> Option<AttrValue> {
    if change.sensitive {
        return None;
    }
    let side = |v: Option<&Value>| -> Option<Option<(char, String)>> {
        match v {
            None => Some(None),
            Some(v @ Value::Map(m)) if !m.is_empty() => Some(Some(('{', v.render_pretty()))),
            Some(v @ Value::List(l)) if !l.is_empty() => Some(Some(('[', v.render_pretty()))),
            Some(_) => None,
        }
    };
    let before = side(change.before.as_ref())?;
    let after = side(change.after.as_ref())?;
    let long = [change.before.as_ref(), change.after.as_ref()]
        .into_iter()
        .flatten()
        .any(|v| v.render_inline().chars().count() > LONG_STRING_CHARS);
    let bracket = match (&before, &after) {
        (Some((a, _)), Some((b, _))) if a != b => return None,
        (Some((a, _)), _) | (None, Some((a, _))) => *a,
        (None, None) => return None,
    };
    if !long {
        return None;
    }
    // Drop the first and last line (the brackets) and indent-strip the inner lines by the
    // two spaces pretty rendering adds.
    let inner = |side: &Option<(char, String)>| -> String {
        let Some((_, text)) = side else {
            return String::new();
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut out = String::new();
        for l in &lines[1..lines.len().saturating_sub(1)] {
            out.push_str(l.strip_prefix("  ").unwrap_or(l));
            out.push('\n');
        }
        out
    };
    let close = if bracket == '{' { "}" } else { "]" };
    Some(AttrValue::Lines {
        open: bracket.to_string(),
        diff: line_diff(&inner(&before), &inner(&after)),
        close: close.to_string(),
    })
}

/// `Some(None)` for an absent side, `Some(Some(text))` for a string, `None` for anything else.
fn string_side(value: Option<&Value>) -> Option<Option<&str>> {
    match value {
        None => Some(None),
        Some(Value::String(s)) => Some(Some(s.as_str())),
        Some(_) => None,
    }
}

/// A line diff of two texts, keeping [`CONTEXT_LINES`] unchanged lines around each change and
/// counting the rest as hidden.
pub(crate) fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let diff = TextDiff::from_lines(old, new);
    let total_old_lines = diff.old_slices().len();
    let mut lines = Vec::new();
    let mut shown_until = 0;
    for group in diff.grouped_ops(CONTEXT_LINES) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        push_hidden(&mut lines, first.old_range().start - shown_until);
        for op in &group {
            for change in diff.iter_changes(op) {
                let text = change.value().trim_end_matches(['\n', '\r']).to_string();
                lines.push(match change.tag() {
                    ChangeTag::Equal => DiffLine::Same(text),
                    ChangeTag::Delete => DiffLine::Removed(text),
                    ChangeTag::Insert => DiffLine::Added(text),
                });
            }
        }
        shown_until = last.old_range().end;
    }
    push_hidden(&mut lines, total_old_lines.saturating_sub(shown_until));
    lines
}

fn push_hidden(lines: &mut Vec<DiffLine>, count: usize) {
    if count > 0 {
        lines.push(DiffLine::Hidden(count));
    }
}

/// The note shown for hidden unchanged lines.
pub(crate) fn hidden_note(count: usize) -> String {
    if count == 1 {
        "# (1 unchanged line hidden)".to_string()
    } else {
        format!("# ({count} unchanged lines hidden)")
    }
}

/// Width of the widest attribute name, for aligning `=` signs.
pub(crate) fn name_width(lines: &[AttrLine]) -> usize {
    lines
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0)
}

/// The value part of an output line.
pub(crate) fn output_value(output: &OutputChange) -> String {
    let before = display_value(output.before.as_ref(), output.sensitive);
    let after = display_value(output.after.as_ref(), output.sensitive);
    match output.action {
        Action::Create => after,
        Action::Delete => before,
        _ => format!("{before} -> {after}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(before: Option<Value>, after: Option<Value>) -> AttrChange {
        AttrChange {
            name: "user_data".into(),
            before,
            after,
            forces_replace: false,
            sensitive: false,
        }
    }

    #[test]
    fn short_strings_are_inline() {
        let line = attr_line(&change(Some("a".into()), Some("b".into())));
        assert_eq!(line.value, AttrValue::Inline(r#""a" -> "b""#.into()));
        assert_eq!(line.marker, Marker::Changed);
    }

    #[test]
    fn long_tables_are_diffed_key_by_key() {
        let tags = |owner: &str| {
            Value::Map(
                [
                    ("Environment", "dev"),
                    ("Owner", owner),
                    ("Project", "ai-stack"),
                    ("strata:address", "instance.host"),
                    ("strata:deployment", "ai-stack-dev"),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::str(v)))
                .collect(),
            )
        };
        let line = attr_line(&change(Some(tags("alice")), Some(tags("bob"))));
        let AttrValue::Lines { open, diff, close } = line.value else {
            panic!("expected a block diff");
        };
        assert_eq!((open.as_str(), close.as_str()), ("{", "}"));
        assert!(diff.contains(&DiffLine::Removed("Owner = \"alice\"".into())));
        assert!(diff.contains(&DiffLine::Added("Owner = \"bob\"".into())));
        assert!(diff.contains(&DiffLine::Same("Environment = \"dev\"".into())));
        let short = attr_line(&change(
            Some(Value::List(vec![Value::Int(1)])),
            Some(Value::List(vec![Value::Int(2)])),
        ));
        assert_eq!(short.value, AttrValue::Inline("[1] -> [2]".into()));
    }

    #[test]
    fn multi_line_strings_are_diffed_with_trimmed_context() {
        let old: String = (1..=20).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 10\n", "line ten\n");
        let line = attr_line(&change(Some(old.into()), Some(new.into())));
        let AttrValue::Lines {
            open, diff: lines, ..
        } = line.value
        else {
            panic!("expected a line diff");
        };
        assert_eq!(open, "<<-EOT");
        assert_eq!(lines.first(), Some(&DiffLine::Hidden(6)));
        assert_eq!(lines.last(), Some(&DiffLine::Hidden(7)));
        assert!(lines.contains(&DiffLine::Removed("line 10".into())));
        assert!(lines.contains(&DiffLine::Added("line ten".into())));
        assert_eq!(lines.len(), 1 + 3 + 2 + 3 + 1);
    }

    #[test]
    fn sensitive_values_never_show() {
        let mut c = change(Some("hunter2".into()), Some("hunter3\nx".into()));
        c.sensitive = true;
        let line = attr_line(&c);
        assert_eq!(
            line.value,
            AttrValue::Inline("(sensitive) -> (sensitive)".into())
        );
    }

    #[test]
    fn long_added_single_line_stays_inline() {
        let long = "x".repeat(200);
        let line = attr_line(&change(None, Some(long.clone().into())));
        assert_eq!(line.value, AttrValue::Inline(format!("\"{long}\"")));
        assert_eq!(line.marker, Marker::Added);
    }
}
