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

/// Give every instance that states `instance_requirements` instead of a type the cheapest type
/// meeting them in the region, before planning: a plan-time lookup, so the plan shows the
/// type and apply launches it. No AWS call when no instance states requirements.
pub(super) fn resolve_types(
    ui: &Ui,
    aws_args: &AwsArgs,
    deployment: &mut crate::config::Deployment,
) -> Result<(), ExitStatus> {
    use crate::cost::spot::{hosts::instance_hosts, resolve_requirements};
    let wanting = match instance_hosts(deployment) {
        Ok(hosts) => hosts.iter().any(|h| h.requirements.is_some()),
        Err(e) => return Err(spot::fail(ui, &e)),
    };
    if !wanting {
        return Ok(());
    }
    let settings = crate::aws::AwsSettings {
        profile: aws_args.profile.clone(),
        region: super::live::configured_region(aws_args, deployment),
        ..crate::aws::AwsSettings::from_environment()
    };
    let aws = std::sync::Arc::new(crate::aws::Aws::new(
        settings,
        crate::provider::CallStats::default(),
    ));
    let market = crate::aws::ec2::Ec2Market::new(aws.clone());
    let runtime = super::live::runtime()?;
    let resolved = runtime.block_on(async {
        let region = aws.region().await?;
        resolve_requirements(deployment, &market, &region).await
    });
    match resolved {
        Ok(chosen) => {
            for r in chosen {
                ui.note(&format!(
                    "{}: instance_requirements → {} (${:.4}/h {}{}), the cheapest type meeting them{}",
                    r.address,
                    r.cheapest.choice.instance_type,
                    r.cheapest.choice.usd_hour,
                    if matches!(r.cheapest.basis, crate::cost::spot::Basis::Spot) { "spot" } else { "on-demand" },
                    r.cheapest.choice.zone.as_ref().map_or(String::new(), |z| format!(" in {z}")),
                    r.cheapest
                        .runner_up
                        .as_ref()
                        .map_or(String::new(), |n| format!("; next: {} (${:.4}/h)", n.instance_type, n.usd_hour)),
                ));
            }
            Ok(())
        }
        Err(e) => Err(spot::fail(ui, &e)),
    }
}
