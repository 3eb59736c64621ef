//! Configuration diagnostics: a stable code, the file, line and column, the offending snippet
//! underlined, and a help line.

use super::source::{Origin, Sources};
use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;

/// Stable diagnostic codes for configuration problems. Tests and users rely on these spellings.
pub mod codes {
    /// The file could not be read.
    pub const FILE_UNREADABLE: &str = "strata::config::file_unreadable";
    /// TOML syntax error.
    pub const TOML_SYNTAX: &str = "strata::config::toml_syntax";
    /// A key that is not allowed here.
    pub const UNKNOWN_KEY: &str = "strata::config::unknown_key";
    /// A value of the wrong type.
    pub const WRONG_TYPE: &str = "strata::config::wrong_type";
    /// A required key is missing.
    pub const MISSING_KEY: &str = "strata::config::missing_key";
    /// `[resource.KIND...]` with a kind this build does not know.
    pub const UNKNOWN_KIND: &str = "strata::config::unknown_kind";
    /// The same `kind.name` declared twice.
    pub const DUPLICATE_ADDRESS: &str = "strata::config::duplicate_address";
    /// A reference to a resource that is not declared (or is disabled).
    pub const UNKNOWN_RESOURCE: &str = "strata::config::unknown_resource";
    /// A reference to an attribute the kind does not have.
    pub const UNKNOWN_ATTRIBUTE: &str = "strata::config::unknown_attribute";
    /// A reference to an undeclared variable.
    pub const UNKNOWN_VARIABLE: &str = "strata::config::unknown_variable";
    /// A tier names a stack that cannot be found.
    pub const UNKNOWN_STACK: &str = "strata::config::unknown_stack";
    /// A tier overrides a resource the stack lacks.
    pub const OVERRIDE_MISSING: &str = "strata::config::override_missing";
    /// Resources depend on each other in a loop.
    pub const CYCLE: &str = "strata::config::cycle";
    /// A `${...}` expression that does not parse or cannot be evaluated.
    pub const BAD_EXPRESSION: &str = "strata::config::bad_expression";
    /// A `template("...")` outside the stack's folder, not a regular file, or too large.
    pub const TEMPLATE_PATH: &str = "strata::config::template_path";
    /// A computed attribute set in configuration.
    pub const COMPUTED_ATTRIBUTE: &str = "strata::config::computed_attribute";
    /// A value that is well-typed but not allowed (bad name, bad enum value).
    pub const INVALID_VALUE: &str = "strata::config::invalid_value";
    /// An expression, template block or TOML value nested deeper than the loader allows.
    pub const TOO_DEEP: &str = "strata::config::too_deep";
    /// A file, or a string an expression evaluates to, larger than the loader allows; or an
    /// attribute over the size its resource kind accepts.
    pub const TOO_LARGE: &str = "strata::config::too_large";
}

/// One label: a place in a file and what to say about it.
#[derive(Debug, Clone)]
pub struct Label {
    /// Where.
    pub origin: Origin,
    /// What.
    pub text: String,
}

/// A configuration diagnostic.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// Stable code from [`codes`].
    pub code: &'static str,
    /// One-line message.
    pub message: String,
    /// Labels; the first is the primary location. All labels of one diagnostic are in one file
    /// except for related ones, which are rendered as separate diagnostics.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// Rendering context filled in by [`ConfigError::with_sources`].
    rendered: Option<Box<Rendered>>,
}

#[derive(Debug, Clone)]
struct Rendered {
    source: NamedSource<String>,
    spans: Vec<LabeledSpan>,
    location: String,
    related: Vec<ConfigError>,
}

impl ConfigError {
    /// A diagnostic with a code and a message, not yet located.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        ConfigError {
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            rendered: None,
        }
    }

    /// Add a label.
    pub fn label(mut self, origin: Origin, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            origin,
            text: text.into(),
        });
        self
    }

    /// Set the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The primary location.
    pub fn origin(&self) -> Option<&Origin> {
        self.labels.first().map(|l| &l.origin)
    }

    /// `path:line:column` of the primary location, if any.
    pub fn location(&self, sources: &Sources) -> Option<(String, usize, usize)> {
        let origin = self.origin()?;
        let file = sources.get(origin.file);
        let (line, col) = file.line_col(origin.span.start);
        Some((file.path.display().to_string(), line, col))
    }

    /// Attach the source text so that miette can render snippets. Labels in files other than
    /// the primary one become related diagnostics.
    pub fn with_sources(mut self, sources: &Sources) -> Self {
        let Some(primary) = self.origin().cloned() else {
            return self;
        };
        let file = sources.get(primary.file);
        let mut spans = Vec::new();
        let mut related = Vec::new();
        for (i, label) in self.labels.iter().enumerate() {
            if label.origin.file == primary.file {
                let span = SourceSpan::from(label.origin.span.clone());
                spans.push(if i == 0 {
                    LabeledSpan::new_primary_with_span(Some(label.text.clone()), span)
                } else {
                    LabeledSpan::new_with_span(Some(label.text.clone()), span)
                });
            } else {
                related.push(
                    ConfigError::new(self.code, label.text.clone())
                        .label(label.origin.clone(), label.text.clone())
                        .with_sources(sources),
                );
            }
        }
        let (line, col) = file.line_col(primary.span.start);
        self.rendered = Some(Box::new(Rendered {
            source: NamedSource::new(file.path.display().to_string(), file.text.clone())
                .with_language("TOML"),
            spans,
            location: format!("{}:{line}:{col}", file.path.display()),
            related,
        }));
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.rendered
            .as_ref()
            .map(|r| &r.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.rendered
            .as_ref()
            .map(|r| Box::new(r.spans.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        let r = self.rendered.as_ref()?;
        if r.related.is_empty() {
            return None;
        }
        Some(Box::new(r.related.iter().map(|e| e as &dyn Diagnostic)))
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        // Not a URL: miette prints it beside the code, which gives the user `file:line:col`
        // even when colours and snippets are off.
        None
    }
}

impl ConfigError {
    /// `path:line:col` computed by [`ConfigError::with_sources`].
    pub fn rendered_location(&self) -> Option<&str> {
        self.rendered.as_ref().map(|r| r.location.as_str())
    }
}

/// All diagnostics of one load (a load reports every problem it finds, not just the first).
#[derive(Debug, Clone, Default)]
pub struct ConfigErrors {
    /// The diagnostics, in the order found.
    pub errors: Vec<ConfigError>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} configuration error(s)", self.errors.len())
    }
}

impl std::error::Error for ConfigErrors {}

/// The closest candidate to `name`, for "did you mean" help lines.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| {
            // Jaro-Winkler misses swapped letters in short names (`vcp` for `vpc`): one edit
            // away, counting a swap as one, is close enough too.
            let swapped = strsim::osa_distance(name, c) == 1 && name.len() >= 3;
            let score = strsim::jaro_winkler(name, c);
            (if swapped { score.max(0.85) } else { score }, c)
        })
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["cidr_block", "enable_dns_support", "tags"];
        assert_eq!(did_you_mean("cidr_blok", names), Some("cidr_block"));
        assert_eq!(did_you_mean("zzz", names), None);
    }
}
