//! From `[health.*]` checks to the URLs to request: each URL evaluated against recorded state,
//! the way outputs are after apply.

use super::error::HealthError;
use crate::config::Deployment;
use crate::plan::diff::eval_recorded;
use crate::provider::Registry;
use crate::state::State;
use crate::value::Value;

/// Shown instead of a URL that names a resource not applied yet.
pub const UNKNOWN_URL: &str = "(known after apply)";
/// Shown instead of a URL built from a sensitive value.
pub const SENSITIVE_URL: &str = "(sensitive)";

/// One service to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Service name.
    pub name: String,
    /// The URL to request; `None` while a resource it names is not applied.
    pub url: Option<String>,
    /// The URL as it may be printed.
    pub shown_url: String,
    /// The check's own remediation hint.
    pub hint: Option<String>,
    /// The status a healthy service answers; `None` accepts any 2xx.
    pub expect: Option<u16>,
}

/// The enabled checks of `deployment`, URLs resolved against `state` (`None` before the first
/// apply: only URLs that name no resource are known then). Ordered by service name.
pub fn targets(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
) -> Result<Vec<Target>, HealthError> {
    let mut out = Vec::new();
    for check in deployment.health.values().filter(|c| c.enabled) {
        let v = eval_recorded(deployment, &check.url, state, registry).map_err(|e| {
            HealthError::Evaluation {
                service: check.name.clone(),
                message: e.message,
            }
        })?;
        let url = match v.value {
            Value::String(s) => Some(s),
            Value::Unknown => None,
            other => {
                return Err(HealthError::Evaluation {
                    service: check.name.clone(),
                    message: format!("the URL is a {}, not a string", other.type_name()),
                })
            }
        };
        let shown_url = match (&url, v.sensitive) {
            (None, _) => UNKNOWN_URL.to_string(),
            (Some(_), true) => SENSITIVE_URL.to_string(),
            (Some(u), false) => u.clone(),
        };
        out.push(Target {
            name: check.name.clone(),
            url,
            shown_url,
            hint: check.hint.clone(),
            expect: check.expect,
        });
    }
    Ok(out)
}

/// Checks the deployment declares but does not run (`enabled` is false), by name.
pub fn skipped(deployment: &Deployment) -> Vec<String> {
    deployment
        .health
        .values()
        .filter(|c| !c.enabled)
        .map(|c| c.name.clone())
        .collect()
}
