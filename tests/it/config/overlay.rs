//! Tier overlays: what a tier changes in the stack it names, asserted on the merged
//! `Deployment` (resource overrides, tags merged key by key, `enabled`, budget precedence).

use std::collections::BTreeMap;
use std::path::Path;
use strata::config::expr::{Expr, ExprKind};
use strata::config::{load, Deployment, LoadRequest};
use strata::{Address, Value};

const STACK: &str = r#"
[stack]
name = "app"

[vars]
with_cache = false
with_web = true
size = "t3.micro"

[tags]
Project = "app"
Owner = "stack"

[budget]
monthly_usd = 100

[resource.vpc.main]
cidr_block = "10.0.0.0/16"
enable_dns_hostnames = true
tags = { Name = "main", Team = "net" }

[resource.instance.web]
enabled = "${var.with_web}"
ami = "ami-1"
instance_type = "${var.size}"
subnet_id = "subnet-1"

[resource.instance.cache]
enabled = "${var.with_cache}"
ami = "ami-1"
instance_type = "t3.micro"
subnet_id = "subnet-1"

[resource.security_group.debug]
vpc_id = "${vpc.main.id}"
description = "debug access"
"#;

const TIER: &str = r#"
[tier]
name = "dev"
stack = "app"

[vars]
with_cache = true
size = "t3.large"

[tags]
Owner = "tier"

[budget]
monthly_usd = 40

[resource.vpc.main]
cidr_block = "10.42.0.0/16"
tags = { Team = "platform", Env = "dev" }

[resource.security_group.debug]
enabled = false
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn load_with(stack: &str, tier: Option<&str>) -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stacks/app.toml", stack);
    if let Some(tier) = tier {
        write(dir.path(), "tiers/dev.toml", tier);
    }
    let req = LoadRequest {
        tier: tier.map(|_| "dev".to_string()),
        stack: tier.is_none().then(|| "app".to_string()),
        project_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    match load(&req, &strata::aws::registry()) {
        Ok(d) => d,
        Err(e) => panic!(
            "{:#?}",
            e.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ),
    }
}

/// A literal attribute as a value (tables and lists of literals included).
fn literal(expr: &Expr) -> Value {
    match &expr.kind {
        ExprKind::Lit(v) => v.clone(),
        ExprKind::Map(m) => Value::Map(m.iter().map(|(k, e)| (k.clone(), literal(e))).collect()),
        ExprKind::List(items) => Value::List(items.iter().map(literal).collect()),
        other => panic!("not a literal: {other:?}"),
    }
}

fn attr(d: &Deployment, address: &str, name: &str) -> Value {
    let (kind, rname) = address.split_once('.').unwrap();
    let resource = &d.resources[&Address::new(kind, rname)];
    literal(
        resource
            .attrs
            .get(name)
            .unwrap_or_else(|| panic!("{address} has no `{name}`")),
    )
}

fn strings(pairs: &[(&str, &str)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(*v)))
            .collect(),
    )
}

#[test]
fn tier_overrides_replace_attributes_and_merge_tags_key_by_key() {
    let d = load_with(STACK, Some(TIER));
    // Overridden by the tier.
    assert_eq!(
        attr(&d, "vpc.main", "cidr_block"),
        Value::str("10.42.0.0/16")
    );
    // Not mentioned by the tier: the stack's value stays.
    assert_eq!(
        attr(&d, "vpc.main", "enable_dns_hostnames"),
        Value::Bool(true)
    );
    // Tags: the stack's Name kept, Team replaced, Env added.
    assert_eq!(
        attr(&d, "vpc.main", "tags"),
        strings(&[("Env", "dev"), ("Name", "main"), ("Team", "platform")])
    );
    // The override's position is in the tier file, where the change was made.
    let cidr = &d.resources[&Address::new("vpc", "main")].attrs["cidr_block"];
    let tier_file = d.tier.as_ref().unwrap().path.clone();
    assert_eq!(d.sources.get(cidr.origin.file).path, tier_file);
}

#[test]
fn deployment_tags_merge_stack_then_tier() {
    let d = load_with(STACK, Some(TIER));
    assert_eq!(
        d.tags,
        BTreeMap::from([
            ("Owner".to_string(), "tier".to_string()),
            ("Project".to_string(), "app".to_string()),
        ])
    );
}

#[test]
fn enabled_false_in_the_tier_switches_a_resource_off() {
    let d = load_with(STACK, Some(TIER));
    let debug = Address::new("security_group", "debug");
    assert!(!d.resources.contains_key(&debug));
    assert!(d.disabled.contains_key(&debug));
    // Without the tier it is there.
    let alone = load_with(STACK, None);
    assert!(alone.resources.contains_key(&debug));
    assert!(!alone.disabled.contains_key(&debug));
}

#[test]
fn enabled_expressions_follow_the_tier_variables() {
    let d = load_with(STACK, Some(TIER));
    // The tier turns with_cache on; with_web stays on from the stack's default.
    assert!(d.resources.contains_key(&Address::new("instance", "cache")));
    assert!(d.resources.contains_key(&Address::new("instance", "web")));
    assert_eq!(d.vars["size"].value, Value::str("t3.large"));

    let alone = load_with(STACK, None);
    assert!(!alone
        .resources
        .contains_key(&Address::new("instance", "cache")));
    assert!(alone
        .disabled
        .contains_key(&Address::new("instance", "cache")));

    let web_off = TIER.replace("with_cache = true", "with_cache = true\nwith_web = false");
    let d = load_with(STACK, Some(&web_off));
    assert!(!d.resources.contains_key(&Address::new("instance", "web")));
    assert!(d.disabled.contains_key(&Address::new("instance", "web")));
}

#[test]
fn the_tier_budget_takes_precedence_over_the_stack_budget() {
    let d = load_with(STACK, Some(TIER));
    assert_eq!(d.budget.as_ref().map(|b| b.monthly_usd), Some(40.0));
    let tier_file = d.tier.as_ref().unwrap().path.clone();
    let origin = &d.budget.as_ref().unwrap().origin;
    assert_eq!(d.sources.get(origin.file).path, tier_file);

    // A tier without a budget keeps the stack's.
    let no_budget = TIER.replace("[budget]\nmonthly_usd = 40\n", "");
    let d = load_with(STACK, Some(&no_budget));
    assert_eq!(d.budget.as_ref().map(|b| b.monthly_usd), Some(100.0));
}
