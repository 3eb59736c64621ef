//! `strata cost --actual`: Cost Explorer answers queued in the emulator (recorded shapes kept
//! in `fixtures/cost-explorer/`) read by the real binary, the request checked through the test
//! proxy, and the "not enabled" path answered by the proxy.

use crate::support::moto::{http, moto};
use crate::support::project::stack_project;
use crate::support::proxy::Proxy;
use crate::support::{repo_root, strata};

const STACK: &str = "[stack]\nname = \"shop\"\nregion = \"eu-west-1\"\n";

/// Queue the fixture answers, in order, as moto's next GetCostAndUsage results.
fn queue(port: u16, files: &[&str]) {
    let results: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let path = repo_root().join("fixtures/cost-explorer").join(f);
            let text = std::fs::read_to_string(&path).expect("fixture readable");
            serde_json::from_str(&text).expect("fixture is JSON")
        })
        .collect();
    let body = serde_json::json!({ "results": results }).to_string();
    let (status, answer) = http(
        port,
        "POST",
        "/moto-api/static/ce/cost-and-usage-results",
        &body,
        &[("Content-Type", "application/json")],
    )
    .expect("moto answers");
    assert_eq!(status, 201, "moto refused the queue: {answer}");
}

fn two_months(port: u16) {
    queue(port, &["two-months-page-1.json", "two-months-page-2.json"]);
}

#[test]
fn the_table_shows_each_month_and_service_with_totals() {
    let moto = moto();
    two_months(moto.port);
    let project = stack_project("shop", STACK);
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(["cost", "--tier", "dev", "--actual", "--months", "2"])
        .run()
        .expect_code(0);
    // Columns are padded to their widths: compare with runs of spaces collapsed.
    let out = &run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        !out.contains("$-0.00"),
        "a zero credit shows as $0.00:\n{out}"
    );
    for expected in [
        "SERVICE",
        "2026-11",
        "2026-12*",
        "Amazon Elastic Compute Cloud - Compute $61.32 $13.98 $75.30",
        "Amazon Elastic File System",
        "$1.20",
        "EC2 - Other",
        "$9.88",
        "Total",
        "Total $70.54 $15.85 $86.38",
        "estimated",
        "2 Cost Explorer API call(s)",
        "$0.02",
    ] {
        assert!(out.contains(expected), "missing `{expected}` in:\n{out}");
    }
}

#[test]
fn json_has_the_months_services_and_totals() {
    let moto = moto();
    two_months(moto.port);
    let project = stack_project("shop", STACK);
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args([
            "cost", "--tier", "dev", "--actual", "--months", "2", "-o", "json",
        ])
        .run()
        .expect_code(0);
    let j = run.json();
    assert_eq!(j["metric"], "UnblendedCost");
    assert_eq!(j["tag"]["key"], "strata:deployment");
    assert_eq!(j["tag"]["value"], j["deployment"]);
    assert_eq!(j["currency"], "USD");
    assert_eq!(j["total"], 86.38);
    assert_eq!(j["api_calls"], 2);
    assert_eq!(j["api_cost_usd"], 0.02);
    let months = j["months"].as_array().expect("months");
    assert_eq!(months.len(), 2);
    assert_eq!(months[0]["start"], "2026-11-01");
    assert_eq!(months[0]["estimated"], false);
    assert_eq!(months[0]["total"], 70.54);
    assert_eq!(
        months[0]["services"]["Amazon Elastic File System"], 1.2,
        "the part of November on the second page is merged in"
    );
    assert_eq!(months[1]["estimated"], true);
    assert_eq!(months[1]["total"], 15.85);
    assert_eq!(
        j["services"]["Amazon Elastic Compute Cloud - Compute"],
        75.3
    );
    assert_eq!(j["services"]["EC2 - Other"], 9.88);
}

#[test]
fn the_request_filters_on_the_deployment_tag_and_groups_by_service() {
    let moto = moto();
    two_months(moto.port);
    let proxy = Proxy::start(moto.port);
    let project = stack_project("shop", STACK);
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .args([
            "cost", "--tier", "dev", "--actual", "--months", "3", "-o", "json",
        ])
        .run()
        .expect_code(0);
    let deployment = run.json()["deployment"]
        .as_str()
        .expect("deployment name")
        .to_string();
    let calls: Vec<serde_json::Value> = proxy
        .requests()
        .into_iter()
        .filter(|(op, _)| op == "ce:GetCostAndUsage")
        .map(|(_, r)| serde_json::from_slice(&r.body).expect("a JSON request"))
        .collect();
    assert_eq!(calls.len(), 2, "one call per page: {calls:#?}");
    let first = &calls[0];
    assert_eq!(
        first["Filter"],
        serde_json::json!({ "Tags": {
            "Key": "strata:deployment",
            "Values": [deployment],
            "MatchOptions": ["EQUALS"],
        }})
    );
    assert_eq!(
        first["GroupBy"],
        serde_json::json!([{ "Type": "DIMENSION", "Key": "SERVICE" }])
    );
    assert_eq!(first["Granularity"], "MONTHLY");
    assert_eq!(first["Metrics"], serde_json::json!(["UnblendedCost"]));
    let start = first["TimePeriod"]["Start"].as_str().expect("start");
    assert!(
        start.ends_with("-01"),
        "starts on a month's first day: {start}"
    );
    assert!(first.get("NextPageToken").is_none());
    assert_eq!(calls[1]["NextPageToken"], "AAMA-EXAMPLE-TOKEN-PAGE-2");
    assert_eq!(calls[1]["Filter"], first["Filter"]);
    // The deployment's region is eu-west-1; Cost Explorer is asked in us-east-1.
    let (_, request) = proxy
        .requests()
        .into_iter()
        .find(|(op, _)| op == "ce:GetCostAndUsage")
        .expect("a call");
    let auth = request.header("authorization").unwrap_or_default();
    assert!(auth.contains("/us-east-1/ce/aws4_request"), "{auth}");
}

#[test]
fn cost_explorer_not_enabled_says_what_to_do() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    proxy.fail("ce:GetCostAndUsage", 1, "DataUnavailableException", 400);
    let project = stack_project("shop", STACK);
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .args(["cost", "--tier", "dev", "--actual"])
        .run()
        .expect_code(1);
    let err = &run.stderr;
    assert!(err.contains("strata::cost::explorer_not_enabled"), "{err}");
    assert!(err.contains("enable Cost Explorer"), "{err}");
    assert!(err.contains("cost-allocation tag"), "{err}");
    assert!(err.contains("24 hours"), "{err}");
    assert_eq!(
        proxy.operations_matching("ce:*").len(),
        1,
        "a billed call is not retried"
    );
}

#[test]
fn access_denied_says_which_permission() {
    let moto = moto();
    let proxy = Proxy::start(moto.port);
    proxy.fail("ce:GetCostAndUsage", 1, "AccessDeniedException", 400);
    let project = stack_project("shop", STACK);
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .args(["cost", "--tier", "dev", "--actual", "-o", "json"])
        .run()
        .expect_code(1);
    let j = run.json();
    assert_eq!(j["error"]["code"], "strata::cost::explorer_access_denied");
    let help = j["error"]["help"].as_str().unwrap_or_default();
    assert!(help.contains("ce:GetCostAndUsage"), "{help}");
}
