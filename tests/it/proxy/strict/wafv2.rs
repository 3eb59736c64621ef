//! WAFv2's refusal to delete a web ACL that still protects a load balancer, and Budgets'
//! `DescribeSubscribersForNotification`, which strict mode answers because moto lacks it.

use super::*;
use aws_sdk_wafv2::types::{AllowAction, DefaultAction, Scope, VisibilityConfig};

/// A regional web ACL made straight in moto: (name, id, arn).
async fn acl(moto: &MotoSession) -> (String, String, String) {
    let waf: aws_sdk_wafv2::Client = moto.client();
    let out = waf
        .create_web_acl()
        .name("strict")
        .scope(Scope::Regional)
        .default_action(
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
        )
        .visibility_config(
            VisibilityConfig::builder()
                .metric_name("strict")
                .cloud_watch_metrics_enabled(false)
                .sampled_requests_enabled(false)
                .build()
                .expect("visibility"),
        )
        .send()
        .await
        .expect("create acl");
    let summary = out.summary().expect("summary");
    (
        summary.name().expect("name").to_string(),
        summary.id().expect("id").to_string(),
        summary.arn().expect("arn").to_string(),
    )
}

async fn lock(waf: &aws_sdk_wafv2::Client, name: &str, id: &str) -> String {
    waf.get_web_acl()
        .name(name)
        .id(id)
        .scope(Scope::Regional)
        .send()
        .await
        .expect("get")
        .lock_token()
        .expect("token")
        .to_string()
}

#[tokio::test]
async fn associated_web_acl_is_refused_until_disassociated() {
    let moto = moto();
    let Network { subnets, .. } = network(&moto).await;
    let lb = moto
        .elbv2()
        .create_load_balancer()
        .name("strict-lb")
        .set_subnets(Some(subnets.clone()))
        .send()
        .await
        .expect("load balancer");
    let lb = lb.load_balancers()[0]
        .load_balancer_arn()
        .expect("arn")
        .to_string();
    let (name, id, arn) = acl(&moto).await;
    let direct: aws_sdk_wafv2::Client = moto.client();
    direct
        .associate_web_acl()
        .web_acl_arn(&arn)
        .resource_arn(&lb)
        .send()
        .await
        .expect("associate");

    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_wafv2::Client = through(&proxy);
    let token = lock(&strict, &name, &id).await;
    let delete = || {
        strict
            .delete_web_acl()
            .name(&name)
            .id(&id)
            .scope(Scope::Regional)
            .lock_token(&token)
            .send()
    };
    let (code, message) = refused(delete().await);
    assert_eq!(code, "WAFAssociatedItemException");
    assert!(message.contains(&lb), "{message}");
    strict
        .disassociate_web_acl()
        .resource_arn(&lb)
        .send()
        .await
        .expect("disassociate");
    delete().await.expect("an ACL no one uses is deleted");
    let refused_calls: Vec<_> = proxy
        .record()
        .into_iter()
        .filter(|c| c.refused().is_some())
        .map(|c| (c.operation, c.status))
        .collect();
    assert_eq!(
        refused_calls,
        [("wafv2:DeleteWebACL".to_string(), Some(400))]
    );

    // moto itself forgives it: an associated ACL is deleted through a plain proxy.
    let (name, id, arn) = acl(&moto).await;
    direct
        .associate_web_acl()
        .web_acl_arn(&arn)
        .resource_arn(&lb)
        .send()
        .await
        .expect("associate");
    let token = lock(&direct, &name, &id).await;
    let plain = Proxy::start(moto.port);
    let plain: aws_sdk_wafv2::Client = through(&plain);
    plain
        .delete_web_acl()
        .name(&name)
        .id(&id)
        .scope(Scope::Regional)
        .lock_token(token)
        .send()
        .await
        .expect("moto deletes an associated ACL");
}

#[tokio::test]
async fn budget_subscribers_are_answered_from_what_was_created() {
    use aws_sdk_budgets::types::{
        Budget, BudgetType, ComparisonOperator, Notification, NotificationType,
        NotificationWithSubscribers, Spend, Subscriber, SubscriptionType, TimeUnit,
    };
    let moto = moto();
    let proxy = Proxy::start_strict(moto.port);
    let strict: aws_sdk_budgets::Client = through(&proxy);
    let notification = Notification::builder()
        .notification_type(NotificationType::Actual)
        .comparison_operator(ComparisonOperator::GreaterThan)
        .threshold(80.0)
        .build()
        .expect("notification");
    let subscriber = Subscriber::builder()
        .subscription_type(SubscriptionType::Email)
        .address("ops@example.com")
        .build()
        .expect("subscriber");
    strict
        .create_budget()
        .account_id("123456789012")
        .budget(
            Budget::builder()
                .budget_name("strict")
                .budget_type(BudgetType::Cost)
                .time_unit(TimeUnit::Monthly)
                .budget_limit(
                    Spend::builder()
                        .amount("10")
                        .unit("USD")
                        .build()
                        .expect("spend"),
                )
                .build()
                .expect("budget"),
        )
        .notifications_with_subscribers(
            NotificationWithSubscribers::builder()
                .notification(notification.clone())
                .subscribers(subscriber.clone())
                .build()
                .expect("with subscribers"),
        )
        .send()
        .await
        .expect("create budget");
    let describe = || {
        strict
            .describe_subscribers_for_notification()
            .account_id("123456789012")
            .budget_name("strict")
            .notification(notification.clone())
            .send()
    };
    let got = describe().await.expect("modelled");
    assert_eq!(got.subscribers(), [subscriber]);
    strict
        .delete_notification()
        .account_id("123456789012")
        .budget_name("strict")
        .notification(notification.clone())
        .send()
        .await
        .expect("delete notification");
    let (code, _) = refused(describe().await);
    assert_eq!(code, "NotFoundException");

    // moto itself does not answer the call at all.
    let plain: aws_sdk_budgets::Client = moto.client();
    let err = plain
        .describe_subscribers_for_notification()
        .account_id("123456789012")
        .budget_name("strict")
        .notification(notification)
        .send()
        .await
        .expect_err("moto lacks it");
    // An HTTP 500 page: transient to the SDK and to strata alike.
    let err = classify("budgets:DescribeSubscribersForNotification", err);
    assert_eq!(err.class, ErrorClass::Transient, "{err}");
}
