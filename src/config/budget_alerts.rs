//! `[budget] alert_at` + `alert_emails`: an AWS budget for the deployment, declared for the
//! user as a `budgets_budget` resource, so that it is planned, created, converged and
//! destroyed like any other. It counts the cost carrying the deployment's `strata:deployment`
//! tag (once that tag is activated for cost allocation in Billing).

use super::diagnostic::{codes, ConfigError};
use super::expr::Expr;
use super::model::{Budget, Mode, Resource};
use crate::address::Address;
use crate::value::Value;
use std::collections::BTreeMap;

/// Address of the budget `[budget]` declares.
pub const ADDRESS_NAME: &str = "deployment";
/// Kind of that resource.
pub const KIND: &str = "budgets_budget";

/// Add the deployment's AWS budget to `resources` when `[budget]` asks for alerts.
pub fn add(
    budget: Option<&Budget>,
    deployment: &str,
    resources: &mut BTreeMap<Address, Resource>,
    errors: &mut Vec<ConfigError>,
) {
    let Some(budget) = budget.filter(|b| !b.alert_at.is_empty()) else {
        return;
    };
    let address = Address::new(KIND, ADDRESS_NAME);
    if let Some(existing) = resources.get(&address) {
        errors.push(
            ConfigError::new(
                codes::DUPLICATE_ADDRESS,
                format!("`[budget] alert_at` declares `{address}`, and so does the stack"),
            )
            .label(budget.table.clone(), "this makes an AWS budget")
            .label(existing.origin.clone(), "this declares the same address")
            .help("remove `alert_at` and `alert_emails` from `[budget]`, or rename the stack's resource"),
        );
        return;
    }
    let at = |v: Value| Expr::lit(v, budget.table.clone());
    let mut emails = budget.alert_emails.clone();
    emails.sort();
    emails.dedup();
    let notifications: Vec<Value> = budget
        .alert_at
        .iter()
        .map(|pct| {
            Value::Map(BTreeMap::from([
                ("threshold".to_string(), Value::Float(*pct)),
                (
                    "subscriber_email_addresses".to_string(),
                    Value::List(emails.iter().cloned().map(Value::String).collect()),
                ),
            ]))
        })
        .collect();
    let attrs = BTreeMap::from([
        (
            "limit_amount".to_string(),
            at(Value::Float(budget.monthly_usd)),
        ),
        (
            "cost_filters".to_string(),
            at(Value::Map(BTreeMap::from([(
                "TagKeyValue".to_string(),
                Value::List(vec![Value::String(format!(
                    "user:strata:deployment${deployment}"
                ))]),
            )]))),
        ),
        ("notifications".to_string(), at(Value::List(notifications))),
    ]);
    resources.insert(
        address.clone(),
        Resource {
            address,
            origin: budget.table.clone(),
            attrs,
            depends_on: Vec::new(),
            mode: Mode::Managed,
        },
    );
}
