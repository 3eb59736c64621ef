//! `strata plan` and `strata refresh` reading the live account (the AWS emulator, through the
//! real SDK): batched reads, drift changed or deleted outside strata, refresh-only, reused
//! resources that must not change.

use crate::support::kinds::{attrs, create_tagged, kind, own_tags};
use crate::support::moto::{moto, MotoSession};
use crate::support::strata;
use std::path::Path;
use strata::plan::refresh::live_attrs;
use strata::provider::{LiveResource, Registry};
use strata::state::{LocalBackend, Provenance, ResourceState, State};
use strata::{Address, Value};

const DEPLOYMENT: &str = "drift-dev";

fn stack(shared_id: &str, shared_extra: &str) -> String {
    format!(
        r#"[stack]
name = "drift"
region = "us-east-1"

[resource.vpc.a]
cidr_block = "10.1.0.0/16"

[resource.vpc.b]
cidr_block = "10.2.0.0/16"

[resource.vpc.shared]
existing = "{shared_id}"
{shared_extra}

[output]
a = "${{vpc.a.id}}"
"#
    )
}

const TIER: &str = "[tier]\nname = \"dev\"\nstack = \"drift\"\n";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A VPC as the state of `lineage` creates it.
async fn create_vpc(registry: &Registry, name: &str, cidr: &str, lineage: &str) -> LiveResource {
    let address = Address::new("vpc", name);
    let mut tags = own_tags(DEPLOYMENT, &address.to_string());
    tags.insert("strata:lineage".into(), lineage.into());
    let attrs = attrs(&[("cidr_block", Value::str(cidr))]);
    create_tagged(kind(registry, "vpc"), &address, &attrs, &tags).await
}

fn recorded(name: &str, live: &LiveResource) -> ResourceState {
    ResourceState {
        address: Address::new("vpc", name),
        kind: "vpc".into(),
        id: Some(live.id.clone()),
        attributes: live_attrs(live, strata::aws::registry().schema("vpc")),
        dependencies: Vec::new(),
        provenance: Provenance::Created,
        created_at: "2026-11-21T00:00:00Z".into(),
        updated_at: "2026-11-21T00:00:00Z".into(),
    }
}

/// A project with vpc.a and vpc.b created in the emulator and recorded in state, and a VPC
/// created outside strata that the stack reuses.
struct Setup {
    project: tempfile::TempDir,
    state: tempfile::TempDir,
    a: LiveResource,
    b: LiveResource,
    shared: String,
}

async fn setup(moto: &MotoSession, shared_extra: &str) -> Setup {
    let registry = moto.registry();
    let mut state = State::new(DEPLOYMENT, "drift", Some("dev"));
    let a = create_vpc(&registry, "a", "10.1.0.0/16", &state.lineage).await;
    let b = create_vpc(&registry, "b", "10.2.0.0/16", &state.lineage).await;
    let ec2 = moto.ec2();
    let shared = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .expect("shared vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("id")
        .to_string();
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        "stacks/drift.toml",
        &stack(&shared, shared_extra),
    );
    write(project.path(), "tiers/dev.toml", TIER);
    let state_dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(state_dir.path());
    let lock = backend
        .lock(DEPLOYMENT, "test", std::time::Duration::ZERO)
        .unwrap();
    for (name, live) in [("a", &a), ("b", &b)] {
        state
            .resources
            .insert(Address::new("vpc", name), recorded(name, live));
    }
    state.outputs.insert(
        "a".into(),
        strata::state::OutputState {
            value: Value::str(&a.id),
            sensitive: false,
        },
    );
    backend.save(&lock, &mut state).unwrap();
    Setup {
        project,
        state: state_dir,
        a,
        b,
        shared,
    }
}

fn plan(moto: &MotoSession, s: &Setup, extra: &[&str]) -> crate::support::Run {
    strata(s.project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["plan", "--tier", "dev"])
        .state_dir(s.state.path())
        .args(extra)
        .run()
}

#[tokio::test]
async fn matching_account_plans_no_changes_with_one_batched_read() {
    let moto = moto();
    let s = setup(&moto, "").await;
    let run = plan(&moto, &s, &["--detailed-exitcode", "--stats"]).expect_code(0);
    assert!(run.stdout.contains("No changes"), "{}", run.stdout);
    // vpc.a, vpc.b and the reused VPC: one DescribeVpcs call for all three.
    assert!(run.stderr.contains("ec2:DescribeVpcs"), "{}", run.stderr);
    let run = plan(&moto, &s, &["-o", "json"]).expect_code(0);
    let j = run.json();
    assert_eq!(j["refreshed"], true);
    // One DescribeVpcs reads all three; the look for other states' resources under this
    // deployment name adds one tagged lookup per taggable kind, a DescribeVpcs among them.
    assert_eq!(j["calls"]["ec2:DescribeVpcs"], 2, "{}", j["calls"]);
    // The tagging API is shared: the ECS cluster, service and task definition, the log group
    // and CloudFront each ask it once for their own resource type. Every other operation is
    // one kind's, and reads everything in at most two calls.
    let calls = j["calls"].as_object().unwrap();
    assert!(
        calls.iter().all(|(op, n)| {
            let most = if op == "tagging:GetResources" { 5 } else { 2 };
            n.as_u64().is_some_and(|n| n <= most)
        }),
        "{}",
        j["calls"]
    );
    let shared = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "vpc.shared")
        .unwrap();
    assert_eq!(shared["action"], "read");
    assert_eq!(shared["after"]["cidr_block"], "10.9.0.0/16");
    assert_eq!(shared["after"]["id"], s.shared.as_str());
}

#[tokio::test]
async fn drift_is_reported_apart_from_configuration_changes() {
    let moto = moto();
    let s = setup(&moto, "").await;
    let ec2 = moto.ec2();
    // Behind strata's back: a tag added on vpc.a, vpc.b deleted.
    ec2.create_tags()
        .resources(&s.a.id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Owner")
                .value("mallory")
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2.delete_vpc().vpc_id(&s.b.id).send().await.unwrap();

    let run = plan(&moto, &s, &["--detailed-exitcode"]).expect_code(2);
    let out = &run.stdout;
    assert!(out.contains("Changed outside strata"), "{out}");
    assert!(out.contains("vpc.b (deleted outside strata)"), "{out}");
    assert!(out.contains("Owner"), "{out}");
    assert!(
        out.contains("Drift: 2 resources changed outside strata (1 deleted)."),
        "{out}"
    );
    assert!(
        out.contains("Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy."),
        "{out}"
    );

    let j = plan(&moto, &s, &["-o", "json"]).expect_code(0).json();
    let change = |addr: &str| {
        j["resource_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == addr)
            .cloned()
            .unwrap()
    };
    assert_eq!(change("vpc.b")["action"], "create");
    assert_eq!(change("vpc.b")["drift"]["deleted"], true);
    assert_eq!(change("vpc.a")["action"], "update");
    assert_eq!(change("vpc.a")["drift"]["changes"][0]["name"], "tags");

    // Refresh-only: the drift, no configuration changes; drift to record is exit 2.
    let run = plan(&moto, &s, &["--refresh-only", "--detailed-exitcode"]).expect_code(2);
    assert!(
        run.stdout.contains("Changed outside strata"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("Plan:"), "{}", run.stdout);

    // `strata refresh` records the live account: the tag is in state, vpc.b is gone.
    strata(s.project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["refresh", "--tier", "dev"])
        .state_dir(s.state.path())
        .run()
        .expect_code(0);
    let state = LocalBackend::new(s.state.path())
        .load(DEPLOYMENT)
        .unwrap()
        .unwrap();
    assert!(!state.resources.contains_key(&Address::new("vpc", "b")));
    let Value::Map(tags) = &state.resources[&Address::new("vpc", "a")].attributes["tags"] else {
        panic!("tags recorded as a table");
    };
    assert_eq!(tags["Owner"], Value::str("mallory"));
    // After refresh there is no drift left; the plan still wants vpc.b back and the tag gone.
    let run = plan(&moto, &s, &["--detailed-exitcode"]).expect_code(2);
    assert!(
        !run.stdout.contains("Changed outside strata"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Plan: 1 to add, 1 to change"),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn reused_resources_are_never_changed_and_must_exist() {
    let moto = moto();
    let s = setup(&moto, "cidr_block = \"10.99.0.0/16\"").await;
    let run = plan(&moto, &s, &[]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::reused_would_change"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cidr_block"), "{}", run.stderr);
    // Without reading the account nothing confirms the value either: refused, not assumed.
    let run = plan(&moto, &s, &["--refresh=false"]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::reused_unconfirmed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("cidr_block"), "{}", run.stderr);

    write(
        s.project.path(),
        "stacks/drift.toml",
        &stack("vpc-0000000000000dead", ""),
    );
    let run = plan(&moto, &s, &[]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::reused_not_found"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn reused_attributes_the_read_does_not_return_are_refused() {
    let moto = moto();
    // DescribeVpcs does not return enable_dns_hostnames: strata cannot confirm it holds.
    let s = setup(&moto, "enable_dns_hostnames = true").await;
    let run = plan(&moto, &s, &[]).expect_code(1);
    assert!(
        run.stderr.contains("strata::plan::reused_unconfirmed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("enable_dns_hostnames"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("is reused"), "{}", run.stderr);

    // What the read does return and matches is fine.
    let s = setup(&moto, "cidr_block = \"10.9.0.0/16\"").await;
    let run = plan(&moto, &s, &["--detailed-exitcode"]).expect_code(0);
    assert!(run.stdout.contains("No changes"), "{}", run.stdout);
}

#[tokio::test]
async fn refresh_only_without_drift_exits_0() {
    let moto = moto();
    let s = setup(&moto, "").await;
    plan(&moto, &s, &["--refresh-only", "--detailed-exitcode"]).expect_code(0);
}

#[tokio::test]
async fn lookup_by_tags_finds_exactly_one() {
    let moto = moto();
    let ec2 = moto.ec2();
    let tagged = |cidr: &'static str| {
        let ec2 = ec2.clone();
        async move {
            ec2.create_vpc()
                .cidr_block(cidr)
                .tag_specifications(
                    aws_sdk_ec2::types::TagSpecification::builder()
                        .resource_type(aws_sdk_ec2::types::ResourceType::Vpc)
                        .tags(
                            aws_sdk_ec2::types::Tag::builder()
                                .key("Name")
                                .value("shared")
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .expect("vpc")
                .vpc()
                .and_then(|v| v.vpc_id())
                .expect("id")
                .to_string()
        }
    };
    let id = tagged("10.50.0.0/16").await;
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        "stacks/look.toml",
        "[stack]\nname = \"look\"\nregion = \"us-east-1\"\n\n[resource.vpc.shared]\nlookup = { tags = { Name = \"shared\" } }\n\n[resource.subnet.a]\nvpc_id = \"${vpc.shared.id}\"\ncidr_block = \"10.50.1.0/24\"\n",
    );
    let state = tempfile::tempdir().unwrap();
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["plan", "--stack", "look", "-o", "json"])
        .state_dir(state.path())
        .run()
        .expect_code(0);
    let j = run.json();
    let changes = j["resource_changes"].as_array().unwrap();
    let subnet = changes.iter().find(|c| c["address"] == "subnet.a").unwrap();
    // The looked-up VPC's id flows into the new subnet before anything is applied.
    assert_eq!(subnet["after"]["vpc_id"], id.as_str());

    tagged("10.51.0.0/16").await;
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["plan", "--stack", "look"])
        .state_dir(state.path())
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("found 2, expected exactly one"),
        "{}",
        run.stderr
    );
}
