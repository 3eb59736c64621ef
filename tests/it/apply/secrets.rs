//! Sensitive values from outside the files, end to end against the emulator: a secret passed
//! by `--var`, by `STRATA_VAR_*` and from an SSM SecureString reaches AWS, and neither it nor
//! its plain digest is in any file under the state folder or in any output, through apply,
//! rollback and destroy. A rollback to a configuration that used such a value asks for it.

use crate::support::moto::moto;
use crate::support::project::stack_project;
use crate::support::{strata, Run};
use std::path::{Path, PathBuf};
use strata::Value;

const STACK: &str = r#"[stack]
name = "secrets"
region = "us-east-1"

[vars]
db_password = { sensitive = true, description = "never written anywhere" }
session = 3600

[resource.iam_role.app]
name = "secrets-app"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] }
description = "pw ${var.db_password}"
max_session_duration = "${var.session}"
"#;

const TIER: &str = "[tier]\nname = \"dev\"\nstack = \"secrets\"\n";

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("readable dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// What must never be at rest or printed for `secret`: the value, and the plain digests of
/// the value and of the attribute it went into (a dictionary attack needs only those).
fn forbidden(secret: &str) -> Vec<String> {
    vec![
        secret.to_string(),
        Value::str(secret).digest(),
        Value::str(format!("pw {secret}")).digest(),
    ]
}

#[track_caller]
fn assert_nowhere(state: &Path, runs: &[&Run], secrets: &[&str]) {
    let files = files_under(state);
    assert!(!files.is_empty(), "the state folder holds files");
    for secret in secrets {
        for needle in forbidden(secret) {
            for f in &files {
                let bytes = std::fs::read(f).expect("readable");
                let text = String::from_utf8_lossy(&bytes);
                assert!(
                    !text.contains(&needle),
                    "{} holds `{needle}` (for secret {secret})",
                    f.display()
                );
            }
            for run in runs {
                assert!(
                    !run.stdout.contains(&needle) && !run.stderr.contains(&needle),
                    "output holds `{needle}`:\n{}\n{}",
                    run.stdout,
                    run.stderr
                );
            }
        }
    }
}

async fn role(moto: &crate::support::moto::MotoSession) -> (String, i32) {
    let got = moto
        .iam()
        .get_role()
        .role_name("secrets-app")
        .send()
        .await
        .expect("the role exists");
    let role = got.role().expect("a role");
    (
        role.description().unwrap_or_default().to_string(),
        role.max_session_duration().unwrap_or_default(),
    )
}

#[tokio::test]
async fn a_secret_from_a_flag_or_the_environment_is_never_at_rest_and_rollback_asks_for_it() {
    let moto = moto();
    let project = stack_project("secrets", STACK);
    std::fs::write(project.path().join("tiers/dev.toml"), TIER).expect("tier");
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut s = strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1");
        for (k, v) in env {
            s = s.env(k, v);
        }
        s.args(args).state_dir(state.path()).run()
    };
    let (one, two) = ("Fl4g-s3cret-one", "Env-s3cret-two");
    let flag = format!("db_password={one}");

    let a = run(
        &["apply", "-v", "--tier", "dev", "--yes", "--var", &flag],
        &[],
    )
    .expect_code(0);
    assert_eq!(role(&moto).await, (format!("pw {one}"), 3600));
    let a_plan = run(
        &[
            "plan",
            "--tier",
            "dev",
            "--detailed-exitcode",
            "--var",
            &flag,
        ],
        &[],
    )
    .expect_code(0);

    // Configuration B: a longer session, the other secret from the environment.
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        format!("{TIER}\n[vars]\nsession = 7200\n"),
    )
    .expect("tier B");
    let env = [("STRATA_VAR_db_password", two)];
    let b = run(&["apply", "--tier", "dev", "--yes"], &env).expect_code(0);
    assert_eq!(role(&moto).await, (format!("pw {two}"), 7200));
    let b_plan = run(&["plan", "--tier", "dev", "--detailed-exitcode"], &env).expect_code(0);

    // Rolling back to A needs its secret again: the history kept only its name and digest.
    let refused = run(&["rollback", "--tier", "dev", "--yes"], &[]).expect_code(1);
    assert!(
        refused.stderr.contains("strata::rollback::needs_values"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("`db_password`"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("db_password=…"),
        "{}",
        refused.stderr
    );
    assert_eq!(role(&moto).await.0, format!("pw {two}"), "nothing changed");

    let back = run(
        &["rollback", "--tier", "dev", "--yes"],
        &[("STRATA_VAR_db_password", one)],
    )
    .expect_code(0);
    assert_eq!(role(&moto).await, (format!("pw {one}"), 3600));
    // The tier on disk is still B: the rollback's own configuration plans clean only from
    // the history, so check convergence of B after re-applying it.
    run(&["apply", "--tier", "dev", "--yes"], &env).expect_code(0);
    run(&["plan", "--tier", "dev", "--detailed-exitcode"], &env).expect_code(0);

    assert_nowhere(
        state.path(),
        &[&a, &a_plan, &b, &b_plan, &refused, &back],
        &[one, two],
    );

    let gone = run(&["destroy", "--tier", "dev", "--yes"], &env).expect_code(0);
    assert!(moto
        .iam()
        .get_role()
        .role_name("secrets-app")
        .send()
        .await
        .is_err());
    assert_nowhere(state.path(), &[&gone], &[one, two]);
}

#[tokio::test]
async fn a_secret_from_ssm_reaches_aws_and_is_never_at_rest() {
    let moto = moto();
    let project = stack_project("secrets", STACK);
    let secret = "Ssm-s3cret-three";
    moto.ssm()
        .put_parameter()
        .name("/strata/test/db")
        .value(secret)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .expect("put the parameter");
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        format!("{TIER}\n[vars]\ndb_password = {{ ssm = \"/strata/test/db\" }}\n"),
    )
    .expect("tier");
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1")
            .args(args)
            .state_dir(state.path())
            .run()
    };
    let applied = run(&["apply", "-v", "--tier", "dev", "--yes"]).expect_code(0);
    assert_eq!(role(&moto).await.0, format!("pw {secret}"));
    let planned = run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(0);
    assert_nowhere(state.path(), &[&applied, &planned], &[secret]);
    // The tier names the parameter, not the value: the history keeps it as written.
    let state_text = files_under(state.path())
        .iter()
        .map(|f| String::from_utf8_lossy(&std::fs::read(f).expect("read")).into_owned())
        .collect::<String>();
    assert!(state_text.contains("/strata/test/db"));
}

#[tokio::test]
async fn a_missing_ssm_parameter_fails_the_plan_before_anything_is_created() {
    let moto = moto();
    let project = stack_project("secrets", STACK);
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        format!("{TIER}\n[vars]\ndb_password = {{ ssm = \"/strata/test/absent\" }}\n"),
    )
    .expect("tier");
    let state = tempfile::tempdir().expect("state");
    for cmd in ["plan", "apply"] {
        let run = strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1")
            .args(
                [cmd, "--tier", "dev", "--yes"]
                    .iter()
                    .filter(|a| cmd == "apply" || **a != "--yes"),
            )
            .state_dir(state.path())
            .run()
            .expect_code(1);
        assert!(
            run.stderr.contains("strata::config::ssm_parameter_missing"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("/strata/test/absent"), "{}", run.stderr);
        assert!(run.stderr.contains("`db_password`"), "{}", run.stderr);
    }
    let roles = moto.iam().list_roles().send().await.expect("list roles");
    assert!(roles.roles().is_empty(), "nothing was created");
}

#[tokio::test]
async fn a_sensitive_literal_in_a_tier_is_redacted_from_the_history() {
    let moto = moto();
    let project = stack_project("secrets", STACK);
    let secret = "Lit3ral-s3cret-four";
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        format!("{TIER}\n[vars]\ndb_password = \"{secret}\"\n"),
    )
    .expect("tier");
    let state = tempfile::tempdir().expect("state");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut s = strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1");
        for (k, v) in env {
            s = s.env(k, v);
        }
        s.args(args).state_dir(state.path()).run()
    };
    let applied = run(&["apply", "--tier", "dev", "--yes"], &[]).expect_code(0);
    assert_eq!(role(&moto).await.0, format!("pw {secret}"));
    assert_nowhere(state.path(), &[&applied], &[secret]);

    // A second configuration, then back: the redacted literal must be given again.
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        format!("{TIER}\n[vars]\ndb_password = \"{secret}\"\nsession = 7200\n"),
    )
    .expect("tier B");
    run(&["apply", "--tier", "dev", "--yes"], &[]).expect_code(0);
    let refused = run(&["rollback", "--tier", "dev", "--yes"], &[]).expect_code(1);
    assert!(
        refused.stderr.contains("strata::rollback::needs_values"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("redacted from"),
        "{}",
        refused.stderr
    );
    run(
        &["rollback", "--tier", "dev", "--yes"],
        &[("STRATA_VAR_db_password", secret)],
    )
    .expect_code(0);
    assert_eq!(role(&moto).await, (format!("pw {secret}"), 3600));
    assert_nowhere(state.path(), &[&refused], &[secret]);
}

#[tokio::test]
async fn a_saved_plan_names_the_variables_given_outside_the_files() {
    let moto = moto();
    let project = stack_project("secrets", STACK);
    std::fs::write(project.path().join("tiers/dev.toml"), TIER).expect("tier");
    let state = tempfile::tempdir().expect("state");
    let plan_file = project.path().join("p.json");
    let plan_path = plan_file.to_str().expect("utf-8 path");
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("NO_COLOR", "1")
            .env("STRATA_VAR_db_password", "Plan-s3cret-five")
            .args(args)
            .state_dir(state.path())
            .run()
    };
    run(&[
        "plan",
        "--tier",
        "dev",
        "--var",
        "session=7200",
        "--out",
        plan_path,
    ])
    .expect_code(0);
    let saved = std::fs::read_to_string(&plan_file).expect("plan file");
    assert!(saved.contains("var:session"), "{saved}");
    assert!(saved.contains("var:db_password"), "{saved}");
    assert!(!saved.contains("Plan-s3cret-five"), "{saved}");

    // Without the flag, or with another value, the plan is stale; with the same, it applies.
    let missing = run(&["apply", "--tier", "dev", "--yes", "--plan", plan_path]).expect_code(3);
    assert!(missing.stderr.contains("var:session"), "{}", missing.stderr);
    run(&[
        "apply",
        "--tier",
        "dev",
        "--yes",
        "--var",
        "session=5000",
        "--plan",
        plan_path,
    ])
    .expect_code(3);
    run(&[
        "apply",
        "--tier",
        "dev",
        "--yes",
        "--var",
        "session=7200",
        "--plan",
        plan_path,
    ])
    .expect_code(0);
    assert_eq!(role(&moto).await, ("pw Plan-s3cret-five".to_string(), 7200));
}
