//! `strata apply`: plan (or take a saved plan), confirm, and carry it out.

use super::args::{ApplyArgs, AwsArgs, HealthCheckArgs, OnFailureArg, OutputFormat, RunArgs};
use super::exit::ExitStatus;
use super::ui::Ui;
use super::{confirm, live, target};
use crate::config::Deployment;
use crate::engine::{
    adopt, apply, history, reconcile, refuse_foreign, ApplyOptions, OnFailure, RunContext,
};
use crate::plan::diff;
use crate::plan::model::{InputFile, StateRef};
use crate::plan::saved;
use crate::provider::retry::RetryPolicy;
use crate::state::{LocalBackend, State, StateLock};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// Run the command.
pub fn run(ui: &Ui, args: &ApplyArgs) -> ExitStatus {
    let offline = crate::aws::registry();
    let mut deployment = match super::secrets::load_resolved(ui, &args.target, &args.aws, &offline)
    {
        Ok(d) => d,
        Err(status) => return status,
    };
    if let Err(status) = super::cost::resolve_types(ui, &args.aws, &mut deployment) {
        return status;
    }
    let backend = target::backend(ui, &args.state);
    let lock = match backend.lock(&deployment.name, "strata apply", args.state.lock_timeout) {
        Ok(l) => l,
        Err(e) => return target::fail(ui, &e),
    };
    if let Some(w) = lock.takeover_warning() {
        ui.note(&format!("warning: {w}"));
    }
    let recorded = match backend.load(&deployment.name) {
        Ok(s) => s,
        Err(e) => return target::fail(ui, &e),
    };
    let job = Job {
        deployment: &deployment,
        command: "apply",
        saved_plan: args.plan.as_deref(),
        yes: args.yes,
        accept_over_budget: args.accept_over_budget,
        question: format!("Apply these changes to `{}`?", deployment.name),
        run: &args.run,
        aws: &args.aws,
        wait_healthy: args.wait_healthy.then(|| HealthCheckArgs {
            timeout: Duration::from_secs(5),
            // The deadline is what ends the wait.
            retries: u32::MAX,
            interval: Duration::from_secs(10),
            deadline: Some(args.health_deadline),
            concurrency: 8,
        }),
    };
    execute(ui, &backend, &lock, recorded, &job)
}

/// One run of a loaded configuration against a locked deployment.
pub(super) struct Job<'a> {
    /// The configuration to reach.
    pub deployment: &'a Deployment,
    /// `apply` or `rollback`: recorded in the state's history.
    pub command: &'static str,
    /// A saved plan to carry out instead of planning now.
    pub saved_plan: Option<&'a Path>,
    /// `--yes`.
    pub yes: bool,
    /// `--accept-over-budget`.
    pub accept_over_budget: bool,
    /// The confirmation question.
    pub question: String,
    /// Parallelism, failure policy, retries.
    pub run: &'a RunArgs,
    /// AWS connection.
    pub aws: &'a AwsArgs,
    /// `--wait-healthy`: check the services after a successful run.
    pub wait_healthy: Option<HealthCheckArgs>,
}

/// Reconcile, plan (or check the saved plan), confirm, apply, and record the run in the
/// state's history. Shared by `apply` and `rollback`.
pub(super) fn execute(
    ui: &Ui,
    backend: &LocalBackend,
    lock: &StateLock,
    recorded: Option<State>,
    job: &Job<'_>,
) -> ExitStatus {
    let deployment = job.deployment;
    let had_state = recorded.is_some();
    let mut state = recorded.unwrap_or_else(|| {
        State::new(
            &deployment.name,
            &deployment.stack.name,
            deployment.tier.as_ref().map(|t| t.name.as_str()),
        )
    });
    let registry = live::connected_registry(job.aws, deployment);
    let events = super::progress::event_sink(ui);
    let cancel = Arc::new(AtomicBool::new(false));
    let ctx = RunContext {
        deployment,
        registry: &registry,
        backend,
        lock,
        events,
        cancel: cancel.clone(),
    };
    let runtime = match live::runtime() {
        Ok(r) => r,
        Err(status) => return status,
    };
    runtime.block_on(async {
        live::watch_ctrl_c(cancel.clone());
        // Before anything changes, not even the journal's settling: another state's resources
        // under this name are refused, or adopted with --adopt-foreign.
        let foreign = match refuse_foreign(&ctx, &state, job.run.adopt_foreign, job.command).await {
            Ok(tagged) => tagged.foreign,
            Err(e) => return target::fail(ui, &e),
        };
        match reconcile(&ctx, &mut state).await {
            Ok(0) => {}
            Ok(n) => ui.note(&format!("Settled {n} step(s) an interrupted run left in the journal.")),
            Err(e) => return target::fail(ui, &e),
        }
        if !foreign.is_empty() {
            match adopt(&ctx, &mut state, &foreign) {
                Ok(adopted) => ui.note(&format!(
                    "--adopt-foreign: {} resource(s) of another state found, {} recorded as imported{}.",
                    foreign.len(),
                    adopted.len(),
                    if adopted.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " ({})",
                            adopted.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
                        )
                    }
                )),
                Err(e) => return target::fail(ui, &e),
            }
        }
        // A state that now records something (adopted) is planned against like a saved one.
        let had_state = had_state || !state.resources.is_empty();
        let plan = match job.saved_plan {
            Some(path) => {
                let plan = match saved::read_plan(path) {
                    Ok(p) => p,
                    Err(e) => return target::fail(ui, &e),
                };
                // Files are hashed again from the disk; variables given outside them are taken
                // from this run's command line and environment.
                let inputs: Vec<InputFile> = saved::rehash_files(&plan)
                    .into_iter()
                    .chain(
                        diff::input_files(deployment)
                            .into_iter()
                            .filter(|i| i.path.starts_with(diff::VAR_INPUT_PREFIX)),
                    )
                    .collect();
                let current = had_state.then(|| StateRef {
                    lineage: state.lineage.clone(),
                    serial: state.serial,
                });
                let reasons =
                    saved::staleness(&plan, &inputs, current.as_ref(), env!("CARGO_PKG_VERSION"));
                if !reasons.is_empty() {
                    super::diagnostics::print_error(ui, &saved::stale_error(reasons));
                    return ExitStatus::Stale;
                }
                plan
            }
            None => {
                let current = had_state.then_some(&state);
                let refreshed = match crate::plan::refresh::refresh(deployment, current, &registry, 8).await {
                    Ok(r) => r,
                    Err(e) => return target::fail(ui, &e),
                };
                match diff::plan_refreshed(deployment, current, &registry, &refreshed) {
                    Ok(mut p) => {
                        super::cost::attach(&mut p, deployment, &registry, job.aws);
                        p
                    }
                    Err(e) => return target::fail(ui, &e),
                }
            }
        };
        if !ui.json() && !ui.quiet {
            ui.print(&crate::plan::render::render_text(
                &plan,
                &crate::plan::render::RenderOptions { color: ui.color },
            ));
        }
        if !super::plan::has_changes(&plan) && plan.resource_changes.iter().all(|c| c.drift.is_none()) {
            return ExitStatus::Ok;
        }
        // Before any change, and before the confirmation: an answer of "yes" to the changes is
        // not an answer to the cost.
        if let Err(status) = super::cost::gate::check(ui, &plan, deployment, job.accept_over_budget) {
            return status;
        }
        if job.saved_plan.is_none() && !job.yes {
            if let Err(status) = confirm::ask(&job.question, "yes") {
                return status;
            }
        }
        let opts = ApplyOptions {
            parallelism: usize::from(job.run.parallelism),
            on_failure: match job.run.on_failure {
                OnFailureArg::Rollback => OnFailure::Rollback,
                OnFailureArg::Keep => OnFailure::Keep,
            },
            retry: RetryPolicy {
                max_attempts: job.run.max_attempts,
                ..RetryPolicy::default()
            },
        };
        match apply(&ctx, &plan, state, &opts).await {
            Ok((report, mut state)) => {
                let outcome = history::outcome_of(&report);
                state.ensure_secret_key();
                let key = State::plan_key(Some(&state));
                history::record(
                    &mut state,
                    history::applied_config(deployment, job.command, outcome, &key),
                );
                state.region = registry_region(job.aws, deployment).or(state.region.take());
                if let Err(e) = backend.save(lock, &mut state) {
                    return target::fail(ui, &e);
                }
                if report.interrupted {
                    return ExitStatus::Interrupted;
                }
                if !report.failed.is_empty() {
                    for e in &report.failed {
                        super::diagnostics::print_error(ui, e);
                    }
                    if !report.rollback_left.is_empty() {
                        let left: Vec<String> =
                            report.rollback_left.iter().map(|a| a.to_string()).collect();
                        ui.note(&format!(
                            "Rollback was partial: {} resource(s) deleted, {} still exist and stay in state ({}). Fix the cause, then run `strata rollback` or `strata destroy`.",
                            report.rolled_back.len(),
                            left.len(),
                            left.join(", ")
                        ));
                    } else if !report.rolled_back.is_empty() {
                        ui.note(&format!(
                            "Rolled back: the {} resource(s) this first deployment created were deleted.",
                            report.rolled_back.len()
                        ));
                    } else {
                        ui.note("What succeeded stays in place and is recorded in state; fix the cause and run `strata apply` again.");
                    }
                    return ExitStatus::Error;
                }
                if ui.format() == OutputFormat::Text && !ui.quiet && !state.outputs.is_empty() {
                    let mut out = String::from("\nOutputs:\n");
                    let width = state.outputs.keys().map(|k| k.len()).max().unwrap_or(0);
                    for (k, o) in &state.outputs {
                        out.push_str(&format!("  {k:width$} = {}\n", o.value.render_inline()));
                    }
                    ui.print(&out);
                }
                match &job.wait_healthy {
                    Some(checks) => {
                        super::health::after_apply(ui, deployment, &state, &registry, checks).await
                    }
                    None => ExitStatus::Ok,
                }
            }
            Err(e) => target::fail(ui, &e),
        }
    })
}

/// The region this run works in, as far as it can be told without asking the SDK: the flag,
/// the configuration, then the environment (a profile's own region is not seen here).
fn registry_region(aws: &AwsArgs, deployment: &Deployment) -> Option<String> {
    live::configured_region(aws, deployment)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}
