//! `budgets_budget`: a cost or usage budget of the account, with its alerts.
//!
//! Budgets are account-wide (the service is global, its endpoint in us-east-1) and every call
//! names the account, asked once per session from STS.

use crate::aws::attrs::{str_of, table_list};
use crate::aws::errors::{absent_ok, classify, HttpStatus};
use crate::aws::paging::each_page;
use crate::aws::shapes::block_list;
use crate::aws::{names, Aws};
use crate::provider::{
    AttrSchema, AttrType, Attrs, BlockField, CreateRequest, ErrorClass, Invalid, KindSchema,
    LiveResource, Owner, ProviderError, ResourceKind, Selector, UpdateRequest,
};
use crate::value::Value;
use async_trait::async_trait;
use aws_sdk_budgets::types::{
    Budget as SdkBudget, BudgetType, ComparisonOperator, Notification, NotificationType,
    NotificationWithSubscribers, Spend, Subscriber, SubscriptionType, ThresholdType, TimeUnit,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};

/// A budget (`CreateBudget`, `CreateNotification`/`DeleteNotification`, `DeleteBudget`).
///
/// Its alerts (`notifications`) change in place: an alert added, removed or given other
/// subscribers is created or deleted with its subscribers. The limit, its unit and the cost
/// filters force a new budget in this build: real AWS could change them in place with
/// `UpdateBudget`, which the emulator strata is tested against (moto 5.2) does not have. moto
/// also lacks `DescribeSubscribersForNotification`, which this kind reads subscribers with; the
/// test proxy models it. The budget carries no tags here (moto has no budget tagging either):
/// it is found again by its name, which is its id.
pub struct Budget {
    aws: Arc<Aws>,
}

impl Budget {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Budget { aws }
    }
}

/// The longest budget name AWS takes.
const NAME_MAX: usize = 100;
/// Budgets' code for a budget or notification that does not exist.
const NOT_FOUND: &str = "NotFoundException";
const BUDGET_TYPES: &[&str] = &[
    "COST",
    "USAGE",
    "RI_UTILIZATION",
    "RI_COVERAGE",
    "SAVINGS_PLANS_UTILIZATION",
    "SAVINGS_PLANS_COVERAGE",
];
const TIME_UNITS: &[&str] = &["DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY"];
const OPERATORS: &[&str] = &["GREATER_THAN", "LESS_THAN", "EQUAL_TO"];
const THRESHOLD_TYPES: &[&str] = &["PERCENTAGE", "ABSOLUTE_VALUE"];
const NOTIFICATION_TYPES: &[&str] = &["ACTUAL", "FORECASTED"];
/// AWS takes at most ten e-mail subscribers and one SNS topic per notification.
const MAX_EMAILS: usize = 10;

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "budgets_budget",
        "A cost or usage budget of the account, with e-mail or SNS alerts at thresholds",
    )
    .attr(
        AttrSchema::string("name")
            .optional_computed()
            .replace()
            .doc("Name (at most 100 characters), unique in the account; derived from the deployment and resource names when unset; also the id"),
    )
    .attr(
        AttrSchema::string("budget_type")
            .replace()
            .doc("COST (default), USAGE, RI_UTILIZATION, RI_COVERAGE, SAVINGS_PLANS_UTILIZATION or SAVINGS_PLANS_COVERAGE"),
    )
    .attr(
        AttrSchema::number("limit_amount")
            .required()
            .replace()
            .doc("The budgeted amount per period, above zero (replaced in this build: moto has no UpdateBudget)"),
    )
    .attr(
        AttrSchema::string("limit_unit")
            .replace()
            .doc("Unit of the amount: USD (default) for cost budgets, e.g. GB or Hrs for usage (replaced in this build: moto has no UpdateBudget)"),
    )
    .attr(
        AttrSchema::string("time_unit")
            .replace()
            .doc("Period the amount covers: MONTHLY (default), QUARTERLY, ANNUALLY or DAILY"),
    )
    .attr(
        AttrSchema::map("cost_filters", AttrType::List(Box::new(AttrType::String)))
            .replace()
            .doc("Costs counted, a table of filter name to values, e.g. { TagKeyValue = [\"user:strata:deployment$NAME\"] } (replaced in this build: moto has no UpdateBudget)"),
    )
    .attr(
        block_list(
            "notifications",
            vec![
                BlockField::new("comparison_operator", AttrType::String),
                BlockField::new("threshold", AttrType::Number).required(),
                BlockField::new("threshold_type", AttrType::String),
                BlockField::new("notification_type", AttrType::String),
                BlockField::new(
                    "subscriber_email_addresses",
                    AttrType::List(Box::new(AttrType::String)),
                )
                .required(),
                BlockField::new(
                    "subscriber_sns_topic_arns",
                    AttrType::List(Box::new(AttrType::String)),
                ),
            ],
        )
        .doc(
            "Alerts, each a table: threshold, comparison_operator (GREATER_THAN (default), \
             LESS_THAN, EQUAL_TO), threshold_type (PERCENTAGE (default) or ABSOLUTE_VALUE), \
             notification_type (ACTUAL (default) or FORECASTED), subscriber_email_addresses \
             (1 to 10, sorted) and subscriber_sns_topic_arns (at most 1)",
        ),
    )
});

#[async_trait]
impl ResourceKind for Budget {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        let one_of = |attr: &'static str, value: Option<&str>, allowed: &[&str]| {
            value
                .filter(|v| !allowed.contains(v))
                .map(|v| Invalid::at(attr, format!("`{v}`: write one of {}", allowed.join(", "))))
        };
        out.extend(one_of(
            "budget_type",
            str_of(attrs, "budget_type"),
            BUDGET_TYPES,
        ));
        out.extend(one_of("time_unit", str_of(attrs, "time_unit"), TIME_UNITS));
        if let Some(amount) = number(attrs.get("limit_amount")) {
            if amount <= 0.0 || !amount.is_finite() {
                out.push(Invalid::at(
                    "limit_amount",
                    format!("{amount} is not a budget: the amount must be above zero"),
                ));
            }
        }
        let mut seen = Vec::new();
        for (i, n) in table_list(attrs, "notifications").into_iter().enumerate() {
            let text = |k: &str| n.get(k).and_then(Value::as_str);
            for (key, allowed) in [
                ("comparison_operator", OPERATORS),
                ("threshold_type", THRESHOLD_TYPES),
                ("notification_type", NOTIFICATION_TYPES),
            ] {
                if let Some(v) = text(key).filter(|v| !allowed.contains(v)) {
                    out.push(Invalid::at(
                        "notifications",
                        format!(
                            "notifications[{i}].{key} `{v}`: write one of {}",
                            allowed.join(", ")
                        ),
                    ));
                }
            }
            if let Some(t) = number(n.get("threshold")) {
                if t <= 0.0 {
                    out.push(Invalid::at(
                        "notifications",
                        format!("notifications[{i}].threshold {t} must be above zero"),
                    ));
                }
            }
            if let Some(Value::List(emails)) = n.get("subscriber_email_addresses") {
                if emails.is_empty() || emails.len() > MAX_EMAILS {
                    out.push(Invalid::at(
                        "notifications",
                        format!("notifications[{i}] has {} e-mail subscribers: AWS takes 1 to {MAX_EMAILS}", emails.len()),
                    ));
                }
            }
            // AWS keeps subscribers as a set and they are read back sorted: a list in another
            // order would show as a change on every plan.
            for key in ["subscriber_email_addresses", "subscriber_sns_topic_arns"] {
                if let Some(Value::List(items)) = n.get(key) {
                    let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    if texts.len() == items.len() && texts.windows(2).any(|w| w[0] >= w[1]) {
                        let mut sorted = texts.clone();
                        sorted.sort();
                        sorted.dedup();
                        out.push(Invalid::at(
                            "notifications",
                            format!("notifications[{i}].{key}: write each once, in sorted order (AWS keeps no order): {sorted:?}"),
                        ));
                    }
                }
            }
            if let Some(Value::List(topics)) = n.get("subscriber_sns_topic_arns") {
                if topics.len() > 1 {
                    out.push(Invalid::at(
                        "notifications",
                        format!(
                            "notifications[{i}] has {} SNS topics: AWS takes at most one",
                            topics.len()
                        ),
                    ));
                }
            }
            if let Some(key) = NotificationKey::of(n) {
                if seen.contains(&key) {
                    out.push(Invalid::at(
                        "notifications",
                        format!("notifications[{i}] repeats another alert's threshold, type and operator: AWS keeps one"),
                    ));
                }
                seen.push(key);
            }
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        const OP: &str = "budgets:DescribeBudgets";
        let Selector::Ids(ids) = selector else {
            // Budgets carry no tags in this build (see the kind's doc): none can match.
            return Ok(Vec::new());
        };
        let client = self.aws.budgets().await?;
        let account = self.aws.account_id().await?.to_string();
        // One call per page, every budget of the account; those asked for are kept.
        let pages = client
            .describe_budgets()
            .account_id(&account)
            .set_max_results(self.aws.page_size(None, 1..=1000))
            .into_paginator()
            .send();
        let mut found = Vec::new();
        each_page(OP, pages, |page| {
            found.extend(
                page.budgets()
                    .iter()
                    .filter(|b| ids.iter().any(|id| id == b.budget_name()))
                    .cloned(),
            )
        })
        .await?;
        let mut out = Vec::new();
        for budget in found {
            let notifications = self.notifications(&account, budget.budget_name()).await?;
            out.push(live_of(&budget, &notifications));
        }
        Ok(out)
    }

    /// The name, configured or derived as `create` derives it: a budget's name is unique in
    /// the account.
    fn identity(&self, attrs: &Attrs, owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        Some(BTreeMap::from([(
            "name".to_string(),
            budget_name(attrs, owner),
        )]))
    }

    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        match identity.get("name") {
            Some(name) => self.read(std::slice::from_ref(name)).await,
            None => Ok(Vec::new()),
        }
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "budgets:CreateBudget";
        let at = |e: ProviderError| e.at(req.address);
        let name = budget_name(req.attrs, req.owner());
        let budget = sdk_budget(req.attrs, &name, OP).map_err(at)?;
        let notifications = desired_notifications(req.attrs, OP).map_err(at)?;
        let mut with_subscribers = Vec::new();
        for n in &notifications {
            with_subscribers.push(
                NotificationWithSubscribers::builder()
                    .notification(n.notification.clone())
                    .set_subscribers(Some(n.subscribers.clone()))
                    .build()
                    .map_err(|e| at(ProviderError::invalid(OP, e.to_string())))?,
            );
        }
        let client = self.aws.budgets().await?;
        let account = self.aws.account_id().await?;
        client
            .create_budget()
            .account_id(account)
            .budget(budget)
            .set_notifications_with_subscribers(Some(with_subscribers))
            .send()
            .await
            .map_err(|e| at(budget_error(OP, e)))?;
        self.read_one(&name).await.map_err(at)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let at = |e: ProviderError| e.at(req.address);
        for name in req.changed {
            if name != "notifications" {
                return Err(at(ProviderError::new(
                    ErrorClass::Unsupported,
                    "budgets:UpdateBudget",
                    format!("changing `{name}` of a budget in place is not supported in this build: it is replaced"),
                )));
            }
        }
        let client = self.aws.budgets().await?;
        let account = self.aws.account_id().await?.to_string();
        let have = self.notifications(&account, req.id).await.map_err(at)?;
        let want = desired_notifications(req.after, "budgets:CreateNotification").map_err(at)?;
        // An alert is known by its threshold, type and operator; one whose subscribers
        // changed is deleted and created again with the new ones.
        for old in &have {
            if want.iter().any(|w| w == old) {
                continue;
            }
            const OP: &str = "budgets:DeleteNotification";
            absent_ok(
                client
                    .delete_notification()
                    .account_id(&account)
                    .budget_name(req.id)
                    .notification(old.notification.clone())
                    .send()
                    .await
                    .map_err(|e| budget_error(OP, e)),
                &[NOT_FOUND],
            )
            .map_err(at)?;
        }
        for new in &want {
            if have.iter().any(|h| h == new) {
                continue;
            }
            const OP: &str = "budgets:CreateNotification";
            client
                .create_notification()
                .account_id(&account)
                .budget_name(req.id)
                .notification(new.notification.clone())
                .set_subscribers(Some(new.subscribers.clone()))
                .send()
                .await
                .map_err(|e| at(budget_error(OP, e)))?;
        }
        self.read_one(req.id).await.map_err(at)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "budgets:DeleteBudget";
        let client = self.aws.budgets().await?;
        let account = self.aws.account_id().await?;
        // A budget's notifications and subscribers go with it.
        absent_ok(
            client
                .delete_budget()
                .account_id(account)
                .budget_name(id)
                .send()
                .await
                .map_err(|e| budget_error(OP, e)),
            &[NOT_FOUND],
        )
    }
}

impl Budget {
    async fn read_one(&self, name: &str) -> Result<LiveResource, ProviderError> {
        self.read(&[name.to_string()]).await?.pop().ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "budgets:DescribeBudgets",
                format!("budget `{name}` is not visible"),
            )
        })
    }

    /// A budget's notifications with their subscribers. Budgets has no batch read for them:
    /// one `DescribeNotificationsForBudget` per budget (a call per page) and one
    /// `DescribeSubscribersForNotification` per notification.
    async fn notifications(
        &self,
        account: &str,
        budget: &str,
    ) -> Result<Vec<Alert>, ProviderError> {
        let client = self.aws.budgets().await?;
        let pages = client
            .describe_notifications_for_budget()
            .account_id(account)
            .budget_name(budget)
            .into_paginator()
            .send();
        let mut notifications = Vec::new();
        each_page("budgets:DescribeNotificationsForBudget", pages, |page| {
            notifications.extend(page.notifications().iter().cloned())
        })
        .await
        .map_err(refine)?;
        let mut out = Vec::new();
        for notification in notifications {
            let pages = client
                .describe_subscribers_for_notification()
                .account_id(account)
                .budget_name(budget)
                .notification(notification.clone())
                .into_paginator()
                .send();
            let mut subscribers = Vec::new();
            each_page(
                "budgets:DescribeSubscribersForNotification",
                pages,
                |page| subscribers.extend(page.subscribers().iter().cloned()),
            )
            .await
            .map_err(refine)?;
            out.push(Alert::new(notification, subscribers));
        }
        Ok(out)
    }
}

/// One alert: its notification and subscribers, subscribers in a canonical order so that two
/// alerts compare by what they are.
#[derive(Debug, Clone)]
struct Alert {
    notification: Notification,
    subscribers: Vec<Subscriber>,
}

impl Alert {
    fn new(notification: Notification, mut subscribers: Vec<Subscriber>) -> Self {
        subscribers.sort_by(|a, b| {
            (a.subscription_type().as_str(), a.address())
                .cmp(&(b.subscription_type().as_str(), b.address()))
        });
        Alert {
            notification,
            subscribers,
        }
    }

    fn key(&self) -> NotificationKey {
        NotificationKey {
            operator: self.notification.comparison_operator().as_str().to_string(),
            threshold: self.notification.threshold().to_bits(),
            threshold_type: self
                .notification
                .threshold_type()
                .map(|t| t.as_str())
                .unwrap_or("PERCENTAGE")
                .to_string(),
            notification_type: self.notification.notification_type().as_str().to_string(),
        }
    }
}

impl PartialEq for Alert {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key() && self.subscribers == other.subscribers
    }
}

/// What AWS knows an alert by.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NotificationKey {
    operator: String,
    threshold: u64,
    threshold_type: String,
    notification_type: String,
}

impl NotificationKey {
    fn of(n: &BTreeMap<String, Value>) -> Option<Self> {
        let text = |k: &str, default: &str| match n.get(k) {
            None => Some(default.to_string()),
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => None,
        };
        Some(NotificationKey {
            operator: text("comparison_operator", "GREATER_THAN")?,
            threshold: number(n.get("threshold"))?.to_bits(),
            threshold_type: text("threshold_type", "PERCENTAGE")?,
            notification_type: text("notification_type", "ACTUAL")?,
        })
    }
}

/// A known number (integer or float).
fn number(value: Option<&Value>) -> Option<f64> {
    match value {
        Some(Value::Int(i)) => Some(*i as f64),
        Some(Value::Float(f)) => Some(*f),
        _ => None,
    }
}

/// The amount as Budgets takes it: a decimal string.
fn amount_text(amount: f64) -> String {
    if amount.fract() == 0.0 && amount.abs() < 1e15 {
        format!("{}", amount as i64)
    } else {
        format!("{amount}")
    }
}

// `CostFilters` is deprecated in favour of `FilterExpression`, but it is what Terraform's
// `cost_filter` and the emulator (moto 5.2, which stores no FilterExpression) speak.
#[allow(deprecated)]
fn sdk_budget(attrs: &Attrs, name: &str, op: &str) -> Result<SdkBudget, ProviderError> {
    let amount = number(attrs.get("limit_amount"))
        .filter(|a| *a > 0.0)
        .ok_or_else(|| ProviderError::invalid(op, "`limit_amount` must be a number above zero"))?;
    let limit = Spend::builder()
        .amount(amount_text(amount))
        .unit(str_of(attrs, "limit_unit").unwrap_or("USD"))
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))?;
    let mut filters: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(Value::Map(map)) = attrs.get("cost_filters") {
        for (key, values) in map {
            let values = match values {
                Value::List(items) => items
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            };
            filters.insert(key.clone(), values);
        }
    }
    SdkBudget::builder()
        .budget_name(name)
        .budget_limit(limit)
        .time_unit(TimeUnit::from(
            str_of(attrs, "time_unit").unwrap_or("MONTHLY"),
        ))
        .budget_type(BudgetType::from(
            str_of(attrs, "budget_type").unwrap_or("COST"),
        ))
        .set_cost_filters((!filters.is_empty()).then_some(filters))
        .build()
        .map_err(|e| ProviderError::invalid(op, e.to_string()))
}

/// The alerts `attrs` ask for.
fn desired_notifications(attrs: &Attrs, op: &str) -> Result<Vec<Alert>, ProviderError> {
    let bad = |m: String| ProviderError::invalid(op, m);
    let mut out = Vec::new();
    for (i, n) in table_list(attrs, "notifications").into_iter().enumerate() {
        let text = |k: &str, default: &'static str| {
            n.get(k)
                .and_then(Value::as_str)
                .unwrap_or(default)
                .to_string()
        };
        let threshold = number(n.get("threshold"))
            .ok_or_else(|| bad(format!("notifications[{i}] needs a `threshold`")))?;
        let notification = Notification::builder()
            .comparison_operator(ComparisonOperator::from(
                text("comparison_operator", "GREATER_THAN").as_str(),
            ))
            .threshold(threshold)
            .threshold_type(ThresholdType::from(
                text("threshold_type", "PERCENTAGE").as_str(),
            ))
            .notification_type(NotificationType::from(
                text("notification_type", "ACTUAL").as_str(),
            ))
            .build()
            .map_err(|e| bad(format!("notifications[{i}]: {e}")))?;
        let mut subscribers = Vec::new();
        let list = |k: &str| match n.get(k) {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for (kind, key) in [
            (SubscriptionType::Email, "subscriber_email_addresses"),
            (SubscriptionType::Sns, "subscriber_sns_topic_arns"),
        ] {
            for address in list(key) {
                subscribers.push(
                    Subscriber::builder()
                        .subscription_type(kind.clone())
                        .address(address)
                        .build()
                        .map_err(|e| bad(format!("notifications[{i}]: {e}")))?,
                );
            }
        }
        if subscribers.is_empty() {
            return Err(bad(format!(
                "notifications[{i}] needs at least one subscriber"
            )));
        }
        out.push(Alert::new(notification, subscribers));
    }
    Ok(out)
}

/// A budget as the provider reports it.
#[allow(deprecated)] // `cost_filters`: see `sdk_budget`.
fn live_of(budget: &SdkBudget, alerts: &[Alert]) -> LiveResource {
    let mut attrs = Attrs::new();
    attrs.insert("name".into(), Value::str(budget.budget_name()));
    attrs.insert(
        "budget_type".into(),
        Value::str(budget.budget_type().as_str()),
    );
    attrs.insert("time_unit".into(), Value::str(budget.time_unit().as_str()));
    if let Some(limit) = budget.budget_limit() {
        if let Ok(amount) = limit.amount().parse::<f64>() {
            let value = if amount.fract() == 0.0 && amount.abs() < 1e15 {
                Value::Int(amount as i64)
            } else {
                Value::Float(amount)
            };
            attrs.insert("limit_amount".into(), value);
        }
        attrs.insert("limit_unit".into(), Value::str(limit.unit()));
    }
    let filters: BTreeMap<String, Value> = budget
        .cost_filters()
        .map(|f| {
            f.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Value::List(v.iter().map(|s| Value::str(s.as_str())).collect()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    attrs.insert("cost_filters".into(), Value::Map(filters));
    attrs.insert(
        "notifications".into(),
        Value::List(alerts.iter().map(alert_value).collect()),
    );
    LiveResource {
        id: budget.budget_name().to_string(),
        attrs,
        tags: BTreeMap::new(),
    }
}

fn alert_value(alert: &Alert) -> Value {
    let n = &alert.notification;
    let threshold = n.threshold();
    let threshold = if threshold.fract() == 0.0 && threshold.abs() < 1e15 {
        Value::Int(threshold as i64)
    } else {
        Value::Float(threshold)
    };
    let of = |kind: SubscriptionType| {
        Value::List(
            alert
                .subscribers
                .iter()
                .filter(|s| *s.subscription_type() == kind)
                .map(|s| Value::str(s.address()))
                .collect(),
        )
    };
    Value::Map(BTreeMap::from([
        (
            "comparison_operator".to_string(),
            Value::str(n.comparison_operator().as_str()),
        ),
        ("threshold".to_string(), threshold),
        (
            "threshold_type".to_string(),
            Value::str(
                n.threshold_type()
                    .map(|t| t.as_str())
                    .unwrap_or("PERCENTAGE"),
            ),
        ),
        (
            "notification_type".to_string(),
            Value::str(n.notification_type().as_str()),
        ),
        (
            "subscriber_email_addresses".to_string(),
            of(SubscriptionType::Email),
        ),
        (
            "subscriber_sns_topic_arns".to_string(),
            of(SubscriptionType::Sns),
        ),
    ]))
}

/// Classify a Budgets error: its `NotFoundException` means the budget or notification is gone.
fn budget_error<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus + 'static,
{
    refine(classify(operation, err))
}

/// Budgets' codes in the provider's classes (they miss the shared tables).
fn refine(mut e: ProviderError) -> ProviderError {
    e.class = match e.code.as_deref() {
        Some(NOT_FOUND) => ErrorClass::NotFound,
        Some("DuplicateRecordException") => ErrorClass::InvalidInput,
        _ => e.class,
    };
    e
}

/// The configured name, or the one derived from the owner.
fn budget_name(attrs: &Attrs, owner: Owner<'_>) -> String {
    match str_of(attrs, "name") {
        Some(n) => n.to_string(),
        None => names::derived(owner.deployment, owner.address, NAME_MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_above_zero_only_and_alerts_are_checked() {
        let kind = Budget::new(Arc::new(Aws::offline()));
        let alert = |threshold: i64, emails: &[&str]| {
            Value::Map(BTreeMap::from([
                ("threshold".to_string(), Value::Int(threshold)),
                (
                    "subscriber_email_addresses".to_string(),
                    Value::List(emails.iter().map(|e| Value::str(*e)).collect()),
                ),
            ]))
        };
        let good = Attrs::from([
            ("limit_amount".to_string(), Value::Float(25.5)),
            (
                "notifications".to_string(),
                Value::List(vec![alert(50, &["a@x.io"]), alert(80, &["a@x.io"])]),
            ),
        ]);
        assert_eq!(kind.validate(&good), Vec::new());
        let bad = Attrs::from([
            ("limit_amount".to_string(), Value::Int(0)),
            ("time_unit".to_string(), Value::str("WEEKLY")),
            (
                "notifications".to_string(),
                Value::List(vec![alert(50, &[]), alert(50, &["a@x.io"])]),
            ),
        ]);
        let problems: Vec<_> = kind.validate(&bad).into_iter().map(|p| p.message).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("above zero")));
        assert!(problems.iter().any(|p| p.contains("WEEKLY")));
        assert!(problems.iter().any(|p| p.contains("1 to 10")));
        assert!(problems.iter().any(|p| p.contains("repeats")));
        assert_eq!(amount_text(100.0), "100");
        assert_eq!(amount_text(12.5), "12.5");
    }
}
