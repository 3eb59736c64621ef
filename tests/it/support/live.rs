//! The live account read through the SDK and compared with the dev tier's configuration: the
//! half of the convergence property that a plan cannot vouch for by itself (a plan compares
//! with what strata recorded; this compares with what the configuration says).

use super::moto::MotoSession;
use super::run::strata;
use std::path::Path;

/// A tag filter on `strata:address`.
fn tagged(address: &str) -> aws_sdk_ec2::types::Filter {
    aws_sdk_ec2::types::Filter::builder()
        .name("tag:strata:address")
        .values(address)
        .build()
}

/// What a check found wrong, one line each (empty when everything holds).
pub async fn dev_tier_mismatches(moto: &MotoSession, deployment: &str) -> Vec<String> {
    let ec2 = moto.ec2();
    let mut wrong = Vec::new();
    let vpcs = ec2
        .describe_vpcs()
        .filters(tagged("vpc.main"))
        .send()
        .await
        .expect("DescribeVpcs");
    let [vpc] = vpcs.vpcs() else {
        return vec![format!("{} VPCs tagged vpc.main", vpcs.vpcs().len())];
    };
    let vpc_id = vpc.vpc_id().unwrap_or_default().to_string();
    if vpc.cidr_block() != Some("10.42.0.0/16") {
        wrong.push(format!("vpc cidr {:?}", vpc.cidr_block()));
    }
    for attribute in [
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport,
        aws_sdk_ec2::types::VpcAttributeName::EnableDnsHostnames,
    ] {
        let a = ec2
            .describe_vpc_attribute()
            .vpc_id(&vpc_id)
            .attribute(attribute.clone())
            .send()
            .await
            .expect("DescribeVpcAttribute");
        let on = match attribute {
            aws_sdk_ec2::types::VpcAttributeName::EnableDnsSupport => a.enable_dns_support(),
            _ => a.enable_dns_hostnames(),
        }
        .and_then(|v| v.value());
        if on != Some(true) {
            wrong.push(format!("vpc {attribute:?} is {on:?}"));
        }
    }
    let mut subnet_ids = Vec::new();
    for name in ["subnet.public_a", "subnet.public_b"] {
        let subnets = ec2
            .describe_subnets()
            .filters(tagged(name))
            .send()
            .await
            .expect("DescribeSubnets");
        let [subnet] = subnets.subnets() else {
            wrong.push(format!("{} subnets tagged {name}", subnets.subnets().len()));
            continue;
        };
        if subnet.map_public_ip_on_launch() != Some(true) {
            wrong.push(format!("{name} does not map public IPs on launch"));
        }
        subnet_ids.push(subnet.subnet_id().unwrap_or_default().to_string());
    }
    let gateways = ec2
        .describe_internet_gateways()
        .filters(tagged("internet_gateway.main"))
        .send()
        .await
        .expect("DescribeInternetGateways");
    let gateway_id = match gateways.internet_gateways() {
        [gw] => {
            let attached: Vec<_> = gw.attachments().iter().filter_map(|a| a.vpc_id()).collect();
            if attached != [vpc_id.as_str()] {
                wrong.push(format!("the gateway is attached to {attached:?}"));
            }
            gw.internet_gateway_id().unwrap_or_default().to_string()
        }
        other => {
            wrong.push(format!(
                "{} gateways tagged internet_gateway.main",
                other.len()
            ));
            String::new()
        }
    };
    let tables = ec2
        .describe_route_tables()
        .filters(tagged("route_table.public"))
        .send()
        .await
        .expect("DescribeRouteTables");
    match tables.route_tables() {
        [table] => {
            let mut associated: Vec<String> = table
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(str::to_string))
                .collect();
            associated.sort();
            let mut want = subnet_ids.clone();
            want.sort();
            if associated != want {
                wrong.push(format!(
                    "route table associations {associated:?}, want {want:?}"
                ));
            }
            let default_route = table.routes().iter().any(|r| {
                r.destination_cidr_block() == Some("0.0.0.0/0")
                    && r.gateway_id() == Some(gateway_id.as_str())
            });
            if !default_route {
                wrong.push("no 0.0.0.0/0 route to the gateway".into());
            }
        }
        other => wrong.push(format!(
            "{} route tables tagged route_table.public",
            other.len()
        )),
    }
    let groups = ec2
        .describe_security_groups()
        .filters(tagged("security_group.host"))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    match groups.security_groups() {
        [group] => {
            let mut ports: Vec<(i32, i32)> = group
                .ip_permissions()
                .iter()
                .map(|p| (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1)))
                .collect();
            ports.sort();
            let want = [
                (22, 22),
                (5678, 5678),
                (6333, 6334),
                (11235, 11235),
                (11434, 11434),
            ];
            if ports != want {
                wrong.push(format!("host group ingress ports {ports:?}, want {want:?}"));
            }
            let cidrs_per_rule: Vec<usize> = group
                .ip_permissions()
                .iter()
                .map(|p| p.ip_ranges().len())
                .collect();
            if cidrs_per_rule.iter().any(|&n| n != 1) {
                wrong.push(format!(
                    "host group rules have {cidrs_per_rule:?} ranges each"
                ));
            }
        }
        other => wrong.push(format!("{} groups tagged security_group.host", other.len())),
    }
    let iam = moto.iam();
    let role = format!("{deployment}-host");
    match iam
        .list_attached_role_policies()
        .role_name(&role)
        .send()
        .await
    {
        Ok(attached) => {
            let arns: Vec<_> = attached
                .attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn())
                .collect();
            if arns != ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] {
                wrong.push(format!("role policies {arns:?}"));
            }
        }
        Err(e) => wrong.push(format!("role {role}: {e:?}")),
    }
    match iam.list_role_policies().role_name(&role).send().await {
        Ok(inline) => {
            if inline.policy_names() != ["own-parameters"] {
                wrong.push(format!("inline policies {:?}", inline.policy_names()));
            }
        }
        Err(e) => wrong.push(format!("role {role}: {e:?}")),
    }
    match iam
        .get_instance_profile()
        .instance_profile_name(&role)
        .send()
        .await
    {
        Ok(p) => {
            let roles: Vec<_> = p
                .instance_profile()
                .map(|p| p.roles().iter().map(|r| r.role_name()).collect())
                .unwrap_or_default();
            if roles != [role.as_str()] {
                wrong.push(format!("instance profile roles {roles:?}"));
            }
        }
        Err(e) => wrong.push(format!("instance profile {role}: {e:?}")),
    }
    let reservations = ec2
        .describe_instances()
        .filters(tagged("instance.host"))
        .send()
        .await
        .expect("DescribeInstances");
    let live: Vec<_> = reservations
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .collect();
    match live.as_slice() {
        [instance] => {
            let profile = instance
                .iam_instance_profile()
                .and_then(|p| p.arn())
                .unwrap_or_default();
            if !profile.ends_with(&format!("/{role}")) {
                wrong.push(format!("the instance's profile is `{profile}`"));
            }
            let volumes = ec2
                .describe_volumes()
                .filters(tagged("volume.data"))
                .send()
                .await
                .expect("DescribeVolumes");
            for volume in volumes.volumes() {
                let attached_to: Vec<_> = volume
                    .attachments()
                    .iter()
                    .filter_map(|a| a.instance_id())
                    .collect();
                if attached_to != [instance.instance_id().unwrap_or_default()] {
                    wrong.push(format!("the data volume is attached to {attached_to:?}"));
                }
            }
        }
        other => wrong.push(format!("{} instances tagged instance.host", other.len())),
    }
    wrong
}

/// The convergence property after an apply of the dev tier: the next plan (refreshed against
/// the emulator, not through any fault proxy) exits 0 with `--detailed-exitcode`, and the live
/// account matches the configuration.
pub async fn assert_dev_tier_converged(
    moto: &MotoSession,
    project: &Path,
    state_dir: &Path,
    what: &str,
) {
    let plan = strata(project)
        .args([
            "plan",
            "--tier",
            "dev",
            "--detailed-exitcode",
            "--color",
            "never",
        ])
        .state_dir(state_dir)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .run();
    assert_eq!(
        plan.code, 0,
        "{what}: the next plan is not empty:\n{}\n{}",
        plan.stdout, plan.stderr
    );
    let wrong = dev_tier_mismatches(moto, "ai-stack-dev").await;
    assert!(
        wrong.is_empty(),
        "{what}: the live account differs: {wrong:#?}"
    );
}
