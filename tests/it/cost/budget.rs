//! The budget gate against the emulator, through the counting proxy: an apply whose plan ends
//! over `[budget] monthly_usd` stops before any mutating call (exit 5) and names the overrun;
//! `--accept-over-budget` lets it through and the deployment converges. `[budget] alert_at`
//! makes an AWS budget on the deployment's cost-allocation tag.

use crate::support::live::assert_dev_tier_converged;
use crate::support::moto::{moto, moto_strict};
use crate::support::proxy::Proxy;
use crate::support::run::strata;
use crate::support::TempProject;

/// Whether an operation (`service:Operation`) only reads.
fn reads_only(operation: &str) -> bool {
    let name = operation.split_once(':').map_or(operation, |(_, n)| n);
    ["Describe", "List", "Get"]
        .iter()
        .any(|p| name.starts_with(p))
}

#[tokio::test]
async fn an_apply_over_budget_stops_before_any_change_unless_accepted() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    let project = TempProject::new();
    let state = tempfile::tempdir().expect("a state dir");
    // The dev tier is estimated at $32.74 a month.
    project.edit("tiers/dev.toml", "monthly_usd = 40", "monthly_usd = 20");
    let apply = |extra: &[&str]| {
        strata(project.path())
            .args(["apply", "--tier", "dev", "--yes"])
            .args(extra)
            .state_dir(state.path())
            .env("AWS_ENDPOINT_URL", &proxy.endpoint())
            .run()
    };

    let refused = apply(&[]).expect_code(5);
    assert!(
        refused.stderr.contains("strata::cost::over_budget"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("the plan ends at $32.74 a month, $12.74 over the budget of $20.00"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("tiers/dev.toml"),
        "points at the budget: {}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--accept-over-budget"),
        "{}",
        refused.stderr
    );
    let calls = proxy.operations();
    let mutating: Vec<&String> = calls.iter().filter(|op| !reads_only(op)).collect();
    assert!(
        mutating.is_empty(),
        "a refused apply changed the account: {mutating:?}"
    );
    let vpcs = moto
        .ec2()
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:strata:deployment")
                .values("ai-stack-dev")
                .build(),
        )
        .send()
        .await
        .expect("describe vpcs");
    assert!(vpcs.vpcs().is_empty(), "nothing was created");

    let accepted = apply(&["--accept-over-budget"]).expect_code(0);
    assert!(
        accepted
            .stderr
            .contains("$12.74 over the budget of $20.00; going on (--accept-over-budget)"),
        "{}",
        accepted.stderr
    );
    assert_dev_tier_converged(&moto, project.path(), state.path(), "accepted over budget").await;
    // Within budget again, nothing is asked.
    project.edit("tiers/dev.toml", "monthly_usd = 20", "monthly_usd = 40");
    let plan = strata(project.path())
        .args(["plan", "--tier", "dev", "--detailed-exitcode"])
        .state_dir(state.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .run()
        .expect_code(0);
    assert!(
        plan.stdout
            .contains("Budget: $40.00 a month, within ($7.26 left)."),
        "{}",
        plan.stdout
    );
    strata(project.path())
        .args(["destroy", "--tier", "dev", "--yes", "-q"])
        .state_dir(state.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .run()
        .expect_code(0);
}

#[tokio::test]
async fn budget_alerts_make_an_aws_budget_on_the_deployment_tag() {
    let moto = moto_strict();
    let project = TempProject::new();
    let state = tempfile::tempdir().expect("a state dir");
    project.edit(
        "tiers/dev.toml",
        "monthly_usd = 40",
        "monthly_usd = 40\nalert_at = [50, 80, 100]\nalert_emails = [\"ops@example.com\"]",
    );
    let run = |args: &[&str]| {
        strata(project.path())
            .args(args)
            .state_dir(state.path())
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .run()
    };
    let plan = run(&["plan", "--tier", "dev"]).expect_code(0);
    assert!(
        plan.stdout.contains("budgets_budget.deployment"),
        "{}",
        plan.stdout
    );
    run(&["apply", "--tier", "dev", "--yes", "-q"]).expect_code(0);
    run(&["plan", "--tier", "dev", "--detailed-exitcode"]).expect_code(0);

    let budgets: aws_sdk_budgets::Client = moto.client();
    let all = budgets
        .describe_budgets()
        .account_id("123456789012")
        .send()
        .await
        .expect("describe budgets");
    let budget = all
        .budgets()
        .iter()
        .find(|b| b.budget_name().contains("ai-stack-dev"))
        .expect("the deployment's budget");
    let limit = budget.budget_limit().expect("a limit");
    assert_eq!((limit.amount(), limit.unit()), ("40", "USD"));
    #[allow(
        deprecated,
        reason = "strata writes CostFilters, the field moto answers"
    )]
    let filters = budget.cost_filters().expect("cost filters");
    assert_eq!(
        filters.get("TagKeyValue").map(Vec::as_slice),
        Some(&["user:strata:deployment$ai-stack-dev".to_string()][..])
    );
    let notes = budgets
        .describe_notifications_for_budget()
        .account_id("123456789012")
        .budget_name(budget.budget_name())
        .send()
        .await
        .expect("notifications");
    let mut thresholds: Vec<f64> = notes
        .notifications()
        .iter()
        .map(|n| n.threshold())
        .collect();
    thresholds.sort_by(f64::total_cmp);
    assert_eq!(thresholds, [50.0, 80.0, 100.0]);

    run(&["destroy", "--tier", "dev", "--yes", "-q"]).expect_code(0);
    let left = budgets
        .describe_budgets()
        .account_id("123456789012")
        .send()
        .await
        .expect("describe budgets");
    assert!(left
        .budgets()
        .iter()
        .all(|b| !b.budget_name().contains("ai-stack-dev")));
}
