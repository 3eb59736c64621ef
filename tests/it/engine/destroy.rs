//! `destroy`: what strata created goes, dependents first; reused resources stay; orphans
//! (tagged with the deployment, unknown to the state) are listed, and deleted when asked.

use super::{addr, ids, listed, names, opts, stack, Harness, STACK};
use crate::support::fake_kind::FakeOp;
use std::collections::BTreeMap;
use strata::engine::events::Event;
use strata::engine::{destroy, OnFailure, Unrecorded};
use strata::provider::{ErrorClass, LiveResource};
use strata::state::{Provenance, ResourceState};
use strata::Value;

/// `--include-orphans`.
const DELETE_ORPHANS: Unrecorded = Unrecorded {
    delete_orphans: true,
    adopt_foreign: false,
};

#[tokio::test]
async fn destroy_deletes_dependents_first_and_keeps_reused_resources() {
    let h = Harness::new(&stack(&[
        ("base", &[]),
        ("mid", &["base"]),
        ("top", &["mid"]),
    ]));
    let (_, mut state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    // Something that existed before, recorded as reused (as a lookup would).
    h.fake.cloud().insert(LiveResource {
        id: "shared-1".into(),
        attrs: BTreeMap::from([("name".to_string(), Value::str("shared"))]),
        tags: BTreeMap::new(),
    });
    state.resources.insert(
        addr("shared"),
        ResourceState {
            address: addr("shared"),
            kind: "fake_thing".into(),
            id: Some("shared-1".into()),
            attributes: BTreeMap::new(),
            dependencies: Vec::new(),
            provenance: Provenance::Reused,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    h.fake.log().reset();

    let (report, state, orphans) = destroy(
        &h.ctx(),
        state,
        Unrecorded::default(),
        &opts(4, OnFailure::Rollback),
    )
    .await
    .expect("destroy runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert!(orphans.is_empty(), "{orphans:?}");
    assert_eq!(
        h.fake.log().addresses(FakeOp::Delete),
        names(&["top", "mid", "base"])
    );
    assert_eq!(listed(&report.deleted), names(&["top", "mid", "base"]));
    assert_eq!(listed(&report.kept), names(&["shared"]));
    assert!(h
        .events
        .events()
        .iter()
        .any(|e| matches!(e, Event::Kept { address, .. } if address == "fake_thing.shared")));
    assert_eq!(
        h.fake.cloud().resources().into_keys().collect::<Vec<_>>(),
        ["shared-1"]
    );
    assert!(state.resources.is_empty());
    assert!(h.saved().resources.is_empty());
    assert!(h.journal().is_empty());
}

#[tokio::test]
async fn orphans_are_listed_and_deleted_only_when_asked() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let (_, state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    // Left by a run of this state killed before it could record it.
    let tags = BTreeMap::from([
        ("strata:deployment".to_string(), STACK.to_string()),
        ("strata:address".to_string(), "fake_thing.lost".to_string()),
        ("strata:lineage".to_string(), state.lineage.clone()),
    ]);
    let lost = h.fake.cloud().create(&BTreeMap::new(), &tags).id;

    let (report, state, orphans) = destroy(
        &h.ctx(),
        state,
        Unrecorded::default(),
        &opts(4, OnFailure::Rollback),
    )
    .await
    .expect("destroy runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(listed(&report.deleted), names(&["a"]));
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].address, addr("lost"));
    assert_eq!(orphans[0].id, lost);
    assert_eq!(h.fake.cloud().addresses(), names(&["lost"]));

    let (report, _, orphans) = destroy(
        &h.ctx(),
        state,
        DELETE_ORPHANS,
        &opts(4, OnFailure::Rollback),
    )
    .await
    .expect("destroy runs");
    assert!(report.succeeded(), "{:?}", report.failed);
    assert_eq!(orphans.len(), 1);
    assert_eq!(listed(&report.deleted), names(&["lost"]));
    assert!(h.fake.cloud().is_empty());
    // The orphan went through a scratch state: the real one never listed it.
    assert!(!h.saved().resources.contains_key(&addr("lost")));
}

#[tokio::test]
async fn a_resource_of_a_kind_this_build_lacks_is_reported_not_silently_kept() {
    let h = Harness::new(&stack(&[("a", &[])]));
    let (_, mut state) = h
        .apply_fresh(&opts(4, OnFailure::Rollback))
        .await
        .expect("the apply runs");
    // Recorded by another build that had this kind.
    let gone = strata::Address::new("fake_gone", "x");
    state.resources.insert(
        gone.clone(),
        ResourceState {
            address: gone.clone(),
            kind: "fake_gone".into(),
            id: Some("gone-1".into()),
            attributes: BTreeMap::new(),
            dependencies: Vec::new(),
            provenance: Provenance::Created,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
        },
    );
    h.backend.save(&h.lock, &mut state).expect("state saved");
    let recorded = ids(&state);

    let (report, state, _) = destroy(
        &h.ctx(),
        state,
        Unrecorded::default(),
        &opts(1, OnFailure::Rollback),
    )
    .await
    .expect("destroy runs");
    assert!(!report.succeeded(), "a resource was left: {report:?}");
    assert_eq!(report.failed.len(), 1, "{:?}", report.failed);
    assert_eq!(report.failed[0].class, ErrorClass::Unsupported);
    assert_eq!(report.failed[0].address.as_deref(), Some("fake_gone.x"));
    // The state still lists what was not deleted.
    assert_eq!(ids(&state), recorded);
    assert_eq!(
        ids(&h.saved()).get("fake_gone.x").map(String::as_str),
        Some("gone-1")
    );
}

/// Orphans have no recorded dependencies, so teardown orders them by kind, from the
/// references the kinds declare (`refers_to`). Every attribute of the shipped tiers that links
/// to another resource by its id or ARN must declare that reference, or the order of orphans
/// would not know it.
#[test]
fn every_link_in_the_shipped_tiers_is_a_declared_reference() {
    // A boot script mentions ids (the EFS file system to mount) but links nothing in AWS:
    // deleting the file system first is allowed.
    const SCRIPTS: &[&str] = &["user_data"];
    let registry = strata::aws::registry();
    let root = crate::support::repo_root();
    let mut checked = 0;
    let mut undeclared = std::collections::BTreeSet::new();
    for tier in ["dev", "automation", "gpu"] {
        let deployment = crate::support::load_deployment(&root, tier);
        for resource in deployment.resources.values() {
            let kind = &resource.address.kind;
            let schema = registry.schema(kind).expect("a shipped kind");
            for (name, expr) in &resource.attrs {
                expr.visit_refs(&mut |r| {
                    let strata::config::expr::RefTarget::Resource { address, .. } = &r.target
                    else {
                        return;
                    };
                    let text = deployment.sources.snippet(&r.origin);
                    let links = text.ends_with(".id") || text.ends_with(".arn");
                    if &address.kind == kind || !links || SCRIPTS.contains(&name.as_str()) {
                        return;
                    }
                    checked += 1;
                    let declared = schema
                        .get(name)
                        .is_some_and(|a| a.refers_to.contains(&address.kind.as_str()));
                    if !declared {
                        undeclared.insert(format!("{kind}.{name} -> {} ({text})", address.kind));
                    }
                });
            }
        }
    }
    assert!(
        undeclared.is_empty(),
        "links without `refers_to`: {undeclared:#?}"
    );
    assert!(checked > 20, "the tiers have cross-kind links ({checked})");
}

/// Every reference a kind declares goes to a registered kind, and none loops back.
#[test]
fn kind_references_name_registered_kinds_without_a_cycle() {
    let registry = strata::aws::registry();
    let order = registry.teardown_order();
    let rank = |kind: &str| order.iter().position(|k| *k == kind);
    for kind in registry.names() {
        let schema = registry.schema(kind).expect("a schema");
        for attr in &schema.attrs {
            for target in attr.refers_to {
                assert!(
                    rank(target).is_some(),
                    "{kind}.{} refers to unknown kind {target}",
                    attr.name
                );
                if *target != kind {
                    assert!(
                        rank(kind) < rank(target),
                        "{kind}.{} refers to {target}, yet {kind} is deleted after it: a cycle",
                        attr.name
                    );
                }
            }
        }
    }
}
