//! The ELBv2 kinds (`load_balancer`, `target_group`, `listener`, `target_attachment`) and the
//! CloudFront `distribution` against the AWS emulator, through the real SDK: create, read back
//! behind strata's back, update in place, find by tags, delete twice, read again to prove the
//! resource is gone, and batched reads counted per API operation.

use crate::support::fixtures::network;
use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, https_redirect, strata_tags, strs, table,
    DEPLOYMENT,
};
use crate::support::moto::moto;
use std::collections::BTreeMap;
use strata::provider::{Attrs, OnChange, UpdateRequest};
use strata::{Address, Value};

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
    let created = create(kind, &address, &desired).await;
    assert!(created.id.contains(":loadbalancer/app/"), "{created:?}");
    // No name configured: derived from the deployment and resource names.
    assert_eq!(created.attrs["name"], Value::str("test-dev-web"));
    assert_eq!(created.attrs["internal"], Value::Bool(false));
    assert_eq!(created.attrs["vpc_id"], Value::str(net.vpc.as_str()));
    assert!(created.attrs.contains_key("dns_name"), "{created:?}");
    kind.wait_ready(&created.id).await.expect("active");

    // Behind strata's back.
    let elb = moto.elbv2();
    let described = elb
        .describe_load_balancers()
        .load_balancer_arns(&created.id)
        .send()
        .await
        .expect("describe");
    let lb = &described.load_balancers()[0];
    assert_eq!(lb.load_balancer_name(), Some("test-dev-web"));
    assert_eq!(lb.security_groups(), &net.security_groups[..1]);
    assert_eq!(lb.scheme().map(|s| s.as_str()), Some("internet-facing"));
    let sdk_tags = elb_tags(
        &elb.describe_tags()
            .resource_arns(&created.id)
            .send()
            .await
            .expect("tags"),
    );
    assert_eq!(sdk_tags, strata_tags("load_balancer.web"));
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
    let read = kind.read(&[created.id.clone(), ghost]).await.expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].tags, strata_tags("load_balancer.web"));
    assert_eq!(read[0].attrs["subnets"], strs(&net.subnets));

    // Update in place: security groups, idle timeout, one tag.
    let mut after = desired.clone();
    after.insert("security_groups".into(), strs(&net.security_groups));
    after.insert("idle_timeout".into(), Value::Int(30));
    let mut new_tags = strata_tags("load_balancer.web");
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
    assert_eq!(
        schema.get("internal").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
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

    delete_twice(kind, &created.id, &desired).await;
    assert_eq!(
        registry.stats().snapshot().get("elbv2:CreateLoadBalancer"),
        Some(&1)
    );
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
        let address = Address::new("load_balancer", format!("lb{i}"));
        let live = create(kind, &address, &attrs(&[("subnets", strs(&net.subnets))])).await;
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
    assert!(read
        .iter()
        .all(|l| l.tags.get("strata:deployment").map(String::as_str) == Some(DEPLOYMENT)));
}

fn target_group_attrs(vpc: &str, target_type: &str) -> Attrs {
    attrs(&[
        ("port", Value::Int(8080)),
        ("protocol", Value::str("HTTP")),
        ("vpc_id", Value::str(vpc)),
        ("target_type", Value::str(target_type)),
        (
            "health_check",
            table(&[
                ("path", Value::str("/healthz")),
                ("interval", Value::Int(15)),
                ("matcher", Value::str("200-399")),
            ]),
        ),
    ])
}

#[tokio::test]
async fn target_group_create_read_update_delete() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let kind = registry.get("target_group").expect("kind");
    let address = Address::new("target_group", "n8n");
    let mut desired = target_group_attrs(&net.vpc, "instance");
    desired.insert("deregistration_delay".into(), Value::Int(30));
    let created = create(kind, &address, &desired).await;
    assert!(
        created.id.contains(":targetgroup/test-dev-n8n/"),
        "{created:?}"
    );
    assert_eq!(created.attrs["name"], Value::str("test-dev-n8n"));
    assert_eq!(created.attrs["port"], Value::Int(8080));
    assert!(created.attrs["arn_suffix"]
        .as_str()
        .is_some_and(|s| s.starts_with("targetgroup/test-dev-n8n/")));

    let elb = moto.elbv2();
    let described = elb
        .describe_target_groups()
        .target_group_arns(&created.id)
        .send()
        .await
        .expect("describe");
    let tg = &described.target_groups()[0];
    assert_eq!(tg.health_check_path(), Some("/healthz"));
    assert_eq!(tg.health_check_interval_seconds(), Some(15));
    assert_eq!(tg.matcher().and_then(|m| m.http_code()), Some("200-399"));
    assert_eq!(tg.vpc_id(), Some(net.vpc.as_str()));
    let delay = elb
        .describe_target_group_attributes()
        .target_group_arn(&created.id)
        .send()
        .await
        .expect("attributes");
    let delay = delay
        .attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value());
    assert_eq!(delay, Some("30"));
    let sdk_tags = elb_tags(
        &elb.describe_tags()
            .resource_arns(&created.id)
            .send()
            .await
            .expect("tags"),
    );
    assert_eq!(sdk_tags, strata_tags("target_group.n8n"));

    // A vanished ARN in the batch (AWS then fails the whole call) is simply absent.
    let ghost = created.id.replace("/test-dev-n8n/", "/ghost/");
    let read = kind.read(&[ghost, created.id.clone()]).await.expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].tags, strata_tags("target_group.n8n"));

    // Update the health check in place.
    let mut after = desired.clone();
    after.insert(
        "health_check".into(),
        table(&[
            ("path", Value::str("/ready")),
            ("interval", Value::Int(30)),
            ("matcher", Value::str("200")),
        ]),
    );
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["health_check".to_string()],
            tags: &strata_tags("target_group.n8n"),
        })
        .await
        .expect("update");
    let Value::Map(hc) = &updated.attrs["health_check"] else {
        panic!("health_check is a table: {updated:?}")
    };
    assert_eq!(hc.get("path"), Some(&Value::str("/ready")));
    let described = elb
        .describe_target_groups()
        .target_group_arns(&created.id)
        .send()
        .await
        .expect("describe");
    assert_eq!(
        described.target_groups()[0].health_check_path(),
        Some("/ready")
    );
    assert_eq!(
        described.target_groups()[0].health_check_interval_seconds(),
        Some(30)
    );

    // The port cannot change on a live group: the schema forces a replacement.
    assert_eq!(
        kind.schema().get("port").map(|a| a.on_change),
        Some(OnChange::Replace)
    );

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);

    delete_twice(kind, &created.id, &desired).await;
}

#[tokio::test]
async fn listener_forward_then_redirect_then_delete() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let lbs = registry.get("load_balancer").expect("kind");
    let tgs = registry.get("target_group").expect("kind");
    let kind = registry.get("listener").expect("kind");
    let lb = create(
        lbs,
        &Address::new("load_balancer", "web"),
        &attrs(&[("subnets", strs(&net.subnets))]),
    )
    .await;
    let tg = create(
        tgs,
        &Address::new("target_group", "app"),
        &target_group_attrs(&net.vpc, "instance"),
    )
    .await;
    let address = Address::new("listener", "http");
    let forward = table(&[
        ("type", Value::str("forward")),
        ("target_group_arn", Value::str(tg.id.as_str())),
    ]);
    let desired = attrs(&[
        ("load_balancer_arn", Value::str(lb.id.as_str())),
        ("port", Value::Int(80)),
        ("protocol", Value::str("HTTP")),
        ("default_action", forward.clone()),
    ]);
    let created = create(kind, &address, &desired).await;
    assert!(created.id.contains(":listener/app/"), "{created:?}");
    assert_eq!(created.attrs["port"], Value::Int(80));
    assert_eq!(created.attrs["default_action"], forward);

    let elb = moto.elbv2();
    let described = elb
        .describe_listeners()
        .listener_arns(&created.id)
        .send()
        .await
        .expect("describe");
    let l = &described.listeners()[0];
    assert_eq!(l.load_balancer_arn(), Some(lb.id.as_str()));
    assert_eq!(l.port(), Some(80));
    assert_eq!(
        l.default_actions()[0].target_group_arn(),
        Some(tg.id.as_str())
    );
    let sdk_tags = elb_tags(
        &elb.describe_tags()
            .resource_arns(&created.id)
            .send()
            .await
            .expect("tags"),
    );
    assert_eq!(sdk_tags, strata_tags("listener.http"));

    // Update in place: port 8080 and an HTTP → HTTPS redirect.
    let redirect = https_redirect();
    let mut after = desired.clone();
    after.insert("port".into(), Value::Int(8080));
    after.insert("default_action".into(), redirect);
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &desired,
            after: &after,
            changed: &["port".to_string(), "default_action".to_string()],
            tags: &strata_tags("listener.http"),
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["port"], Value::Int(8080));
    let described = elb
        .describe_listeners()
        .listener_arns(&created.id)
        .send()
        .await
        .expect("describe");
    let l = &described.listeners()[0];
    assert_eq!(l.port(), Some(8080));
    let r = l.default_actions()[0]
        .redirect_config()
        .expect("a redirect now");
    assert_eq!(r.protocol(), Some("HTTPS"));
    assert_eq!(r.port(), Some("443"));
    assert_eq!(r.status_code().map(|s| s.as_str()), Some("HTTP_301"));

    // Moving a listener to another load balancer means a new listener.
    assert_eq!(
        kind.schema().get("load_balancer_arn").map(|a| a.on_change),
        Some(OnChange::Replace)
    );

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);

    // Read with a vanished listener ARN in the batch: only the live one comes back.
    let ghost = created
        .id
        .rsplit_once('/')
        .map(|(h, _)| format!("{h}/0000000000000000"))
        .expect("arn");
    let read = kind.read(&[created.id.clone(), ghost]).await.expect("read");
    assert_eq!(read.len(), 1);

    delete_twice(kind, &created.id, &desired).await;
}

#[tokio::test]
async fn target_attachments_register_read_in_one_call_and_deregister() {
    let moto = moto();
    let net = network(&moto).await;
    let registry = moto.registry();
    let tgs = registry.get("target_group").expect("kind");
    let kind = registry.get("target_attachment").expect("kind");
    let tg = create(
        tgs,
        &Address::new("target_group", "ips"),
        &target_group_attrs(&net.vpc, "ip"),
    )
    .await;
    let n = 55;
    let mut ids = Vec::new();
    for i in 0..n {
        let address = Address::new("target_attachment", format!("t{i}"));
        let mut desired = attrs(&[
            ("target_group_arn", Value::str(tg.id.as_str())),
            ("target_id", Value::str(format!("10.9.1.{}", i + 10))),
        ]);
        if i == 0 {
            desired.insert("port".into(), Value::Int(9000));
        }
        let live = create(kind, &address, &desired).await;
        ids.push(live.id);
    }
    assert!(ids[0].ends_with("|10.9.1.10|9000"), "{}", ids[0]);
    assert!(ids[1].ends_with("|10.9.1.11|"), "{}", ids[1]);

    // Behind strata's back: every target is registered, the first on its own port.
    let elb = moto.elbv2();
    let health = elb
        .describe_target_health()
        .target_group_arn(&tg.id)
        .send()
        .await
        .expect("health");
    assert_eq!(health.target_health_descriptions().len(), n);
    let first = health
        .target_health_descriptions()
        .iter()
        .find(|d| d.target().and_then(|t| t.id()) == Some("10.9.1.10"))
        .expect("first target");
    assert_eq!(first.target().and_then(|t| t.port()), Some(9000));

    // All attachments of one group: one DescribeTargetHealth call (≤ ceil(n/200)).
    let before = registry.stats().snapshot();
    let read = kind.read(&ids).await.expect("read");
    let after = registry.stats().snapshot();
    assert_eq!(read.len(), n);
    let calls = after.get("elbv2:DescribeTargetHealth").unwrap_or(&0)
        - before.get("elbv2:DescribeTargetHealth").unwrap_or(&0);
    assert!(calls <= n.div_ceil(200) as u64, "{calls} calls");
    assert_eq!(read[1].attrs["port"], Value::Int(8080), "the group's port");

    // Registrations cannot change in place; the schema replaces them.
    assert_eq!(
        kind.schema().get("target_id").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert!(kind
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());

    let recorded = Attrs::new();
    kind.delete(&ids[0], &recorded).await.expect("deregister");
    kind.delete(&ids[0], &recorded)
        .await
        .expect("second deregister is a no-op");
    let read = kind.read(&ids).await.expect("read");
    assert_eq!(read.len(), n - 1);
    assert!(read.iter().all(|l| l.id != ids[0]));
    let health = elb
        .describe_target_health()
        .target_group_arn(&tg.id)
        .send()
        .await
        .expect("health");
    assert!(health
        .target_health_descriptions()
        .iter()
        .all(|d| d.target().and_then(|t| t.id()) != Some("10.9.1.10")));

    // The group deleted: its attachments are simply gone.
    for id in &ids[1..] {
        kind.delete(id, &recorded).await.expect("deregister");
    }
    tgs.delete(&tg.id, &Attrs::new())
        .await
        .expect("delete group");
    assert!(kind.read(&ids).await.expect("read").is_empty());
}

/// AWS's managed CachingDisabled cache policy.
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";

fn distribution_attrs(comment: &str) -> Attrs {
    attrs(&[
        ("comment", Value::str(comment)),
        ("price_class", Value::str("PriceClass_100")),
        (
            "origins",
            Value::List(vec![table(&[
                ("id", Value::str("alb")),
                ("domain_name", Value::str("origin.example.com")),
                ("origin_protocol_policy", Value::str("http-only")),
                ("http_port", Value::Int(80)),
            ])]),
        ),
        (
            "default_cache_behavior",
            table(&[
                ("target_origin_id", Value::str("alb")),
                ("viewer_protocol_policy", Value::str("redirect-to-https")),
                ("compress", Value::Bool(true)),
            ]),
        ),
        (
            "ordered_cache_behaviors",
            Value::List(vec![table(&[
                ("path_pattern", Value::str("/api/*")),
                ("target_origin_id", Value::str("alb")),
                ("viewer_protocol_policy", Value::str("https-only")),
                ("cache_policy_id", Value::str(CACHING_DISABLED)),
                (
                    "allowed_methods",
                    Value::List(
                        ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
                            .iter()
                            .map(|m| Value::str(*m))
                            .collect(),
                    ),
                ),
            ])]),
        ),
    ])
}

/// Make moto's distributions stay InProgress for `times` reads, as CloudFront does for minutes.
fn slow_cloudfront(moto: &crate::support::moto::MotoSession, times: Option<u32>) {
    let (path, body) = match times {
        Some(t) => (
            "/moto-api/state-manager/set-transition",
            format!(
                r#"{{"model_name":"cloudfront::distribution","transition":{{"progression":"manual","times":{t}}}}}"#
            ),
        ),
        None => (
            "/moto-api/state-manager/unset-transition",
            r#"{"model_name":"cloudfront::distribution"}"#.to_string(),
        ),
    };
    let (status, answer) = crate::support::moto::http(
        moto.port,
        "POST",
        path,
        &body,
        &[("Content-Type", "application/json")],
    )
    .expect("state manager");
    assert_eq!(status, 201, "{answer}");
}

#[tokio::test]
async fn distribution_create_read_update_delete() {
    let moto = moto();
    let registry = moto.registry();
    let kind = registry.get("distribution").expect("kind");
    let address = Address::new("distribution", "cdn");
    let desired = distribution_attrs("strata test");
    let created = create(kind, &address, &desired).await;
    assert_eq!(
        created.attrs["caller_reference"],
        Value::str("tok-distribution.cdn")
    );
    assert_eq!(created.attrs["price_class"], Value::str("PriceClass_100"));
    assert_eq!(created.attrs["distribution_enabled"], Value::Bool(true));
    assert!(created.attrs.contains_key("etag"), "{created:?}");
    assert!(created.attrs["domain_name"]
        .as_str()
        .is_some_and(|d| d.ends_with(".cloudfront.net")));
    kind.wait_ready(&created.id).await.expect("deployed");

    // Behind strata's back: the configuration, its caller reference and the tags.
    let cf = moto.cloudfront();
    let got = cf
        .get_distribution_config()
        .id(&created.id)
        .send()
        .await
        .expect("config");
    let config = got.distribution_config().expect("config");
    assert_eq!(config.caller_reference, "tok-distribution.cdn");
    assert_eq!(config.comment, "strata test");
    assert!(config.enabled);
    let origin = &config.origins.as_ref().expect("origins").items[0];
    assert_eq!(origin.domain_name, "origin.example.com");
    assert_eq!(
        origin
            .custom_origin_config
            .as_ref()
            .map(|c| c.origin_protocol_policy.as_str()),
        Some("http-only")
    );
    let ordered = config
        .cache_behaviors
        .as_ref()
        .and_then(|c| c.items.as_ref())
        .expect("ordered behaviours");
    assert_eq!(ordered[0].path_pattern, "/api/*");
    assert_eq!(
        ordered[0].cache_policy_id.as_deref(),
        Some(CACHING_DISABLED)
    );
    let arn = created.attrs["arn"].as_str().expect("arn").to_string();
    let sdk_tags: BTreeMap<String, String> = cf
        .list_tags_for_resource()
        .resource(&arn)
        .send()
        .await
        .expect("tags")
        .tags()
        .and_then(|t| t.items.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value.unwrap_or_default()))
        .collect();
    assert_eq!(sdk_tags, strata_tags("distribution.cdn"));

    // A second distribution: both read back in one ListDistributions page; unknown ids absent.
    let other = create(
        kind,
        &Address::new("distribution", "other"),
        &attrs(&[
            ("caller_reference", Value::str("my-own-reference")),
            (
                "origins",
                Value::List(vec![table(&[("domain_name", Value::str("b.example.com"))])]),
            ),
            ("default_cache_behavior", table(&[])),
        ]),
    )
    .await;
    assert_eq!(
        other.attrs["caller_reference"],
        Value::str("my-own-reference")
    );
    let before = registry.stats().snapshot();
    let read = kind
        .read(&[
            created.id.clone(),
            other.id.clone(),
            "E0000000000000".to_string(),
        ])
        .await
        .expect("read");
    let after = registry.stats().snapshot();
    assert_eq!(read.len(), 2);
    assert_eq!(
        after.get("cloudfront:ListDistributions").unwrap_or(&0)
            - before.get("cloudfront:ListDistributions").unwrap_or(&0),
        1
    );
    let mine = read.iter().find(|l| l.id == created.id).expect("read back");
    assert_eq!(mine.attrs["origins"], created.attrs["origins"]);
    assert_eq!(mine.attrs["comment"], Value::str("strata test"));

    // Update in place: comment, price class and a tag.
    let mut changed = desired.clone();
    changed.insert("comment".into(), Value::str("changed"));
    changed.insert("price_class".into(), Value::str("PriceClass_200"));
    let mut new_tags = strata_tags("distribution.cdn");
    new_tags.insert("Project".into(), "renamed".into());
    let updated = kind
        .update(&UpdateRequest {
            address: &address,
            id: &created.id,
            before: &created.attrs,
            after: &changed,
            changed: &[
                "comment".to_string(),
                "price_class".to_string(),
                "tags".to_string(),
            ],
            tags: &new_tags,
        })
        .await
        .expect("update");
    assert_eq!(updated.attrs["comment"], Value::str("changed"));
    assert_eq!(
        updated.attrs["caller_reference"],
        Value::str("tok-distribution.cdn")
    );
    let got = cf
        .get_distribution_config()
        .id(&created.id)
        .send()
        .await
        .expect("config");
    let config = got.distribution_config().expect("config");
    assert_eq!(config.comment, "changed");
    assert_eq!(
        config.caller_reference, "tok-distribution.cdn",
        "kept across updates"
    );
    assert_eq!(
        config.price_class.as_ref().map(|p| p.as_str()),
        Some("PriceClass_200")
    );

    // The caller reference is for life: a change means a new distribution.
    assert_eq!(
        kind.schema().get("caller_reference").map(|a| a.on_change),
        Some(OnChange::Replace)
    );

    let found = kind
        .find_tagged(&BTreeMap::from([
            ("strata:deployment".to_string(), DEPLOYMENT.to_string()),
            ("Project".to_string(), "renamed".to_string()),
        ]))
        .await
        .expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    assert_eq!(found[0].tags, new_tags);

    let before = registry.stats().snapshot();
    kind.delete(&created.id, &created.attrs)
        .await
        .expect("delete");
    let after = registry.stats().snapshot();
    let calls = |op: &str| after.get(op).unwrap_or(&0) - before.get(op).unwrap_or(&0);
    assert_eq!(calls("cloudfront:UpdateDistribution"), 1, "disabled first");
    assert_eq!(calls("cloudfront:DeleteDistribution"), 1);
    kind.delete(&created.id, &created.attrs)
        .await
        .expect("second delete is a no-op");
    let read = kind
        .read(&[created.id.clone(), other.id.clone()])
        .await
        .expect("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].id, other.id);
    delete_twice(kind, &other.id, &other.attrs).await;
}

#[tokio::test]
async fn distribution_delete_disables_and_waits_until_deployed() {
    let moto = moto();
    // moto keeps new distributions InProgress for a number of reads, as CloudFront does for
    // minutes: the delete must wait for Deployed after disabling.
    slow_cloudfront(&moto, Some(6));
    let proxy = crate::support::proxy::Proxy::start(moto.port);
    let registry = proxy.registry(&moto);
    let kind = registry.get("distribution").expect("kind");
    let created = create(
        kind,
        &Address::new("distribution", "slow"),
        &distribution_attrs("slow"),
    )
    .await;
    assert_eq!(created.attrs["status"], Value::str("InProgress"));
    // CloudFront changes the ETag with every change; moto does not, so the proxy does.
    proxy.vary_etags();
    proxy.clear_record();
    let deleted = kind.delete(&created.id, &created.attrs).await;
    slow_cloudfront(&moto, None);
    deleted.expect("delete");

    let requests = proxy.requests();
    let answers = proxy.response_headers();
    let ops: Vec<&str> = requests.iter().map(|(op, _)| op.as_str()).collect();
    // Read the configuration, disable it, poll until deployed, delete: in that order.
    assert_eq!(ops[0], "cloudfront:GetDistributionConfig", "{ops:?}");
    assert_eq!(ops[1], "cloudfront:UpdateDistribution", "{ops:?}");
    let polls = &ops[2..ops.len() - 1];
    assert!(polls.len() >= 2, "polled until deployed: {ops:?}");
    assert!(
        polls.iter().all(|op| *op == "cloudfront:GetDistribution"),
        "{ops:?}"
    );
    assert_eq!(
        ops.last(),
        Some(&"cloudfront:DeleteDistribution"),
        "{ops:?}"
    );

    let etag_of = |i: usize| {
        answers[i]
            .1
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("etag"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no ETag answered to {}", answers[i].0))
    };
    let update = &requests[1].1;
    let body = String::from_utf8_lossy(&update.body);
    assert!(
        body.contains("<Enabled>false</Enabled>"),
        "disables the distribution: {body}"
    );
    assert_eq!(
        update.header("if-match"),
        Some(etag_of(0).as_str()),
        "the update carries the ETag of the configuration it changes"
    );
    let last_get = ops.len() - 2;
    let delete = &requests[ops.len() - 1].1;
    assert_eq!(
        delete.header("if-match"),
        Some(etag_of(last_get).as_str()),
        "the delete carries the ETag of the last read"
    );
    assert_ne!(etag_of(last_get), etag_of(0), "the proxy varied the ETags");
    assert!(kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read")
        .is_empty());
}

/// Request a certificate from moto's ACM (no ACM client in the project: one JSON call).
fn acm_certificate(moto: &crate::support::moto::MotoSession, domain: &str, also: &str) -> String {
    let body = serde_json::json!({
        "DomainName": domain,
        "SubjectAlternativeNames": [also],
        "ValidationMethod": "DNS",
    })
    .to_string();
    let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/acm/aws4_request, SignedHeaders=host, Signature=0";
    let (status, answer) = crate::support::moto::http(
        moto.port,
        "POST",
        "/",
        &body,
        &[
            ("Authorization", auth),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "CertificateManager.RequestCertificate"),
        ],
    )
    .expect("acm");
    assert_eq!(status, 200, "{answer}");
    let parsed: serde_json::Value = serde_json::from_str(&answer).expect("json");
    parsed["CertificateArn"]
        .as_str()
        .expect("certificate arn")
        .to_string()
}

/// HTTPS end to end: an ACM certificate serves an HTTPS listener (`certificate_arn`) and a
/// CloudFront distribution (`acm_certificate_arn` with `aliases`), both read back through the
/// SDK and through the kinds.
#[tokio::test]
async fn https_listener_and_distribution_use_an_acm_certificate() {
    let moto = moto();
    let cert = acm_certificate(&moto, "www.example.test", "static.example.test");
    assert!(cert.starts_with("arn:aws:acm:us-east-1:"), "{cert}");
    let net = network(&moto).await;
    let registry = moto.registry();
    let lb = create(
        registry.get("load_balancer").expect("kind"),
        &Address::new("load_balancer", "web"),
        &attrs(&[("subnets", strs(&net.subnets))]),
    )
    .await;
    let tg = create(
        registry.get("target_group").expect("kind"),
        &Address::new("target_group", "app"),
        &target_group_attrs(&net.vpc, "instance"),
    )
    .await;
    let listeners = registry.get("listener").expect("kind");
    let https = attrs(&[
        ("load_balancer_arn", Value::str(lb.id.as_str())),
        ("port", Value::Int(443)),
        ("protocol", Value::str("HTTPS")),
        ("certificate_arn", Value::str(&cert)),
        (
            "ssl_policy",
            Value::str("ELBSecurityPolicy-TLS13-1-2-2021-06"),
        ),
        (
            "default_action",
            table(&[
                ("type", Value::str("forward")),
                ("target_group_arn", Value::str(tg.id.as_str())),
            ]),
        ),
    ]);
    let listener = create(listeners, &Address::new("listener", "https"), &https).await;
    assert_eq!(listener.attrs["certificate_arn"], Value::str(&cert));
    let described = moto
        .elbv2()
        .describe_listeners()
        .listener_arns(&listener.id)
        .send()
        .await
        .expect("describe listener");
    let l = &described.listeners()[0];
    assert_eq!(l.protocol().map(|p| p.as_str()), Some("HTTPS"));
    assert_eq!(l.port(), Some(443));
    assert_eq!(
        l.certificates()
            .iter()
            .filter_map(|c| c.certificate_arn())
            .collect::<Vec<_>>(),
        [cert.as_str()]
    );
    assert_eq!(l.ssl_policy(), Some("ELBSecurityPolicy-TLS13-1-2-2021-06"));

    let distributions = registry.get("distribution").expect("kind");
    let mut desired = distribution_attrs("tls");
    desired.insert("acm_certificate_arn".into(), Value::str(&cert));
    desired.insert(
        "aliases".into(),
        Value::List(vec![
            Value::str("static.example.test"),
            Value::str("www.example.test"),
        ]),
    );
    let created = create(
        distributions,
        &Address::new("distribution", "tls"),
        &desired,
    )
    .await;
    let got = moto
        .cloudfront()
        .get_distribution_config()
        .id(&created.id)
        .send()
        .await
        .expect("get config");
    let config = got.distribution_config().expect("config");
    let viewer = config.viewer_certificate().expect("viewer certificate");
    assert_eq!(viewer.acm_certificate_arn(), Some(cert.as_str()));
    let mut aliases: Vec<&str> = config
        .aliases()
        .map(|a| a.items().iter().map(String::as_str).collect())
        .unwrap_or_default();
    aliases.sort_unstable();
    assert_eq!(aliases, ["static.example.test", "www.example.test"]);
    let read = distributions
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read[0].attrs["acm_certificate_arn"], Value::str(&cert));
    assert_eq!(read[0].attrs["aliases"], desired["aliases"]);
    distributions
        .delete(&created.id, &created.attrs)
        .await
        .expect("delete distribution");
    listeners
        .delete(&listener.id, &listener.attrs)
        .await
        .expect("delete listener");
}
