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
