//! Loading a deployment whose sensitive variables name SSM parameters: load, fetch what they
//! name in one batched read, load again with the values (held in memory only).

use super::args::{AwsArgs, TargetArgs};
use super::error::CliError;
use super::exit::ExitStatus;
use super::live;
use super::target;
use super::ui::Ui;
use crate::aws::{Aws, AwsSettings};
use crate::config::{self, Deployment, LoadRequest};
use crate::provider::{CallStats, Registry};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Load the deployment with every `{ ssm = "/path" }` variable's value fetched.
pub fn load_resolved(
    ui: &Ui,
    target: &TargetArgs,
    aws: &AwsArgs,
    registry: &Registry,
) -> Result<Deployment, ExitStatus> {
    let first = target::load(ui, target, registry)?;
    let mut req = target::request(ui, target);
    resolve(ui, aws, first, &mut req, registry)
}

/// Fetch what `loaded` still needs from SSM and load `req` again with it; `loaded` itself when
/// it needs nothing.
pub fn resolve(
    ui: &Ui,
    aws: &AwsArgs,
    loaded: Deployment,
    req: &mut LoadRequest,
    registry: &Registry,
) -> Result<Deployment, ExitStatus> {
    if loaded.ssm_needed.is_empty() {
        return Ok(loaded);
    }
    let names: BTreeSet<String> = loaded.ssm_needed.values().cloned().collect();
    ui.detail(&format!(
        "reading {} SSM parameter(s) for sensitive variables",
        names.len()
    ));
    let settings = AwsSettings {
        profile: aws.profile.clone(),
        region: live::configured_region(aws, &loaded),
        ..AwsSettings::from_environment()
    };
    let client = Arc::new(Aws::new(settings, CallStats::default()));
    let runtime = live::runtime()?;
    let fetched = match runtime.block_on(crate::aws::secrets::fetch_parameters(&client, &names)) {
        Ok(f) => f,
        Err(e) => return Err(target::fail(ui, &e)),
    };
    if !fetched.missing.is_empty() {
        let which: Vec<String> = loaded
            .ssm_needed
            .iter()
            .filter(|(_, p)| fetched.missing.contains(p))
            .map(|(var, p)| format!("`{p}` (variable `{var}`)"))
            .collect();
        return Err(target::fail(
            ui,
            &CliError::new(
                "strata::config::ssm_parameter_missing",
                format!("SSM parameter(s) not found: {}", which.join(", ")),
                "create each as a SecureString in the deployment's region (`aws ssm put-parameter --type SecureString --name NAME --value ...`), or point the variable at an existing one".into(),
            ),
        ));
    }
    req.ssm_values = fetched.values;
    match config::load(req, registry) {
        Ok(d) => Ok(d),
        Err(errors) => {
            super::diagnostics::print_config_errors(ui, &errors);
            Err(ExitStatus::Error)
        }
    }
}
