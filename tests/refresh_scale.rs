//! Refresh is batched: reading hundreds of recorded resources costs a call per kind and page,
//! not a call per resource (Terraform's AWS provider reads one resource per call).

mod support;

use std::collections::BTreeMap;
use strata::config::{load, LoadRequest};
use strata::plan::refresh::{live_attrs, refresh};
use strata::provider::CreateRequest;
use strata::state::{Provenance, ResourceState, State};
use strata::{Address, Value};
use support::moto::moto;

const VPCS: usize = 210;

#[tokio::test]
async fn refreshing_210_vpcs_costs_two_describe_calls() {
    let moto = moto();
    let registry = moto.registry();
    let vpc = registry.get("vpc").unwrap();
    let project = tempfile::tempdir().unwrap();
    let mut stack = String::from("[stack]\nname = \"scale\"\nregion = \"us-east-1\"\n");
    let mut state = State::new("scale", "scale", None);
    for i in 0..VPCS {
        let address = Address::new("vpc", format!("v{i}"));
        let cidr = format!("10.{}.{}.0/24", i / 250, i % 250);
        stack.push_str(&format!("\n[resource.vpc.v{i}]\ncidr_block = \"{cidr}\"\n"));
        let tags = BTreeMap::from([
            ("strata:deployment".to_string(), "scale".to_string()),
            ("strata:address".to_string(), address.to_string()),
        ]);
        let attrs = BTreeMap::from([("cidr_block".to_string(), Value::str(&cidr))]);
        let live = vpc
            .create(&CreateRequest {
                address: &address,
                deployment: "scale",
                attrs: &attrs,
                tags: &tags,
                token: "t",
            })
            .await
            .expect("create");
        state.resources.insert(
            address.clone(),
            ResourceState {
                address,
                kind: "vpc".into(),
                id: Some(live.id.clone()),
                attributes: live_attrs(&live, strata::aws::registry().schema("vpc")),
                dependencies: Vec::new(),
                provenance: Provenance::Created,
                created_at: "2026-11-21T00:00:00Z".into(),
                updated_at: "2026-11-21T00:00:00Z".into(),
            },
        );
    }
    std::fs::create_dir_all(project.path().join("stacks")).unwrap();
    std::fs::write(project.path().join("stacks/scale.toml"), stack).unwrap();
    let deployment = load(
        &LoadRequest {
            stack: Some("scale".into()),
            project_dir: project.path().to_path_buf(),
            ..Default::default()
        },
        &strata::aws::registry(),
    )
    .map_err(|e| e.to_string())
    .unwrap();

    let refreshed = refresh(&deployment, Some(&state), &registry, 8)
        .await
        .expect("refresh");
    assert_eq!(refreshed.live.len(), VPCS);
    assert!(refreshed.live.values().all(Option::is_some));
    assert!(
        refreshed.drift.is_empty(),
        "{:?}",
        refreshed.drift.keys().take(3).collect::<Vec<_>>()
    );
    // 210 ids in batches of 200 filter values: two pages of one kind.
    assert_eq!(
        refreshed.calls.get("ec2:DescribeVpcs"),
        Some(&2),
        "{:?}",
        refreshed.calls
    );
    assert_eq!(
        refreshed.calls.values().sum::<u64>(),
        2,
        "{:?}",
        refreshed.calls
    );

    let plan = strata::plan::diff::plan_refreshed(&deployment, Some(&state), &registry, &refreshed)
        .expect("plan");
    assert_eq!(plan.summary.unchanged, VPCS, "{:?}", plan.summary);
}
