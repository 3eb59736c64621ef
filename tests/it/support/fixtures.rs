//! What tests create behind strata's back through the SDK: a small network to put load
//! balancers in, the AMI moto serves, an instance profile, and an SSH public key.

use super::moto::MotoSession;

/// The Amazon Linux parameter moto serves (its Ubuntu ones do not exist).
pub const AMI_PARAMETER: &str =
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";

/// A real OpenSSH ed25519 public key (test material, no private key kept anywhere).
pub const PUBLIC_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGXZLS9eQqY9hmfBdxPz1tJ265HtD8uNERex1IGg7wof strata-test";

/// The AMI id behind [`AMI_PARAMETER`], read through SSM behind strata's back.
pub async fn ami(moto: &MotoSession) -> String {
    moto.ssm()
        .get_parameter()
        .name(AMI_PARAMETER)
        .send()
        .await
        .expect("get AMI parameter")
        .parameter()
        .and_then(|p| p.value())
        .expect("AMI parameter value")
        .to_string()
}

/// An instance profile named `name` (with no role: moto does not need one).
pub async fn instance_profile(moto: &MotoSession, name: &str) {
    moto.iam()
        .create_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .expect("create instance profile");
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

/// A VPC `10.N.0.0/16` with one `/24` subnet in each of `zones`, made through the SDK: the VPC
/// id and the subnet ids, in the order of `zones`.
pub async fn vpc_with_subnets(moto: &MotoSession, n: u8, zones: &[&str]) -> (String, Vec<String>) {
    let ec2 = moto.ec2();
    let vpc = ec2
        .create_vpc()
        .cidr_block(format!("10.{n}.0.0/16"))
        .send()
        .await
        .expect("vpc")
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("vpc id")
        .to_string();
    let mut subnets = Vec::new();
    for (i, az) in zones.iter().enumerate() {
        let s = ec2
            .create_subnet()
            .vpc_id(&vpc)
            .cidr_block(format!("10.{n}.{}.0/24", i + 1))
            .availability_zone(*az)
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
    (vpc, subnets)
}

/// Create [`Network`] in the emulator.
pub async fn network(moto: &MotoSession) -> Network {
    let ec2 = moto.ec2();
    let (vpc, mut subnets) = vpc_with_subnets(moto, 9, &["us-east-1a", "us-east-1b"]).await;
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
