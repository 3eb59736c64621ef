//! `strata validate`: load and check; exit 0 when valid, 1 with diagnostics.

use super::args::ValidateArgs;
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use serde_json::json;

/// Run the command.
pub fn run(ui: &Ui, args: &ValidateArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    if ui.json() {
        ui.print(&pretty(&json!({
            "valid": true,
            "deployment": deployment.name,
            "stack": deployment.stack.name,
            "tier": deployment.tier.as_ref().map(|t| &t.name),
            "resources": deployment.resources.keys().map(|a| a.to_string()).collect::<Vec<_>>(),
            "disabled": deployment.disabled.keys().map(|a| a.to_string()).collect::<Vec<_>>(),
            "outputs": deployment.outputs.keys().collect::<Vec<_>>(),
        })));
    } else if !ui.quiet {
        let disabled = match deployment.disabled.len() {
            0 => String::new(),
            n => format!(", {n} switched off (`enabled = false`)"),
        };
        ui.print(&format!(
            "{} {} is valid: {} resource(s){disabled}, {} output(s).",
            ui.paint("32", "✓"),
            deployment.name,
            deployment.resources.len(),
            deployment.outputs.len()
        ));
    }
    ExitStatus::Ok
}
