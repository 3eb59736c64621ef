//! The WAFv2 kinds (`wafv2_web_acl`, `wafv2_web_acl_association`) against the AWS emulator
//! through the strict proxy and the real SDK: create, read back behind strata's back, update
//! in place, find by tags, batched reads counted per call, delete twice; the association in
//! front of a load balancer, and the ACL's refusal to go while it is associated.

use crate::support::fixtures::network;
use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, owner, strata_tags, strs, table, update, ToAddress,
};
use crate::support::moto::{moto_strict, MotoSession};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata::aws::{Aws, AwsSettings};
use strata::provider::{Attrs, CallStats, ErrorClass, OnChange, Registry};
use strata::Value;

fn rate_rule(limit: i64) -> Value {
    table(&[
        ("name", Value::str("rate-limit")),
        ("priority", Value::Int(1)),
        (
            "rate_based",
            table(&[
                ("limit", Value::Int(limit)),
                ("evaluation_window_sec", Value::Int(60)),
            ]),
        ),
    ])
}

fn managed_rule(override_action: Option<&str>) -> Value {
    let mut pairs = vec![
        ("name", Value::str("common")),
        ("priority", Value::Int(2)),
        (
            "managed_rule_group",
            table(&[
                ("name", Value::str("AWSManagedRulesCommonRuleSet")),
                ("excluded_rules", strs(&["SizeRestrictions_BODY"])),
            ]),
        ),
    ];
    if let Some(o) = override_action {
        pairs.push(("override_action", Value::str(o)));
    }
    table(&pairs)
}

fn acl_attrs() -> Attrs {
    attrs(&[
        ("description", Value::str("api front door")),
        ("default_action", Value::str("allow")),
        (
            "rules",
            Value::List(vec![rate_rule(100), managed_rule(None)]),
        ),
    ])
}

/// Name and id of an ACL ARN (`.../regional/webacl/NAME/ID`).
fn name_id(arn: &str) -> (String, String) {
    let mut parts = arn.rsplit('/');
    let id = parts.next().expect("id").to_string();
    let name = parts.next().expect("name").to_string();
    (name, id)
}

async fn sdk_acl(moto: &MotoSession, arn: &str) -> Option<aws_sdk_wafv2::types::WebAcl> {
    let (name, id) = name_id(arn);
    let waf: aws_sdk_wafv2::Client = moto.client();
    waf.get_web_acl()
        .name(name)
        .id(id)
        .scope(aws_sdk_wafv2::types::Scope::Regional)
        .send()
        .await
        .ok()
        .and_then(|o| o.web_acl().cloned())
}

async fn sdk_tags(moto: &MotoSession, arn: &str) -> BTreeMap<String, String> {
    let waf: aws_sdk_wafv2::Client = moto.client();
    let out = waf
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .expect("tags");
    out.tag_info_for_resource()
        .map(|t| {
            t.tag_list()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// The operations the strict proxy saw since it was last cleared, counted.
fn counted(moto: &MotoSession) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for call in moto.strict.as_ref().expect("strict session").record() {
        *out.entry(call.operation).or_insert(0) += 1;
    }
    out
}

fn clear(moto: &MotoSession) {
    moto.strict.as_ref().expect("strict session").clear_record();
}

#[tokio::test]
async fn web_acl_create_read_update_delete() {
    let moto = moto_strict();
    let registry = moto.registry();
    let kind = registry.get("wafv2_web_acl").expect("kind");
    let schema = kind.schema();
    assert_eq!(
        schema.get("name").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("scope").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("rules").map(|a| a.on_change),
        Some(OnChange::Update)
    );

    let desired = acl_attrs();
    let created = create(kind, "wafv2_web_acl.api", &desired).await;
    assert!(
        created.id.contains(":regional/webacl/test-dev-api/"),
        "{created:?}"
    );
    assert_eq!(created.attrs["name"], Value::str("test-dev-api"));
    assert_eq!(created.attrs["arn"], Value::str(created.id.as_str()));
    assert!(
        created.attrs["capacity"].covers(&Value::Int(3)),
        "moto's capacity"
    );
    assert!(
        created.attrs["rules"].covers(&desired["rules"]),
        "{created:?}"
    );
    assert_eq!(created.tags, strata_tags("wafv2_web_acl.api"));

    // Behind strata's back: the rules as AWS holds them, with the derived defaults.
    let acl = sdk_acl(&moto, &created.id).await.expect("acl exists");
    assert_eq!(acl.description(), Some("api front door"));
    assert!(acl.default_action().and_then(|d| d.allow()).is_some());
    assert_eq!(
        acl.visibility_config().map(|v| v.metric_name()),
        Some("test-dev-api")
    );
    let rules = acl.rules();
    assert_eq!(rules.len(), 2);
    let rate = rules[0]
        .statement()
        .and_then(|s| s.rate_based_statement())
        .expect("rate statement");
    assert_eq!((rate.limit(), rate.evaluation_window_sec()), (100, 60));
    assert_eq!(rate.aggregate_key_type().as_str(), "IP");
    assert!(
        rules[0].action().and_then(|a| a.block()).is_some(),
        "block by default"
    );
    let group = rules[1]
        .statement()
        .and_then(|s| s.managed_rule_group_statement())
        .expect("managed statement");
    assert_eq!(
        (group.vendor_name(), group.name()),
        ("AWS", "AWSManagedRulesCommonRuleSet")
    );
    assert_eq!(group.excluded_rules()[0].name(), "SizeRestrictions_BODY");
    assert!(rules[1].override_action().and_then(|o| o.none()).is_some());
    assert_eq!(
        rules[1].visibility_config().map(|v| v.metric_name()),
        Some("common")
    );
    assert_eq!(
        sdk_tags(&moto, &created.id).await,
        strata_tags("wafv2_web_acl.api")
    );

    let read = kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // In place: description, default action, the rules, the visibility and the tags.
    let mut after = desired.clone();
    after.insert("description".into(), Value::str("tighter"));
    after.insert("default_action".into(), Value::str("block"));
    after.insert(
        "rules".into(),
        Value::List(vec![rate_rule(200), managed_rule(Some("count"))]),
    );
    after.insert(
        "visibility".into(),
        table(&[
            ("metric_name", Value::str("api-acl")),
            ("sampled_requests_enabled", Value::Bool(false)),
        ]),
    );
    let mut tags = strata_tags("wafv2_web_acl.api");
    tags.remove("Project");
    tags.insert("Owner".into(), "edge".into());
    let updated = update(
        kind,
        "wafv2_web_acl.api",
        &created.id,
        &created.attrs,
        &after,
        &[
            "description",
            "default_action",
            "rules",
            "visibility",
            "tags",
        ],
        &tags,
    )
    .await
    .expect("update");
    assert_eq!(updated.id, created.id, "updated in place");
    assert_eq!(updated.tags, tags);
    let acl = sdk_acl(&moto, &created.id).await.expect("acl exists");
    assert_eq!(acl.description(), Some("tighter"));
    assert!(acl.default_action().and_then(|d| d.block()).is_some());
    let v = acl.visibility_config().expect("visibility");
    assert_eq!(
        (v.metric_name(), v.sampled_requests_enabled()),
        ("api-acl", false)
    );
    let rate = acl.rules()[0]
        .statement()
        .and_then(|s| s.rate_based_statement())
        .expect("rate");
    assert_eq!(rate.limit(), 200);
    assert!(acl.rules()[1]
        .override_action()
        .and_then(|o| o.count())
        .is_some());
    assert_eq!(sdk_tags(&moto, &created.id).await, tags);
    assert!(updated.attrs["rules"].covers(&after["rules"]));

    let err = update(
        kind,
        "wafv2_web_acl.api",
        &created.id,
        &updated.attrs,
        &after,
        &["scope"],
        &tags,
    )
    .await
    .expect_err("scope cannot change in place");
    assert_eq!(err.class, ErrorClass::Unsupported);

    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, created.id);
    assert_eq!(found[0].tags.get("Owner"), Some(&"edge".to_string()));

    delete_twice(kind, &created.id, &updated.attrs).await;
    assert!(sdk_acl(&moto, &created.id).await.is_none());
    assert!(moto.refusals().is_empty(), "{:?}", moto.refusals());
}

#[tokio::test]
async fn web_acl_validation_refuses_what_aws_refuses() {
    let moto = moto_strict();
    let registry = moto.registry();
    let kind = registry.get("wafv2_web_acl").expect("kind");
    let mut bad = acl_attrs();
    bad.insert(
        "rules".into(),
        Value::List(vec![
            rate_rule(5),
            table(&[
                ("name", Value::str("common")),
                ("priority", Value::Int(1)),
                ("action", Value::str("block")),
                (
                    "managed_rule_group",
                    table(&[("name", Value::str("AWSManagedRulesCommonRuleSet"))]),
                ),
            ]),
        ]),
    );
    let problems: Vec<String> = kind.validate(&bad).into_iter().map(|p| p.message).collect();
    assert!(
        problems.iter().any(|p| p.contains("out of range")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("both have priority 1")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("not `action`")),
        "{problems:?}"
    );
    assert!(kind.validate(&acl_attrs()).is_empty());
}

/// A registry whose list calls take `page_size` items per page.
fn paged(moto: &MotoSession, page_size: i32) -> Registry {
    let settings = AwsSettings {
        page_size: Some(page_size),
        ..moto.settings()
    };
    strata::aws::registry_with(Arc::new(Aws::new(settings, CallStats::default())))
}

#[tokio::test]
async fn web_acls_are_read_with_one_get_and_one_tag_call_each() {
    let moto = moto_strict();
    let registry = paged(&moto, 2);
    let kind = registry.get("wafv2_web_acl").expect("kind");
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        ids.push(
            create(kind, format!("wafv2_web_acl.{name}").as_str(), &acl_attrs())
                .await
                .id,
        );
    }
    // An ACL of another deployment: listed, its tags read, its rules never fetched.
    let other = crate::support::kinds::try_create(
        kind,
        "wafv2_web_acl.other",
        &attrs(&[("name", Value::str("someone-else"))]),
        &crate::support::kinds::own_tags("prod", "wafv2_web_acl.other"),
    )
    .await
    .expect("other");
    clear(&moto);
    let mut asked = ids.clone();
    let (name, _) = name_id(&ids[0]);
    asked.push(
        ids[0]
            .replace(&name, "gone")
            .replace(&name_id(&ids[0]).1, "0000"),
    );
    let read = kind.read(&asked).await.expect("read");
    assert_eq!(read.iter().map(|l| l.id.clone()).collect::<Vec<_>>(), ids);
    // WAFv2 has no batch read: one GetWebACL per id asked, tags for the ones that exist.
    assert_eq!(
        counted(&moto),
        BTreeMap::from([
            ("wafv2:GetWebACL".to_string(), 4),
            ("wafv2:ListTagsForResource".to_string(), 3),
        ])
    );

    clear(&moto);
    let found = kind.find_tagged(&deployment_tag()).await.expect("find");
    assert_eq!(found.len(), 3);
    assert!(found.iter().all(|l| l.id != other.id));
    // Four ACLs two per page (plus one empty CLOUDFRONT page: this is us-east-1), every ACL's
    // tags, and the rules of the three that match.
    assert_eq!(
        counted(&moto),
        BTreeMap::from([
            ("wafv2:ListWebACLs".to_string(), 3),
            ("wafv2:ListTagsForResource".to_string(), 4),
            ("wafv2:GetWebACL".to_string(), 3),
        ])
    );
}

#[tokio::test]
async fn association_puts_the_acl_in_front_of_a_load_balancer() {
    let moto = moto_strict();
    let net = network(&moto).await;
    let registry = moto.registry();
    let lbs = registry.get("load_balancer").expect("kind");
    let acls = registry.get("wafv2_web_acl").expect("kind");
    let kind = registry.get("wafv2_web_acl_association").expect("kind");
    let lb = create(
        lbs,
        "load_balancer.web",
        &attrs(&[
            ("subnets", strs(&net.subnets)),
            ("security_groups", strs(&net.security_groups[..1])),
        ]),
    )
    .await;
    let acl = create(acls, "wafv2_web_acl.web", &acl_attrs()).await;
    let desired = attrs(&[
        ("web_acl_arn", Value::str(acl.id.as_str())),
        ("resource_arn", Value::str(lb.id.as_str())),
    ]);
    assert!(kind.validate(&desired).is_empty());
    let created = create(kind, "wafv2_web_acl_association.web", &desired).await;
    assert_eq!(created.id, format!("{},{}", acl.id, lb.id));
    assert!(created.tags.is_empty());

    // Behind strata's back.
    let waf: aws_sdk_wafv2::Client = moto.client();
    let attached = waf
        .get_web_acl_for_resource()
        .resource_arn(&lb.id)
        .send()
        .await
        .expect("get");
    assert_eq!(attached.web_acl().map(|a| a.arn()), Some(acl.id.as_str()));

    let read = kind
        .read(&[
            created.id.clone(),
            format!(
                "{},{}",
                acl.id,
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/none/1"
            ),
        ])
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);
    let identity = kind
        .identity(
            &desired,
            owner(&"wafv2_web_acl_association.web".to_address()),
        )
        .expect("identity");
    let again = kind.find_by_identity(&identity).await.expect("find");
    assert_eq!(again, vec![created.clone()]);
    assert!(kind
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());
    let err = update(
        kind,
        "wafv2_web_acl_association.web",
        &created.id,
        &created.attrs,
        &desired,
        &["resource_arn"],
        &BTreeMap::new(),
    )
    .await
    .expect_err("replaced, never updated");
    assert_eq!(err.class, ErrorClass::Unsupported);

    // The ACL cannot go while it protects the load balancer (AWS refuses; the strict proxy
    // models it), and goes once the association is gone.
    let err = acls
        .delete(&acl.id, &acl.attrs)
        .await
        .expect_err("associated");
    assert_eq!(err.class, ErrorClass::DependencyViolation, "{err}");
    assert_eq!(err.code.as_deref(), Some("WAFAssociatedItemException"));
    delete_twice(kind, &created.id, &created.attrs).await;
    let attached = waf
        .get_web_acl_for_resource()
        .resource_arn(&lb.id)
        .send()
        .await
        .expect("get");
    assert!(attached.web_acl().is_none());
    delete_twice(acls, &acl.id, &acl.attrs).await;
}
