//! Refresh is batched: reading hundreds of recorded resources costs a call per kind and page,
//! not a call per resource (Terraform's AWS provider reads one resource per call).

use crate::support::fixtures::{network, vpc_with_subnets};
use crate::support::kinds::{
    attrs, create, create_tagged, deployment_tag, https_redirect, ip_target_group, kind, own_tags,
    strata_tags, strs, table, DEPLOYMENT,
};
use crate::support::moto::moto;
use crate::support::proxy::Proxy;
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
            ("strata:lineage".to_string(), state.lineage.clone()),
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
            ("strata:lineage".to_string(), self.state.lineage.clone()),
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

/// The calls `registry` made while `read` ran, by operation.
async fn calls_of<F, Fut, T>(
    registry: &strata::provider::Registry,
    read: F,
) -> (T, BTreeMap<String, u64>)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let before = registry.stats().snapshot();
    let out = read().await;
    let after = registry.stats().snapshot();
    let calls = after
        .into_iter()
        .map(|(op, n)| {
            let was = before.get(&op).copied().unwrap_or(0);
            (op, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    (out, calls)
}

fn calls(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(op, n)| (op.to_string(), *n)).collect()
}

#[tokio::test]
async fn target_attachments_cost_one_call_per_target_group() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let (groups, per_group) = (2, 15);
    let mut ids = Vec::new();
    for g in 0..groups {
        let group = create(
            kind(&registry, "target_group"),
            &format!("target_group.g{g}"),
            &ip_target_group(&net.vpc),
        )
        .await;
        for t in 0..per_group {
            let live = create(
                kind(&registry, "target_attachment"),
                &format!("target_attachment.g{g}t{t}"),
                &attrs(&[
                    ("target_group_arn", Value::str(&group.id)),
                    (
                        "target_id",
                        Value::str(format!("10.9.{}.{}", g + 1, t + 10)),
                    ),
                ]),
            )
            .await;
            ids.push(live.id);
        }
    }
    let (read, made) = calls_of(&registry, || {
        kind(&registry, "target_attachment").read(&ids)
    })
    .await;
    assert_eq!(read.expect("read").len(), groups * per_group);
    assert_eq!(
        made,
        calls(&[("elbv2:DescribeTargetHealth", groups as u64)])
    );
}

#[tokio::test]
async fn listeners_are_read_twenty_per_call_and_by_load_balancer_when_one_is_gone() {
    let moto = moto();
    let net = network(&moto).await;
    let proxy = Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let redirect = https_redirect();
    let (balancers, per_lb) = (2, 12);
    let mut ids = Vec::new();
    for b in 0..balancers {
        let lb = create(
            kind(&registry, "load_balancer"),
            &format!("load_balancer.lb{b}"),
            &attrs(&[("subnets", strs(&net.subnets))]),
        )
        .await;
        for l in 0..per_lb {
            let live = create(
                kind(&registry, "listener"),
                &format!("listener.lb{b}p{l}"),
                &attrs(&[
                    ("load_balancer_arn", Value::str(&lb.id)),
                    ("port", Value::Int(8000 + l)),
                    ("protocol", Value::str("HTTP")),
                    ("default_action", redirect.clone()),
                ]),
            )
            .await;
            ids.push(live.id);
        }
    }
    let listeners = kind(&registry, "listener");
    let n = ids.len() as u64;
    let (read, made) = calls_of(&registry, || listeners.read(&ids)).await;
    assert_eq!(read.expect("read").len(), ids.len());
    assert_eq!(
        made,
        calls(&[
            ("elbv2:DescribeListeners", n.div_ceil(20)),
            ("elbv2:DescribeTags", n.div_ceil(20)),
        ])
    );

    // One listener deleted behind strata's back: AWS then fails the whole call naming it
    // (moto does not, so the proxy answers as AWS would), and that batch is read again through
    // its two load balancers, not one listener at a time.
    moto.elbv2()
        .delete_listener()
        .listener_arn(&ids[3])
        .send()
        .await
        .expect("delete listener");
    proxy.fail("elbv2:DescribeListeners", 1, "ListenerNotFound", 400);
    let (read, made) = calls_of(&registry, || listeners.read(&ids)).await;
    let read = read.expect("read");
    assert_eq!(read.len(), ids.len() - 1);
    assert!(read.iter().all(|l| l.id != ids[3]));
    // The failed batch, its two load balancers, the second batch.
    assert_eq!(
        made["elbv2:DescribeListeners"],
        1 + balancers as u64 + 1,
        "{made:?}"
    );
}

#[tokio::test]
async fn mount_targets_are_read_through_their_file_systems_only() {
    let moto = moto();
    let registry = moto.registry();
    let (_, subnets) =
        vpc_with_subnets(&moto, 7, &["us-east-1a", "us-east-1b", "us-east-1c"]).await;
    let file_systems = kind(&registry, "efs_file_system");
    let targets = kind(&registry, "efs_mount_target");
    let reg = &registry;
    let mount = |fs: String, subnet: String, name: String| async move {
        create(
            kind(reg, "efs_mount_target"),
            &format!("efs_mount_target.{name}"),
            &attrs(&[
                ("file_system_id", Value::str(fs)),
                ("subnet_id", Value::str(subnet)),
            ]),
        )
        .await
        .id
    };
    // Three file systems with a mount target in each of three zones: the recorded ones.
    let (ours, others) = (3, 6);
    let mut ids = Vec::new();
    for f in 0..ours {
        let fs = create(file_systems, &format!("efs_file_system.f{f}"), &attrs(&[])).await;
        for (s, subnet) in subnets.iter().enumerate() {
            ids.push(mount(fs.id.clone(), subnet.clone(), format!("f{f}s{s}")).await);
        }
    }
    // Other file systems of the account, with mount targets strata was not asked about.
    for f in 0..others {
        let fs = create(file_systems, &format!("efs_file_system.o{f}"), &attrs(&[])).await;
        mount(fs.id.clone(), subnets[0].clone(), format!("o{f}")).await;
    }
    // And a recorded mount target deleted behind strata's back.
    let gone = ids.pop().expect("an id");
    moto.efs()
        .delete_mount_target()
        .mount_target_id(&gone)
        .send()
        .await
        .expect("delete mount target");
    ids.push(gone.clone());

    let (read, made) = calls_of(&registry, || targets.read(&ids)).await;
    let read = read.expect("read");
    assert_eq!(read.len(), ids.len() - 1);
    assert!(read.iter().all(|m| m.id != gone));
    // Per file system: one call by mount target id names it, one lists its mount targets.
    // The vanished id costs its own call. No listing of the account's file systems.
    assert_eq!(
        made,
        calls(&[("efs:DescribeMountTargets", 2 * ours as u64 + 1)])
    );
}

#[tokio::test]
async fn instance_profile_tags_come_from_get_instance_profile() {
    let moto = moto();
    let registry = moto.registry();
    let profiles = kind(&registry, "instance_profile");
    let n = 5;
    let mut ids = Vec::new();
    for i in 0..n {
        let live = create(profiles, &format!("instance_profile.p{i}"), &attrs(&[])).await;
        ids.push(live.id);
    }
    // Profiles of the account that strata did not create and was not asked about.
    for i in 0..3 {
        moto.iam()
            .create_instance_profile()
            .instance_profile_name(format!("someone-else-{i}"))
            .send()
            .await
            .expect("create profile");
    }
    let (read, made) = calls_of(&registry, || profiles.read(&ids)).await;
    let read = read.expect("read");
    assert_eq!(read.len(), n);
    for profile in &read {
        let address = format!(
            "instance_profile.{}",
            profile.id.trim_start_matches("test-dev-")
        );
        assert_eq!(profile.tags, strata_tags(&address), "{}", profile.id);
    }
    // The set in one listing; tags for the asked profiles only.
    assert_eq!(
        made,
        calls(&[
            ("iam:ListInstanceProfiles", 1),
            ("iam:GetInstanceProfile", n as u64),
        ])
    );
    let found = profiles.find_tagged(&deployment_tag()).await.expect("find");
    let mut found: Vec<String> = found.into_iter().map(|l| l.id).collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids);
}

#[tokio::test]
async fn tagged_distributions_are_found_without_a_call_per_distribution() {
    let moto = moto();
    let registry = moto.registry();
    let distributions = kind(&registry, "distribution");
    let desired = attrs(&[
        (
            "origins",
            Value::List(vec![table(&[
                ("id", Value::str("web")),
                ("domain_name", Value::str("origin.example.com")),
                ("origin_protocol_policy", Value::str("http-only")),
            ])]),
        ),
        (
            "default_cache_behavior",
            table(&[
                ("target_origin_id", Value::str("web")),
                ("viewer_protocol_policy", Value::str("redirect-to-https")),
            ]),
        ),
    ]);
    let mut ours = Vec::new();
    for i in 0..4 {
        ours.push(
            create(distributions, &format!("distribution.d{i}"), &desired)
                .await
                .id,
        );
    }
    for i in 0..3 {
        let address = format!("distribution.x{i}");
        create_tagged(
            distributions,
            &address,
            &desired,
            &own_tags("other", &address),
        )
        .await;
    }
    let wanted = deployment_tag();
    let (found, made) = calls_of(&registry, || distributions.find_tagged(&wanted)).await;
    let found = found.expect("find");
    let mut ids: Vec<String> = found.iter().map(|l| l.id.clone()).collect();
    ids.sort();
    ours.sort();
    assert_eq!(ids, ours);
    assert!(found
        .iter()
        .all(|l| l.tags.get("strata:deployment").map(String::as_str) == Some(DEPLOYMENT)));
    assert_eq!(
        made,
        calls(&[
            ("tagging:GetResources", 1),
            ("cloudfront:ListDistributions", 1),
        ])
    );
}
