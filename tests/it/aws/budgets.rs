//! The `budgets_budget` kind against the AWS emulator through the strict proxy (which models
//! `DescribeSubscribersForNotification`, missing from moto) and the real SDK: create with
//! alerts, read back behind strata's back, alerts changed in place, a batched read costing
//! one `DescribeBudgets` per page, delete twice.

use crate::support::kinds::{
    attrs, create, delete_twice, deployment_tag, owner, strs, table, update, ToAddress,
};
use crate::support::moto::moto_strict;
use std::collections::BTreeMap;
use strata::provider::{ErrorClass, OnChange};
use strata::Value;

const ACCOUNT: &str = "123456789012";

fn alert(threshold: i64, emails: &[&str]) -> Value {
    table(&[
        ("threshold", Value::Int(threshold)),
        ("subscriber_email_addresses", strs(emails)),
    ])
}

fn monthly() -> strata::provider::Attrs {
    attrs(&[
        ("limit_amount", Value::Int(40)),
        (
            "cost_filters",
            table(&[("TagKeyValue", strs(&["user:strata:deployment$test-dev"]))]),
        ),
        (
            "notifications",
            Value::List(vec![
                alert(50, &["ops@example.com"]),
                alert(80, &["ops@example.com"]),
                alert(100, &["cto@example.com", "ops@example.com"]),
            ]),
        ),
    ])
}

#[tokio::test]
async fn budget_create_read_update_delete() {
    let moto = moto_strict();
    let registry = moto.registry();
    let kind = registry.get("budgets_budget").expect("kind");
    let schema = kind.schema();
    assert_eq!(
        schema.get("time_unit").map(|a| a.on_change),
        Some(OnChange::Replace)
    );
    assert_eq!(
        schema.get("notifications").map(|a| a.on_change),
        Some(OnChange::Update)
    );
    let desired = monthly();
    assert!(kind.validate(&desired).is_empty());
    // Subscribers are a set, read back sorted: another order is refused, not drift forever.
    let mut unsorted = desired.clone();
    unsorted.insert(
        "notifications".into(),
        Value::List(vec![alert(100, &["ops@example.com", "cto@example.com"])]),
    );
    let problems = kind.validate(&unsorted);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].message.contains("sorted order"), "{problems:?}");
    let created = create(kind, "budgets_budget.monthly", &desired).await;
    assert_eq!(created.id, "test-dev-monthly");
    assert_eq!(created.attrs["budget_type"], Value::str("COST"));
    assert_eq!(created.attrs["time_unit"], Value::str("MONTHLY"));
    assert_eq!(created.attrs["limit_unit"], Value::str("USD"));
    for key in ["limit_amount", "cost_filters", "notifications"] {
        assert!(
            created.attrs[key].covers(&desired[key]),
            "{key}: {created:?}"
        );
    }

    // Behind strata's back.
    let budgets: aws_sdk_budgets::Client = moto.client();
    let got = budgets
        .describe_budget()
        .account_id(ACCOUNT)
        .budget_name("test-dev-monthly")
        .send()
        .await
        .expect("describe");
    let budget = got.budget().expect("budget");
    let limit = budget.budget_limit().expect("limit");
    assert_eq!((limit.amount(), limit.unit()), ("40", "USD"));
    assert_eq!(budget.time_unit().as_str(), "MONTHLY");
    let notifications = budgets
        .describe_notifications_for_budget()
        .account_id(ACCOUNT)
        .budget_name("test-dev-monthly")
        .send()
        .await
        .expect("notifications");
    let thresholds: Vec<f64> = notifications
        .notifications()
        .iter()
        .map(|n| n.threshold())
        .collect();
    assert_eq!(thresholds, [50.0, 80.0, 100.0]);
    assert!(notifications
        .notifications()
        .iter()
        .all(|n| n.comparison_operator().as_str() == "GREATER_THAN"
            && n.notification_type().as_str() == "ACTUAL"));

    let read = kind
        .read(std::slice::from_ref(&created.id))
        .await
        .expect("read");
    assert_eq!(read, vec![created.clone()]);

    // Alerts in place: 80% gone, 100% given another subscriber, a forecast alert added.
    let mut after = desired.clone();
    after.insert(
        "notifications".into(),
        Value::List(vec![
            alert(50, &["ops@example.com"]),
            alert(100, &["ops@example.com"]),
            table(&[
                ("threshold", Value::Int(90)),
                ("notification_type", Value::str("FORECASTED")),
                ("subscriber_email_addresses", strs(&["ops@example.com"])),
            ]),
        ]),
    );
    let updated = update(
        kind,
        "budgets_budget.monthly",
        &created.id,
        &created.attrs,
        &after,
        &["notifications"],
        &BTreeMap::new(),
    )
    .await
    .expect("update");
    assert_eq!(updated.id, created.id);
    let notifications = budgets
        .describe_notifications_for_budget()
        .account_id(ACCOUNT)
        .budget_name("test-dev-monthly")
        .send()
        .await
        .expect("notifications");
    let mut alerts: Vec<(String, f64)> = notifications
        .notifications()
        .iter()
        .map(|n| (n.notification_type().as_str().to_string(), n.threshold()))
        .collect();
    alerts.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        alerts,
        [
            ("ACTUAL".to_string(), 50.0),
            ("FORECASTED".to_string(), 90.0),
            ("ACTUAL".to_string(), 100.0)
        ]
    );
    let Value::List(items) = &updated.attrs["notifications"] else {
        panic!("a list: {updated:?}")
    };
    let hundred = items
        .iter()
        .find(|i| i.covers(&table(&[("threshold", Value::Int(100))])))
        .expect("100% alert");
    assert!(hundred.covers(&table(&[(
        "subscriber_email_addresses",
        strs(&["ops@example.com"])
    )])));

    let err = update(
        kind,
        "budgets_budget.monthly",
        &created.id,
        &updated.attrs,
        &after,
        &["limit_amount"],
        &BTreeMap::new(),
    )
    .await
    .expect_err("replaced in this build");
    assert_eq!(err.class, ErrorClass::Unsupported);

    // Untaggable here: found by its name.
    assert!(kind
        .find_tagged(&deployment_tag())
        .await
        .expect("find")
        .is_empty());
    // The derived name is the identity, so a killed create is adopted, not made again.
    let identity = kind
        .identity(&desired, owner(&"budgets_budget.monthly".to_address()))
        .expect("identity");
    assert_eq!(identity["name"], created.id);
    assert_eq!(
        kind.find_by_identity(&identity).await.expect("find").len(),
        1
    );

    delete_twice(kind, &created.id, &updated.attrs).await;
    assert!(budgets
        .describe_budget()
        .account_id(ACCOUNT)
        .budget_name("test-dev-monthly")
        .send()
        .await
        .is_err());
    assert!(moto.refusals().is_empty(), "{:?}", moto.refusals());
}

#[tokio::test]
async fn budgets_are_read_in_one_describe_per_page() {
    let moto = moto_strict();
    let registry = moto.registry();
    let kind = registry.get("budgets_budget").expect("kind");
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let one = attrs(&[
            ("limit_amount", Value::Float(12.5)),
            (
                "notifications",
                Value::List(vec![alert(80, &["ops@example.com"])]),
            ),
        ]);
        ids.push(
            create(kind, format!("budgets_budget.{name}").as_str(), &one)
                .await
                .id,
        );
    }
    let proxy = moto.strict.as_ref().expect("strict");
    proxy.clear_record();
    let mut asked = ids.clone();
    asked.push("no-such-budget".into());
    let read = kind.read(&asked).await.expect("read");
    assert_eq!(read.len(), 3);
    assert!(read
        .iter()
        .all(|b| b.attrs["limit_amount"] == Value::Float(12.5)));
    let mut made: BTreeMap<String, usize> = BTreeMap::new();
    for call in proxy.record() {
        *made.entry(call.operation).or_insert(0) += 1;
    }
    // moto answers every budget in one page; alerts have no batch read (one call per budget,
    // and one per alert for its subscribers). The account id was asked once, at the first create.
    assert_eq!(
        made,
        BTreeMap::from([
            ("budgets:DescribeBudgets".to_string(), 1),
            ("budgets:DescribeNotificationsForBudget".to_string(), 3),
            ("budgets:DescribeSubscribersForNotification".to_string(), 3),
        ])
    );
}
