//! Black-box tests of `strata list` and `strata show` against state folders written through the
//! library: deployments that run, failed, were destroyed (archived), are being deployed (held
//! lock, or a killed run's journal) or whose state is damaged. No AWS, no configuration files.

use crate::support::{repo_root, save_state, strata, Run};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::time::Duration;
use strata::engine::journal::{Journal, Op};
use strata::state::{
    AppliedConfig, LocalBackend, OutputState, Provenance, ResourceState, RunOutcome, State,
    StateLock,
};
use strata::{Address, Value};
use tempfile::TempDir;

fn resource(kind: &str, name: &str, created_at: &str, arn: Option<&str>) -> ResourceState {
    let mut attributes = BTreeMap::new();
    if let Some(arn) = arn {
        attributes.insert("arn".to_string(), Value::str(arn));
    }
    ResourceState {
        address: Address::new(kind, name),
        kind: kind.into(),
        id: Some(format!("{kind}-{name}-1")),
        attributes,
        dependencies: vec![],
        provenance: Provenance::Created,
        created_at: created_at.into(),
        updated_at: created_at.into(),
    }
}

fn run_of(at: &str, outcome: RunOutcome) -> AppliedConfig {
    AppliedConfig {
        at: at.into(),
        command: "apply".into(),
        outcome,
        digest: "sha256:00".into(),
        tier_file: Some("tiers/x.toml".into()),
        stack_file: "stacks/ai-stack.toml".into(),
        files: vec![],
        supplied: Vec::new(),
    }
}

fn state_of(name: &str, tier: &str, resources: Vec<ResourceState>) -> State {
    let mut s = State::new(name, "ai-stack", Some(tier));
    for r in resources {
        s.resources.insert(r.address.clone(), r);
    }
    s
}

/// A running deployment with a region, ARNs, outputs (one sensitive) and two runs.
fn running_state(name: &str) -> State {
    let mut s = state_of(
        name,
        "dev",
        vec![
            resource(
                "vpc",
                "main",
                "2020-02-01T10:00:00Z",
                Some("arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-main-1"),
            ),
            resource("instance", "host", "2020-02-01T10:05:00Z", None),
            ResourceState {
                provenance: Provenance::Reused,
                ..resource("key_pair", "admin", "2020-02-01T09:59:00Z", None)
            },
        ],
    );
    s.region = Some("eu-west-1".into());
    let output = |v: Value, sensitive| OutputState {
        value: v,
        sensitive,
    };
    s.outputs.insert(
        "n8n_url".into(),
        output(Value::str("http://203.0.113.7:5678"), false),
    );
    s.outputs.insert(
        "qdrant_url".into(),
        output(Value::str("http://203.0.113.7:6333"), false),
    );
    s.outputs.insert(
        "ssh_command".into(),
        output(Value::str("ssh -i admin.pem ec2-user@203.0.113.7"), false),
    );
    s.outputs.insert(
        "postgres_password".into(),
        output(Value::str("hunter2").redact(), true),
    );
    s.outputs
        .insert("public_ip".into(), output(Value::str("203.0.113.7"), false));
    s.history = vec![
        run_of("2020-02-01T10:06:00Z", RunOutcome::Failed),
        run_of("2020-02-02T08:00:00Z", RunOutcome::Succeeded),
    ];
    s
}

/// A state folder with six deployments, one of each status (two deploying). The returned lock
/// keeps `new-dev` held by this (live) test process.
fn backend_with_everything() -> (TempDir, StateLock) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let root = dir.path();

    // running, region recorded, created 2020-02-01.
    save_state(root, &mut running_state("web-dev"));

    // failed: the last run failed; region only from an ARN; created 2020-01-15.
    let mut failed = state_of(
        "batch-gpu",
        "gpu",
        vec![resource(
            "instance",
            "host",
            "2020-01-15T00:00:00Z",
            Some("arn:aws:ec2:us-east-1:123456789012:instance/i-1"),
        )],
    );
    failed.history = vec![
        run_of("2020-01-15T00:10:00Z", RunOutcome::Succeeded),
        run_of("2020-03-01T00:00:00Z", RunOutcome::Failed),
    ];
    save_state(root, &mut failed);

    // destroyed: the emptied state moved into archive/ the way `strata destroy` does it.
    let mut gone = state_of("old-auto", "automation", vec![]);
    gone.region = Some("eu-west-1".into());
    gone.history = vec![run_of("2019-12-01T00:00:00Z", RunOutcome::Succeeded)];
    save_state(root, &mut gone);
    let archive = root.join("old-auto").join("archive");
    fs::create_dir_all(&archive).unwrap();
    fs::rename(
        root.join("old-auto").join("state.json"),
        archive.join("state.2020-04-01T120000Z.json"),
    )
    .unwrap();

    // deploying: a killed run left an intent without a commit; created 2020-03-05.
    let mut crashed = state_of(
        "crashed",
        "dev",
        vec![resource("vpc", "main", "2020-03-05T00:00:00Z", None)],
    );
    crashed.history = vec![run_of("2020-03-05T00:01:00Z", RunOutcome::Succeeded)];
    save_state(root, &mut crashed);
    let mut journal = Journal::open(&root.join("crashed")).unwrap();
    journal
        .intent(
            Op::Create,
            &Address::new("subnet", "a"),
            "subnet",
            None,
            "token-1",
            &BTreeMap::new(),
        )
        .unwrap();

    // deploying: a first apply holds the lock and has saved nothing yet.
    let lock = LocalBackend::new(root)
        .lock("new-dev", "strata apply", Duration::ZERO)
        .unwrap();

    // unreadable: a damaged state document.
    fs::create_dir_all(root.join("broken")).unwrap();
    fs::write(
        root.join("broken").join("state.json"),
        b"{\"format_version\": 1,",
    )
    .unwrap();

    // Not deployments: a folder with nothing in it, and a stray file.
    fs::create_dir_all(root.join("empty")).unwrap();
    fs::write(root.join("README"), b"hello").unwrap();
    (dir, lock)
}

/// `strata list ARGS --state-dir DIR` from an empty project folder (no stacks, no tiers).
fn list(dir: &Path, args: &[&str]) -> Run {
    let project = tempfile::tempdir().expect("a temp dir");
    strata(project.path())
        .args(["list"])
        .state_dir(dir)
        .args(args)
        .run()
}

fn names(j: &serde_json::Value) -> Vec<String> {
    j["deployments"]
        .as_array()
        .expect("deployments array")
        .iter()
        .map(|d| d["name"].as_str().expect("name").to_string())
        .collect()
}

#[test]
fn list_shows_every_deployment_with_its_status_in_name_order() {
    let (dir, _lock) = backend_with_everything();
    let run = list(dir.path(), &[]).expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "STACK",
            "TIER",
            "REGION",
            "STATUS",
            "CREATED",
            "RESOURCES",
            "COST/MONTH"
        ],
        "{}",
        run.stdout
    );
    let rows: Vec<Vec<&str>> = lines[1..]
        .iter()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let expected = [
        (
            "batch-gpu",
            "gpu",
            "us-east-1",
            "failed",
            "2020-01-15T00:00:00Z",
            "1",
        ),
        ("broken", "—", "—", "unreadable", "—", "—"),
        (
            "crashed",
            "dev",
            "—",
            "deploying",
            "2020-03-05T00:00:00Z",
            "1",
        ),
        ("new-dev", "—", "—", "deploying", "*", "0"),
        (
            "old-auto",
            "automation",
            "eu-west-1",
            "destroyed",
            "2019-12-01T00:00:00Z",
            "0",
        ),
        (
            "web-dev",
            "dev",
            "eu-west-1",
            "running",
            "2020-02-01T09:59:00Z",
            "3",
        ),
    ];
    assert_eq!(rows.len(), expected.len(), "{}", run.stdout);
    for (row, (name, tier, region, status, created, count)) in rows.iter().zip(expected) {
        assert_eq!(row[0], name, "{}", run.stdout);
        assert_eq!(row[2], tier, "{name}: {row:?}");
        assert_eq!(row[3], region, "{name}: {row:?}");
        assert_eq!(row[4], status, "{name}: {row:?}");
        if created != "*" {
            assert_eq!(row[5], created, "{name}: {row:?}");
        }
        assert_eq!(row[6], count, "{name}: {row:?}");
        // Estimated from the recorded attributes: these instances record no type, so only the
        // image's default 8 GiB gp3 root volume is priced ($0.08/GB-month in us-east-1, $0.088
        // in eu-west-1); no region, or no state, no estimate.
        let cost = match name {
            "batch-gpu" => "$0.64",
            "web-dev" => "$0.70",
            _ => "—",
        };
        assert_eq!(row[7], cost, "{name}: {row:?}");
    }
    // Columns line up (counted in characters: `—` is one): every status starts in one column.
    let at = lines[0].find("STATUS").unwrap();
    for line in &lines[1..] {
        let rest: String = line.chars().skip(at).collect();
        assert!(rest.starts_with(|c: char| c.is_ascii_lowercase()), "{line}");
    }
    // Not a terminal: no colour.
    assert!(!run.stdout.contains('\x1b'));
}

#[test]
fn list_json_has_one_row_per_deployment_with_its_estimated_cost() {
    let (dir, _lock) = backend_with_everything();
    let j = list(dir.path(), &["-o", "json"]).expect_code(0).json();
    assert_eq!(
        names(&j),
        [
            "batch-gpu",
            "broken",
            "crashed",
            "new-dev",
            "old-auto",
            "web-dev"
        ]
    );
    let by_name = |n: &str| {
        j["deployments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == n)
            .unwrap()
            .clone()
    };
    let web = by_name("web-dev");
    assert_eq!(
        web,
        serde_json::json!({
            "name": "web-dev",
            "stack": "ai-stack",
            "tier": "dev",
            "region": "eu-west-1",
            "status": "running",
            "created": "2020-02-01T09:59:00Z",
            "resource_count": 3,
            "monthly_cost": 8.0 * 0.088,
        })
    );
    let gone = by_name("old-auto");
    assert_eq!(gone["status"], "destroyed");
    assert_eq!(gone["destroyed_at"], "2020-04-01T12:00:00Z");
    assert_eq!(gone["resource_count"], 0);
    let broken = by_name("broken");
    assert_eq!(broken["status"], "unreadable");
    assert_eq!(broken["stack"], serde_json::Value::Null);
    assert_eq!(broken["resource_count"], serde_json::Value::Null);
    assert_eq!(broken["problem"]["code"], "strata::state::corrupt");
    assert_eq!(by_name("new-dev")["status"], "deploying");
    assert_eq!(by_name("crashed")["status"], "deploying");
}

#[test]
fn list_filters_by_status_region_and_tier() {
    let (dir, _lock) = backend_with_everything();
    let pick = |args: &[&str]| {
        let mut all = vec!["-o", "json"];
        all.extend_from_slice(args);
        names(&list(dir.path(), &all).expect_code(0).json())
    };
    assert_eq!(pick(&["--status", "deploying"]), ["crashed", "new-dev"]);
    assert_eq!(
        pick(&["--status", "failed", "--status", "destroyed"]),
        ["batch-gpu", "old-auto"]
    );
    assert_eq!(pick(&["--region", "eu-west-1"]), ["old-auto", "web-dev"]);
    assert_eq!(pick(&["--region", "US-EAST-1"]), ["batch-gpu"]);
    assert_eq!(pick(&["--tier", "dev"]), ["crashed", "web-dev"]);
    assert_eq!(pick(&["--tier", "dev", "--status", "running"]), ["web-dev"]);
    assert!(pick(&["--tier", "nope"]).is_empty());

    // Text: nothing matching is a friendly line on stderr, and still success.
    let run = list(dir.path(), &["--tier", "nope"]).expect_code(0);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("No deployment matches"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("6 in"), "{}", run.stderr);

    let bad = list(dir.path(), &["--status", "sleeping"]).expect_code(64);
    assert!(bad.stderr.contains("running"), "{}", bad.stderr);
}

#[test]
fn list_sorts_by_created_and_by_cost_with_unknowns_last() {
    let (dir, _lock) = backend_with_everything();
    let order = |by: &str| {
        names(
            &list(dir.path(), &["-o", "json", "--sort", by])
                .expect_code(0)
                .json(),
        )
    };
    // new-dev's only known time is its lock, taken just now: the newest. `broken` knows none.
    assert_eq!(
        order("created"),
        [
            "old-auto",
            "batch-gpu",
            "web-dev",
            "crashed",
            "new-dev",
            "broken"
        ]
    );
    // Most expensive first (web-dev $0.70, batch-gpu $0.64); the unknown costs last, by name.
    assert_eq!(
        order("cost"),
        [
            "web-dev",
            "batch-gpu",
            "broken",
            "crashed",
            "new-dev",
            "old-auto"
        ]
    );
    let text = list(dir.path(), &["--sort", "created"]).expect_code(0);
    let first: Vec<&str> = text
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(first, order("created"));
}

#[test]
fn an_empty_or_missing_state_folder_lists_nothing_kindly() {
    let dir = tempfile::tempdir().expect("a temp dir");
    for state_dir in [dir.path().to_path_buf(), dir.path().join("missing")] {
        let run = list(&state_dir, &[]).expect_code(0);
        assert_eq!(run.stdout, "");
        assert!(run.stderr.contains("No deployments in"), "{}", run.stderr);
        let j = list(&state_dir, &["-o", "json"]).expect_code(0).json();
        assert_eq!(j["deployments"], serde_json::json!([]));
        assert!(run_quiet(&state_dir).stderr.is_empty());
    }
    assert!(
        !dir.path().join("missing").exists(),
        "listing creates nothing"
    );
}

fn run_quiet(dir: &Path) -> Run {
    list(dir, &["-q"]).expect_code(0)
}

#[test]
fn a_stale_lock_of_a_dead_process_does_not_count_as_deploying() {
    let dir = tempfile::tempdir().expect("a temp dir");
    save_state(dir.path(), &mut running_state("web-dev"));
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let holder = serde_json::json!({
        "pid": dead,
        "host": strata::state::lock::host_name(),
        "user": "someone",
        "command": "strata apply",
        "started_at": "2020-01-01T00:00:00Z",
        "strata_version": "0.1.0",
        "id": "dead",
    });
    fs::write(
        dir.path().join("web-dev").join("state.lock"),
        serde_json::to_vec(&holder).unwrap(),
    )
    .unwrap();
    let j = list(dir.path(), &["-o", "json"]).expect_code(0).json();
    assert_eq!(j["deployments"][0]["status"], "running");
}

/// `strata show ARGS --state-dir DIR` from the repository (so `--tier dev` resolves).
fn show(dir: &Path, args: &[&str]) -> Run {
    strata(&repo_root())
        .args(["show"])
        .state_dir(dir)
        .args(args)
        .run()
}

#[test]
fn show_tier_dev_prints_resources_outputs_endpoints_ssh_and_runs() {
    let dir = tempfile::tempdir().expect("a temp dir");
    // `--tier dev` names the deployment `ai-stack-dev` from the tier file's header.
    save_state(dir.path(), &mut running_state("ai-stack-dev"));
    let run = show(dir.path(), &["--tier", "dev"]).expect_code(0);
    let out = &run.stdout;
    assert!(out.starts_with("ai-stack-dev  running\n"), "{out}");
    for fact in [
        "  stack     ai-stack\n",
        "  tier      dev\n",
        "  region    eu-west-1\n",
        "  created   2020-02-01T09:59:00Z\n",
        "  cost      $0.70 a month (estimated from the recorded resources at default usage; `strata cost` breaks it down)\n",
    ] {
        assert!(out.contains(fact), "{fact:?} missing:\n{out}");
    }
    assert!(out.contains("\nResources (3):\n"), "{out}");
    let vpc_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("vpc.main "))
        .unwrap_or_else(|| panic!("vpc.main row:\n{out}"));
    let cells: Vec<&str> = vpc_row.split_whitespace().collect();
    assert_eq!(
        cells,
        [
            "vpc.main",
            "vpc",
            "vpc-main-1",
            "created",
            "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-main-1"
        ]
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == ["key_pair.admin", "key_pair", "key_pair-admin-1", "reused"]),
        "{out}"
    );
    assert!(out.contains("  postgres_password = (sensitive)\n"), "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    assert!(
        out.contains("\nEndpoints:\n  n8n_url     http://203.0.113.7:5678\n  qdrant_url  http://203.0.113.7:6333\n"),
        "{out}"
    );
    assert!(
        out.contains("\nSSH:\n  ssh -i admin.pem ec2-user@203.0.113.7\n"),
        "{out}"
    );
    let runs = out
        .split("Last runs (newest first):\n")
        .nth(1)
        .expect("runs");
    let runs: Vec<Vec<&str>> = runs
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(runs[1], ["2020-02-02T08:00:00Z", "apply", "succeeded"]);
    assert_eq!(runs[2], ["2020-02-01T10:06:00Z", "apply", "failed"]);
}

#[test]
fn show_json_carries_the_same_with_secrets_hidden() {
    let dir = tempfile::tempdir().expect("a temp dir");
    save_state(dir.path(), &mut running_state("web-dev"));
    let run = show(dir.path(), &["--name", "web-dev", "-o", "json"]).expect_code(0);
    assert!(!run.stdout.contains("hunter2"));
    let j = run.json();
    assert_eq!(j["name"], "web-dev");
    assert_eq!(j["status"], "running");
    assert_eq!(j["region"], "eu-west-1");
    assert_eq!(j["monthly_cost"], serde_json::json!(8.0 * 0.088));
    assert_eq!(j["resource_count"], 3);
    assert_eq!(j["lock_holder"], serde_json::Value::Null);
    assert_eq!(j["pending_intents"], 0);
    let resources = j["resources"].as_array().unwrap();
    let addresses: Vec<&str> = resources
        .iter()
        .map(|r| r["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["instance.host", "key_pair.admin", "vpc.main"]);
    assert_eq!(
        resources[2],
        serde_json::json!({
            "address": "vpc.main",
            "kind": "vpc",
            "id": "vpc-main-1",
            "provenance": "created",
            "arn": "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-main-1",
            "created_at": "2020-02-01T10:00:00Z",
        })
    );
    assert_eq!(resources[0]["arn"], serde_json::Value::Null);
    assert_eq!(
        j["outputs"]["postgres_password"],
        serde_json::json!({ "value": null, "sensitive": true })
    );
    assert_eq!(
        j["outputs"]["public_ip"],
        serde_json::json!({ "value": "203.0.113.7", "sensitive": false })
    );
    assert_eq!(
        j["endpoints"],
        serde_json::json!({
            "n8n_url": "http://203.0.113.7:5678",
            "qdrant_url": "http://203.0.113.7:6333",
        })
    );
    assert_eq!(j["ssh_command"], "ssh -i admin.pem ec2-user@203.0.113.7");
    assert_eq!(j["runs"][0]["outcome"], "succeeded");
    assert_eq!(j["runs"][1]["outcome"], "failed");
    assert_eq!(j["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn show_of_destroyed_deploying_and_damaged_deployments() {
    let (dir, _lock) = backend_with_everything();
    let project = tempfile::tempdir().expect("a temp dir");
    let show_name = |name: &str, extra: &[&str]| {
        strata(project.path())
            .args(["show", "--name", name])
            .state_dir(dir.path())
            .args(extra)
            .run()
    };

    let gone = show_name("old-auto", &[]).expect_code(0);
    assert!(
        gone.stdout.starts_with("old-auto  destroyed\n"),
        "{}",
        gone.stdout
    );
    for part in [
        "  destroyed 2020-04-01T12:00:00Z\n",
        "Resources: none recorded",
        "state.2020-04-01T120000Z.json",
        // The archived state still tells how it was deployed.
        "  tier      automation\n",
    ] {
        assert!(
            gone.stdout.contains(part),
            "{part:?} missing:\n{}",
            gone.stdout
        );
    }

    let busy = show_name("new-dev", &["-o", "json"]).expect_code(0).json();
    assert_eq!(busy["status"], "deploying");
    assert_eq!(busy["lock_holder"]["command"], "strata apply");
    assert_eq!(busy["lock_holder"]["pid"], std::process::id());
    let text = show_name("new-dev", &[]).expect_code(0);
    assert!(
        text.stdout.contains("  lock      held by `strata apply`"),
        "{}",
        text.stdout
    );

    let crashed = show_name("crashed", &["-o", "json"]).expect_code(0).json();
    assert_eq!(crashed["status"], "deploying");
    assert_eq!(crashed["pending_intents"], 1);

    let broken = show_name("broken", &[]).expect_code(1);
    assert!(
        broken.stderr.contains("strata::state::corrupt"),
        "{}",
        broken.stderr
    );
    assert_eq!(broken.stdout, "");
}

#[test]
fn show_of_an_unknown_deployment_fails_with_a_suggestion() {
    let (dir, _lock) = backend_with_everything();
    let project = tempfile::tempdir().expect("a temp dir");
    let run = strata(project.path())
        .args(["show", "--name", "web-dve"])
        .state_dir(dir.path())
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::show::unknown_deployment"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`web-dev`"), "{}", run.stderr);
    // Looking did not create the folder.
    assert!(!dir.path().join("web-dve").exists());
}

#[test]
fn list_colours_statuses_only_when_asked_and_no_color_wins() {
    let (dir, _lock) = backend_with_everything();
    let coloured = list(dir.path(), &["--color", "always"]).expect_code(0);
    assert!(
        coloured.stdout.contains("\x1b[32mrunning\x1b[0m"),
        "{:?}",
        coloured.stdout
    );
    assert!(coloured.stdout.contains("\x1b[31mfailed\x1b[0m"));
    let project = tempfile::tempdir().expect("a temp dir");
    let plain = strata(project.path())
        .args(["list", "--color", "always"])
        .state_dir(dir.path())
        .env("NO_COLOR", "1")
        .run()
        .expect_code(0);
    assert!(!plain.stdout.contains('\x1b'));
    // The colour codes take no room: without them the text is the plain table.
    let stripped = coloured
        .stdout
        .replace("\x1b[0m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[35m", "")
        .replace("\x1b[2m", "");
    assert_eq!(stripped, plain.stdout);
}

#[test]
fn show_takes_the_ssh_command_from_an_older_ssh_output() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut s = running_state("web-dev");
    let cmd = s.outputs.remove("ssh_command").unwrap();
    s.outputs.insert("ssh".into(), cmd);
    save_state(dir.path(), &mut s);
    let j = show(dir.path(), &["--name", "web-dev", "-o", "json"])
        .expect_code(0)
        .json();
    assert_eq!(j["ssh_command"], "ssh -i admin.pem ec2-user@203.0.113.7");
}
