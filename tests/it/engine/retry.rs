//! Retries by error class: throttling, transient and eventual-consistency errors are retried
//! up to the policy's attempts, every other class fails at once; a retried create looks for
//! the resource by its tags first, and a failed lookup fails the attempt.

use super::{cloud_ids, ids, listed, names, opts, stack, Harness};
use crate::support::fake_kind::{error, FakeOp, Proceed};
use strata::engine::events::Event;
use strata::engine::OnFailure;
use strata::provider::ErrorClass;
use strata::Value;

const RETRYABLE: [ErrorClass; 3] = [
    ErrorClass::Throttling,
    ErrorClass::Transient,
    ErrorClass::EventualConsistency,
];

const FINAL: [ErrorClass; 8] = [
    ErrorClass::InvalidInput,
    ErrorClass::AccessDenied,
    ErrorClass::Quota,
    ErrorClass::Capacity,
    ErrorClass::NotFound,
    ErrorClass::DependencyViolation,
    ErrorClass::Unsupported,
    ErrorClass::Other,
];

fn one() -> Harness {
    Harness::new(&stack(&[("a", &[])]))
}

fn retry_events(h: &Harness) -> Vec<ErrorClass> {
    h.events
        .events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Retrying { class, .. } => Some(class),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn retryable_classes_are_retried_and_succeed_once_the_account_recovers() {
    for class in RETRYABLE {
        let h = one();
        // Two failures, then the policy's third and last attempt succeeds.
        h.fake.fail_calls(FakeOp::Create, |n| n <= 2, class);
        let (report, state) = h
            .apply_fresh(&opts(1, OnFailure::Keep))
            .await
            .expect("the apply runs");
        assert!(report.succeeded(), "{class:?}: {:?}", report.failed);
        assert_eq!(h.fake.count(FakeOp::Create), 3, "{class:?}");
        assert_eq!(
            h.fake.count(FakeOp::FindTagged),
            2,
            "{class:?}: each retry looks by tags first"
        );
        assert_eq!(retry_events(&h), vec![class, class]);
        assert_eq!(h.fake.cloud().len(), 1, "{class:?}");
        assert_eq!(ids(&state), cloud_ids(&h.fake));
    }
}

#[tokio::test]
async fn retryable_classes_give_up_after_the_policys_attempts() {
    for class in RETRYABLE {
        let h = one();
        h.fake.fail_calls(FakeOp::Create, |_| true, class);
        let (report, state) = h
            .apply_fresh(&opts(1, OnFailure::Keep))
            .await
            .expect("the apply runs");
        assert_eq!(h.fake.count(FakeOp::Create), 3, "{class:?}");
        assert_eq!(h.fake.count(FakeOp::FindTagged), 2, "{class:?}");
        assert_eq!(report.failed.len(), 1);
        assert_eq!(report.failed[0].class, class);
        assert_eq!(report.failed[0].address.as_deref(), Some("fake_thing.a"));
        assert!(report.created.is_empty());
        assert!(state.resources.is_empty());
        assert!(h.fake.cloud().is_empty());
    }
}

#[tokio::test]
async fn other_classes_fail_at_the_first_attempt() {
    for class in FINAL {
        let h = one();
        h.fake.fail_calls(FakeOp::Create, |n| n == 1, class);
        let (report, state) = h
            .apply_fresh(&opts(1, OnFailure::Keep))
            .await
            .expect("the apply runs");
        assert_eq!(h.fake.count(FakeOp::Create), 1, "{class:?}");
        assert_eq!(h.fake.count(FakeOp::FindTagged), 0, "{class:?}");
        assert!(retry_events(&h).is_empty(), "{class:?}");
        assert_eq!(report.failed.len(), 1, "{class:?}");
        assert_eq!(report.failed[0].class, class);
        assert!(state.resources.is_empty());
        assert!(h.fake.cloud().is_empty());
    }
}

#[tokio::test]
async fn a_retried_create_finds_the_resource_by_its_tags_instead_of_creating_it_twice() {
    let h = one();
    // The resource is made, then the call fails (as when a kind's second API call does).
    h.fake.on_create(|r| async move {
        let live = r.proceed()?;
        if r.n == 1 {
            return Err(error(ErrorClass::Transient, "fake:ModifyThing"));
        }
        Ok(live)
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        h.fake.log().lines(),
        [
            "create fake_thing.a",
            "find_tagged fake_thing.a",
            "wait_ready fake_thing.a",
            "read fake_thing.a",
        ]
    );
    assert_eq!(h.fake.cloud().len(), 1);
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(listed(&report.created), names(&["a"]));
}

#[tokio::test]
async fn a_failed_tag_lookup_fails_the_attempt_instead_of_creating_blindly() {
    let h = one();
    h.fake
        .fail_calls(FakeOp::Create, |n| n == 1, ErrorClass::Transient)
        .fail_calls(FakeOp::FindTagged, |n| n == 1, ErrorClass::Throttling);
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        h.fake.log().lines(),
        [
            "create fake_thing.a",
            "find_tagged fake_thing.a",
            "find_tagged fake_thing.a",
            "create fake_thing.a",
            "wait_ready fake_thing.a",
            "read fake_thing.a",
        ]
    );
    assert_eq!(h.fake.cloud().len(), 1);
    assert_eq!(ids(&state), cloud_ids(&h.fake));
}

#[tokio::test]
async fn a_tag_lookup_that_keeps_failing_never_creates_again() {
    let h = one();
    h.fake
        .fail_calls(FakeOp::Create, |n| n == 1, ErrorClass::Transient)
        .fail_calls(FakeOp::FindTagged, |_| true, ErrorClass::Throttling);
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(h.fake.count(FakeOp::Create), 1);
    assert_eq!(h.fake.count(FakeOp::FindTagged), 2);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].class, ErrorClass::Throttling);
    assert!(state.resources.is_empty());
    assert!(h.fake.cloud().is_empty());
}

#[tokio::test]
async fn waiting_until_ready_is_retried_too() {
    let h = one();
    h.fake.fail_calls(
        FakeOp::WaitReady,
        |n| n <= 2,
        ErrorClass::EventualConsistency,
    );
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(h.fake.count(FakeOp::Create), 1);
    assert_eq!(h.fake.count(FakeOp::WaitReady), 3);
    assert_eq!(ids(&state), cloud_ids(&h.fake));
}

#[tokio::test]
async fn updates_and_deletes_are_retried_by_class_as_creates_are() {
    let sized = |size: i64| {
        format!(
            "\n[resource.fake_thing.a]\nname = \"a\"\nsize = {size}\n\n[resource.fake_thing.b]\nname = \"b\"\n"
        )
    };
    let mut h = Harness::new(&sized(1));
    let (_, state) = h
        .apply_fresh(&opts(2, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    let a_id = h.fake.cloud().id_of("fake_thing.a").expect("a exists");

    h.rewrite(&sized(2));
    h.fake.log().reset();
    h.fake
        .fail_calls(FakeOp::Update, |n| n == 1, ErrorClass::Throttling);
    let (report, state) = h
        .apply_from(state, &opts(2, OnFailure::Keep))
        .await
        .expect("the update runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(listed(&report.updated), names(&["a"]));
    assert_eq!(h.fake.count(FakeOp::Update), 2);
    assert_eq!(h.fake.count(FakeOp::Create), 0);
    let live = h
        .fake
        .cloud()
        .get(&a_id)
        .expect("updated in place, same id");
    assert_eq!(live.attrs.get("size"), Some(&Value::Int(2)));
    assert_eq!(
        state.resources[&super::addr("a")].id.as_deref(),
        Some(a_id.as_str())
    );

    // `a` leaves the stack: deleted, a transient failure retried.
    h.rewrite("\n[resource.fake_thing.b]\nname = \"b\"\n");
    h.fake.log().reset();
    h.fake
        .fail_calls(FakeOp::Delete, |n| n == 1, ErrorClass::Transient);
    let (report, state) = h
        .apply_from(state, &opts(2, OnFailure::Keep))
        .await
        .expect("the delete runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(listed(&report.deleted), names(&["a"]));
    assert_eq!(h.fake.count(FakeOp::Delete), 2);
    assert_eq!(h.fake.cloud().addresses(), names(&["b"]));
    assert_eq!(ids(&state), cloud_ids(&h.fake));
}

#[tokio::test]
async fn a_delete_refused_for_a_dependency_is_retried_while_dependents_drain() {
    for (refusals, deleted) in [(2, true), (3, false)] {
        let mut h = Harness::new(&stack(&[("a", &[]), ("b", &[])]));
        let (_, state) = h
            .apply_fresh(&opts(2, OnFailure::Keep))
            .await
            .expect("the first apply runs");
        h.rewrite(&stack(&[("b", &[])]));
        h.fake.log().reset();
        h.fake.fail_calls(
            FakeOp::Delete,
            move |n| n <= refusals,
            ErrorClass::DependencyViolation,
        );
        let (report, state) = h
            .apply_from(state, &opts(2, OnFailure::Keep))
            .await
            .expect("the apply runs");
        // The policy's three attempts (its dependency budget is zero here).
        assert_eq!(h.fake.count(FakeOp::Delete), 3, "{refusals} refusals");
        if deleted {
            assert!(report.succeeded(), "{:?}", report.failed);
            assert_eq!(listed(&report.deleted), names(&["a"]));
            assert_eq!(h.fake.cloud().addresses(), names(&["b"]));
        } else {
            assert_eq!(report.failed.len(), 1);
            assert_eq!(report.failed[0].class, ErrorClass::DependencyViolation);
            assert!(report.deleted.is_empty());
            assert_eq!(h.fake.cloud().addresses(), names(&["a", "b"]));
        }
        assert_eq!(ids(&state), cloud_ids(&h.fake));
        assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    }
}

#[tokio::test]
async fn a_dependency_violation_on_create_is_not_retried() {
    let h = one();
    h.fake
        .fail_calls(FakeOp::Create, |n| n == 1, ErrorClass::DependencyViolation);
    let (report, _) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(h.fake.count(FakeOp::Create), 1);
    assert_eq!(report.failed[0].class, ErrorClass::DependencyViolation);
}

#[tokio::test]
async fn a_just_created_resource_is_deleted_only_once_a_read_sees_it() {
    // On AWS a delete right after the create can answer `*.NotFound`, which a kind takes as
    // already gone: the resource would be left behind. So a fresh delete waits to see it.
    let mut h = Harness::new(&stack(&[("a", &[]), ("b", &[])]));
    let mut consistent = opts(1, OnFailure::Keep);
    consistent.retry.consistency_budget = std::time::Duration::from_secs(30);
    let (_, state) = h
        .apply_fresh(&consistent)
        .await
        .expect("the first apply runs");
    h.rewrite(&stack(&[("b", &[])]));
    h.fake.log().reset();
    h.fake.on_read(|r| {
        let answer = if r.n <= 2 {
            Ok(Vec::new())
        } else {
            r.proceed()
        };
        async move { answer }
    });
    let (report, state) = h
        .apply_from(state, &consistent)
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let lines: Vec<String> = h
        .fake
        .log()
        .lines()
        .into_iter()
        .filter(|l| l.ends_with("fake_thing.a"))
        .collect();
    assert_eq!(
        lines,
        [
            "read fake_thing.a",
            "read fake_thing.a",
            "read fake_thing.a",
            "delete fake_thing.a"
        ]
    );
    assert_eq!(ids(&state), cloud_ids(&h.fake));

    // Outside the budget (here: none), the delete goes straight out.
    let mut h = Harness::new(&stack(&[("a", &[])]));
    let (_, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    h.rewrite(&stack(&[]));
    h.fake.log().reset();
    let (report, _) = h
        .apply_from(state, &opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(h.fake.log().lines(), ["delete fake_thing.a"]);
}
