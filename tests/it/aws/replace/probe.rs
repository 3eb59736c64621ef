//! What the replacement test reads of each resource through the SDK, behind strata's back.

use crate::support::moto::MotoSession;
use aws_sdk_ec2::types::Filter;

/// `None` when the SDK error is one of the "does not exist" codes; any other error fails.
pub fn gone<E: aws_sdk_ec2::error::ProvideErrorMetadata + std::fmt::Debug>(
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
pub async fn probe(moto: &MotoSession, kind: &str, id: &str) -> Option<String> {
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
        other => super::platform::probe(moto, other, id).await,
    }
}
