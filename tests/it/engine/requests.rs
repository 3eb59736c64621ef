//! What the engine asks the provider for, checked through the fake kind's replaceable
//! operations: the create request (deployment, tags, a token stable across retries), the
//! update request (address, before, after, changed), the delete request (id and recorded
//! attributes), the readiness wait on the created id, a create that hangs, and a read-back
//! that answers only part of the resource.

use super::{addr, ids, names, opts, Harness};
use crate::support::fake_kind::{error, FakeOp, Proceed};
use std::sync::{Arc, Mutex};
use strata::engine::{destroy, OnFailure, Unrecorded};
use strata::provider::ErrorClass;
use strata::Value;
use tokio::sync::Notify;

fn sized(size: i64) -> String {
    format!("\n[resource.fake_thing.a]\nname = \"a\"\nsize = {size}\n")
}

#[tokio::test]
async fn a_retried_create_sends_the_same_token_deployment_and_tags() {
    let h = Harness::new(&sized(1));
    let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let log = seen.clone();
    h.fake.on_create(move |r| {
        log.lock().expect("log").push((
            r.args.deployment.clone(),
            r.args.token.clone(),
            r.args
                .tags
                .get("strata:address")
                .cloned()
                .unwrap_or_default(),
        ));
        let answer = if r.n == 1 {
            Err(error(ErrorClass::Throttling, "fake:Create"))
        } else {
            r.proceed()
        };
        async move { answer }
    });
    let (report, _) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let seen = seen.lock().expect("log").clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0], seen[1],
        "a retry repeats the request, token included"
    );
    assert_eq!(seen[0].0, h.deployment.name);
    assert_eq!(seen[0].2, "fake_thing.a");
    assert!(
        seen[0].1.starts_with("strata-") && seen[0].1.len() <= 64,
        "{seen:?}"
    );
}

#[tokio::test]
async fn an_update_is_asked_with_the_recorded_and_desired_values_of_what_changed() {
    let mut h = Harness::new(&sized(1));
    let (_, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    let id = h.fake.cloud().id_of("fake_thing.a").expect("a exists");
    h.rewrite(&sized(3));
    let seen = Arc::new(Mutex::new(None));
    let log = seen.clone();
    h.fake.on_update(move |r| {
        *log.lock().expect("log") = Some((
            r.args.address.to_string(),
            r.args.id.clone(),
            r.args.before.get("size").cloned(),
            r.args.after.get("size").cloned(),
            r.args.changed.clone(),
        ));
        let answer = r.proceed();
        async move { answer }
    });
    let (report, _) = h
        .apply_from(state, &opts(1, OnFailure::Keep))
        .await
        .expect("the update runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let seen = seen.lock().expect("log").clone();
    assert_eq!(
        seen,
        Some((
            "fake_thing.a".to_string(),
            id,
            Some(Value::Int(1)),
            Some(Value::Int(3)),
            vec!["size".to_string()],
        ))
    );
}

#[tokio::test]
async fn destroy_asks_for_the_recorded_id_and_attributes() {
    let h = Harness::new(&sized(2));
    let (_, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    let recorded = state.resources[&addr("a")].clone();
    let seen = Arc::new(Mutex::new(None));
    let log = seen.clone();
    h.fake.on_delete(move |r| {
        *log.lock().expect("log") = Some((r.args.id.clone(), r.args.recorded.clone()));
        let answer = r.proceed();
        async move { answer }
    });
    let (report, state, _) = destroy(
        &h.ctx(),
        state,
        Unrecorded::default(),
        &opts(1, OnFailure::Keep),
    )
    .await
    .expect("destroy runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert!(state.resources.is_empty());
    assert_eq!(
        seen.lock().expect("log").clone(),
        Some((recorded.id.expect("an id"), recorded.attributes))
    );
    assert!(h.fake.cloud().is_empty());
}

#[tokio::test]
async fn the_readiness_wait_is_on_the_id_the_create_returned() {
    let h = Harness::new(&sized(1));
    let waited = Arc::new(Mutex::new(Vec::new()));
    let log = waited.clone();
    h.fake.on_wait_ready(move |r| {
        log.lock().expect("log").push(r.args.id.clone());
        let answer = r.proceed();
        async move { answer }
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        waited.lock().expect("log").clone(),
        vec![ids(&state)["fake_thing.a"].clone()]
    );
}

#[tokio::test]
async fn a_hanging_create_holds_only_its_own_branch() {
    let h = Harness::new(
        "\n[resource.fake_thing.slow]\nname = \"slow\"\n\n[resource.fake_thing.quick]\nname = \"quick\"\n\n[resource.fake_thing.after_quick]\nname = \"after_quick\"\ndepends_on = [\"fake_thing.quick\"]\n",
    );
    let gate = Arc::new(Notify::new());
    // Only `slow` waits at the gate; the others go straight through.
    let held = gate.clone();
    h.fake.on_create(move |r| {
        let wait = r.args.address.name == "slow";
        let held = held.clone();
        async move {
            if wait {
                held.notified().await;
            }
            r.proceed()
        }
    });
    let fake = h.fake.clone();
    let release = gate.clone();
    let opener = tokio::spawn(async move {
        // Open the gate once the other branch is done: it must not wait for `slow`.
        while fake.cloud().id_of("fake_thing.after_quick").is_none() {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        release.notify_one();
    });
    // Were the other branch held behind `slow`, the gate would never open: bounded wait.
    let (report, state) = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        h.apply_fresh(&opts(3, OnFailure::Keep)),
    )
    .await
    .expect("the other branch finished while `slow` hung")
    .expect("the apply runs");
    opener.await.expect("the opener ends");
    assert!(report.succeeded(), "{:?}", report.failed);
    // The longest chain starts first, `slow` beside it, `after_quick` while `slow` still hangs.
    assert_eq!(
        h.fake.log().addresses(FakeOp::Create),
        names(&["quick", "slow", "after_quick"])
    );
    assert_eq!(state.resources.len(), 3);
}

#[tokio::test]
async fn a_gated_create_waits_for_each_notification() {
    let h = Harness::new(&sized(1));
    let gate = Arc::new(Notify::new());
    h.fake.hang(FakeOp::Create, gate.clone());
    let fake = h.fake.clone();
    let opener = tokio::spawn(async move {
        while fake.count(FakeOp::Create) == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        // Called, not yet answered: nothing exists until the gate opens.
        assert!(fake.cloud().is_empty());
        gate.notify_one();
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    opener.await.expect("the opener's checks pass");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(ids(&state).len(), 1);
}

#[tokio::test]
async fn a_read_back_missing_attributes_keeps_what_the_create_answered() {
    let h = Harness::new(&sized(4));
    // The read after create answers the resource without its `arn` (as a describe call
    // that lags behind the create might): the create's answer fills the gap.
    h.fake.on_read(move |r| {
        let answer = r.proceed().map(|found| {
            found
                .into_iter()
                .map(|mut live| {
                    live.attrs.remove("arn");
                    live
                })
                .collect()
        });
        async move { answer }
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let rs = &state.resources[&addr("a")];
    let id = rs.id.clone().expect("an id");
    assert_eq!(
        rs.attributes.get("arn"),
        Some(&Value::str(crate::support::fake_kind::arn_of(&id)))
    );
    assert_eq!(h.fake.count(FakeOp::Read), 1);
}
