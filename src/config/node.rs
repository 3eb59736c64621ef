//! An owned, spanned TOML tree: what the loader walks after `toml-span` parsed a file.

use super::diagnostic::{codes, ConfigError};
use super::source::{FileId, Origin};
use std::ops::Range;

/// A TOML value with the byte range it came from.
#[derive(Debug, Clone)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where the value is written (for strings: the content, without quotes).
    pub span: Range<usize>,
    /// Whether the string's decoded text equals its source text (no escapes), so offsets of
    /// `${...}` inside it map one-to-one onto the file.
    pub verbatim: bool,
}

/// A table entry: key, where the key is written, and the value.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Key.
    pub key: String,
    /// Where the key is written.
    pub key_span: Range<usize>,
    /// Value.
    pub value: Node,
}

/// The kinds of TOML value (dates are not supported by the parser).
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// A string.
    String(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Node>),
    /// A table, entries in source order.
    Table(Vec<Entry>),
}

impl Node {
    /// A short type name for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::String(_) => "string",
            NodeKind::Int(_) => "integer",
            NodeKind::Float(_) => "float",
            NodeKind::Bool(_) => "bool",
            NodeKind::Array(_) => "array",
            NodeKind::Table(_) => "table",
        }
    }

    /// The entries, if this is a table.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Table(e) => Some(e),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Parse TOML text into a [`Node`] tree, or a located syntax diagnostic.
pub fn parse(text: &str, file: FileId) -> Result<Node, ConfigError> {
    match toml_span::parse(text) {
        Ok(mut value) => Ok(convert(text, &mut value)),
        Err(err) => Err(syntax_error(text, file, err)),
    }
}

fn convert(text: &str, value: &mut toml_span::Value<'_>) -> Node {
    use toml_span::value::ValueInner;
    let span = value.span.start..value.span.end;
    let mut verbatim = false;
    let kind = match value.take() {
        ValueInner::String(s) => {
            verbatim = text.get(span.clone()) == Some(s.as_ref());
            NodeKind::String(s.into_owned())
        }
        ValueInner::Integer(i) => NodeKind::Int(i),
        ValueInner::Float(f) => NodeKind::Float(f),
        ValueInner::Boolean(b) => NodeKind::Bool(b),
        ValueInner::Array(mut items) => {
            NodeKind::Array(items.iter_mut().map(|v| convert(text, v)).collect())
        }
        ValueInner::Table(table) => {
            let mut entries: Vec<Entry> = table
                .into_iter()
                .map(|(key, mut v)| Entry {
                    key: key.name.into_owned(),
                    key_span: key.span.start..key.span.end,
                    value: convert(text, &mut v),
                })
                .collect();
            entries.sort_by_key(|e| e.key_span.start);
            NodeKind::Table(entries)
        }
    };
    Node {
        kind,
        span,
        verbatim,
    }
}

fn syntax_error(text: &str, file: FileId, err: toml_span::Error) -> ConfigError {
    use toml_span::ErrorKind;
    let span = clamp(text, err.span.start..err.span.end);
    let origin = Origin::new(file, span.clone());
    match &err.kind {
        ErrorKind::DuplicateTable { name, first } => {
            let header = text.get(span.clone()).unwrap_or("");
            let first = Origin::new(file, clamp(text, first.start..first.end));
            if header
                .trim_start_matches('[')
                .trim()
                .starts_with("resource.")
            {
                // The span may run past the closing bracket (to the newline): trim that first.
                let address = header
                    .trim()
                    .trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .trim_start_matches("resource.")
                    .to_string();
                ConfigError::new(
                    codes::DUPLICATE_ADDRESS,
                    format!("resource `{address}` is declared twice"),
                )
                .label(origin, "declared again here")
                .label(first, "first declared here")
                .help(format!(
                    "give each resource a unique name, or merge the two `[resource.{address}]` tables"
                ))
            } else {
                ConfigError::new(
                    codes::TOML_SYNTAX,
                    format!("table `{name}` is defined twice"),
                )
                .label(origin, "defined again here")
                .label(first, "first defined here")
                .help("merge the two tables into one")
            }
        }
        ErrorKind::DuplicateKey { key, first } => {
            let first = Origin::new(file, clamp(text, first.start..first.end));
            ConfigError::new(codes::TOML_SYNTAX, format!("key `{key}` is set twice"))
                .label(origin, "set again here")
                .label(first, "first set here")
                .help(format!("keep one `{key}` and delete the other"))
        }
        ErrorKind::ExceededDepthLimit => ConfigError::new(
            codes::TOO_DEEP,
            format!(
                "TOML arrays, inline tables or dotted keys nest deeper than {} levels",
                super::limits::MAX_TOML_DEPTH
            ),
        )
        .label(origin, "one level too many")
        .help(super::limits::Limit::Depth.help()),
        _ => ConfigError::new(codes::TOML_SYNTAX, format!("TOML syntax error: {err}"))
            .label(origin, err.kind.to_string().replace('-', " "))
            .help("fix the TOML syntax at this spot (https://toml.io has the grammar)"),
    }
}

/// Keep a span inside the text and on character boundaries, never empty unless the text is.
fn clamp(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && end < text.len() {
        end = start + text[start..].chars().next().map_or(0, char::len_utf8);
    }
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_source_order_and_spans() {
        let text = "b = 1\na = \"x${y}\"\n";
        let node = parse(text, FileId(0)).unwrap();
        let entries = node.entries().unwrap();
        assert_eq!(entries[0].key, "b");
        assert_eq!(entries[1].key, "a");
        assert_eq!(&text[entries[1].value.span.clone()], "x${y}");
        assert!(entries[1].value.verbatim);
    }

    #[test]
    fn deep_nesting_is_a_diagnostic_not_an_overflow() {
        let n = 20_000;
        for text in [
            format!("a = {}1{}\n", "[".repeat(n), "]".repeat(n)),
            format!("a = {}1{}\n", "{ b = ".repeat(n), " }".repeat(n)),
            format!("{} = 1\n", vec!["k"; n].join(".")),
            format!("[{}]\n", vec!["t"; n].join(".")),
        ] {
            let err = parse(&text, FileId(0)).unwrap_err();
            assert_eq!(err.code, codes::TOO_DEEP, "{}", &text[..20]);
        }
        let fits = super::super::limits::MAX_TOML_DEPTH - 1;
        assert!(parse(
            &format!("a = {}1{}\n", "[".repeat(fits), "]".repeat(fits)),
            FileId(0)
        )
        .is_ok());
    }

    #[test]
    fn duplicate_resource_tables_are_duplicate_addresses() {
        let text = "[resource.vpc.main]\na = 1\n[resource.vpc.main]\nb = 2\n";
        let err = parse(text, FileId(0)).unwrap_err();
        assert_eq!(err.code, codes::DUPLICATE_ADDRESS);
        assert_eq!(err.labels[0].origin.span.start, 26);
    }
}
