//! Provider errors, classified so that the engine can decide what to retry and users are told
//! what to do.

use std::fmt;

/// What kind of failure an AWS error is. The retry policy and the help line follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The API refused for rate: retry later, slower.
    Throttling,
    /// 5xx, timeouts, connection resets: retry.
    Transient,
    /// Something just created is not visible yet (`InvalidGroup.NotFound` right after
    /// `CreateSecurityGroup`, an instance profile IAM has not propagated): retry a little.
    EventualConsistency,
    /// Something else still uses the resource (`DependencyViolation`, `ResourceInUse`).
    DependencyViolation,
    /// No capacity or the price is too low (spot): fall back or wait.
    Capacity,
    /// An account quota is exhausted.
    Quota,
    /// Not allowed, or the credentials are missing or expired.
    AccessDenied,
    /// The request itself is wrong.
    InvalidInput,
    /// The resource does not exist.
    NotFound,
    /// A readiness or deletion wait ran out of time: the resource exists but did not reach the
    /// awaited state. Retrying the call that started it would not help.
    WaitTimeout,
    /// strata cannot talk to AWS here (no provider connected, an operation the kind lacks).
    Unsupported,
    /// Anything else.
    Other,
}

impl ErrorClass {
    /// Stable name used in diagnostic codes and JSON events.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Throttling => "throttling",
            ErrorClass::Transient => "transient",
            ErrorClass::EventualConsistency => "eventual_consistency",
            ErrorClass::DependencyViolation => "dependency_violation",
            ErrorClass::Capacity => "capacity",
            ErrorClass::Quota => "quota",
            ErrorClass::AccessDenied => "access_denied",
            ErrorClass::InvalidInput => "invalid_input",
            ErrorClass::NotFound => "not_found",
            ErrorClass::WaitTimeout => "wait_timeout",
            ErrorClass::Unsupported => "unsupported",
            ErrorClass::Other => "other",
        }
    }

    /// Whether waiting and trying again can help.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::Throttling | ErrorClass::Transient | ErrorClass::EventualConsistency
        )
    }

    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            ErrorClass::Throttling => "AWS is rate-limiting this account; strata retried with backoff. Run again later or lower --parallelism",
            ErrorClass::Transient => "a temporary AWS or network failure; run the command again",
            ErrorClass::EventualConsistency => "AWS had not yet made a new resource visible; run the command again",
            ErrorClass::DependencyViolation => "something else still uses this resource; delete or detach that first (strata destroys in reverse dependency order)",
            ErrorClass::Capacity => "AWS has no capacity for this request here; try another instance type or zone, or `market = \"spot-or-on-demand\"`",
            ErrorClass::Quota => "an account quota is exhausted; delete unused resources or ask AWS for a higher limit (Service Quotas)",
            ErrorClass::AccessDenied => "check the credentials (`--profile`, AWS_PROFILE, SSO login) and that the role allows this operation",
            ErrorClass::InvalidInput => "AWS rejected a value; check the attribute in the stack or tier against docs/resource-kinds.md",
            ErrorClass::NotFound => "the resource no longer exists; `strata plan` will offer to create it again",
            ErrorClass::WaitTimeout => "the resource did not reach the awaited state in time; it is recorded, so `strata plan` shows it and rollback or destroy can delete it. Check it in the AWS console, then run again",
            ErrorClass::Unsupported => "this operation is not available in this build or configuration",
            ErrorClass::Other => "see AWS's message above",
        }
    }
}

/// A classified provider error: what was being done, on what, and AWS's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderError {
    /// The class.
    pub class: ErrorClass,
    /// The API operation, e.g. `ec2:CreateVpc`.
    pub operation: String,
    /// The resource address, when the error concerns one.
    pub address: Option<String>,
    /// AWS's error code (`InvalidParameterValue`), when there is one.
    pub code: Option<String>,
    /// AWS's message, or a description of the local failure.
    pub message: String,
}

impl ProviderError {
    /// An error of `class` during `operation`.
    pub fn new(
        class: ErrorClass,
        operation: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ProviderError {
            class,
            operation: operation.into(),
            address: None,
            code: None,
            message: message.into(),
        }
    }

    /// Attach the resource address.
    pub fn at(mut self, address: impl fmt::Display) -> Self {
        self.address = Some(address.to_string());
        self
    }

    /// Attach AWS's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// A request the kind cannot serve (bad or missing attribute found while building it).
    pub fn invalid(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorClass::InvalidInput, operation, message)
    }

    /// The stable diagnostic code, `strata::aws::<class>`.
    pub fn diagnostic_code(&self) -> String {
        format!("strata::aws::{}", self.class.name())
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.operation)?;
        if let Some(a) = &self.address {
            write!(f, " on `{a}`")?;
        }
        f.write_str(" failed: ")?;
        if let Some(c) = &self.code {
            write!(f, "{c}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProviderError {}

impl miette::Diagnostic for ProviderError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic_code()))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.class.hint()))
    }
}
