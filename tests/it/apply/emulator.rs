//! `strata apply` and `strata destroy` against the AWS emulator, through the real SDK, with a
//! fault-injecting proxy where the emulator is silent (throttling, failures, call order). The
//! emulator sits behind a strict proxy (`moto_strict`) that refuses what AWS would refuse.

use crate::support::moto::{moto_strict, MotoSession};
use crate::support::proxy::{Proxy, Times};
use crate::support::{strata, Run, TempProject};
use std::time::Duration;

const DEPLOYMENT: &str = "ai-stack-dev";

fn apply(project: &TempProject, state: &std::path::Path, endpoint: &str, extra: &[&str]) -> Run {
    strata(project.path())
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["apply", "--tier", "dev", "--yes"])
        .args(extra)
        .state_dir(state)
        .run()
}

fn destroy(project: &TempProject, state: &std::path::Path, endpoint: &str) -> Run {
    strata(project.path())
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["destroy", "--tier", "dev", "--yes"])
        .state_dir(state)
        .run()
}

/// Resources still carrying the deployment's tag, across the kinds the dev tier uses.
async fn tagged_left(moto: &MotoSession) -> Vec<String> {
    let ec2 = moto.ec2();
    let filter = aws_sdk_ec2::types::Filter::builder()
        .name("tag:strata:deployment")
        .values(DEPLOYMENT)
        .build();
    let mut left = Vec::new();
    for v in ec2
        .describe_vpcs()
        .filters(filter.clone())
        .send()
        .await
        .unwrap()
        .vpcs()
    {
        left.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
    }
    for s in ec2
        .describe_subnets()
        .filters(filter.clone())
        .send()
        .await
        .unwrap()
        .subnets()
    {
        left.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
    }
    for g in ec2
        .describe_security_groups()
        .filters(filter.clone())
        .send()
        .await
        .unwrap()
        .security_groups()
    {
        left.push(format!("sg {}", g.group_id().unwrap_or_default()));
    }
    for r in ec2
        .describe_instances()
        .filters(filter.clone())
        .send()
        .await
        .unwrap()
        .reservations()
    {
        for i in r.instances() {
            let state = i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string());
            if state.as_deref() != Some("terminated") {
                left.push(format!("instance {}", i.instance_id().unwrap_or_default()));
            }
        }
    }
    left
}

/// How many live instances carry `strata:address = instance.host`.
async fn hosts(moto: &MotoSession) -> usize {
    let ec2 = moto.ec2();
    let out = ec2
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:address")
                .values("instance.host")
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .count()
}

#[tokio::test]
async fn apply_then_plan_is_clean_then_destroy_leaves_nothing() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let run = apply(&project, state.path(), &moto.endpoint, &[]).expect_code(0);
    assert!(run.stdout.contains("n8n_url"), "{}", run.stdout);
    assert_eq!(hosts(&moto).await, 1);
    assert!(!tagged_left(&moto).await.is_empty());
    // The account now matches: a refreshed plan finds nothing to do.
    strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["plan", "--tier", "dev", "--detailed-exitcode"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
    // A second apply is a no-op.
    apply(&project, state.path(), &moto.endpoint, &[]).expect_code(0);
    assert_eq!(hosts(&moto).await, 1);
    destroy(&project, state.path(), &moto.endpoint).expect_code(0);
    assert_eq!(tagged_left(&moto).await, Vec::<String>::new());
    assert!(state.path().join(DEPLOYMENT).join("archive").is_dir());
}

#[tokio::test]
async fn throttled_apply_succeeds_and_reports_retries() {
    let moto = moto_strict();
    let proxy = Proxy::start(moto.port);
    proxy.throttle(0.3, 7);
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let run = apply(
        &project,
        state.path(),
        &proxy.endpoint(),
        &["-o", "json", "--max-attempts", "12"],
    )
    .expect_code(0);
    let retries = run
        .stdout
        .lines()
        .filter(|l| l.contains("\"event\":\"retrying\""))
        .count();
    assert!(retries > 0, "no retry events:\n{}", run.stdout);
    assert!(
        run.stdout.contains("\"class\":\"throttling\""),
        "{}",
        run.stdout
    );
    assert!(proxy.record().iter().any(|c| c.throttled()));
    proxy.stop_throttling();
    assert_eq!(hosts(&moto).await, 1);
    let summary = run
        .stdout
        .lines()
        .find(|l| l.contains("\"event\":\"summary\""))
        .expect("a summary event");
    let planned = run
        .stdout
        .lines()
        .filter(|l| l.contains("\"event\":\"planned\"") && l.contains("\"action\":\"create\""))
        .count();
    assert!(
        planned >= 10,
        "the dev tier creates its whole stack:\n{}",
        run.stdout
    );
    assert!(
        summary.contains(&format!("\"created\":{planned}")),
        "{summary}"
    );
}

#[tokio::test]
async fn permanent_failure_rolls_back_a_first_deployment() {
    let moto = moto_strict();
    let ec2 = moto.ec2();
    // A VPC that exists before strata: the stack reuses it, rollback must not touch it.
    let shared = ec2
        .create_vpc()
        .cidr_block("10.77.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap()
        .to_string();
    let project = TempProject::new();
    project.edit(
        "stacks/ai-stack.toml",
        "[resource.vpc.main]\ncidr_block = \"10.42.0.0/16\"\nenable_dns_support = true\nenable_dns_hostnames = true\n",
        &format!("[resource.vpc.main]\nexisting = \"{shared}\"\n"),
    );
    project.edit(
        "stacks/ai-stack.toml",
        "cidr_block = \"10.42.1.0/24\"",
        "cidr_block = \"10.77.1.0/24\"",
    );
    let proxy = Proxy::start(moto.port);
    proxy.fail(
        "ec2:RunInstances",
        Times::Always,
        "InvalidParameterValue",
        400,
    );
    let state = tempfile::tempdir().unwrap();
    let run = apply(&project, state.path(), &proxy.endpoint(), &["-o", "json"]).expect_code(1);
    assert!(
        run.stdout.contains("\"event\":\"rolled_back\""),
        "{}",
        run.stdout
    );
    proxy.clear_faults();
    assert_eq!(tagged_left(&moto).await, Vec::<String>::new());
    let still = ec2.describe_vpcs().vpc_ids(&shared).send().await.unwrap();
    assert_eq!(
        still.vpcs().len(),
        1,
        "the reused VPC must survive rollback"
    );
    let iam = moto.iam();
    let roles = iam.list_roles().send().await.unwrap();
    assert!(
        roles
            .roles()
            .iter()
            .all(|r| r.role_name() != "ai-stack-dev-host"),
        "the role created before the failure was rolled back"
    );
    let saved = strata::state::LocalBackend::new(state.path())
        .load(DEPLOYMENT)
        .unwrap()
        .unwrap();
    assert!(saved.resources.is_empty(), "{:?}", saved.resources.keys());
}

#[tokio::test]
async fn destroy_runs_in_reverse_dependency_order() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    apply(&project, state.path(), &moto.endpoint, &[]).expect_code(0);
    let proxy = Proxy::start(moto.port);
    destroy(&project, state.path(), &proxy.endpoint()).expect_code(0);
    let ops = proxy.operations();
    let at = |op: &str| {
        ops.iter()
            .position(|o| o == op)
            .unwrap_or_else(|| panic!("{op} not called: {ops:?}"))
    };
    // moto would accept any order: only this record proves it, and the strict proxy behind
    // the recording one refused nothing (every delete found its dependents already gone).
    assert_eq!(moto.refusals(), Vec::<(String, String)>::new());
    assert!(
        at("ec2:TerminateInstances") < at("ec2:DeleteSubnet"),
        "{ops:?}"
    );
    assert!(
        at("ec2:TerminateInstances") < at("ec2:DeleteSecurityGroup"),
        "{ops:?}"
    );
    assert!(
        at("ec2:TerminateInstances") < at("iam:DeleteInstanceProfile"),
        "{ops:?}"
    );
    assert!(
        at("iam:DeleteInstanceProfile") < at("iam:DeleteRole"),
        "{ops:?}"
    );
    assert!(
        at("ec2:DeleteRouteTable") < at("ec2:DeleteSubnet"),
        "{ops:?}"
    );
    assert!(
        at("ec2:DeleteRouteTable") < at("ec2:DeleteInternetGateway"),
        "{ops:?}"
    );
    for child in [
        "ec2:DeleteSubnet",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteInternetGateway",
    ] {
        assert!(
            at(child) < at("ec2:DeleteVpc"),
            "{child} after DeleteVpc: {ops:?}"
        );
    }
}

#[tokio::test]
async fn a_second_apply_is_refused_naming_the_lock_holder() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let backend = strata::state::LocalBackend::new(state.path());
    let _held = backend
        .lock(DEPLOYMENT, "strata apply", Duration::ZERO)
        .unwrap();
    let run = apply(&project, state.path(), &moto.endpoint, &[]).expect_code(1);
    assert!(
        run.stderr.contains(&std::process::id().to_string()),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("strata::state::locked"),
        "{}",
        run.stderr
    );
    assert_eq!(hosts(&moto).await, 0);
}

/// The `Owner` tag of the deployment's VPC, as the account has it.
async fn vpc_owner(moto: &MotoSession) -> Option<String> {
    let ec2 = moto.ec2();
    let out = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:deployment")
                .values(DEPLOYMENT)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let vpcs = out.vpcs();
    assert_eq!(vpcs.len(), 1, "one VPC for the deployment");
    vpcs[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("Owner"))
        .and_then(|t| t.value().map(str::to_string))
}

#[tokio::test]
async fn rollback_returns_to_the_previous_configuration() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().unwrap();
    let rollback = |extra: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .args(["rollback", "--tier", "dev"])
            .args(extra)
            .state_dir(state.path())
            .run()
    };
    // Nothing recorded yet: nothing to roll back to.
    rollback(&["--yes"]).expect_code(1);

    apply(&project, state.path(), &moto.endpoint, &[]).expect_code(0);
    let first = rollback(&["--yes"]).expect_code(1);
    assert!(
        first.stderr.contains("strata::rollback::nothing_earlier"),
        "{}",
        first.stderr
    );

    project.edit(
        "tiers/dev.toml",
        "Owner = \"platform\"",
        "Owner = \"research\"",
    );
    apply(&project, state.path(), &moto.endpoint, &[]).expect_code(0);
    assert_eq!(vpc_owner(&moto).await.as_deref(), Some("research"));

    // Without --yes and without a terminal it refuses rather than hang.
    rollback(&[]).expect_code(4);
    assert_eq!(vpc_owner(&moto).await.as_deref(), Some("research"));

    // The files on disk still say `research`, but rollback applies the recorded configuration.
    rollback(&["--yes"]).expect_code(0);
    assert_eq!(vpc_owner(&moto).await.as_deref(), Some("platform"));
    assert_eq!(
        hosts(&moto).await,
        1,
        "a tag change never replaces the host"
    );

    let listed = strata(project.path())
        .args(["rollback", "--tier", "dev", "--list", "--output", "json"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
    let doc: serde_json::Value = serde_json::from_str(&listed.stdout).unwrap();
    let runs = doc["history"].as_array().unwrap();
    let commands: Vec<&str> = runs
        .iter()
        .map(|r| r["command"].as_str().unwrap())
        .collect();
    assert_eq!(commands, ["apply", "apply", "rollback"]);
    assert!(runs.iter().all(|r| r["outcome"] == "succeeded"));
    // Rolling back again returns to the configuration the rollback left: `research`.
    assert_eq!(runs[1]["rollback_target"], true, "{listed:?}");
    assert_eq!(runs[0]["digest"], runs[2]["digest"]);

    destroy(&project, state.path(), &moto.endpoint).expect_code(0);
    assert_eq!(tagged_left(&moto).await, Vec::<String>::new());
}
