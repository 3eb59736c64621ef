//! The resource-kind schemas: completeness, the names other code relies on, AWS semantics, and
//! the generated reference in docs/resource-kinds.md.

use std::collections::BTreeSet;
use strata::aws::docs::kinds_markdown;
use strata::aws::registry;
use strata::config::json_schema::META_KEYS;
use strata::provider::{AttrSchema, AttrType, KindSchema, OnChange, Registry};

fn kinds(registry: &Registry) -> Vec<&KindSchema> {
    registry
        .names()
        .map(|n| registry.schema(n).expect("registered kind has a schema"))
        .collect()
}

fn attr<'a>(registry: &'a Registry, kind: &str, name: &str) -> &'a AttrSchema {
    registry
        .schema(kind)
        .unwrap_or_else(|| panic!("kind {kind} missing"))
        .get(name)
        .unwrap_or_else(|| panic!("attribute {kind}.{name} missing"))
}

fn string_list() -> AttrType {
    AttrType::List(Box::new(AttrType::String))
}

/// The kinds written under src/aws: every `KindSchema::new("NAME", ...)` found in the source.
fn kinds_in_source() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut todo = vec![crate::support::repo_root().join("src/aws")];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/aws readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (at, _) in text.match_indices("KindSchema::new(") {
                let rest = &text[at + "KindSchema::new(".len()..];
                let name = rest.trim_start().trim_start_matches('"');
                if let Some(end) = name.find('"') {
                    found.insert(name[..end].to_string());
                }
            }
        }
    }
    found
}

/// A kind written but not registered would be unknown to validate, plan and teardown: the
/// registry must hold exactly the kinds the source defines.
#[test]
fn registry_has_every_kind_the_source_defines() {
    let registry = registry();
    let names: BTreeSet<String> = registry.names().map(str::to_string).collect();
    let written = kinds_in_source();
    assert!(written.len() >= 19, "kinds found in src/aws: {written:?}");
    assert_eq!(names, written);
}

#[test]
fn every_kind_has_a_computed_string_id() {
    let registry = registry();
    for kind in kinds(&registry) {
        let id = kind
            .get("id")
            .unwrap_or_else(|| panic!("{} has no id", kind.kind));
        assert_eq!(id.ty, AttrType::String, "{}.id", kind.kind);
        assert!(
            id.computed && !id.settable(),
            "{}.id must be computed only",
            kind.kind
        );
    }
}

#[test]
fn attribute_names_are_unique_lowercase_and_not_meta_keys() {
    let registry = registry();
    for kind in kinds(&registry) {
        let mut seen = BTreeSet::new();
        for a in &kind.attrs {
            assert!(
                seen.insert(a.name),
                "{}.{} declared twice",
                kind.kind,
                a.name
            );
            assert!(
                !META_KEYS.contains(&a.name),
                "{}.{} collides with a meta key",
                kind.kind,
                a.name
            );
            assert!(
                !a.name.is_empty()
                    && a.name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}.{} is not snake_case",
                kind.kind,
                a.name
            );
        }
    }
}

#[test]
fn every_kind_and_attribute_is_documented() {
    let registry = registry();
    for kind in kinds(&registry) {
        assert!(
            !kind.description.is_empty(),
            "{} has no description",
            kind.kind
        );
        for a in &kind.attrs {
            assert!(
                !a.description.is_empty(),
                "{}.{} has no doc",
                kind.kind,
                a.name
            );
            assert!(
                !a.description.contains('\n'),
                "{}.{} doc spans lines",
                kind.kind,
                a.name
            );
        }
    }
}

#[test]
fn required_attributes_are_settable_and_not_computed() {
    let registry = registry();
    for kind in kinds(&registry) {
        for a in kind.attrs.iter().filter(|a| a.required) {
            assert!(a.settable() && !a.computed, "{}.{}", kind.kind, a.name);
        }
    }
}

#[test]
fn taggable_kinds_and_only_those_have_tags() {
    let registry = registry();
    for kind in kinds(&registry) {
        assert_eq!(kind.taggable, kind.get("tags").is_some(), "{}", kind.kind);
    }
    // Attachments and mount targets take no tags in AWS.
    for untaggable in ["volume_attachment", "target_attachment", "efs_mount_target"] {
        assert!(
            !registry.schema(untaggable).unwrap().taggable,
            "{untaggable}"
        );
    }
    for taggable in [
        "vpc",
        "instance",
        "security_group",
        "distribution",
        "iam_role",
    ] {
        assert!(registry.schema(taggable).unwrap().taggable, "{taggable}");
    }
}

#[test]
fn names_other_code_generates_exist_with_their_types() {
    let registry = registry();
    let settable = [
        ("vpc", "cidr_block", AttrType::String),
        ("subnet", "vpc_id", AttrType::String),
        ("subnet", "cidr_block", AttrType::String),
        ("subnet", "availability_zone", AttrType::String),
        ("security_group", "vpc_id", AttrType::String),
        ("security_group", "name", AttrType::String),
        ("security_group", "description", AttrType::String),
        ("instance", "ami", AttrType::String),
        ("instance", "instance_type", AttrType::String),
        ("instance", "subnet_id", AttrType::String),
        ("instance", "vpc_security_group_ids", string_list()),
        ("instance", "market", AttrType::String),
        ("iam_role", "name", AttrType::String),
        ("iam_role", "assume_role_policy", AttrType::Any),
        ("internet_gateway", "vpc_id", AttrType::String),
        ("route_table", "vpc_id", AttrType::String),
        ("route_table", "subnet_ids", string_list()),
        ("key_pair", "public_key", AttrType::String),
    ];
    for (kind, name, ty) in settable {
        let a = attr(&registry, kind, name);
        assert_eq!(a.ty, ty, "{kind}.{name}");
        assert!(a.settable(), "{kind}.{name} must be settable");
    }
    // Lists of blocks: each rule or route is a table of known keys.
    for (kind, name) in [("security_group", "ingress"), ("route_table", "routes")] {
        let a = attr(&registry, kind, name);
        assert!(
            matches!(&a.ty, AttrType::List(inner) if matches!(**inner, AttrType::Block(_))),
            "{kind}.{name} is {:?}",
            a.ty
        );
        assert!(a.settable());
    }
    // user_data is a script string or a { template, vars } table.
    let user_data = attr(&registry, "instance", "user_data");
    assert!(user_data.settable());
    assert!(user_data.ty.accepts(&strata::Value::str("#!/bin/sh")));
    assert!(user_data
        .ty
        .accepts(&strata::Value::Map(Default::default())));
}

#[test]
fn computed_attributes_readable_in_references() {
    let registry = registry();
    let computed = [
        ("instance", "public_ip"),
        ("instance", "private_ip"),
        ("instance", "arn"),
        ("key_pair", "fingerprint"),
        ("iam_role", "arn"),
        ("iam_role", "unique_id"),
        ("instance_profile", "arn"),
        ("load_balancer", "dns_name"),
        ("load_balancer", "zone_id"),
        ("target_group", "arn"),
        ("listener", "arn"),
        ("distribution", "domain_name"),
        ("distribution", "etag"),
        ("efs_file_system", "dns_name"),
        ("efs_mount_target", "ip_address"),
        ("elastic_ip", "public_ip"),
        ("elastic_ip", "allocation_id"),
    ];
    for (kind, name) in computed {
        assert!(attr(&registry, kind, name).computed, "{kind}.{name}");
    }
}

#[test]
fn instance_public_ip_is_computed_and_not_settable() {
    let registry = registry();
    let public_ip = attr(&registry, "instance", "public_ip");
    assert!(public_ip.computed);
    assert!(!public_ip.settable());
    let settable: Vec<&str> = registry
        .schema("instance")
        .unwrap()
        .settable_names()
        .collect();
    assert!(!settable.contains(&"public_ip"));
    assert!(!settable.contains(&"id"));
    assert!(settable.contains(&"ami"));
}

#[test]
fn idempotency_tokens_and_generated_names_are_optional_computed() {
    let registry = registry();
    for (kind, name) in [
        ("distribution", "caller_reference"),
        ("efs_file_system", "creation_token"),
        ("security_group", "name"),
        ("iam_role", "name"),
        ("load_balancer", "name"),
    ] {
        let a = attr(&registry, kind, name);
        assert!(a.computed && a.optional && !a.required, "{kind}.{name}");
    }
}

#[test]
fn replacement_follows_aws_semantics() {
    let registry = registry();
    let replaces = [
        ("vpc", "cidr_block"),
        ("subnet", "vpc_id"),
        ("subnet", "cidr_block"),
        ("subnet", "availability_zone"),
        ("instance", "ami"),
        ("instance", "subnet_id"),
        ("instance", "market"),
        ("key_pair", "public_key"),
        ("efs_file_system", "encrypted"),
        ("efs_file_system", "performance_mode"),
        ("volume", "availability_zone"),
        ("volume", "encrypted"),
        ("security_group", "vpc_id"),
        ("security_group", "description"),
        ("target_group", "port"),
        ("load_balancer", "internal"),
        ("iam_role", "path"),
        ("volume_attachment", "device_name"),
    ];
    for (kind, name) in replaces {
        assert_eq!(
            attr(&registry, kind, name).on_change,
            OnChange::Replace,
            "{kind}.{name} should force replacement"
        );
    }
    let updates = [
        ("security_group", "ingress"),
        ("security_group", "egress"),
        ("instance", "vpc_security_group_ids"),
        ("instance", "iam_instance_profile"),
        ("instance", "tags"),
        ("vpc", "tags"),
        ("vpc", "enable_dns_hostnames"),
        ("subnet", "map_public_ip_on_launch"),
        ("listener", "default_action"),
        ("listener", "certificate_arn"),
        ("route_table", "routes"),
        ("route_table", "subnet_ids"),
        ("iam_role", "assume_role_policy"),
        ("iam_role", "inline_policies"),
        ("volume", "size_gb"),
        ("efs_file_system", "throughput_mode"),
        ("efs_mount_target", "security_groups"),
        ("internet_gateway", "vpc_id"),
        ("elastic_ip", "instance_id"),
        ("distribution", "default_cache_behavior"),
    ];
    for (kind, name) in updates {
        assert_eq!(
            attr(&registry, kind, name).on_change,
            OnChange::Update,
            "{kind}.{name} should update in place"
        );
    }
}

#[test]
fn required_attributes_match_what_aws_requires() {
    let registry = registry();
    for (kind, name) in [
        ("vpc", "cidr_block"),
        ("subnet", "vpc_id"),
        ("subnet", "cidr_block"),
        ("key_pair", "public_key"),
        ("iam_role", "assume_role_policy"),
        ("volume_attachment", "volume_id"),
        ("volume_attachment", "instance_id"),
        ("listener", "default_action"),
        ("efs_mount_target", "file_system_id"),
        ("distribution", "origins"),
    ] {
        assert!(
            attr(&registry, kind, name).required,
            "{kind}.{name} required"
        );
    }
    // AWS picks these when unset.
    for (kind, name) in [
        ("subnet", "availability_zone"),
        ("instance", "subnet_id"),
        ("security_group", "vpc_id"),
        ("efs_file_system", "encrypted"),
    ] {
        assert!(
            !attr(&registry, kind, name).required,
            "{kind}.{name} optional"
        );
    }
}

#[test]
fn markdown_reference_lists_every_kind_and_attribute() {
    let registry = registry();
    let md = kinds_markdown(&registry);
    for kind in kinds(&registry) {
        assert!(
            md.contains(&format!("\n## {}\n", kind.kind)),
            "{}",
            kind.kind
        );
        for a in &kind.attrs {
            assert!(
                md.contains(&format!("| `{}` |", a.name)),
                "{}.{}",
                kind.kind,
                a.name
            );
        }
    }
    assert!(md.contains("| `public_ip` | string | no | yes |  | "));
    assert!(md.contains("| `cidr_block` | string | required |  | **replace** | "));
    assert_eq!(md, kinds_markdown(&registry), "rendering is deterministic");
}

/// The shipped reference is what `strata schema kinds` prints for this build.
#[test]
fn docs_resource_kinds_md_is_up_to_date() {
    let root = crate::support::repo_root();
    let actual = std::fs::read_to_string(root.join("docs/resource-kinds.md")).unwrap_or_default();
    let printed = crate::support::strata(&root)
        .args(["schema", "kinds"])
        .run()
        .expect_code(0)
        .stdout;
    assert_eq!(
        printed,
        kinds_markdown(&registry()),
        "the command prints the generated reference"
    );
    assert!(
        actual == printed,
        "docs/resource-kinds.md is stale; regenerate it with: \
         cargo run -q -- schema kinds > docs/resource-kinds.md"
    );
}

/// A typo inside a nested block is found by `validate`, with where it is and what was meant,
/// not halfway through an apply when the request is built.
#[test]
fn a_typo_in_a_nested_block_fails_validate() {
    let stack = r#"[stack]
name = "blocks"

[resource.vpc.main]
cidr_block = "10.8.0.0/16"

[resource.security_group.web]
name = "web"
vpc_id = "${vpc.main.id}"
ingress = [
  { protocol = "tcp", from_port = 443, to_port = 443, cidr_blocks = ["0.0.0.0/0"] },
  { protocol = "tcp", from_port = 80, to_port = 80, cidr_block = ["0.0.0.0/0"] },
]
"#;
    let project = crate::support::project::stack_project("blocks", stack);
    let run = crate::support::strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("`ingress[1]` of `security_group.web`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("unknown key `cidr_block` (did you mean `cidr_blocks`?)"),
        "{}",
        run.stderr
    );

    let wrong_type = stack.replace("from_port = 443", "from_port = \"443\"");
    let project = crate::support::project::stack_project("blocks", &wrong_type);
    let run = crate::support::strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains(
            "`ingress[0].from_port` of `security_group.web`: expected an integer, found a string"
        ),
        "{}",
        run.stderr
    );

    let missing = stack.replace("{ protocol = \"tcp\", from_port = 443", "{ from_port = 443");
    let project = crate::support::project::stack_project("blocks", &missing);
    let run = crate::support::strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("`protocol` is missing"),
        "{}",
        run.stderr
    );
}

/// An integer outside the range its kind declares fails `validate`, not the API call, and the
/// JSON Schema carries the bounds for editors.
#[test]
fn an_integer_outside_its_declared_range_fails_validate() {
    let stack = r#"[stack]
name = "ranges"

[resource.iam_role.app]
name = "ranges-app"
assume_role_policy = { Version = "2012-10-17", Statement = [] }
max_session_duration = 60
"#;
    let project = crate::support::project::stack_project("ranges", stack);
    let run = crate::support::strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains(
            "`max_session_duration` of `iam_role.app` must be from 3600 to 43200, found 60"
        ),
        "{}",
        run.stderr
    );
    let ok = stack.replace("= 60", "= 7200");
    let project = crate::support::project::stack_project("ranges", &ok);
    crate::support::strata(project.path())
        .args(["validate", "--tier", "dev"])
        .run()
        .expect_code(0);

    let schema = strata::config::json_schema::stack_schema(&registry());
    let text = schema.to_string();
    assert!(
        text.contains("\"minimum\":3600"),
        "the JSON Schema has the bounds"
    );
}

/// Rules across attributes, which each kind states once (`ResourceKind::validate`), fail
/// `validate` with the attribute they are about.
#[test]
fn kind_rules_across_attributes_fail_validate() {
    let cases = [
        (
            r#"[resource.instance.host]
instance_type = "t3.micro"
ami = "ami-12c6146b"
ami_ssm_parameter = "/aws/service/x"
"#,
            "`instance.host`: set either `ami` or `ami_ssm_parameter`, not both",
        ),
        (
            r#"[resource.volume.data]
availability_zone = "us-east-1a"
size_gb = 10
type = "gp2"
throughput = 250
"#,
            "`volume.data`: `throughput` is for gp3 volumes, not gp2",
        ),
        (
            r#"[resource.listener.web]
load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"
port = 443
protocol = "HTTPS"
default_action = { type = "forward" }
"#,
            "`listener.web`: an HTTPS listener needs `certificate_arn`",
        ),
        (
            r#"[resource.listener.web]
load_balancer_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/1"
port = 80
protocol = "HTTP"
default_action = { type = "forward" }
"#,
            "`listener.web`: this `default_action` needs `target_group_arn`",
        ),
    ];
    for (resource, expected) in cases {
        let stack = format!("[stack]\nname = \"rules\"\n\n{resource}");
        let project = crate::support::project::stack_project("rules", &stack);
        let run = crate::support::strata(project.path())
            .args(["validate", "--tier", "dev"])
            .env("NO_COLOR", "1")
            .run()
            .expect_code(1);
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
}
