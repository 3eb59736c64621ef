//! Adopt, then converge: a create found again after a failed follow-up call is read live and
//! brought to the configuration in the same step; state records what was read back, never
//! the desired values in place of live ones; a retried update starts from the account; an
//! untaggable kind is found again by its identity. Each test ends on the convergence
//! property: the next refreshed plan is empty.

use super::{cloud_ids, ids, opts, Harness};
use crate::support::fake_kind::{error, FakeKind, FakeOp, Proceed};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use strata::engine::journal;
use strata::engine::OnFailure;
use strata::plan::Action;
use strata::provider::{AttrSchema, ErrorClass, KindSchema, Registry};
use strata::Value;

const SIZED: &str = "\n[resource.fake_thing.a]\nname = \"a\"\nsize = 3\n";

#[tokio::test]
async fn a_create_whose_follow_up_call_failed_is_found_again_and_converged() {
    let h = Harness::new(SIZED);
    // The first call makes the resource with the default size (the follow-up call that sets
    // it is throttled), as CreateSecurityGroup succeeds and AuthorizeSecurityGroupIngress
    // does not: the group exists with no rules.
    h.fake.on_create(|r| {
        let answer = if r.n == 1 {
            let mut partial = r.args.attrs.clone();
            partial.insert("size".into(), Value::Int(0));
            r.cloud.create(&partial, &r.args.tags);
            Err(error(ErrorClass::Throttling, "fake:SetSize"))
        } else {
            r.proceed()
        };
        async move { answer }
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
            "update fake_thing.a",
            "wait_ready fake_thing.a",
            "read fake_thing.a",
        ]
    );
    assert_eq!(h.fake.cloud().len(), 1, "no duplicate");
    let id = h.fake.cloud().id_of("fake_thing.a").expect("created");
    let live = h.fake.cloud().get(&id).expect("exists");
    assert_eq!(live.attrs.get("size"), Some(&Value::Int(3)), "converged");
    assert_eq!(ids(&state), cloud_ids(&h.fake));
    h.assert_converged(&state).await;
}

#[tokio::test]
async fn state_records_what_was_read_back_not_what_was_asked() {
    let h = Harness::new(SIZED);
    // The account takes the create but keeps another size (as AWS may round or ignore).
    h.fake.on_create(|r| {
        let mut attrs = r.args.attrs.clone();
        attrs.insert("size".into(), Value::Int(99));
        let live = r.cloud.create(&attrs, &r.args.tags);
        async move { Ok(live) }
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    let rs = &state.resources[&super::addr("a")];
    assert_eq!(rs.attributes.get("size"), Some(&Value::Int(99)));
    // So the next plan says what is really there, instead of an empty plan over a lie.
    let plan = h.refreshed_plan(&state).await;
    let change = &plan.resource_changes[0];
    assert_eq!(change.action, Action::Update, "{change:?}");
    assert_eq!(change.changes[0].name, "size");
}

#[tokio::test]
async fn a_retried_update_starts_again_from_what_the_account_holds() {
    let mut h = Harness::new(SIZED);
    let (_, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the first apply runs");
    h.rewrite("\n[resource.fake_thing.a]\nname = \"a\"\nsize = 5\n");
    h.fake.log().reset();
    // The first update call changes the account, then its answer is lost.
    h.fake.on_update(|r| {
        let done = r.proceed();
        let answer = if r.n == 1 {
            Err(error(ErrorClass::Transient, "fake:Update"))
        } else {
            done
        };
        async move { answer }
    });
    let (report, state) = h
        .apply_from(state, &opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    // The retry reads the resource, finds the size already there, and calls nothing more.
    assert_eq!(
        h.fake.count(FakeOp::Update),
        1,
        "{:?}",
        h.fake.log().lines()
    );
    h.assert_converged(&state).await;
}

#[tokio::test]
async fn a_resource_found_again_that_must_be_replaced_is_recorded_and_the_step_fails() {
    let h = Harness::new("\n[resource.fake_thing.a]\nname = \"a\"\nzone = \"z1\"\n");
    // The first attempt made it in another zone (a zone cannot change in place).
    h.fake.on_create(|r| {
        let answer = if r.n == 1 {
            let mut other = r.args.attrs.clone();
            other.insert("zone".into(), Value::String("z9".into()));
            r.cloud.create(&other, &r.args.tags);
            Err(error(ErrorClass::Transient, "fake:Create"))
        } else {
            r.proceed()
        };
        async move { answer }
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert_eq!(report.failed.len(), 1);
    assert!(
        report.failed[0].message.contains("zone"),
        "{}",
        report.failed[0]
    );
    assert_eq!(h.fake.count(FakeOp::Create), 1, "never a second one");
    assert_eq!(ids(&state), cloud_ids(&h.fake), "what exists is recorded");
    let plan = h.refreshed_plan(&state).await;
    assert_eq!(plan.resource_changes[0].action, Action::Replace);
}

/// A harness whose only kind cannot be tagged: it is found again by its identity (its name).
fn untaggable() -> Harness {
    let kind = FakeKind::with_schema(
        KindSchema::new("fake_thing", "An untaggable fake (an attachment)")
            .attr(AttrSchema::string("name").required().doc("Name"))
            .attr(AttrSchema::int("size").doc("Size")),
    );
    let mut registry = Registry::new();
    registry.register(kind.clone());
    Harness::with_kind(SIZED, kind, registry)
}

#[tokio::test]
async fn a_retried_create_of_an_untaggable_kind_finds_it_by_identity() {
    let h = untaggable();
    let dir = h.dir();
    let announced: Arc<Mutex<Vec<BTreeMap<String, String>>>> = Arc::default();
    let seen = announced.clone();
    h.fake.on_create(move |r| {
        // What the journal announced before this call, as a killed run would leave it.
        if let Ok(pending) = journal::pending(&dir) {
            seen.lock()
                .expect("seen")
                .extend(pending.into_iter().map(|p| p.identity));
        }
        let live = r.cloud.create(&r.args.attrs, &r.args.tags);
        let answer = if r.n == 1 {
            Err(error(ErrorClass::Transient, "fake:Attach"))
        } else {
            Ok(live)
        };
        async move { answer }
    });
    let (report, state) = h
        .apply_fresh(&opts(1, OnFailure::Keep))
        .await
        .expect("the apply runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(
        h.fake.count(FakeOp::Create),
        1,
        "{:?}",
        h.fake.log().lines()
    );
    assert_eq!(h.fake.count(FakeOp::FindByIdentity), 1);
    assert_eq!(h.fake.cloud().len(), 1);
    assert_eq!(
        *announced.lock().expect("seen"),
        [BTreeMap::from([("name".to_string(), "a".to_string())])],
        "the intent records the identity"
    );
    let recorded: Vec<String> = ids(&state).into_values().collect();
    let live: Vec<String> = h.fake.cloud().resources().into_keys().collect();
    assert_eq!(recorded, live);
    h.assert_converged(&state).await;
}
