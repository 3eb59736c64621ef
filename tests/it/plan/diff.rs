//! Plan semantics: desired configuration against recorded state, resource by resource.
//! States are written by hand here so that each test says exactly what was "applied".

use std::collections::BTreeMap;
use std::path::Path;
use strata::config::{load, Deployment, LoadRequest};
use strata::plan::diff::plan;
use strata::plan::render::{render_json, render_markdown, render_text, RenderOptions};
use strata::plan::{Action, Plan};
use strata::state::{Provenance, ResourceState, State};
use strata::{Address, Value};

const STACK: &str = r##"
[stack]
name = "app"

[vars]
cidr = "10.0.0.0/16"
subnet_cidr = "10.0.1.0/24"
password = { default = "s3cret-value", sensitive = true }
with_web = true

[tags]
Project = "app"

[resource.vpc.main]
cidr_block = "${var.cidr}"
enable_dns_hostnames = true

[resource.subnet.a]
vpc_id = "${vpc.main.id}"
cidr_block = "${var.subnet_cidr}"
availability_zone = "us-east-1a"

[resource.security_group.web]
enabled = "${var.with_web}"
vpc_id = "${vpc.main.id}"
description = "web"

[resource.instance.host]
ami = "ami-1"
instance_type = "t3.micro"
subnet_id = "${subnet.a.id}"
user_data = "#!/bin/bash\necho ${var.password}\n"

[resource.vpc.shared]
existing = "vpc-0shared"

[resource.subnet.b]
vpc_id = "${vpc.shared.id}"
cidr_block = "10.9.1.0/24"
availability_zone = "us-east-1b"

[output]
ip = "${instance.host.public_ip}"
vpc = "${vpc.main.id}"
"##;

const TIER: &str = r#"
[tier]
name = "dev"
stack = "app"
"#;

fn load_with(stack: &str, tier: &str) -> Deployment {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stacks/app.toml", stack);
    write(dir.path(), "tiers/dev.toml", tier);
    let req = LoadRequest {
        tier: Some("dev".into()),
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

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(d: &Deployment, state: Option<&State>) -> Plan {
    plan(d, state, &strata::aws::registry(), false).unwrap()
}

fn action(p: &Plan, address: &str) -> Action {
    p.resource_changes
        .iter()
        .find(|c| c.address.to_string() == address)
        .unwrap_or_else(|| panic!("no change for {address}"))
        .action
}

/// What a successful apply of `p` would have recorded: every planned `after`, unknowns filled
/// with values derived from the address, ids `id-<address>`, in the state the plan was made
/// against (its lineage kept), or a new one.
fn applied(d: &Deployment, p: &Plan) -> State {
    let mut state = State::new(&d.name, &d.stack.name, Some("dev"));
    if let Some(planned_against) = &p.state {
        state.lineage = planned_against.lineage.clone();
    }
    for c in &p.resource_changes {
        let Some(after) = &c.after else { continue };
        let fill = |k: &str, v: &Value| match v {
            Value::Unknown => Value::String(format!("{k}-of-{}", c.address)),
            other => other.clone(),
        };
        let mut attrs: BTreeMap<String, Value> =
            after.iter().map(|(k, v)| (k.clone(), fill(k, v))).collect();
        let id = match attrs.remove("id") {
            Some(Value::String(s)) if c.action == Action::Read => s,
            _ => format!("id-{}", c.address),
        };
        state.resources.insert(
            c.address.clone(),
            ResourceState {
                address: c.address.clone(),
                kind: c.kind.clone(),
                id: Some(id),
                attributes: attrs,
                dependencies: Vec::new(),
                provenance: c.provenance.unwrap_or(Provenance::Created),
                created_at: "2026-11-21T00:00:00Z".into(),
                updated_at: "2026-11-21T00:00:00Z".into(),
            },
        );
    }
    state
}

/// Apply until references settle: each round records what the previous plan made known.
fn converge(d: &Deployment) -> State {
    let mut state = applied(d, &run(d, None));
    for _ in 0..5 {
        let p = run(d, Some(&state));
        // Unknown references resolve against the recorded ids once their targets exist.
        state = applied(d, &p);
    }
    state
}

#[test]
fn first_plan_creates_everything_and_reads_reused_resources() {
    let d = load_with(STACK, TIER);
    let p = run(&d, None);
    assert_eq!(p.summary.add, 5);
    assert_eq!(p.summary.read, 1);
    assert_eq!(action(&p, "vpc.shared"), Action::Read);
    let b = p
        .resource_changes
        .iter()
        .find(|c| c.address == Address::new("subnet", "b"))
        .unwrap();
    // The reused VPC's id is known before apply, so the new subnet's vpc_id is too.
    assert_eq!(
        b.after.as_ref().unwrap()["vpc_id"],
        Value::str("vpc-0shared")
    );
    let a = p
        .resource_changes
        .iter()
        .find(|c| c.address == Address::new("subnet", "a"))
        .unwrap();
    assert_eq!(a.after.as_ref().unwrap()["vpc_id"], Value::Unknown);
    let tags = &a.after.as_ref().unwrap()["tags"];
    let Value::Map(tags) = tags else {
        panic!("tags are a table")
    };
    assert_eq!(tags["strata:deployment"], Value::str("app-dev"));
    assert_eq!(tags["strata:address"], Value::str("subnet.a"));
    assert_eq!(tags["Project"], Value::str("app"));
    // No state yet, so no lineage yet: apply makes both before it creates anything.
    assert_eq!(tags["strata:lineage"], Value::Unknown);
    assert!(text(&p).contains("Plan: 5 to add, 0 to change, 0 to replace, 0 to destroy."));
}

#[test]
fn created_resources_are_tagged_with_the_state_lineage() {
    let d = load_with(STACK, TIER);
    let state = State::new(&d.name, &d.stack.name, Some("dev"));
    let p = run(&d, Some(&state));
    for c in p
        .resource_changes
        .iter()
        .filter(|c| c.action == Action::Create)
    {
        let Some(Value::Map(tags)) = c.after.as_ref().and_then(|a| a.get("tags")) else {
            panic!("{} has no tags", c.address)
        };
        assert_eq!(
            tags["strata:lineage"],
            Value::str(&state.lineage),
            "{}",
            c.address
        );
    }
    // Reused resources are only read: strata tags nothing it does not own.
    let shared = p
        .resource_changes
        .iter()
        .find(|c| c.address == Address::new("vpc", "shared"))
        .unwrap();
    assert!(!shared.after.as_ref().unwrap().contains_key("tags"));
}

#[test]
fn matching_state_plans_no_changes() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    let p = run(&d, Some(&state));
    let changed: Vec<String> = p
        .resource_changes
        .iter()
        .filter(|c| c.action.is_change())
        .map(|c| format!("{} {:?} {:?}", c.address, c.action, c.changes))
        .collect();
    assert!(changed.is_empty(), "unexpected changes: {changed:#?}");
    assert_eq!(p.summary.unchanged, 5);
    assert_eq!(
        p.output_changes
            .iter()
            .find(|o| o.name == "ip")
            .unwrap()
            .after,
        Some(Value::str("public_ip-of-instance.host"))
    );
}

#[test]
fn in_place_change_is_an_update_naming_the_attribute() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    let d2 = load_with(
        &STACK.replace(
            "enable_dns_hostnames = true",
            "enable_dns_hostnames = false",
        ),
        TIER,
    );
    let p = run(&d2, Some(&state));
    assert_eq!(action(&p, "vpc.main"), Action::Update);
    let vpc = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "vpc.main")
        .unwrap();
    assert_eq!(vpc.changes.len(), 1);
    assert_eq!(vpc.changes[0].name, "enable_dns_hostnames");
    assert_eq!(vpc.changes[0].before, Some(Value::Bool(true)));
    assert_eq!(vpc.changes[0].after, Some(Value::Bool(false)));
    assert_eq!(action(&p, "subnet.a"), Action::NoOp, "the VPC keeps its id");
    assert!(text(&p).contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."));
}

#[test]
fn replace_forcing_change_cascades_through_references() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    let tier = format!("{TIER}\n[vars]\nsubnet_cidr = \"10.0.2.0/24\"\n");
    let p = run(&load_with(STACK, &tier), Some(&state));
    let subnet = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "subnet.a")
        .unwrap();
    assert_eq!(subnet.action, Action::Replace);
    assert_eq!(subnet.replace_because, vec!["cidr_block".to_string()]);
    // The instance sits in the subnet: a new subnet id is unknown, and subnet_id forces replacement.
    let host = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "instance.host")
        .unwrap();
    assert_eq!(host.action, Action::Replace);
    assert_eq!(host.replace_because, vec!["subnet_id".to_string()]);
    let out = text(&p);
    assert!(out.contains("-/+ subnet.a"), "{out}");
    assert!(out.contains("forces replacement"), "{out}");
    assert!(
        out.contains("Plan: 0 to add, 0 to change, 2 to replace, 0 to destroy."),
        "{out}"
    );
}

#[test]
fn removed_and_disabled_resources_are_destroyed_with_a_reason() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    let tier = format!("{TIER}\n[vars]\nwith_web = false\n");
    let p = run(&load_with(STACK, &tier), Some(&state));
    let web = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "security_group.web")
        .unwrap();
    assert_eq!(web.action, Action::Delete);
    assert_eq!(web.reason.as_deref(), Some("disabled in tier `dev`"));
    let without_b = STACK.replace(
        "[resource.subnet.b]\nvpc_id = \"${vpc.shared.id}\"\ncidr_block = \"10.9.1.0/24\"\navailability_zone = \"us-east-1b\"\n",
        "",
    );
    let p = run(&load_with(&without_b, TIER), Some(&state));
    let b = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "subnet.b")
        .unwrap();
    assert_eq!(b.action, Action::Delete);
    assert_eq!(b.reason.as_deref(), Some("no longer in the configuration"));
}

#[test]
fn reused_resources_are_never_deleted() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    let without_shared = STACK
        .replace("[resource.vpc.shared]\nexisting = \"vpc-0shared\"\n", "")
        .replace(
            "vpc_id = \"${vpc.shared.id}\"",
            "vpc_id = \"${vpc.main.id}\"",
        );
    let p = run(&load_with(&without_shared, TIER), Some(&state));
    let shared = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "vpc.shared")
        .unwrap();
    assert_eq!(shared.action, Action::NoOp);
    assert!(shared.reason.as_deref().unwrap().contains("never deleted"));
    assert_eq!(p.summary.destroy, 0);
}

#[test]
fn a_reused_resource_the_configuration_now_manages_is_refused_not_updated_or_replaced() {
    let d = load_with(STACK, TIER);
    let state = converge(&d);
    assert_eq!(
        state.resources[&Address::new("vpc", "shared")].provenance,
        Provenance::Reused
    );
    // `existing` removed, the address kept: without the rule this plans a replace (a new
    // cidr_block) or an update of what strata never owned.
    for settings in [
        "cidr_block = \"10.9.0.0/16\"\n",
        "cidr_block = \"10.9.0.0/16\"\nenable_dns_hostnames = true\n",
    ] {
        let managed = STACK.replace("existing = \"vpc-0shared\"\n", settings);
        let (code, text) = plan_error(&load_with(&managed, TIER), Some(&state));
        assert_eq!(code, "strata::plan::reused_is_sacred", "{text}");
        assert!(
            text.contains("`vpc.shared` is recorded as reused (`vpc-0shared`)"),
            "{text}"
        );
        assert!(text.contains("strata state forget vpc.shared"), "{text}");
    }
}

#[test]
fn sensitive_values_stay_hidden_but_changes_are_detected() {
    let d = load_with(STACK, TIER);
    let p = run(&d, None);
    for rendered in [text(&p), render_markdown(&p), render_json(&p)] {
        assert!(
            !rendered.contains("s3cret-value"),
            "secret leaked:\n{rendered}"
        );
    }
    assert!(text(&p).contains("(sensitive)"));
    let state = converge(&d);
    let recorded = &state.resources[&Address::new("instance", "host")].attributes["user_data"];
    assert!(
        matches!(recorded, Value::Redacted(_)),
        "state keeps only a digest: {recorded:?}"
    );
    assert_eq!(
        action(&run(&d, Some(&state)), "instance.host"),
        Action::NoOp
    );
    let tier = format!("{TIER}\n[vars]\npassword = \"another-secret\"\n");
    let p = run(&load_with(STACK, &tier), Some(&state));
    let host = p
        .resource_changes
        .iter()
        .find(|c| c.address.to_string() == "instance.host")
        .unwrap();
    assert_eq!(
        host.action,
        Action::Replace,
        "user_data changed behind its digest"
    );
    assert!(host
        .changes
        .iter()
        .all(|c| c.name != "user_data" || c.sensitive));
    for rendered in [text(&p), render_markdown(&p), render_json(&p)] {
        assert!(!rendered.contains("another-secret"));
    }
}

#[test]
fn plans_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "stacks/app.toml", STACK);
    write(dir.path(), "tiers/dev.toml", TIER);
    let req = LoadRequest {
        tier: Some("dev".into()),
        project_dir: dir.path().to_path_buf(),
        ..Default::default()
    };
    let registry = strata::aws::registry();
    let render = || {
        let d = load(&req, &registry).map_err(|e| e.to_string()).unwrap();
        let p = plan(&d, None, &registry, false).unwrap();
        (render_json(&p), text(&p), render_markdown(&p))
    };
    assert_eq!(render(), render());
}

fn text(p: &Plan) -> String {
    render_text(p, &RenderOptions::default())
}

// ---------------------------------------------------------------------------------------------
// reused resources: configuration may name them, never change them

/// STACK with the reused VPC setting `extra` (attribute lines).
fn with_shared_setting(extra: &str) -> Deployment {
    let stack = STACK.replace(
        "[resource.vpc.shared]\nexisting = \"vpc-0shared\"\n",
        &format!("[resource.vpc.shared]\nexisting = \"vpc-0shared\"\n{extra}\n"),
    );
    load_with(&stack, TIER)
}

/// A state in which the reused VPC was recorded with `attrs` (as its last read found them).
fn state_recording_shared(d: &Deployment, attrs: &[(&str, Value)]) -> State {
    let mut state = converge(d);
    let shared = state
        .resources
        .get_mut(&Address::new("vpc", "shared"))
        .expect("the reused VPC is recorded");
    shared.attributes = attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    state
}

fn plan_error(d: &Deployment, state: Option<&State>) -> (String, String) {
    use miette::Diagnostic;
    let err = plan(d, state, &strata::aws::registry(), false).expect_err("the plan is refused");
    (
        err.code().map(|c| c.to_string()).unwrap_or_default(),
        format!(
            "{err} / {}",
            err.help().map(|h| h.to_string()).unwrap_or_default()
        ),
    )
}

#[test]
fn without_refresh_a_reused_attribute_is_checked_against_the_recorded_state() {
    let base = load_with(STACK, TIER);
    let recorded = [("cidr_block", Value::str("10.9.0.0/16"))];
    let state = state_recording_shared(&base, &recorded);

    // Equal to what was recorded: read, nothing to change.
    let same = with_shared_setting("cidr_block = \"10.9.0.0/16\"");
    let p = plan(&same, Some(&state), &strata::aws::registry(), false).unwrap();
    assert_eq!(action(&p, "vpc.shared"), Action::Read);

    // Different: refused, naming the attribute, both values and where the value came from.
    let (code, text) = plan_error(
        &with_shared_setting("cidr_block = \"10.99.0.0/16\""),
        Some(&state),
    );
    assert_eq!(code, "strata::plan::reused_would_change");
    assert!(text.contains("`vpc.shared` is reused"), "{text}");
    assert!(text.contains("`cidr_block` = \"10.99.0.0/16\""), "{text}");
    assert!(text.contains("\"10.9.0.0/16\""), "{text}");
    assert!(text.contains("recorded state"), "{text}");
}

#[test]
fn a_reused_attribute_that_cannot_be_confirmed_is_refused() {
    // The batched read of a VPC does not return enable_dns_hostnames; nothing recorded either.
    let base = load_with(STACK, TIER);
    let state = state_recording_shared(&base, &[("cidr_block", Value::str("10.9.0.0/16"))]);
    let (code, text) = plan_error(
        &with_shared_setting("enable_dns_hostnames = true"),
        Some(&state),
    );
    assert_eq!(code, "strata::plan::reused_unconfirmed");
    assert!(text.contains("`enable_dns_hostnames`"), "{text}");
    assert!(text.contains("has no `enable_dns_hostnames`"), "{text}");
    assert!(
        text.contains("only set attributes strata can read"),
        "{text}"
    );

    // Nothing read and nothing recorded (first plan with --refresh=false): refused as well.
    let (code, text) = plan_error(&with_shared_setting("cidr_block = \"10.9.0.0/16\""), None);
    assert_eq!(code, "strata::plan::reused_unconfirmed");
    assert!(text.contains("--refresh=false"), "{text}");
}

#[test]
fn refreshed_reused_attributes_are_checked_against_the_live_read() {
    use strata::plan::diff::plan_refreshed;
    use strata::plan::refresh::Refreshed;
    use strata::provider::LiveResource;
    let live = |attrs: &[(&str, Value)]| Refreshed {
        live: BTreeMap::new(),
        reused: BTreeMap::from([(
            Address::new("vpc", "shared"),
            LiveResource {
                id: "vpc-0shared".into(),
                attrs: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                tags: BTreeMap::from([("Name".to_string(), "shared".to_string())]),
            },
        )]),
        drift: BTreeMap::new(),
        calls: BTreeMap::new(),
    };
    let registry = strata::aws::registry();
    let read = live(&[("cidr_block", Value::str("10.9.0.0/16"))]);

    let ok = with_shared_setting("cidr_block = \"10.9.0.0/16\"\ntags = { Name = \"shared\" }");
    let p = plan_refreshed(&ok, None, &registry, &read).unwrap();
    assert_eq!(action(&p, "vpc.shared"), Action::Read);

    let cases = [
        (
            "enable_dns_hostnames = true",
            "strata::plan::reused_unconfirmed",
        ),
        (
            "cidr_block = \"10.8.0.0/16\"",
            "strata::plan::reused_would_change",
        ),
        (
            "tags = { Name = \"other\" }",
            "strata::plan::reused_would_change",
        ),
    ];
    for (setting, expected) in cases {
        use miette::Diagnostic;
        let err = plan_refreshed(&with_shared_setting(setting), None, &registry, &read)
            .expect_err(setting);
        assert_eq!(
            err.code().unwrap().to_string(),
            expected,
            "{setting}: {err}"
        );
        assert!(err.to_string().contains("live read"), "{err}");
    }
}
