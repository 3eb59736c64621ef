//! Refresh is batched: reading hundreds of recorded resources costs a call per kind and page,
//! not a call per resource (Terraform's AWS provider reads one resource per call).

use crate::support::moto::moto;
use std::collections::BTreeMap;
use strata::config::{load, LoadRequest};
use strata::plan::refresh::{live_attrs, refresh};
use strata::provider::CreateRequest;
use strata::state::{Provenance, ResourceState, State};
use strata::{Address, Value};

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

/// Resources created through the kinds and recorded the way apply records them, with their
/// configuration written to a stack, for refreshes of many resources.
struct Recorded {
    registry: strata::provider::Registry,
    stack: String,
    state: State,
}

impl Recorded {
    fn new(registry: strata::provider::Registry) -> Self {
        Recorded {
            registry,
            stack: String::from("[stack]\nname = \"scale\"\nregion = \"us-east-1\"\n"),
            state: State::new("scale", "scale", None),
        }
    }

    /// Create `kind.name` with `attrs` (written to the stack as `toml`); its id.
    async fn add(
        &mut self,
        kind: &str,
        name: &str,
        attrs: BTreeMap<String, Value>,
        toml: &str,
    ) -> String {
        let address = Address::new(kind, name);
        let tags = BTreeMap::from([
            ("strata:deployment".to_string(), "scale".to_string()),
            ("strata:address".to_string(), address.to_string()),
        ]);
        let live = self
            .registry
            .get(kind)
            .expect("kind")
            .create(&CreateRequest {
                address: &address,
                deployment: "scale",
                attrs: &attrs,
                tags: &tags,
                token: "t",
            })
            .await
            .unwrap_or_else(|e| panic!("create {address}: {e}"));
        self.stack
            .push_str(&format!("\n[resource.{kind}.{name}]\n{toml}\n"));
        self.state.resources.insert(
            address.clone(),
            ResourceState {
                address,
                kind: kind.into(),
                id: Some(live.id.clone()),
                attributes: live_attrs(&live, strata::aws::registry().schema(kind)),
                dependencies: Vec::new(),
                provenance: Provenance::Created,
                created_at: "2026-11-21T00:00:00Z".into(),
                updated_at: "2026-11-21T00:00:00Z".into(),
            },
        );
        live.id
    }
}

/// EC2 filters take 200 ids: the page of every batched EC2 read below.
const EC2_BATCH: usize = 200;

#[tokio::test]
async fn refreshing_a_mix_of_kinds_costs_calls_per_kind_and_page() {
    let moto = moto();
    let mut rec = Recorded::new(moto.registry());
    let (vpcs, subnets, groups, volumes) = (10, 201, 40, 40);
    let mut vpc_ids = Vec::new();
    for i in 0..vpcs {
        let cidr = format!("10.{i}.0.0/16");
        let attrs = BTreeMap::from([("cidr_block".to_string(), Value::str(&cidr))]);
        let toml = format!("cidr_block = \"{cidr}\"");
        vpc_ids.push(rec.add("vpc", &format!("v{i}"), attrs, &toml).await);
    }
    for i in 0..subnets {
        let (vpc, cidr) = (
            &vpc_ids[i % vpcs],
            format!("10.{}.{}.0/24", i % vpcs, i / vpcs),
        );
        let attrs = BTreeMap::from([
            ("vpc_id".to_string(), Value::str(vpc)),
            ("cidr_block".to_string(), Value::str(&cidr)),
            ("availability_zone".to_string(), Value::str("us-east-1a")),
        ]);
        let toml = format!(
            "vpc_id = \"{vpc}\"\ncidr_block = \"{cidr}\"\navailability_zone = \"us-east-1a\""
        );
        rec.add("subnet", &format!("s{i}"), attrs, &toml).await;
    }
    for i in 0..groups {
        let vpc = &vpc_ids[i % vpcs];
        // Half admit CloudFront by prefix-list name: read back, the list ids are named again
        // with one look-up for the whole batch.
        let (source_key, source, source_toml) = if i % 2 == 0 {
            (
                "prefix_list_name",
                Value::str("com.amazonaws.global.cloudfront.origin-facing"),
                "prefix_list_name = \"com.amazonaws.global.cloudfront.origin-facing\"".to_string(),
            )
        } else {
            (
                "cidr_blocks",
                Value::List(vec![Value::str("203.0.113.0/24")]),
                "cidr_blocks = [\"203.0.113.0/24\"]".to_string(),
            )
        };
        let rule = Value::Map(BTreeMap::from([
            ("protocol".to_string(), Value::str("tcp")),
            ("from_port".to_string(), Value::Int(80)),
            ("to_port".to_string(), Value::Int(80)),
            (source_key.to_string(), source),
        ]));
        let attrs = BTreeMap::from([
            ("vpc_id".to_string(), Value::str(vpc)),
            ("name".to_string(), Value::str(format!("g{i}"))),
            ("description".to_string(), Value::str("scale")),
            ("ingress".to_string(), Value::List(vec![rule])),
        ]);
        let toml = format!(
            "vpc_id = \"{vpc}\"\nname = \"g{i}\"\ndescription = \"scale\"\ningress = [{{ protocol = \"tcp\", from_port = 80, to_port = 80, {source_toml} }}]"
        );
        rec.add("security_group", &format!("g{i}"), attrs, &toml)
            .await;
    }
    for i in 0..volumes {
        let attrs = BTreeMap::from([
            ("availability_zone".to_string(), Value::str("us-east-1a")),
            ("size_gb".to_string(), Value::Int(1)),
        ]);
        let toml = "availability_zone = \"us-east-1a\"\nsize_gb = 1";
        rec.add("volume", &format!("d{i}"), attrs, toml).await;
    }
    let total = vpcs + subnets + groups + volumes;
    assert!(total >= 200);

    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join("stacks")).unwrap();
    std::fs::write(project.path().join("stacks/scale.toml"), &rec.stack).unwrap();
    let deployment = load(
        &LoadRequest {
            stack: Some("scale".into()),
            project_dir: project.path().to_path_buf(),
            ..Default::default()
        },
        &strata::aws::registry(),
    )
    .map_err(|e| {
        format!(
            "{:?}",
            e.errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        )
    })
    .unwrap();

    let registry = moto.registry();
    let refreshed = refresh(&deployment, Some(&rec.state), &registry, 8)
        .await
        .expect("refresh");
    assert_eq!(refreshed.live.len(), total);
    assert!(refreshed.live.values().all(Option::is_some));
    assert!(
        refreshed.drift.is_empty(),
        "{:?}",
        refreshed.drift.iter().take(3).collect::<Vec<_>>()
    );
    // One call per kind and page of 200 ids, plus one fixed look-up: the managed prefix lists,
    // named once for all the groups that use one.
    let pages = |n: usize| n.div_ceil(EC2_BATCH) as u64;
    let expected = BTreeMap::from([
        ("ec2:DescribeVpcs".to_string(), pages(vpcs)),
        ("ec2:DescribeSubnets".to_string(), pages(subnets)),
        ("ec2:DescribeSecurityGroups".to_string(), pages(groups)),
        ("ec2:DescribeVolumes".to_string(), pages(volumes)),
        ("ec2:DescribeManagedPrefixLists".to_string(), 1),
    ]);
    assert_eq!(refreshed.calls, expected);
    assert_eq!(refreshed.calls.values().sum::<u64>(), 6);

    let plan =
        strata::plan::diff::plan_refreshed(&deployment, Some(&rec.state), &registry, &refreshed)
            .expect("plan");
    assert_eq!(plan.summary.unchanged, total, "{:?}", plan.summary);
}
