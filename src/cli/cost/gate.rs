//! The budget gate: `apply` stops before any change when the plan ends over `[budget]
//! monthly_usd` and raises the cost. On a terminal the user may confirm; in a pipeline only
//! `--accept-over-budget` lets it through (exit 5 otherwise).

use crate::cli::diagnostics::print_config_errors;
use crate::cli::exit::ExitStatus;
use crate::cli::ui::Ui;
use crate::config::diagnostic::ConfigError;
use crate::config::{ConfigErrors, Deployment};
use crate::plan::render::cost::usd;
use crate::plan::Plan;
use std::io::IsTerminal;

/// Stable code of the refusal.
pub const OVER_BUDGET: &str = "strata::cost::over_budget";

/// `Ok(())` to go on; `Err(status)` to stop before any change.
pub fn check(
    ui: &Ui,
    plan: &Plan,
    deployment: &Deployment,
    accept: bool,
) -> Result<(), ExitStatus> {
    let Some(check) = plan.cost.as_ref().and_then(|c| c.budget) else {
        return Ok(());
    };
    if !check.refused {
        return Ok(());
    }
    if accept {
        ui.note(&format!(
            "warning: the plan ends at {} a month, {} over the budget of {}; going on (--accept-over-budget).",
            usd(check.planned_usd),
            usd(check.overrun_usd()),
            usd(check.monthly_usd)
        ));
        return Ok(());
    }
    let mut err = ConfigError::new(
        OVER_BUDGET,
        format!(
            "the plan ends at {} a month, {} over the budget of {}",
            usd(check.planned_usd),
            usd(check.overrun_usd()),
            usd(check.monthly_usd)
        ),
    )
    .help(
        "choose a cheaper tier or instance type (`strata cost --compare-tiers`), raise `[budget] monthly_usd`, or pass --accept-over-budget to apply anyway",
    );
    if let Some(b) = &deployment.budget {
        err = err.label(b.origin.clone(), "the budget");
    }
    let errors = ConfigErrors {
        errors: vec![err.with_sources(&deployment.sources)],
    };
    print_config_errors(ui, &errors);
    if !std::io::stdin().is_terminal() {
        return Err(ExitStatus::OverBudget);
    }
    crate::cli::confirm::ask("Apply anyway, over budget?", "over budget").map_err(|s| {
        // Cancelled at the prompt: nothing changed, and the cause is the budget.
        if s == ExitStatus::Ok {
            ExitStatus::OverBudget
        } else {
            s
        }
    })
}
