//! Another state's resources under this deployment's name: refused before a run changes
//! anything, or, with `--adopt-foreign`, taken as this state's own.

use super::events::Event;
use super::tagged::{scan, Foreign, Tagged};
use super::{EngineError, RunContext};
use crate::config::Mode;
use crate::plan::refresh::live_attrs;
use crate::provider::retry::RetryPolicy;
use crate::state::{now_rfc3339, Provenance, ResourceState, State};
use std::fmt;

/// Resources tagged with the deployment's name that belong to another state.
#[derive(Debug)]
pub struct ForeignDeployment {
    /// The command refused (`apply`, `rollback`, `destroy`) or warned (`plan`).
    pub command: &'static str,
    /// Deployment name.
    pub deployment: String,
    /// This state's lineage; `None` before the first apply.
    pub lineage: Option<String>,
    /// What was found.
    pub found: Vec<Foreign>,
}

impl fmt::Display for ForeignDeployment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ours = self
            .lineage
            .as_deref()
            .map_or("this deployment has no state yet".to_string(), |l| {
                format!("this state's lineage is {l}")
            });
        write!(
            f,
            "{} resource(s) tagged `strata:deployment={}` belong to another state ({ours}): {}",
            self.found.len(),
            self.deployment,
            self.found
                .iter()
                .map(Foreign::describe)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

impl std::error::Error for ForeignDeployment {}

impl miette::Diagnostic for ForeignDeployment {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!(
            "strata::{}::foreign_deployment",
            self.command
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(if self.command == "plan" {
            miette::Severity::Warning
        } else {
            miette::Severity::Error
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let refused = if self.command == "plan" {
            "`strata apply` and `strata destroy` will refuse to run; "
        } else {
            "nothing was changed; "
        };
        Some(Box::new(format!(
            "{refused}another checkout or state folder deploys under the same name: give this deployment another name (`--name`), or run strata from the state that made them. Only if they are meant to be this state's, pass `--adopt-foreign`: apply then records the ones whose `strata:address` it configures as imported (and retags them with this lineage), and destroy treats the others as orphans (`--include-orphans` deletes them)"
        )))
    }
}

/// Look for another state's resources under this deployment's name before a run changes
/// anything (one [`scan`]). Found and not `adopt`: the run is refused with
/// [`ForeignDeployment`]. Otherwise the scan is returned: its foreign resources are for
/// [`adopt`] and destroy to take as this state's own.
pub async fn refuse_foreign(
    ctx: &RunContext<'_>,
    state: &State,
    adopt: bool,
    command: &'static str,
) -> Result<Tagged, EngineError> {
    let tagged = scan(
        ctx.registry,
        &ctx.deployment.name,
        Some(state),
        RetryPolicy::default(),
    )
    .await?;
    if tagged.foreign.is_empty() || adopt {
        return Ok(tagged);
    }
    Err(EngineError::Foreign(ForeignDeployment {
        command,
        deployment: ctx.deployment.name.clone(),
        lineage: Some(state.lineage.clone()),
        found: tagged.foreign,
    }))
}

/// Record in `state` (and save) each foreign resource whose `strata:address` is a managed
/// resource of the configuration that the state does not record yet, as `imported`: the plan
/// then converges it like any resource of this state, its tags (and so its lineage) included.
/// When two claim one address the first by id is taken; the rest stay unrecorded.
pub fn adopt(
    ctx: &RunContext<'_>,
    state: &mut State,
    foreign: &[Foreign],
) -> Result<Vec<crate::Address>, EngineError> {
    let mut adopted = Vec::new();
    for f in foreign {
        let Some(address) = &f.address else { continue };
        let Some(resource) = ctx.deployment.resources.get(address) else {
            continue;
        };
        if !matches!(resource.mode, Mode::Managed) || state.resources.contains_key(address) {
            continue;
        }
        let schema = ctx.registry.get(&f.kind).map(|k| k.schema());
        let mut attributes = live_attrs(&f.live, schema);
        attributes.remove("id");
        let now = now_rfc3339();
        ctx.events.emit(&Event::Adopted {
            address: address.to_string(),
            id: f.live.id.clone(),
        });
        state.resources.insert(
            address.clone(),
            ResourceState {
                address: address.clone(),
                kind: f.kind.clone(),
                id: Some(f.live.id.clone()),
                attributes,
                dependencies: resource
                    .dependencies()
                    .into_iter()
                    .map(|(d, _)| d)
                    .collect(),
                provenance: Provenance::Imported,
                created_at: now.clone(),
                updated_at: now,
            },
        );
        adopted.push(address.clone());
    }
    if !adopted.is_empty() {
        ctx.backend.save(ctx.lock, state)?;
    }
    Ok(adopted)
}
