//! Settling what an interrupted run left in the journal: a create is looked up by its tags and
//! adopted, or known never to have happened; a delete or update is checked against the
//! account. Journals are written here as a killed run would have left them.

use super::{addr, cloud_ids, ids, names, opts, stack, Harness, STACK};
use crate::support::fake_kind::{FakeOp, Proceed};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use strata::engine::journal::{self as journal_file, Entry, Journal, Op};
use strata::engine::{reconcile, OnFailure};
use strata::provider::LiveResource;
use strata::state::Provenance;
use strata::Value;

/// The tags strata creates `fake_thing.<name>` with.
fn tags_of(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("strata:deployment".to_string(), STACK.to_string()),
        ("strata:address".to_string(), format!("fake_thing.{name}")),
    ])
}

/// Append an intent written long ago (past the in-flight grace), never answered.
fn old_unanswered_create(h: &Harness, seq: u64, name: &str) {
    old_unanswered_create_tagged(h, seq, name, tags_of(name));
}

/// [`old_unanswered_create`], journaled with these tags.
pub(super) fn old_unanswered_create_tagged(
    h: &Harness,
    seq: u64,
    name: &str,
    tags: BTreeMap<String, String>,
) {
    let line = serde_json::to_string(&Entry::Intent {
        seq,
        op: Op::Create,
        address: addr(name),
        kind: "fake_thing".into(),
        id: None,
        token: format!("token-{name}"),
        tags,
        identity: BTreeMap::new(),
        at: "2020-01-01T00:00:00Z".into(),
    })
    .expect("an entry serializes");
    std::fs::create_dir_all(h.dir()).expect("deployment dir");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal_file::path_in(&h.dir()))
        .expect("journal opens");
    writeln!(file, "{line}").expect("journal written");
}

/// Put `fake_thing.<name>` in the account as a create would have, outside any run.
fn made_outside(h: &Harness, name: &str) -> String {
    let attrs = BTreeMap::from([("name".to_string(), Value::String(name.into()))]);
    h.fake.cloud().create(&attrs, &tags_of(name)).id
}

#[tokio::test]
async fn an_answered_create_missing_from_state_is_found_by_tags_and_adopted() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let id = made_outside(&h, "a");
    let mut j = Journal::open(&h.dir()).expect("journal opens");
    let seq = j
        .intent(
            Op::Create,
            &addr("a"),
            "fake_thing",
            None,
            "t",
            &tags_of("a"),
        )
        .expect("intent written");
    j.outcome(seq, true, Some(&id)).expect("outcome written");
    drop(j);

    let mut state = h.fresh_state();
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 1);
    // Adopted, then converged: it lacks the lineage tag the create would have set.
    assert_eq!(
        h.fake.log().lines(),
        [
            "find_tagged fake_thing.a",
            "update fake_thing.a",
            "read fake_thing.a"
        ]
    );
    let rs = &state.resources[&addr("a")];
    assert_eq!(rs.id.as_deref(), Some(id.as_str()));
    assert_eq!(rs.provenance, Provenance::Created);
    assert_eq!(rs.attributes.get("name"), Some(&Value::str("a")));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    assert_eq!(h.events.adopted(), [("fake_thing.a".to_string(), id)]);
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn an_old_unanswered_create_that_never_happened_records_nothing() {
    let h = Harness::new(&stack(&[("a", &[]), ("b", &[])]));
    let b_id = made_outside(&h, "b");
    old_unanswered_create(&h, 1, "a");
    old_unanswered_create(&h, 2, "b");

    let mut state = h.fresh_state();
    let started = std::time::Instant::now();
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert!(started.elapsed() < Duration::from_secs(2), "no grace wait");
    assert_eq!(settled, 2);
    assert_eq!(
        h.fake.log().lines(),
        [
            "find_tagged fake_thing.a",
            "find_tagged fake_thing.b",
            "update fake_thing.b",
            "read fake_thing.b"
        ]
    );
    // `b`'s call landed, `a`'s never did.
    assert_eq!(
        ids(&state),
        BTreeMap::from([("fake_thing.b".to_string(), b_id)])
    );
    assert_eq!(ids(&h.saved()), ids(&state));
    // `a`'s intent stays: on AWS its call may yet become visible, and the next create of
    // `a` must send the same idempotency token.
    assert_eq!(kept_tokens(&h), ["token-a"]);
}

/// The tokens of the intents the journal still holds.
fn kept_tokens(h: &Harness) -> Vec<String> {
    h.journal()
        .into_iter()
        .filter_map(|e| match e {
            Entry::Intent { token, .. } => Some(token),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn the_next_create_of_an_unsettled_intent_reuses_its_token_and_settles_it() {
    let h = Harness::new(&stack(&[("a", &[])]));
    old_unanswered_create(&h, 1, "a");
    let mut state = h.fresh_state();
    reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    let tokens: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = tokens.clone();
    h.fake.on_create(move |r| {
        seen.lock().expect("tokens").push(r.args.token.clone());
        let answer = r.proceed();
        async move { answer }
    });
    let (report, state) = h
        .apply_from(state, &opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(*tokens.lock().expect("tokens"), ["token-a"]);
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert!(h.journal().is_empty(), "{:?}", h.journal());
}

#[tokio::test]
async fn nothing_found_and_nothing_changed_saves_nothing() {
    let h = Harness::new(&stack(&[("a", &[])]));
    old_unanswered_create(&h, 1, "a");
    let mut state = h.fresh_state();
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 1);
    assert!(state.resources.is_empty());
    assert_eq!(state.serial, 0);
    assert!(!h.backend.exists(&h.deployment.name));
    assert_eq!(kept_tokens(&h), ["token-a"]);
}

#[tokio::test(start_paused = true)]
async fn a_young_unanswered_create_is_looked_up_again_after_the_grace_period() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let id = made_outside(&h, "a");
    // The create was still on its way at the first look: found only the second time.
    h.fake.on_find_tagged(|r| async move {
        if r.n == 1 {
            Ok(Vec::new())
        } else {
            r.proceed()
        }
    });
    Journal::open(&h.dir())
        .expect("journal opens")
        .intent(
            Op::Create,
            &addr("a"),
            "fake_thing",
            None,
            "t",
            &tags_of("a"),
        )
        .expect("intent written now");

    let mut state = h.fresh_state();
    let virtual_start = tokio::time::Instant::now();
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 1);
    assert!(
        virtual_start.elapsed() >= Duration::from_secs(5),
        "waited out the grace period: {:?}",
        virtual_start.elapsed()
    );
    assert_eq!(h.fake.count(FakeOp::FindTagged), 2);
    assert_eq!(ids(&state), BTreeMap::from([("fake_thing.a".into(), id)]));
}

/// Apply `a` and `b`, then leave a journal intent of `op` on `a` (with its id) uncommitted.
async fn applied_then_interrupted(op: Op) -> (Harness, strata::state::State, String) {
    let h = Harness::new(&stack(&[("a", &[]), ("b", &[])]));
    let (_, state) = h
        .apply_fresh(&opts(2, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    let a_id = state.resources[&addr("a")].id.clone().expect("a has an id");
    Journal::open(&h.dir())
        .expect("journal opens")
        .intent(
            op,
            &addr("a"),
            "fake_thing",
            Some(&a_id),
            "t",
            &BTreeMap::new(),
        )
        .expect("intent written");
    h.fake.log().reset();
    (h, state, a_id)
}

#[tokio::test]
async fn a_delete_that_went_through_is_removed_from_state() {
    let (h, mut state, a_id) = applied_then_interrupted(Op::Delete).await;
    h.fake.cloud().delete(&a_id);
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 1);
    assert_eq!(h.fake.count(FakeOp::Read), 1);
    assert_eq!(h.fake.log().calls()[0].id.as_deref(), Some(a_id.as_str()));
    assert_eq!(
        ids(&state).keys().cloned().collect::<Vec<_>>(),
        names(&["b"])
    );
    assert_eq!(ids(&h.saved()), ids(&state));
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn a_delete_that_did_not_happen_keeps_the_resource_as_the_account_has_it() {
    let (h, mut state, a_id) = applied_then_interrupted(Op::Delete).await;
    let mut live: LiveResource = h.fake.cloud().get(&a_id).expect("a exists");
    live.attrs.insert("size".into(), Value::Int(9));
    h.fake.cloud().insert(live);
    reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(
        state.resources[&addr("a")].attributes.get("size"),
        Some(&Value::Int(9))
    );
    assert_eq!(h.saved().resources, state.resources);
}

#[tokio::test]
async fn an_interrupted_update_takes_the_values_the_account_has() {
    let (h, mut state, a_id) = applied_then_interrupted(Op::Update).await;
    let mut live = h.fake.cloud().get(&a_id).expect("a exists");
    live.attrs.insert("size".into(), Value::Int(5));
    h.fake.cloud().insert(live);
    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 1);
    assert_eq!(
        state.resources[&addr("a")].attributes.get("size"),
        Some(&Value::Int(5))
    );
    assert_eq!(h.saved().resources, state.resources);
    assert_eq!(h.fake.log().lines(), ["read fake_thing.a"]);
}
