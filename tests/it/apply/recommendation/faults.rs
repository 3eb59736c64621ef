//! The convergence property for the container platform's kinds: the staging tier applied
//! through a fault proxy in front of the strict emulator, once with the first call of every
//! create, follow-up and wait of the new kinds throttled, once with a quarter of all calls
//! throttled. After each apply the next `plan --detailed-exitcode` (faults off) exits 0, the
//! live account read through the SDK matches the configuration, and destroy leaves nothing.

use super::live::{certificate, left, mismatches, recorded, run};
use crate::support::moto::{moto_strict, MotoSession};
use crate::support::proxy::Proxy;
use crate::support::TempProject;

/// The calls the platform's creates make, in the order a create makes them: the create, then
/// what completes the resource (retention, policies, association), then
/// the reads that wait for it. A throttled follow-up leaves a resource that exists and must be
/// found and finished, not made twice.
const CALLS: &[&str] = &[
    "ec2:CreateNatGateway",
    "ec2:DescribeNatGateways",
    "logs:CreateLogGroup",
    "logs:PutRetentionPolicy",
    "secretsmanager:GetRandomPassword",
    "secretsmanager:CreateSecret",
    "ecs:CreateCluster",
    "ecs:RegisterTaskDefinition",
    "ecs:CreateService",
    "ecs:DescribeServices",
    "application-autoscaling:RegisterScalableTarget",
    "application-autoscaling:PutScalingPolicy",
    "rds:CreateDBSubnetGroup",
    "rds:CreateDBInstance",
    "rds:DescribeDBInstances",
    "elasticache:CreateCacheSubnetGroup",
    "elasticache:CreateReplicationGroup",
    "elasticache:DescribeReplicationGroups",
    "wafv2:CreateWebACL",
    "wafv2:AssociateWebACL",
    "budgets:CreateBudget",
    "tagging:GetResources",
];

/// Apply the staging tier through `faulty`, then check convergence with the faults off and
/// destroy it.
async fn apply_converges(moto: &MotoSession, faulty: &Proxy, cert: &str, what: &str) {
    let project = TempProject::new();
    let state = tempfile::tempdir().expect("tempdir");
    let applied = run(
        &project,
        state.path(),
        &faulty.endpoint(),
        cert,
        &["apply", "--yes", "-q", "--max-attempts", "8"],
    );
    assert_eq!(applied.code, 0, "{what}: apply failed:\n{}", applied.stderr);
    let throttled = faulty.record().iter().filter(|c| c.throttled()).count();
    assert!(throttled > 0, "{what}: no call was throttled");
    faulty.clear_faults();

    let planned = run(
        &project,
        state.path(),
        &moto.endpoint,
        cert,
        &["plan", "--detailed-exitcode"],
    );
    assert_eq!(
        planned.code, 0,
        "{what}: the plan after apply is not clean:\n{}{}",
        planned.stdout, planned.stderr
    );
    let resources = recorded(state.path());
    assert_eq!(
        mismatches(moto, &resources).await,
        Vec::<String>::new(),
        "{what}"
    );
    run(
        &project,
        state.path(),
        &moto.endpoint,
        cert,
        &["destroy", "--yes", "-q"],
    )
    .expect_code(0);
    assert_eq!(left(moto).await, Vec::<String>::new(), "{what}");
}

#[tokio::test]
async fn staging_converges_when_each_create_follow_up_and_wait_is_throttled_once() {
    let moto = moto_strict();
    let cert = certificate(&moto);
    let faulty = Proxy::start(moto.port);
    for call in CALLS {
        faulty.throttle_op(call, 1);
    }
    apply_converges(&moto, &faulty, &cert, "each call throttled once").await;
    // Every listed call was made, and its first answer was the throttle.
    let record = faulty.record();
    let missed: Vec<&str> = CALLS
        .iter()
        .copied()
        .filter(|call| {
            !record
                .iter()
                .find(|c| c.operation == *call)
                .is_some_and(|c| c.throttled())
        })
        .collect();
    assert_eq!(
        missed,
        Vec::<&str>::new(),
        "not throttled on their first call"
    );
}

#[tokio::test]
async fn staging_converges_with_a_quarter_of_all_calls_throttled() {
    let moto = moto_strict();
    let cert = certificate(&moto);
    let faulty = Proxy::start(moto.port);
    faulty.throttle(0.25, 12);
    apply_converges(&moto, &faulty, &cert, "25% throttled").await;
}
