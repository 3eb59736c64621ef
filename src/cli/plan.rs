//! `strata plan`: configuration vs recorded state and the live account, rendered for
//! terminals, pull requests or tools.

use super::args::{OutputFormat, PlanArgs};
use super::exit::ExitStatus;
use super::live;
use super::target;
use super::ui::Ui;
use crate::plan::diff;
use crate::plan::render::{render_json, render_markdown, render_text, RenderOptions};
use crate::plan::Plan;
use crate::state::State;

/// Run the command.
pub fn run(ui: &Ui, args: &PlanArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let mut deployment = match super::secrets::load_resolved(ui, &args.target, &args.aws, &registry)
    {
        Ok(d) => d,
        Err(status) => return status,
    };
    if let Err(status) = super::cost::resolve_types(ui, &args.aws, &mut deployment) {
        return status;
    }
    let backend = super::inventory::backend(ui, &args.state);
    let state = match backend.load(&deployment.name) {
        Ok(s) => s,
        Err(e) => return target::fail(ui, &e),
    };
    let planned = if args.refresh || args.refresh_only {
        // Connected lazily: a plan with nothing recorded and nothing reused makes no call.
        let live_registry = live::connected_registry(&args.aws, &deployment);
        let refreshed =
            match live::read_live(ui, &args.aws, &deployment, state.as_ref(), &live_registry) {
                Ok(r) => r,
                Err(status) => return status,
            };
        ui.detail(&format!(
            "refresh: {} AWS call(s) for {} recorded and {} reused resource(s)",
            refreshed.calls.values().sum::<u64>(),
            refreshed.live.len(),
            refreshed.reused.len()
        ));
        live::warn_foreign(ui, &deployment, state.as_ref(), &live_registry);
        // Every call this plan made: the refresh's and the look for other states' resources.
        let mut refreshed = refreshed;
        refreshed.calls = live_registry
            .stats()
            .snapshot()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .collect();
        if args.stats {
            live::print_stats(ui, &refreshed.calls);
        }
        let plan = if args.refresh_only {
            diff::plan_refresh_only(&deployment, state.as_ref(), &live_registry, &refreshed)
        } else {
            diff::plan_refreshed(&deployment, state.as_ref(), &live_registry, &refreshed)
        };
        plan.map(|mut p| {
            p.calls = Some(refreshed.calls.clone());
            p
        })
    } else {
        if args.stats {
            ui.note("AWS calls: none (--refresh=false plans from the recorded state only)");
        }
        diff::plan(&deployment, state.as_ref(), &registry, false)
    };
    let mut plan = match planned {
        Ok(p) => p,
        Err(e) => return target::fail(ui, &e),
    };
    super::cost::attach(&mut plan, &deployment, &registry, &args.aws);
    if let Some(path) = &args.out {
        let key = State::plan_key(state.as_ref());
        if let Err(e) = crate::plan::saved::write_plan(path, &plan, &key) {
            return target::fail(ui, &e);
        }
        ui.note(&format!("Saved the plan to {}.", path.display()));
    }
    // The plan owns everything it prints: freeing the configuration and the state first lets
    // the renderer reuse their memory.
    drop(deployment);
    drop(state);
    if !(ui.quiet && ui.format() == OutputFormat::Text) {
        print_plan(ui, &plan);
    }
    // With --refresh-only the "changes" are the drift a `strata refresh` would record.
    let changed = if args.refresh_only {
        plan.resource_changes.iter().any(|c| c.drift.is_some())
    } else {
        has_changes(&plan)
    };
    let status = if args.detailed_exitcode && changed {
        ExitStatus::Changes
    } else {
        ExitStatus::Ok
    };
    // The process exits right after this; handing a plan of many small allocations back to the
    // allocator one by one would only delay the exit (about 0.1 s at 10,000 resources).
    std::mem::forget(plan);
    status
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
