//! SDK clients for ELBv2 and CloudFront pointed at the emulator, and a small network to put
//! load balancers in, for checking strata's work behind its back.

use super::moto::MotoSession;

/// The SDK's ELBv2 client pointed at the emulator.
pub fn elbv2(moto: &MotoSession) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::config;
    aws_sdk_elasticloadbalancingv2::Client::from_conf(
        config::Builder::new()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build(),
    )
}

/// The SDK's CloudFront client pointed at the emulator.
pub fn cloudfront(moto: &MotoSession) -> aws_sdk_cloudfront::Client {
    use aws_sdk_cloudfront::config;
    aws_sdk_cloudfront::Client::from_conf(
        config::Builder::new()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .build(),
    )
}

/// A VPC with two subnets in two zones and two security groups, made through the SDK.
pub struct Network {
    /// VPC id.
    pub vpc: String,
    /// Two subnet ids in different availability zones.
    pub subnets: Vec<String>,
    /// Two security group ids.
    pub security_groups: Vec<String>,
}

/// Create [`Network`] in the emulator.
pub async fn network(moto: &MotoSession) -> Network {
    let ec2 = moto.ec2().await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut subnets = Vec::new();
    for (cidr, az) in [("10.9.1.0/24", "us-east-1a"), ("10.9.2.0/24", "us-east-1b")] {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(cidr)
            .availability_zone(az)
            .send()
            .await
            .expect("subnet");
        subnets.push(
            s.subnet()
                .and_then(|s| s.subnet_id())
                .expect("id")
                .to_string(),
        );
    }
    let mut security_groups = Vec::new();
    for name in ["lb-a", "lb-b"] {
        let g = ec2
            .create_security_group()
            .vpc_id(&vpc)
            .group_name(name)
            .description(name)
            .send()
            .await
            .expect("security group");
        security_groups.push(g.group_id().expect("id").to_string());
    }
    subnets.sort();
    security_groups.sort();
    Network {
        vpc,
        subnets,
        security_groups,
    }
}
