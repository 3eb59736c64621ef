//! `strata rollback`: apply again a configuration recorded in the deployment's state.

use super::apply::{execute, Job};
use super::args::RollbackArgs;
use super::diagnostics::print_config_errors;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use crate::engine::history;
use crate::state::{AppliedConfig, LocalBackend, State, StateError};

/// Run the command.
pub fn run(ui: &Ui, args: &RollbackArgs) -> ExitStatus {
    // The deployment name comes from the headers only: a rollback is most needed when the
    // files on disk are what is broken.
    let name = match target::deployment_name(ui, &args.target) {
        Ok(n) => n,
        Err(status) => return status,
    };
    let backend = target::backend(ui, &args.state);
    if args.list {
        return match backend.load(&name) {
            Ok(Some(state)) => list(ui, &state, args.to),
            Ok(None) => no_state(ui, &backend, &name),
            Err(e) => target::fail(ui, &e),
        };
    }
    let lock = match backend.lock(&name, "strata rollback", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(w) = lock.takeover_warning() {
        ui.note(&format!("warning: {w}"));
    }
    let state = match backend.load(&name) {
        Ok(Some(s)) => s,
        Ok(None) => return no_state(ui, &backend, &name),
        Err(e) => return target::fail(ui, &e),
    };
    let entry = match history::rollback_target(&state, args.to) {
        Ok(i) => state.history[i].clone(),
        Err(e) => return target::fail(ui, &e),
    };
    let mut request = history::load_request(&entry, &name, ui.project_dir.clone());
    request.outside = target::outside_vars(&args.target);
    if let Err(e) = history::require_supplied(&entry, &request.outside.names()) {
        return target::fail(ui, &e);
    }
    let registry = crate::aws::registry();
    let deployment = match crate::config::load(&request, &registry) {
        Ok(d) => d,
        Err(errors) => {
            print_config_errors(ui, &errors);
            ui.note("The recorded configuration no longer loads with this version of strata; roll back by reverting the files and running `strata apply`.");
            return ExitStatus::Error;
        }
    };
    let key = State::plan_key(Some(&state));
    match history::check_supplied(&entry, &deployment, &key) {
        Ok(changed) => {
            for var in changed {
                ui.note(&format!(
                    "warning: the value given for `{var}` is not the one that configuration was applied with"
                ));
            }
        }
        Err(e) => return target::fail(ui, &e),
    }
    let deployment =
        match super::secrets::resolve(ui, &args.aws, deployment, &mut request, &registry) {
            Ok(d) => d,
            Err(status) => return status,
        };
    ui.note(&format!(
        "Rolling `{name}` back to the configuration applied at {} ({}, {}).",
        entry.at,
        short(&entry.digest),
        files_of(&entry)
    ));
    let job = Job {
        deployment: &deployment,
        command: "rollback",
        saved_plan: None,
        yes: args.yes,
        // Going back to what ran before is recovery: the budget warns but does not stop it.
        accept_over_budget: true,
        question: format!(
            "Roll `{name}` back to the configuration applied at {}?",
            entry.at
        ),
        run: &args.run,
        aws: &args.aws,
        wait_healthy: None,
    };
    execute(ui, &backend, &lock, Some(state), &job)
}

fn no_state(ui: &Ui, backend: &LocalBackend, name: &str) -> ExitStatus {
    match backend.state_path(name) {
        Ok(path) => target::fail(
            ui,
            &StateError::NoState {
                deployment: name.to_string(),
                path,
            },
        ),
        Err(e) => target::fail(ui, &e),
    }
}

/// `--list`: every recorded run, newest last, marking what a rollback would return to.
fn list(ui: &Ui, state: &State, to: Option<usize>) -> ExitStatus {
    let chosen = history::rollback_target(state, to).ok();
    if ui.json() {
        let runs: Vec<serde_json::Value> = state
            .history
            .iter()
            .enumerate()
            .map(|(i, e)| {
                serde_json::json!({
                    "index": i + 1,
                    "at": e.at,
                    "command": e.command,
                    "outcome": e.outcome,
                    "digest": e.digest,
                    "tier_file": e.tier_file,
                    "stack_file": e.stack_file,
                    "rollback_target": chosen == Some(i),
                })
            })
            .collect();
        ui.print(&format!(
            "{}\n",
            serde_json::json!({ "deployment": state.deployment, "history": runs })
        ));
        return ExitStatus::Ok;
    }
    if state.history.is_empty() {
        ui.print(&format!(
            "No configurations recorded for `{}` (runs of older strata versions are not).\n",
            state.deployment
        ));
        return ExitStatus::Ok;
    }
    let mut out = format!("Configurations applied to `{}`:\n", state.deployment);
    for (i, e) in state.history.iter().enumerate() {
        out.push_str(&format!(
            "  {:>2}  {}  {:<8}  {:<11}  {}  {}{}\n",
            i + 1,
            e.at,
            e.command,
            e.outcome.to_string(),
            short(&e.digest),
            files_of(e),
            if chosen == Some(i) {
                "   <- rollback target"
            } else {
                ""
            }
        ));
    }
    ui.print(&out);
    ExitStatus::Ok
}

/// The first 12 hex digits of a digest, enough to tell configurations apart by eye.
fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}

fn files_of(e: &AppliedConfig) -> String {
    match &e.tier_file {
        Some(t) => format!("{t} over {}", e.stack_file),
        None => e.stack_file.clone(),
    }
}
