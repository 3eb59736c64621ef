//! The recommendation-API stack's staging tier against the emulator behind the strict proxy:
//! apply, a clean `plan --detailed-exitcode`, the live account read through the SDK and
//! compared with the configuration, a refresh that costs one call per kind and page, then
//! destroy to nothing.

mod faults;
mod live;

use crate::support::moto::moto_strict;
use crate::support::proxy::Proxy;
use crate::support::TempProject;
use live::{certificate, left, mismatches, recorded, run};
use std::collections::BTreeMap;

#[tokio::test]
async fn staging_applies_plans_clean_refreshes_per_kind_and_destroys_to_nothing() {
    let moto = moto_strict();
    let cert = certificate(&moto);
    let project = TempProject::new();
    let state = tempfile::tempdir().expect("tempdir");
    let applied = run(
        &project,
        state.path(),
        &moto.endpoint,
        &cert,
        &["apply", "--yes"],
    )
    .expect_code(0);
    assert!(applied.stdout.contains("api_url"), "{}", applied.stdout);
    let resources = recorded(state.path());
    assert_eq!(mismatches(&moto, &resources).await, Vec::<String>::new());

    // The account matches the configuration: a refreshed plan finds nothing to do, and the
    // refresh reads each kind in one call per page (counted by a proxy in front).
    let proxy = Proxy::start(moto.port);
    let planned = run(
        &project,
        state.path(),
        &proxy.endpoint(),
        &cert,
        &["plan", "--detailed-exitcode"],
    )
    .expect_code(0);
    assert!(planned.stdout.contains("No changes"), "{}", planned.stdout);
    let calls = proxy.operations();
    let mut per_operation: BTreeMap<&str, usize> = BTreeMap::new();
    for op in &calls {
        *per_operation.entry(op.as_str()).or_default() += 1;
    }
    // The plan reads the recorded resources and scans every registered kind for the
    // deployment's tags (orphans): both cost a call per kind and page, never one per resource.
    // A per-resource refresh would make at least one call for each of the ~36 resources on
    // top of the scan; the busiest operation here is the tagging API's page per service.
    let registered = strata::aws::registry().names().count();
    assert!(
        calls.len() <= 3 * registered,
        "{} calls for {} registered kinds: {per_operation:#?}",
        calls.len(),
        registered
    );
    assert!(
        per_operation.values().all(|n| *n <= 12),
        "an operation called once per resource? {per_operation:#?}"
    );

    run(
        &project,
        state.path(),
        &moto.endpoint,
        &cert,
        &["destroy", "--yes"],
    )
    .expect_code(0);
    assert_eq!(left(&moto).await, Vec::<String>::new());
}
