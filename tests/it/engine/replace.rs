//! Replacement ordering AWS accepts: a replaced resource that a dependent, updated in place,
//! points at is created before the old one is deleted, and the old one goes only once the
//! dependent has moved (AWS refuses to delete a VPC with its gateway attached). Without such
//! a dependent, the old one is deleted first, so that names can be reused.

use super::{addr, opts, Harness};
use crate::support::fake_kind::FakeOp;
use strata::engine::OnFailure;
use strata::plan::Action;
use strata::provider::ErrorClass;

fn pair(zone: &str) -> String {
    format!(
        "\n[resource.fake_thing.a]\nname = \"a\"\nzone = \"{zone}\"\n\
         \n[resource.fake_thing.b]\nname = \"b-${{fake_thing.a.arn}}\"\n"
    )
}

/// A fake resource is busy (its delete refused with DependencyViolation) while another one's
/// name holds its id, as a subnet is while an instance runs in it.
fn busy_while_named(h: &Harness) {
    let cloud = h.fake.cloud().clone();
    h.fake.on_delete(move |r| {
        let id = r.args.id.clone();
        let still_used = cloud.resources().iter().any(|(other, x)| {
            *other != id
                && x.attrs
                    .get("name")
                    .and_then(|n| n.as_str())
                    .is_some_and(|n| n.contains(&id))
        });
        let answer = if still_used {
            Err(crate::support::fake_kind::error(
                ErrorClass::DependencyViolation,
                "fake:Delete",
            ))
        } else {
            r.cloud.delete(&id);
            Ok(())
        };
        async move { answer }
    });
}

fn position(lines: &[String], line: &str) -> usize {
    lines
        .iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("no `{line}` in {lines:#?}"))
}

#[tokio::test]
async fn a_dependent_updated_in_place_moves_before_the_old_resource_is_deleted() {
    let mut h = Harness::new(&pair("z1"));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    let old = state.resources[&addr("a")].id.clone().expect("an id");
    h.rewrite(&pair("z2"));
    let plan = h.plan(Some(&state));
    let action = |name: &str| {
        plan.resource_changes
            .iter()
            .find(|c| c.address == addr(name))
            .map(|c| c.action)
    };
    assert_eq!(action("a"), Some(Action::Replace));
    assert_eq!(action("b"), Some(Action::Update));
    h.fake.log().reset();
    // The old resource is busy while b still points at it, as a VPC with its gateway is.
    busy_while_named(&h);
    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let lines = h.fake.log().lines();
    assert_eq!(h.fake.count(FakeOp::Delete), 1, "{lines:#?}");
    let created = position(&lines, "create fake_thing.a");
    let moved = position(&lines, "update fake_thing.b");
    let deleted = position(&lines, "delete fake_thing.a");
    assert!(created < moved && moved < deleted, "{lines:#?}");
    assert!(h.fake.cloud().get(&old).is_none(), "the old one is gone");
    assert_eq!(state.resources.len(), 2, "{:?}", state.resources.keys());
    h.assert_converged(&state).await;
}

#[tokio::test]
async fn an_old_half_a_failed_run_left_is_deleted_by_the_next_run_after_the_dependent_moves() {
    let mut h = Harness::new(&pair("z1"));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    h.rewrite(&pair("z2"));
    // b cannot move this time: the old a must stay, recorded, for the next run.
    h.fake
        .fail_at(FakeOp::Update, "fake_thing.b", ErrorClass::InvalidInput);
    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(report.failed.len(), 1);
    let kept = addr("a").replaced();
    assert!(
        state.resources.contains_key(&kept),
        "{:?}",
        state.resources.keys()
    );
    assert_eq!(h.fake.count(FakeOp::Delete), 0);
    let plan = h.plan(Some(&state));
    let left = plan
        .resource_changes
        .iter()
        .find(|c| c.address == kept)
        .expect("the old half is planned");
    assert_eq!(left.action, Action::Delete);

    h.fake.restore();
    h.fake.log().reset();
    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let lines = h.fake.log().lines();
    assert!(
        position(&lines, "update fake_thing.b") < position(&lines, "delete fake_thing.a"),
        "{lines:#?}"
    );
    assert_eq!(state.resources.len(), 2, "{:?}", state.resources.keys());
    h.assert_converged(&state).await;
}

#[tokio::test]
async fn without_a_dependent_updated_in_place_the_old_one_is_deleted_first() {
    let mut h = Harness::new("\n[resource.fake_thing.a]\nname = \"a\"\nzone = \"z1\"\n");
    let (_, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    h.rewrite("\n[resource.fake_thing.a]\nname = \"a\"\nzone = \"z2\"\n");
    h.fake.log().reset();
    let (report, state) = h
        .apply_from(state, &opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let lines = h.fake.log().lines();
    assert!(
        position(&lines, "delete fake_thing.a") < position(&lines, "create fake_thing.a"),
        "{lines:#?}"
    );
    h.assert_converged(&state).await;
}

/// `base` and `a` are both replaced (their zones change), `a` stands on `base` (its name holds
/// base's ARN) and `b`, updated in place, points at `a`.
fn chain(zone: &str) -> String {
    format!(
        "\n[resource.fake_thing.base]\nname = \"base\"\nzone = \"{zone}\"\n\
         \n[resource.fake_thing.a]\nname = \"a-${{fake_thing.base.arn}}\"\nzone = \"{zone}\"\n\
         \n[resource.fake_thing.b]\nname = \"b-${{fake_thing.a.arn}}\"\n"
    )
}

#[tokio::test]
async fn what_a_create_before_destroy_replacement_stands_on_outlives_it() {
    let mut h = Harness::new(&chain("z1"));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    let old_base = state.resources[&addr("base")].id.clone().expect("an id");
    let old_a = state.resources[&addr("a")].id.clone().expect("an id");
    h.rewrite(&chain("z2"));
    h.fake.log().reset();
    // The old base must wait for the old a, which waits for b to move.
    busy_while_named(&h);
    let (report, state) = h
        .apply_from(state, &opts(4, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let lines = h.fake.log().lines();
    assert_eq!(h.fake.count(FakeOp::Delete), 2, "{lines:#?}");
    let moved = position(&lines, "update fake_thing.b");
    let base_made = position(&lines, "create fake_thing.base");
    let a_gone = position(&lines, "delete fake_thing.a");
    let base_gone = position(&lines, "delete fake_thing.base");
    assert!(base_made < moved, "{lines:#?}");
    assert!(moved < a_gone && a_gone < base_gone, "{lines:#?}");
    assert!(h.fake.cloud().get(&old_a).is_none(), "the old a is gone");
    assert!(
        h.fake.cloud().get(&old_base).is_none(),
        "the old base is gone"
    );
    assert_eq!(state.resources.len(), 3, "{:?}", state.resources.keys());
    h.assert_converged(&state).await;
}
