//! The one-line summary of a deployment: a row of `strata list`, the head of `strata show`.
//! Region and creation time come from the state when it records them, else from what its
//! resources say; the monthly cost is estimated from the recorded resources (see
//! [`crate::cost::plan::state_cost`]).

use super::inventory::DeploymentRecord;
use crate::state::status::DeploymentStatus;
use crate::state::{State, UNKNOWN_TIME};
use serde::Serialize;
use std::collections::BTreeMap;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What `strata list` shows of a deployment (also its JSON row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Deployment name.
    pub name: String,
    /// Stack name, when known.
    pub stack: Option<String>,
    /// Tier name, when the deployment uses one.
    pub tier: Option<String>,
    /// AWS region, when known.
    pub region: Option<String>,
    /// Status.
    pub status: DeploymentStatus,
    /// Earliest known time (RFC 3339) of the deployment.
    pub created: Option<String>,
    /// When `strata destroy` archived it, for destroyed deployments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destroyed_at: Option<String>,
    /// Resources recorded now; `None` when the state cannot be read.
    pub resource_count: Option<usize>,
    /// Estimated monthly cost in USD (expected: spot hosts at spot) from the recorded
    /// resources and default usage; `None` without a state or a known, priced region.
    pub monthly_cost: Option<f64>,
}

impl Summary {
    /// The summary of a deployment found in the backend.
    pub fn of(record: &DeploymentRecord) -> Summary {
        let latest = record.latest_state();
        let lock_started = record.lock_holder().map(|h| h.started_at.as_str());
        let region_name = latest.and_then(region);
        Summary {
            name: record.name.clone(),
            stack: latest.map(|s| s.stack.clone()).filter(|s| !s.is_empty()),
            tier: latest.and_then(|s| s.tier.clone()),
            region: region_name.clone(),
            status: record.status,
            created: earliest(latest.into_iter().flat_map(known_times).chain(lock_started)),
            destroyed_at: match record.status {
                DeploymentStatus::Destroyed => record.archive.as_ref().and_then(|a| a.at.clone()),
                _ => None,
            },
            resource_count: match (&record.state, &record.problem) {
                (Some(s), _) => Some(s.resources.len()),
                (None, Some(_)) => None,
                (None, None) => Some(0),
            },
            monthly_cost: record
                .state
                .as_ref()
                .zip(region_name.as_deref())
                .and_then(|(state, region)| monthly_cost(state, region)),
        }
    }
}

/// The region the state records, else the one most of its resources' ARNs (or availability
/// zones) name; ties go to the first in name order, so the answer is stable.
pub fn region(state: &State) -> Option<String> {
    if let Some(r) = state.region.as_ref().filter(|r| !r.is_empty()) {
        return Some(r.clone());
    }
    let mut votes: BTreeMap<String, usize> = BTreeMap::new();
    for r in state.resources.values() {
        let from_arn = r
            .attributes
            .get("arn")
            .and_then(|v| v.as_str())
            .and_then(arn_region);
        let from_zone = r
            .attributes
            .get("availability_zone")
            .and_then(|v| v.as_str())
            .and_then(zone_region);
        if let Some(region) = from_arn.or(from_zone) {
            *votes.entry(region.to_string()).or_default() += 1;
        }
    }
    let most = votes.values().copied().max()?;
    votes.into_iter().find(|(_, n)| *n == most).map(|(r, _)| r)
}

/// `arn:aws:ec2:eu-west-1:123:vpc/vpc-1` → `eu-west-1`; global services (IAM) name none.
fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    (parts.next()? == "arn").then_some(())?;
    parts.nth(2).filter(|r| !r.is_empty())
}

/// `us-east-1a` → `us-east-1`.
fn zone_region(zone: &str) -> Option<&str> {
    let region = zone.strip_suffix(|c: char| c.is_ascii_lowercase())?;
    region
        .ends_with(|c: char| c.is_ascii_digit())
        .then_some(region)
}

/// Every time a state records: resource creation and the runs of its history.
fn known_times(state: &State) -> impl Iterator<Item = &str> {
    state
        .resources
        .values()
        .map(|r| r.created_at.as_str())
        .chain(state.history.iter().map(|h| h.at.as_str()))
}

/// The earliest of these RFC 3339 times, as written; unparseable ones and the "unknown" epoch
/// marker of migrated states are skipped.
pub fn earliest<'a>(times: impl IntoIterator<Item = &'a str>) -> Option<String> {
    times
        .into_iter()
        .filter(|t| *t != UNKNOWN_TIME)
        .filter_map(|t| OffsetDateTime::parse(t, &Rfc3339).ok().map(|at| (at, t)))
        .min()
        .map(|(_, t)| t.to_string())
}

/// The expected monthly cost of what `state` records, priced in `region`.
fn monthly_cost(state: &State, region: &str) -> Option<f64> {
    static REGISTRY: std::sync::OnceLock<crate::provider::Registry> = std::sync::OnceLock::new();
    let registry = REGISTRY.get_or_init(crate::aws::registry);
    crate::cost::plan::state_cost(state, registry, region)
        .ok()
        .map(|e| e.totals().expected_usd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{AppliedConfig, Provenance, ResourceState, RunOutcome};
    use crate::{Address, Value};

    fn resource(name: &str, created_at: &str, attrs: &[(&str, &str)]) -> ResourceState {
        ResourceState {
            address: Address::new("vpc", name),
            kind: "vpc".into(),
            id: Some(format!("vpc-{name}")),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), Value::str(*v)))
                .collect(),
            dependencies: vec![],
            provenance: Provenance::Created,
            created_at: created_at.into(),
            updated_at: created_at.into(),
        }
    }

    fn with(resources: Vec<ResourceState>) -> State {
        let mut s = State::new("d", "ai-stack", Some("dev"));
        for r in resources {
            s.resources.insert(r.address.clone(), r);
        }
        s
    }

    #[test]
    fn region_is_recorded_or_voted_by_arns_and_zones() {
        let mut s = with(vec![
            resource("a", "t", &[("arn", "arn:aws:ec2:eu-west-1:1:vpc/a")]),
            resource("b", "t", &[("availability_zone", "eu-west-1b")]),
            resource("c", "t", &[("arn", "arn:aws:ec2:us-east-1:1:vpc/c")]),
            resource("d", "t", &[("arn", "arn:aws:iam::1:role/d")]),
        ]);
        assert_eq!(region(&s).as_deref(), Some("eu-west-1"));
        s.region = Some("ap-south-1".into());
        assert_eq!(region(&s).as_deref(), Some("ap-south-1"));
        let global_only = with(vec![resource(
            "d",
            "t",
            &[("arn", "arn:aws:iam::1:role/d")],
        )]);
        assert_eq!(region(&global_only), None);
    }

    #[test]
    fn ties_between_regions_go_to_the_first_name() {
        let s = with(vec![
            resource("a", "t", &[("arn", "arn:aws:ec2:us-west-2:1:vpc/a")]),
            resource("b", "t", &[("arn", "arn:aws:ec2:eu-north-1:1:vpc/b")]),
        ]);
        assert_eq!(region(&s).as_deref(), Some("eu-north-1"));
    }

    #[test]
    fn zones_and_arns_parse() {
        assert_eq!(zone_region("us-east-1a"), Some("us-east-1"));
        assert_eq!(zone_region("us-east-1"), None);
        assert_eq!(arn_region("arn:aws:s3:::bucket"), None);
        assert_eq!(arn_region("not-an-arn:a:b:c"), None);
    }

    #[test]
    fn created_is_the_earliest_parseable_known_time() {
        let mut s = with(vec![
            resource("a", "2026-03-02T10:00:00Z", &[]),
            resource("b", UNKNOWN_TIME, &[]),
            resource("c", "garbage", &[]),
        ]);
        s.history.push(AppliedConfig {
            at: "2026-03-01T09:00:00+02:00".into(),
            command: "apply".into(),
            outcome: RunOutcome::Succeeded,
            digest: String::new(),
            tier_file: None,
            stack_file: "ai-stack.toml".into(),
            files: vec![],
            supplied: Vec::new(),
        });
        assert_eq!(
            earliest(known_times(&s)).as_deref(),
            Some("2026-03-01T09:00:00+02:00")
        );
        assert_eq!(earliest([UNKNOWN_TIME, "x"]), None);
    }
}
