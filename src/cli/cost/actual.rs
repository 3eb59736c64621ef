//! `strata cost --actual --tier T [--months N]`: what the deployment cost, read from Cost
//! Explorer (monthly unblended cost of the resources tagged `strata:deployment=<name>`, by
//! service), as a table or JSON.

use crate::aws::{cost_explorer, Aws, AwsSettings};
use crate::cli::args::CostArgs;
use crate::cli::diagnostics::pretty;
use crate::cli::error::CliError;
use crate::cli::exit::ExitStatus;
use crate::cli::live;
use crate::cli::target;
use crate::cli::ui::Ui;
use crate::cost::actual::{ActualError, ActualQuery, ActualReport, DEPLOYMENT_TAG};
use crate::provider::CallStats;

/// Run `strata cost --actual`.
pub fn run(ui: &Ui, args: &CostArgs) -> ExitStatus {
    // Only the name is needed: the tag value Cost Explorer filters on.
    let deployment = match target::deployment_name(ui, &args.target) {
        Ok(name) => name,
        Err(status) => return status,
    };
    let settings = AwsSettings {
        profile: args.aws.profile.clone(),
        // Cost Explorer answers in us-east-1 whatever the region; one is needed to connect.
        region: args.aws.region.clone().or_else(|| Some("us-east-1".into())),
        ..AwsSettings::from_environment()
    };
    let aws = Aws::new(settings, CallStats::default());
    let today = time::OffsetDateTime::now_utc().date();
    let query = ActualQuery::months_back(&deployment, today, args.months);
    let runtime = match live::runtime() {
        Ok(r) => r,
        Err(status) => return status,
    };
    let pages = match runtime.block_on(cost_explorer::cost_and_usage(&aws, &query)) {
        Ok(p) => p,
        Err(e) => return target::fail(ui, &explain(&e, &deployment)),
    };
    let report = ActualReport::new(query, pages);
    if ui.json() {
        ui.print(&pretty(&report.to_json()));
    } else {
        ui.print(&report.render_text());
    }
    ExitStatus::Ok
}

fn explain(e: &ActualError, deployment: &str) -> CliError {
    let enable = format!(
        "enable Cost Explorer (Billing and Cost Management console → Cost Explorer), activate the `{DEPLOYMENT_TAG}` cost-allocation tag (Billing → Cost allocation tags), then wait: AWS takes up to 24 hours before tagged costs of `{deployment}` appear"
    );
    match e {
        ActualError::NotEnabled(_) => CliError::new(
            "strata::cost::explorer_not_enabled",
            e.to_string(),
            enable,
        ),
        ActualError::AccessDenied(_) => CliError::new(
            "strata::cost::explorer_access_denied",
            e.to_string(),
            format!("allow `ce:GetCostAndUsage` for these credentials (or use --profile with one that has it); if Cost Explorer is new to the account, {enable}"),
        ),
        ActualError::BadAnswer(_) => CliError::new(
            "strata::cost::explorer_answer",
            e.to_string(),
            "run again with -v; if it persists, report the answer shape as a strata bug".into(),
        ),
        ActualError::Call(_) => CliError::new(
            "strata::cost::explorer_call",
            format!("Cost Explorer could not be read: {e}"),
            "check the network, the credentials (--profile) and AWS_ENDPOINT_URL, then run again".into(),
        ),
    }
}
