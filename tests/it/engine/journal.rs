//! The journal as the engine writes it: the intent is on disk before the call, the outcome
//! after it, the commit only once the state holding the result is saved, and one save (and
//! one commit) for all the steps that end together. Then what a journal or state write that
//! fails does to a run: the resource that exists is kept in state, the run stops, the error
//! is returned, and the next run carries on without duplicates.

use super::{addr, cloud_ids, fill_journal_disk, ids, listed, names, opts, stack, Harness};
use crate::support::fake_kind::{FakeOp, Proceed};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use strata::engine::events::Event;
use strata::engine::journal::{self as journal_file, Entry, Op};
use strata::engine::{reconcile, EngineError, OnFailure, Unrecorded};
use strata::state::State;
use tokio::sync::Barrier;

/// What the journal and the saved state looked like when a create of `address` came in.
struct Seen {
    address: String,
    journal: Vec<Entry>,
    saved: Option<State>,
}

/// Record, at every create, the journal and the saved state as they are on disk then.
fn watch_creates(h: &Harness) -> Arc<Mutex<Vec<Seen>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let dir = h.dir();
    let backend = h.backend.clone();
    let name = h.deployment.name.clone();
    h.fake.on_create(move |r| {
        let journal = journal_file::read(&journal_file::path_in(&dir)).expect("journal reads");
        let saved = backend.load(&name).expect("state reads");
        sink.lock().expect("lock").push(Seen {
            address: r.args.address.to_string(),
            journal,
            saved,
        });
        async move { r.proceed() }
    });
    seen
}

fn kinds(entries: &[Entry]) -> Vec<(&'static str, u64)> {
    entries
        .iter()
        .map(|e| match e {
            Entry::Intent { seq, .. } => ("intent", *seq),
            Entry::Outcome { seq, .. } => ("outcome", *seq),
            Entry::Committed { seq } => ("committed", *seq),
        })
        .collect()
}

#[tokio::test]
async fn the_intent_precedes_the_call_and_the_commit_follows_the_saved_state() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let seen = watch_creates(&h);
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2);

    assert_eq!(seen[0].address, "fake_thing.first");
    assert_eq!(kinds(&seen[0].journal), [("intent", 1)]);
    match &seen[0].journal[0] {
        Entry::Intent {
            op,
            address,
            kind,
            id,
            tags,
            ..
        } => {
            assert_eq!(*op, Op::Create);
            assert_eq!(*address, addr("first"));
            assert_eq!(kind, "fake_thing");
            assert_eq!(*id, None);
            assert_eq!(
                tags.get("strata:address").map(String::as_str),
                Some("fake_thing.first")
            );
            assert_eq!(
                tags.get("strata:deployment").map(String::as_str),
                Some("fk")
            );
        }
        other => panic!("expected an intent, got {other:?}"),
    }

    // When `second` is called, `first` is answered, saved, and only then committed.
    let first_id = state.resources[&addr("first")].id.clone();
    assert_eq!(seen[1].address, "fake_thing.second");
    assert_eq!(
        kinds(&seen[1].journal),
        [
            ("intent", 1),
            ("outcome", 1),
            ("committed", 1),
            ("intent", 2)
        ]
    );
    assert_eq!(
        seen[1].journal[1],
        Entry::Outcome {
            seq: 1,
            ok: true,
            id: first_id.clone()
        }
    );
    let saved = seen[1].saved.as_ref().expect("a state was saved by then");
    assert_eq!(saved.resources[&addr("first")].id, first_id);
    assert!(!saved.resources.contains_key(&addr("second")));

    // A run that succeeded leaves nothing to settle.
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn steps_that_end_together_share_one_state_save_and_one_commit() {
    let h = Harness::new(&stack(&[
        ("a", &[]),
        ("b", &[]),
        ("c", &[]),
        ("d", &["a", "b", "c"]),
    ]));
    let seen = Arc::new(Mutex::new(Vec::new()));
    // a, b and c are all in flight, then all answer at once.
    let barrier = Arc::new(Barrier::new(3));
    let watcher = {
        let seen = seen.clone();
        let dir = h.dir();
        let backend = h.backend.clone();
        let name = h.deployment.name.clone();
        move |address: String| {
            let journal = journal_file::read(&journal_file::path_in(&dir)).expect("reads");
            let saved = backend.load(&name).expect("state reads");
            seen.lock().expect("lock").push(Seen {
                address,
                journal,
                saved,
            });
        }
    };
    h.fake.on_create(move |r| {
        let barrier = barrier.clone();
        watcher(r.args.address.to_string());
        async move {
            if r.args.address.name != "d" {
                barrier.wait().await;
            }
            r.proceed()
        }
    });
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);

    let seen = seen.lock().expect("lock");
    let at_d = seen
        .iter()
        .find(|s| s.address == "fake_thing.d")
        .expect("d was created");
    // Serial 1 is the save before any step; the batch of a, b and c is serial 2.
    let saved = at_d.saved.as_ref().expect("saved before d");
    assert_eq!(saved.serial, 2);
    assert_eq!(
        ids(saved).keys().cloned().collect::<Vec<_>>(),
        names(&["a", "b", "c"])
    );
    let tail: Vec<(&str, u64)> = kinds(&at_d.journal)[6..].to_vec();
    let commits: BTreeSet<u64> = tail
        .iter()
        .filter(|(k, _)| *k == "committed")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(
        commits,
        BTreeSet::from([1, 2, 3]),
        "one write commits the whole batch: {tail:?}"
    );
    assert_eq!(tail.len(), 4, "three commits, then d's intent: {tail:?}");
    assert_eq!(tail[3], ("intent", 4));

    // Saves: before the steps, the batch, d, and the outputs at the end.
    assert_eq!(state.serial, 4);
    assert_eq!(h.saved().serial, 4);
}

#[tokio::test]
async fn a_chain_saves_once_per_resource() {
    let h = Harness::new(&stack(&[("x", &[]), ("y", &["x"]), ("z", &["y"])]));
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    // Before the steps, x, y, z, the outputs.
    assert_eq!(state.serial, 5);
    assert_eq!(h.saved().serial, 5);
}

#[tokio::test]
async fn a_result_whose_state_save_fails_stays_uncommitted_for_the_next_run() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let state_path = h
        .backend
        .state_path(&h.deployment.name)
        .expect("state path");
    let blocked = state_path.clone();
    h.fake.on_create(move |r| {
        // The state file becomes unreadable: the save after this step must fail.
        std::fs::remove_file(&blocked).expect("state file removed");
        std::fs::create_dir(&blocked).expect("a directory in its place");
        async move { r.proceed() }
    });
    let err = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect_err("the state cannot be saved");
    assert!(matches!(err, EngineError::State(_)), "{err:?}");
    assert_eq!(h.fake.log().addresses(FakeOp::Create), names(&["first"]));
    assert_eq!(h.fake.count(FakeOp::Delete), 0, "no rollback without state");
    let first_id = h
        .fake
        .cloud()
        .id_of("fake_thing.first")
        .expect("first exists");
    let journal = h.journal();
    assert_eq!(kinds(&journal), [("intent", 1), ("outcome", 1)]);
    assert_eq!(
        journal[1],
        Entry::Outcome {
            seq: 1,
            ok: true,
            id: Some(first_id.clone())
        }
    );

    // The next run (the state file lost for good) finds `first` by its tags.
    std::fs::remove_dir(&state_path).expect("directory removed");
    h.fake.restore();
    let mut state = h.fresh_state();
    let settled = reconcile(&h.ctx(), &mut state)
        .await
        .expect("reconcile runs");
    assert_eq!(settled, 1);
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    assert_eq!(
        h.events.adopted(),
        [("fake_thing.first".to_string(), first_id)]
    );
    assert!(h.journal().is_empty());
}

fn is_disk_full(err: &EngineError) -> bool {
    matches!(err, EngineError::Journal(e) if e.raw_os_error() == Some(libc::ENOSPC))
}

#[tokio::test]
async fn a_lost_outcome_keeps_the_resource_in_state_and_stops_the_run() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let dir = h.dir();
    h.fake.on_create(move |r| {
        let dir = dir.clone();
        async move {
            let live = r.proceed()?;
            assert_eq!(fill_journal_disk(&dir), 1, "the run's journal is open once");
            Ok(live)
        }
    });
    let err = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect_err("the journal cannot be written");
    assert!(is_disk_full(&err), "{err:?}");
    assert_eq!(h.fake.log().addresses(FakeOp::Create), names(&["first"]));
    assert_eq!(
        h.fake.count(FakeOp::Delete),
        0,
        "no rollback without a journal"
    );
    // `first` exists and the state says so; only its intent reached the journal.
    assert_eq!(h.fake.cloud().addresses(), names(&["first"]));
    let saved = h.saved();
    assert_eq!(ids(&saved), cloud_ids(&h.fake));
    assert_eq!(kinds(&h.journal()), [("intent", 1)]);

    // The next run settles the unanswered intent from the state (no lookup needed) and
    // creates only what is missing.
    h.fake.restore();
    h.fake.log().reset();
    let mut state = saved;
    let settled = reconcile(&h.ctx(), &mut state)
        .await
        .expect("reconcile runs");
    assert_eq!(settled, 1);
    assert_eq!(h.fake.count(FakeOp::FindTagged), 0);
    assert!(h.journal().is_empty());
    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Rollback))
        .await
        .expect("the next apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(listed(&report.created), names(&["second"]));
    assert!(report.updated.is_empty(), "{:?}", report.updated);
    assert_eq!(h.fake.log().addresses(FakeOp::Create), names(&["second"]));
    assert_eq!(ids(&state), cloud_ids(&h.fake));
}

#[tokio::test]
async fn a_lost_commit_stops_the_run_after_the_state_is_saved() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let dir = h.dir();
    // `Succeeded` is emitted after the outcome is written and before the batch is saved.
    h.events.set_hook(move |e| {
        if matches!(e, Event::Succeeded { address, .. } if address == "fake_thing.first") {
            assert_eq!(fill_journal_disk(&dir), 1);
        }
    });
    let err = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect_err("the journal cannot be written");
    assert!(is_disk_full(&err), "{err:?}");
    assert_eq!(h.fake.log().addresses(FakeOp::Create), names(&["first"]));
    assert_eq!(ids(&h.saved()), cloud_ids(&h.fake));
    assert_eq!(h.fake.cloud().addresses(), names(&["first"]));
    assert_eq!(kinds(&h.journal()), [("intent", 1), ("outcome", 1)]);
}

#[tokio::test]
async fn a_lost_intent_calls_nothing_and_stops_the_run() {
    let h = Harness::new(&stack(&[("first", &[]), ("second", &["first"])]));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the first apply runs");
    let before = ids(&state);
    h.fake.log().reset();
    // Destroy looks for orphans (with the journal open) before its first delete.
    let dir = h.dir();
    h.fake.on_find_tagged(move |r| {
        let dir = dir.clone();
        async move {
            assert_eq!(fill_journal_disk(&dir), 1);
            r.proceed()
        }
    });
    let err = strata::engine::destroy(
        &h.ctx(),
        state,
        Unrecorded::default(),
        &opts(4, OnFailure::Rollback),
    )
    .await
    .expect_err("the journal cannot be written");
    assert!(is_disk_full(&err), "{err:?}");
    assert_eq!(
        h.fake.count(FakeOp::Delete),
        0,
        "nothing is called unannounced"
    );
    assert_eq!(cloud_ids(&h.fake), before);
    assert_eq!(ids(&h.saved()), before);
}
