//! Variable values given outside the project's files: `--var NAME=VALUE`, `--var-file FILE`
//! and `STRATA_VAR_<NAME>`.
//!
//! Each value becomes a spanned [`Node`] in a source of its own (marked
//! [`outside`](super::source::SourceFile::outside)), so a wrong type is reported like one in a
//! tier file. A sensitive value's source holds `(sensitive)` instead of the value, so that no
//! diagnostic can print it.

use super::diagnostic::{codes, did_you_mean, ConfigError};
use super::model::VarFrom;
use super::node::{self, Node, NodeKind};
use super::raw::{RawStack, RawVar};
use super::source::{Origin, Sources};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The largest `--var-file` read: variables are short, and a bound keeps junk out of memory.
const MAX_VAR_FILE_BYTES: u64 = 1024 * 1024;

/// What the command line and the environment gave, before it is checked against the stack.
#[derive(Debug, Clone, Default)]
pub struct OutsideVars {
    /// `--var NAME=VALUE`, in the order given (a later one wins).
    pub flags: Vec<(String, String)>,
    /// `--var-file FILE.toml`, in the order given (a later one wins; `--var` wins over all).
    pub files: Vec<PathBuf>,
    /// `STRATA_VAR_<NAME>` values, by `NAME` (the prefix removed).
    pub env: Vec<(String, String)>,
}

impl OutsideVars {
    /// True when nothing was given.
    pub fn is_empty(&self) -> bool {
        self.flags.is_empty() && self.files.is_empty() && self.env.is_empty()
    }

    /// The names given a value, without checking them against a stack (a variable file that
    /// cannot be read or parsed gives none; loading reports why).
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        let from_files = self.files.iter().flat_map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            node::parse(&text, super::FileId(0))
                .ok()
                .and_then(|root| {
                    root.entries()
                        .map(|e| e.iter().map(|e| e.key.clone()).collect::<Vec<_>>())
                })
                .unwrap_or_default()
        });
        self.flags
            .iter()
            .chain(&self.env)
            .map(|(n, _)| n.clone())
            .chain(from_files)
            .collect()
    }

    /// The `STRATA_VAR_*` entries of an environment.
    pub fn env_from(vars: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
        let mut found: Vec<(String, String)> = vars
            .into_iter()
            .filter_map(|(k, v)| k.strip_prefix(ENV_PREFIX).map(|n| (n.to_string(), v)))
            .filter(|(n, _)| !n.is_empty())
            .collect();
        found.sort();
        found
    }
}

/// Prefix of the environment variables that set strata variables.
pub const ENV_PREFIX: &str = "STRATA_VAR_";

/// One variable's value from outside the files.
#[derive(Debug, Clone)]
pub struct Given {
    /// The value as a spanned node.
    pub node: Node,
    /// Where the value is shown in diagnostics.
    pub origin: Origin,
    /// Which source gave it.
    pub from: VarFrom,
}

/// Every outside value, by variable name, the highest-precedence one kept: flags over var files
/// over the environment. A flag or file naming an undeclared variable is an error; an
/// environment variable naming one is ignored, since one environment often serves several
/// stacks.
pub fn collect(
    outside: &OutsideVars,
    stack: &RawStack,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<String, Given> {
    let mut given = BTreeMap::new();
    for (name, text) in &outside.env {
        if let Some(decl) = stack.vars.iter().find(|v| &v.name == name) {
            let label = PathBuf::from(format!("{ENV_PREFIX}{name}"));
            if let Some(g) = from_text(decl, text, &label, VarFrom::Env, sources, errors) {
                given.insert(name.clone(), g);
            }
        }
    }
    for path in &outside.files {
        for (name, g) in from_file(path, stack, sources, errors) {
            given.insert(name, g);
        }
    }
    for (name, text) in &outside.flags {
        let label = PathBuf::from("--var");
        match declared(stack, name, &label, sources, errors) {
            Some(decl) => {
                if let Some(g) = from_text(decl, text, &label, VarFrom::Flag, sources, errors) {
                    given.insert(name.clone(), g);
                }
            }
            None => continue,
        }
    }
    given
}

/// The declaration of a flag's variable, or an error naming the declared ones.
fn declared<'a>(
    stack: &'a RawStack,
    name: &str,
    label: &Path,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<&'a RawVar> {
    if let Some(decl) = stack.vars.iter().find(|v| v.name == name) {
        return Some(decl);
    }
    // The value is left out of the source: the variable's sensitivity is unknown.
    let shown = format!("{name}=…");
    let file = sources.add_outside(label, shown);
    let mut err = ConfigError::new(
        codes::UNKNOWN_VARIABLE,
        format!("the stack declares no variable `{name}`"),
    )
    .label(
        Origin::new(file, 0..name.len()),
        "not declared in the stack",
    );
    err = match did_you_mean(name, stack.vars.iter().map(|v| v.name.as_str())) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None => err.help("pass only variables the stack declares in its `[vars]`"),
    };
    errors.push(err);
    None
}

/// A value given as text (a flag or the environment), typed by the declaration: a variable
/// whose default is a string takes the text as it is; any other is parsed as a TOML value
/// (`true`, `3`, `["a", "b"]`), and one without a default falls back to the plain text.
/// `{ ssm = "/path" }` is parsed as a table in every case, so a sensitive string can name its
/// parameter.
fn from_text(
    decl: &RawVar,
    text: &str,
    label: &Path,
    from: VarFrom,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Option<Given> {
    let name = &decl.name;
    let prefix = format!("{name} = ");
    let string_typed = matches!(
        decl.default.as_ref().map(|d| &d.kind),
        Some(NodeKind::String(_))
    );
    let looks_like_ssm = text.trim_start().starts_with('{') && text.contains("ssm");
    let parsed = if string_typed && !looks_like_ssm {
        None
    } else {
        let whole = format!("{prefix}{text}");
        node::parse(&whole, super::FileId(u32::MAX))
            .ok()
            .and_then(|root| match root.entries() {
                // One value only: `--var 'a=1\nb=2'` is not two variables.
                Some([only]) => Some(only.value.clone()),
                _ => None,
            })
    };
    let shown = if decl.sensitive {
        format!("{prefix}(sensitive)")
    } else {
        format!("{prefix}{text}")
    };
    let value_span = prefix.len()..shown.len();
    let file = sources.add_outside(label, shown);
    let origin = Origin::new(file, value_span.clone());
    let node = match parsed {
        Some(mut node) => {
            if decl.sensitive {
                respan(&mut node, &value_span);
            }
            node
        }
        None if string_typed || decl.default.is_none() => Node {
            kind: NodeKind::String(text.to_string()),
            span: value_span.clone(),
            verbatim: false,
        },
        None => {
            let expected = decl.default.as_ref().map_or("a value", |d| d.type_name());
            errors.push(
                ConfigError::new(
                    codes::WRONG_TYPE,
                    format!("the value given for `{name}` is not a TOML {expected}"),
                )
                .label(
                    origin,
                    format!("expected {}", crate::value::with_article(expected)),
                )
                .help(format!(
                    "write it as TOML, e.g. {}",
                    example(decl.default.as_ref().map(|d| &d.kind))
                )),
            );
            return None;
        }
    };
    Some(Given { node, origin, from })
}

fn example(kind: Option<&NodeKind>) -> &'static str {
    match kind {
        Some(NodeKind::Bool(_)) => "`--var NAME=true`",
        Some(NodeKind::Int(_)) => "`--var NAME=3`",
        Some(NodeKind::Float(_)) => "`--var NAME=0.5`",
        Some(NodeKind::Array(_)) => "`--var 'NAME=[\"a\", \"b\"]'`",
        Some(NodeKind::Table(_)) => "`--var 'NAME={ key = \"value\" }'`",
        _ => "`--var NAME=value`",
    }
}

/// Point every span of a parsed sensitive value at the `(sensitive)` placeholder.
fn respan(node: &mut Node, span: &Range<usize>) {
    node.span = span.clone();
    node.verbatim = false;
    match &mut node.kind {
        NodeKind::Array(items) => items.iter_mut().for_each(|n| respan(n, span)),
        NodeKind::Table(entries) => entries.iter_mut().for_each(|e| {
            e.key_span = span.clone();
            respan(&mut e.value, span);
        }),
        _ => {}
    }
}

/// The top-level `NAME = value` entries of a `--var-file`.
fn from_file(
    path: &Path,
    stack: &RawStack,
    sources: &mut Sources,
    errors: &mut Vec<ConfigError>,
) -> Vec<(String, Given)> {
    let unreadable = |why: String| {
        ConfigError::new(
            codes::FILE_UNREADABLE,
            format!("cannot read the variable file {}: {why}", path.display()),
        )
        .help("`--var-file` takes a TOML file of `NAME = value` lines")
    };
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            errors.push(unreadable("not a regular file".into()));
            return Vec::new();
        }
        Ok(m) if m.len() > MAX_VAR_FILE_BYTES => {
            errors.push(unreadable(format!(
                "{} bytes, more than the {MAX_VAR_FILE_BYTES} allowed",
                m.len()
            )));
            return Vec::new();
        }
        Err(e) => {
            errors.push(unreadable(e.to_string()));
            return Vec::new();
        }
        Ok(_) => {}
    }
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(unreadable(e.to_string()));
            return Vec::new();
        }
    };
    let file = sources.add_outside(path, text);
    let root = match node::parse(&sources.get(file).text, file) {
        Ok(root) => root,
        Err(e) => {
            errors.push(e);
            return Vec::new();
        }
    };
    let mut found = Vec::new();
    for entry in root.entries().unwrap_or_default() {
        if stack.vars.iter().any(|v| v.name == entry.key) {
            found.push((
                entry.key.clone(),
                Given {
                    node: entry.value.clone(),
                    origin: Origin::new(file, entry.value.span.clone()),
                    from: VarFrom::VarFile(path.to_path_buf()),
                },
            ));
            continue;
        }
        let mut err = ConfigError::new(
            codes::UNKNOWN_VARIABLE,
            format!("the stack declares no variable `{}`", entry.key),
        )
        .label(
            Origin::new(file, entry.key_span.clone()),
            "not declared in the stack",
        );
        err = match did_you_mean(&entry.key, stack.vars.iter().map(|v| v.name.as_str())) {
            Some(s) => err.help(format!("did you mean `{s}`?")),
            None => err.help("a variable file holds top-level `NAME = value` lines for variables the stack declares"),
        };
        errors.push(err);
    }
    found
}
