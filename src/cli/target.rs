//! From `--tier/--stack/--name` to a loaded deployment or a deployment name and its state.

use super::args::{StateArgs, TargetArgs};
use super::diagnostics::{print_config_errors, print_error};
use super::exit::ExitStatus;
use super::ui::Ui;
use crate::config::{self, Deployment, LoadRequest, OutsideVars};
use crate::provider::Registry;
use crate::state::LocalBackend;

/// The load request for these arguments.
pub fn request(ui: &Ui, target: &TargetArgs) -> LoadRequest {
    LoadRequest {
        tier: target.tier.clone(),
        stack: target.stack.clone(),
        name: target.name.clone(),
        project_dir: ui.project_dir.clone(),
        snapshot: None,
        outside: outside_vars(target),
        ssm_values: Default::default(),
    }
}

/// The variables given by flags, variable files and `STRATA_VAR_*`.
pub fn outside_vars(target: &TargetArgs) -> OutsideVars {
    OutsideVars {
        flags: target.vars.clone(),
        files: target.var_files.clone(),
        env: OutsideVars::env_from(std::env::vars()),
    }
}

/// Load the deployment, printing diagnostics on failure.
pub fn load(ui: &Ui, target: &TargetArgs, registry: &Registry) -> Result<Deployment, ExitStatus> {
    let req = request(ui, target);
    match config::load(&req, registry) {
        Ok(d) => {
            ui.detail(&format!(
                "loaded {} ({} file(s), {} resource(s), {} disabled)",
                d.name,
                d.sources.iter().count(),
                d.resources.len(),
                d.disabled.len()
            ));
            Ok(d)
        }
        Err(errors) => {
            print_config_errors(ui, &errors);
            Err(ExitStatus::Error)
        }
    }
}

/// The deployment name without checking the whole configuration, so that state can be
/// inspected and repaired even while the configuration is broken.
pub fn deployment_name(ui: &Ui, target: &TargetArgs) -> Result<String, ExitStatus> {
    let req = request(ui, target);
    match config::load::deployment_name(&req) {
        Ok(name) => Ok(name),
        Err(errors) => {
            print_config_errors(ui, &errors);
            Err(ExitStatus::Error)
        }
    }
}

/// The state backend for these arguments.
pub fn backend(ui: &Ui, state: &StateArgs) -> LocalBackend {
    LocalBackend::new(
        state
            .state_dir
            .clone()
            .unwrap_or_else(|| ui.project_dir.join("state")),
    )
}

/// Print an error that is a diagnostic and return the error exit status.
pub fn fail(ui: &Ui, diag: &dyn miette::Diagnostic) -> ExitStatus {
    print_error(ui, diag);
    ExitStatus::Error
}
