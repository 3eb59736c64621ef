//! Replacement of every resource kind against the AWS emulator, through the real engine and CLI:
//! apply a stack holding all 19 kinds, change one replace-forcing attribute of each resource,
//! check that the plan replaces it, apply, and read back through the SDK that each new resource
//! has a new id and the changed value while the old one is gone.
//!
//! Two kinds have no replace-forcing attribute (AWS changes every one of their settings in
//! place): `internet_gateway` (detach + attach moves it) and `elastic_ip` (associate moves it).
//! They are in the stack too and must keep their ids while following the replaced VPC and
//! instance.
//!
//! Some resources are replaced because a resource they reference is (the route table's only
//! replace-forcing attribute is its VPC, a listener's its load balancer); the others get a
//! change of their own.

use crate::support::fixtures::{AMI_PARAMETER, PUBLIC_KEY};
use crate::support::moto::{moto, MotoSession};
use crate::support::{strata, Run};
use aws_sdk_ec2::types::Filter;
use std::collections::BTreeMap;
use std::path::Path;
use strata::state::LocalBackend;

const DEPLOYMENT: &str = "rp";

/// The stack in generation `g` (1 or 2): generation 2 changes one replace-forcing attribute
/// of every resource (or of what it references).
fn stack(g: u32) -> String {
    let instance_type = if g == 1 { "t3.micro" } else { "t3.small" };
    let device = if g == 1 { "/dev/sdf" } else { "/dev/sdg" };
    // A volume's size and type change in place (ModifyVolume); encryption forces a new one.
    let encrypted = g == 2;
    let mount_subnet = if g == 1 { "a" } else { "b" };
    let tg_port = if g == 1 { 5678 } else { 8080 };
    let target_port = if g == 1 { 5678 } else { 8081 };
    format!(
        r#"
[stack]
name = "replace"
region = "us-east-1"

[tags]
Project = "replace-test"

[resource.vpc.main]
cidr_block = "10.6{g}.0.0/16"

[resource.subnet.a]
vpc_id = "${{vpc.main.id}}"
cidr_block = "10.6{g}.1.0/24"
availability_zone = "us-east-1a"

[resource.subnet.b]
vpc_id = "${{vpc.main.id}}"
cidr_block = "10.6{g}.2.0/24"
availability_zone = "us-east-1b"

[resource.internet_gateway.main]
vpc_id = "${{vpc.main.id}}"

[resource.route_table.public]
vpc_id = "${{vpc.main.id}}"
routes = [{{ destination_cidr_block = "0.0.0.0/0", gateway_id = "${{internet_gateway.main.id}}" }}]
subnet_ids = ["${{subnet.a.id}}", "${{subnet.b.id}}"]

[resource.security_group.host]
vpc_id = "${{vpc.main.id}}"
name = "rp-host-{g}"
description = "replace test host"
ingress = [{{ protocol = "tcp", from_port = 22, to_port = 22, cidr_blocks = ["203.0.113.0/24"] }}]

[resource.iam_role.host]
name = "rp-host-{g}"
assume_role_policy = {{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}] }}

[resource.instance_profile.host]
name = "rp-host-{g}"
role = "${{iam_role.host.name}}"

[resource.key_pair.admin]
key_name = "rp-admin-{g}"
public_key = "{PUBLIC_KEY}"

[resource.instance.host]
ami_ssm_parameter = "{AMI_PARAMETER}"
instance_type = "{instance_type}"
subnet_id = "${{subnet.a.id}}"
vpc_security_group_ids = ["${{security_group.host.id}}"]
iam_instance_profile = "${{instance_profile.host.name}}"
key_name = "${{key_pair.admin.key_name}}"
depends_on = ["route_table.public"]

[resource.elastic_ip.host]
instance_id = "${{instance.host.id}}"

[resource.volume.data]
availability_zone = "${{subnet.a.availability_zone}}"
size_gb = 2
type = "gp3"
encrypted = {encrypted}

[resource.volume_attachment.data]
volume_id = "${{volume.data.id}}"
instance_id = "${{instance.host.id}}"
device_name = "{device}"

[resource.efs_file_system.shared]
encrypted = true
creation_token = "rp-fs-{g}"

[resource.efs_mount_target.a]
file_system_id = "${{efs_file_system.shared.id}}"
subnet_id = "${{subnet.{mount_subnet}.id}}"
security_groups = ["${{security_group.host.id}}"]

[resource.load_balancer.front]
name = "rp-front-{g}"
subnets = ["${{subnet.a.id}}", "${{subnet.b.id}}"]
security_groups = ["${{security_group.host.id}}"]
depends_on = ["route_table.public"]

[resource.target_group.web]
name = "rp-web"
port = {tg_port}
protocol = "HTTP"
vpc_id = "${{vpc.main.id}}"

[resource.target_attachment.web]
target_group_arn = "${{target_group.web.arn}}"
target_id = "${{instance.host.id}}"
port = {target_port}

[resource.listener.http]
load_balancer_arn = "${{load_balancer.front.arn}}"
port = 80
protocol = "HTTP"
default_action = {{ type = "forward", target_group_arn = "${{target_group.web.arn}}" }}

[resource.distribution.cdn]
comment = "replace test"
caller_reference = "rp-cdn-{g}"
price_class = "PriceClass_100"
origins = [{{ id = "alb", domain_name = "${{load_balancer.front.dns_name}}", origin_protocol_policy = "http-only" }}]
default_cache_behavior = {{ target_origin_id = "alb", viewer_protocol_policy = "redirect-to-https", cache_policy_id = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", compress = true }}
"#
    )
}

/// Every address of the stack whose kind has a replace-forcing attribute.
const REPLACED: [&str; 18] = [
    "vpc.main",
    "subnet.a",
    "subnet.b",
    "route_table.public",
    "security_group.host",
    "iam_role.host",
    "instance_profile.host",
    "key_pair.admin",
    "instance.host",
    "volume.data",
    "volume_attachment.data",
    "efs_file_system.shared",
    "efs_mount_target.a",
    "load_balancer.front",
    "target_group.web",
    "target_attachment.web",
    "listener.http",
    "distribution.cdn",
];

/// The kinds without a replace-forcing attribute: updated in place, same id.
const UPDATED: [&str; 2] = ["internet_gateway.main", "elastic_ip.host"];

fn run(project: &Path, state: &Path, moto: &MotoSession, args: &[&str]) -> Run {
    strata(project)
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .args(args)
        .args(["--stack", "replace", "--name", DEPLOYMENT])
        .state_dir(state)
        .run()
}

/// Address → recorded id, from the saved state.
fn recorded_ids(state: &Path) -> BTreeMap<String, String> {
    let state = LocalBackend::new(state)
        .load(DEPLOYMENT)
        .expect("state loads")
        .expect("state exists");
    state
        .resources
        .values()
        .map(|r| {
            (
                r.address.to_string(),
                r.id.clone().expect("every applied resource has an id"),
            )
        })
        .collect()
}

/// `None` when the SDK error is one of the "does not exist" codes; any other error fails.
fn gone<E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug>(
    err: E,
    codes: &[&str],
) -> Option<String> {
    let code = err.code().unwrap_or_default().to_string();
    assert!(codes.contains(&code.as_str()), "unexpected error: {err:?}");
    None
}

fn ec2_filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// The replace-forcing value the test changes of the resource `id` of `kind`, read through the
/// SDK behind strata's back; `None` when the resource no longer exists.
async fn probe(moto: &MotoSession, kind: &str, id: &str) -> Option<String> {
    let ec2 = moto.ec2();
    let iam = moto.iam();
    let efs = moto.efs();
    let elb = moto.elbv2();
    let cf = moto.cloudfront();
    match kind {
        "vpc" => ec2
            .describe_vpcs()
            .filters(ec2_filter("vpc-id", id))
            .send()
            .await
            .expect("describe vpcs")
            .vpcs()
            .first()
            .and_then(|v| v.cidr_block().map(str::to_string)),
        "subnet" => ec2
            .describe_subnets()
            .filters(ec2_filter("subnet-id", id))
            .send()
            .await
            .expect("describe subnets")
            .subnets()
            .first()
            .and_then(|s| s.cidr_block().map(str::to_string)),
        "route_table" => ec2
            .describe_route_tables()
            .filters(ec2_filter("route-table-id", id))
            .send()
            .await
            .expect("describe route tables")
            .route_tables()
            .first()
            .and_then(|r| r.vpc_id().map(str::to_string)),
        "security_group" => ec2
            .describe_security_groups()
            .filters(ec2_filter("group-id", id))
            .send()
            .await
            .expect("describe security groups")
            .security_groups()
            .first()
            .and_then(|g| g.group_name().map(str::to_string)),
        "key_pair" => ec2
            .describe_key_pairs()
            .filters(ec2_filter("key-pair-id", id))
            .send()
            .await
            .expect("describe key pairs")
            .key_pairs()
            .first()
            .and_then(|k| k.key_name().map(str::to_string)),
        "instance" => ec2
            .describe_instances()
            .filters(ec2_filter("instance-id", id))
            .send()
            .await
            .expect("describe instances")
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .find(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
            .and_then(|i| i.instance_type().map(|t| t.as_str().to_string())),
        "volume" => ec2
            .describe_volumes()
            .filters(ec2_filter("volume-id", id))
            .send()
            .await
            .expect("describe volumes")
            .volumes()
            .first()
            .and_then(|v| v.encrypted().map(|e| e.to_string())),
        "volume_attachment" => {
            let (volume, instance) = id.split_once(':').expect("VOLUME:INSTANCE");
            ec2.describe_volumes()
                .filters(ec2_filter("volume-id", volume))
                .send()
                .await
                .expect("describe volumes")
                .volumes()
                .iter()
                .flat_map(|v| v.attachments())
                .find(|a| a.instance_id() == Some(instance))
                .and_then(|a| a.device().map(str::to_string))
        }
        "iam_role" => match iam.get_role().role_name(id).send().await {
            Ok(r) => r.role().map(|r| r.role_name().to_string()),
            Err(e) => gone(e.into_service_error(), &["NoSuchEntity"]),
        },
        "instance_profile" => match iam
            .get_instance_profile()
            .instance_profile_name(id)
            .send()
            .await
        {
            Ok(p) => p
                .instance_profile()
                .map(|p| p.instance_profile_name().to_string()),
            Err(e) => gone(e.into_service_error(), &["NoSuchEntity"]),
        },
        "efs_file_system" => match efs.describe_file_systems().file_system_id(id).send().await {
            Ok(out) => out
                .file_systems()
                .first()
                .map(|f| f.creation_token().to_string()),
            Err(e) => gone(e.into_service_error(), &["FileSystemNotFound"]),
        },
        "efs_mount_target" => match efs
            .describe_mount_targets()
            .mount_target_id(id)
            .send()
            .await
        {
            Ok(out) => out
                .mount_targets()
                .first()
                .map(|m| m.subnet_id().to_string()),
            Err(e) => gone(e.into_service_error(), &["MountTargetNotFound"]),
        },
        "load_balancer" => match elb
            .describe_load_balancers()
            .load_balancer_arns(id)
            .send()
            .await
        {
            Ok(out) => out
                .load_balancers()
                .first()
                .and_then(|l| l.load_balancer_name().map(str::to_string)),
            Err(e) => gone(e.into_service_error(), &["LoadBalancerNotFound"]),
        },
        "target_group" => match elb
            .describe_target_groups()
            .target_group_arns(id)
            .send()
            .await
        {
            Ok(out) => out
                .target_groups()
                .first()
                .and_then(|t| t.port().map(|p| p.to_string())),
            Err(e) => gone(e.into_service_error(), &["TargetGroupNotFound"]),
        },
        "target_attachment" => {
            let mut parts = id.split('|');
            let (group, target) = (parts.next().expect("arn"), parts.next().expect("target"));
            match elb
                .describe_target_health()
                .target_group_arn(group)
                .send()
                .await
            {
                Ok(out) => out
                    .target_health_descriptions()
                    .iter()
                    .filter_map(|d| d.target())
                    .find(|t| t.id() == Some(target))
                    .and_then(|t| t.port().map(|p| p.to_string())),
                Err(e) => gone(e.into_service_error(), &["TargetGroupNotFound"]),
            }
        }
        "listener" => match elb.describe_listeners().listener_arns(id).send().await {
            Ok(out) => out
                .listeners()
                .first()
                .and_then(|l| l.load_balancer_arn().map(str::to_string)),
            Err(e) => gone(e.into_service_error(), &["ListenerNotFound"]),
        },
        "distribution" => match cf.get_distribution_config().id(id).send().await {
            Ok(out) => out
                .distribution_config()
                .map(|c| c.caller_reference().to_string()),
            Err(e) => gone(e.into_service_error(), &["NoSuchDistribution"]),
        },
        "internet_gateway" => ec2
            .describe_internet_gateways()
            .filters(ec2_filter("internet-gateway-id", id))
            .send()
            .await
            .expect("describe internet gateways")
            .internet_gateways()
            .first()
            .and_then(|g| g.attachments().first())
            .and_then(|a| a.vpc_id().map(str::to_string)),
        "elastic_ip" => ec2
            .describe_addresses()
            .filters(ec2_filter("allocation-id", id))
            .send()
            .await
            .expect("describe addresses")
            .addresses()
            .first()
            .and_then(|a| a.instance_id().map(str::to_string)),
        other => panic!("no probe for kind {other}"),
    }
}

fn kind_of(address: &str) -> &str {
    address.split_once('.').map(|(k, _)| k).expect("kind.name")
}

#[tokio::test]
async fn every_kind_is_replaced_when_a_replace_forcing_attribute_changes() {
    let moto = moto();
    let project = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let stack_file = project.path().join("stacks/replace.toml");
    std::fs::create_dir_all(project.path().join("stacks")).unwrap();
    std::fs::write(&stack_file, stack(1)).unwrap();
    run(project.path(), state.path(), &moto, &["apply", "--yes"]).expect_code(0);
    let old = recorded_ids(state.path());
    assert_eq!(old.len(), REPLACED.len() + UPDATED.len(), "{old:?}");
    // Every kind of the registry is in the stack.
    let kinds: std::collections::BTreeSet<&str> = old.keys().map(|a| kind_of(a)).collect();
    assert_eq!(
        kinds.len(),
        strata::aws::registry().names().count(),
        "{kinds:?}"
    );

    std::fs::write(&stack_file, stack(2)).unwrap();
    let plan = run(project.path(), state.path(), &moto, &["plan", "-o", "json"])
        .expect_code(0)
        .json();
    let actions: BTreeMap<String, (String, usize)> = plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap_or_default().to_string(),
                (
                    c["action"].as_str().unwrap_or_default().to_string(),
                    c["replace_because"].as_array().map_or(0, Vec::len),
                ),
            )
        })
        .collect();
    for address in REPLACED {
        let (action, because) = &actions[address];
        assert_eq!(action, "replace", "{address}: {actions:?}");
        assert!(*because > 0, "{address} says why it is replaced");
    }
    for address in UPDATED {
        assert_eq!(actions[address].0, "update", "{address}: {actions:?}");
    }

    run(project.path(), state.path(), &moto, &["apply", "--yes"]).expect_code(0);
    let new = recorded_ids(state.path());
    let expected = |address: &str| -> String {
        match address {
            "vpc.main" => "10.62.0.0/16".into(),
            "subnet.a" => "10.62.1.0/24".into(),
            "subnet.b" => "10.62.2.0/24".into(),
            "route_table.public" | "internet_gateway.main" => new["vpc.main"].clone(),
            "security_group.host" | "iam_role.host" | "instance_profile.host" => "rp-host-2".into(),
            "key_pair.admin" => "rp-admin-2".into(),
            "instance.host" => "t3.small".into(),
            "elastic_ip.host" => new["instance.host"].clone(),
            "volume.data" => "true".into(),
            "volume_attachment.data" => "/dev/sdg".into(),
            "efs_file_system.shared" => "rp-fs-2".into(),
            "efs_mount_target.a" => new["subnet.b"].clone(),
            "load_balancer.front" => "rp-front-2".into(),
            "target_group.web" => "8080".into(),
            "target_attachment.web" => "8081".into(),
            "listener.http" => new["load_balancer.front"].clone(),
            "distribution.cdn" => "rp-cdn-2".into(),
            other => panic!("no expectation for {other}"),
        }
    };
    for address in REPLACED {
        let kind = kind_of(address);
        assert_ne!(old[address], new[address], "{address} has a new id");
        assert_eq!(
            probe(&moto, kind, &new[address]).await,
            Some(expected(address)),
            "{address} ({}) has the changed value",
            new[address]
        );
        assert_eq!(
            probe(&moto, kind, &old[address]).await,
            None,
            "{address}: the old {} is gone",
            old[address]
        );
    }
    for address in UPDATED {
        assert_eq!(old[address], new[address], "{address} keeps its id");
        assert_eq!(
            probe(&moto, kind_of(address), &new[address]).await,
            Some(expected(address)),
            "{address} follows what it references"
        );
    }
    // The account now matches the configuration.
    run(
        project.path(),
        state.path(),
        &moto,
        &["plan", "--detailed-exitcode"],
    )
    .expect_code(0);
}
