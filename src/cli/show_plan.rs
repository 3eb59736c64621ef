//! `strata show-plan FILE`: render a saved plan, always saying whether it went stale;
//! `--check` turns staleness into exit status 3.

use super::args::{OutputFormat, ShowPlanArgs};
use super::exit::ExitStatus;
use super::inventory;
use super::target;
use super::ui::Ui;
use crate::plan::model::{InputFile, StateRef};
use crate::plan::render::render_json;
use crate::plan::saved::{self, SavedPlanError, StaleReason};
use crate::plan::Plan;

/// Run the command.
pub fn run(ui: &Ui, args: &ShowPlanArgs) -> ExitStatus {
    let plan = match saved::read_plan(&args.file) {
        Ok(p) => p,
        Err(e) => return target::fail(ui, &e),
    };
    let chosen = &args.target;
    if chosen.tier.is_some() || chosen.stack.is_some() || chosen.name.is_some() {
        let name = match target::deployment_name(ui, chosen) {
            Ok(n) => n,
            Err(status) => return status,
        };
        if name != plan.deployment {
            return target::fail(
                ui,
                &SavedPlanError::OtherDeployment {
                    path: args.file.clone(),
                    planned: plan.deployment.clone(),
                    chosen: name,
                },
            );
        }
    }
    let reasons = match current_staleness(ui, args, &plan) {
        Ok(r) => Some(r),
        Err(e) if args.check => return target::fail(ui, &e),
        Err(e) => {
            // Showing the plan does not need the state; say why freshness is unknown.
            eprintln!("warning: cannot tell whether the saved plan is stale: {e}");
            None
        }
    };
    if args.check {
        if let Some(reasons) = reasons.clone().filter(|r| !r.is_empty()) {
            super::diagnostics::print_error(ui, &saved::stale_error(reasons));
            return ExitStatus::Stale;
        }
        ui.note("The saved plan is up to date with its inputs and the state.");
    } else if let Some(reasons) = reasons.as_ref().filter(|r| !r.is_empty()) {
        if !ui.json() {
            eprintln!(
                "warning: {}\n  (apply would refuse it: run `strata plan --out FILE` again)",
                saved::stale_error(reasons.clone())
            );
        }
    }
    if ui.format() == OutputFormat::Json {
        ui.print(&json_with_staleness(&plan, reasons.as_deref()));
    } else {
        super::plan::print_plan(ui, &plan);
    }
    ExitStatus::Ok
}

/// Everything that changed since the plan was made, against the files it names and the state
/// of its deployment.
fn current_staleness(
    ui: &Ui,
    args: &ShowPlanArgs,
    plan: &Plan,
) -> Result<Vec<StaleReason>, crate::state::StateError> {
    // The plan names its inputs; re-hash those files rather than re-resolving names, so the
    // check sees exactly what the plan saw. Variables given on the command line cannot be
    // checked here (only `apply` is given them again): they are taken as unchanged.
    let current: Vec<InputFile> = saved::rehash_files(plan)
        .into_iter()
        .chain(
            plan.inputs
                .iter()
                .filter(|i| i.path.starts_with(crate::plan::diff::VAR_INPUT_PREFIX))
                .cloned(),
        )
        .collect();
    let state = inventory::backend(ui, &args.state)
        .load(&plan.deployment)?
        .map(|s| StateRef {
            lineage: s.lineage,
            serial: s.serial,
        });
    Ok(saved::staleness(
        plan,
        &current,
        state.as_ref(),
        env!("CARGO_PKG_VERSION"),
    ))
}

/// The plan's JSON with `stale` added: the reasons it went stale (empty when fresh), or null
/// when that could not be told.
fn json_with_staleness(plan: &Plan, reasons: Option<&[StaleReason]>) -> String {
    let rendered = render_json(plan);
    let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(&rendered) else {
        return rendered;
    };
    doc.insert(
        "stale".into(),
        reasons.map_or(serde_json::Value::Null, |r| {
            r.iter().map(|r| r.to_string()).collect()
        }),
    );
    let mut out = serde_json::to_string_pretty(&serde_json::Value::Object(doc)).unwrap_or(rendered);
    out.push('\n');
    out
}
