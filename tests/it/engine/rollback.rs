//! A first deployment that fails: rolled back in reverse dependency order by default, kept as
//! is with `OnFailure::Keep`, and a rollback that cannot finish reported as it is.

use super::{addr, cloud_ids, ids, listed, names, opts, stack, Harness};
use crate::support::fake_kind::{error, FakeOp, Proceed};
use std::time::Duration;
use strata::engine::journal::{self as journal_file, Op};
use strata::engine::OnFailure;
use strata::provider::ErrorClass;

/// base ← mid ← {leaf_bad, leaf_ok}: leaf_bad fails while leaf_ok is still being created.
fn failing_midway() -> Harness {
    let h = Harness::new(&stack(&[
        ("base", &[]),
        ("mid", &["base"]),
        ("leaf_bad", &["mid"]),
        ("leaf_ok", &["mid"]),
    ]));
    h.fake.on_create(|r| async move {
        match r.args.address.name.as_str() {
            "leaf_bad" => Err(error(ErrorClass::InvalidInput, "fake:Create")),
            "leaf_ok" => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                r.proceed()
            }
            _ => r.proceed(),
        }
    });
    h
}

#[tokio::test]
async fn a_failed_first_deployment_is_deleted_again_dependents_first() {
    let h = failing_midway();
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert_eq!(listed(&report.created), names(&["base", "mid", "leaf_ok"]));
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(
        report.failed[0].address.as_deref(),
        Some("fake_thing.leaf_bad")
    );
    assert_eq!(
        h.fake.log().addresses(FakeOp::Delete),
        names(&["leaf_ok", "mid", "base"])
    );
    assert_eq!(
        listed(&report.rolled_back),
        names(&["leaf_ok", "mid", "base"])
    );
    assert_eq!(h.events.rolled_back(), names(&["leaf_ok", "mid", "base"]));
    assert!(h.fake.cloud().is_empty());
    assert!(state.resources.is_empty());
    assert!(h.saved().resources.is_empty());
    assert!(
        report.rollback_left.is_empty(),
        "{:?}",
        report.rollback_left
    );
    assert_eq!(
        strata::engine::history::outcome_of(&report),
        strata::state::RunOutcome::RolledBack
    );
}

#[tokio::test]
async fn keep_leaves_what_was_created_and_the_state_records_exactly_that() {
    let h = failing_midway();
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(h.fake.count(FakeOp::Delete), 0);
    assert!(report.rolled_back.is_empty());
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        h.fake.cloud().addresses(),
        names(&["base", "leaf_ok", "mid"])
    );
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(h.saved().resources, state.resources);
    assert_eq!(
        state.resources[&addr("leaf_ok")].dependencies,
        vec![addr("mid")]
    );
}

#[tokio::test]
async fn a_rollback_whose_delete_fails_stops_there_and_says_what_is_left() {
    let h = failing_midway();
    h.fake.fail_at(
        FakeOp::Delete,
        "fake_thing.mid",
        ErrorClass::DependencyViolation,
    );
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    // leaf_ok went; mid refused every attempt (a dependency violation is retried while
    // dependents drain); base, waiting for mid, was never tried.
    assert_eq!(
        h.fake.log().addresses(FakeOp::Delete),
        names(&["leaf_ok", "mid", "mid", "mid"])
    );
    assert_eq!(listed(&report.rolled_back), names(&["leaf_ok"]));
    // Partial, and said so: what is left is named, and the run does not count as rolled back.
    assert_eq!(listed(&report.rollback_left), names(&["base", "mid"]));
    assert_eq!(
        strata::engine::history::outcome_of(&report),
        strata::state::RunOutcome::Failed
    );
    let failed: Vec<(Option<&str>, ErrorClass)> = report
        .failed
        .iter()
        .map(|e| (e.address.as_deref(), e.class))
        .collect();
    assert_eq!(
        failed,
        [
            (Some("fake_thing.leaf_bad"), ErrorClass::InvalidInput),
            (Some("fake_thing.mid"), ErrorClass::DependencyViolation),
        ]
    );
    assert!(!report.succeeded());
    // The state says what is really left, on disk too.
    assert_eq!(h.fake.cloud().addresses(), names(&["base", "mid"]));
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    // The journal keeps the unsettled steps for the next run to check.
    let pending: Vec<(Op, String, bool)> = journal_file::pending(&h.dir())
        .expect("the journal reads")
        .into_iter()
        .map(|p| (p.op, p.address.to_string(), p.failed))
        .collect();
    assert_eq!(
        pending,
        [
            (Op::Create, "fake_thing.leaf_bad".to_string(), true),
            (Op::Delete, "fake_thing.mid".to_string(), true),
        ]
    );
}

#[tokio::test]
async fn a_resource_created_but_never_ready_is_rolled_back_too() {
    let h = Harness::new(&stack(&[("base", &[]), ("top", &["base"])]));
    h.fake
        .fail_at(FakeOp::WaitReady, "fake_thing.top", ErrorClass::Capacity);
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].class, ErrorClass::Capacity);
    // `top` exists although it failed: rollback must delete it as well.
    assert_eq!(
        h.fake.log().addresses(FakeOp::Delete),
        names(&["top", "base"])
    );
    assert_eq!(listed(&report.rolled_back), names(&["top", "base"]));
    assert!(
        h.fake.cloud().is_empty(),
        "left: {:?}",
        h.fake.cloud().addresses()
    );
    assert!(state.resources.is_empty());
}

#[tokio::test]
async fn keep_records_a_resource_created_but_never_ready() {
    let h = Harness::new(&stack(&[("base", &[]), ("top", &["base"])]));
    h.fake
        .fail_at(FakeOp::WaitReady, "fake_thing.top", ErrorClass::Capacity);
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(h.fake.cloud().addresses(), names(&["base", "top"]));
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
}
