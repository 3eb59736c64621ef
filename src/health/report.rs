//! The outcome of a health run: every service's result, and its JSON shape for pipelines.

use super::outcome::ServiceResult;
use serde_json::{json, Value as Json};

/// Every check of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Deployment name.
    pub deployment: String,
    /// One result per enabled check, by service name.
    pub results: Vec<ServiceResult>,
    /// Checks declared but disabled in this deployment.
    pub skipped: Vec<String>,
}

impl Report {
    /// Whether every checked service is healthy (true when there is nothing to check).
    pub fn healthy(&self) -> bool {
        self.results.iter().all(|r| r.outcome.is_healthy())
    }

    /// How many services are healthy.
    pub fn healthy_count(&self) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.is_healthy())
            .count()
    }

    /// The JSON document `strata health -o json` prints (its shape is a contract).
    pub fn to_json(&self) -> Json {
        let services: Vec<Json> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "name": r.name,
                    "url": r.url,
                    "healthy": r.outcome.is_healthy(),
                    "result": r.outcome.code(),
                    "status": r.outcome.status(),
                    "reason": r.outcome.reason(),
                    "latency_ms": r.latency.map(|l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX)),
                    "attempts": r.attempts,
                    "hints": r.hints(),
                })
            })
            .collect();
        json!({
            "deployment": self.deployment,
            "healthy": self.healthy(),
            "summary": {
                "checked": self.results.len(),
                "healthy": self.healthy_count(),
                "unhealthy": self.results.len() - self.healthy_count(),
            },
            "services": services,
            "skipped": self.skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::outcome::Outcome;
    use std::time::Duration;

    fn result(name: &str, outcome: Outcome) -> ServiceResult {
        ServiceResult {
            name: name.into(),
            url: format!("http://127.0.0.1:1/{name}"),
            outcome,
            latency: Some(Duration::from_millis(12)),
            attempts: 1,
            hint: None,
        }
    }

    #[test]
    fn json_shape() {
        let report = Report {
            deployment: "d".into(),
            results: vec![
                result("a", Outcome::Healthy { status: 200 }),
                result("b", Outcome::Unhealthy { status: 500 }),
            ],
            skipped: vec!["c".into()],
        };
        let j = report.to_json();
        assert_eq!(j["healthy"], false);
        assert_eq!(j["summary"]["checked"], 2);
        assert_eq!(j["summary"]["healthy"], 1);
        assert_eq!(j["services"][0]["result"], "healthy");
        assert_eq!(j["services"][0]["latency_ms"], 12);
        assert_eq!(j["services"][0]["hints"], json!([]));
        assert_eq!(j["services"][1]["status"], 500);
        assert_eq!(j["services"][1]["healthy"], false);
        assert!(j["services"][1]["hints"][0]
            .as_str()
            .unwrap()
            .contains("logs"));
        assert_eq!(j["skipped"], json!(["c"]));
    }

    #[test]
    fn nothing_to_check_is_healthy() {
        let report = Report {
            deployment: "d".into(),
            results: vec![],
            skipped: vec![],
        };
        assert!(report.healthy());
    }
}
