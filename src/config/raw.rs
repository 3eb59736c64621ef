//! Stack and tier files as written: the top-level structure checked key by key, values kept
//! as spanned nodes for the resolver.

use super::diagnostic::{codes, did_you_mean, ConfigError};
use super::health::RawHealthCheck;
use super::node::{Entry, Node, NodeKind};
use super::source::{FileId, Origin};

/// A string value with where it is written.
#[derive(Debug, Clone)]
pub struct Field<T> {
    /// The value.
    pub value: T,
    /// Where.
    pub origin: Origin,
}

/// A `[vars]` entry of a stack.
#[derive(Debug, Clone)]
pub struct RawVar {
    /// Variable name.
    pub name: String,
    /// Where the name is written.
    pub origin: Origin,
    /// Default value, if any.
    pub default: Option<Node>,
    /// Declared sensitive.
    pub sensitive: bool,
    /// Description.
    pub description: Option<String>,
}

/// A `[resource.KIND.NAME]` table.
#[derive(Debug, Clone)]
pub struct RawResource {
    /// Kind as written.
    pub kind: Field<String>,
    /// Name as written.
    pub name: Field<String>,
    /// Attributes and meta keys, in source order.
    pub entries: Vec<Entry>,
}

/// A stack file.
#[derive(Debug, Clone)]
pub struct RawStack {
    /// The file.
    pub file: FileId,
    /// `[stack] name`.
    pub name: Option<Field<String>>,
    /// `[stack] description`.
    pub description: Option<String>,
    /// `[stack] region`.
    pub region: Option<Field<String>>,
    /// `[vars]`.
    pub vars: Vec<RawVar>,
    /// `[tags]`.
    pub tags: Vec<Entry>,
    /// `[budget]`.
    pub budget: Option<RawBudget>,
    /// `[usage]`.
    pub usage: Vec<super::usage::RawUsage>,
    /// `[resource.*.*]`.
    pub resources: Vec<RawResource>,
    /// `[output]`.
    pub outputs: Vec<Entry>,
    /// `[health.*]`.
    pub health: Vec<RawHealthCheck>,
}

/// A tier file.
#[derive(Debug, Clone)]
pub struct RawTier {
    /// The file.
    pub file: FileId,
    /// `[tier] name`.
    pub name: Option<Field<String>>,
    /// `[tier] stack`.
    pub stack: Option<Field<String>>,
    /// `[tier] description`.
    pub description: Option<String>,
    /// `[tier] region`.
    pub region: Option<Field<String>>,
    /// `[vars]` overrides.
    pub vars: Vec<Entry>,
    /// `[tags]`.
    pub tags: Vec<Entry>,
    /// `[budget]`.
    pub budget: Option<RawBudget>,
    /// `[usage]`.
    pub usage: Vec<super::usage::RawUsage>,
    /// `[resource.*.*]` overrides.
    pub resources: Vec<RawResource>,
}

/// Collects diagnostics while walking one file.
pub struct Walker<'e> {
    /// The file being walked.
    pub file: FileId,
    /// Where diagnostics go.
    pub errors: &'e mut Vec<ConfigError>,
}

impl Walker<'_> {
    /// Origin of a span in this file.
    pub fn at(&self, span: &std::ops::Range<usize>) -> Origin {
        Origin::new(self.file, span.clone())
    }

    /// Report an unknown key, suggesting the closest allowed one.
    pub fn unknown_key(&mut self, entry: &Entry, allowed: &[&str], place: &str) {
        let mut err = ConfigError::new(
            codes::UNKNOWN_KEY,
            format!("unknown key `{}` in {place}", entry.key),
        )
        .label(self.at(&entry.key_span), "not allowed here");
        err = match did_you_mean(&entry.key, allowed.iter().copied()) {
            Some(s) => err.help(format!("did you mean `{s}`?")),
            None => err.help(format!("allowed keys here: {}", allowed.join(", "))),
        };
        self.errors.push(err);
    }

    /// Report a value of the wrong type.
    pub fn wrong_type(&mut self, node: &Node, expected: &str, what: &str) {
        self.errors.push(
            ConfigError::new(
                codes::WRONG_TYPE,
                format!(
                    "{what} must be {expected}, found {}",
                    crate::value::with_article(node.type_name())
                ),
            )
            .label(self.at(&node.span), format!("expected {expected}"))
            .help(format!("write {what} as {expected}")),
        );
    }

    /// The entries of a table node, or a wrong-type diagnostic.
    pub fn table<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Entry]> {
        match node.entries() {
            Some(e) => Some(e),
            None => {
                self.wrong_type(node, "a table", what);
                None
            }
        }
    }

    /// A string field, or a wrong-type diagnostic.
    pub fn string(&mut self, entry: &Entry, what: &str) -> Option<Field<String>> {
        match entry.value.as_str() {
            Some(s) => Some(Field {
                value: s.to_string(),
                origin: self.at(&entry.value.span),
            }),
            None => {
                self.wrong_type(&entry.value, "a string", what);
                None
            }
        }
    }

    /// A boolean field, or a wrong-type diagnostic.
    pub fn boolean(&mut self, entry: &Entry, what: &str) -> Option<bool> {
        match entry.value.kind {
            NodeKind::Bool(b) => Some(b),
            _ => {
                self.wrong_type(&entry.value, "true or false", what);
                None
            }
        }
    }

    /// A non-negative number field, or a diagnostic.
    pub fn amount(&mut self, entry: &Entry, what: &str) -> Option<Field<f64>> {
        let value = match entry.value.kind {
            NodeKind::Int(i) => i as f64,
            NodeKind::Float(f) => f,
            _ => {
                self.wrong_type(&entry.value, "a number", what);
                return None;
            }
        };
        if !(value.is_finite() && value >= 0.0) {
            self.errors.push(
                ConfigError::new(codes::INVALID_VALUE, format!("{what} must be zero or more"))
                    .label(self.at(&entry.value.span), "negative or not a number")
                    .help("write a non-negative amount in US dollars"),
            );
            return None;
        }
        Some(Field {
            value,
            origin: self.at(&entry.value.span),
        })
    }

    /// Check a name against `[a-z][a-z0-9_-]*` (letters of either case for resource names).
    pub fn check_name(&mut self, field: &Field<String>, what: &str, allow_upper: bool) -> bool {
        let s = &field.value;
        let ok = s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars().all(|c| {
                c.is_ascii_digit()
                    || c == '-'
                    || c == '_'
                    || c.is_ascii_lowercase()
                    || (allow_upper && c.is_ascii_uppercase())
            });
        if !ok {
            self.errors.push(
                ConfigError::new(codes::INVALID_VALUE, format!("`{s}` is not a valid {what}"))
                    .label(field.origin.clone(), "invalid name")
                    .help(format!(
                        "a {what} starts with a letter and uses only {}letters, digits, `-` and `_`",
                        if allow_upper { "" } else { "lowercase " }
                    )),
            );
        }
        ok
    }
}

const STACK_KEYS: &[&str] = &[
    "stack", "vars", "tags", "budget", "usage", "resource", "output", "health",
];
const STACK_META_KEYS: &[&str] = &["name", "description", "region"];
const TIER_KEYS: &[&str] = &["tier", "vars", "tags", "budget", "usage", "resource"];
const TIER_META_KEYS: &[&str] = &["name", "stack", "description", "region"];
const VAR_DECL_KEYS: &[&str] = &["default", "sensitive", "description"];
const BUDGET_KEYS: &[&str] = &["monthly_usd", "alert_at", "alert_emails"];

/// Walk a stack file's tree.
pub fn read_stack(root: &Node, w: &mut Walker<'_>) -> RawStack {
    let mut stack = RawStack {
        file: w.file,
        name: None,
        description: None,
        region: None,
        vars: Vec::new(),
        tags: Vec::new(),
        budget: None,
        usage: Vec::new(),
        resources: Vec::new(),
        outputs: Vec::new(),
        health: Vec::new(),
    };
    let Some(entries) = root.entries() else {
        return stack;
    };
    let mut saw_header = false;
    for entry in entries {
        match entry.key.as_str() {
            "stack" => {
                saw_header = true;
                let Some(meta) = w.table(&entry.value, "`[stack]`") else {
                    continue;
                };
                for e in meta {
                    match e.key.as_str() {
                        "name" => {
                            stack.name = w.string(e, "`[stack] name`");
                            if let Some(n) = &stack.name {
                                w.check_name(n, "stack name", false);
                            }
                        }
                        "description" => {
                            stack.description = w.string(e, "`description`").map(|f| f.value)
                        }
                        "region" => stack.region = w.string(e, "`region`"),
                        _ => w.unknown_key(e, STACK_META_KEYS, "`[stack]`"),
                    }
                }
                if stack.name.is_none() && w.errors.is_empty() {
                    w.errors.push(
                        ConfigError::new(codes::MISSING_KEY, "`[stack]` has no `name`")
                            .label(w.at(&entry.key_span), "this table needs `name = \"...\"`")
                            .help("add `name = \"my-stack\"` under `[stack]`"),
                    );
                }
            }
            "vars" => {
                if let Some(vars) = w.table(&entry.value, "`[vars]`") {
                    stack.vars = vars.iter().filter_map(|e| read_var(e, w)).collect();
                }
            }
            "tags" => stack.tags = read_tags(entry, w),
            "budget" => stack.budget = read_budget(entry, w),
            "usage" => stack.usage = super::usage::read(entry, w),
            "resource" => stack.resources = read_resources(entry, w),
            "output" => {
                if let Some(outputs) = w.table(&entry.value, "`[output]`") {
                    stack.outputs = outputs.to_vec();
                }
            }
            "health" => stack.health = super::health::read_checks(entry, w),
            _ => w.unknown_key(entry, STACK_KEYS, "a stack file"),
        }
    }
    if !saw_header {
        w.errors.push(
            ConfigError::new(codes::MISSING_KEY, "the stack file has no `[stack]` table")
                .label(w.at(&(0..0)), "expected `[stack]` with a `name`")
                .help("start the file with `[stack]` and `name = \"my-stack\"`"),
        );
    }
    stack
}

/// Walk a tier file's tree.
pub fn read_tier(root: &Node, w: &mut Walker<'_>) -> RawTier {
    let mut tier = RawTier {
        file: w.file,
        name: None,
        stack: None,
        description: None,
        region: None,
        vars: Vec::new(),
        tags: Vec::new(),
        budget: None,
        usage: Vec::new(),
        resources: Vec::new(),
    };
    let Some(entries) = root.entries() else {
        return tier;
    };
    let mut header = None;
    for entry in entries {
        match entry.key.as_str() {
            "tier" => {
                header = Some(entry.key_span.clone());
                let Some(meta) = w.table(&entry.value, "`[tier]`") else {
                    continue;
                };
                for e in meta {
                    match e.key.as_str() {
                        "name" => {
                            tier.name = w.string(e, "`[tier] name`");
                            if let Some(n) = &tier.name {
                                w.check_name(n, "tier name", false);
                            }
                        }
                        "stack" => tier.stack = w.string(e, "`[tier] stack`"),
                        "description" => {
                            tier.description = w.string(e, "`description`").map(|f| f.value)
                        }
                        "region" => tier.region = w.string(e, "`region`"),
                        _ => w.unknown_key(e, TIER_META_KEYS, "`[tier]`"),
                    }
                }
            }
            "vars" => {
                if let Some(vars) = w.table(&entry.value, "`[vars]`") {
                    tier.vars = vars.to_vec();
                }
            }
            "tags" => tier.tags = read_tags(entry, w),
            "budget" => tier.budget = read_budget(entry, w),
            "usage" => tier.usage = super::usage::read(entry, w),
            "resource" => tier.resources = read_resources(entry, w),
            _ => w.unknown_key(entry, TIER_KEYS, "a tier file"),
        }
    }
    let missing = |w: &mut Walker<'_>, key: &str, span: std::ops::Range<usize>| {
        w.errors.push(
            ConfigError::new(codes::MISSING_KEY, format!("`[tier]` has no `{key}`"))
                .label(w.at(&span), format!("this table needs `{key} = \"...\"`"))
                .help(format!("add `{key} = \"...\"` under `[tier]`")),
        );
    };
    match header {
        None => w.errors.push(
            ConfigError::new(codes::MISSING_KEY, "the tier file has no `[tier]` table")
                .label(w.at(&(0..0)), "expected `[tier]` with `name` and `stack`")
                .help("start the file with `[tier]`, `name = \"dev\"` and `stack = \"my-stack\"`"),
        ),
        Some(span) => {
            if tier.name.is_none() {
                missing(w, "name", span.clone());
            }
            if tier.stack.is_none() {
                missing(w, "stack", span);
            }
        }
    }
    tier
}

fn read_var(entry: &Entry, w: &mut Walker<'_>) -> Option<RawVar> {
    let origin = w.at(&entry.key_span);
    let mut var = RawVar {
        name: entry.key.clone(),
        origin: origin.clone(),
        default: None,
        sensitive: false,
        description: None,
    };
    if !w.check_name(
        &Field {
            value: entry.key.clone(),
            origin,
        },
        "variable name",
        false,
    ) {
        return None;
    }
    match &entry.value.kind {
        // A table value is always a declaration; tables as values go under `default`.
        NodeKind::Table(decl) => {
            for e in decl {
                match e.key.as_str() {
                    "default" => var.default = Some(e.value.clone()),
                    "sensitive" => var.sensitive = w.boolean(e, "`sensitive`").unwrap_or(false),
                    "description" => {
                        var.description = w.string(e, "`description`").map(|f| f.value)
                    }
                    _ => w.unknown_key(e, VAR_DECL_KEYS, "a variable declaration"),
                }
            }
        }
        _ => var.default = Some(entry.value.clone()),
    }
    Some(var)
}

fn read_tags(entry: &Entry, w: &mut Walker<'_>) -> Vec<Entry> {
    let Some(tags) = w.table(&entry.value, "`[tags]`") else {
        return Vec::new();
    };
    tags.iter()
        .filter(|e| {
            let ok = e.value.as_str().is_some();
            if !ok {
                w.wrong_type(&e.value, "a string", &format!("tag `{}`", e.key));
            }
            ok
        })
        .cloned()
        .collect()
}

/// `[budget]` as written.
#[derive(Debug, Clone)]
pub struct RawBudget {
    /// `monthly_usd`.
    pub monthly_usd: Field<f64>,
    /// `alert_at`: percentages of the budget that alert.
    pub alert_at: Vec<Field<f64>>,
    /// `alert_emails`: who the alerts go to.
    pub alert_emails: Vec<Field<String>>,
    /// The `[budget]` table's key.
    pub origin: Origin,
}

fn read_budget(entry: &Entry, w: &mut Walker<'_>) -> Option<RawBudget> {
    let budget = w.table(&entry.value, "`[budget]`")?;
    let mut monthly = None;
    let mut alert_at = Vec::new();
    let mut alert_emails = Vec::new();
    for e in budget {
        match e.key.as_str() {
            "monthly_usd" => monthly = w.amount(e, "`monthly_usd`"),
            "alert_at" => {
                alert_at = read_list(e, w, "`alert_at`", |w, item| {
                    let pct = w.amount(item, "each `alert_at` percentage")?;
                    if pct.value == 0.0 || pct.value > 1000.0 {
                        w.errors.push(
                        ConfigError::new(codes::INVALID_VALUE, "an `alert_at` percentage must be above 0 and at most 1000")
                            .label(pct.origin.clone(), "out of range")
                            .help("write percentages of `monthly_usd`, e.g. `alert_at = [50, 80, 100]`"),
                    );
                        return None;
                    }
                    Some(pct)
                })
            }
            "alert_emails" => {
                alert_emails = read_list(e, w, "`alert_emails`", |w, item| {
                    w.string(item, "each `alert_emails` entry")
                })
            }
            _ => w.unknown_key(e, BUDGET_KEYS, "`[budget]`"),
        }
    }
    let origin = w.at(&entry.key_span);
    let Some(monthly_usd) = monthly else {
        w.errors.push(
            ConfigError::new(codes::MISSING_KEY, "`[budget]` has no `monthly_usd`")
                .label(origin, "this table needs `monthly_usd = ...`")
                .help("add `monthly_usd = 40` (US dollars a month) under `[budget]`, or remove the table"),
        );
        return None;
    };
    if alert_at.is_empty() != alert_emails.is_empty() {
        let (has, lacks) = if alert_at.is_empty() {
            ("alert_emails", "alert_at")
        } else {
            ("alert_at", "alert_emails")
        };
        w.errors.push(
            ConfigError::new(codes::MISSING_KEY, format!("`[budget]` sets `{has}` but not `{lacks}`"))
                .label(origin, format!("add `{lacks}` here"))
                .help("an AWS budget alert needs both: `alert_at = [50, 80, 100]` and `alert_emails = [\"you@example.com\"]`"),
        );
        return None;
    }
    Some(RawBudget {
        monthly_usd,
        alert_at,
        alert_emails,
        origin,
    })
}

/// The items of an array entry, each read by `item` (which reports its own errors).
fn read_list<T>(
    entry: &Entry,
    w: &mut Walker<'_>,
    what: &str,
    mut item: impl FnMut(&mut Walker<'_>, &Entry) -> Option<T>,
) -> Vec<T> {
    let NodeKind::Array(items) = &entry.value.kind else {
        w.wrong_type(&entry.value, "an array", what);
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|node| {
            let e = Entry {
                key: entry.key.clone(),
                key_span: entry.key_span.clone(),
                value: node.clone(),
            };
            item(w, &e)
        })
        .collect()
}

fn read_resources(entry: &Entry, w: &mut Walker<'_>) -> Vec<RawResource> {
    let mut out = Vec::new();
    let Some(kinds) = w.table(&entry.value, "`[resource]`") else {
        return out;
    };
    for kind in kinds {
        let Some(names) = w.table(&kind.value, &format!("`[resource.{}]`", kind.key)) else {
            continue;
        };
        for name in names {
            let Some(body) = w.table(
                &name.value,
                &format!("`[resource.{}.{}]`", kind.key, name.key),
            ) else {
                continue;
            };
            let name_field = Field {
                value: name.key.clone(),
                origin: w.at(&name.key_span),
            };
            if !w.check_name(&name_field, "resource name", true) {
                continue;
            }
            out.push(RawResource {
                kind: Field {
                    value: kind.key.clone(),
                    origin: w.at(&kind.key_span),
                },
                name: name_field,
                entries: body.to_vec(),
            });
        }
    }
    out
}
