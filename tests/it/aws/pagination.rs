//! Pagination loops against the AWS emulator: with a page size of 5 (`AwsSettings::page_size`,
//! `STRATA_AWS_PAGE_SIZE` on the command line), batched reads of 12 resources fetch every page
//! and make exactly ceil(12 / 5) = 3 calls of the paginated operation. With the default page
//! sizes the same reads take one call, so the setting is what makes the second page happen.
//!
//! Only the calls moto really paginates are covered (DescribeInstances, ListRoles,
//! DescribeLoadBalancers, ListDistributions, DescribeFileSystems; checked with moto 5.2.5): the
//! other EC2 describe calls, GetAccountAuthorizationDetails, ListInstanceProfiles,
//! DescribeTargetGroups and DescribeListeners return everything in one page whatever the size.

use crate::support::fixtures::network;
use crate::support::kinds::{attrs, create_tagged, deployment_tag, own_tags, DEPLOYMENT};
use crate::support::moto::{moto, MotoSession};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata::aws::{Aws, AwsSettings};
use strata::provider::{Attrs, CallStats, Registry, ResourceKind};
use strata::{Address, Value};

const PAGE: i32 = 5;
const N: usize = 12;
const PAGES: u64 = N.div_ceil(PAGE as usize) as u64;

/// A registry whose list and describe calls ask for `PAGE` items per page.
fn small_pages(moto: &MotoSession) -> Registry {
    let settings = AwsSettings {
        page_size: Some(PAGE),
        ..moto.settings()
    };
    strata::aws::registry_with(Arc::new(Aws::new(settings, CallStats::default())))
}

/// Create `N` resources of `kind` through strata, `attrs_of(i)` each; their ids.
async fn create_n(kind: &Arc<dyn ResourceKind>, attrs_of: impl Fn(usize) -> Attrs) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..N {
        let address = Address::new(kind.schema().kind, format!("r{i}"));
        let tags = own_tags(DEPLOYMENT, &address.to_string());
        let live = create_tagged(kind.as_ref(), &address, &attrs_of(i), &tags).await;
        ids.push(live.id);
    }
    ids
}

/// Read `ids` of `kind` through `registry`; the ids found and the calls the read made.
async fn read_counted(
    registry: &Registry,
    kind: &str,
    ids: &[String],
) -> (Vec<String>, BTreeMap<String, u64>) {
    registry.stats().reset();
    let read = registry
        .get(kind)
        .expect("kind")
        .read(ids)
        .await
        .unwrap_or_else(|e| panic!("read {kind}: {e}"));
    let mut found: Vec<String> = read.into_iter().map(|l| l.id).collect();
    found.sort();
    (found, registry.stats().snapshot())
}

/// Small pages: all `ids` come back in `PAGES` calls of `op`; default pages: in one call.
async fn assert_paged(moto: &MotoSession, kind: &str, op: &str, ids: &[String]) {
    let mut want = ids.to_vec();
    want.sort();
    let (found, calls) = read_counted(&small_pages(moto), kind, ids).await;
    assert_eq!(found, want, "{kind}: every resource on every page");
    assert_eq!(calls.get(op), Some(&PAGES), "{kind}: {calls:?}");
    let (found, calls) = read_counted(&moto.registry(), kind, ids).await;
    assert_eq!(found, want, "{kind} with default pages");
    assert_eq!(
        calls.get(op),
        Some(&1),
        "{kind} with default pages: {calls:?}"
    );
}

#[tokio::test]
async fn instances_are_read_page_by_page() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("instance").expect("kind");
    let ids = create_n(kind, |_| {
        attrs(&[
            (
                "ami_ssm_parameter",
                Value::str(crate::support::fixtures::AMI_PARAMETER),
            ),
            ("instance_type", Value::str("t3.micro")),
        ])
    })
    .await;
    assert_paged(&moto, "instance", "ec2:DescribeInstances", &ids).await;
    // The tag lookup an interrupted run relies on walks the pages too.
    let small = small_pages(&moto);
    small.stats().reset();
    let wanted = deployment_tag();
    let found = small
        .get("instance")
        .expect("kind")
        .find_tagged(&wanted)
        .await
        .expect("find");
    assert_eq!(found.len(), N);
    assert_eq!(
        small.stats().snapshot(),
        BTreeMap::from([("ec2:DescribeInstances".to_string(), PAGES)])
    );
}

#[tokio::test]
async fn roles_are_read_page_by_page() {
    let moto = moto();
    let iam = moto.iam();
    let mut names = Vec::new();
    for i in 0..N {
        let name = format!("paged-{i:02}");
        iam.create_role()
            .role_name(&name)
            .assume_role_policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            )
            .send()
            .await
            .expect("create role");
        names.push(name);
    }
    assert_paged(&moto, "iam_role", "iam:ListRoles", &names).await;
}

#[tokio::test]
async fn load_balancers_are_read_page_by_page() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let kind = registry.get("load_balancer").expect("kind");
    let subnets = Value::List(net.subnets.iter().map(|s| Value::str(s.as_str())).collect());
    let ids = create_n(kind, |_| attrs(&[("subnets", subnets.clone())])).await;
    // Read by ARNs (20 per call, then pages) ...
    assert_paged(&moto, "load_balancer", "elbv2:DescribeLoadBalancers", &ids).await;
    // ... and listed whole when looking up by tags.
    let small = small_pages(&moto);
    small.stats().reset();
    let wanted = deployment_tag();
    let found = small
        .get("load_balancer")
        .expect("kind")
        .find_tagged(&wanted)
        .await
        .expect("find");
    assert_eq!(found.len(), N);
    let calls = small.stats().snapshot();
    assert_eq!(
        calls.get("elbv2:DescribeLoadBalancers"),
        Some(&PAGES),
        "{calls:?}"
    );
}

#[tokio::test]
async fn distributions_are_read_page_by_page() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("distribution").expect("kind");
    let ids = create_n(kind, |i| {
        let table = |pairs: &[(&str, Value)]| Value::Map(attrs(pairs));
        attrs(&[
            ("comment", Value::str(format!("paged {i}"))),
            (
                "origins",
                Value::List(vec![table(&[
                    ("id", Value::str("web")),
                    ("domain_name", Value::str("origin.example.com")),
                    ("origin_protocol_policy", Value::str("http-only")),
                    ("http_port", Value::Int(80)),
                ])]),
            ),
            (
                "default_cache_behavior",
                table(&[
                    ("target_origin_id", Value::str("web")),
                    ("viewer_protocol_policy", Value::str("redirect-to-https")),
                ]),
            ),
        ])
    })
    .await;
    assert_paged(&moto, "distribution", "cloudfront:ListDistributions", &ids).await;
}

#[tokio::test]
async fn file_systems_are_read_page_by_page() {
    let moto = moto();
    let efs = moto.efs();
    let mut ids = Vec::new();
    for i in 0..N {
        let fs = efs
            .create_file_system()
            .creation_token(format!("paged-{i}"))
            .send()
            .await
            .expect("create file system");
        ids.push(fs.file_system_id().to_string());
    }
    assert_paged(&moto, "efs_file_system", "efs:DescribeFileSystems", &ids).await;
}
