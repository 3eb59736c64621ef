//! Service health checks after apply.
//!
//! A stack declares `[health.<service>]` checks (see [`crate::config::model::HealthCheck`]);
//! [`targets`] resolves their URLs against recorded state, [`check_all`] requests them
//! (bounded concurrency, per-attempt timeout, retries, overall deadline) with the small HTTP/1.1
//! client in `http`, and a [`Report`] says per service what was found and what to do about it.
//! Only plain `http://` is spoken; the checks make no AWS call.

mod check;
mod error;
mod http;
mod outcome;
mod report;
mod targets;
pub mod url;

pub use check::{check_all, check_one, CheckOptions};
pub use error::HealthError;
pub use http::{get_status, HttpError};
pub use outcome::{Outcome, ServiceResult};
pub use report::Report;
pub use targets::{skipped, targets, Target, SENSITIVE_URL, UNKNOWN_URL};

use crate::config::Deployment;
use crate::provider::Registry;
use crate::state::State;

/// Check every enabled service of `deployment`, URLs resolved against `state` (`None` before
/// the first apply). `strata health` and `strata apply --wait-healthy` both end here.
pub async fn wait_healthy(
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
    opts: &CheckOptions,
) -> Result<Report, HealthError> {
    let targets = targets(deployment, state, registry)?;
    let results = check_all(&targets, opts).await;
    Ok(Report {
        deployment: deployment.name.clone(),
        results,
        skipped: skipped(deployment),
    })
}
