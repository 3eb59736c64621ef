//! What one service's check found, and what to do about each kind of failure.

use std::time::Duration;

/// The result of checking one service (after its retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It answered with the expected status.
    Healthy {
        /// HTTP status.
        status: u16,
    },
    /// It answered, with another status.
    Unhealthy {
        /// HTTP status.
        status: u16,
    },
    /// No answer within the per-attempt timeout (or the overall deadline).
    Timeout,
    /// Nothing listens on the port.
    Refused,
    /// The URL cannot be checked (not `http://`, no host, bad port).
    BadUrl {
        /// Why.
        reason: String,
        /// What to do.
        help: String,
    },
    /// The URL names a resource that is not applied yet: not checked.
    UnknownUrl,
    /// Anything else: the name does not resolve, the connection broke, the answer is not HTTP.
    Failed {
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// Whether the service passed.
    pub fn is_healthy(&self) -> bool {
        matches!(self, Outcome::Healthy { .. })
    }

    /// Whether another attempt could change the result (a bad or unknown URL stays so).
    pub fn is_retryable(&self) -> bool {
        !matches!(
            self,
            Outcome::Healthy { .. } | Outcome::BadUrl { .. } | Outcome::UnknownUrl
        )
    }

    /// A stable snake_case name, used in JSON (`result`).
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Healthy { .. } => "healthy",
            Outcome::Unhealthy { .. } => "unhealthy",
            Outcome::Timeout => "timeout",
            Outcome::Refused => "refused",
            Outcome::BadUrl { .. } => "bad_url",
            Outcome::UnknownUrl => "unknown_url",
            Outcome::Failed { .. } => "failed",
        }
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Outcome::Healthy { status } | Outcome::Unhealthy { status } => Some(*status),
            _ => None,
        }
    }

    /// The detail of a bad URL or another failure.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Outcome::BadUrl { reason, .. } | Outcome::Failed { reason } => Some(reason),
            _ => None,
        }
    }

    /// What to do about this kind of failure, whatever the service (`None` when healthy).
    pub fn remediation(&self) -> Option<String> {
        Some(match self {
            Outcome::Healthy { .. } => return None,
            Outcome::Unhealthy { status } if *status >= 500 => {
                "the service is up but failing: read its logs".into()
            }
            Outcome::Unhealthy { .. } => {
                "the service answered with another status: check the health path in `url` and the `expect` status".into()
            }
            Outcome::Timeout => {
                "the security group filters the port, or the host is overloaded: check the group's ingress rules and the host's load".into()
            }
            Outcome::Refused => {
                "the service is not listening yet: user data may still be running; wait and re-run `strata health`".into()
            }
            Outcome::BadUrl { help, .. } => help.clone(),
            Outcome::UnknownUrl => {
                "its URL names a resource that is not applied yet: run `strata apply` first".into()
            }
            Outcome::Failed { .. } => {
                "check the host name and port in `url`: something answered that is not the service, or the connection broke".into()
            }
        })
    }
}

/// One service's check, as reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceResult {
    /// Service name (`[health.<name>]`).
    pub name: String,
    /// The URL as shown (`(known after apply)` or `(sensitive)` when it cannot be shown).
    pub url: String,
    /// What the last attempt found.
    pub outcome: Outcome,
    /// How long the last attempt took (absent when no request was made).
    pub latency: Option<Duration>,
    /// Requests made.
    pub attempts: u32,
    /// The check's own `hint`.
    pub hint: Option<String>,
}

impl ServiceResult {
    /// Remediation hints for a failure: the check's own first, then the generic one.
    pub fn hints(&self) -> Vec<String> {
        if self.outcome.is_healthy() {
            return Vec::new();
        }
        self.hint
            .iter()
            .cloned()
            .chain(self.outcome.remediation())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(outcome: Outcome, hint: Option<&str>) -> ServiceResult {
        ServiceResult {
            name: "n8n".into(),
            url: "http://127.0.0.1:1/".into(),
            outcome,
            latency: None,
            attempts: 1,
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn failures_get_the_checks_hint_then_a_generic_one() {
        let r = result(Outcome::Refused, Some("look at the compose logs"));
        let hints = r.hints();
        assert_eq!(hints.len(), 2);
        assert_eq!(hints[0], "look at the compose logs");
        assert!(hints[1].contains("re-run `strata health`"), "{hints:?}");
        assert!(result(Outcome::Timeout, None).hints()[0].contains("security group"));
        assert!(
            result(Outcome::Unhealthy { status: 502 }, None).hints()[0].contains("read its logs")
        );
        assert!(result(Outcome::Unhealthy { status: 404 }, None).hints()[0].contains("health path"));
    }

    #[test]
    fn healthy_services_get_no_hint() {
        let r = result(Outcome::Healthy { status: 200 }, Some("unused"));
        assert!(r.hints().is_empty());
    }

    #[test]
    fn only_answers_that_may_change_are_retried() {
        assert!(Outcome::Refused.is_retryable());
        assert!(Outcome::Unhealthy { status: 503 }.is_retryable());
        assert!(!Outcome::UnknownUrl.is_retryable());
        assert!(!Outcome::Healthy { status: 200 }.is_retryable());
    }
}
