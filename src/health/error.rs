//! Errors that stop health checks from running at all (a failing service is an outcome, not an
//! error).

/// Why the checks could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum HealthError {
    /// A check's URL could not be evaluated against the recorded state.
    #[error("cannot evaluate the URL of health check `{service}`: {message}")]
    #[diagnostic(
        code(strata::health::evaluation),
        help("fix the `url` of `[health.{service}]`; `strata state list` shows what is recorded")
    )]
    Evaluation {
        /// Service name.
        service: String,
        /// What went wrong.
        message: String,
    },
}
