//! Plan renderers: golden files for every action, determinism, secrets, Markdown truncation.
//!
//! The renders are snapshots under `snapshots/`; `cargo insta review` accepts a deliberate change.

use std::collections::BTreeMap;
use strata::plan::model::{InputFile, StateRef, PLAN_FORMAT_VERSION};
use strata::plan::render::{
    render_json, render_markdown, render_markdown_limited, render_text, RenderOptions,
    GITHUB_COMMENT_LIMIT,
};
use strata::plan::{Action, AttrChange, OutputChange, Plan, ResourceChange, Summary};
use strata::state::Provenance;
use strata::{Address, Value};

fn attr(name: &str, before: Option<Value>, after: Option<Value>) -> AttrChange {
    AttrChange {
        name: name.to_string(),
        before,
        after,
        forces_replace: false,
        sensitive: false,
    }
}

fn s(text: &str) -> Option<Value> {
    Some(Value::str(text))
}

fn map(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn resource(address: &str, action: Action, changes: Vec<AttrChange>) -> ResourceChange {
    let address: Address = address.parse().unwrap();
    let before: BTreeMap<String, Value> = changes
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.before.clone()?)))
        .collect();
    let after: BTreeMap<String, Value> = changes
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.after.clone()?)))
        .collect();
    ResourceChange {
        kind: address.kind.clone(),
        address,
        action,
        before: (action != Action::Create).then_some(before),
        after: (action != Action::Delete).then_some(after),
        changes,
        replace_because: Vec::new(),
        provenance: Some(Provenance::Created),
        reason: None,
        drift: None,
    }
}

fn user_data(ollama: bool) -> String {
    let mut lines = vec!["#!/bin/bash".to_string(), "set -euo pipefail".to_string()];
    lines.extend((1..=8).map(|i| format!("echo 'step {i}'")));
    lines.push(format!("OLLAMA_ENABLED={}", if ollama { 1 } else { 0 }));
    lines.extend((9..=14).map(|i| format!("echo 'step {i}'")));
    lines.push("systemctl start n8n".to_string());
    lines.join("\n") + "\n"
}

/// A plan with every action: create with unknowns, updates (short string, multi-line
/// user_data, sensitive value), replace forced by two attributes, delete, read, no-op, outputs.
fn sample_plan() -> Plan {
    let mut create = resource(
        "instance.host",
        Action::Create,
        vec![
            attr("ami", None, s("ami-0abc1234")),
            attr("id", None, Some(Value::Unknown)),
            attr("instance_type", None, s("t3.large")),
            attr("public_ip", None, Some(Value::Unknown)),
            attr(
                "tags",
                None,
                Some(Value::Map(map(&[("Project", Value::str("ai-stack"))]))),
            ),
            attr("user_data", None, s("#!/bin/bash\nsystemctl start n8n\n")),
        ],
    );
    create.provenance = None;

    let update = resource(
        "instance.worker",
        Action::Update,
        vec![
            attr("instance_type", s("t3.large"), s("t3.xlarge")),
            attr("user_data", s(&user_data(false)), s(&user_data(true))),
        ],
    );

    let mut secret = attr(
        "value",
        Some(Value::str("old-secret").redact()),
        Some(Value::str("new-secret").redact()),
    );
    secret.sensitive = true;
    let sensitive_update = resource(
        "parameter.db_password",
        Action::Update,
        vec![
            attr("description", s("n8n database"), s("n8n database password")),
            secret,
        ],
    );

    let mut cidr = attr("cidr_block", s("10.42.1.0/24"), s("10.42.2.0/24"));
    cidr.forces_replace = true;
    let mut az = attr("availability_zone", s("eu-west-1a"), s("eu-west-1b"));
    az.forces_replace = true;
    let mut replace = resource(
        "subnet.public_a",
        Action::Replace,
        vec![az, cidr, attr("id", s("subnet-0123"), Some(Value::Unknown))],
    );
    replace.replace_because = vec!["cidr_block".into(), "availability_zone".into()];

    let mut delete = resource(
        "instance.gpu",
        Action::Delete,
        vec![
            attr("id", s("i-0feed"), None),
            attr("instance_type", s("g4dn.xlarge"), None),
        ],
    );
    delete.reason = Some("disabled in tier dev".into());

    let mut read = resource("vpc.shared", Action::Read, Vec::new());
    read.provenance = Some(Provenance::Reused);
    read.before = Some(map(&[("cidr_block", Value::str("10.0.0.0/16"))]));
    read.after = read.before.clone();

    let noop = resource("key_pair.admin", Action::NoOp, Vec::new());

    let mut resource_changes = vec![
        create,
        update,
        sensitive_update,
        replace,
        delete,
        read,
        noop,
    ];
    resource_changes.sort_by(|a, b| a.address.cmp(&b.address));

    Plan {
        format_version: PLAN_FORMAT_VERSION,
        strata_version: "0.1.0".into(),
        deployment: "ai-dev".into(),
        stack: "ai-stack".into(),
        tier: Some("dev".into()),
        refreshed: false,
        state: Some(StateRef {
            lineage: "7f9c2d4e-0000-4000-8000-000000000001".into(),
            serial: 12,
        }),
        inputs: vec![
            InputFile {
                path: "stacks/ai-stack.toml".into(),
                sha256: "a".repeat(64),
            },
            InputFile {
                path: "tiers/dev.toml".into(),
                sha256: "b".repeat(64),
            },
        ],
        resource_changes,
        output_changes: vec![
            OutputChange {
                name: "db_password".into(),
                action: Action::Update,
                before: Some(Value::str("old-secret").redact()),
                after: Some(Value::str("new-secret").redact()),
                sensitive: true,
            },
            OutputChange {
                name: "n8n_url".into(),
                action: Action::Create,
                before: None,
                after: Some(Value::Unknown),
                sensitive: false,
            },
            OutputChange {
                name: "ollama_url".into(),
                action: Action::Update,
                before: s("http://10.42.1.5:11434"),
                after: s("http://10.42.2.5:11434"),
                sensitive: false,
            },
            OutputChange {
                name: "region".into(),
                action: Action::NoOp,
                before: s("eu-west-1"),
                after: s("eu-west-1"),
                sensitive: false,
            },
            OutputChange {
                name: "spot_price".into(),
                action: Action::Delete,
                before: s("0.0312"),
                after: None,
                sensitive: false,
            },
        ],
        summary: Summary {
            add: 1,
            change: 2,
            replace: 1,
            destroy: 1,
            read: 1,
            unchanged: 1,
        },
        calls: None,
        cost: None,
    }
}

fn empty_plan() -> Plan {
    let mut plan = sample_plan();
    plan.resource_changes.retain(|rc| rc.action == Action::NoOp);
    plan.output_changes.retain(|o| o.action == Action::NoOp);
    plan.summary = Summary {
        unchanged: 1,
        ..Summary::default()
    };
    plan.refreshed = true;
    plan
}

/// Compare a render with its snapshot (`snapshots/`, reviewed with `cargo insta review`).
fn golden(name: &str, actual: &str) {
    insta::assert_snapshot!(name, actual);
}

#[test]
fn text_matches_golden() {
    golden(
        "plan.txt",
        &render_text(&sample_plan(), &RenderOptions::default()),
    );
}

#[test]
fn colour_text_matches_golden() {
    golden(
        "plan-color.txt",
        &render_text(&sample_plan(), &RenderOptions { color: true }),
    );
}

#[test]
fn markdown_matches_golden() {
    golden("plan.md", &render_markdown(&sample_plan()));
}

#[test]
fn json_matches_golden() {
    golden("plan.json", &render_json(&sample_plan()));
}

#[test]
fn text_shape() {
    let text = render_text(&sample_plan(), &RenderOptions::default());
    assert!(!text.contains('\x1b'), "no colour unless asked");
    assert_eq!(
        text.lines().last(),
        Some("Plan: 1 to add, 2 to change, 1 to replace, 1 to destroy.")
    );
    assert!(text.contains("the live account was not read"));
    assert!(
        text.contains("-/+ subnet.public_a (forces replacement: cidr_block, availability_zone)")
    );
    assert!(text.contains(" <= vpc.shared (reused, read only)"));
    assert!(text.contains("  - instance.gpu  # disabled in tier dev"));
    assert!(
        !text.contains("key_pair.admin"),
        "no-op resources are not listed"
    );
    assert!(text.contains("(known after apply)"));
    assert!(text.contains("# forces replacement"));
    assert!(text.contains("- OLLAMA_ENABLED=0") && text.contains("+ OLLAMA_ENABLED=1"));
    assert!(text.contains("unchanged lines hidden"));
    assert!(!text.contains("region"), "unchanged outputs are not listed");

    // Groups in the order create, update, replace, delete, read.
    let pos = |needle: &str| text.find(needle).unwrap();
    assert!(pos("  + instance.host") < pos("  ~ instance.worker"));
    assert!(pos("  ~ instance.worker") < pos("  ~ parameter.db_password"));
    assert!(pos("  ~ parameter.db_password") < pos("-/+ subnet.public_a"));
    assert!(pos("-/+ subnet.public_a") < pos("  - instance.gpu"));
    assert!(pos("  - instance.gpu") < pos(" <= vpc.shared"));
    assert!(pos(" <= vpc.shared") < pos("Outputs:"));
}

#[test]
fn colour_uses_ansi_codes_only_when_asked() {
    let text = render_text(&sample_plan(), &RenderOptions { color: true });
    assert!(text.contains("\n  \x1b[32m+\x1b[0m instance.host\n"));
    assert!(text.contains("\n\x1b[35m-/+\x1b[0m subnet.public_a"));
    assert!(text.contains("\n  \x1b[31m-\x1b[0m instance.gpu"));
    assert!(text.contains("\n \x1b[36m<=\x1b[0m vpc.shared"));
    assert!(text.contains("\n  \x1b[33m~\x1b[0m instance.worker"));
    assert!(text.contains("\x1b[31m- OLLAMA_ENABLED=0\x1b[0m"));
    assert!(text.contains("\x1b[32m+ OLLAMA_ENABLED=1\x1b[0m"));
    // Without the escape codes, the coloured plan is the plain plan.
    let plain = render_text(&sample_plan(), &RenderOptions::default());
    let stripped = text
        .replace("\x1b[0m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[35m", "")
        .replace("\x1b[36m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn markdown_shape() {
    let md = render_markdown(&sample_plan());
    assert_eq!(
        md.lines().next(),
        Some("**Plan:** 1 to add, 2 to change, 1 to replace, 1 to destroy.")
    );
    assert!(md.contains("| | Resource | Kind | Details |"));
    assert!(md.contains("| `-/+` | `subnet.public_a` | subnet | forces replacement: cidr_block, availability_zone |"));
    assert!(md.contains("<details><summary><code>+ instance.host</code></summary>"));
    assert!(md.contains("<details><summary><code>-/+ subnet.public_a</code></summary>"));
    assert!(!md.contains("Output truncated"));
    assert_balanced(&md);
}

#[test]
fn json_is_the_documented_schema() {
    let json: serde_json::Value = serde_json::from_str(&render_json(&sample_plan())).unwrap();
    let obj = json.as_object().unwrap();
    assert_eq!(
        obj.keys().next().map(String::as_str),
        Some("format_version")
    );
    assert_eq!(obj["format_version"], 2);
    let changes = obj["resource_changes"].as_array().unwrap();
    assert_eq!(changes.len(), 7);
    let replace = changes
        .iter()
        .find(|c| c["address"] == "subnet.public_a")
        .unwrap();
    for field in [
        "address",
        "kind",
        "action",
        "before",
        "after",
        "replace_because",
        "provenance",
    ] {
        assert!(replace.get(field).is_some(), "missing {field}");
    }
    assert_eq!(replace["action"], "replace");
    assert_eq!(
        replace["after"]["id"],
        serde_json::json!({"$unknown": true})
    );
    let actions: Vec<&str> = changes
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"no-op") && actions.contains(&"read"));
    // The JSON reads back into the same plan, sensitive values as the text "(sensitive)".
    let back: Plan = serde_json::from_value(json).unwrap();
    let hidden = |v: &mut Value| {
        if matches!(v, Value::Redacted(_)) {
            *v = Value::str("(sensitive)");
        }
    };
    let mut expected = sample_plan();
    for rc in &mut expected.resource_changes {
        for attr in &mut rc.changes {
            attr.before
                .iter_mut()
                .chain(attr.after.iter_mut())
                .for_each(hidden);
        }
        for map in rc.before.iter_mut().chain(rc.after.iter_mut()) {
            map.values_mut().for_each(hidden);
        }
    }
    for o in &mut expected.output_changes {
        o.before
            .iter_mut()
            .chain(o.after.iter_mut())
            .for_each(hidden);
    }
    assert_eq!(back, expected);
}

#[test]
fn rendering_is_deterministic() {
    let (a, b) = (sample_plan(), sample_plan());
    let opts = RenderOptions::default();
    assert_eq!(render_text(&a, &opts), render_text(&b, &opts));
    assert_eq!(render_markdown(&a), render_markdown(&b));
    assert_eq!(render_json(&a), render_json(&b));
    assert_eq!(render_text(&a, &opts), render_text(&a, &opts));
}

#[test]
fn sensitive_digests_never_reach_any_render() {
    let plan = sample_plan();
    let digest = Value::str("new-secret").digest();
    let old_digest = Value::str("old-secret").digest();
    let text = render_text(&plan, &RenderOptions::default());
    let color = render_text(&plan, &RenderOptions { color: true });
    let md = render_markdown(&plan);
    let json = render_json(&plan);
    assert!(!json.contains("$sensitive"), "{json}");
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        parsed["output_changes"][0]["after"], "(sensitive)",
        "{json}"
    );
    for out in [&text, &color, &md, &json] {
        assert!(!out.contains(&digest[..12]));
        assert!(!out.contains(&old_digest[..12]));
        assert!(out.contains("(sensitive)"));
    }
    assert!(text.contains("~ value       = (sensitive) -> (sensitive)"));
    assert!(text.contains("~ db_password = (sensitive) -> (sensitive)"));
}

#[test]
fn plaintext_secret_never_appears_even_when_a_bug_left_it_in_clear() {
    let secret = "hunter2-plaintext-secret";
    let mut plan = sample_plan();
    let rc = plan
        .resource_changes
        .iter_mut()
        .find(|rc| rc.address.to_string() == "parameter.db_password")
        .unwrap();
    let mut leaked = attr("value", s("old"), s(secret));
    leaked.sensitive = true;
    rc.changes[1] = leaked;
    rc.after
        .as_mut()
        .unwrap()
        .insert("value".into(), Value::str(secret));
    let out = plan
        .output_changes
        .iter_mut()
        .find(|o| o.name == "db_password")
        .unwrap();
    out.after = s(secret);

    for rendered in [
        render_text(&plan, &RenderOptions::default()),
        render_text(&plan, &RenderOptions { color: true }),
        render_markdown(&plan),
        render_json(&plan),
    ] {
        assert!(!rendered.contains(secret), "secret leaked:\n{rendered}");
        assert!(!rendered.contains("\"old\""), "old sensitive value leaked");
    }
}

#[test]
fn empty_plan_says_no_changes() {
    let plan = empty_plan();
    let text = render_text(&plan, &RenderOptions::default());
    assert_eq!(
        text,
        "Deployment ai-dev: stack ai-stack, tier dev\n\nNo changes. The deployment matches the configuration.\n"
    );
    let md = render_markdown(&plan);
    assert!(md.starts_with("**No changes.** The deployment matches the configuration.\n"));
    assert!(!md.contains("<details>"));
    assert!(!md.contains("| Resource |"));
}

#[test]
fn outputs_only_changes_are_named() {
    let mut plan = empty_plan();
    plan.output_changes = sample_plan().output_changes;
    let text = render_text(&plan, &RenderOptions::default());
    assert!(text.ends_with("No changes to resources. 4 outputs will change.\n"));
    assert!(text.contains("Outputs:\n"));
    let md = render_markdown(&plan);
    assert!(md.starts_with("**No changes to resources.** 4 outputs will change.\n"));
}

fn big_plan(resources: usize) -> Plan {
    let mut plan = sample_plan();
    plan.resource_changes = (0..resources)
        .map(|i| {
            resource(
                &format!("instance.node_{i:05}"),
                Action::Create,
                vec![
                    attr("ami", None, s("ami-0abc1234")),
                    attr("id", None, Some(Value::Unknown)),
                    attr("instance_type", None, s("t3.large")),
                    attr("user_data", None, s(&user_data(i % 2 == 0))),
                ],
            )
        })
        .collect();
    plan.summary = Summary {
        add: resources,
        ..Summary::default()
    };
    plan
}

/// Every `<details>` is closed and every code fence is closed.
fn assert_balanced(md: &str) {
    assert_eq!(
        md.matches("<details>").count(),
        md.matches("</details>").count(),
        "unbalanced <details>"
    );
    let fences = md.lines().filter(|l| l.starts_with("```")).count();
    assert_eq!(fences % 2, 0, "unbalanced code fences");
}

#[test]
fn markdown_is_cut_cleanly_at_the_github_limit() {
    let plan = big_plan(2_000);
    let md = render_markdown(&plan);
    assert!(md.chars().count() <= GITHUB_COMMENT_LIMIT);
    assert!(md.starts_with("**Plan:** 2000 to add,"));
    assert_balanced(&md);
    let note = md.lines().last().unwrap();
    assert!(
        note.starts_with("> Output truncated: ") && note.contains("of 2000 resources listed"),
        "{note}"
    );
    assert!(note.ends_with("The full plan: `strata plan --output json`."));
    assert!(md.contains("| `+` | `instance.node_00000` |"));
    assert!(!md.contains("instance.node_01999"));
}

#[test]
fn markdown_with_a_small_limit_keeps_the_table_and_cuts_details() {
    let plan = big_plan(5);
    let full = render_markdown(&plan);
    assert!(!full.contains("Output truncated"));
    let limit = full.chars().count() - 1;
    let md = render_markdown_limited(&plan, limit);
    assert!(md.chars().count() <= limit);
    assert_balanced(&md);
    assert!(
        md.contains("| `+` | `instance.node_00004` |"),
        "the table still fits"
    );
    assert!(
        md.lines()
            .last()
            .unwrap()
            .starts_with("> Output truncated: 4 of 5 resources shown in detail. The full plan"),
        "{}",
        md.lines().last().unwrap()
    );
}

#[test]
fn markdown_never_exceeds_any_limit() {
    let plan = big_plan(40);
    for limit in (0..12_000).step_by(97) {
        let md = render_markdown_limited(&plan, limit);
        assert!(md.chars().count() <= limit, "limit {limit}");
        if limit > 400 {
            assert_balanced(&md);
            assert!(md.starts_with("**Plan:**"));
        }
    }
}
