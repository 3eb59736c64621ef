//! `strata plan`: configuration vs recorded state, rendered for terminals, pull requests or tools.

use super::args::{OutputFormat, PlanArgs};
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use crate::plan::render::{render_json, render_markdown, render_text, RenderOptions};
use crate::plan::Plan;

/// Run the command.
pub fn run(ui: &Ui, args: &PlanArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &registry) {
        Ok(d) => d,
        Err(status) => return status,
    };
    let backend = target::backend(ui, &args.state);
    let state = match backend.load(&deployment.name) {
        Ok(s) => s,
        Err(e) => return target::fail(ui, &e),
    };
    if args.refresh {
        ui.detail(
            "refresh: this build has no AWS provider yet; planning against recorded state only",
        );
    }
    let plan = match crate::plan::diff::plan(&deployment, state.as_ref(), &registry, false) {
        Ok(p) => p,
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(path) = &args.out {
        if let Err(e) = crate::plan::saved::write_plan(path, &plan) {
            return target::fail(ui, &e);
        }
        ui.note(&format!("Saved the plan to {}.", path.display()));
    }
    if !(ui.quiet && ui.format() == OutputFormat::Text) {
        print_plan(ui, &plan);
    }
    if args.detailed_exitcode && has_changes(&plan) {
        ExitStatus::Changes
    } else {
        ExitStatus::Ok
    }
}

/// Whether applying the plan would change resources or outputs.
pub fn has_changes(plan: &Plan) -> bool {
    plan.summary.has_changes() || plan.output_changes.iter().any(|o| o.action.is_change())
}

/// Print a plan in the chosen format.
pub fn print_plan(ui: &Ui, plan: &Plan) {
    ui.print(&match ui.format() {
        OutputFormat::Text => render_text(plan, &RenderOptions { color: ui.color }),
        OutputFormat::Markdown => render_markdown(plan),
        OutputFormat::Json => render_json(plan),
    });
}
