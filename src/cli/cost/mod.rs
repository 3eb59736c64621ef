//! `strata cost`: estimates, tier comparison, spot analysis, actual costs, catalog rebuild.

mod actual;
mod estimate;
pub(super) mod gate;
mod refresh_catalog;
mod spot;

use super::args::{AwsArgs, CostArgs, CostCommand};
use super::exit::ExitStatus;
use super::ui::Ui;

/// Run the command.
pub fn run(ui: &Ui, args: &CostArgs) -> ExitStatus {
    match &args.command {
        Some(CostCommand::RefreshCatalog(a)) => refresh_catalog::run(ui, a),
        None if args.catalog => estimate::print_catalog(ui),
        None if args.compare_tiers => estimate::compare_tiers(ui, args),
        None if args.actual => actual::run(ui, args),
        None if args.spot => spot::run(ui, args),
        None => estimate::run(ui, args),
    }
}

/// Price `plan` for `deployment` and put the figures in it (every plan carries them).
pub(super) fn attach(
    plan: &mut crate::plan::Plan,
    deployment: &crate::config::Deployment,
    registry: &crate::provider::Registry,
    aws: &AwsArgs,
) {
    let region = region(aws, deployment);
    plan.cost = Some(crate::cost::plan::plan_cost(
        plan,
        deployment,
        registry,
        region.as_deref(),
    ));
}

/// The region prices are looked up in: the flag, the configuration, then the environment.
pub(super) fn region(aws: &AwsArgs, deployment: &crate::config::Deployment) -> Option<String> {
    super::live::configured_region(aws, deployment)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.is_empty())
}
