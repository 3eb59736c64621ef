//! Spot analysis against the emulator, with realistic price histories served through the
//! proxy (moto prices every zone at 0.00001): moto answers the zones offering each type and the
//! instance types' facts, the proxy answers DescribeSpotPriceHistory from a table per region.

use crate::support::moto::{moto, MotoSession};
use crate::support::project::{load_deployment, TempProject};
use crate::support::proxy::{serve, Proxy, Response};
use crate::support::run::strata;
use std::collections::BTreeSet;
use strata::aws::ec2::Ec2Market;
use strata::cost::spot::{analyse_hosts, resolve_requirements, spot_hosts, SpotHost};
use strata::cost::Catalog;

/// One served history row: region, zone, type, $/h, when.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Histories with several rows per zone and type (the newest is not always last), zones at
/// different prices, and a cheap row for us-east-1e, which moto says does not offer t3.large
/// or the GPU types (it offers them in a, b, c, d and f).
#[rustfmt::skip]
const HISTORY: &[Row] = &[
    // t3.large in us-east-1: the newest 1a price is first and dearer than its old one.
    ("us-east-1", "us-east-1a", "t3.large", "0.0350", "2026-12-05T10:00:00.000Z"),
    ("us-east-1", "us-east-1a", "t3.large", "0.0100", "2026-11-20T10:00:00.000Z"),
    ("us-east-1", "us-east-1b", "t3.large", "0.0300", "2026-12-05T09:00:00.000Z"),
    ("us-east-1", "us-east-1c", "t3.large", "0.0200", "2026-11-30T10:00:00.000Z"),
    ("us-east-1", "us-east-1c", "t3.large", "0.0260", "2026-12-04T10:00:00.000Z"),
    ("us-east-1", "us-east-1d", "t3.large", "0.0290", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1f", "t3.large", "0.0310", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1e", "t3.large", "0.0010", "2026-12-05T08:00:00.000Z"),
    // GPU types in us-east-1 (1c has no g4dn.xlarge price).
    ("us-east-1", "us-east-1a", "g4dn.xlarge", "0.2400", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1b", "g4dn.xlarge", "0.1800", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1d", "g4dn.xlarge", "0.2200", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1f", "g4dn.xlarge", "0.1900", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1e", "g4dn.xlarge", "0.0100", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1a", "g5.xlarge", "0.3000", "2026-11-01T08:00:00.000Z"),
    ("us-east-1", "us-east-1a", "g5.xlarge", "0.2100", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1b", "g5.xlarge", "0.2500", "2026-12-05T08:00:00.000Z"),
    ("us-east-1", "us-east-1a", "g6.xlarge", "0.2300", "2026-12-05T08:00:00.000Z"),
    // Cheap, but no GPU: requirements must rule it out before its price matters.
    ("us-east-1", "us-east-1a", "t3.xlarge", "0.0050", "2026-12-05T08:00:00.000Z"),
    // t3.large in us-west-2: cheaper than anywhere in us-east-1.
    ("us-west-2", "us-west-2a", "t3.large", "0.0240", "2026-12-05T08:00:00.000Z"),
    ("us-west-2", "us-west-2b", "t3.large", "0.0270", "2026-12-05T08:00:00.000Z"),
    ("us-west-2", "us-west-2c", "t3.large", "0.0250", "2026-12-05T08:00:00.000Z"),
    ("us-west-2", "us-west-2d", "t3.large", "0.0300", "2026-12-05T08:00:00.000Z"),
    ("us-west-2", "us-west-2a", "g4dn.xlarge", "0.2000", "2026-12-05T08:00:00.000Z"),
];

/// The rows of `HISTORY` for the request's region and the types it names, as EC2 frames a
/// DescribeSpotPriceHistory answer.
fn history_answer(req: &crate::support::proxy::Request) -> Response {
    let region = serve::region(req);
    let types: BTreeSet<String> = serve::form_values(req, "InstanceType.")
        .into_iter()
        .collect();
    let items: String = HISTORY
        .iter()
        .filter(|(r, _, ty, _, _)| *r == region && types.contains(*ty))
        .map(|(_, zone, ty, usd, at)| {
            format!(
                "<item><instanceType>{ty}</instanceType><productDescription>Linux/UNIX</productDescription><spotPrice>{usd}</spotPrice><timestamp>{at}</timestamp><availabilityZone>{zone}</availabilityZone></item>"
            )
        })
        .collect();
    Response::new(
        200,
        "text/xml;charset=UTF-8",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSpotPriceHistoryResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>served-by-the-test</requestId><spotPriceHistorySet>{items}</spotPriceHistorySet><nextToken></nextToken></DescribeSpotPriceHistoryResponse>"#
        ),
    )
}

fn serving_proxy(moto: &MotoSession) -> Proxy {
    let proxy = Proxy::start(moto.port);
    proxy.serve("ec2:DescribeSpotPriceHistory", history_answer);
    proxy
}

/// The instance types each DescribeSpotPriceHistory call asked for, by region, in order.
fn history_requests(proxy: &Proxy) -> Vec<(String, Vec<String>)> {
    proxy
        .requests()
        .into_iter()
        .filter(|(op, _)| op == "ec2:DescribeSpotPriceHistory")
        .map(|(_, r)| (serve::region(&r), serve::form_values(&r, "InstanceType.")))
        .collect()
}

fn host(address: &str, ty: &str, pinned: Option<&str>) -> SpotHost {
    SpotHost {
        address: address.into(),
        market: "spot".into(),
        instance_type: Some(ty.into()),
        requirements: None,
        pinned_zone: pinned.map(str::to_string),
    }
}

fn on_demand(region: &str, ty: &str) -> f64 {
    Catalog::shipped()
        .price(region, &format!("ec2/{ty}"))
        .unwrap_or_else(|| panic!("ec2/{ty} in the catalog for {region}"))
        .usd
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[tokio::test]
async fn the_cheapest_offering_zone_wins_at_its_latest_price_with_one_history_call_per_region() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let market = Ec2Market::new(proxy.aws(&moto));
    let hosts = [
        host("instance.cpu", "t3.large", None),
        host("instance.gpu", "g4dn.xlarge", None),
    ];
    let others = ["us-west-2".to_string()];
    let got = analyse_hosts(&hosts, &market, "us-east-1", &others, Catalog::shipped())
        .await
        .expect("analysed");
    let cpu = &got[0];
    let home = &cpu.regions[0];
    // 1e answered the cheapest price but does not offer the type; 1a's old low price is stale.
    let zones: Vec<&str> = home.zones.iter().map(|z| z.zone.as_str()).collect();
    assert_eq!(
        zones,
        [
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
            "us-east-1d",
            "us-east-1f"
        ]
    );
    assert!(close(home.zones[0].usd_hour, 0.035), "{:?}", home.zones[0]);
    let chosen = cpu.chosen.as_ref().expect("a zone");
    assert_eq!((chosen.zone.as_str(), chosen.pinned), ("us-east-1c", false));
    assert!(close(chosen.usd_hour, 0.026));
    // The saving is against the catalog's on-demand price, over 730 hours.
    let od = on_demand("us-east-1", "t3.large");
    let saving = chosen.saving.as_ref().expect("a saving");
    assert!(
        close(saving.usd_month, (od - 0.026) * 730.0),
        "{saving:?} vs {od}"
    );
    assert!(close(saving.percent, (od - 0.026) / od * 100.0));
    // us-west-2a is cheaper than any zone of us-east-1; its on-demand price is its own.
    assert_eq!(cpu.cheapest_region.as_deref(), Some("us-west-2"));
    let west = &cpu.regions[1];
    assert_eq!(
        west.cheapest.as_ref().map(|z| z.zone.as_str()),
        Some("us-west-2a")
    );
    assert_eq!(
        west.on_demand_hour,
        Some(on_demand("us-west-2", "t3.large"))
    );

    let gpu = &got[1];
    assert_eq!(gpu.regions[0].unpriced, ["us-east-1c"]);
    assert_eq!(
        gpu.chosen.as_ref().map(|c| c.zone.as_str()),
        Some("us-east-1b")
    );
    assert_eq!(gpu.cheapest_region.as_deref(), Some("us-east-1"));

    // One history call per region, naming both types; not one per zone or per type.
    let both = vec!["g4dn.xlarge".to_string(), "t3.large".to_string()];
    assert_eq!(
        history_requests(&proxy),
        [
            ("us-east-1".to_string(), both.clone()),
            ("us-west-2".to_string(), both)
        ]
    );
    assert_eq!(
        proxy
            .operations_matching("ec2:DescribeInstanceTypeOfferings")
            .len(),
        2
    );
}

#[tokio::test]
async fn the_zone_the_subnet_pins_is_kept_and_the_cheaper_zone_shown() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let market = Ec2Market::new(proxy.aws(&moto));
    let project = TempProject::new();
    // The shipped dev tier: a t3.large spot host in subnet public_a, pinned to us-east-1a.
    let deployment = load_deployment(project.path(), "dev");
    let hosts = spot_hosts(&deployment).expect("hosts");
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    assert_eq!(hosts[0].pinned_zone.as_deref(), Some("us-east-1a"));
    assert_eq!(hosts[0].instance_type.as_deref(), Some("t3.large"));
    let got = analyse_hosts(&hosts, &market, "us-east-1", &[], Catalog::shipped())
        .await
        .expect("analysed");
    let chosen = got[0].chosen.as_ref().expect("the pinned zone");
    assert_eq!((chosen.zone.as_str(), chosen.pinned), ("us-east-1a", true));
    assert!(close(chosen.usd_hour, 0.035));
    let extra = chosen
        .cheapest_would_save_month
        .expect("what 1c would save");
    assert!(close(extra, (0.035 - 0.026) * 730.0), "{extra}");
    let od = on_demand("us-east-1", "t3.large");
    let saving = chosen.saving.as_ref().expect("a saving");
    assert!(close(saving.usd_month, (od - 0.035) * 730.0));
}

/// The ai-stack's host with requirements instead of a type.
fn project_with_requirements() -> TempProject {
    let project = TempProject::new();
    project.edit(
        "stacks/ai-stack.toml",
        "instance_type = \"${var.instance_type}\"",
        "instance_requirements = { vcpus = 4, memory_gib = 16, gpus = 1, gpu_memory_gib = 16, arch = \"x86_64\" }",
    );
    project
}

#[tokio::test]
async fn requirements_resolve_to_the_cheapest_meeting_type_in_the_pinned_zone() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let market = Ec2Market::new(proxy.aws(&moto));
    let project = project_with_requirements();
    let mut deployment = load_deployment(project.path(), "gpu");
    let resolved = resolve_requirements(&mut deployment, &market, "us-east-1")
        .await
        .expect("resolved");
    assert_eq!(resolved.len(), 1);
    let r = &resolved[0];
    assert_eq!(r.address, "instance.host");
    // In us-east-1a (the pinned zone): g5 0.21 < g6 0.23 < g4dn 0.24. Unpinned, g4dn in 1b
    // (0.18) would win; t3.xlarge (0.005) has no GPU; 1e's prices are not offered zones'.
    assert_eq!(r.cheapest.choice.instance_type, "g5.xlarge");
    assert!(close(r.cheapest.choice.usd_hour, 0.21));
    assert_eq!(r.cheapest.choice.zone.as_deref(), Some("us-east-1a"));
    assert_eq!(
        r.cheapest
            .runner_up
            .as_ref()
            .map(|c| c.instance_type.as_str()),
        Some("g6.xlarge")
    );
    // The deployment now names the type, as plan and apply will see it.
    let host = deployment
        .resources
        .iter()
        .find(|(a, _)| a.to_string() == "instance.host")
        .map(|(_, r)| r)
        .expect("the host");
    assert_eq!(
        host.attrs.get("instance_type").and_then(|e| e.as_literal()),
        Some(strata::value::Value::str("g5.xlarge"))
    );
    assert!(!host.attrs.contains_key("instance_requirements"));
    // Moto's facts decided the candidates: the one history call named the GPU types that
    // meet the requirements and no type without a GPU.
    let calls = history_requests(&proxy);
    assert_eq!(calls.len(), 1, "{calls:?}");
    let asked = &calls[0].1;
    for ty in ["g4dn.xlarge", "g5.xlarge", "g6.xlarge"] {
        assert!(asked.iter().any(|t| t == ty), "{ty} not asked: {asked:?}");
    }
    assert!(!asked.iter().any(|t| t.starts_with("t3")), "{asked:?}");
}

#[test]
fn the_cli_prints_each_spot_hosts_zones_and_choice_as_json_and_text() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let project = TempProject::new();
    let run = |args: &[&str]| {
        strata(project.path())
            .env("AWS_ENDPOINT_URL", &proxy.endpoint())
            .args(args)
            .run()
    };
    let json = run(&[
        "cost",
        "--spot",
        "--tier",
        "dev",
        "--regions",
        "us-west-2",
        "-o",
        "json",
    ])
    .expect_code(0)
    .json();
    let host = &json["hosts"][0];
    assert_eq!(host["address"], "instance.host");
    assert_eq!(host["pinned_zone"], "us-east-1a");
    assert_eq!(host["chosen"]["zone"], "us-east-1a");
    assert_eq!(host["regions"][0]["cheapest"]["zone"], "us-east-1c");
    assert_eq!(host["cheapest_region"], "us-west-2");
    let od = on_demand("us-east-1", "t3.large");
    let month = host["chosen"]["saving"]["usd_month"]
        .as_f64()
        .expect("a number");
    assert!(close(month, (od - 0.035) * 730.0), "{month}");
    assert_eq!(
        proxy
            .operations_matching("ec2:DescribeSpotPriceHistory")
            .len(),
        2,
        "one per region"
    );

    let text = run(&["cost", "--spot", "--tier", "dev"])
        .expect_code(0)
        .stdout;
    assert!(text.contains("instance.host"), "{text}");
    let line = |zone: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(zone))
            .unwrap_or_else(|| panic!("no line for {zone}:\n{text}"))
            .to_string()
    };
    assert!(line("us-east-1a").contains("pinned, chosen"), "{text}");
    assert!(line("us-east-1c").contains("cheapest"), "{text}");
    assert!(!text.contains("us-east-1e"), "{text}");
    assert!(text.contains("$0.0350"), "{text}");
}

#[test]
fn a_deployment_without_spot_hosts_says_so_and_exits_0_without_calls() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let project = TempProject::new();
    project.edit(
        "tiers/dev.toml",
        "market = \"spot\"",
        "market = \"on-demand\"",
    );
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .args(["cost", "--spot", "--tier", "dev"])
        .run()
        .expect_code(0);
    assert!(run.stdout.contains("no spot hosts"), "{}", run.stdout);
    assert!(proxy.operations().is_empty(), "{:?}", proxy.operations());
}

#[test]
fn plan_resolves_requirements_to_a_type_before_planning_and_prices_it() {
    let moto = moto();
    let proxy = serving_proxy(&moto);
    let project = project_with_requirements();
    let run = strata(project.path())
        .env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .args(["plan", "--tier", "gpu", "-o", "json"])
        .run()
        .expect_code(0);
    assert!(
        run.stderr
            .contains("instance.host: instance_requirements → g5.xlarge"),
        "{}",
        run.stderr
    );
    let plan = run.json();
    let host = plan["resource_changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["address"] == "instance.host")
        .expect("the host");
    assert_eq!(host["after"]["instance_type"], "g5.xlarge");
    let lines = plan["cost"]["estimate"]["lines"].as_array().expect("lines");
    assert!(
        lines.iter().any(|l| l["price_key"] == "ec2/g5.xlarge"),
        "the chosen type is priced: {lines:?}"
    );
}
