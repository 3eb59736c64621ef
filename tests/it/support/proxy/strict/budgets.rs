//! Budgets' `DescribeSubscribersForNotification`, which moto lacks (it answers HTTP 500):
//! strict mode models it. It learns each notification's subscribers from the calls it lets
//! through (`CreateBudget` with `NotificationsWithSubscribers`, `CreateNotification`,
//! `DeleteNotification`, `DeleteBudget`) and answers from that; a notification it never saw
//! created (made behind the proxy's back) is answered `NotFoundException`.

use super::super::http::{Request, Response};
use super::super::operation::Operation;
use std::collections::BTreeMap;

/// Subscribers by budget name and notification.
pub type Subscribers = BTreeMap<(String, String), serde_json::Value>;

/// What identifies a notification of a budget: operator, type, threshold and threshold type.
fn key(notification: &serde_json::Value) -> String {
    format!(
        "{}|{}|{}|{}",
        notification["ComparisonOperator"].as_str().unwrap_or(""),
        notification["NotificationType"].as_str().unwrap_or(""),
        notification["Threshold"].as_f64().unwrap_or(0.0),
        notification["ThresholdType"]
            .as_str()
            .unwrap_or("PERCENTAGE"),
    )
}

fn body(request: &Request) -> serde_json::Value {
    serde_json::from_slice(&request.body).unwrap_or_default()
}

/// Learn from a budgets call moto accepted.
pub fn observe(memory: &mut Subscribers, op: &Operation, request: &Request) {
    let body = body(request);
    match op.name.as_str() {
        "CreateBudget" => {
            let Some(budget) = body["Budget"]["BudgetName"].as_str() else {
                return;
            };
            for n in body["NotificationsWithSubscribers"]
                .as_array()
                .into_iter()
                .flatten()
            {
                memory.insert(
                    (budget.to_string(), key(&n["Notification"])),
                    n["Subscribers"].clone(),
                );
            }
        }
        "CreateNotification" => {
            if let Some(budget) = body["BudgetName"].as_str() {
                memory.insert(
                    (budget.to_string(), key(&body["Notification"])),
                    body["Subscribers"].clone(),
                );
            }
        }
        "DeleteNotification" => {
            if let Some(budget) = body["BudgetName"].as_str() {
                memory.remove(&(budget.to_string(), key(&body["Notification"])));
            }
        }
        "DeleteBudget" => {
            if let Some(budget) = body["BudgetName"].as_str() {
                memory.retain(|(b, _), _| b != budget);
            }
        }
        _ => {}
    }
}

/// The answer to a `DescribeSubscribersForNotification`, from what was learnt.
pub fn answer(memory: &Subscribers, op: &Operation, request: &Request) -> Option<Response> {
    if op.name != "DescribeSubscribersForNotification" {
        return None;
    }
    let body = body(request);
    let budget = body["BudgetName"].as_str().unwrap_or("").to_string();
    let content_type = "application/x-amz-json-1.1";
    Some(
        match memory.get(&(budget.clone(), key(&body["Notification"]))) {
            Some(subscribers) => Response::new(
                200,
                content_type,
                serde_json::json!({ "Subscribers": subscribers }).to_string(),
            ),
            None => Response::new(
                400,
                content_type,
                serde_json::json!({
                    "__type": "NotFoundException",
                    "message": format!("Unable to get subscribers: budget {budget} has no such notification"),
                })
                .to_string(),
            ),
        },
    )
}
