//! Talking to the live account from the command line: the AWS session, the runtime, and the
//! batched refresh shared by `plan` and `refresh`.

use super::args::AwsArgs;
use super::diagnostics::render_text;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use crate::aws::{Aws, AwsSettings};
use crate::config::Deployment;
use crate::engine::tagged::scan;
use crate::engine::ForeignDeployment;
use crate::plan::refresh::{refresh, Refreshed};
use crate::provider::retry::RetryPolicy;
use crate::provider::{CallStats, Registry};
use crate::state::State;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A registry connected to AWS with these settings (lazily: nothing is contacted until a
/// resource has to be read).
pub fn connected_registry(args: &AwsArgs, deployment: &Deployment) -> Registry {
    let settings = AwsSettings {
        profile: args.profile.clone(),
        region: configured_region(args, deployment),
        ..AwsSettings::from_environment()
    };
    crate::aws::registry_with(Arc::new(Aws::new(settings, CallStats::default())))
}

/// `--region`, else the tier's or stack's `region`; `None` leaves it to the SDK's chain.
pub fn configured_region(args: &AwsArgs, deployment: &Deployment) -> Option<String> {
    args.region.clone().or_else(|| deployment.region.clone())
}

/// Read the live account for this deployment, printing a diagnostic on failure.
pub fn read_live(
    ui: &Ui,
    args: &AwsArgs,
    deployment: &Deployment,
    state: Option<&State>,
    registry: &Registry,
) -> Result<Refreshed, ExitStatus> {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return Err(ExitStatus::Error);
        }
    };
    let concurrency = usize::from(args.read_concurrency);
    match runtime.block_on(refresh(deployment, state, registry, concurrency)) {
        Ok(r) => Ok(r),
        Err(e) => Err(target::fail(ui, &e)),
    }
}

/// `--stats`: the calls made, one per line, on stderr.
pub fn print_stats(ui: &Ui, calls: &BTreeMap<String, u64>) {
    let total: u64 = calls.values().sum();
    let mut out = format!("AWS calls: {total}\n");
    for (op, n) in calls {
        out.push_str(&format!("  {op:<40} {n}\n"));
    }
    if !ui.quiet {
        eprint!("{out}");
    }
}

/// The async runtime for commands that talk to AWS.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitStatus> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            ExitStatus::Error
        })
}

/// First Ctrl-C: set `cancel` (no new work starts; running calls finish and are recorded).
/// Second Ctrl-C: stop at once; the journal lets the next run settle what was in flight.
pub fn watch_ctrl_c(cancel: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            eprintln!("Interrupted: finishing the calls in flight and saving state (Ctrl-C again to stop now).");
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("Stopped. Run the command again: the journal lets it finish the work.");
                std::process::exit(130);
            }
        }
    });
}

/// `plan`'s look for another state's resources under this deployment's name: a warning on
/// stderr when there are some (apply and destroy refuse them). Best effort and without
/// retries: plan only reads, and apply checks again before it changes anything.
pub fn warn_foreign(ui: &Ui, deployment: &Deployment, state: Option<&State>, registry: &Registry) {
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(_) => return,
    };
    let once = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    match runtime.block_on(scan(registry, &deployment.name, state, once)) {
        Ok(tagged) if tagged.foreign.is_empty() => {}
        Ok(tagged) => {
            let warning = ForeignDeployment {
                command: "plan",
                deployment: deployment.name.clone(),
                lineage: state.map(|s| s.lineage.clone()),
                found: tagged.foreign,
            };
            eprint!("{}", render_text(&warning, ui.color_err));
        }
        Err(e) => ui.note(&format!(
            "warning: could not look for other states' resources tagged `strata:deployment={}` ({e}); `strata apply` checks again",
            deployment.name
        )),
    }
}
