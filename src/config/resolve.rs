//! Merge a tier over its stack and check everything: kinds, keys, types, references.

use super::diagnostic::{codes, did_you_mean, ConfigError};
use super::eval::{eval, Evaluated, Scope};
use super::expr::{parse_string, Expr, ExprKind, Ref, RefTarget};
use super::given::Given;
use super::model::{Budget, HealthCheck, Mode, Output, Resource, Variable};
use super::node::{Entry, Node, NodeKind};
use super::raw::{Field, RawResource, RawStack, RawTier};
use super::source::{FileId, Origin};
use super::template::{self, TemplateFiles};
use super::vars::{resolve_vars, ResolvedVars};
use crate::address::Address;
use crate::provider::{AttrType, KindSchema, Registry};
use crate::value::{with_article, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Keys every resource table may carry besides its kind's attributes.
pub const META_KEYS: &[&str] = &["depends_on", "enabled", "existing", "lookup"];

/// The name of the tier when a stack is used alone (`--stack` without `--tier`).
pub const DEFAULT_TIER_NAME: &str = "default";

/// What the resolver produces.
pub struct Resolved {
    /// Effective variables.
    pub vars: BTreeMap<String, Variable>,
    /// Evaluated tags.
    pub tags: BTreeMap<String, String>,
    /// Budget.
    pub budget: Option<Budget>,
    /// Usage quantities for the estimate.
    pub usage: super::usage::UsageTable,
    /// Enabled resources.
    pub resources: BTreeMap<Address, Resource>,
    /// Disabled resources.
    pub disabled: BTreeMap<Address, Origin>,
    /// Outputs.
    pub outputs: BTreeMap<String, Output>,
    /// Health checks.
    pub health: BTreeMap<String, HealthCheck>,
    /// Sensitive variables waiting for their SSM parameter.
    pub ssm_needed: BTreeMap<String, String>,
    /// Literal sensitive values in the project's files.
    pub sensitive_literals: Vec<Origin>,
}

/// Names known before any resource is read: used by `${tier.name}` and friends.
pub struct Context {
    /// Deployment name.
    pub deployment: String,
    /// Stack name.
    pub stack: String,
    /// Tier name ([`DEFAULT_TIER_NAME`] without a tier).
    pub tier: String,
    /// Region, if set.
    pub region: Option<String>,
}

/// A scope with variables and context only; resource attributes are unknown.
pub struct StaticScope<'a> {
    /// Variables.
    pub vars: &'a BTreeMap<String, Variable>,
    /// Context names.
    pub ctx: &'a Context,
}

impl Scope for StaticScope<'_> {
    fn var(&self, name: &str) -> Option<Evaluated> {
        self.vars.get(name).map(|v| Evaluated {
            value: v.value.clone(),
            sensitive: v.sensitive,
        })
    }
    fn context(&self, scope: &str, field: &str) -> Option<Value> {
        context_value(self.ctx, scope, field)
    }
    fn resource_attr(&self, _: &Address, _: &str) -> Evaluated {
        Evaluated {
            value: Value::Unknown,
            sensitive: false,
        }
    }
}

/// The value of `scope.field` (`tier.name`, `stack.name`, `deployment.name`, `deployment.region`).
pub fn context_value(ctx: &Context, scope: &str, field: &str) -> Option<Value> {
    match (scope, field) {
        ("tier", "name") => Some(Value::str(&ctx.tier)),
        ("stack", "name") => Some(Value::str(&ctx.stack)),
        ("deployment", "name") => Some(Value::str(&ctx.deployment)),
        ("deployment", "region") => Some(ctx.region.clone().map_or(Value::Null, Value::String)),
        _ => None,
    }
}

const CONTEXT_FIELDS: &[&str] = &[
    "tier.name",
    "stack.name",
    "deployment.name",
    "deployment.region",
];

/// Convert a literal node to a value (strings are taken as written).
pub fn node_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::String(s) => Value::String(s.clone()),
        NodeKind::Int(i) => Value::Int(*i),
        NodeKind::Float(f) => Value::Float(*f),
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Array(items) => Value::List(items.iter().map(node_value).collect()),
        NodeKind::Table(entries) => Value::Map(
            entries
                .iter()
                .map(|e| (e.key.clone(), node_value(&e.value)))
                .collect(),
        ),
    }
}

/// Convert a node to an expression, parsing `${...}` in every string inside.
pub fn node_expr(node: &Node, file: FileId) -> Result<Expr, ConfigError> {
    let origin = Origin::new(file, node.span.clone());
    let kind = match &node.kind {
        NodeKind::String(s) => {
            let base = node.verbatim.then_some(node.span.start);
            parse_string(s, file, base, origin.clone()).map_err(|e| {
                ConfigError::new(e.code(), format!("bad expression: {}", e.message))
                    .help(e.help_or("expressions look like `${var.name}`, `${vpc.main.id}` or `${var.a == \"b\"}`; write `$${` for a literal `${`"))
                    .label(e.origin, e.message)
            })?
        }
        NodeKind::Array(items) => ExprKind::List(
            items
                .iter()
                .map(|i| node_expr(i, file))
                .collect::<Result<_, _>>()?,
        ),
        NodeKind::Table(entries) => ExprKind::Map(
            entries
                .iter()
                .map(|e| node_expr(&e.value, file).map(|x| (e.key.clone(), x)))
                .collect::<Result<_, _>>()?,
        ),
        _ => ExprKind::Lit(node_value(node)),
    };
    Ok(Expr { kind, origin })
}

/// A table entry remembered with the file it came from (tier overrides come from another file).
#[derive(Clone)]
struct Located {
    file: FileId,
    entry: Entry,
}

struct Merged {
    kind: Field<String>,
    name: Field<String>,
    entries: BTreeMap<String, Located>,
}

/// Merge and check. Diagnostics go to `errors`; the result is only meaningful when none were added.
pub fn resolve(
    stack: &RawStack,
    tier: Option<&RawTier>,
    given: &Outside<'_>,
    ctx: &Context,
    registry: &Registry,
    templates: &mut dyn TemplateFiles,
    errors: &mut Vec<ConfigError>,
) -> Resolved {
    let ResolvedVars {
        vars,
        ssm_needed,
        sensitive_literals,
    } = resolve_vars(stack, tier, given.values, given.ssm_values, errors);
    let scope = StaticScope { vars: &vars, ctx };
    let mut tags = BTreeMap::new();
    let tag_sources = stack.tags.iter().map(|e| (stack.file, e)).chain(
        tier.into_iter()
            .flat_map(|t| t.tags.iter().map(move |e| (t.file, e))),
    );
    for (file, entry) in tag_sources {
        if let Some(v) = static_string(
            &entry.value,
            file,
            &scope,
            &format!("tag `{}`", entry.key),
            errors,
        ) {
            tags.insert(entry.key.clone(), v);
        }
    }
    let budget = tier
        .and_then(|t| t.budget.clone())
        .or_else(|| stack.budget.clone())
        .map(|b| Budget {
            monthly_usd: b.monthly_usd.value,
            origin: b.monthly_usd.origin,
            alert_at: b.alert_at.iter().map(|f| f.value).collect(),
            alert_emails: b.alert_emails.iter().map(|f| f.value.clone()).collect(),
            table: b.origin,
        });

    let merged = merge_resources(stack, tier, errors);
    let mut resources = BTreeMap::new();
    let mut disabled = BTreeMap::new();
    let mut schemas: BTreeMap<Address, &KindSchema> = BTreeMap::new();
    // Resources already reported as broken: references to them are not reported again.
    let mut broken: BTreeSet<Address> = BTreeSet::new();
    for (address, m) in &merged {
        let Some(schema) = registry.schema(&m.kind.value) else {
            let mut err = ConfigError::new(
                codes::UNKNOWN_KIND,
                format!("unknown resource kind `{}`", m.kind.value),
            )
            .label(m.kind.origin.clone(), "no such kind");
            err = match did_you_mean(&m.kind.value, registry.names()) {
                Some(s) => err.help(format!(
                    "did you mean `{s}`? (`strata schema stack` lists every kind)"
                )),
                None => err.help(format!(
                    "known kinds: {}",
                    registry.names().collect::<Vec<_>>().join(", ")
                )),
            };
            errors.push(err);
            broken.insert(address.clone());
            continue;
        };
        match read_resource(address, m, schema, &scope, templates, errors) {
            None => {
                broken.insert(address.clone());
            }
            Some((resource, true)) => {
                schemas.insert(address.clone(), schema);
                resources.insert(address.clone(), resource);
            }
            Some((_, false)) => {
                disabled.insert(address.clone(), m.name.origin.clone());
            }
        }
    }

    let mut outputs = BTreeMap::new();
    let known: Vec<String> = merged.keys().map(Address::to_string).collect();
    let refs = RefCheck {
        vars: &vars,
        schemas: &schemas,
        disabled: &disabled,
        broken: &broken,
        known: &known,
        ctx,
    };
    for (address, resource) in &resources {
        let mut ok = true;
        for expr in resource.attrs.values() {
            ok &= refs.check(expr, errors);
        }
        for (dep, origin) in &resource.depends_on {
            if broken.contains(dep) {
                ok = false;
            } else if !schemas.contains_key(dep) {
                errors.push(unknown_resource(dep, origin, &disabled, &known, ctx));
                ok = false;
            }
        }
        if ok {
            type_check(address, resource, schemas[address], &scope, errors);
            if let Some(kind) = registry.get(&address.kind) {
                kind_rules(address, resource, kind.as_ref(), &scope, errors);
            }
        }
    }
    for entry in &stack.outputs {
        let expr = match node_expr(&entry.value, stack.file).and_then(|mut e| {
            template::expand(&mut e, templates, &scope)?;
            Ok(e)
        }) {
            Ok(e) => e,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        // An output that names a resource the tier switched off is dropped with it, so a
        // stack can offer `alb_url` without every tier having a load balancer.
        if names_disabled(&expr, &disabled) {
            continue;
        }
        if refs.check(&expr, errors) {
            if let Err(e) = eval(&expr, &scope) {
                errors.push(
                    ConfigError::new(e.code(), e.message.clone())
                        .help(e.help_or("fix the expression of this output"))
                        .label(e.origin, e.message),
                );
            }
        }
        outputs.insert(
            entry.key.clone(),
            Output {
                name: entry.key.clone(),
                origin: Origin::new(stack.file, entry.key_span.clone()),
                expr,
            },
        );
    }

    let health = super::health::resolve_checks(
        &stack.health,
        &super::health::CheckScope {
            file: stack.file,
            scope: &scope,
            refs: &refs,
            disabled: &disabled,
        },
        errors,
    );

    let declared: std::collections::BTreeSet<Address> =
        resources.keys().chain(disabled.keys()).cloned().collect();
    let usage = super::usage::resolve(
        &stack.usage,
        tier.map_or(&[][..], |t| &t.usage[..]),
        registry,
        &declared,
        errors,
    );
    Resolved {
        vars,
        tags,
        budget,
        usage,
        resources,
        disabled,
        outputs,
        health,
        ssm_needed,
        sensitive_literals,
    }
}

/// Values from outside the project's files: variables given, SSM parameters fetched.
pub struct Outside<'a> {
    /// Variables given by flag, file or environment.
    pub values: &'a BTreeMap<String, Given>,
    /// SSM parameters fetched, by name.
    pub ssm_values: &'a BTreeMap<String, String>,
}

/// Evaluate a string that may use variables and context only.
fn static_string(
    node: &Node,
    file: FileId,
    scope: &StaticScope<'_>,
    what: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<String> {
    let expr = match node_expr(node, file) {
        Ok(e) => e,
        Err(e) => {
            errors.push(e);
            return None;
        }
    };
    let v = static_eval(&expr, scope, what, errors)?;
    if v.sensitive {
        // Tags are plain text to anyone who can list the resources, and strata keeps them
        // in clear to find its resources again.
        errors.push(
            ConfigError::new(
                codes::INVALID_VALUE,
                format!("{what} uses a sensitive value"),
            )
            .label(expr.origin, "sensitive")
            .help(
                "tags are visible to anyone who can list the resources: keep secrets out of them",
            ),
        );
        return None;
    }
    match v.value {
        Value::String(s) => Some(s),
        other => {
            errors.push(
                ConfigError::new(
                    codes::WRONG_TYPE,
                    format!(
                        "{what} must be a string, found {}",
                        with_article(other.type_name())
                    ),
                )
                .label(expr.origin, "expected a string")
                .help(format!("write {what} as a string")),
            );
            None
        }
    }
}

/// Evaluate an expression that may only use variables and context.
fn static_eval(
    expr: &Expr,
    scope: &StaticScope<'_>,
    what: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<Evaluated> {
    let mut bad = None;
    expr.visit_refs(&mut |r| {
        if bad.is_none() {
            if let RefTarget::Resource { .. } = r.target {
                bad = Some(r.origin.clone());
            }
        }
    });
    if let Some(origin) = bad {
        errors.push(
            ConfigError::new(
                codes::BAD_EXPRESSION,
                format!("{what} cannot reference a resource"),
            )
            .label(origin, "resource attributes are only known during apply")
            .help("use only `var.*`, `tier.name`, `stack.name` and `deployment.name` here"),
        );
        return None;
    }
    let mut ok = true;
    expr.visit_refs(&mut |r| {
        ok &= match &r.target {
            RefTarget::Var(name) => scope.vars.contains_key(name),
            RefTarget::Context { scope: s, field } => context_value(scope.ctx, s, field).is_some(),
            RefTarget::Resource { .. } => false,
        };
        if !ok && errors.iter().all(|e| e.origin() != Some(&r.origin)) {
            errors.push(bad_static_ref(r, scope));
        }
    });
    if !ok {
        return None;
    }
    match eval(expr, scope) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(
                ConfigError::new(e.code(), e.message.clone())
                    .help(e.help_or(&format!("fix the expression of {what}")))
                    .label(e.origin, e.message),
            );
            None
        }
    }
}

fn bad_static_ref(r: &Ref, scope: &StaticScope<'_>) -> ConfigError {
    match &r.target {
        RefTarget::Var(name) => unknown_variable(name, &r.origin, scope.vars),
        RefTarget::Context { scope: s, field } => unknown_context(s, field, &r.origin),
        RefTarget::Resource { .. } => {
            ConfigError::new(codes::BAD_EXPRESSION, "unexpected reference")
                .label(r.origin.clone(), "here")
        }
    }
}

fn unknown_variable(name: &str, origin: &Origin, vars: &BTreeMap<String, Variable>) -> ConfigError {
    let err = ConfigError::new(codes::UNKNOWN_VARIABLE, format!("no variable `{name}`"))
        .label(origin.clone(), "not declared in `[vars]`");
    match did_you_mean(name, vars.keys().map(String::as_str)) {
        Some(s) => err.help(format!("did you mean `var.{s}`?")),
        None => err.help(format!("declare `{name}` in the stack's `[vars]`")),
    }
}

fn unknown_context(scope: &str, field: &str, origin: &Origin) -> ConfigError {
    let name = format!("{scope}.{field}");
    let err = ConfigError::new(
        codes::UNKNOWN_ATTRIBUTE,
        format!("`{name}` is not available"),
    )
    .label(origin.clone(), "unknown name");
    match did_you_mean(&name, CONTEXT_FIELDS.iter().copied()) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None => err.help(format!("available: {}", CONTEXT_FIELDS.join(", "))),
    }
}

fn unknown_resource(
    address: &Address,
    origin: &Origin,
    disabled: &BTreeMap<Address, Origin>,
    known: &[String],
    ctx: &Context,
) -> ConfigError {
    if disabled.contains_key(address) {
        return ConfigError::new(
            codes::UNKNOWN_RESOURCE,
            format!("`{address}` is disabled in tier `{}`", ctx.tier),
        )
        .label(origin.clone(), "refers to a disabled resource")
        .label(
            disabled[address].clone(),
            "declared here, switched off by `enabled`",
        )
        .help(format!(
            "enable `{address}` in this tier, or disable this resource too (`enabled = false`)"
        ));
    }
    let err = ConfigError::new(codes::UNKNOWN_RESOURCE, format!("no resource `{address}`"))
        .label(origin.clone(), "not declared in the stack");
    let name = address.to_string();
    match did_you_mean(&name, known.iter().map(String::as_str)) {
        Some(s) => err.help(format!("did you mean `{s}`?")),
        None => err.help(format!(
            "declare it as `[resource.{}.{}]`",
            address.kind, address.name
        )),
    }
}

/// What reference checks need to know.
pub(super) struct RefCheck<'a> {
    vars: &'a BTreeMap<String, Variable>,
    schemas: &'a BTreeMap<Address, &'a KindSchema>,
    disabled: &'a BTreeMap<Address, Origin>,
    broken: &'a BTreeSet<Address>,
    known: &'a [String],
    ctx: &'a Context,
}

impl RefCheck<'_> {
    /// Report bad references in `expr`; true when all are fine.
    pub(super) fn check(&self, expr: &Expr, errors: &mut Vec<ConfigError>) -> bool {
        let mut ok = true;
        expr.visit_refs(&mut |r| {
            let err = match &r.target {
                RefTarget::Var(name) if !self.vars.contains_key(name) => {
                    Some(unknown_variable(name, &r.origin, self.vars))
                }
                RefTarget::Var(_) => None,
                RefTarget::Context { scope, field } => context_value(self.ctx, scope, field)
                    .is_none()
                    .then(|| unknown_context(scope, field, &r.origin)),
                RefTarget::Resource { address, .. } if self.broken.contains(address) => {
                    // Already reported where the resource is declared.
                    ok = false;
                    None
                }
                RefTarget::Resource { address, attr, .. } => match self.schemas.get(address) {
                    None => Some(unknown_resource(
                        address,
                        &r.origin,
                        self.disabled,
                        self.known,
                        self.ctx,
                    )),
                    Some(schema) if schema.get(attr).is_none() => {
                        Some(unknown_attribute(address, attr, schema, &r.origin))
                    }
                    Some(_) => None,
                },
            };
            if let Some(err) = err {
                ok = false;
                errors.push(err);
            }
        });
        ok
    }
}

fn unknown_attribute(
    address: &Address,
    attr: &str,
    schema: &KindSchema,
    origin: &Origin,
) -> ConfigError {
    let err = ConfigError::new(
        codes::UNKNOWN_ATTRIBUTE,
        format!("`{address}` has no attribute `{attr}`"),
    )
    .label(
        origin.clone(),
        format!("not an attribute of {}", with_article(&address.kind)),
    );
    match did_you_mean(attr, schema.attrs.iter().map(|a| a.name)) {
        Some(s) => err.help(format!("did you mean `{address}.{s}`?")),
        None => err.help(format!(
            "attributes of {}: {}",
            with_article(&address.kind),
            schema
                .attrs
                .iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn merge_resources(
    stack: &RawStack,
    tier: Option<&RawTier>,
    errors: &mut Vec<ConfigError>,
) -> BTreeMap<Address, Merged> {
    let mut merged: BTreeMap<Address, Merged> = BTreeMap::new();
    for r in &stack.resources {
        merged.insert(address_of(r), merged_from(r, stack.file));
    }
    let Some(tier) = tier else {
        return merged;
    };
    for r in &tier.resources {
        let address = address_of(r);
        let Some(target) = merged.get_mut(&address) else {
            let known: Vec<String> = merged.keys().map(Address::to_string).collect();
            let err = ConfigError::new(
                codes::OVERRIDE_MISSING,
                format!("the tier overrides `{address}`, which the stack does not declare"),
            )
            .label(r.name.origin.clone(), "no such resource in the stack");
            errors.push(match did_you_mean(&address.to_string(), known.iter().map(String::as_str)) {
                Some(s) => err.help(format!("did you mean `{s}`?")),
                None => err.help("tiers can only change resources the stack declares; add it to the stack first"),
            });
            continue;
        };
        for entry in &r.entries {
            let merged_entry = match (target.entries.get(&entry.key), &entry.value.kind) {
                // Tags merge key by key so a tier can add one tag without repeating the rest.
                (Some(base), NodeKind::Table(over)) if entry.key == "tags" => {
                    if let NodeKind::Table(base_entries) = &base.entry.value.kind {
                        let mut all: BTreeMap<String, Entry> = base_entries
                            .iter()
                            .map(|e| (e.key.clone(), e.clone()))
                            .collect();
                        for e in over {
                            all.insert(e.key.clone(), e.clone());
                        }
                        // Base entries keep spans in the stack file; a mixed table reports
                        // positions in the tier file, where the override is.
                        let mut e = entry.clone();
                        e.value.kind = NodeKind::Table(all.into_values().collect());
                        e
                    } else {
                        entry.clone()
                    }
                }
                _ => entry.clone(),
            };
            target.entries.insert(
                entry.key.clone(),
                Located {
                    file: tier.file,
                    entry: merged_entry,
                },
            );
        }
    }
    merged
}

fn address_of(r: &RawResource) -> Address {
    Address::new(r.kind.value.clone(), r.name.value.clone())
}

fn merged_from(r: &RawResource, file: FileId) -> Merged {
    Merged {
        kind: r.kind.clone(),
        name: r.name.clone(),
        entries: r
            .entries
            .iter()
            .map(|e| {
                (
                    e.key.clone(),
                    Located {
                        file,
                        entry: e.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// Read one merged resource; returns it and whether it is enabled.
fn read_resource(
    address: &Address,
    m: &Merged,
    schema: &KindSchema,
    scope: &StaticScope<'_>,
    templates: &mut dyn TemplateFiles,
    errors: &mut Vec<ConfigError>,
) -> Option<(Resource, bool)> {
    let before = errors.len();
    let mut attrs = BTreeMap::new();
    let mut depends_on = Vec::new();
    let mut enabled = true;
    let mut existing: Option<(String, Origin)> = None;
    let mut lookup: Option<(BTreeMap<String, String>, Origin)> = None;
    // Source order of the stack file first, then tier additions, for stable diagnostics.
    let mut located: Vec<&Located> = m.entries.values().collect();
    located.sort_by_key(|l| (l.file, l.entry.key_span.start));
    for Located { file, entry } in located {
        let at = |span: &std::ops::Range<usize>| Origin::new(*file, span.clone());
        match entry.key.as_str() {
            "enabled" => {
                if let Some(b) = enabled_value(&entry.value, *file, scope, errors) {
                    enabled = b;
                }
            }
            "depends_on" => match &entry.value.kind {
                NodeKind::Array(items) => {
                    for item in items {
                        let parsed = item.as_str().map(str::parse::<Address>);
                        match parsed {
                            Some(Ok(a)) => depends_on.push((a, at(&item.span))),
                            _ => errors.push(
                                ConfigError::new(
                                    codes::INVALID_VALUE,
                                    "`depends_on` entries are resource addresses",
                                )
                                .label(at(&item.span), "expected \"kind.name\"")
                                .help("write e.g. `depends_on = [\"vpc.main\"]`"),
                            ),
                        }
                    }
                }
                _ => {
                    let origin = at(&entry.value.span);
                    errors.push(
                        ConfigError::new(
                            codes::WRONG_TYPE,
                            format!(
                                "`depends_on` must be a list, found {}",
                                with_article(entry.value.type_name())
                            ),
                        )
                        .label(origin, "expected a list of addresses")
                        .help("write e.g. `depends_on = [\"vpc.main\"]`"),
                    )
                }
            },
            "existing" => match entry.value.as_str() {
                Some(id) if !id.is_empty() => {
                    existing = Some((id.to_string(), at(&entry.value.span)))
                }
                _ => errors.push(
                    ConfigError::new(
                        codes::WRONG_TYPE,
                        "`existing` must be the id of an existing resource",
                    )
                    .label(at(&entry.value.span), "expected a non-empty string")
                    .help("write e.g. `existing = \"vpc-0abc1234\"`"),
                ),
            },
            "lookup" => {
                let tags = entry.value.entries().and_then(|e| {
                    let [only] = e else { return None };
                    (only.key == "tags").then_some(())?;
                    only.value
                        .entries()?
                        .iter()
                        .map(|t| t.value.as_str().map(|v| (t.key.clone(), v.to_string())))
                        .collect::<Option<BTreeMap<_, _>>>()
                });
                match tags {
                    Some(t) if !t.is_empty() => lookup = Some((t, at(&entry.value.span))),
                    _ => errors.push(
                        ConfigError::new(
                            codes::WRONG_TYPE,
                            "`lookup` must be `{ tags = { KEY = \"VALUE\" } }`",
                        )
                        .label(
                            at(&entry.value.span),
                            "expected a table with a `tags` table of strings",
                        )
                        .help("write e.g. `lookup = { tags = { Name = \"shared\" } }`"),
                    ),
                }
            }
            key => match schema.get(key) {
                Some(attr) if attr.settable() => match node_expr(&entry.value, *file) {
                    Ok(mut expr) => match template::expand(&mut expr, templates, scope) {
                        Ok(()) => {
                            attrs.insert(key.to_string(), expr);
                        }
                        Err(e) => errors.push(e),
                    },
                    Err(e) => errors.push(e),
                },
                Some(_) => errors.push(
                    ConfigError::new(
                        codes::COMPUTED_ATTRIBUTE,
                        format!(
                            "`{key}` of {} is set by AWS, not by configuration",
                            with_article(schema.kind)
                        ),
                    )
                    .label(at(&entry.key_span), "computed attribute")
                    .help(format!(
                        "remove `{key}`; read it elsewhere as `${{{address}.{key}}}`"
                    )),
                ),
                None => {
                    let candidates = schema.settable_names().chain(META_KEYS.iter().copied());
                    let err = ConfigError::new(
                        codes::UNKNOWN_KEY,
                        format!("{} has no attribute `{key}`", with_article(schema.kind)),
                    )
                    .label(at(&entry.key_span), "unknown attribute");
                    errors.push(match did_you_mean(key, candidates) {
                        Some(s) => err.help(format!("did you mean `{s}`?")),
                        None => err.help(format!(
                            "attributes of {}: {}",
                            with_article(schema.kind),
                            schema.settable_names().collect::<Vec<_>>().join(", ")
                        )),
                    });
                }
            },
        }
    }
    let mode = match (existing, lookup) {
        (Some((id, _)), None) => Mode::Existing { id },
        (None, Some((tags, _))) => Mode::Lookup { tags },
        (None, None) => Mode::Managed,
        (Some(_), Some((_, origin))) => {
            errors.push(
                ConfigError::new(codes::INVALID_VALUE, "`existing` and `lookup` are both set")
                    .label(origin, "second way of finding the resource")
                    .help("keep `existing` (by id) or `lookup` (by tags), not both"),
            );
            Mode::Managed
        }
    };
    if mode == Mode::Managed && enabled && errors.len() == before {
        let missing: Vec<&str> = schema
            .attrs
            .iter()
            .filter(|a| a.required && !attrs.contains_key(a.name))
            .map(|a| a.name)
            .collect();
        if !missing.is_empty() {
            errors.push(
                ConfigError::new(
                    codes::MISSING_KEY,
                    format!(
                        "`{address}` lacks required attribute(s): {}",
                        missing.join(", ")
                    ),
                )
                .label(m.name.origin.clone(), "declared here")
                .help(format!(
                    "add {}",
                    missing
                        .iter()
                        .map(|m| format!("`{m} = ...`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    if errors.len() > before {
        return None;
    }
    Some((
        Resource {
            address: address.clone(),
            origin: m.name.origin.clone(),
            attrs,
            depends_on,
            mode,
        },
        enabled,
    ))
}

/// The value of an `enabled` key: a bool, or a `${...}` expression over variables and context.
/// `None` after reporting a diagnostic.
pub(super) fn enabled_value(
    node: &Node,
    file: FileId,
    scope: &StaticScope<'_>,
    errors: &mut Vec<ConfigError>,
) -> Option<bool> {
    let at = Origin::new(file, node.span.clone());
    match &node.kind {
        NodeKind::Bool(b) => Some(*b),
        NodeKind::String(_) => {
            let expr = node_expr(node, file).map_err(|e| errors.push(e)).ok()?;
            match static_eval(&expr, scope, "`enabled`", errors)?.value {
                Value::Bool(b) => Some(b),
                other => {
                    errors.push(
                        ConfigError::new(
                            codes::WRONG_TYPE,
                            format!("`enabled` must be true or false, this is {}", with_article(other.type_name())),
                        )
                        .label(at, "not a bool")
                        .help("write a comparison such as `${var.market == \"spot\"}` or `${contains(var.services, \"ollama\")}`"),
                    );
                    None
                }
            }
        }
        _ => {
            errors.push(
                ConfigError::new(
                    codes::WRONG_TYPE,
                    format!(
                        "`enabled` must be true, false or a \"${{...}}\" expression, found {}",
                        with_article(node.type_name())
                    ),
                )
                .label(at, "expected a bool")
                .help("write `enabled = false` or `enabled = \"${var.with_alb}\"`"),
            );
            None
        }
    }
}

/// Whether `expr` names a resource the tier switched off (outputs and health checks that do
/// are dropped with it).
pub(super) fn names_disabled(expr: &Expr, disabled: &BTreeMap<Address, Origin>) -> bool {
    let mut uses_disabled = false;
    expr.visit_refs(&mut |r| {
        if let RefTarget::Resource { address, .. } = &r.target {
            uses_disabled |= disabled.contains_key(address);
        }
    });
    uses_disabled
}

/// Check attribute types with variables substituted; resource attributes are unknown and pass.
fn type_check(
    address: &Address,
    resource: &Resource,
    schema: &KindSchema,
    scope: &StaticScope<'_>,
    errors: &mut Vec<ConfigError>,
) {
    for (name, expr) in &resource.attrs {
        let Some(attr) = schema.get(name) else {
            continue;
        };
        match eval(expr, scope) {
            // `null` leaves the attribute unset; a required one is then reported by the plan.
            Ok(v) if v.value == Value::Null => {}
            Ok(v) => match attr.ty.mismatch(&v.value) {
                None => {
                    if let (Some((lo, hi)), Value::Int(i)) = (attr.range, &v.value) {
                        if !(lo..=hi).contains(i) {
                            let found = if v.sensitive {
                                "a value outside".to_string()
                            } else {
                                i.to_string()
                            };
                            errors.push(
                                ConfigError::new(
                                    codes::INVALID_VALUE,
                                    format!(
                                        "`{name}` of `{address}` must be from {lo} to {hi}, found {found}"
                                    ),
                                )
                                .label(expr.origin.clone(), format!("from {lo} to {hi}"))
                                .help(format!("give `{name}` a value from {lo} to {hi}")),
                            );
                        }
                    }
                }
                // Inside a value (a key of a block, an item of a list): say where.
                Some(m)
                    if !m.path.is_empty()
                        || matches!(attr.ty, AttrType::Block(_))
                            && matches!(v.value, Value::Map(_)) =>
                {
                    errors.push(
                        ConfigError::new(
                            codes::WRONG_TYPE,
                            format!("`{name}{}` of `{address}`: {}", m.path, m.message),
                        )
                        .label(expr.origin.clone(), m.message.clone())
                        .help(match attr.description {
                            "" => format!("fix `{name}{}`", m.path),
                            d => format!("fix `{name}{}` ({d})", m.path),
                        }),
                    )
                }
                Some(_) => errors.push(
                    ConfigError::new(
                        codes::WRONG_TYPE,
                        format!(
                            "`{name}` of `{address}` must be {}, found {}",
                            with_article(&attr.ty.describe()),
                            with_article(v.value.type_name())
                        ),
                    )
                    .label(
                        expr.origin.clone(),
                        format!("expected a {}", attr.ty.describe()),
                    )
                    .help(match attr.description {
                        "" => format!("write `{name}` as a {}", attr.ty.describe()),
                        d => format!("write `{name}` as a {} ({d})", attr.ty.describe()),
                    }),
                ),
            },
            Err(e) => errors.push(
                ConfigError::new(e.code(), e.message.clone())
                    .help(e.help_or(&format!("fix the expression of `{name}`")))
                    .label(e.origin, e.message),
            ),
        }
    }
}

/// The kind's own cross-attribute rules ([`crate::provider::ResourceKind::validate`]) over
/// the values known while loading.
fn kind_rules(
    address: &Address,
    resource: &Resource,
    kind: &dyn crate::provider::ResourceKind,
    scope: &StaticScope<'_>,
    errors: &mut Vec<ConfigError>,
) {
    // A reused resource is read, not created: its kind's rules for creating do not apply.
    if resource.mode != Mode::Managed {
        return;
    }
    let attrs: crate::provider::Attrs = resource
        .attrs
        .iter()
        .filter_map(|(name, expr)| {
            let v = eval(expr, scope).ok()?;
            // A sensitive value is never shown, so rules see it as unknown.
            let value = if v.sensitive { Value::Unknown } else { v.value };
            (value != Value::Null).then(|| (name.clone(), value))
        })
        .collect();
    for invalid in kind.validate(&attrs) {
        let origin = invalid
            .attr
            .and_then(|a| resource.attrs.get(a))
            .map_or_else(|| resource.origin.clone(), |e| e.origin.clone());
        errors.push(
            ConfigError::new(
                codes::INVALID_VALUE,
                format!("`{address}`: {}", invalid.message),
            )
            .label(origin, "here")
            .help(format!(
                "see `{}` in docs/resource-kinds.md for its attributes",
                address.kind
            )),
        );
    }
}

/// Addresses of every resource declared, enabled or not (for "did you mean").
pub fn declared(resolved: &Resolved) -> BTreeSet<Address> {
    resolved
        .resources
        .keys()
        .chain(resolved.disabled.keys())
        .cloned()
        .collect()
}
