//! The scheduler through `apply`: dependency order, the parallelism bound, longest chain
//! first, and stopping (after a failure or Ctrl-C) without abandoning running steps.

use super::{cloud_ids, ids, listed, names, opts, stack, Harness};
use crate::support::fake_kind::{arn_of, error, FakeOp, Proceed};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use strata::engine::OnFailure;
use strata::provider::ErrorClass;
use strata::Value;
use tokio::sync::Notify;

#[tokio::test]
async fn dependencies_are_created_first_and_their_values_reach_dependents() {
    let h = Harness::new(
        r#"
[resource.fake_thing.base]
name = "base"

[resource.fake_thing.left]
name = "left-${fake_thing.base.arn}"

[resource.fake_thing.right]
name = "right"
depends_on = ["fake_thing.base"]

[resource.fake_thing.top]
name = "top"
depends_on = ["fake_thing.left", "fake_thing.right"]
"#,
    );
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    // base heads the longest chain; left and right (equal chains) start together, by address.
    assert_eq!(
        h.fake.log().addresses(FakeOp::Create),
        names(&["base", "left", "right", "top"])
    );
    let base_id = h
        .fake
        .cloud()
        .id_of("fake_thing.base")
        .expect("base exists");
    let left_id = h
        .fake
        .cloud()
        .id_of("fake_thing.left")
        .expect("left exists");
    let left = h.fake.cloud().get(&left_id).expect("left exists");
    assert_eq!(
        left.attrs.get("name"),
        Some(&Value::String(format!("left-{}", arn_of(&base_id))))
    );
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    assert_eq!(
        state.resources[&super::addr("top")].dependencies,
        vec![super::addr("left"), super::addr("right")]
    );
    let mut created = listed(&report.created);
    created.sort();
    assert_eq!(created, names(&["base", "left", "right", "top"]));
}

#[tokio::test]
async fn no_more_creates_run_at_once_than_the_parallelism() {
    let six: Vec<(&str, &[&str])> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|n| (*n, &[][..]))
        .collect();
    for parallelism in [1, 2, 5] {
        let h = Harness::new(&stack(&six));
        h.fake.set_latency(Duration::from_millis(10));
        let (report, _) = h
            .apply_fresh(&opts(parallelism, OnFailure::Rollback))
            .await
            .expect("the apply runs");
        assert!(report.succeeded(), "{:?}", report.failed);
        assert_eq!(h.fake.count(FakeOp::Create), 6);
        // Exactly the bound: never more, and the independent creates do overlap up to it.
        assert_eq!(
            h.fake.log().max_in_flight(FakeOp::Create),
            parallelism,
            "at parallelism {parallelism}"
        );
        assert_eq!(h.fake.cloud().len(), 6);
    }
}

#[tokio::test]
async fn the_head_of_the_longest_chain_starts_before_a_lone_resource() {
    // By address alone `a_lone` would go first; z_head has two resources waiting behind it.
    let h = Harness::new(&stack(&[
        ("a_lone", &[]),
        ("z_head", &[]),
        ("z_mid", &["z_head"]),
        ("z_tail", &["z_mid"]),
    ]));
    let (report, _) = h
        .apply_fresh(&opts(1, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        h.fake.log().addresses(FakeOp::Create),
        names(&["z_head", "z_mid", "a_lone", "z_tail"])
    );
}

#[tokio::test]
async fn nothing_new_starts_after_a_failure_and_running_steps_finish() {
    let h = Harness::new(&stack(&[
        ("a_fails", &[]),
        ("b_slow", &[]),
        ("c_later", &[]),
        ("d_later", &[]),
    ]));
    let b_started = Arc::new(Notify::new());
    h.fake.on_create(move |r| {
        let b_started = b_started.clone();
        async move {
            match r.args.address.name.as_str() {
                // Fails only once b_slow is under way, so b_slow is running at the failure.
                "a_fails" => {
                    b_started.notified().await;
                    Err(error(ErrorClass::InvalidInput, "fake:Create"))
                }
                "b_slow" => {
                    b_started.notify_one();
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    r.proceed()
                }
                _ => r.proceed(),
            }
        }
    });
    let (report, state) = h
        .apply_fresh(&opts(2, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(
        h.fake.log().addresses(FakeOp::Create),
        names(&["a_fails", "b_slow"]),
        "the freed slot must not start c_later"
    );
    assert_eq!(listed(&report.created), names(&["b_slow"]));
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].class, ErrorClass::InvalidInput);
    assert_eq!(
        report.failed[0].address.as_deref(),
        Some("fake_thing.a_fails")
    );
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    assert_eq!(h.fake.cloud().addresses(), names(&["b_slow"]));
}

#[tokio::test]
async fn ctrl_c_lets_the_running_create_finish_and_starts_nothing_else() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let cancel = h.cancel.clone();
    h.fake.on_create(move |r| {
        let cancel = cancel.clone();
        async move {
            cancel.store(true, Ordering::SeqCst);
            r.proceed()
        }
    });
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.interrupted);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(
        report.rolled_back.is_empty(),
        "an interrupt is not a failure"
    );
    assert_eq!(h.fake.log().addresses(FakeOp::Create), names(&["first"]));
    assert_eq!(listed(&report.created), names(&["first"]));
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
}
