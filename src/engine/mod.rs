//! The apply/destroy executor: a dependency-driven scheduler over the plan, with retries from
//! classified errors, a journal of every mutating call, the state saved after each resource,
//! rollback of a failed first deployment, and provenance-aware destroy.

pub mod apply;
mod converge;
pub mod destroy;
pub mod events;
pub mod foreign;
pub mod history;
pub mod journal;
pub mod reconcile;
mod record;
mod schedule;
pub mod step;
pub mod tagged;

pub use apply::{apply, ApplyOptions, OnFailure};
pub use destroy::{destroy, Unrecorded};
pub use events::{Event, EventSink};
pub use foreign::{adopt, refuse_foreign, ForeignDeployment};
pub use reconcile::reconcile;
pub use tagged::{Foreign, Orphan};

use crate::config::Deployment;
use crate::provider::Registry;
use crate::state::{LocalBackend, StateLock};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// What a run works with.
pub struct RunContext<'a> {
    /// The loaded deployment.
    pub deployment: &'a Deployment,
    /// Kinds, connected to AWS.
    pub registry: &'a Registry,
    /// Where state lives.
    pub backend: &'a LocalBackend,
    /// The state lock this run holds.
    pub lock: &'a StateLock,
    /// Where events go.
    pub events: Arc<dyn EventSink>,
    /// Set on the first Ctrl-C: start nothing new, let running calls finish.
    pub cancel: Arc<AtomicBool>,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Resources created.
    pub created: Vec<crate::Address>,
    /// Resources updated in place.
    pub updated: Vec<crate::Address>,
    /// Resources deleted.
    pub deleted: Vec<crate::Address>,
    /// Failures, each a classified provider error.
    pub failed: Vec<crate::provider::ProviderError>,
    /// Resources deleted again by rollback.
    pub rolled_back: Vec<crate::Address>,
    /// Resources a rollback should have deleted but could not: they still exist and stay in
    /// state. Non-empty means the rollback was partial.
    pub rollback_left: Vec<crate::Address>,
    /// Resources kept (reused ones on destroy).
    pub kept: Vec<crate::Address>,
    /// Stopped early on Ctrl-C.
    pub interrupted: bool,
}

impl Report {
    /// Whether everything planned was done.
    pub fn succeeded(&self) -> bool {
        self.failed.is_empty() && !self.interrupted
    }
}

/// Why a run could not go on (beyond a resource failing, which the report carries).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// State could not be saved or read.
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    /// The journal beside the state could not be written or read.
    #[error("cannot use the journal beside the state: {0}")]
    Journal(#[from] std::io::Error),
    /// Values could not be resolved.
    #[error(transparent)]
    Plan(#[from] crate::plan::diff::PlanError),
    /// A provider call outside a resource step (reconcile, orphan search) failed.
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
    /// Another state's resources carry this deployment's name: the run was refused.
    #[error(transparent)]
    Foreign(#[from] ForeignDeployment),
}

impl miette::Diagnostic for EngineError {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            EngineError::State(e) => miette::Diagnostic::code(e),
            EngineError::Journal(_) => Some(Box::new("strata::engine::journal")),
            EngineError::Plan(e) => e.code(),
            EngineError::Provider(e) => e.code(),
            EngineError::Foreign(e) => e.code(),
        }
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        match self {
            EngineError::State(e) => miette::Diagnostic::help(e),
            EngineError::Journal(_) => Some(Box::new(
                "check that the state folder is writable and has space",
            )),
            EngineError::Plan(e) => e.help(),
            EngineError::Provider(e) => e.help(),
            EngineError::Foreign(e) => e.help(),
        }
    }
}
