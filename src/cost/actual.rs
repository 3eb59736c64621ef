//! What a deployment actually cost, from Cost Explorer answers: the query (months back from
//! a day), the answer as plain rows (month × service), and its text and JSON renderings.
//!
//! The AWS call itself lives in `aws::cost_explorer`; this module sees only the plain types
//! below, so it can be tested on recorded answers without the SDK.

use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use time::{Date, Month};

/// The tag Cost Explorer filters on (a cost-allocation tag once activated in Billing).
pub const DEPLOYMENT_TAG: &str = "strata:deployment";

/// What AWS bills for one Cost Explorer API call (one page), in US dollars.
pub const USD_PER_CALL: f64 = 0.01;

/// One GetCostAndUsage question: monthly unblended cost of one deployment, by service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActualQuery {
    /// The deployment name, the value of [`DEPLOYMENT_TAG`].
    pub deployment: String,
    /// First day asked for (`YYYY-MM-DD`, inclusive).
    pub start: String,
    /// Day after the last one asked for (`YYYY-MM-DD`, exclusive, as Cost Explorer counts).
    pub end: String,
}

impl ActualQuery {
    /// The query for `months` whole months up to `today` (the current month included): from
    /// the first day of the month `months - 1` before today's, through today.
    pub fn months_back(deployment: &str, today: Date, months: u16) -> ActualQuery {
        let mut year = today.year();
        let mut month = today.month();
        for _ in 1..months.max(1) {
            if month == Month::January {
                year -= 1;
            }
            month = month.previous();
        }
        let start = Date::from_calendar_date(year, month, 1).unwrap_or(today);
        // The end is exclusive: the day after today, so today's costs so far are included.
        let end = today.next_day().unwrap_or(today);
        ActualQuery {
            deployment: deployment.to_string(),
            start: ymd(start),
            end: ymd(end),
        }
    }
}

fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// One period of an answer (a month, or the part of one asked for).
#[derive(Debug, Clone, PartialEq)]
pub struct CostPeriod {
    /// Its first day (`YYYY-MM-DD`).
    pub start: String,
    /// The day after its last (`YYYY-MM-DD`).
    pub end: String,
    /// Whether AWS says the figures may still change (the current month).
    pub estimated: bool,
    /// The cost of each service in it.
    pub services: Vec<ServiceCost>,
}

/// One service's cost in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceCost {
    /// The service as Cost Explorer names it (`Amazon Elastic Compute Cloud - Compute`).
    pub service: String,
    /// Unblended cost.
    pub amount: f64,
    /// The currency (`USD`).
    pub unit: String,
}

/// Why Cost Explorer gave no figures.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActualError {
    /// Cost Explorer is not enabled for the account, or has no data yet.
    #[error("Cost Explorer has no data for this account: {0}")]
    NotEnabled(String),
    /// The credentials may not call Cost Explorer.
    #[error("the credentials may not read Cost Explorer: {0}")]
    AccessDenied(String),
    /// An answer could not be read.
    #[error("Cost Explorer answered something strata cannot read: {0}")]
    BadAnswer(String),
    /// Any other failure of the call.
    #[error("{0}")]
    Call(String),
}

/// An actual-cost report: months as columns, services as rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualReport {
    /// The deployment.
    pub deployment: String,
    /// The period asked for.
    pub query: ActualQuery,
    /// The periods, oldest first, with their services merged across pages.
    pub periods: Vec<CostPeriod>,
    /// How many API calls (pages) it took.
    pub calls: u32,
}

impl ActualReport {
    /// A report from the periods of every page, in the order received: a period split across
    /// pages is merged, and a service's amounts within a period are added up.
    pub fn new(query: ActualQuery, pages: Vec<Vec<CostPeriod>>) -> ActualReport {
        let calls = u32::try_from(pages.len()).unwrap_or(u32::MAX);
        let mut by_start: BTreeMap<String, CostPeriod> = BTreeMap::new();
        for period in pages.into_iter().flatten() {
            let merged = by_start
                .entry(period.start.clone())
                .or_insert_with(|| CostPeriod {
                    services: Vec::new(),
                    ..period.clone()
                });
            merged.estimated |= period.estimated;
            for cost in period.services {
                match merged
                    .services
                    .iter_mut()
                    .find(|s| s.service == cost.service)
                {
                    Some(s) => s.amount += cost.amount,
                    None => merged.services.push(cost),
                }
            }
        }
        let mut periods: Vec<CostPeriod> = by_start.into_values().collect();
        for p in &mut periods {
            p.services.sort_by(|a, b| a.service.cmp(&b.service));
        }
        ActualReport {
            deployment: query.deployment.clone(),
            query,
            periods,
            calls,
        }
    }

    /// Every service named in any period, sorted.
    pub fn services(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .periods
            .iter()
            .flat_map(|p| p.services.iter().map(|s| s.service.as_str()))
            .collect();
        set.into_iter().collect()
    }

    /// A service's cost in a period (0 when it had none).
    pub fn amount(&self, period: &CostPeriod, service: &str) -> f64 {
        period
            .services
            .iter()
            .filter(|s| s.service == service)
            .map(|s| s.amount)
            .sum()
    }

    /// The total of one period.
    pub fn period_total(&self, period: &CostPeriod) -> f64 {
        period.services.iter().map(|s| s.amount).sum()
    }

    /// The total of one service over every period.
    pub fn service_total(&self, service: &str) -> f64 {
        self.periods.iter().map(|p| self.amount(p, service)).sum()
    }

    /// The total of everything.
    pub fn total(&self) -> f64 {
        self.periods.iter().map(|p| self.period_total(p)).sum()
    }

    /// The currency of the figures (`USD` when the answer named none).
    pub fn currency(&self) -> &str {
        self.periods
            .iter()
            .flat_map(|p| p.services.iter())
            .map(|s| s.unit.as_str())
            .find(|u| !u.is_empty())
            .unwrap_or("USD")
    }

    /// The report as a text table: a row per service, a column per month, totals last.
    pub fn render_text(&self) -> String {
        let mut out = format!(
            "Actual cost of {} (Cost Explorer, unblended, tag {}={}), {} to {}:\n\n",
            self.deployment,
            DEPLOYMENT_TAG,
            self.deployment,
            self.query.start,
            last_day(&self.query.end)
        );
        if self.periods.iter().all(|p| p.services.is_empty()) {
            out.push_str("  No costs recorded for this tag in the period.\n");
        } else {
            let mut headers = vec!["SERVICE".to_string()];
            for p in &self.periods {
                let month = p.start.get(..7).unwrap_or(&p.start).to_string();
                headers.push(if p.estimated {
                    format!("{month}*")
                } else {
                    month
                });
            }
            headers.push("TOTAL".into());
            let mut rows: Vec<Vec<String>> = Vec::new();
            for service in self.services() {
                let mut row = vec![service.to_string()];
                for p in &self.periods {
                    row.push(money(self.amount(p, service)));
                }
                row.push(money(self.service_total(service)));
                rows.push(row);
            }
            let mut total = vec!["Total".to_string()];
            for p in &self.periods {
                total.push(money(self.period_total(p)));
            }
            total.push(money(self.total()));
            rows.push(total);
            out.push_str(&table(&headers, &rows));
            if self.periods.iter().any(|p| p.estimated) {
                out.push_str("\n  * estimated: AWS may still revise this month's figures.\n");
            }
        }
        out.push_str(&format!(
            "\n{} Cost Explorer API call(s), billed by AWS at ${:.2} each (${:.2}).\n",
            self.calls,
            USD_PER_CALL,
            f64::from(self.calls) * USD_PER_CALL
        ));
        out
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Json {
        let months: Vec<Json> = self
            .periods
            .iter()
            .map(|p| {
                let services: serde_json::Map<String, Json> = p
                    .services
                    .iter()
                    .map(|s| (s.service.clone(), json!(round_cents(s.amount))))
                    .collect();
                json!({
                    "start": p.start,
                    "end": p.end,
                    "estimated": p.estimated,
                    "services": services,
                    "total": round_cents(self.period_total(p)),
                })
            })
            .collect();
        let services: serde_json::Map<String, Json> = self
            .services()
            .into_iter()
            .map(|s| (s.to_string(), json!(round_cents(self.service_total(s)))))
            .collect();
        json!({
            "deployment": self.deployment,
            "tag": { "key": DEPLOYMENT_TAG, "value": self.deployment },
            "metric": "UnblendedCost",
            "start": self.query.start,
            "end": self.query.end,
            "currency": self.currency(),
            "months": months,
            "services": services,
            "total": round_cents(self.total()),
            "api_calls": self.calls,
            "api_cost_usd": round_cents(f64::from(self.calls) * USD_PER_CALL),
        })
    }
}

/// The last day of a period whose exclusive end is `end`.
fn last_day(end: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(end, &format)
        .ok()
        .and_then(Date::previous_day)
        .map(ymd)
        .unwrap_or_else(|| end.to_string())
}

fn money(usd: f64) -> String {
    // One formatter for every dollar figure: no `$-0.00` for a credit that rounds to nothing.
    crate::plan::render::cost::usd(usd)
}

/// Amounts to the cent for JSON, where Cost Explorer's ten decimals are noise.
fn round_cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// Columns padded to their widest cell; the first left-aligned, the figures right-aligned.
fn table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::from("  ");
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                s.push_str(&format!("{cell:<w$}"));
            } else {
                s.push_str(&format!("  {cell:>w$}"));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_back_start_on_the_first_and_end_after_today() {
        let q = ActualQuery::months_back("d", date!(2026 - 03 - 15), 1);
        assert_eq!(
            (q.start.as_str(), q.end.as_str()),
            ("2026-03-01", "2026-03-16")
        );
        let q = ActualQuery::months_back("d", date!(2026 - 03 - 15), 3);
        assert_eq!(q.start, "2026-01-01");
        let q = ActualQuery::months_back("d", date!(2026 - 02 - 28), 4);
        assert_eq!(
            (q.start.as_str(), q.end.as_str()),
            ("2025-11-01", "2026-03-01")
        );
        let q = ActualQuery::months_back("d", date!(2026 - 12 - 31), 12);
        assert_eq!(
            (q.start.as_str(), q.end.as_str()),
            ("2026-01-01", "2027-01-01")
        );
    }

    #[test]
    fn periods_split_across_pages_merge_and_totals_add_up() {
        let cost = |service: &str, amount: f64| ServiceCost {
            service: service.into(),
            amount,
            unit: "USD".into(),
        };
        let period = |start: &str, services| CostPeriod {
            start: start.into(),
            end: "x".into(),
            estimated: false,
            services,
        };
        let query = ActualQuery::months_back("d", date!(2026 - 02 - 10), 2);
        let report = ActualReport::new(
            query,
            vec![
                vec![period("2026-01-01", vec![cost("EC2", 10.0)])],
                vec![
                    period("2026-01-01", vec![cost("S3", 1.5)]),
                    period("2026-02-01", vec![cost("EC2", 4.25)]),
                ],
            ],
        );
        assert_eq!(report.calls, 2);
        assert_eq!(report.services(), ["EC2", "S3"]);
        assert_eq!(report.periods.len(), 2);
        assert_eq!(report.period_total(&report.periods[0]), 11.5);
        assert_eq!(report.service_total("EC2"), 14.25);
        assert_eq!(report.total(), 15.75);
    }
}
