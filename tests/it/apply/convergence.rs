//! The convergence property under faults, against the emulator through the fault proxy: after
//! every apply that met throttling (each follow-up call of every multi-call create throttled
//! once, all of them at once, or 30% of every call), the next `plan --detailed-exitcode` exits
//! 0 and the live account, read through the SDK, matches the configuration. Before adopt-then-
//! converge, a retried create found by its tags skipped its remaining calls: a security group
//! without rules, a route table with one association of two.

use crate::support::live::assert_dev_tier_converged;
use crate::support::moto::{http, moto, MotoSession};
use crate::support::proxy::Proxy;
use crate::support::run::strata;
use crate::support::TempProject;

/// The calls a dev-tier create makes after the one that creates the resource: if one of them
/// fails and the step is retried, the resource already exists and is found by its tags.
const FOLLOW_UPS: &[&str] = &[
    "ec2:ModifyVpcAttribute",
    "ec2:ModifySubnetAttribute",
    "ec2:AttachInternetGateway",
    "ec2:CreateRoute",
    "ec2:AssociateRouteTable",
    "ec2:AuthorizeSecurityGroupIngress",
    "iam:AttachRolePolicy",
    "iam:PutRolePolicy",
    "iam:AddRoleToInstanceProfile",
];

/// Answer the next call of `operation` with its service's throttling error.
fn throttle_once(proxy: &Proxy, operation: &str) {
    if operation.starts_with("ec2:") {
        proxy.fail(operation, 1, "RequestLimitExceeded", 503);
    } else {
        proxy.fail(operation, 1, "Throttling", 400);
    }
}

fn reset(moto: &MotoSession) {
    let (status, _) = http(moto.port, "POST", "/moto-api/reset", "", &[]).expect("reset");
    assert_eq!(status, 200);
}

/// Apply the dev tier through the proxy (with its faults), then destroy it directly.
async fn apply_converges(moto: &MotoSession, proxy: &Proxy, what: &str, max_attempts: &str) {
    let project = TempProject::new();
    let state = tempfile::tempdir().expect("a state dir");
    let run = strata(project.path())
        .args([
            "apply",
            "--tier",
            "dev",
            "--yes",
            "-q",
            "--max-attempts",
            max_attempts,
        ])
        .state_dir(state.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .run();
    assert_eq!(run.code, 0, "{what}: apply failed:\n{}", run.stderr);
    proxy.clear_faults();
    assert_dev_tier_converged(moto, project.path(), state.path(), what).await;
    let destroy = strata(project.path())
        .args(["destroy", "--tier", "dev", "--yes", "-q"])
        .state_dir(state.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .run();
    assert_eq!(
        destroy.code, 0,
        "{what}: destroy failed:\n{}",
        destroy.stderr
    );
}

#[tokio::test]
async fn an_undisturbed_apply_converges() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    apply_converges(&moto, &proxy, "no fault", "6").await;
}

#[tokio::test]
async fn each_follow_up_call_throttled_once_still_converges() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    for op in FOLLOW_UPS {
        reset(&moto);
        proxy.clear_record();
        throttle_once(&proxy, op);
        apply_converges(&moto, &proxy, &format!("{op} throttled once"), "6").await;
        // The fault must have met a call, or the case proves nothing.
        let hit = proxy
            .record()
            .iter()
            .any(|c| c.operation == *op && c.faulted());
        assert!(
            hit,
            "{op} was never called: the list of follow-up calls is stale"
        );
    }
}

#[tokio::test]
async fn every_follow_up_call_throttled_at_once_still_converges() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    for op in FOLLOW_UPS {
        throttle_once(&proxy, op);
    }
    apply_converges(&moto, &proxy, "every follow-up throttled once", "6").await;
}

#[tokio::test]
async fn thirty_percent_of_calls_throttled_still_converges() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    proxy.throttle(0.3, 7);
    // 0.3^12 per call: giving up is out of reach, so any failure here is a real one.
    apply_converges(&moto, &proxy, "30% throttled", "12").await;
    assert!(
        proxy.record().iter().filter(|c| c.throttled()).count() >= 10,
        "the throttle barely met any call"
    );
}

/// Whether an operation changes the account (what a create's follow-up calls are).
fn mutating(operation: &str) -> bool {
    let name = operation.split_once(':').map_or(operation, |(_, n)| n);
    [
        "Create",
        "Modify",
        "Put",
        "Add",
        "Attach",
        "Associate",
        "Authorize",
        "Register",
        "Run",
        "Import",
        "Set",
        "Update",
        "Tag",
    ]
    .iter()
    .any(|verb| name.starts_with(verb))
}

/// Run `strata VERB --tier gpu` against `endpoint`, expecting `code`.
fn gpu(project: &TempProject, state: &std::path::Path, endpoint: &str, args: &[&str], code: i32) {
    let run = strata(project.path())
        .args(args)
        .args(["--tier", "gpu"])
        .state_dir(state)
        .env("AWS_ENDPOINT_URL", endpoint)
        .run();
    assert_eq!(run.code, code, "{args:?}:\n{}\n{}", run.stdout, run.stderr);
}

#[tokio::test]
async fn the_gpu_tier_with_every_mutating_call_throttled_once_plans_clean() {
    // The gpu tier adds the load balancer, target groups, listeners, EFS and its mount target
    // to the dev tier's kinds: find every mutating call an undisturbed apply makes, then
    // throttle the first call of each of them in a second apply.
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let project = TempProject::new();
    project.edit(
        "tiers/gpu.toml",
        "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id",
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    );
    let first = tempfile::tempdir().expect("a state dir");
    gpu(
        &project,
        first.path(),
        &proxy.endpoint(),
        &["apply", "--yes", "-q"],
        0,
    );
    let mut calls: Vec<String> = proxy
        .operations()
        .into_iter()
        .filter(|o| mutating(o))
        .collect();
    calls.sort();
    calls.dedup();
    assert!(calls.len() >= 15, "{calls:?}");
    gpu(
        &project,
        first.path(),
        &moto.endpoint,
        &["destroy", "--yes", "-q"],
        0,
    );
    reset(&moto);

    proxy.clear_record();
    for op in &calls {
        proxy.throttle_op(op, 1);
    }
    let second = tempfile::tempdir().expect("a state dir");
    gpu(
        &project,
        second.path(),
        &proxy.endpoint(),
        &["apply", "--yes", "-q"],
        0,
    );
    proxy.clear_faults();
    let missed: Vec<&String> = calls
        .iter()
        .filter(|op| {
            !proxy
                .record()
                .iter()
                .any(|c| &c.operation == *op && c.faulted())
        })
        .collect();
    assert!(missed.is_empty(), "never throttled: {missed:?}");
    gpu(
        &project,
        second.path(),
        &moto.endpoint,
        &["plan", "--detailed-exitcode"],
        0,
    );
    gpu(
        &project,
        second.path(),
        &moto.endpoint,
        &["destroy", "--yes", "-q"],
        0,
    );
}
