//! `strata destroy`: delete what strata created, dependents first; keep what it reused;
//! list (or delete) orphans; archive the state.

use super::args::DestroyArgs;
use super::exit::ExitStatus;
use super::ui::Ui;
use super::{confirm, live, target};
use crate::engine::{destroy, reconcile, refuse_foreign, ApplyOptions, RunContext, Unrecorded};
use crate::state::Provenance;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Run the command.
pub fn run(ui: &Ui, args: &DestroyArgs) -> ExitStatus {
    let offline = crate::aws::registry();
    let deployment = match target::load(ui, &args.target, &offline) {
        Ok(d) => d,
        Err(status) => return status,
    };
    let backend = target::backend(ui, &args.state);
    let lock = match backend.lock(&deployment.name, "strata destroy", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    let mut state = match backend.load(&deployment.name) {
        Ok(Some(s)) => s,
        Ok(None) => {
            ui.note(&format!(
                "No state for `{}`: nothing to destroy.",
                deployment.name
            ));
            return ExitStatus::Ok;
        }
        Err(e) => return target::fail(ui, &e),
    };
    let registry = live::connected_registry(&args.aws, &deployment);
    let events = super::progress::event_sink(ui);
    let cancel = Arc::new(AtomicBool::new(false));
    let ctx = RunContext {
        deployment: &deployment,
        registry: &registry,
        backend: &backend,
        lock: &lock,
        events,
        cancel: cancel.clone(),
    };
    let runtime = match live::runtime() {
        Ok(r) => r,
        Err(status) => return status,
    };
    runtime.block_on(async {
        live::watch_ctrl_c(cancel.clone());
        // Refused before the journal is settled or the question asked; destroy checks again
        // itself, right before it deletes.
        if let Err(e) = refuse_foreign(&ctx, &state, args.adopt_foreign, "destroy").await {
            return target::fail(ui, &e);
        }
        if let Err(e) = reconcile(&ctx, &mut state).await {
            return target::fail(ui, &e);
        }
        if !ui.json() && !ui.quiet {
            let mut out = format!("Destroy `{}`:\n", deployment.name);
            for r in state.resources.values() {
                let (sym, note) = match r.provenance {
                    Provenance::Reused => (" ", "kept: reused, never deleted"),
                    _ => ("-", ""),
                };
                out.push_str(&format!(
                    "  {sym} {} ({}){}{}\n",
                    r.address,
                    r.id.as_deref().unwrap_or("-"),
                    if note.is_empty() { "" } else { "  # " },
                    note
                ));
            }
            ui.print(&out);
        }
        if !args.yes {
            if let Err(status) = confirm::ask(
                &format!("This deletes every resource strata created for `{}`.", deployment.name),
                &deployment.name,
            ) {
                return status;
            }
        }
        let opts = ApplyOptions {
            parallelism: usize::from(args.parallelism),
            ..ApplyOptions::default()
        };
        let unrecorded = Unrecorded {
            delete_orphans: args.include_orphans,
            adopt_foreign: args.adopt_foreign,
        };
        match destroy(&ctx, state, unrecorded, &opts).await {
            Ok((report, _state, orphans)) => {
                if !orphans.is_empty() && !args.include_orphans {
                    let list: Vec<String> = orphans
                        .iter()
                        .map(|o| format!("{} ({})", o.address, o.id))
                        .collect();
                    ui.note(&format!(
                        "Orphans tagged with this deployment but not in state{} (kept; pass --include-orphans to delete them): {}",
                        if args.adopt_foreign { ", another state's adopted among them" } else { "" },
                        list.join(", ")
                    ));
                }
                if report.interrupted {
                    return ExitStatus::Interrupted;
                }
                if !report.failed.is_empty() {
                    for e in &report.failed {
                        super::diagnostics::print_error(ui, e);
                    }
                    return ExitStatus::Error;
                }
                match backend.archive(&lock) {
                    Ok(path) => ui.note(&format!("State archived to {}.", path.display())),
                    Err(e) => ui.note(&format!("warning: could not archive the state: {e}")),
                }
                ExitStatus::Ok
            }
            Err(e) => target::fail(ui, &e),
        }
    })
}
