//! The estimates of every shipped tier, against figures computed here by hand from the prices
//! in `src/cost/catalog.json` (us-east-1, 730 hours a month), line by line: a kind that meters
//! something new, a catalog price that changes, or a tier that changes shape fails here and
//! shows which line moved. Also: the cost at the end of text and Markdown plans, the delta
//! against a recorded state, and `--compare-tiers`.

use crate::support::{apply_tier, strata, TempProject};
use serde_json::Value as Json;
use std::collections::BTreeMap;

const H: f64 = 730.0;
/// The default share of on-demand a spot hour is estimated at.
const SPOT: f64 = 0.4;
/// The recommendation API's stack has no default certificate.
const CERTIFICATE: &str = "arn:aws:acm:us-east-1:123456789012:certificate/test";

/// `(address, catalog key)` → `(on-demand a month, spot a month)`.
type Lines = BTreeMap<(String, String), (f64, Option<f64>)>;

fn estimate(project: &std::path::Path, tier: &str) -> Json {
    let run = strata(project)
        .args(["cost", "--tier", tier, "-o", "json"])
        .env("STRATA_VAR_certificate_arn", CERTIFICATE)
        .run()
        .expect_code(0);
    run.json()
}

fn lines_of(json: &Json) -> Lines {
    json["cost"]["estimate"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            (
                (
                    l["address"].as_str().expect("address").to_string(),
                    l["price_key"].as_str().expect("key").to_string(),
                ),
                (
                    l["on_demand_usd"].as_f64().expect("on-demand"),
                    l["spot_usd"].as_f64(),
                ),
            )
        })
        .collect()
}

#[track_caller]
fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() < 1e-6,
        "{what}: estimated {got}, computed by hand {want}"
    );
}

/// Every line of the tier's estimate equals the hand-computed one, and there are no others;
/// the totals are their sums.
#[track_caller]
fn check_tier(tier: &str, want: &[(&str, &str, f64, Option<f64>)], spot_or_on_demand: bool) {
    let project = TempProject::new();
    let json = estimate(project.path(), tier);
    let got = lines_of(&json);
    let want: Lines = want
        .iter()
        .map(|(a, k, od, s)| ((a.to_string(), k.to_string()), (*od, *s)))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{tier}: the estimate's lines"
    );
    for (key, (od, spot)) in &want {
        let (g_od, g_spot) = got[key];
        assert_close(g_od, *od, &format!("{tier} {key:?} on-demand"));
        match (g_spot, spot) {
            (Some(g), Some(w)) => assert_close(g, *w, &format!("{tier} {key:?} spot")),
            (None, None) => {}
            other => panic!("{tier} {key:?}: spot {other:?}"),
        }
    }
    let expected: f64 = want.values().map(|(od, s)| s.unwrap_or(*od)).sum();
    let on_demand: f64 = want.values().map(|(od, _)| od).sum();
    // Spot-or-on-demand hosts may fall back: the ceiling counts them on-demand.
    let ceiling = if spot_or_on_demand {
        on_demand
    } else {
        expected
    };
    let after = &json["cost"]["after"];
    assert_close(
        after["expected_usd"].as_f64().unwrap(),
        expected,
        "expected total",
    );
    assert_close(
        after["on_demand_usd"].as_f64().unwrap(),
        on_demand,
        "on-demand total",
    );
    assert_close(after["ceiling_usd"].as_f64().unwrap(), ceiling, "ceiling");
    assert_eq!(json["cost"]["region"], "us-east-1");
    assert!(json["cost"]["unavailable"].is_null());
}

#[test]
fn the_dev_tier_costs_what_the_catalog_says() {
    // t3.large spot host ($0.0832/h), 30 GiB gp3 root and data volumes ($0.08/GB-month), the
    // host's public IPv4 address ($0.005/h).
    check_tier(
        "dev",
        &[
            (
                "instance.host",
                "ec2/t3.large",
                H * 0.0832,
                Some(H * 0.0832 * SPOT),
            ),
            ("instance.host", "ebs/gp3-gb-month", 30.0 * 0.08, None),
            ("instance.host", "ipv4/public-hour", H * 0.005, None),
            ("volume.data", "ebs/gp3-gb-month", 30.0 * 0.08, None),
        ],
        false,
    );
    // 24.2944 + 2.40 + 3.65 + 2.40 = 32.7444 expected; 60.736 + 8.45 = 69.186 on-demand.
}

#[test]
fn the_automation_tier_costs_what_the_catalog_says() {
    check_tier(
        "automation",
        &[
            (
                "instance.host",
                "ec2/t3.medium",
                H * 0.0416,
                Some(H * 0.0416 * SPOT),
            ),
            ("instance.host", "ebs/gp3-gb-month", 20.0 * 0.08, None),
            ("instance.host", "ipv4/public-hour", H * 0.005, None),
            ("volume.data", "ebs/gp3-gb-month", 20.0 * 0.08, None),
        ],
        true,
    );
}

#[test]
fn the_gpu_tier_costs_what_the_catalog_says() {
    // g4dn.xlarge ($0.526/h) spot-or-on-demand, 100 GiB gp3 root, EFS at the default 20 GB
    // ($0.30/GB-month), an ALB ($0.0225/h) at the default 1 LCU ($0.008/LCU-hour) with one
    // public IPv4 address in each of its 2 zones.
    check_tier(
        "gpu",
        &[
            (
                "instance.host",
                "ec2/g4dn.xlarge",
                H * 0.526,
                Some(H * 0.526 * SPOT),
            ),
            ("instance.host", "ebs/gp3-gb-month", 100.0 * 0.08, None),
            ("instance.host", "ipv4/public-hour", H * 0.005, None),
            (
                "efs_file_system.shared",
                "efs/standard-gb-month",
                20.0 * 0.30,
                None,
            ),
            ("load_balancer.front", "elb/alb-hour", H * 0.0225, None),
            (
                "load_balancer.front",
                "elb/alb-lcu-hour",
                1.0 * H * 0.008,
                None,
            ),
            (
                "load_balancer.front",
                "ipv4/public-hour",
                2.0 * H * 0.005,
                None,
            ),
        ],
        true,
    );
}

/// The lines both recommendation tiers share: the secret, logs at the default 5 GB in and 5 GB
/// kept, an ALB in 2 zones at the default 1 LCU, WAF's ACL ($5), its 2 rules ($1 each) and the
/// default 10 M requests ($0.60/M).
fn recommendation_lines() -> Vec<(&'static str, &'static str, f64, Option<f64>)> {
    vec![
        (
            "secretsmanager_secret.app_key",
            "secretsmanager/secret-month",
            0.40,
            None,
        ),
        (
            "cloudwatch_log_group.api",
            "logs/ingest-gb",
            5.0 * 0.50,
            None,
        ),
        (
            "cloudwatch_log_group.api",
            "logs/storage-gb-month",
            5.0 * 0.03,
            None,
        ),
        ("load_balancer.api", "elb/alb-hour", H * 0.0225, None),
        ("load_balancer.api", "elb/alb-lcu-hour", H * 0.008, None),
        (
            "load_balancer.api",
            "ipv4/public-hour",
            2.0 * H * 0.005,
            None,
        ),
        ("wafv2_web_acl.api", "waf/acl-month", 5.0, None),
        ("wafv2_web_acl.api", "waf/rule-month", 2.0 * 1.0, None),
        ("wafv2_web_acl.api", "waf/requests-1m", 10.0 * 0.60, None),
    ]
}

#[test]
fn the_recommendation_staging_tier_costs_what_the_catalog_says() {
    // One NAT gateway ($0.045/h, $0.045/GB at the default 100 GB) with its Elastic IP; RDS
    // db.t4g.medium single-AZ ($0.065/h) with 20 GiB gp3 ($0.115/GB-month); 2 cache.t4g.small
    // nodes ($0.032/h); 2 Fargate Spot tasks of 0.5 vCPU ($0.01246/vCPU-hour) and 1 GB
    // ($0.00136867/GB-hour); an ALB in 2 zones; WAF: the ACL ($5), 2 rules ($1 each), the
    // default 10 M requests ($0.60/M); logs at the default 5 GB in and 5 GB kept; one secret.
    let mut want = recommendation_lines();
    want.extend([
        ("elastic_ip.nat_a", "ipv4/public-hour", H * 0.005, None),
        ("nat_gateway.a", "nat/hour", H * 0.045, None),
        ("nat_gateway.a", "nat/gb", 100.0 * 0.045, None),
        (
            "db_instance.main",
            "rds/db.t4g.medium/postgres",
            H * 0.065,
            None,
        ),
        ("db_instance.main", "rds/gp3-gb-month", 20.0 * 0.115, None),
        (
            "elasticache_replication_group.main",
            "elasticache/cache.t4g.small",
            2.0 * H * 0.032,
            None,
        ),
        (
            "ecs_service.api",
            "fargate-spot/vcpu-hour",
            2.0 * H * 0.5 * 0.01246,
            None,
        ),
        (
            "ecs_service.api",
            "fargate-spot/gb-hour",
            2.0 * H * 1.0 * 0.00136867,
            None,
        ),
    ]);
    check_tier("recommendation-staging", &want, false);
}

#[test]
fn the_recommendation_production_tier_costs_what_the_catalog_says() {
    // A NAT gateway and Elastic IP per zone; Multi-AZ db.r6g.large ($0.450/h) and 100 GiB of
    // Multi-AZ gp3 ($0.23/GB-month); 2 cache.r6g.large ($0.206/h); 2 Fargate tasks of 1 vCPU
    // ($0.04048/vCPU-hour) and 2 GB ($0.004445/GB-hour).
    let mut want = recommendation_lines();
    for (eip, nat) in [
        ("elastic_ip.nat_a", "nat_gateway.a"),
        ("elastic_ip.nat_b", "nat_gateway.b"),
    ] {
        want.push((eip, "ipv4/public-hour", H * 0.005, None));
        want.push((nat, "nat/hour", H * 0.045, None));
        want.push((nat, "nat/gb", 100.0 * 0.045, None));
    }
    want.extend([
        (
            "db_instance.main",
            "rds/db.r6g.large/postgres-multi-az",
            H * 0.45,
            None,
        ),
        (
            "db_instance.main",
            "rds/gp3-gb-month-multi-az",
            100.0 * 0.23,
            None,
        ),
        (
            "elasticache_replication_group.main",
            "elasticache/cache.r6g.large",
            2.0 * H * 0.206,
            None,
        ),
        (
            "ecs_service.api",
            "fargate/vcpu-hour",
            2.0 * H * 1.0 * 0.04048,
            None,
        ),
        (
            "ecs_service.api",
            "fargate/gb-hour",
            2.0 * H * 2.0 * 0.004445,
            None,
        ),
    ]);
    check_tier("recommendation-production", &want, false);
}

#[test]
fn usage_in_the_tier_replaces_the_defaults_and_is_shown_as_given() {
    let project = TempProject::new();
    let tier = "tiers/gpu.toml";
    let text = std::fs::read_to_string(project.file(tier)).unwrap();
    std::fs::write(
        project.file(tier),
        format!("{text}\n[usage]\nspot_price_ratio = 0.3\n[usage.efs_file_system]\ngb_stored = 200\n[usage.load_balancer.front]\nlcu = 2.5\n"),
    )
    .unwrap();
    let json = estimate(project.path(), "gpu");
    let lines = lines_of(&json);
    let line = |a: &str, k: &str| lines[&(a.to_string(), k.to_string())];
    assert_close(
        line("efs_file_system.shared", "efs/standard-gb-month").0,
        200.0 * 0.30,
        "EFS",
    );
    assert_close(
        line("load_balancer.front", "elb/alb-lcu-hour").0,
        2.5 * H * 0.008,
        "LCU",
    );
    assert_close(
        line("instance.host", "ec2/g4dn.xlarge").1.unwrap(),
        H * 0.526 * 0.3,
        "spot",
    );
    let assumptions = json["cost"]["estimate"]["assumptions"].as_array().unwrap();
    let given = |key: &str| {
        assumptions
            .iter()
            .find(|a| a["key"] == key)
            .map(|a| !a["default"].as_bool().unwrap())
    };
    assert_eq!(given("gb_stored"), Some(true));
    assert_eq!(given("lcu"), Some(true));
    assert_eq!(given("spot_price_ratio"), Some(true));
}

#[test]
fn a_usage_key_no_kind_declares_is_refused_with_the_kinds_keys() {
    let project = TempProject::new();
    let tier = "tiers/dev.toml";
    let text = std::fs::read_to_string(project.file(tier)).unwrap();
    std::fs::write(
        project.file(tier),
        format!("{text}\n[usage.nat_gateway]\ngb_procesed = 5\n"),
    )
    .unwrap();
    let run = strata(project.path())
        .args(["cost", "--tier", "dev"])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::config::unknown_key"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `gb_processed`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("tiers/dev.toml"), "{}", run.stderr);
}

#[test]
fn every_plan_ends_with_the_monthly_cost_and_markdown_shows_the_delta() {
    let project = TempProject::new();
    let state_dir = tempfile::tempdir().unwrap();
    // Recorded: the dev tier with a t3.medium host. Planned: the shipped t3.large.
    project.edit(
        "tiers/dev.toml",
        "instance_type = \"t3.large\"",
        "instance_type = \"t3.medium\"",
    );
    apply_tier(project.path(), "dev", state_dir.path());
    project.edit(
        "tiers/dev.toml",
        "instance_type = \"t3.medium\"",
        "instance_type = \"t3.large\"",
    );
    let before = H * 0.0416 * SPOT + 30.0 * 0.08 + H * 0.005 + 30.0 * 0.08;
    let after = H * 0.0832 * SPOT + 30.0 * 0.08 + H * 0.005 + 30.0 * 0.08;
    let plan = |format: &str| {
        strata(project.path())
            .args(["plan", "--tier", "dev", "--refresh=false", "-o", format])
            .state_dir(state_dir.path())
            .run()
            .expect_code(0)
    };
    let text = plan("text").stdout;
    let last = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>();
    let cost_at = last
        .iter()
        .position(|l| l.starts_with("Cost: "))
        .expect("a cost line");
    assert!(last[cost_at - 1].starts_with("Plan: "), "{text}");
    assert_eq!(
        last[cost_at],
        format!(
            "Cost: ${before:.2} → ${after:.2} a month (+${:.2}), us-east-1 prices of 2026-12-07.",
            after - before
        )
    );
    assert!(
        text.contains("Budget: $40.00 a month, within ($7.26 left)."),
        "{text}"
    );
    let md = plan("markdown").stdout;
    assert!(md.contains("#### Cost"), "{md}");
    assert!(
        md.contains(&format!(
            "| Expected | ${before:.2} | ${after:.2} | **+${:.2}** |",
            after - before
        )),
        "{md}"
    );
    let json = plan("json").json();
    assert_close(
        json["cost"]["before"]["expected_usd"].as_f64().unwrap(),
        before,
        "before",
    );
    assert_close(
        json["cost"]["after"]["expected_usd"].as_f64().unwrap(),
        after,
        "after",
    );
}

#[test]
fn compare_tiers_puts_every_tier_of_the_stack_side_by_side() {
    let project = TempProject::new();
    let run = strata(project.path())
        .args(["cost", "--compare-tiers", "--stack", "ai-stack"])
        .env("STRATA_VAR_certificate_arn", CERTIFICATE)
        .run()
        .expect_code(0);
    let header = run.stdout.lines().nth(1).expect("a header");
    for tier in ["automation", "dev", "gpu"] {
        assert!(header.contains(tier), "{header}");
    }
    assert!(!run.stdout.contains("recommendation"), "{}", run.stdout);
    assert!(
        run.stdout.contains("$32.74"),
        "dev's expected total: {}",
        run.stdout
    );
    let json = strata(project.path())
        .args(["cost", "--compare-tiers", "-o", "json"])
        .env("STRATA_VAR_certificate_arn", CERTIFICATE)
        .run()
        .expect_code(0)
        .json();
    let tiers = json["tiers"].as_array().unwrap();
    assert_eq!(tiers.len(), 5, "every shipped tier");
    assert!(
        tiers.iter().all(|t| t["within_budget"] == true),
        "every shipped tier fits its budget: {json}"
    );
}
