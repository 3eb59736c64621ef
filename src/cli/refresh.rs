//! `strata refresh`: read the live account and record it in state (drift becomes the record).

use super::args::RefreshArgs;
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::live;
use super::target;
use super::ui::Ui;
use crate::plan::refresh::refreshed_state;
use serde_json::json;

/// Run the command.
pub fn run(ui: &Ui, args: &RefreshArgs) -> ExitStatus {
    let offline = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &offline) {
        Ok(d) => d,
        Err(status) => return status,
    };
    let backend = target::backend(ui, &args.state);
    let lock = match backend.lock(&deployment.name, "strata refresh", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(warning) = lock.takeover_warning() {
        ui.note(&format!("warning: {warning}"));
    }
    let state = match backend.load(&deployment.name) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ui.note(&format!(
                "No state for `{}`: nothing to refresh.",
                deployment.name
            ));
            return ExitStatus::Ok;
        }
        Err(e) => return target::fail(ui, &e),
    };
    let registry = live::connected_registry(&args.aws, &deployment);
    let refreshed = match live::read_live(ui, &args.aws, &deployment, Some(&state), &registry) {
        Ok(r) => r,
        Err(status) => return status,
    };
    let mut updated = refreshed_state(&state, &refreshed, &registry);
    let changed = updated != state;
    if changed {
        if let Err(e) = backend.save(&lock, &mut updated) {
            return target::fail(ui, &e);
        }
    }
    let deleted: Vec<String> = refreshed
        .drift
        .iter()
        .filter(|(_, d)| d.deleted)
        .map(|(a, _)| a.to_string())
        .collect();
    let drifted: Vec<String> = refreshed
        .drift
        .iter()
        .filter(|(_, d)| !d.deleted)
        .map(|(a, _)| a.to_string())
        .collect();
    if ui.json() {
        ui.print(&pretty(&json!({
            "deployment": deployment.name,
            "changed": drifted,
            "deleted": deleted,
            "state_written": changed,
            "serial": updated.serial,
            "calls": refreshed.calls,
        })));
    } else if !ui.quiet {
        if drifted.is_empty() && deleted.is_empty() {
            ui.print(&format!("`{}` matches the live account.", deployment.name));
        } else {
            ui.print(&format!(
                "Recorded what changed outside strata in `{}` (serial {}): {} changed{}{}, {} deleted{}{}.",
                deployment.name,
                updated.serial,
                drifted.len(),
                if drifted.is_empty() { "" } else { " — " },
                drifted.join(", "),
                deleted.len(),
                if deleted.is_empty() { "" } else { " — " },
                deleted.join(", "),
            ));
        }
    }
    if args.stats {
        live::print_stats(ui, &refreshed.calls);
    }
    ExitStatus::Ok
}
