//! `strata cost refresh-catalog`: the hand-made Price List fixtures (`fixtures/pricing/`, both
//! published shapes) become exactly the catalog written out below; skipped products stay out;
//! the command writes a catalog the library reads back; an empty folder is refused. And the
//! shipped catalog round-trips and covers the contract.

use crate::support::{repo_root, strata};
use std::collections::BTreeMap;
use std::path::PathBuf;
use strata::cost::price_list::{self, PriceListError};
use strata::cost::Catalog;

fn fixtures(shape: &str) -> PathBuf {
    repo_root().join("fixtures/pricing").join(shape)
}

/// Every entry the fixtures must produce: region, key, USD, unit. Written out by hand from the
/// fixtures' prices (with the conversions the parser makes: gp3 throughput is published per
/// GiBps-month, 40.96 / 1024 = 0.04 per MiBps-month; CloudFront HTTPS requests per request,
/// 0.000001 × 10,000 = 0.01 per 10k; WAF requests per request, 0.0000006 × 1,000,000 = 0.6 per 1M).
const EXPECTED: &[(&str, &str, f64, &str)] = &[
    ("eu-west-1", "ebs/gp3-gb-month", 0.088, "GB-month"),
    ("eu-west-1", "ec2/t3.large", 0.0912, "hour"),
    ("eu-west-1", "nat/hour", 0.048, "hour"),
    ("global", "cloudfront/gb-out", 0.085, "GB"),
    ("global", "cloudfront/https-10k", 0.01, "10k requests"),
    ("global", "waf/acl-month", 5.0, "month"),
    ("global", "waf/requests-1m", 0.6, "1M requests"),
    ("global", "waf/rule-month", 1.0, "month"),
    ("us-east-1", "ebs/gp2-gb-month", 0.1, "GB-month"),
    ("us-east-1", "ebs/gp3-gb-month", 0.08, "GB-month"),
    ("us-east-1", "ebs/gp3-iops-month", 0.005, "IOPS-month"),
    ("us-east-1", "ebs/gp3-throughput-month", 0.04, "MiBps-month"),
    ("us-east-1", "ec2/g4dn.xlarge", 0.526, "hour"),
    ("us-east-1", "ec2/m7i.large", 0.1008, "hour"),
    ("us-east-1", "ec2/t3.large", 0.0832, "hour"),
    ("us-east-1", "efs/standard-gb-month", 0.3, "GB-month"),
    ("us-east-1", "elasticache/cache.t4g.micro", 0.016, "hour"),
    ("us-east-1", "elb/alb-hour", 0.0225, "hour"),
    ("us-east-1", "elb/alb-lcu-hour", 0.008, "LCU-hour"),
    ("us-east-1", "fargate-spot/gb-hour", 0.00136867, "GB-hour"),
    ("us-east-1", "fargate-spot/vcpu-hour", 0.01246, "vCPU-hour"),
    ("us-east-1", "fargate/gb-hour", 0.004445, "GB-hour"),
    ("us-east-1", "fargate/vcpu-hour", 0.04048, "vCPU-hour"),
    ("us-east-1", "ipv4/public-hour", 0.005, "hour"),
    ("us-east-1", "logs/ingest-gb", 0.5, "GB"),
    ("us-east-1", "logs/storage-gb-month", 0.03, "GB-month"),
    ("us-east-1", "nat/gb", 0.045, "GB"),
    ("us-east-1", "nat/hour", 0.045, "hour"),
    ("us-east-1", "rds/db.t4g.micro/postgres", 0.016, "hour"),
    (
        "us-east-1",
        "rds/db.t4g.micro/postgres-multi-az",
        0.032,
        "hour",
    ),
    ("us-east-1", "rds/gp2-gb-month", 0.115, "GB-month"),
    ("us-east-1", "rds/gp2-gb-month-multi-az", 0.23, "GB-month"),
    ("us-east-1", "rds/gp3-gb-month", 0.115, "GB-month"),
    ("us-east-1", "rds/gp3-gb-month-multi-az", 0.23, "GB-month"),
    ("us-east-1", "secretsmanager/secret-month", 0.4, "month"),
];

/// The products the fixtures hold that must be skipped: offer code and the reason's gist.
const SKIPPED: &[(&str, &str)] = &[
    ("AmazonEC2", "operatingSystem is `Windows`"),
    ("AmazonEC2", "tenancy is `Dedicated`"),
    ("AmazonEC2", "capacitystatus is `UnusedCapacityReservation`"),
    ("AmazonEC2", "preInstalledSw is `SQL Web`"),
    ("AmazonEC2", "reserved terms only"),
    ("AmazonEC2", "EBS volume type `io1`"),
    ("AWSELB", "load balancer family `Load Balancer-Network`"),
    ("AmazonVPC", "PublicIPv4:IdleAddress"),
    ("AmazonEFS", "Infrequent Access"),
    ("AmazonRDS", "RDS engine `MySQL`"),
    ("AmazonRDS", "Multi-AZ (readable standbys)"),
    ("AmazonElastiCache", "cache engine `Memcached`"),
    ("AmazonECS", "Fargate-ARM-vCPU-Hours"),
    ("AmazonCloudWatch", "tiered price"),
    ("AWSSecretsManager", "AWSSecretsManagerAPIRequest"),
    ("AmazonCloudFront", "EU-DataTransfer-Out-Bytes"),
    ("awswaf", "WAF in `eu-west-1`"),
];

fn entries(catalog: &Catalog) -> Vec<(String, String, f64, String)> {
    catalog
        .regions
        .iter()
        .flat_map(|(region, prices)| {
            prices
                .iter()
                .map(move |(key, p)| (region.clone(), key.clone(), p.usd, p.unit.clone()))
        })
        .collect()
}

fn expected() -> Vec<(String, String, f64, String)> {
    EXPECTED
        .iter()
        .map(|(r, k, usd, u)| (r.to_string(), k.to_string(), *usd, u.to_string()))
        .collect()
}

#[test]
fn bulk_offer_files_become_exactly_the_expected_catalog() {
    let rebuilt = price_list::rebuild(&fixtures("bulk"), "2026-11-21").expect("fixtures read");
    assert_eq!(entries(&rebuilt.catalog), expected());
    assert_eq!(rebuilt.catalog.date, "2026-11-21");
    assert_eq!(rebuilt.catalog.currency, "USD");
    assert_eq!(rebuilt.priced, EXPECTED.len());
    let source = &rebuilt.catalog.source;
    for offer in [
        "AmazonEC2",
        "AmazonRDS",
        "AmazonCloudFront",
        "awswaf",
        "AWSELB",
    ] {
        assert!(
            source.contains(&format!("{offer} (2026-11-20T18:32:41Z)")),
            "{source}"
        );
    }
    assert!(source.contains("14 bulk offer file(s)"), "{source}");
}

#[test]
fn get_products_pages_give_the_same_prices_as_the_bulk_files() {
    let bulk = price_list::rebuild(&fixtures("bulk"), "2026-11-21").expect("bulk read");
    let pages = price_list::rebuild(&fixtures("get-products"), "2026-11-21").expect("pages read");
    assert!(
        pages.files.len() > bulk.files.len(),
        "several pages per offer"
    );
    assert_eq!(pages.catalog.regions, bulk.catalog.regions);
    assert_eq!(entries(&pages.catalog), expected());
    assert!(
        pages.catalog.source.contains("GetProducts answer(s)"),
        "{}",
        pages.catalog.source
    );
}

#[test]
fn products_that_do_not_map_are_skipped_and_counted() {
    for shape in ["bulk", "get-products"] {
        let rebuilt = price_list::rebuild(&fixtures(shape), "2026-11-21").expect("read");
        let reasons: Vec<(String, String)> = rebuilt
            .skipped
            .iter()
            .map(|s| (s.offer_code.clone(), s.reason.clone()))
            .collect();
        for (offer, gist) in SKIPPED {
            assert!(
                reasons.iter().any(|(o, r)| o == offer && r.contains(gist)),
                "{shape}: no skip of {offer} for `{gist}` in {reasons:#?}"
            );
        }
        assert_eq!(
            rebuilt.skipped.len(),
            SKIPPED.len(),
            "{shape}: {reasons:#?}"
        );
        // None of them left a price behind: the Windows and dedicated t3.large are dearer
        // than the Linux one, the EU CloudFront and MySQL prices have no key at all.
        let us = &rebuilt.catalog.regions["us-east-1"];
        assert_eq!(us["ec2/t3.large"].usd, 0.0832);
        assert!(!us.contains_key("ec2/t3.xlarge"), "reserved-only product");
        assert!(!us.keys().any(|k| k.contains("mysql") || k.contains("io1")));
    }
}

#[test]
fn the_command_writes_a_catalog_the_library_reads_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("catalog.json");
    let run = strata(dir.path())
        .args(["cost", "refresh-catalog", "--from"])
        .args([&fixtures("bulk")])
        .args(["--date", "2026-11-21", "--out"])
        .args([&out])
        .args(["-v"])
        .run()
        .expect_code(0);
    assert!(run.stderr.contains("skipped AmazonEC2"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{} skipped", SKIPPED.len())),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&out).expect("catalog written");
    let catalog = Catalog::from_json(&text).expect("the written catalog reads back");
    assert_eq!(entries(&catalog), expected());
    assert_eq!(catalog.date, "2026-11-21");
    assert_eq!(
        catalog.to_json(),
        text,
        "written in the catalog's own format"
    );
    // Without --out it prints the same document.
    let printed = strata(dir.path())
        .args(["cost", "refresh-catalog", "--from"])
        .args([&fixtures("get-products")])
        .args(["--date", "2026-11-21"])
        .run()
        .expect_code(0);
    let again = Catalog::from_json(&printed.stdout).expect("printed catalog reads back");
    assert_eq!(again.regions, catalog.regions);
}

#[test]
fn a_folder_without_price_list_documents_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.json"), "{\"hello\": 1}").expect("write");
    std::fs::write(dir.path().join("README.md"), "# nothing here").expect("write");
    match price_list::rebuild(dir.path(), "2026-11-21") {
        Err(PriceListError::Empty { .. }) => {}
        other => panic!("expected Empty, got {other:?}"),
    }
    let run = strata(dir.path())
        .args(["cost", "refresh-catalog", "--from", "."])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::cost::no_price_list"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("no AWS Price List document"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("offers/v1.0/aws"),
        "help line: {}",
        run.stderr
    );
}

#[test]
fn a_broken_json_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.json"), "{\"products\": ").expect("write");
    let run = strata(dir.path())
        .args(["cost", "refresh-catalog", "--from", "."])
        .run()
        .expect_code(1);
    assert!(
        run.stderr.contains("strata::cost::bad_price_list"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("index.json"), "{}", run.stderr);
}

/// The keys the catalog contract lists for every region, beside the instance types.
const REGIONAL_KEYS: &[&str] = &[
    "ebs/gp3-gb-month",
    "ebs/gp3-iops-month",
    "ebs/gp3-throughput-month",
    "ebs/gp2-gb-month",
    "efs/standard-gb-month",
    "elb/alb-hour",
    "elb/alb-lcu-hour",
    "nat/hour",
    "nat/gb",
    "ipv4/public-hour",
    "rds/gp3-gb-month",
    "rds/gp3-gb-month-multi-az",
    "rds/gp2-gb-month",
    "rds/gp2-gb-month-multi-az",
    "fargate/vcpu-hour",
    "fargate/gb-hour",
    "fargate-spot/vcpu-hour",
    "fargate-spot/gb-hour",
    "logs/ingest-gb",
    "logs/storage-gb-month",
    "secretsmanager/secret-month",
];

const GLOBAL_KEYS: &[&str] = &[
    "cloudfront/gb-out",
    "cloudfront/https-10k",
    "waf/acl-month",
    "waf/rule-month",
    "waf/requests-1m",
];

const REGIONS: &[&str] = &["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
const FAMILIES: &[&str] = &["t3", "t3a", "m6i", "m7i", "c7i", "g4dn", "g5", "g6"];

/// The unit every key of the contract is priced in.
fn unit_of(key: &str) -> &'static str {
    let units: BTreeMap<&str, &str> = [
        ("ec2/", "hour"),
        ("ebs/gp3-gb-month", "GB-month"),
        ("ebs/gp3-iops-month", "IOPS-month"),
        ("ebs/gp3-throughput-month", "MiBps-month"),
        ("ebs/gp2-gb-month", "GB-month"),
        ("efs/standard-gb-month", "GB-month"),
        ("elb/alb-hour", "hour"),
        ("elb/alb-lcu-hour", "LCU-hour"),
        ("nat/hour", "hour"),
        ("nat/gb", "GB"),
        ("ipv4/public-hour", "hour"),
        ("rds/gp3-gb-month", "GB-month"),
        ("rds/gp3-gb-month-multi-az", "GB-month"),
        ("rds/gp2-gb-month", "GB-month"),
        ("rds/gp2-gb-month-multi-az", "GB-month"),
        ("fargate/vcpu-hour", "vCPU-hour"),
        ("fargate/gb-hour", "GB-hour"),
        ("fargate-spot/vcpu-hour", "vCPU-hour"),
        ("fargate-spot/gb-hour", "GB-hour"),
        ("logs/ingest-gb", "GB"),
        ("logs/storage-gb-month", "GB-month"),
        ("secretsmanager/secret-month", "month"),
        ("cloudfront/gb-out", "GB"),
        ("cloudfront/https-10k", "10k requests"),
        ("waf/acl-month", "month"),
        ("waf/rule-month", "month"),
        ("waf/requests-1m", "1M requests"),
    ]
    .into_iter()
    .collect();
    units
        .iter()
        .find(|(prefix, _)| key == **prefix || (prefix.ends_with('/') && key.starts_with(**prefix)))
        .map(|(_, unit)| *unit)
        .unwrap_or("?")
}

#[test]
fn the_shipped_catalog_round_trips_byte_for_byte() {
    let text = std::fs::read_to_string(repo_root().join("src/cost/catalog.json"))
        .expect("shipped catalog readable");
    let catalog = Catalog::from_json(&text).expect("shipped catalog parses");
    assert_eq!(catalog.to_json(), text);
    assert_eq!(&catalog, Catalog::shipped());
}

#[test]
fn the_shipped_catalog_covers_the_contract_in_every_region() {
    let catalog = Catalog::shipped();
    let mut missing = Vec::new();
    for region in REGIONS {
        let Some(prices) = catalog.regions.get(*region) else {
            missing.push(format!("{region}: no prices at all"));
            continue;
        };
        for key in REGIONAL_KEYS {
            match prices.get(*key) {
                None => missing.push(format!("{region} {key}")),
                Some(p) if p.unit != unit_of(key) || p.usd <= 0.0 => {
                    missing.push(format!("{region} {key}: {} per {}", p.usd, p.unit))
                }
                Some(_) => {}
            }
        }
        for family in FAMILIES {
            let prefix = format!("ec2/{family}.");
            let sizes: Vec<_> = prices
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .collect();
            if sizes.is_empty() {
                missing.push(format!("{region} {prefix}*"));
            }
            for (key, p) in sizes {
                if p.unit != "hour" || p.usd <= 0.0 {
                    missing.push(format!("{region} {key}: {} per {}", p.usd, p.unit));
                }
            }
        }
        let has = |prefix: &str| prices.keys().any(|k| k.starts_with(prefix));
        for (prefix, what) in [
            ("rds/db.", "an RDS PostgreSQL class"),
            ("elasticache/cache.", "an ElastiCache node type"),
        ] {
            if !has(prefix) {
                missing.push(format!("{region}: {what}"));
            }
        }
        for key in prices.keys().filter(|k| k.starts_with("rds/db.")) {
            if !(key.ends_with("/postgres") || key.ends_with("/postgres-multi-az")) {
                missing.push(format!("{region} {key}: not a contract key"));
            }
        }
    }
    let global = catalog.regions.get("global");
    for key in GLOBAL_KEYS {
        match global.and_then(|g| g.get(*key)) {
            None => missing.push(format!("global {key}")),
            Some(p) if p.unit != unit_of(key) || p.usd <= 0.0 => {
                missing.push(format!("global {key}: {} per {}", p.usd, p.unit))
            }
            Some(_) => {}
        }
    }
    assert!(
        missing.is_empty(),
        "the shipped catalog lacks: {missing:#?}"
    );
}
