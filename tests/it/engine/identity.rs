//! Deployment identity: every created resource carries its state's lineage; journal settling,
//! orphan search and destroy only take resources of their own lineage; another state's
//! resources under the same deployment name stop a run before it changes anything, unless
//! adopted.

use super::reconcile::old_unanswered_create_tagged;
use super::{addr, ids, listed, names, opts, stack, Harness, STACK};
use crate::support::fake_kind::FakeOp;
use std::collections::BTreeMap;
use strata::engine::{
    adopt, destroy, reconcile, refuse_foreign, EngineError, OnFailure, Unrecorded,
};
use strata::state::{Provenance, ResourceState, State};
use strata::Value;

/// The tags a strata of this version creates `fake_thing.<name>` with for `lineage` (none:
/// as a strata from before lineage tags did).
fn tags(name: &str, lineage: Option<&str>) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::from([
        ("strata:deployment".to_string(), STACK.to_string()),
        ("strata:address".to_string(), format!("fake_thing.{name}")),
    ]);
    if let Some(l) = lineage {
        tags.insert("strata:lineage".to_string(), l.to_string());
    }
    tags
}

/// Put `fake_thing.<name>` in the account as a create with these tags would have.
fn made_outside(h: &Harness, name: &str, tags: &BTreeMap<String, String>) -> String {
    let attrs = BTreeMap::from([("name".to_string(), Value::String(name.into()))]);
    h.fake.cloud().create(&attrs, tags).id
}

/// What another checkout with the same deployment name left in the account.
const OTHER_LINEAGE: &str = "0ther-lineage";

#[tokio::test]
async fn every_created_resource_carries_the_lineage_of_its_state() {
    let h = Harness::new(&stack(&[("a", &[]), ("b", &["a"])]));
    let (report, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let cloud = h.fake.cloud().resources();
    assert_eq!(cloud.len(), 2);
    for live in cloud.values() {
        assert_eq!(
            live.tags.get("strata:lineage"),
            Some(&state.lineage),
            "{live:?}"
        );
    }
    // The recorded tags say so too, so the next plan has nothing to change.
    let again = h.plan(Some(&state));
    assert!(!again.summary.has_changes(), "{:?}", again.summary);
}

#[tokio::test]
async fn journal_settling_adopts_only_this_states_lineage() {
    let h = Harness::new(&stack(&[("a", &[]), ("b", &[])]));
    let mut state = h.fresh_state();
    // Another state's `a` sits in the account; this state's own `b` landed before its run died.
    let theirs = made_outside(&h, "a", &tags("a", Some(OTHER_LINEAGE)));
    let ours = made_outside(&h, "b", &tags("b", Some(&state.lineage)));
    old_unanswered_create_tagged(&h, 1, "a", tags("a", Some(&state.lineage)));
    old_unanswered_create_tagged(&h, 2, "b", tags("b", Some(&state.lineage)));

    let settled = reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(settled, 2);
    assert_eq!(
        ids(&state),
        BTreeMap::from([("fake_thing.b".to_string(), ours)])
    );
    assert!(h.fake.cloud().get(&theirs).is_some());
    assert_eq!(h.events.adopted().len(), 1);
}

#[tokio::test]
async fn an_intent_journaled_before_lineage_tags_is_settled_without_one() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let id = made_outside(&h, "a", &tags("a", None));
    old_unanswered_create_tagged(&h, 1, "a", tags("a", None));

    let mut state = h.fresh_state();
    reconcile(&h.ctx(), &mut state).await.expect("reconciles");
    assert_eq!(
        ids(&state),
        BTreeMap::from([("fake_thing.a".to_string(), id)])
    );
}

/// A first apply of `a`, and another state's `a` and `z` under the same deployment name.
async fn applied_beside_another_state() -> (Harness, State, String, String) {
    let h = Harness::new(&stack(&[("a", &[])]));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    let their_a = made_outside(&h, "a", &tags("a", Some(OTHER_LINEAGE)));
    let their_z = made_outside(&h, "z", &tags("z", Some(OTHER_LINEAGE)));
    h.fake.log().reset();
    (h, state, their_a, their_z)
}

#[tokio::test]
async fn another_states_resources_stop_apply_before_any_change() {
    let (h, state, their_a, their_z) = applied_beside_another_state().await;
    let err = refuse_foreign(&h.ctx(), &state, false, "apply")
        .await
        .expect_err("refused");
    let EngineError::Foreign(foreign) = &err else {
        panic!("not a foreign-deployment refusal: {err:?}");
    };
    let found: Vec<(&str, Option<&str>)> = foreign
        .found
        .iter()
        .map(|f| (f.id(), f.lineage.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            (their_a.as_str(), Some(OTHER_LINEAGE)),
            (their_z.as_str(), Some(OTHER_LINEAGE))
        ]
    );
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("strata::apply::foreign_deployment"));
    let message = err.to_string();
    assert!(message.contains(OTHER_LINEAGE), "{message}");
    assert!(message.contains(&their_a), "{message}");
    let help = miette::Diagnostic::help(&err).map(|h| h.to_string());
    assert!(help.unwrap_or_default().contains("--adopt-foreign"));
    // Looking is all it did.
    assert_eq!(h.fake.log().lines(), ["find_tagged ?"]);
    assert_eq!(h.saved(), state);
}

#[tokio::test]
async fn adopted_foreign_resources_are_imported_and_converged_to_this_lineage() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let their_a = made_outside(&h, "a", &tags("a", Some(OTHER_LINEAGE)));
    let their_z = made_outside(&h, "z", &tags("z", Some(OTHER_LINEAGE)));
    let mut state = h.fresh_state();

    let tagged = refuse_foreign(&h.ctx(), &state, true, "apply")
        .await
        .expect("adopting is allowed");
    assert_eq!(tagged.foreign.len(), 2);
    let adopted = adopt(&h.ctx(), &mut state, &tagged.foreign).expect("adopted");
    assert_eq!(listed(&adopted), names(&["a"]));
    assert_eq!(state.resources[&addr("a")].provenance, Provenance::Imported);
    assert_eq!(h.saved(), state);

    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        h.fake.count(FakeOp::Create),
        0,
        "{:?}",
        h.fake.log().lines()
    );
    assert_eq!(listed(&report.updated), names(&["a"]));
    let a = h.fake.cloud().get(&their_a).expect("still there");
    assert_eq!(a.tags.get("strata:lineage"), Some(&state.lineage));
    // Not configured: left alone, still the other state's.
    let z = h.fake.cloud().get(&their_z).expect("left alone");
    assert_eq!(
        z.tags.get("strata:lineage").map(String::as_str),
        Some(OTHER_LINEAGE)
    );
    assert!(!h.plan(Some(&state)).summary.has_changes());
}

#[tokio::test]
async fn destroy_with_orphans_deletes_nothing_of_another_state() {
    let (h, state, their_a, their_z) = applied_beside_another_state().await;
    let ours = state.resources[&addr("a")].id.clone().expect("an id");
    let with_orphans = Unrecorded {
        delete_orphans: true,
        adopt_foreign: false,
    };
    let err = destroy(
        &h.ctx(),
        state.clone(),
        with_orphans,
        &opts(4, OnFailure::Keep),
    )
    .await
    .expect_err("refused");
    assert!(matches!(err, EngineError::Foreign(_)), "{err:?}");
    let code = miette::Diagnostic::code(&err).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("strata::destroy::foreign_deployment"));
    assert_eq!(h.fake.count(FakeOp::Delete), 0);
    for id in [&ours, &their_a, &their_z] {
        assert!(h.fake.cloud().get(id).is_some(), "{id} was deleted");
    }

    // Adopted, they are orphans of this state: deleted with them.
    let adopting = Unrecorded {
        delete_orphans: true,
        adopt_foreign: true,
    };
    let (report, _, orphans) = destroy(&h.ctx(), state, adopting, &opts(4, OnFailure::Keep))
        .await
        .expect("destroy runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(orphans.len(), 2, "{orphans:?}");
    assert!(
        h.fake.cloud().is_empty(),
        "{:?}",
        h.fake.cloud().resources()
    );
}

#[tokio::test]
async fn resources_without_lineage_are_ours_only_when_the_state_records_them() {
    let h = Harness::new(&stack(&[("a", &[])]));
    // `a` was created and recorded by a strata from before lineage tags.
    let recorded_a = made_outside(&h, "a", &tags("a", None));
    let mut state = h.fresh_state();
    state.resources.insert(
        addr("a"),
        ResourceState {
            address: addr("a"),
            kind: "fake_thing".into(),
            id: Some(recorded_a.clone()),
            attributes: BTreeMap::new(),
            dependencies: Vec::new(),
            provenance: Provenance::Created,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    h.backend.save(&h.lock, &mut state).expect("saved");
    let tagged = refuse_foreign(&h.ctx(), &state, false, "apply")
        .await
        .expect("a recorded id is ours");
    assert_eq!(tagged, Default::default());

    // One the state does not know: nothing tells whose it is, so it is foreign.
    let unknown = made_outside(&h, "b", &tags("b", None));
    let with_orphans = Unrecorded {
        delete_orphans: true,
        adopt_foreign: false,
    };
    let err = destroy(&h.ctx(), state, with_orphans, &opts(1, OnFailure::Keep))
        .await
        .expect_err("refused");
    let EngineError::Foreign(foreign) = err else {
        panic!("not a foreign-deployment refusal: {err:?}");
    };
    assert_eq!(foreign.found.len(), 1);
    assert_eq!(foreign.found[0].id(), unknown);
    assert_eq!(foreign.found[0].lineage, None);
    assert_eq!(h.fake.count(FakeOp::Delete), 0);
    assert_eq!(h.fake.cloud().len(), 2);
}
