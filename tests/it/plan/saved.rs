//! Saved plan files: round trip, refusal of other files, secrets, staleness.

use miette::Diagnostic;
use std::collections::BTreeMap;
use std::path::Path;
use strata::plan::model::{InputFile, StateRef, PLAN_FORMAT_VERSION};
use strata::plan::saved::{
    hash_input, read_plan, stale_error, staleness, write_plan, SavedPlanError, StaleReason,
};
use strata::plan::{Action, AttrChange, OutputChange, Plan, ResourceChange, Summary};
use strata::state::Provenance;
use strata::value::hmac_sha256_hex;
use strata::{Address, Value};

const VERSION: &str = "0.1.0";

/// The state's secret key the tests write plans with.
const KEY: &[u8] = b"state-secret-key";

fn input(path: &str, digest_char: char) -> InputFile {
    InputFile {
        path: path.to_string(),
        sha256: digest_char.to_string().repeat(64),
    }
}

fn state(lineage: &str, serial: u64) -> StateRef {
    StateRef {
        lineage: lineage.to_string(),
        serial,
    }
}

fn plan() -> Plan {
    let secret = AttrChange {
        name: "value".into(),
        before: None,
        after: Some(Value::str("s3cr3t").redact()),
        forces_replace: false,
        sensitive: true,
    };
    let change = ResourceChange {
        address: Address::new("parameter", "db_password"),
        kind: "parameter".into(),
        action: Action::Create,
        before: None,
        after: Some(BTreeMap::from([
            ("name".to_string(), Value::str("/ai/db")),
            ("value".to_string(), secret.after.clone().unwrap()),
            ("arn".to_string(), Value::Unknown),
        ])),
        changes: vec![
            AttrChange {
                name: "arn".into(),
                before: None,
                after: Some(Value::Unknown),
                forces_replace: false,
                sensitive: false,
            },
            AttrChange {
                name: "name".into(),
                before: None,
                after: Some(Value::str("/ai/db")),
                forces_replace: false,
                sensitive: false,
            },
            secret.clone(),
        ],
        replace_because: Vec::new(),
        provenance: Some(Provenance::Created),
        reason: None,
        drift: None,
    };
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        strata_version: VERSION.into(),
        deployment: "ai-dev".into(),
        stack: "ai-stack".into(),
        tier: Some("dev".into()),
        refreshed: true,
        state: Some(state("lineage-1", 4)),
        inputs: vec![
            input("stacks/ai-stack.toml", 'a'),
            input("tiers/dev.toml", 'b'),
        ],
        resource_changes: vec![change],
        output_changes: vec![OutputChange {
            name: "db_password".into(),
            action: Action::Create,
            before: None,
            after: Some(Value::str("s3cr3t").redact()),
            sensitive: true,
        }],
        summary: Summary {
            add: 1,
            ..Summary::default()
        },
        calls: None,
        cost: None,
    }
}

fn code(err: &SavedPlanError) -> String {
    err.code().map(|c| c.to_string()).unwrap_or_default()
}

#[test]
fn round_trip_keeps_the_plan_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    let original = plan();
    write_plan(&path, &original, KEY).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("{\n  \"kind\": \"strata-plan\",\n  \"format_version\": 2,"));
    assert!(!text.contains("s3cr3t"));
    // Everything comes back, sensitive values as their keyed digest.
    let keyed = |v: &Value| match v {
        Value::Redacted(d) => Value::Redacted(format!(
            "hmac-sha256:{}",
            hmac_sha256_hex(KEY, d.as_bytes())
        )),
        other => other.clone(),
    };
    let mut expected = original.clone();
    let rc = &mut expected.resource_changes[0];
    for attr in &mut rc.changes {
        attr.after = attr.after.as_ref().map(keyed);
    }
    for v in rc.after.iter_mut().flat_map(|m| m.values_mut()) {
        *v = keyed(v);
    }
    expected.output_changes[0].after = expected.output_changes[0].after.as_ref().map(keyed);
    assert_eq!(read_plan(&path).unwrap(), expected);

    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("plan.json")]);

    // Writing again replaces the file.
    let mut changed = original.clone();
    changed.deployment = "ai-prod".into();
    write_plan(&path, &changed, KEY).unwrap();
    assert_eq!(read_plan(&path).unwrap().deployment, "ai-prod");
}

#[test]
fn write_to_a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_plan(&dir.path().join("nope/plan.json"), &plan(), KEY).unwrap_err();
    assert_eq!(code(&err), "strata::plan::unwritable");
}

#[test]
fn sensitive_plaintext_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");

    let mut in_change = plan();
    in_change.resource_changes[0].changes[2].after = Some(Value::str("s3cr3t"));
    let err = write_plan(&path, &in_change, KEY).unwrap_err();
    assert_eq!(code(&err), "strata::plan::sensitive_in_clear");
    assert!(err.to_string().contains("parameter.db_password.value"));
    assert!(!err.to_string().contains("s3cr3t"));

    let mut in_full_map = plan();
    in_full_map.resource_changes[0]
        .after
        .as_mut()
        .unwrap()
        .insert("value".into(), Value::str("s3cr3t"));
    assert!(write_plan(&path, &in_full_map, KEY).is_err());

    let mut in_output = plan();
    in_output.output_changes[0].after = Some(Value::str("s3cr3t"));
    let err = write_plan(&path, &in_output, KEY).unwrap_err();
    assert!(err.to_string().contains("output.db_password"));

    assert!(!path.exists(), "nothing was written");

    // Unknown sensitive values are fine: they hold no secret.
    let mut unknown = plan();
    unknown.resource_changes[0].changes[2].after = Some(Value::Unknown);
    unknown.resource_changes[0]
        .after
        .as_mut()
        .unwrap()
        .insert("value".into(), Value::Unknown);
    write_plan(&path, &unknown, KEY).unwrap();
}

fn write_raw(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("file.json");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn other_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        "not json at all",
        "[1, 2, 3]",
        r#"{"format_version": 1, "serial": 3, "lineage": "x", "deployment": "d"}"#,
        r#"{"kind": "strata-state", "format_version": 1}"#,
    ];
    for text in cases {
        let err = read_plan(&write_raw(dir.path(), text)).unwrap_err();
        assert_eq!(code(&err), "strata::plan::not_a_plan", "{text}");
        assert!(err.help().is_some());
    }

    let err = read_plan(&dir.path().join("missing.json")).unwrap_err();
    assert_eq!(code(&err), "strata::plan::unreadable");

    let damaged = write_raw(
        dir.path(),
        r#"{"kind": "strata-plan", "format_version": 2, "deployment": 3}"#,
    );
    assert_eq!(
        code(&read_plan(&damaged).unwrap_err()),
        "strata::plan::unreadable"
    );
}

#[test]
fn unknown_format_versions_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    write_plan(&path, &plan(), KEY).unwrap();
    let newer = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"format_version\": 2,", "\"format_version\": 99,");
    let err = read_plan(&write_raw(dir.path(), &newer)).unwrap_err();
    assert_eq!(code(&err), "strata::plan::unknown_format_version");
    assert!(err.to_string().contains("99"));

    let missing = r#"{"kind": "strata-plan"}"#;
    let err = read_plan(&write_raw(dir.path(), missing)).unwrap_err();
    assert_eq!(code(&err), "strata::plan::unknown_format_version");
}

fn now_inputs() -> Vec<InputFile> {
    plan().inputs
}

#[test]
fn an_unchanged_world_is_fresh() {
    let saved = plan();
    assert_eq!(
        staleness(&saved, &now_inputs(), Some(&state("lineage-1", 4)), VERSION),
        vec![]
    );
    // Input order does not matter.
    let mut reversed = now_inputs();
    reversed.reverse();
    assert!(staleness(&saved, &reversed, Some(&state("lineage-1", 4)), VERSION).is_empty());
}

#[test]
fn each_change_is_a_reason() {
    let saved = plan();
    let st = state("lineage-1", 4);

    let mut changed = now_inputs();
    changed[1].sha256 = "c".repeat(64);
    assert_eq!(
        staleness(&saved, &changed, Some(&st), VERSION),
        vec![StaleReason::InputChanged {
            path: "tiers/dev.toml".into(),
            before: "b".repeat(64),
            after: "c".repeat(64),
        }]
    );

    let mut added = now_inputs();
    added.push(input("stacks/ai-stack/user-data.sh", 'd'));
    assert_eq!(
        staleness(&saved, &added, Some(&st), VERSION),
        vec![StaleReason::InputAdded {
            path: "stacks/ai-stack/user-data.sh".into()
        }]
    );

    let removed = vec![input("stacks/ai-stack.toml", 'a')];
    assert_eq!(
        staleness(&saved, &removed, Some(&st), VERSION),
        vec![StaleReason::InputRemoved {
            path: "tiers/dev.toml".into()
        }]
    );

    assert_eq!(
        staleness(&saved, &now_inputs(), Some(&state("lineage-1", 5)), VERSION),
        vec![StaleReason::StateSerialChanged {
            before: 4,
            after: 5
        }]
    );

    assert_eq!(
        staleness(&saved, &now_inputs(), Some(&state("lineage-2", 4)), VERSION),
        vec![StaleReason::StateLineageChanged {
            before: "lineage-1".into(),
            after: "lineage-2".into()
        }]
    );

    assert_eq!(
        staleness(&saved, &now_inputs(), None, VERSION),
        vec![StaleReason::StateRemoved {
            lineage: "lineage-1".into()
        }]
    );

    assert_eq!(
        staleness(&saved, &now_inputs(), Some(&st), "0.2.0"),
        vec![StaleReason::VersionChanged {
            before: VERSION.into(),
            after: "0.2.0".into()
        }]
    );
}

#[test]
fn a_plan_made_without_state_is_stale_once_a_state_exists() {
    let mut saved = plan();
    saved.state = None;
    assert!(staleness(&saved, &now_inputs(), None, VERSION).is_empty());
    assert_eq!(
        staleness(&saved, &now_inputs(), Some(&state("lineage-9", 1)), VERSION),
        vec![StaleReason::StateCreated {
            lineage: "lineage-9".into(),
            serial: 1
        }]
    );
}

#[test]
fn reasons_come_in_a_stable_order_and_explain_themselves() {
    let saved = plan();
    let mut inputs = vec![input("tiers/dev.toml", 'e'), input("a.toml", 'f')];
    inputs.reverse();
    let reasons = staleness(&saved, &inputs, Some(&state("lineage-1", 7)), "0.2.0");
    let text: Vec<String> = reasons.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        vec![
            "the plan was made by strata 0.1.0; this is strata 0.2.0",
            "input file a.toml was added since the plan was made",
            "input file stacks/ai-stack.toml is no longer an input",
            "input file tiers/dev.toml changed (sha256 bbbbbbbbbbbb -> eeeeeeeeeeee)",
            "the state was written since the plan was made (serial 4 -> 7)",
        ]
    );

    let err = stale_error(reasons);
    assert_eq!(code(&err), "strata::plan::stale");
    let message = err.to_string();
    assert!(message.starts_with("the saved plan is stale:\n  - the plan was made by strata"));
    assert!(message.contains("  - the state was written since the plan was made (serial 4 -> 7)"));
    assert!(err
        .help()
        .unwrap()
        .to_string()
        .contains("strata plan --out FILE"));
}

#[test]
fn state_reasons_read_well() {
    let created = StaleReason::StateCreated {
        lineage: "l".into(),
        serial: 1,
    };
    assert_eq!(
        created.to_string(),
        "the plan was made with no state, but a state exists now (lineage l, serial 1)"
    );
    let removed = StaleReason::StateRemoved {
        lineage: "l".into(),
    };
    assert_eq!(
        removed.to_string(),
        "the state the plan was made against (lineage l) no longer exists"
    );
}

#[test]
fn inputs_are_hashed_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.toml");
    std::fs::write(&path, "abc").unwrap();
    let first = hash_input(&path).unwrap();
    assert_eq!(first.path, path.to_string_lossy());
    // sha256("abc"), a published test vector.
    assert_eq!(
        first.sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    std::fs::write(&path, "abd").unwrap();
    let second = hash_input(&path).unwrap();
    let mut saved = plan();
    saved.inputs = vec![first];
    assert!(matches!(
        staleness(&saved, &[second], Some(&state("lineage-1", 4)), VERSION).as_slice(),
        [StaleReason::InputChanged { .. }]
    ));
    assert!(hash_input(&dir.path().join("missing.toml")).is_err());
}

#[test]
fn a_weak_secret_is_not_dictionary_attackable_from_the_plan_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    write_plan(&path, &plan(), KEY).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    // The unsalted digest an attacker would compute for the guess "s3cr3t".
    let Value::Redacted(guess) = Value::str("s3cr3t").redact() else {
        panic!("redact gives Redacted")
    };
    assert!(!text.contains(&guess), "{text}");
    assert!(text.contains("hmac-sha256:"), "{text}");

    // Another state (another key) gives other digests; the same key the same ones, so a change
    // of the value still shows.
    let other = dir.path().join("other.json");
    write_plan(&other, &plan(), b"another-key").unwrap();
    let digest_of = |p: &Path| read_plan(p).unwrap().output_changes[0].after.clone();
    assert_ne!(digest_of(&path), digest_of(&other));
    let again = dir.path().join("again.json");
    write_plan(&again, &plan(), KEY).unwrap();
    assert_eq!(digest_of(&path), digest_of(&again));
    let mut changed = plan();
    changed.output_changes[0].after = Some(Value::str("s3cr3t!").redact());
    let changed_path = dir.path().join("changed.json");
    write_plan(&changed_path, &changed, KEY).unwrap();
    assert_ne!(digest_of(&path), digest_of(&changed_path));
}
