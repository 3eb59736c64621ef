//! The ELBv2 kinds (`load_balancer`, `target_group`, `listener`, `target_attachment`) and the
//! CloudFront `distribution` against the AWS emulator, through the real SDK: create, read back
//! behind strata's back, update in place, find by tags, delete twice, read again to prove the
//! resource is gone, and batched reads counted per API operation.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use strata::provider::{Attrs, CreateRequest, LiveResource, OnChange, ResourceKind, UpdateRequest};
use strata::{Address, Value};
use support::moto::moto;
use support::sdk_elb::{self, network};

const DEPLOYMENT: &str = "test-dev";

fn tags(address: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("strata:deployment".to_string(), DEPLOYMENT.to_string()),
        ("strata:address".to_string(), address.to_string()),
        ("Project".to_string(), "strata-tests".to_string()),
    ])
}

fn attrs(pairs: &[(&str, Value)]) -> Attrs {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn strs(items: &[String]) -> Value {
    Value::List(items.iter().map(|s| Value::str(s.as_str())).collect())
}

fn table(pairs: &[(&str, Value)]) -> Value {
    Value::Map(attrs(pairs))
}

fn deployment_tag() -> BTreeMap<String, String> {
    BTreeMap::from([("strata:deployment".to_string(), DEPLOYMENT.to_string())])
}

async fn create(kind: &Arc<dyn ResourceKind>, address: &Address, attrs: &Attrs) -> LiveResource {
    let wanted = tags(&address.to_string());
    kind.create(&CreateRequest {
        address,
        deployment: DEPLOYMENT,
        attrs,
        tags: &wanted,
        token: "tok-1",
    })
    .await
    .unwrap_or_else(|e| panic!("create {address}: {e}"))
}

/// Delete twice (the second is a no-op) and prove the resource is gone.
async fn delete_and_prove_gone(kind: &Arc<dyn ResourceKind>, id: &str, attrs: &Attrs) {
    kind.delete(id, attrs).await.expect("delete");
    kind.delete(id, attrs)
        .await
        .expect("second delete is a no-op");
    assert!(kind
        .read(&[id.to_string()])
        .await
        .expect("read after delete")
        .is_empty());
}

fn elb_tags(
    described: &aws_sdk_elasticloadbalancingv2::operation::describe_tags::DescribeTagsOutput,
) -> BTreeMap<String, String> {
    described.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn load_balancer_create_read_update_delete() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let kind = registry.get("load_balancer").expect("kind");
    let address = Address::new("load_balancer", "web");
    let desired = attrs(&[
        ("subnets", strs(&net.subnets)),
        ("security_groups", strs(&net.security_groups[..1])),
        ("idle_timeout", Value::Int(120)),
    ]);
    let created = create(&kind, &address, &desired).await;
    assert!(created.id.contains(":loadbalancer/app/"), "{created:?}");
    // No name configured: derived from the deployment and resource names.
    assert_eq!(created.attrs["name"], Value::str("test-dev-web"));
    assert_eq!(created.attrs["internal"], Value::Bool(false));
    assert_eq!(created.attrs["vpc_id"], Value::str(net.vpc.as_str()));
    assert!(created.attrs.contains_key("dns_name"), "{created:?}");
    kind.wait_ready(&created.id).await.expect("active");

    // Behind strata's back.
    let elb = sdk_elb::elbv2(&moto);
    let described = elb
        .describe_load_balancers()
        .load_balancer_arns(&created.id)
        .send()
        .await
        .expect("describe");
    let lb = &described.load_balancers()[0];
    assert_eq!(lb.load_balancer_name(), Some("test-dev-web"));
    assert_eq!(lb.security_groups(), &net.security_groups[..1]);
    assert_eq!(
        lb.scheme().map(|s| s.as_str()),
        Some("internet-facing")
    );
    let sdk_tags = elb_tags(
        &elb.describe_tags()
            .resource_arns(&created.id)
            .send()
            .await
            .expect("tags"),
    );
    assert_eq!(sdk_tags, tags("load_balancer.web"));
    let idle = elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(&created.id)
        .send()
        .await
        .expect("attributes");
    let idle = idle
        .attributes()
        .iter()
        .find(|a| a.key() == Some("idle_timeout.timeout_seconds"))
        .and_then(|a| a.value());
    assert_eq!(idle, Some("120"));

    // Batched read; an ARN that does not exist is simply absent.
    let ghost = created.id.replace("/app/test-dev-web/", "/app/ghost/");
    let read = kind
        .read(&[created.id.clone(), ghost])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].tags, tags("load_balancer.web"));
    assert_eq!(read[0].attrs["subnets"], strs(&net.subnets));

    // Update in place: security groups, idle timeout, one tag.
    let mut after = desired.clone();
    after.insert("security_groups".into(), strs(&net.security_groups));
    after.insert("idle_timeout".into(), Value::Int(30));
    let mut new_tags = tags("load_balancer.web");
    new_tags.insert("Project".into(), "renamed".into());
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &[
                "security_groups".to_string(),
                "idle_timeout".to_string(),
                "tags".to_string(),
            ],
            tags: &new_tags,
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["security_groups"], strs(&net.security_groups));
    let described = elb
        .describe_load_balancers()
        .load_balancer_arns(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described.load_balancers()[0].security_groups(),
        net.security_groups.as_slice()
    );
    let sdk_tags = elb_tags(
        &elb.describe_tags()
            .resource_arns(&created.id)
            .send()
            .await
            .expect("tags"),
    );
    assert_eq!(sdk_tags, new_tags);

    // Internal/internet-facing cannot change on a live load balancer: the schema says replace,
    // and update refuses it.
    let schema = kind.schema();
    assert_eq!(schema.get("internal").map(|a| a.on_change), Some(OnChange::Replace));
    let err = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &after,
            after: &after,
            changed: &["internal".to_string()],
            tags: &new_tags,
        })
        .await
        .expect_err("internal cannot change in place");
    assert_eq!(err.class, strata::provider::ErrorClass::Unsupported);

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    assert_eq!(found[0].tags.get("Project"), Some(&"renamed".to_string()));

    delete_and_prove_gone(&kind, &created.id, &desired).await;
    assert_eq!(registry.stats().snapshot().get("elbv2:CreateLoadBalancer"), Some(&1));
}

#[tokio::test]
async fn many_load_balancers_are_read_twenty_per_call() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let kind = registry.get("load_balancer").expect("kind");
    let n = 45;
    let mut ids = Vec::new();
    for i in 0..n {
        let address = Address::new("load_balancer", &format!("lb{i}"));
        let live = create(&kind, &address, &attrs(&[("subnets", strs(&net.subnets))])).await;
        ids.push(live.id);
    }
    let before = registry.stats().snapshot();
    let read = kind.read(&ids).await.expect("read");
    let after = registry.stats().snapshot();
    assert_eq!(read.len(), n);
    let calls = |op: &str| after.get(op).unwrap_or(&0) - before.get(op).unwrap_or(&0);
    // The API takes at most 20 ARNs per DescribeLoadBalancers and DescribeTags call.
    assert_eq!(calls("elbv2:DescribeLoadBalancers"), n.div_ceil(20) as u64);
    assert_eq!(calls("elbv2:DescribeTags"), n.div_ceil(20) as u64);
    assert!(read.iter().all(|l| l.tags.get("strata:deployment").map(String::as_str) == Some(DEPLOYMENT)));
}
