//! JSON Schema of stack and tier files, for editors (taplo / Even Better TOML).
//!
//! The schema is generated from the [`Registry`], so every kind and attribute the engine knows
//! is completed and checked by the editor. It uses the draft-04 subset editors understand; the
//! config loader remains the authority (it also resolves references and checks merged
//! stack + tier resources), the schema only catches mistakes early.
//!
//! Output is deterministic: keys are inserted in a fixed order (`serde_json` preserves insertion
//! order) and kinds come from the registry in name order.

use crate::provider::{AttrSchema, AttrType, KindSchema, OnChange, Registry};
use serde_json::{json, Map, Value as Json};

/// The `$schema` URI of JSON Schema draft-04.
pub const DRAFT_04: &str = "http://json-schema.org/draft-04/schema#";

/// A string holding a `${...}` reference, accepted wherever a typed value is.
const REFERENCE_PATTERN: &str = r"\$\{";
/// Stack names: lowercase letters, digits and '-'.
const STACK_NAME_PATTERN: &str = "^[a-z0-9-]+$";
/// A `kind.name` address in `depends_on`.
const ADDRESS_PATTERN: &str = r"^[a-z0-9_]+\.[a-z0-9_-]+$";

/// Meta keys the config loader handles on every resource; no attribute may use these names.
pub const META_KEYS: [&str; 4] = ["depends_on", "enabled", "existing", "lookup"];

/// Which file a schema is for: a stack declares resources, a tier overrides them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Stack,
    Tier,
}

/// The JSON Schema of a stack file (`stacks/*.toml`).
pub fn stack_schema(registry: &Registry) -> Json {
    let mut properties = Map::new();
    properties.insert(
        "stack".into(),
        json!({
            "type": "object",
            "description": "The stack's identity.",
            "properties": {
                "name": {
                    "type": "string",
                    "description": "Stack name: lowercase letters, digits and '-'.",
                    "pattern": STACK_NAME_PATTERN,
                },
                "description": { "type": "string", "description": "One line describing the stack." },
                "region": { "type": "string", "description": "AWS region, e.g. us-east-1." },
            },
            "required": ["name"],
            "additionalProperties": false,
        }),
    );
    properties.insert("vars".into(), stack_vars_schema());
    properties.insert("tags".into(), tags_schema());
    properties.insert("budget".into(), budget_schema());
    properties.insert("usage".into(), usage_schema(registry));
    properties.insert(
        "resource".into(),
        resources_schema(registry, FileKind::Stack),
    );
    properties.insert(
        "output".into(),
        json!({
            "type": "object",
            "description": "Outputs shown after apply; strings may contain ${...} references.",
            "additionalProperties": { "description": "Output value." },
        }),
    );
    properties.insert("health".into(), health_schema());
    document_schema(
        "strata stack",
        "A strata stack: variables, tags and resources (stacks/*.toml).",
        properties,
        "stack",
    )
}

/// The JSON Schema of a tier file (`tiers/*.toml`).
pub fn tier_schema(registry: &Registry) -> Json {
    let mut properties = Map::new();
    properties.insert(
        "tier".into(),
        json!({
            "type": "object",
            "description": "The tier's identity and the stack it overlays.",
            "properties": {
                "name": { "type": "string", "description": "Tier name, e.g. dev." },
                "stack": {
                    "type": "string",
                    "description": "The stack this tier overlays: a name (stacks/NAME.toml) or a path.",
                },
                "description": { "type": "string", "description": "One line describing the tier." },
                "region": { "type": "string", "description": "AWS region, overriding the stack's." },
            },
            "required": ["name", "stack"],
            "additionalProperties": false,
        }),
    );
    properties.insert(
        "vars".into(),
        json!({
            "type": "object",
            "description": "Values overriding the stack's variables.",
            "additionalProperties": { "description": "Value of the stack variable of this name." },
        }),
    );
    properties.insert("tags".into(), tags_schema());
    properties.insert("budget".into(), budget_schema());
    properties.insert("usage".into(), usage_schema(registry));
    properties.insert(
        "resource".into(),
        resources_schema(registry, FileKind::Tier),
    );
    document_schema(
        "strata tier",
        "A strata tier: overrides of a stack for one kind of deployment (tiers/*.toml).",
        properties,
        "tier",
    )
}

/// The top-level object of a file, with its one required table.
fn document_schema(
    title: &str,
    description: &str,
    properties: Map<String, Json>,
    required: &str,
) -> Json {
    json!({
        "$schema": DRAFT_04,
        "title": title,
        "description": description,
        "type": "object",
        "properties": properties,
        "required": [required],
        "additionalProperties": false,
    })
}

/// `[vars]` of a stack: each variable is a plain value (its default) or a declaration table.
fn stack_vars_schema() -> Json {
    json!({
        "type": "object",
        "description": "Variables: a plain value (the default) or a declaration { default, sensitive, description }.",
        "additionalProperties": {
            "oneOf": [
                {
                    "type": ["string", "number", "boolean", "array"],
                    "description": "Default value of the variable.",
                },
                {
                    "type": "object",
                    "description": "Variable declaration; a table value is always a declaration.",
                    "properties": {
                        "default": { "description": "Default value; tiers may override it." },
                        "sensitive": {
                            "type": "boolean",
                            "description": "Never show or store the value in clear.",
                        },
                        "description": { "type": "string", "description": "One line describing the variable." },
                    },
                    "additionalProperties": false,
                },
            ],
        },
    })
}

/// `[tags]`: string values applied to every taggable resource.
fn tags_schema() -> Json {
    json!({
        "type": "object",
        "description": "Tags applied to every taggable resource; values may contain ${...}.",
        "additionalProperties": { "type": "string" },
    })
}

/// `[budget]`: the monthly cost ceiling.
fn budget_schema() -> Json {
    json!({
        "type": "object",
        "description": "Cost ceiling checked before apply.",
        "properties": {
            "monthly_usd": {
                "type": "number",
                "minimum": 0,
                "description": "Monthly ceiling in US dollars: apply stops when the plan ends above it.",
            },
            "alert_at": {
                "type": "array",
                "items": { "type": "number", "exclusiveMinimum": 0, "maximum": 1000 },
                "description": "Percentages of monthly_usd at which an AWS budget alerts (with alert_emails).",
            },
            "alert_emails": {
                "type": "array",
                "items": { "type": "string" },
                "description": "Who the AWS budget's alerts go to (with alert_at).",
            },
        },
        "required": ["monthly_usd"],
        "additionalProperties": false,
    })
}

/// `[usage]`: quantities for usage-billed items, per kind (and per resource), from the kinds'
/// declared usage keys.
fn usage_schema(registry: &Registry) -> Json {
    let mut properties = serde_json::Map::new();
    properties.insert(
        "spot_price_ratio".into(),
        json!({
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "description": "Share of the on-demand price a spot hour is estimated at (default 0.4).",
        }),
    );
    for name in registry.names() {
        let Some(schema) = registry.schema(name) else {
            continue;
        };
        if schema.usage.is_empty() {
            continue;
        }
        let keys: serde_json::Map<String, Json> = schema
            .usage
            .iter()
            .map(|u| {
                (
                    u.name.to_string(),
                    json!({
                        "type": "number",
                        "minimum": 0,
                        "description": format!("{} ({} a month; default {}).", u.doc, u.unit, u.default),
                    }),
                )
            })
            .collect();
        properties.insert(
            name.into(),
            json!({
                "type": "object",
                "description": format!("Usage of every {name}, or of one (a table named after it)."),
                "properties": keys,
                "additionalProperties": {
                    "type": "object",
                    "properties": keys,
                    "additionalProperties": false,
                },
            }),
        );
    }
    json!({
        "type": "object",
        "description": "Quantities that usage-billed items are estimated with; unset keys take the kind's default.",
        "properties": properties,
        "additionalProperties": false,
    })
}

/// `[health.<service>]`: how `strata health` checks each service after apply.
fn health_schema() -> Json {
    json!({
        "type": "object",
        "description": "Health checks by service name, run by `strata health` and `strata apply --wait-healthy`.",
        "additionalProperties": {
            "type": "object",
            "description": "One service's health check.",
            "properties": {
                "url": {
                    "type": "string",
                    "description": "Plain http:// URL to GET; may contain ${...} references, resolved against state after apply.",
                },
                "enabled": {
                    "description": "Whether this deployment checks the service: a bool or a ${...} expression over variables and tier.",
                    "anyOf": [{ "type": "boolean" }, reference_schema()],
                },
                "hint": {
                    "type": "string",
                    "description": "What to do when the check fails, shown with the failure.",
                },
                "expect": {
                    "type": "integer",
                    "minimum": 100,
                    "description": "The HTTP status a healthy service answers (default: any 2xx).",
                },
            },
            "required": ["url"],
            "additionalProperties": false,
        },
    })
}

/// `[resource]`: one table per kind, each holding resources by name.
fn resources_schema(registry: &Registry, file: FileKind) -> Json {
    let mut kinds = Map::new();
    for name in registry.names() {
        if let Some(schema) = registry.schema(name) {
            kinds.insert(
                name.to_string(),
                json!({
                    "type": "object",
                    "description": schema.description,
                    "additionalProperties": resource_schema(schema, file),
                }),
            );
        }
    }
    let description = match file {
        FileKind::Stack => "Resources, as [resource.KIND.NAME] tables.",
        FileKind::Tier => {
            "Overrides merged onto the stack's resources, as [resource.KIND.NAME] tables."
        }
    };
    json!({
        "type": "object",
        "description": description,
        "properties": kinds,
        "additionalProperties": false,
    })
}

/// One `[resource.KIND.NAME]` table: the kind's settable attributes plus the meta keys.
fn resource_schema(kind: &KindSchema, file: FileKind) -> Json {
    let mut properties = Map::new();
    for attr in kind.attrs.iter().filter(|a| a.settable()) {
        properties.insert(attr.name.to_string(), attr_schema(attr));
    }
    for (name, schema) in meta_key_schemas() {
        properties.insert(name.to_string(), schema);
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("description".into(), json!(kind.description));
    schema.insert("properties".into(), Json::Object(properties));
    schema.insert("additionalProperties".into(), json!(false));
    // Tiers only override, and a reused resource (`existing` / `lookup`) is read, not created:
    // required attributes apply only to a stack resource strata creates.
    let required: Vec<&str> = kind
        .attrs
        .iter()
        .filter(|a| a.required)
        .map(|a| a.name)
        .collect();
    if file == FileKind::Stack && !required.is_empty() {
        schema.insert(
            "anyOf".into(),
            json!([
                { "required": required },
                { "required": ["existing"] },
                { "required": ["lookup"] },
            ]),
        );
    }
    Json::Object(schema)
}

/// The meta keys every resource accepts, in a fixed order.
fn meta_key_schemas() -> [(&'static str, Json); 4] {
    [
        (
            "depends_on",
            json!({
                "type": "array",
                "description": "Resources to create before this one, as \"kind.name\", beyond those referenced.",
                "items": { "type": "string", "pattern": ADDRESS_PATTERN },
            }),
        ),
        (
            "enabled",
            json!({
                "description": "Whether the resource exists in this deployment: a bool or a ${...} expression.",
                "anyOf": [{ "type": "boolean" }, reference_schema()],
            }),
        ),
        (
            "existing",
            json!({
                "type": "string",
                "description": "Reuse an existing resource by its id; strata reads it and never changes or deletes it.",
            }),
        ),
        (
            "lookup",
            json!({
                "type": "object",
                "description": "Reuse an existing resource found by tags; strata reads it and never changes or deletes it.",
                "properties": {
                    "tags": {
                        "type": "object",
                        "description": "Tags the resource must all carry.",
                        "additionalProperties": { "type": "string" },
                    },
                },
                "required": ["tags"],
                "additionalProperties": false,
            }),
        ),
    ]
}

/// One attribute: its type (or a reference), with a description that says what a change does.
fn attr_schema(attr: &AttrSchema) -> Json {
    let mut description = format!("{}.", attr.description);
    if attr.required {
        description.push_str(" Required.");
    }
    if attr.on_change == OnChange::Replace {
        description.push_str(" Changing it replaces the resource.");
    }
    if attr.sensitive {
        description.push_str(" Sensitive: never shown in clear.");
    }
    let mut schema = Map::new();
    schema.insert("description".into(), Json::String(description));
    let typed = match (attr.range, &attr.ty) {
        (Some((lo, hi)), AttrType::Int) => {
            or_reference(json!({ "type": "integer", "minimum": lo, "maximum": hi }))
        }
        _ => type_schema(&attr.ty),
    };
    if let Json::Object(type_schema) = typed {
        schema.extend(type_schema);
    }
    Json::Object(schema)
}

/// The schema of a type; any non-string type also accepts a `${...}` reference string.
fn type_schema(ty: &AttrType) -> Json {
    match ty {
        AttrType::String => json!({ "type": "string" }),
        AttrType::Int => or_reference(json!({ "type": "integer" })),
        AttrType::Number => or_reference(json!({ "type": "number" })),
        AttrType::Bool => or_reference(json!({ "type": "boolean" })),
        AttrType::List(inner) => {
            or_reference(json!({ "type": "array", "items": type_schema(inner) }))
        }
        AttrType::Map(inner) => or_reference(json!({
            "type": "object",
            "additionalProperties": type_schema(inner),
        })),
        AttrType::Any => json!({}),
        AttrType::Block(fields) => {
            let properties: Map<String, Json> = fields
                .iter()
                .map(|f| (f.name.to_string(), type_schema(&f.ty)))
                .collect();
            let required: Vec<&str> = fields
                .iter()
                .filter(|f| f.required)
                .map(|f| f.name)
                .collect();
            or_reference(json!({
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            }))
        }
    }
}

fn or_reference(schema: Json) -> Json {
    json!({ "anyOf": [schema, reference_schema()] })
}

/// A string containing a `${...}` reference.
fn reference_schema() -> Json {
    json!({ "type": "string", "pattern": REFERENCE_PATTERN })
}
