//! `strata list`: every deployment in the state folder, with status, region, age and cost.

use super::args::{ListArgs, ListSort, StatusArg};
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::inventory::{self, DeploymentRecord};
use super::summary::Summary;
use super::table::Table;
use super::target;
use super::ui::Ui;
use crate::state::status::DeploymentStatus;
use serde_json::json;
use std::cmp::Ordering;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What an unknown value looks like in text.
pub const UNKNOWN: &str = "—";

/// Run the command.
pub fn run(ui: &Ui, args: &ListArgs) -> ExitStatus {
    let backend = inventory::backend(ui, &args.state);
    let records = match inventory::read_all(&backend) {
        Ok(r) => r,
        Err(e) => return target::fail(ui, &e),
    };
    let total = records.len();
    let mut rows: Vec<(Summary, &DeploymentRecord)> = records
        .iter()
        .map(|r| (Summary::of(r), r))
        .filter(|(s, _)| matches(s, args))
        .collect();
    sort(&mut rows, args.sort);

    if ui.json() {
        let list: Vec<_> = rows.iter().map(|(s, r)| row_json(s, r)).collect();
        ui.print(&pretty(&json!({
            "state_dir": backend.root().display().to_string(),
            "deployments": list,
        })));
        return ExitStatus::Ok;
    }
    if rows.is_empty() {
        ui.note(&if total == 0 {
            format!(
                "No deployments in {}: nothing has been applied yet (`strata apply --tier dev` makes one).",
                backend.root().display()
            )
        } else {
            format!(
                "No deployment matches these filters ({total} in {}).",
                backend.root().display()
            )
        });
        return ExitStatus::Ok;
    }
    let mut table = Table::new(&[
        "NAME",
        "STACK",
        "TIER",
        "REGION",
        "STATUS",
        "CREATED",
        "RESOURCES",
        "COST/MONTH",
    ]);
    for (s, _) in &rows {
        table.row(vec![
            s.name.clone(),
            or_unknown(s.stack.as_deref()),
            or_unknown(s.tier.as_deref()),
            or_unknown(s.region.as_deref()),
            s.status.to_string(),
            or_unknown(s.created.as_deref()),
            s.resource_count
                .map_or_else(|| UNKNOWN.to_string(), |n| n.to_string()),
            cost_text(s.monthly_cost),
        ]);
    }
    ui.print(&table.render("", |col, cell| {
        let status = DeploymentStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == cell);
        match (col, status) {
            (4, Some(s)) => ui.paint(status_style(s), cell),
            _ => cell.to_string(),
        }
    }));
    for (s, r) in &rows {
        if let Some(problem) = &r.problem {
            ui.detail(&format!("{}: {problem}", s.name));
        }
    }
    ui.detail(&format!(
        "{} of {total} deployment(s) in {}.",
        rows.len(),
        backend.root().display()
    ));
    ExitStatus::Ok
}

/// Whether a deployment passes the `--status`, `--region` and `--tier` filters.
fn matches(s: &Summary, args: &ListArgs) -> bool {
    let status_ok = args.status.is_empty() || args.status.iter().any(|a| status_of(*a) == s.status);
    let region_ok = args.region.as_deref().is_none_or(|want| {
        s.region
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case(want))
    });
    let tier_ok = args
        .tier
        .as_deref()
        .is_none_or(|want| s.tier.as_deref() == Some(want));
    status_ok && region_ok && tier_ok
}

fn status_of(arg: StatusArg) -> DeploymentStatus {
    match arg {
        StatusArg::Deploying => DeploymentStatus::Deploying,
        StatusArg::Running => DeploymentStatus::Running,
        StatusArg::Failed => DeploymentStatus::Failed,
        StatusArg::Destroyed => DeploymentStatus::Destroyed,
        StatusArg::Unreadable => DeploymentStatus::Unreadable,
    }
}

/// Order rows by `--sort`; rows arrive sorted by name, and the sort is stable, so ties stay
/// in name order.
fn sort(rows: &mut [(Summary, &DeploymentRecord)], by: ListSort) {
    match by {
        ListSort::Name => rows.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
        ListSort::Created => rows.sort_by(|a, b| {
            let parse = |s: &Summary| {
                s.created
                    .as_deref()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
            };
            unknown_last(parse(&a.0), parse(&b.0), |x, y| x.cmp(y))
        }),
        ListSort::Cost => rows.sort_by(|a, b| {
            unknown_last(a.0.monthly_cost, b.0.monthly_cost, |x, y| y.total_cmp(x))
        }),
    }
}

/// Known values ordered by `cmp`, unknown ones after them.
fn unknown_last<T>(a: Option<T>, b: Option<T>, cmp: impl Fn(&T, &T) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => cmp(&x, &y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn row_json(s: &Summary, r: &DeploymentRecord) -> serde_json::Value {
    let mut row = serde_json::to_value(s).unwrap_or_default();
    if let (Some(problem), Some(obj)) = (&r.problem, row.as_object_mut()) {
        obj.insert(
            "problem".into(),
            json!({ "code": problem.code(), "message": problem.to_string() }),
        );
    }
    row
}

/// A known value, or [`UNKNOWN`].
pub fn or_unknown(value: Option<&str>) -> String {
    value.unwrap_or(UNKNOWN).to_string()
}

/// A monthly cost in text: `$12.34`, or [`UNKNOWN`] when there is no estimate.
pub fn cost_text(cost: Option<f64>) -> String {
    cost.map_or_else(|| UNKNOWN.to_string(), |c| format!("${c:.2}"))
}

/// The ANSI style of a status.
pub fn status_style(status: DeploymentStatus) -> &'static str {
    match status {
        DeploymentStatus::Running => "32",
        DeploymentStatus::Deploying => "33",
        DeploymentStatus::Failed => "31",
        DeploymentStatus::Unreadable => "35",
        DeploymentStatus::Destroyed => "2",
    }
}
