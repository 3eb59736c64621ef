//! Which catalog key a Price List product prices, read from its attributes.
//!
//! Attribute names and values follow the published offer files. Those confirmed against
//! public code that reads the real files (infracost's filters and others): EC2
//! `Compute Instance` attributes, EBS `volumeApiName` and the `EBS:VolumeUsage.gp3` /
//! `EBS:VolumeP-IOPS.gp3` / `EBS:VolumeP-Throughput.gp3` usage types (throughput priced per
//! `GiBps-mo`), EFS `TimedStorage-ByteHrs`, ELB `Load Balancer-Application` with
//! `LoadBalancerUsage` / `LCUUsage`, `NatGateway-Hours` / `NatGateway-Bytes`,
//! `PublicIPv4:InUseAddress`, RDS `Database Instance` (`databaseEngine`, `deploymentOption`)
//! and `Database Storage` (`volumeType` `General Purpose` / `General Purpose-GP3`,
//! `databaseEngine` `Any`), Fargate `Fargate-vCPU-Hours:perCPU` / `Fargate-GB-Hours`,
//! CloudWatch Logs `DataProcessing-Bytes` / `TimedStorage-ByteHrs`,
//! `AWSSecretsManager-Secrets`, CloudFront `US-DataTransfer-Out-Bytes` and
//! `US-Requests-Tier2-HTTPS`.
//! Not confirmed (no published file could be read from this machine): the Fargate Spot usage
//! types (`SpotUsage-Fargate-*`, after the Fargate ones), ElastiCache's `NodeUsage:` prefix,
//! and WAF's (`awswaf`) usage types and units: WAF products are recognised by their `group`
//! (`Web ACL`, `Rule`, `Request`) or a usage type ending `WebACL` / `Rule` / `Request`.

use super::document::Product;
use crate::cost::catalog::GLOBAL;

/// A product the catalog prices.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped {
    /// The catalog region (a region code, or [`GLOBAL`]).
    pub region: String,
    /// The catalog key (`ec2/t3.large`).
    pub key: String,
    /// The catalog's unit of the key.
    pub unit: &'static str,
    /// The Price List units accepted, lower case, each with the factor that turns a price
    /// per that unit into a price per the catalog's unit.
    pub units: &'static [(&'static str, f64)],
    /// Whether the key names the first tier of a tiered price (then tiers above it are
    /// ignored instead of making the product unusable).
    pub first_tier: bool,
}

const HOURS: &[(&str, f64)] = &[("hrs", 1.0), ("hours", 1.0), ("hour", 1.0)];
const GB_MONTH: &[(&str, f64)] = &[("gb-mo", 1.0), ("gb-month", 1.0)];
const GB: &[(&str, f64)] = &[("gb", 1.0)];

/// The catalog key of `product`, or why it has none.
pub fn map(product: &Product) -> Result<Mapped, String> {
    let ut = product.attr("usagetype");
    match product.offer_code.as_str() {
        "AmazonEC2" => ec2(product, ut),
        "AWSELB" => elb(product, ut),
        "AmazonVPC" => vpc(product, ut),
        "AmazonEFS" => efs(product, ut),
        "AmazonRDS" => rds(product, ut),
        "AmazonElastiCache" => elasticache(product, ut),
        "AmazonECS" => fargate(product, ut),
        "AmazonCloudWatch" => logs(product, ut),
        "AWSSecretsManager" => secrets(product, ut),
        "AmazonCloudFront" => cloudfront(product, ut),
        "awswaf" => waf(product, ut),
        "" => Err("no offer code".into()),
        other => Err(format!("offer `{other}` has no catalog keys")),
    }
}

fn ec2(p: &Product, ut: &str) -> Result<Mapped, String> {
    match p.family.as_str() {
        "Compute Instance" => ec2_instance(p),
        "Storage" => match p.attr("volumeApiName") {
            "gp3" if usage_is(ut, "EBS:VolumeUsage.gp3") => {
                regional(p, "ebs/gp3-gb-month".into(), "GB-month", GB_MONTH)
            }
            "gp2" if usage_is(ut, "EBS:VolumeUsage.gp2") => {
                regional(p, "ebs/gp2-gb-month".into(), "GB-month", GB_MONTH)
            }
            other => Err(format!("EBS volume type `{other}` ({ut}) is not priced")),
        },
        "System Operation" if usage_is(ut, "EBS:VolumeP-IOPS.gp3") => regional(
            p,
            "ebs/gp3-iops-month".into(),
            "IOPS-month",
            &[("iops-mo", 1.0), ("iops-month", 1.0)],
        ),
        // AWS prices gp3 throughput per GiB/s-month; the catalog per MiB/s-month.
        "Provisioned Throughput" if usage_is(ut, "EBS:VolumeP-Throughput.gp3") => regional(
            p,
            "ebs/gp3-throughput-month".into(),
            "MiBps-month",
            &[
                ("gibps-mo", 1.0 / 1024.0),
                ("mibps-mo", 1.0),
                ("mibps-month", 1.0),
            ],
        ),
        "NAT Gateway" if usage_is(ut, "NatGateway-Hours") => {
            regional(p, "nat/hour".into(), "hour", HOURS)
        }
        "NAT Gateway" if usage_is(ut, "NatGateway-Bytes") => regional(p, "nat/gb".into(), "GB", GB),
        // Some offers list ALBs under AmazonEC2 as well as AWSELB.
        "Load Balancer-Application" => elb(p, ut),
        _ if usage_is(ut, "PublicIPv4:InUseAddress") => vpc(p, ut),
        family => Err(format!(
            "EC2 product family `{family}` ({ut}) is not priced"
        )),
    }
}

fn ec2_instance(p: &Product) -> Result<Mapped, String> {
    let want = [
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"),
        ("licenseModel", "No License required"),
    ];
    for (attr, value) in want {
        let got = p.attr(attr);
        if got != value {
            return Err(format!("{attr} is `{got}`, not `{value}`"));
        }
    }
    let market = p.attr("marketoption");
    if !market.is_empty() && market != "OnDemand" {
        return Err(format!("market option `{market}`"));
    }
    let instance_type = p.attr("instanceType");
    if instance_type.is_empty() {
        return Err("no instanceType".into());
    }
    regional(p, format!("ec2/{instance_type}"), "hour", HOURS)
}

fn elb(p: &Product, ut: &str) -> Result<Mapped, String> {
    if p.family != "Load Balancer-Application" {
        return Err(format!("load balancer family `{}` is not priced", p.family));
    }
    let location_type = p.attr("locationType");
    if !location_type.is_empty() && location_type != "AWS Region" {
        return Err(format!("location type `{location_type}`"));
    }
    if usage_is(ut, "LoadBalancerUsage") {
        regional(p, "elb/alb-hour".into(), "hour", HOURS)
    } else if usage_is(ut, "LCUUsage") {
        regional(
            p,
            "elb/alb-lcu-hour".into(),
            "LCU-hour",
            &[("lcu-hrs", 1.0), ("lcu-hours", 1.0)],
        )
    } else {
        Err(format!("ALB usage type `{ut}` is not priced"))
    }
}

fn vpc(p: &Product, ut: &str) -> Result<Mapped, String> {
    if usage_is(ut, "PublicIPv4:InUseAddress") {
        regional(p, "ipv4/public-hour".into(), "hour", HOURS)
    } else {
        Err(format!("VPC usage type `{ut}` is not priced"))
    }
}

fn efs(p: &Product, ut: &str) -> Result<Mapped, String> {
    let class = p.attr("storageClass");
    if p.family == "Storage" && class == "General Purpose" && usage_is(ut, "TimedStorage-ByteHrs") {
        regional(p, "efs/standard-gb-month".into(), "GB-month", GB_MONTH)
    } else {
        Err(format!(
            "EFS `{}` / `{class}` ({ut}) is not priced",
            p.family
        ))
    }
}

fn rds(p: &Product, ut: &str) -> Result<Mapped, String> {
    let engine = p.attr("databaseEngine");
    let suffix = match p.attr("deploymentOption") {
        "Single-AZ" => "",
        "Multi-AZ" => "-multi-az",
        other => return Err(format!("RDS deployment option `{other}`")),
    };
    match p.family.as_str() {
        "Database Instance" => {
            if engine != "PostgreSQL" {
                return Err(format!("RDS engine `{engine}`"));
            }
            let class = p.attr("instanceType");
            if class.is_empty() {
                return Err("no instanceType".into());
            }
            regional(p, format!("rds/{class}/postgres{suffix}"), "hour", HOURS)
        }
        "Database Storage" => {
            if engine != "Any" && engine != "PostgreSQL" {
                return Err(format!("RDS storage for engine `{engine}`"));
            }
            let (volume, usage) = match (p.attr("volumeType"), suffix.is_empty()) {
                ("General Purpose-GP3", true) => ("gp3", "RDS:GP3-Storage"),
                ("General Purpose-GP3", false) => ("gp3", "RDS:Multi-AZ-GP3-Storage"),
                ("General Purpose", true) => ("gp2", "RDS:GP2-Storage"),
                ("General Purpose", false) => ("gp2", "RDS:Multi-AZ-GP2-Storage"),
                (other, _) => return Err(format!("RDS volume type `{other}`")),
            };
            if !usage_is(ut, usage) {
                return Err(format!("RDS storage usage type `{ut}`"));
            }
            regional(
                p,
                format!("rds/{volume}-gb-month{suffix}"),
                "GB-month",
                GB_MONTH,
            )
        }
        family => Err(format!("RDS product family `{family}` is not priced")),
    }
}

fn elasticache(p: &Product, ut: &str) -> Result<Mapped, String> {
    if p.family != "Cache Instance" {
        return Err(format!("ElastiCache family `{}` is not priced", p.family));
    }
    let engine = p.attr("cacheEngine");
    if engine != "Redis" {
        return Err(format!("cache engine `{engine}`"));
    }
    let node = p.attr("instanceType");
    if node.is_empty() || !usage_is(ut, &format!("NodeUsage:{node}")) {
        return Err(format!("ElastiCache usage type `{ut}` is not node hours"));
    }
    regional(p, format!("elasticache/{node}"), "hour", HOURS)
}

fn fargate(p: &Product, ut: &str) -> Result<Mapped, String> {
    const VCPU: &[(&str, f64)] = &[("hours", 1.0), ("hrs", 1.0), ("vcpu-hours", 1.0)];
    const GB_HOURS: &[(&str, f64)] = &[("gb-hours", 1.0), ("hours", 1.0), ("hrs", 1.0)];
    let (key, unit, units) = if usage_is(ut, "Fargate-vCPU-Hours:perCPU") {
        ("fargate/vcpu-hour", "vCPU-hour", VCPU)
    } else if usage_is(ut, "Fargate-GB-Hours") {
        ("fargate/gb-hour", "GB-hour", GB_HOURS)
    } else if usage_is(ut, "SpotUsage-Fargate-vCPU-Hours:perCPU") {
        ("fargate-spot/vcpu-hour", "vCPU-hour", VCPU)
    } else if usage_is(ut, "SpotUsage-Fargate-GB-Hours") {
        ("fargate-spot/gb-hour", "GB-hour", GB_HOURS)
    } else {
        return Err(format!("ECS usage type `{ut}` is not Linux/x86 Fargate"));
    };
    regional(p, key.into(), unit, units)
}

fn logs(p: &Product, ut: &str) -> Result<Mapped, String> {
    if usage_is(ut, "DataProcessing-Bytes") {
        regional(p, "logs/ingest-gb".into(), "GB", GB)
    } else if usage_is(ut, "TimedStorage-ByteHrs") {
        regional(p, "logs/storage-gb-month".into(), "GB-month", GB_MONTH)
    } else {
        Err(format!("CloudWatch usage type `{ut}` is not priced"))
    }
}

fn secrets(p: &Product, ut: &str) -> Result<Mapped, String> {
    if usage_is(ut, "AWSSecretsManager-Secrets") {
        regional(
            p,
            "secretsmanager/secret-month".into(),
            "month",
            &[("secrets", 1.0), ("secret-month", 1.0), ("month", 1.0)],
        )
    } else {
        Err(format!("Secrets Manager usage type `{ut}` is not priced"))
    }
}

fn cloudfront(p: &Product, ut: &str) -> Result<Mapped, String> {
    if ut == "US-DataTransfer-Out-Bytes" {
        let transfer = p.attr("transferType");
        if transfer != "CloudFront Outbound" {
            return Err(format!("CloudFront transfer type `{transfer}`"));
        }
        return Ok(Mapped {
            region: GLOBAL.into(),
            key: "cloudfront/gb-out".into(),
            unit: "GB",
            units: GB,
            first_tier: true,
        });
    }
    if ut == "US-Requests-Tier2-HTTPS" {
        return Ok(Mapped {
            region: GLOBAL.into(),
            key: "cloudfront/https-10k".into(),
            unit: "10k requests",
            units: &[("requests", 10_000.0), ("10k requests", 1.0)],
            first_tier: false,
        });
    }
    Err(format!("CloudFront usage type `{ut}` is not priced"))
}

fn waf(p: &Product, ut: &str) -> Result<Mapped, String> {
    // The catalog keeps one WAF price for every region: us-east-1's.
    let region = region_of(p)?;
    if region != "us-east-1" {
        return Err(format!(
            "WAF in `{region}`: the catalog keeps us-east-1's price as the global one"
        ));
    }
    let group = p.attr("group");
    let (key, unit, units): (&str, &str, &'static [(&str, f64)]) =
        if group == "Web ACL" || ut.ends_with("WebACL") {
            (
                "waf/acl-month",
                "month",
                &[
                    ("webacl-mo", 1.0),
                    ("month", 1.0),
                    ("mo", 1.0),
                    ("webacl", 1.0),
                ],
            )
        } else if group == "Rule" || ut.ends_with("Rule") {
            (
                "waf/rule-month",
                "month",
                &[("rule-mo", 1.0), ("month", 1.0), ("mo", 1.0), ("rule", 1.0)],
            )
        } else if group == "Request" || ut.ends_with("Request") {
            (
                "waf/requests-1m",
                "1M requests",
                &[
                    ("requests", 1_000_000.0),
                    ("request", 1_000_000.0),
                    ("1m requests", 1.0),
                ],
            )
        } else {
            return Err(format!("WAF usage type `{ut}` is not priced"));
        };
    Ok(Mapped {
        region: GLOBAL.into(),
        key: key.into(),
        unit,
        units,
        first_tier: false,
    })
}

fn regional(
    p: &Product,
    key: String,
    unit: &'static str,
    units: &'static [(&'static str, f64)],
) -> Result<Mapped, String> {
    Ok(Mapped {
        region: region_of(p)?,
        key,
        unit,
        units,
        first_tier: false,
    })
}

/// The product's region: `regionCode`, else its `location` name.
fn region_of(p: &Product) -> Result<String, String> {
    let code = p.attr("regionCode");
    if !code.is_empty() {
        return Ok(code.to_string());
    }
    let location = p.attr("location");
    LOCATIONS
        .iter()
        .find(|(name, _)| *name == location)
        .map(|(_, code)| code.to_string())
        .ok_or_else(|| format!("location `{location}` is not a known region"))
}

/// Price List location names of the regions priced (older files name `EU`, newer `Europe`).
const LOCATIONS: &[(&str, &str)] = &[
    ("US East (N. Virginia)", "us-east-1"),
    ("US East (Ohio)", "us-east-2"),
    ("US West (N. California)", "us-west-1"),
    ("US West (Oregon)", "us-west-2"),
    ("EU (Ireland)", "eu-west-1"),
    ("Europe (Ireland)", "eu-west-1"),
    ("EU (Frankfurt)", "eu-central-1"),
    ("Europe (Frankfurt)", "eu-central-1"),
    ("EU (London)", "eu-west-2"),
    ("Europe (London)", "eu-west-2"),
];

/// Whether a usage type is `base`, alone or after a region prefix (`USW2-`, `EU-`, `USE1-`):
/// us-east-1 writes most usage types without one, other regions with theirs.
pub fn usage_is(usage_type: &str, base: &str) -> bool {
    usage_type == base
        || usage_type.split_once('-').is_some_and(|(prefix, rest)| {
            rest == base
                && (2..=5).contains(&prefix.len())
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_match_with_or_without_a_region_prefix() {
        assert!(usage_is("NatGateway-Hours", "NatGateway-Hours"));
        assert!(usage_is("USW2-NatGateway-Hours", "NatGateway-Hours"));
        assert!(usage_is("EU-LoadBalancerUsage", "LoadBalancerUsage"));
        // A trust-store hour is not a load balancer hour, nor infrequent access standard.
        assert!(!usage_is("CAN1-TS-LoadBalancerUsage", "LoadBalancerUsage"));
        assert!(!usage_is(
            "USE1-IATimedStorage-ByteHrs",
            "TimedStorage-ByteHrs"
        ));
        assert!(!usage_is(
            "USE1-SpotUsage-Fargate-GB-Hours",
            "Fargate-GB-Hours"
        ));
    }
}
