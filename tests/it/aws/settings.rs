//! Where the region and credentials come from, through the real binary against the emulator
//! (moto keeps one account per region, so the region a resource lands in is observable):
//! `--region` beats the tier's or stack's `region`, which beats AWS_REGION; `--profile` takes
//! the named profile's credentials and region from AWS_CONFIG_FILE /
//! AWS_SHARED_CREDENTIALS_FILE.

use crate::support::moto::{moto, MotoSession};
use crate::support::sdk::client_at;
use crate::support::Run;
use std::path::Path;
use std::process::Command;
use strata::state::LocalBackend;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// A project with one VPC; `region_line` is put in the stack (may be empty).
fn project(region_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "stacks/where.toml",
        &format!(
            "[stack]\nname = \"where\"\n{region_line}\n\n[resource.vpc.main]\ncidr_block = \"10.61.0.0/16\"\n"
        ),
    );
    write(
        dir.path(),
        "tiers/dev.toml",
        "[tier]\nname = \"dev\"\nstack = \"where\"\n",
    );
    dir
}

/// The binary with an environment holding only what the test gives it: no developer
/// credentials, profiles or region leak in, and HOME is an empty folder.
fn bare(project: &Path, home: &Path, endpoint: &str, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.env_clear()
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .current_dir(project)
        .arg("--project-dir")
        .arg(project);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(args);
    let out = cmd.output().expect("the strata binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
];

/// VPC ids tagged as this deployment's in `region`, read with the SDK behind strata's back.
async fn vpcs_in(moto: &MotoSession, region: &str) -> Vec<String> {
    let ec2: aws_sdk_ec2::Client = client_at(&moto.endpoint, region);
    ec2.describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:deployment")
                .values("where-dev")
                .build(),
        )
        .send()
        .await
        .expect("describe")
        .vpcs()
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn region_flag_beats_the_stack_which_beats_the_environment() {
    let moto = moto();
    let project = project("region = \"us-east-1\"");
    let home = tempfile::tempdir().expect("home");
    let state = tempfile::tempdir().expect("state");
    let state_arg = state.path().to_string_lossy().to_string();
    let env = [KEYS[0], KEYS[1], ("AWS_REGION", "us-west-2")];

    // The stack's region beats AWS_REGION.
    bare(
        project.path(),
        home.path(),
        &moto.endpoint,
        &env,
        &["apply", "--tier", "dev", "--yes", "--state-dir", &state_arg],
    )
    .expect_code(0);
    assert_eq!(vpcs_in(&moto, "us-east-1").await.len(), 1);
    assert!(vpcs_in(&moto, "us-west-2").await.is_empty());
    let recorded = LocalBackend::new(state.path())
        .load("where-dev")
        .expect("load")
        .expect("state");
    assert_eq!(recorded.region.as_deref(), Some("us-east-1"));

    // --region beats the stack: in eu-west-1 the VPC does not exist, so the plan re-creates it.
    let run = bare(
        project.path(),
        home.path(),
        &moto.endpoint,
        &env,
        &[
            "plan",
            "--tier",
            "dev",
            "--region",
            "eu-west-1",
            "--output",
            "json",
            "--state-dir",
            &state_arg,
        ],
    );
    let plan = run.json();
    let changes = plan["resource_changes"]
        .as_array()
        .expect("resource_changes");
    let vpc = changes
        .iter()
        .find(|c| c["address"] == "vpc.main")
        .unwrap_or_else(|| panic!("vpc.main in {plan}"));
    assert_eq!(vpc["action"], "create", "{plan}");
    assert_eq!(vpc["drift"]["deleted"], true, "{plan}");

    // Without the flag, the stack's region again: nothing to do.
    let run = bare(
        project.path(),
        home.path(),
        &moto.endpoint,
        &env,
        &["plan", "--tier", "dev", "--state-dir", &state_arg],
    )
    .expect_code(0);
    assert!(run.stdout.contains("No changes"), "{}", run.stdout);
}

#[tokio::test]
async fn profile_flag_takes_that_profiles_credentials_and_region() {
    let moto = moto();
    let project = project("");
    let home = tempfile::tempdir().expect("home");
    let state = tempfile::tempdir().expect("state");
    let state_arg = state.path().to_string_lossy().to_string();
    let aws = tempfile::tempdir().expect("aws files");
    let config = aws.path().join("config");
    let credentials = aws.path().join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-west-2\n\n[profile work]\nregion = eu-west-1\n",
    )
    .expect("config");
    std::fs::write(
        &credentials,
        "[work]\naws_access_key_id = AKIAWORKPROFILE\naws_secret_access_key = secret\n",
    )
    .expect("credentials");
    let config_s = config.to_string_lossy().to_string();
    let credentials_s = credentials.to_string_lossy().to_string();
    // No credentials and no region in the environment: only the profile has them.
    let env = [
        ("AWS_CONFIG_FILE", config_s.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials_s.as_str()),
    ];
    bare(
        project.path(),
        home.path(),
        &moto.endpoint,
        &env,
        &[
            "apply",
            "--tier",
            "dev",
            "--yes",
            "--profile",
            "work",
            "--state-dir",
            &state_arg,
        ],
    )
    .expect_code(0);
    assert_eq!(
        vpcs_in(&moto, "eu-west-1").await.len(),
        1,
        "created in the profile's region"
    );
    assert!(
        vpcs_in(&moto, "us-west-2").await.is_empty(),
        "not default's"
    );
    assert!(vpcs_in(&moto, "us-east-1").await.is_empty());

    // Without the profile there are no credentials at all: the profile was what supplied them.
    let run = bare(
        project.path(),
        home.path(),
        &moto.endpoint,
        &[
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_REGION", "eu-west-1"),
        ],
        &["plan", "--tier", "dev", "--state-dir", &state_arg],
    );
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr.contains("strata::aws::access_denied"),
        "{}",
        run.stderr
    );
}
