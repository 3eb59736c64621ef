//! Black-box tests of the `strata` command line: validate, plan, show-plan, graph, schema and
//! usage errors, run as the real binary against the repository's project (or a temp copy) with
//! state kept in a temp folder.

use crate::support::run::strata_bare;
use crate::support::{
    apply_tier, fake_apply, load_deployment, repo_root, save_state, strata, TempProject,
};
use tempfile::TempDir;

/// The secret default of `n8n_encryption_key` in `stacks/ai-stack.toml`.
const SECRET: &str = "change-me-in-the-tier-or-ssm";
/// The summary line of the dev tier planned against no state (8 resources in the stack).
const CREATE_ALL: &str = "Plan: 11 to add, 0 to change, 0 to replace, 0 to destroy.";

fn state_dir() -> TempDir {
    tempfile::tempdir().expect("a temp dir")
}

/// `strata plan --tier dev` from recorded state only: these tests are about the offline
/// engine; reading the live account is tested against the emulator in `tests/cli_refresh.rs`.
fn plan_dev(
    project: &std::path::Path,
    state: &std::path::Path,
    extra: &[&str],
) -> crate::support::Run {
    strata(project)
        .args(["plan", "--tier", "dev", "--refresh=false"])
        .state_dir(state)
        .args(extra)
        .run()
}

fn has_ansi(s: &str) -> bool {
    s.contains('\u{1b}')
}

// ---------------------------------------------------------------------------------------------
// validate

#[test]
fn validate_dev_tier_is_valid_and_names_the_deployment() {
    let run = strata(&repo_root())
        .args(["validate", "--tier", "dev"])
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("ai-stack-dev"), "{}", run.stdout);
    assert!(run.stdout.contains("valid"), "{}", run.stdout);
}

#[test]
fn validate_uses_name_flag_for_the_deployment() {
    let run = strata(&repo_root())
        .args(["validate", "--tier", "dev", "--name", "my-dev"])
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("my-dev"), "{}", run.stdout);
    assert!(!run.stdout.contains("ai-stack-dev"), "{}", run.stdout);
}

#[test]
fn validate_accepts_a_tier_path_and_a_stack_alone() {
    let root = repo_root();
    let tier = root.join("tiers/dev.toml");
    let run = strata(&root)
        .args(["validate", "--tier"])
        .args([&tier])
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("ai-stack-dev"), "{}", run.stdout);
    let run = strata(&root)
        .args(["validate", "--stack", "ai-stack", "-o", "json"])
        .run()
        .expect_code(0);
    let j = run.json();
    assert_eq!(j["valid"], true);
    assert_eq!(j["deployment"], "ai-stack");
    assert_eq!(j["tier"], serde_json::Value::Null);
}

#[test]
fn validate_broken_fixture_exits_1_with_code_and_location() {
    let root = repo_root();
    let run = strata(&root)
        .args(["validate", "--stack", "fixtures/bad/toml_syntax/stack.toml"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::toml_syntax"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("fixtures/bad/toml_syntax/stack.toml:5:13"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "diagnostics belong on stderr: {}",
        run.stdout
    );
}

#[test]
fn validate_broken_tier_fixture_points_into_the_tier_file() {
    let root = repo_root();
    let run = strata(&root)
        .args([
            "validate",
            "--tier",
            "fixtures/bad/override_missing/tier.toml",
        ])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::override_missing"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("fixtures/bad/override_missing/tier.toml:5:15"),
        "{}",
        run.stderr
    );
}

#[test]
fn validate_json_reports_valid_and_located_diagnostics() {
    let root = repo_root();
    let run = strata(&root)
        .args(["validate", "--tier", "dev", "--output", "json"])
        .run()
        .expect_code(0);
    let j = run.json();
    assert_eq!(j["valid"], true);
    assert_eq!(j["deployment"], "ai-stack-dev");
    assert_eq!(j["resources"].as_array().map(Vec::len), Some(11));

    let run = strata(&root)
        .args([
            "validate",
            "--stack",
            "fixtures/bad/unknown_kind/stack.toml",
            "--output",
            "json",
        ])
        .run()
        .expect_code(1);
    let j = run.json();
    assert_eq!(j["valid"], false);
    let diags = j["diagnostics"].as_array().expect("diagnostics array");
    assert!(!diags.is_empty());
    let first = &diags[0];
    assert_eq!(first["code"], "strata::config::unknown_kind");
    // Where the fixture's snapshot (tests/it/config/snapshots) places this diagnostic.
    let at = "stack.toml:4:11";
    let (file, rest) = at.split_once(':').expect("FILE:LINE:COL");
    let (line, col) = rest.split_once(':').expect("LINE:COL");
    assert_eq!(
        first["file"],
        format!("fixtures/bad/unknown_kind/{file}"),
        "{first}"
    );
    assert_eq!(first["line"].as_u64(), line.parse().ok(), "{first}");
    assert_eq!(first["column"].as_u64(), col.parse().ok(), "{first}");
    for d in diags {
        assert!(
            d["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("strata::")),
            "{d}"
        );
        assert!(d["message"].as_str().is_some_and(|m| !m.is_empty()), "{d}");
    }
}

#[test]
fn validate_unknown_tier_exits_1() {
    let run = strata(&repo_root())
        .args(["validate", "--tier", "no-such-tier"])
        .run()
        .expect_code(1);
    assert!(run.stderr.contains("strata::config::"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// plan without state

#[test]
fn plan_without_state_creates_everything() {
    let state = state_dir();
    let run = plan_dev(&repo_root(), state.path(), &["--detailed-exitcode"]).expect_code(2);
    assert!(run.stdout.contains(CREATE_ALL), "{}", run.stdout);
    assert!(run.stdout.contains("+ vpc.main"), "{}", run.stdout);
    let run = plan_dev(&repo_root(), state.path(), &[]).expect_code(0);
    assert!(run.stdout.contains(CREATE_ALL), "{}", run.stdout);
    // Planning never writes state.
    assert_eq!(
        std::fs::read_dir(state.path())
            .map(|d| d.count())
            .unwrap_or(0),
        0,
        "plan wrote into the state dir"
    );
}

#[test]
fn plan_accepts_refresh_false() {
    let state = state_dir();
    let run = strata(&repo_root())
        .args([
            "plan",
            "--tier",
            "dev",
            "--refresh=false",
            "--detailed-exitcode",
        ])
        .state_dir(state.path())
        .run()
        .expect_code(2);
    assert!(run.stdout.contains(CREATE_ALL), "{}", run.stdout);
}

#[test]
fn plan_json_has_the_documented_shape() {
    let state = state_dir();
    let run = plan_dev(&repo_root(), state.path(), &["--output", "json"]).expect_code(0);
    let j = run.json();
    assert_eq!(j["format_version"], 2);
    assert_eq!(j["deployment"], "ai-stack-dev");
    assert_eq!(j["tier"], "dev");
    let changes = j["resource_changes"].as_array().expect("resource_changes");
    assert_eq!(changes.len(), 11);
    for c in changes {
        for key in [
            "address",
            "kind",
            "action",
            "before",
            "after",
            "replace_because",
            "provenance",
        ] {
            assert!(c.get(key).is_some(), "`{key}` missing in {c}");
        }
        assert_eq!(c["action"], "create", "{c}");
        assert_eq!(c["before"], serde_json::Value::Null, "{c}");
        assert!(c["after"].is_object(), "{c}");
        assert_eq!(c["provenance"], "created", "{c}");
        let address = c["address"].as_str().expect("address is a string");
        let kind = c["kind"].as_str().expect("kind is a string");
        assert!(address.starts_with(&format!("{kind}.")), "{c}");
    }
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "vpc.main")
        .expect("vpc.main planned");
    assert_eq!(vpc["after"]["cidr_block"], "10.42.0.0/16");
    assert_eq!(vpc["after"]["id"], serde_json::json!({"$unknown": true}));
    assert_eq!(j["summary"]["add"], 11);
}

#[test]
fn plan_markdown_starts_with_the_bold_summary() {
    let state = state_dir();
    let run = plan_dev(&repo_root(), state.path(), &["--output", "markdown"]).expect_code(0);
    let first = run.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first, "**Plan:** 11 to add, 0 to change, 0 to replace, 0 to destroy.",
        "{}",
        run.stdout
    );
}

#[test]
fn plan_output_is_identical_across_runs() {
    for format in ["text", "markdown", "json"] {
        let state = state_dir();
        let a = plan_dev(&repo_root(), state.path(), &["-o", format]).expect_code(0);
        let b = plan_dev(&repo_root(), state.path(), &["-o", format]).expect_code(0);
        assert!(!a.stdout.is_empty());
        assert_eq!(a.stdout, b.stdout, "{format} plan differs between runs");
    }
}

#[test]
fn plan_colour_follows_color_flag_and_no_color() {
    let state = state_dir();
    let root = repo_root();
    // stdout is a pipe here: auto means no colour.
    let auto = plan_dev(&root, state.path(), &[]).expect_code(0);
    assert!(!has_ansi(&auto.stdout), "auto coloured a pipe");
    let never = plan_dev(&root, state.path(), &["--color", "never"]).expect_code(0);
    assert!(!has_ansi(&never.stdout));
    let always = plan_dev(&root, state.path(), &["--color", "always"]).expect_code(0);
    assert!(has_ansi(&always.stdout), "--color always did not colour");
    let no_color = strata(&root)
        .args(["plan", "--tier", "dev", "--color", "always"])
        .state_dir(state.path())
        .env("NO_COLOR", "1")
        .run()
        .expect_code(0);
    assert!(!has_ansi(&no_color.stdout), "NO_COLOR did not win");
    assert!(
        !has_ansi(&no_color.stderr),
        "NO_COLOR did not win on stderr"
    );
    // Colour only decorates: without the escapes it is the same text.
    assert_eq!(strip_ansi(&always.stdout), never.stdout);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ params final-byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn diagnostics_colour_follows_color_flag() {
    let root = repo_root();
    let bad = [
        "validate",
        "--stack",
        "fixtures/bad/unknown_kind/stack.toml",
    ];
    let plain = strata(&root).args(bad).run().expect_code(1);
    assert!(!has_ansi(&plain.stderr), "auto coloured a pipe");
    let coloured = strata(&root)
        .args(bad)
        .args(["--color", "always"])
        .run()
        .expect_code(1);
    assert!(has_ansi(&coloured.stderr), "--color always did not colour");
}

#[test]
fn quiet_text_plan_prints_nothing_on_stdout() {
    let state = state_dir();
    let run = plan_dev(&repo_root(), state.path(), &["-q", "--detailed-exitcode"]).expect_code(2);
    assert_eq!(run.stdout, "");
    // -q silences text only: tools asking for JSON still get it.
    let run = plan_dev(&repo_root(), state.path(), &["-q", "-o", "json"]).expect_code(0);
    assert_eq!(run.json()["summary"]["add"], 11);
}

/// A project whose stack actually uses the secret variable in an attribute and an output, so a
/// leak has somewhere to come from.
fn project_using_the_secret() -> TempProject {
    let project = TempProject::new();
    project.edit(
        "stacks/ai-stack.toml",
        "[vars]\n",
        &format!("[vars]\nn8n_encryption_key = {{ sensitive = true, default = \"{SECRET}\" }}\n"),
    );
    project.edit(
        "stacks/ai-stack.toml",
        "[resource.iam_role.host]\n",
        "[resource.iam_role.host]\ndescription = \"key ${var.n8n_encryption_key}\"\n",
    );
    project.edit(
        "stacks/ai-stack.toml",
        "[output]\n",
        "[output]\nencryption_key = \"${var.n8n_encryption_key}\"\n",
    );
    project
}

#[test]
fn sensitive_variable_never_appears_in_plan_output_or_saved_plan() {
    let state = state_dir();
    let temp = project_using_the_secret();
    for root in [repo_root(), temp.path().to_path_buf()] {
        for format in ["text", "markdown", "json"] {
            let run = plan_dev(&root, state.path(), &["-o", format, "--color", "always"]);
            let run = run.expect_code(0);
            assert!(
                !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
                "{format} plan of {} shows the secret",
                root.display()
            );
        }
        let out = state.path().join("plan.json");
        plan_dev(
            &root,
            state.path(),
            &["--out", out.to_str().expect("utf-8 path")],
        )
        .expect_code(0);
        let saved = std::fs::read_to_string(&out).expect("plan saved");
        assert!(!saved.contains(SECRET), "saved plan holds the secret");
        let shown = strata(&root)
            .args(["show-plan"])
            .args([&out])
            .run()
            .expect_code(0);
        assert!(!shown.stdout.contains(SECRET));
    }
    // The leak check above is only meaningful if the secret reaches the plan at all.
    let run = plan_dev(temp.path(), state.path(), &["-o", "json"]).expect_code(0);
    let j = run.json();
    let key = j["output_changes"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["name"] == "encryption_key"))
        .expect("the encryption_key output is planned");
    assert_eq!(key["sensitive"], true, "{key}");
    assert_eq!(key["after"], "(sensitive)", "{key}");
    // The saved plan keys its digest with the state's secret: the plain sha256 of the secret
    // (what a dictionary attack would compute) is not in it.
    let out = state.path().join("secret.plan");
    plan_dev(
        temp.path(),
        state.path(),
        &["--out", out.to_str().expect("utf-8 path")],
    )
    .expect_code(0);
    let saved = std::fs::read_to_string(&out).expect("plan saved");
    let strata::Value::Redacted(plain) = strata::Value::str(SECRET).redact() else {
        panic!("redact gives Redacted")
    };
    assert!(
        !saved.contains(&plain),
        "the plain digest of the secret is in the plan"
    );
    assert!(saved.contains("hmac-sha256:"), "{saved}");
}

// ---------------------------------------------------------------------------------------------
// plan against state

/// A temp project and a state dir holding the fake-applied state of its dev tier.
fn applied(project: TempProject) -> (TempProject, TempDir) {
    let state = state_dir();
    apply_tier(project.path(), "dev", state.path());
    (project, state)
}

#[test]
fn fake_apply_resolves_references_to_fake_ids() {
    let registry = strata::aws::registry();
    let deployment = load_deployment(&repo_root(), "dev");
    let state = fake_apply(&deployment, &registry);
    let attr = |address: &str, name: &str| {
        let a: strata::Address = address.parse().expect("address");
        state.resources[&a].attributes.get(name).cloned()
    };
    assert_eq!(
        attr("subnet.public_a", "vpc_id"),
        Some(strata::Value::str("vpc-fake-main"))
    );
    assert_eq!(
        attr("instance.host", "vpc_security_group_ids"),
        Some(strata::Value::List(vec![strata::Value::str(
            "security_group-fake-host"
        )]))
    );
    assert!(state
        .resources
        .values()
        .all(|r| r.attributes.values().all(strata::Value::is_known)));
    assert_eq!(state.outputs.len(), 8);
    let plan =
        strata::plan::diff::plan(&deployment, Some(&state), &registry, false).expect("plans");
    assert!(!plan.summary.has_changes(), "{:?}", plan.summary);
    assert!(plan.output_changes.iter().all(|o| !o.action.is_change()));
}

#[test]
fn plan_against_matching_state_has_no_changes() {
    let (project, state) = applied(TempProject::new());
    let run = plan_dev(project.path(), state.path(), &["--detailed-exitcode"]).expect_code(0);
    assert!(run.stdout.contains("No changes"), "{}", run.stdout);
    let run = plan_dev(project.path(), state.path(), &["-o", "json"]).expect_code(0);
    let j = run.json();
    assert_eq!(j["summary"]["add"], 0);
    assert_eq!(j["summary"]["unchanged"], 11);
    assert!(j["state"]["lineage"].is_string(), "{}", j["state"]);
}

#[test]
fn changed_instance_type_changes_only_the_instance() {
    let (project, state) = applied(TempProject::new());
    project.edit(
        "tiers/dev.toml",
        "instance_type = \"t3.large\"",
        "instance_type = \"t3.xlarge\"",
    );
    let run = plan_dev(project.path(), state.path(), &["--detailed-exitcode"]).expect_code(2);
    // The kind decides whether a new instance type is an update or a replacement; either way
    // the plan must name the instance and the new value.
    assert!(
        run.stdout.contains("~ instance.host") || run.stdout.contains("-/+ instance.host"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\"t3.large\" -> \"t3.xlarge\""),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("vpc.main"), "{}", run.stdout);
    let j = plan_dev(project.path(), state.path(), &["-o", "json"])
        .expect_code(0)
        .json();
    let host = j["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "instance.host"))
        .expect("instance.host planned")
        .clone();
    let expected_because = if host["action"] == "replace" {
        serde_json::json!(["instance_type"])
    } else {
        assert_eq!(host["action"], "update", "{host}");
        serde_json::json!([])
    };
    assert_eq!(host["replace_because"], expected_because, "{host}");
    assert_eq!(host["after"]["instance_type"], "t3.xlarge");
    assert_eq!(host["before"]["instance_type"], "t3.large");
    let others_unchanged = j["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        // The data volume's attachment names the host: a new host means a new attachment.
        .filter(|c| c["address"] != "instance.host" && c["address"] != "volume_attachment.data")
        .all(|c| c["action"] == "no-op");
    assert!(others_unchanged, "{j}");
}

#[test]
fn changed_cidr_replaces_the_vpc_and_says_why() {
    let (project, state) = applied(TempProject::new());
    project.edit(
        "stacks/ai-stack.toml",
        "cidr_block = \"10.42.0.0/16\"",
        "cidr_block = \"10.43.0.0/16\"",
    );
    let run = plan_dev(project.path(), state.path(), &["--detailed-exitcode"]).expect_code(2);
    assert!(run.stdout.contains("-/+ vpc.main"), "{}", run.stdout);
    let j = plan_dev(project.path(), state.path(), &["-o", "json"])
        .expect_code(0)
        .json();
    let vpc = j["resource_changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["address"] == "vpc.main"))
        .expect("vpc.main planned")
        .clone();
    assert_eq!(vpc["action"], "replace", "{vpc}");
    assert_eq!(vpc["replace_because"], serde_json::json!(["cidr_block"]));
}

#[test]
fn removed_resource_is_destroyed() {
    let (project, state) = applied(TempProject::new());
    project.edit(
        "stacks/ai-stack.toml",
        "[resource.internet_gateway.main]\nvpc_id = \"${vpc.main.id}\"\n",
        "",
    );
    project.edit(
        "stacks/ai-stack.toml",
        "gateway_id = \"${internet_gateway.main.id}\"",
        "gateway_id = \"igw-elsewhere\"",
    );
    let run = plan_dev(project.path(), state.path(), &["--detailed-exitcode"]).expect_code(2);
    assert!(
        run.stdout.contains("- internet_gateway.main"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("1 to destroy"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// saved plans

#[test]
fn saved_plan_shows_the_same_text() {
    let state = state_dir();
    let out = state.path().join("dev.plan");
    let made = plan_dev(
        &repo_root(),
        state.path(),
        &["--out", out.to_str().expect("utf-8 path")],
    )
    .expect_code(0);
    let shown = strata(&repo_root())
        .args(["show-plan"])
        .args([&out])
        .run()
        .expect_code(0);
    assert_eq!(made.stdout, shown.stdout);
    for format in ["markdown", "json"] {
        let made = plan_dev(&repo_root(), state.path(), &["-o", format]).expect_code(0);
        let shown = strata(&repo_root())
            .args(["show-plan", "-o", format])
            .args([&out])
            .run()
            .expect_code(0);
        if format == "json" {
            // show-plan adds what it found about staleness; otherwise the documents are equal.
            let made: serde_json::Value = serde_json::from_str(&made.stdout).expect("json");
            let mut shown: serde_json::Value = serde_json::from_str(&shown.stdout).expect("json");
            let stale = shown.as_object_mut().and_then(|o| o.remove("stale"));
            assert_eq!(
                stale,
                Some(serde_json::json!([])),
                "a fresh plan is not stale"
            );
            assert_eq!(made, shown, "{format}");
        } else {
            assert_eq!(made.stdout, shown.stdout, "{format}");
        }
    }
}

/// Save a plan of the temp project's dev tier; returns its path.
fn save_plan(project: &TempProject, state: &TempDir) -> std::path::PathBuf {
    let out = state.path().join("saved.plan");
    plan_dev(
        project.path(),
        state.path(),
        &["--out", out.to_str().expect("utf-8 path")],
    )
    .expect_code(0);
    out
}

fn check(project: &TempProject, state: &TempDir, plan: &std::path::Path) -> crate::support::Run {
    strata(project.path())
        .args(["show-plan", "--check"])
        .args([plan])
        .state_dir(state.path())
        .run()
}

#[test]
fn saved_plan_check_passes_while_fresh() {
    let project = TempProject::new();
    let state = state_dir();
    let plan = save_plan(&project, &state);
    let run = check(&project, &state, &plan).expect_code(0);
    assert!(run.stdout.contains(CREATE_ALL), "{}", run.stdout);
    // Against a recorded state, too.
    let (project, state) = applied(TempProject::new());
    let plan = save_plan(&project, &state);
    check(&project, &state, &plan).expect_code(0);
}

#[test]
fn saved_plan_is_stale_after_an_input_changes() {
    let project = TempProject::new();
    let state = state_dir();
    let plan = save_plan(&project, &state);
    project.edit("tiers/dev.toml", "monthly_usd = 40", "monthly_usd = 41");
    let run = check(&project, &state, &plan).expect_code(3);
    assert!(run.stderr.contains("strata::plan::stale"), "{}", run.stderr);
    assert!(run.stderr.contains("tiers/dev.toml"), "{}", run.stderr);
    assert!(!run.stderr.contains("ai-stack.toml"), "{}", run.stderr);
}

#[test]
fn saved_plan_is_stale_after_the_state_changes() {
    let project = TempProject::new();
    let state = state_dir();
    let plan = save_plan(&project, &state);
    // The plan was made with no state; now one exists.
    let mut applied = apply_tier(project.path(), "dev", state.path());
    let run = check(&project, &state, &plan).expect_code(3);
    assert!(run.stderr.contains("strata::plan::stale"), "{}", run.stderr);
    assert!(run.stderr.contains("state"), "{}", run.stderr);

    // A plan made against that state goes stale when the state is written again.
    let plan = save_plan(&project, &state);
    check(&project, &state, &plan).expect_code(0);
    save_state(state.path(), &mut applied);
    let run = check(&project, &state, &plan).expect_code(3);
    assert!(run.stderr.contains("serial"), "{}", run.stderr);
}

#[test]
fn plain_show_plan_warns_about_a_stale_plan() {
    let project = TempProject::new();
    let state = state_dir();
    let plan = save_plan(&project, &state);
    let show = |extra: &[&str]| {
        strata(project.path())
            .args(["show-plan"])
            .args([&plan])
            .args(extra)
            .state_dir(state.path())
            .run()
            .expect_code(0)
    };
    let fresh = show(&[]);
    assert!(!fresh.stderr.contains("stale"), "{}", fresh.stderr);
    assert_eq!(show(&["-o", "json"]).json()["stale"], serde_json::json!([]));

    project.edit("tiers/dev.toml", "monthly_usd = 40", "monthly_usd = 41");
    let stale = show(&[]);
    assert!(stale.stderr.contains("warning"), "{}", stale.stderr);
    assert!(stale.stderr.contains("stale"), "{}", stale.stderr);
    assert!(stale.stderr.contains("tiers/dev.toml"), "{}", stale.stderr);
    assert!(stale.stdout.contains(CREATE_ALL), "{}", stale.stdout);
    let json = show(&["-o", "json"]);
    assert_eq!(json.stderr, "", "JSON mode says it in the document");
    let reasons = json.json()["stale"].as_array().expect("stale").clone();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].as_str().unwrap().contains("tiers/dev.toml"));
    // --check still turns it into exit 3.
    check(&project, &state, &plan).expect_code(3);
}

#[test]
fn show_plan_refuses_another_deployment_than_the_plans() {
    let project = TempProject::new();
    let state = state_dir();
    let plan = save_plan(&project, &state);
    let show = |extra: &[&str]| {
        strata(project.path())
            .args(["show-plan", "--check"])
            .args([&plan])
            .args(extra)
            .state_dir(state.path())
            .run()
    };
    show(&["--tier", "dev"]).expect_code(0);
    let run = show(&["--name", "other"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::other_deployment"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`other`"), "{}", run.stderr);
    let run = show(&["--tier", "gpu"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::other_deployment"),
        "{}",
        run.stderr
    );
}

#[test]
fn lock_timeout_is_refused_where_no_lock_is_taken() {
    for args in [
        &["plan", "--tier", "dev", "--lock-timeout", "5s"][..],
        &["show-plan", "x.plan", "--lock-timeout", "5s"][..],
    ] {
        let run = strata_bare(args.iter().copied());
        assert_eq!(run.code, 64, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--lock-timeout"), "{}", run.stderr);
    }
}

#[test]
fn plan_stats_without_refresh_says_no_aws_calls() {
    let project = TempProject::new();
    let state = state_dir();
    let run = plan_dev(project.path(), state.path(), &["--stats"]).expect_code(0);
    assert!(run.stderr.contains("AWS calls: none"), "{}", run.stderr);
}

#[test]
fn show_plan_refuses_a_file_that_is_not_a_plan() {
    let root = repo_root();
    let run = strata(&root)
        .args(["show-plan", "tiers/dev.toml"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::not_a_plan"),
        "{}",
        run.stderr
    );
    let dir = state_dir();
    let json = dir.path().join("other.json");
    std::fs::write(&json, r#"{"kind": "something-else", "format_version": 1}"#).expect("write");
    let run = strata(&root)
        .args(["show-plan"])
        .args([&json])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::not_a_plan"),
        "{}",
        run.stderr
    );
    let run = strata(&root)
        .args(["show-plan", "-o", "json"])
        .args([&json])
        .run()
        .expect_code(1);
    assert_eq!(run.json()["error"]["code"], "strata::plan::not_a_plan");
}

// ---------------------------------------------------------------------------------------------
// graph

#[test]
fn graph_renders_mermaid_dot_and_json() {
    let root = repo_root();
    let mermaid = strata(&root)
        .args(["graph", "--tier", "dev", "--format", "mermaid"])
        .run()
        .expect_code(0);
    assert!(
        mermaid.stdout.starts_with("flowchart"),
        "{}",
        mermaid.stdout
    );
    assert!(mermaid.stdout.contains("vpc.main"), "{}", mermaid.stdout);
    let default = strata(&root)
        .args(["graph", "--tier", "dev"])
        .run()
        .expect_code(0);
    assert_eq!(default.stdout, mermaid.stdout, "mermaid is the default");

    let dot = strata(&root)
        .args(["graph", "--tier", "dev", "--format", "dot"])
        .run()
        .expect_code(0);
    assert!(dot.stdout.starts_with("digraph"), "{}", dot.stdout);
    assert!(dot.stdout.contains("vpc.main"), "{}", dot.stdout);

    let j = strata(&root)
        .args(["graph", "--tier", "dev", "-o", "json"])
        .run()
        .expect_code(0)
        .json();
    let nodes = j["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 11);
    assert!(nodes.iter().any(|n| n == "vpc.main"));
    let edges = j["edges"].as_array().expect("edges");
    assert!(edges
        .iter()
        .any(|e| e["from"] == "subnet.public_a" && e["to"] == "vpc.main"));
    let order: Vec<&str> = j["apply_order"]
        .as_array()
        .expect("apply_order")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert_eq!(order.len(), 11);
    let pos = |a: &str| order.iter().position(|x| *x == a).expect("in order");
    // Every edge's target comes before its source.
    for e in edges {
        let from = e["from"].as_str().expect("from");
        let to = e["to"].as_str().expect("to");
        assert!(pos(to) < pos(from), "{to} should come before {from}");
    }
}

#[test]
fn graph_of_a_broken_configuration_exits_1() {
    let run = strata(&repo_root())
        .args(["graph", "--stack", "fixtures/bad/cycle/stack.toml"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::cycle"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// schema

#[test]
fn schemas_are_json_with_resource_kinds() {
    for kind in ["stack", "tier"] {
        let j = strata(&repo_root())
            .args(["schema", kind])
            .run()
            .expect_code(0)
            .json();
        assert!(
            j["$schema"]
                .as_str()
                .is_some_and(|s| s.contains("json-schema")),
            "{kind}: {}",
            j["$schema"]
        );
        let resources = &j["properties"]["resource"]["properties"];
        for k in ["vpc", "instance"] {
            assert!(resources.get(k).is_some(), "{kind} schema lacks `{k}`");
        }
    }
    let stack = strata(&repo_root()).args(["schema", "stack"]).run().json();
    assert!(stack["properties"].get("stack").is_some());
    let tier = strata(&repo_root()).args(["schema", "tier"]).run().json();
    assert!(tier["properties"].get("tier").is_some());
}

// ---------------------------------------------------------------------------------------------
// usage

#[test]
fn unknown_flag_is_a_usage_error() {
    let run = strata_bare(["validate", "--tier", "dev", "--no-such-flag"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["frobnicate"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["graph", "--tier", "dev", "--format", "png"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["plan", "--tier", "dev", "--stack", "ai-stack"]);
    assert_eq!(run.code, 64, "--tier and --stack conflict: {}", run.stderr);
}

#[test]
fn help_documents_the_exit_codes() {
    let run = strata_bare(["--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in ["0 ", "1 ", "2 ", "3 ", "64"] {
        assert!(run.stdout.contains(line), "help lacks exit code {line}");
    }
    assert!(run.stdout.contains("Exit codes"), "{}", run.stdout);
    for cmd in ["validate", "graph", "plan", "show-plan", "state", "schema"] {
        assert!(run.stdout.contains(cmd), "help lacks {cmd}");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let run = strata_bare(["--version"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        run.stdout
    );
}

#[test]
fn machine_formats_never_carry_colour() {
    let state = state_dir();
    for format in ["json", "markdown"] {
        let run = plan_dev(
            &repo_root(),
            state.path(),
            &["-o", format, "--color", "always"],
        )
        .expect_code(0);
        assert!(!has_ansi(&run.stdout), "{format} output coloured");
    }
    let run = plan_dev(
        &repo_root(),
        state.path(),
        &["-o", "json", "--color", "always"],
    );
    assert_eq!(run.json()["format_version"], 2);
}

#[test]
fn quiet_keeps_errors_and_drops_the_rest() {
    let root = repo_root();
    let run = strata(&root)
        .args(["-q", "validate", "--tier", "dev"])
        .run()
        .expect_code(0);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
    let run = strata(&root)
        .args(["-q", "validate", "--stack", "fixtures/bad/cycle/stack.toml"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::cycle"),
        "{}",
        run.stderr
    );
}

#[test]
fn plan_out_to_a_missing_folder_fails_with_a_code() {
    let state = state_dir();
    let out = state.path().join("no/such/folder/plan.json");
    let run = plan_dev(
        &repo_root(),
        state.path(),
        &["--out", out.to_str().expect("utf-8 path")],
    )
    .expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::unwritable"),
        "{}",
        run.stderr
    );
}

#[test]
fn plan_refuses_a_damaged_state() {
    let (project, state) = applied(TempProject::new());
    let path = state.path().join("ai-stack-dev/state.json");
    let text = std::fs::read_to_string(&path).expect("state.json");
    std::fs::write(&path, text.replace("t3.large", "t3.nano")).expect("write");
    let run = plan_dev(project.path(), state.path(), &["--detailed-exitcode"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::checksum_mismatch"),
        "{}",
        run.stderr
    );
    std::fs::write(&path, "{").expect("write");
    let run = plan_dev(project.path(), state.path(), &[]).expect_code(1);
    assert!(
        run.stderr.contains("strata::state::corrupt"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_option_values_are_usage_errors() {
    let run = strata_bare(["apply", "--tier", "dev", "--lock-timeout", "soon"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["plan", "--tier", "dev", "--color", "sometimes"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["plan", "--tier", "dev", "--output", "yaml"]);
    assert_eq!(run.code, 64, "{}", run.stderr);
    let run = strata_bare(["show-plan"]);
    assert_eq!(run.code, 64, "missing FILE: {}", run.stderr);
}
