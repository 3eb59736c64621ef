//! Variables from outside the files, offline: precedence `--var` > `--var-file` >
//! `STRATA_VAR_*` > tier > stack default, typing of text values as TOML, errors for undeclared
//! and badly typed values, and a sensitive value never printed by a diagnostic.

use crate::support::project::stack_project;
use crate::support::strata;
use std::collections::BTreeMap;
use strata::config::{load, LoadRequest, OutsideVars, VarFrom};
use strata::Value;

const STACK: &str = r#"[stack]
name = "vars"
region = "us-east-1"

[vars]
size = "small"
count = 1
zones = ["a"]
public = false
token = { sensitive = true, default = "default-token" }
pin = { sensitive = true, default = 1234 }

[resource.vpc.main]
cidr_block = "10.9.0.0/16"
tags = { Size = "${var.size}" }
"#;

fn request(project: &std::path::Path, outside: OutsideVars) -> LoadRequest {
    LoadRequest {
        tier: Some("dev".into()),
        project_dir: project.to_path_buf(),
        outside,
        ..Default::default()
    }
}

fn values(project: &std::path::Path, outside: OutsideVars) -> BTreeMap<String, (Value, VarFrom)> {
    let d = match load(&request(project, outside), &strata::aws::registry()) {
        Ok(d) => d,
        Err(e) => panic!(
            "should load: {:?}",
            e.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        ),
    };
    d.vars
        .into_iter()
        .map(|(k, v)| (k, (v.value, v.from)))
        .collect()
}

fn pair(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

#[test]
fn flag_beats_file_beats_environment_beats_tier_beats_default() {
    let project = stack_project("vars", STACK);
    std::fs::write(
        project.path().join("tiers/dev.toml"),
        "[tier]\nname = \"dev\"\nstack = \"vars\"\n\n[vars]\nsize = \"tier\"\ncount = 2\nzones = [\"t\"]\n",
    )
    .expect("tier");
    let file = project.path().join("more.toml");
    std::fs::write(&file, "size = \"file\"\ncount = 3\n").expect("var file");
    let outside = OutsideVars {
        flags: vec![pair("size", "flag")],
        files: vec![file.clone()],
        env: vec![
            pair("size", "env"),
            pair("count", "4"),
            pair("public", "true"),
        ],
    };
    let v = values(project.path(), outside);
    assert_eq!(v["size"], (Value::str("flag"), VarFrom::Flag));
    assert_eq!(v["count"], (Value::Int(3), VarFrom::VarFile(file)));
    assert_eq!(v["public"], (Value::Bool(true), VarFrom::Env));
    assert_eq!(
        v["zones"],
        (Value::List(vec![Value::str("t")]), VarFrom::Tier)
    );
    assert_eq!(
        v["token"],
        (Value::str("default-token"), VarFrom::StackDefault)
    );
}

#[test]
fn text_values_are_typed_by_the_declaration() {
    let project = stack_project("vars", STACK);
    let outside = OutsideVars {
        // A string variable takes the text as it is, even when it reads as TOML.
        flags: vec![
            pair("size", "[1]"),
            pair("zones", r#"["x", "y"]"#),
            pair("count", "7"),
        ],
        ..Default::default()
    };
    let v = values(project.path(), outside);
    assert_eq!(v["size"].0, Value::str("[1]"));
    assert_eq!(
        v["zones"].0,
        Value::List(vec![Value::str("x"), Value::str("y")])
    );
    assert_eq!(v["count"].0, Value::Int(7));
}

#[test]
fn a_literal_dollar_brace_from_outside_is_kept() {
    let project = stack_project("vars", STACK);
    let outside = OutsideVars {
        env: vec![pair("token", "pa${ss")],
        ..Default::default()
    };
    assert_eq!(
        values(project.path(), outside)["token"].0,
        Value::str("pa${ss")
    );
}

#[test]
fn an_undeclared_environment_variable_is_ignored_but_an_undeclared_flag_is_an_error() {
    let project = stack_project("vars", STACK);
    let env_only = OutsideVars {
        env: vec![pair("other_stacks_var", "x")],
        ..Default::default()
    };
    values(project.path(), env_only);

    let run = strata(project.path())
        .args(["validate", "--tier", "dev", "--var", "sise=big"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::unknown_variable"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `size`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_badly_typed_value_is_a_diagnostic_naming_the_source() {
    let project = stack_project("vars", STACK);
    let run = strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .env("STRATA_VAR_count", "three")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::wrong_type"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("STRATA_VAR_count"), "{}", run.stderr);

    let run = strata(project.path())
        .args(["validate", "--tier", "dev", "--var", "public=[1]"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr
            .contains("variable `public` is a bool in the stack but an array here"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_sensitive_value_is_never_printed_by_a_diagnostic() {
    let project = stack_project("vars", STACK);
    // `pin` is an integer: this value is wrong, and must still not be shown.
    let secret = "Sup3r-s3cret-pin";
    for run in [
        strata(project.path())
            .args([
                "validate",
                "--tier",
                "dev",
                "--var",
                &format!("pin={secret}"),
            ])
            .env("NO_COLOR", "1")
            .run(),
        strata(project.path())
            .args(["validate", "--tier", "dev"])
            .env("NO_COLOR", "1")
            .env("STRATA_VAR_pin", secret)
            .run(),
    ] {
        let run = run.expect_code(1);
        assert!(
            run.stderr.contains("strata::config::wrong_type"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("(sensitive)"), "{}", run.stderr);
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
        assert!(!run.stdout.contains(secret), "{}", run.stdout);
    }
}

#[test]
fn a_plain_variable_cannot_read_ssm() {
    let project = stack_project("vars", STACK);
    let run = strata(project.path())
        .args([
            "validate",
            "--tier",
            "dev",
            "--var",
            r#"size={ ssm = "/x" }"#,
        ])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("reads SSM but is not sensitive"),
        "{}",
        run.stderr
    );
}

#[test]
fn var_requires_name_equals_value() {
    let project = stack_project("vars", STACK);
    let run = strata(project.path())
        .args(["validate", "--tier", "dev", "--var", "size"])
        .run()
        .expect_code(64);
    assert!(run.stderr.contains("expected NAME=VALUE"), "{}", run.stderr);
}

#[test]
fn a_sensitive_value_in_a_tag_is_refused() {
    let stack_tag = STACK.replace(
        "[resource.vpc.main]",
        "[tags]\nLeak = \"${var.token}\"\n\n[resource.vpc.main]",
    );
    let project = stack_project("vars", &stack_tag);
    let run = strata(project.path())
        .args(["validate", "--tier", "dev"])
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("uses a sensitive value"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("default-token"), "{}", run.stderr);

    let resource_tag = STACK.replace(
        "tags = { Size = \"${var.size}\" }",
        "tags = { Size = \"${var.size}\", Leak = \"${var.token}\" }",
    );
    let project = stack_project("vars", &resource_tag);
    let state = tempfile::tempdir().expect("state");
    let run = strata(project.path())
        .args(["plan", "--tier", "dev"])
        .state_dir(state.path())
        .env("NO_COLOR", "1")
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("a tag uses a sensitive value"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("default-token"), "{}", run.stderr);
    assert!(!run.stdout.contains("default-token"), "{}", run.stdout);
}
