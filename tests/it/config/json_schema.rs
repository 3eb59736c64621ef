//! The JSON Schema of stack and tier files: deterministic, complete, and right about sample
//! documents. Samples are checked by a small draft-04 validator below (the subset the schema
//! uses), so no validator crate is needed.

use serde_json::Value as Json;
use strata::aws::registry;
use strata::config::json_schema::{stack_schema, tier_schema, DRAFT_04};

// ---------------------------------------------------------------------------------------------
// A tiny draft-04 validator for the subset the generated schema uses.
// ---------------------------------------------------------------------------------------------

/// Every keyword the validator understands; any other keyword in the schema fails the tests, so
/// the schema cannot drift outside the subset editors support without notice.
const KNOWN_KEYWORDS: [&str; 16] = [
    "$schema",
    "title",
    "description",
    "type",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "enum",
    "anyOf",
    "oneOf",
    "items",
    "minimum",
    "pattern",
    "default",
    "definitions",
];

fn validate(schema: &Json, doc: &Json) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, doc, "$", &mut errors);
    errors
}

fn check(schema: &Json, doc: &Json, path: &str, errors: &mut Vec<String>) {
    let Some(schema) = schema.as_object() else {
        panic!("schema at {path} is not an object");
    };
    for key in schema.keys() {
        assert!(
            KNOWN_KEYWORDS.contains(&key.as_str()),
            "unknown keyword {key} at {path}"
        );
    }
    if let Some(ty) = schema.get("type") {
        let types: Vec<&str> = match ty {
            Json::String(t) => vec![t.as_str()],
            Json::Array(ts) => ts.iter().filter_map(Json::as_str).collect(),
            other => panic!("bad type {other} at {path}"),
        };
        if !types.iter().any(|t| has_type(doc, t)) {
            errors.push(format!("{path}: expected {types:?}, got {doc}"));
            return;
        }
    }
    if let Some(Json::Array(options)) = schema.get("enum") {
        if !options.contains(doc) {
            errors.push(format!("{path}: {doc} not in enum"));
        }
    }
    if let (Some(min), Some(n)) = (schema.get("minimum").and_then(Json::as_f64), doc.as_f64()) {
        if n < min {
            errors.push(format!("{path}: {n} < minimum {min}"));
        }
    }
    if let (Some(pattern), Some(s)) = (schema.get("pattern").and_then(Json::as_str), doc.as_str()) {
        if !Regex::new(pattern).is_match(s) {
            errors.push(format!("{path}: {s:?} does not match {pattern}"));
        }
    }
    if let (Some(Json::Array(required)), Some(obj)) = (schema.get("required"), doc.as_object()) {
        for key in required.iter().filter_map(Json::as_str) {
            if !obj.contains_key(key) {
                errors.push(format!("{path}: missing required key {key}"));
            }
        }
    }
    if let Some(obj) = doc.as_object() {
        let properties = schema.get("properties").and_then(Json::as_object);
        let patterns = schema.get("patternProperties").and_then(Json::as_object);
        for (key, value) in obj {
            let child = format!("{path}.{key}");
            let mut matched = false;
            if let Some(sub) = properties.and_then(|p| p.get(key)) {
                matched = true;
                check(sub, value, &child, errors);
            }
            for (pattern, sub) in patterns.into_iter().flatten() {
                if Regex::new(pattern).is_match(key) {
                    matched = true;
                    check(sub, value, &child, errors);
                }
            }
            if !matched {
                match schema.get("additionalProperties") {
                    Some(Json::Bool(false)) => {
                        errors.push(format!("{path}: unexpected key {key}"));
                    }
                    Some(sub @ Json::Object(_)) => check(sub, value, &child, errors),
                    _ => {}
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), doc.as_array()) {
        for (i, item) in list.iter().enumerate() {
            check(items, item, &format!("{path}[{i}]"), errors);
        }
    }
    if let Some(Json::Array(options)) = schema.get("anyOf") {
        let branches: Vec<Vec<String>> =
            options.iter().map(|o| validate_at(o, doc, path)).collect();
        if branches.iter().all(|b| !b.is_empty()) {
            // Keep every branch's reasons: they say what would have made the value fit.
            errors.push(format!("{path}: {doc} matches none of anyOf: {branches:?}"));
        }
    }
    if let Some(Json::Array(options)) = schema.get("oneOf") {
        let passing = options
            .iter()
            .filter(|o| validate_at(o, doc, path).is_empty())
            .count();
        if passing != 1 {
            errors.push(format!("{path}: {doc} matches {passing} of oneOf"));
        }
    }
}

fn validate_at(schema: &Json, doc: &Json, path: &str) -> Vec<String> {
    let mut errors = Vec::new();
    check(schema, doc, path, &mut errors);
    errors
}

fn has_type(doc: &Json, ty: &str) -> bool {
    match ty {
        "object" => doc.is_object(),
        "array" => doc.is_array(),
        "string" => doc.is_string(),
        "boolean" => doc.is_boolean(),
        "number" => doc.is_number(),
        "integer" => doc.is_i64() || doc.is_u64(),
        "null" => doc.is_null(),
        other => panic!("unknown type {other}"),
    }
}

/// A backtracking matcher for the regex subset the schema uses: `^`, `$`, literals, `\`
/// escapes, character classes with ranges, and the quantifiers `+`, `*`, `?`. Anything else
/// panics, so a pattern outside the subset is noticed.
struct Regex {
    anchored_start: bool,
    anchored_end: bool,
    atoms: Vec<(Atom, Quantifier)>,
}

#[derive(Clone)]
enum Atom {
    Char(char),
    Class(Vec<(char, char)>),
}

#[derive(Clone, Copy, PartialEq)]
enum Quantifier {
    One,
    OneOrMore,
    ZeroOrMore,
    ZeroOrOne,
}

impl Atom {
    fn matches(&self, c: char) -> bool {
        match self {
            Atom::Char(x) => *x == c,
            Atom::Class(ranges) => ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)),
        }
    }
}

impl Regex {
    fn new(pattern: &str) -> Regex {
        let mut chars: Vec<char> = pattern.chars().collect();
        let anchored_start = chars.first() == Some(&'^');
        if anchored_start {
            chars.remove(0);
        }
        let anchored_end = chars.last() == Some(&'$') && !ends_escaped(&chars);
        if anchored_end {
            chars.pop();
        }
        let mut atoms = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let atom = match chars[i] {
                '\\' => {
                    i += 1;
                    Atom::Char(*chars.get(i).expect("dangling escape"))
                }
                '[' => {
                    let mut ranges = Vec::new();
                    i += 1;
                    while chars[i] != ']' {
                        let lo = if chars[i] == '\\' {
                            i += 1;
                            chars[i]
                        } else {
                            chars[i]
                        };
                        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2) != Some(&']') {
                            ranges.push((lo, chars[i + 2]));
                            i += 3;
                        } else {
                            ranges.push((lo, lo));
                            i += 1;
                        }
                    }
                    Atom::Class(ranges)
                }
                c @ ('(' | ')' | '|' | '{' | '}' | '.' | '^' | '$' | '+' | '*' | '?') => {
                    panic!("pattern {pattern:?} uses {c:?}, outside the supported subset")
                }
                c => Atom::Char(c),
            };
            i += 1;
            let quantifier = match chars.get(i) {
                Some('+') => Quantifier::OneOrMore,
                Some('*') => Quantifier::ZeroOrMore,
                Some('?') => Quantifier::ZeroOrOne,
                _ => Quantifier::One,
            };
            if quantifier != Quantifier::One {
                i += 1;
            }
            atoms.push((atom, quantifier));
        }
        Regex {
            anchored_start,
            anchored_end,
            atoms,
        }
    }

    fn is_match(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let starts = if self.anchored_start {
            0..=0
        } else {
            0..=text.len()
        };
        starts.into_iter().any(|s| self.match_here(0, &text[s..]))
    }

    fn match_here(&self, atom: usize, text: &[char]) -> bool {
        let Some((a, q)) = self.atoms.get(atom) else {
            return !self.anchored_end || text.is_empty();
        };
        let (min, max) = match q {
            Quantifier::One => (1, 1),
            Quantifier::OneOrMore => (1, usize::MAX),
            Quantifier::ZeroOrMore => (0, usize::MAX),
            Quantifier::ZeroOrOne => (0, 1),
        };
        let run = text.iter().take_while(|c| a.matches(**c)).count().min(max);
        (min..=run)
            .rev()
            .any(|n| self.match_here(atom + 1, &text[n..]))
    }
}

fn ends_escaped(chars: &[char]) -> bool {
    chars.len() >= 2 && chars[chars.len() - 2] == '\\'
}

// ---------------------------------------------------------------------------------------------
// Sample documents.
// ---------------------------------------------------------------------------------------------

/// Parse TOML into plain JSON, the shape editors validate.
fn toml_to_json(text: &str) -> Json {
    let value = toml_span::parse(text).expect("sample TOML parses");
    convert(value)
}

fn convert(mut value: toml_span::Value<'_>) -> Json {
    use toml_span::value::ValueInner;
    match value.take() {
        ValueInner::String(s) => Json::String(s.into_owned()),
        ValueInner::Integer(i) => Json::from(i),
        ValueInner::Float(f) => serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number),
        ValueInner::Boolean(b) => Json::Bool(b),
        ValueInner::Array(items) => Json::Array(items.into_iter().map(convert).collect()),
        ValueInner::Table(table) => Json::Object(
            table
                .into_iter()
                .map(|(k, v)| (k.name.into_owned(), convert(v)))
                .collect(),
        ),
    }
}

const SAMPLE_STACK: &str = r#"
[stack]
name = "ai-stack"
description = "n8n + PostgreSQL, Ollama, Qdrant, Crawl4AI on one EC2 host"
region = "us-east-1"

[vars]
instance_type = "t3.large"
market = "spot"
services = ["n8n", "postgres", "ollama"]
disk_gb = 60
db_password = { default = "x", sensitive = true, description = "PostgreSQL password" }
region_override = { description = "required from the tier" }

[tags]
Project = "ai-stack"
Environment = "${tier.name}"

[budget]
monthly_usd = 25

[resource.vpc.main]
cidr_block = "10.42.0.0/16"
enable_dns_hostnames = true

[resource.vpc.shared]
lookup = { tags = { Name = "shared" } }

[resource.subnet.public_a]
vpc_id = "${vpc.main.id}"
cidr_block = "10.42.1.0/24"
availability_zone = "us-east-1a"
map_public_ip_on_launch = "${var.market == \"spot\"}"

[resource.internet_gateway.gw]
vpc_id = "${vpc.main.id}"

[resource.route_table.public]
vpc_id = "${vpc.main.id}"
routes = [{ destination_cidr_block = "0.0.0.0/0", gateway_id = "${internet_gateway.gw.id}" }]
subnet_ids = ["${subnet.public_a.id}"]

[resource.security_group.host]
vpc_id = "${vpc.main.id}"
name = "ai-host"
description = "AI host"
ingress = [
  { protocol = "tcp", from_port = 5678, to_port = 5678, cidr_blocks = ["0.0.0.0/0"] },
  { protocol = "tcp", from_port = 80, to_port = 80, prefix_list_name = "com.amazonaws.global.cloudfront.origin-facing" },
]

[resource.key_pair.admin]
public_key = "ssh-ed25519 AAAA admin"
enabled = "${var.market != \"spot\"}"

[resource.instance.host]
ami_ssm_parameter = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
instance_type = "${var.instance_type}"
market = "${var.market}"
subnet_id = "${subnet.public_a.id}"
vpc_security_group_ids = ["${security_group.host.id}"]
user_data = { template = "ai-stack/user-data.sh", vars = { services = "${var.services}" } }
root_volume = { size_gb = 60, type = "gp3", encrypted = true }
depends_on = ["internet_gateway.gw"]

[resource.iam_role.host]
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] }
managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]

[resource.efs_file_system.models]
encrypted = true
existing = "fs-0123"

[resource.listener.https]
load_balancer_arn = "${load_balancer.web.arn}"
port = 443
default_action = { type = "forward", target_group_arn = "${target_group.web.arn}" }

[output]
n8n_url = "http://${instance.host.public_ip}:5678"
"#;

const SAMPLE_TIER: &str = r#"
[tier]
name = "gpu"
stack = "ai-stack"

[vars]
instance_type = "g4dn.xlarge"
services = ["ollama"]

[tags]
CostCenter = "ml"

[budget]
monthly_usd = 400.5

[resource.instance.host]
root_volume = { size_gb = 200 }

[resource.distribution.cdn]
enabled = false
"#;

fn stack_errors(text: &str) -> Vec<String> {
    validate(&stack_schema(&registry()), &toml_to_json(text))
}

fn tier_errors(text: &str) -> Vec<String> {
    validate(&tier_schema(&registry()), &toml_to_json(text))
}

/// The sample stack with one extra resource appended.
fn stack_with(extra: &str) -> String {
    format!("{SAMPLE_STACK}\n{extra}\n")
}

/// Assert the text is rejected and one error mentions `needle`.
fn assert_rejected(errors: Vec<String>, needle: &str) {
    assert!(
        errors.iter().any(|e| e.contains(needle)),
        "expected an error mentioning {needle:?}, got {errors:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn schemas_are_draft_04_and_deterministic() {
    let a = serde_json::to_string_pretty(&stack_schema(&registry())).unwrap();
    let b = serde_json::to_string_pretty(&stack_schema(&registry())).unwrap();
    assert_eq!(a, b);
    let a = serde_json::to_string_pretty(&tier_schema(&registry())).unwrap();
    let b = serde_json::to_string_pretty(&tier_schema(&registry())).unwrap();
    assert_eq!(a, b);
    for schema in [stack_schema(&registry()), tier_schema(&registry())] {
        assert_eq!(schema["$schema"], DRAFT_04);
        // Keys come in a fixed, deliberate order (not alphabetical).
        let top: Vec<&String> = schema.as_object().unwrap().keys().collect();
        assert_eq!(
            top,
            [
                "$schema",
                "title",
                "description",
                "type",
                "properties",
                "required",
                "additionalProperties"
            ]
        );
    }
    let sections: Vec<String> = stack_schema(&registry())["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        sections,
        ["stack", "vars", "tags", "budget", "usage", "resource", "output", "health"]
    );
}

#[test]
fn every_kind_is_listed_in_both_schemas() {
    let registry = registry();
    let kinds: Vec<&str> = registry.names().collect();
    assert_eq!(kinds.len(), 34);
    for schema in [stack_schema(&registry), tier_schema(&registry)] {
        let listed: Vec<&str> = schema["properties"]["resource"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(listed, kinds);
    }
}

#[test]
fn resource_tables_offer_settable_attributes_and_meta_keys_only() {
    let registry = registry();
    let schema = stack_schema(&registry);
    for name in registry.names() {
        let kind = registry.schema(name).unwrap();
        let resource =
            &schema["properties"]["resource"]["properties"][name]["additionalProperties"];
        assert_eq!(resource["additionalProperties"], false, "{name}");
        let offered = resource["properties"].as_object().unwrap();
        for attr in &kind.attrs {
            assert_eq!(
                offered.contains_key(attr.name),
                attr.settable(),
                "{name}.{}",
                attr.name
            );
            if attr.settable() {
                let description = offered[attr.name]["description"].as_str().unwrap();
                assert!(
                    description.starts_with(attr.description),
                    "{name}.{}",
                    attr.name
                );
            }
        }
        for meta in ["depends_on", "enabled", "existing", "lookup"] {
            assert!(offered.contains_key(meta), "{name} lacks meta key {meta}");
        }
    }
    let cidr = &schema["properties"]["resource"]["properties"]["vpc"]["additionalProperties"]
        ["properties"]["cidr_block"]["description"];
    assert!(cidr.as_str().unwrap().contains("replaces the resource"));
}

#[test]
fn every_pattern_is_in_the_supported_subset() {
    fn walk(schema: &Json) {
        match schema {
            Json::Object(map) => {
                if let Some(Json::String(p)) = map.get("pattern") {
                    Regex::new(p);
                }
                if let Some(Json::Object(patterns)) = map.get("patternProperties") {
                    patterns.keys().for_each(|p| {
                        Regex::new(p);
                    });
                }
                map.values().for_each(walk);
            }
            Json::Array(items) => items.iter().for_each(walk),
            _ => {}
        }
    }
    walk(&stack_schema(&registry()));
    walk(&tier_schema(&registry()));
}

#[test]
fn mini_regex_matches_like_ecmascript() {
    let reference = Regex::new(r"\$\{");
    assert!(reference.is_match("a ${var.x} b"));
    assert!(!reference.is_match("$ {var.x}"));
    let name = Regex::new("^[a-z0-9-]+$");
    assert!(name.is_match("ai-stack"));
    assert!(!name.is_match("AI-stack"));
    assert!(!name.is_match(""));
    let address = Regex::new(r"^[a-z0-9_]+\.[a-z0-9_-]+$");
    assert!(address.is_match("vpc.main"));
    assert!(!address.is_match("vpc"));
    assert!(!address.is_match("vpc.main.id"));
}

#[test]
fn sample_stack_and_tier_are_valid() {
    assert_eq!(stack_errors(SAMPLE_STACK), Vec::<String>::new());
    assert_eq!(tier_errors(SAMPLE_TIER), Vec::<String>::new());
}

#[test]
fn unknown_kind_and_unknown_attribute_are_rejected() {
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.transit_gateway.a]\nsubnet_id = \"x\"",
        )),
        "unexpected key transit_gateway",
    );
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.vpc.b]\ncidr_block = \"10.0.0.0/16\"\ncidr = \"x\"",
        )),
        "unexpected key cidr",
    );
    assert_rejected(
        tier_errors(&format!(
            "{SAMPLE_TIER}\n[resource.instance.other]\ninstance_typ = \"t3.small\"\n"
        )),
        "unexpected key instance_typ",
    );
}

#[test]
fn computed_attributes_cannot_be_set() {
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.elastic_ip.ip]\npublic_ip = \"1.2.3.4\"",
        )),
        "unexpected key public_ip",
    );
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.vpc.b]\ncidr_block = \"10.0.0.0/16\"\nid = \"vpc-1\"",
        )),
        "unexpected key id",
    );
}

#[test]
fn types_are_checked_and_references_accepted_anywhere() {
    assert_rejected(
        stack_errors(&stack_with("[resource.subnet.b]\nvpc_id = \"v\"\ncidr_block = \"c\"\nmap_public_ip_on_launch = \"yes\"")),
        "map_public_ip_on_launch",
    );
    assert_rejected(
        stack_errors(&stack_with("[resource.vpc.b]\ncidr_block = 10")),
        "cidr_block",
    );
    assert_rejected(
        stack_errors(&stack_with("[resource.target_group.web]\nport = 80.5")),
        "port",
    );
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.instance.b]\nvpc_security_group_ids = [1, 2]",
        )),
        "vpc_security_group_ids[0]",
    );
    let references = stack_with(
        "[resource.target_group.web]\nport = \"${var.port}\"\n\
         [resource.load_balancer.web]\nsubnets = \"${var.subnets}\"\ninternal = \"${var.internal}\"",
    );
    assert_eq!(stack_errors(&references), Vec::<String>::new());
}

#[test]
fn required_attributes_apply_to_created_stack_resources_only() {
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.subnet.b]\ncidr_block = \"10.42.2.0/24\"",
        )),
        "missing required key vpc_id",
    );
    // Reused resources are read, not created.
    assert_eq!(
        stack_errors(&stack_with(
            "[resource.subnet.b]\nexisting = \"subnet-0abc\""
        )),
        Vec::<String>::new()
    );
    // Tiers only override.
    assert_eq!(
        tier_errors(&format!(
            "{SAMPLE_TIER}\n[resource.subnet.public_a]\nmap_public_ip_on_launch = false\n"
        )),
        Vec::<String>::new()
    );
}

#[test]
fn meta_keys_are_checked() {
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.vpc.b]\ncidr_block = \"c\"\ndepends_on = [\"vpc\"]",
        )),
        "depends_on[0]",
    );
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.vpc.b]\ncidr_block = \"c\"\nenabled = \"yes\"",
        )),
        "enabled",
    );
    assert_rejected(
        stack_errors(&stack_with(
            "[resource.vpc.b]\nlookup = { Name = \"shared\" }",
        )),
        "lookup",
    );
}

#[test]
fn file_sections_are_checked() {
    assert_rejected(
        stack_errors(&SAMPLE_STACK.replace("name = \"ai-stack\"", "name = \"AI Stack\"")),
        "does not match",
    );
    assert_rejected(
        stack_errors(&SAMPLE_STACK.replace("monthly_usd = 25", "monthly_usd = -1")),
        "minimum",
    );
    assert_rejected(
        stack_errors(&SAMPLE_STACK.replace("sensitive = true,", "secret = true,")),
        "db_password",
    );
    assert_rejected(
        stack_errors(&SAMPLE_STACK.replace("Project = \"ai-stack\"", "Project = 1")),
        "tags.Project",
    );
    assert_rejected(
        stack_errors("[stack]\nname = \"a\"\n[variables]\n"),
        "unexpected key variables",
    );
    assert_rejected(
        stack_errors("[vars]\nx = 1\n"),
        "missing required key stack",
    );
    assert_rejected(
        tier_errors("[tier]\nname = \"dev\"\n"),
        "missing required key stack",
    );
    assert_rejected(
        tier_errors(&format!("{SAMPLE_TIER}\n[output]\nx = 1\n")),
        "unexpected key output",
    );
}
