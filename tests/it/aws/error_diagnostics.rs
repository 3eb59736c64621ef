//! What a user sees when AWS refuses: `strata apply` against the emulator with a mistyped AMI
//! id prints the stable code, the resource address, the operation, AWS's own message and the
//! hint, in text and in `--output json`; a missing `--profile` names the profile and where
//! profiles come from; a local failure (nothing listening) reads as a sentence, not a Rust
//! debug dump.

use crate::support::moto::moto;
use crate::support::{strata, Run};
use std::path::Path;

const BAD_AMI: &str = "ami-0badbadbadbad0bad";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A project with one instance whose AMI does not exist (moto validates AMIs).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "stacks/diag.toml",
        &format!(
            r#"[stack]
name = "diag"
region = "us-east-1"

[resource.instance.web]
ami = "{BAD_AMI}"
instance_type = "t3.micro"
"#
        ),
    );
    write(
        dir.path(),
        "tiers/dev.toml",
        "[tier]\nname = \"dev\"\nstack = \"diag\"\n",
    );
    dir
}

fn apply(project: &Path, state: &Path, endpoint: &str, extra: &[&str]) -> Run {
    strata(project)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("NO_COLOR", "1")
        .args(["apply", "--tier", "dev", "--yes"])
        .args(extra)
        .state_dir(state)
        .run()
}

#[test]
fn a_mistyped_ami_is_reported_with_code_address_operation_message_and_hint() {
    let moto = moto();
    let project = project();
    let state = tempfile::tempdir().expect("state");
    let run = apply(project.path(), state.path(), &moto.endpoint, &[]);
    assert_ne!(run.code, 0, "apply must fail\n{}", run.stderr);
    let err = &run.stderr;
    assert!(err.contains("strata::aws::invalid_input"), "{err}");
    assert!(err.contains("instance.web"), "{err}");
    assert!(
        err.contains("ec2:DescribeImages"),
        "the AMI is looked up first: {err}"
    );
    assert!(err.contains("InvalidAMIID.NotFound"), "{err}");
    assert!(err.contains(BAD_AMI), "AWS's message names the AMI: {err}");
    assert!(
        err.contains("check the attribute in the stack or tier"),
        "the invalid-input hint: {err}"
    );
    assert!(
        !err.contains("run the command again"),
        "a wrong AMI is not worth running again: {err}"
    );
    assert!(!err.contains("retrying"), "not retried: {err}");

    let run = apply(
        project.path(),
        state.path(),
        &moto.endpoint,
        &["--output", "json"],
    );
    assert_ne!(run.code, 0);
    let text = format!("{}\n{}", run.stdout, run.stderr);
    // Wherever JSON reports the failure, each part is there.
    let json_lines: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l.trim()).ok())
        .chain(serde_json::from_str(run.stdout.trim()).ok())
        .collect();
    let flat = json_lines
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    for part in [
        "strata::aws::invalid_input",
        "instance.web",
        "ec2:DescribeImages",
        "InvalidAMIID.NotFound",
    ] {
        assert!(flat.contains(part), "`{part}` missing from JSON:\n{text}");
    }
}

#[test]
fn a_missing_profile_is_named_with_where_profiles_come_from() {
    let project = project();
    let state = tempfile::tempdir().expect("state");
    let aws_dir = tempfile::tempdir().expect("aws dir");
    let config = aws_dir.path().join("config");
    std::fs::write(&config, "[profile other]\nregion = us-east-1\n").expect("config");
    let run = strata(project.path())
        .env("AWS_CONFIG_FILE", &config.to_string_lossy())
        .env("NO_COLOR", "1")
        // A plan with nothing recorded makes no AWS call; apply must.
        .args(["apply", "--tier", "dev", "--yes", "--profile", "nope"])
        .state_dir(state.path())
        .run();
    assert_ne!(run.code, 0, "{}", run.stdout);
    let err = &run.stderr;
    assert!(err.contains("`nope`"), "names the profile: {err}");
    assert!(err.contains("AWS_CONFIG_FILE"), "{err}");
    assert!(err.contains("~/.aws/config"), "{err}");
    // The report wraps at the terminal width, possibly inside the path: compare unwrapped.
    let unwrapped: String = err
        .lines()
        .map(|l| l.trim_start().trim_start_matches('│').trim_start())
        .collect();
    assert!(
        unwrapped.contains(&*config.to_string_lossy()),
        "names the file searched: {err}"
    );
    assert!(!err.contains("already taken"), "{err}");
}

#[test]
fn an_unreachable_endpoint_reads_as_a_sentence_not_a_debug_dump() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let project = project();
    let state = tempfile::tempdir().expect("state");
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{closed}"))
        .env("NO_COLOR", "1")
        .args(["apply", "--tier", "dev", "--yes"])
        .state_dir(state.path())
        .run();
    assert_ne!(run.code, 0);
    let err = &run.stderr;
    assert!(err.contains("could not reach AWS"), "{err}");
    assert!(err.contains("strata::aws::transient"), "{err}");
    for dump in [
        "DispatchFailure",
        "ConnectorError",
        "source:",
        "kind:",
        "Some(",
    ] {
        assert!(!err.contains(dump), "debug dump `{dump}` printed: {err}");
    }
}
