//! Strict mode, rule by rule, through the real SDK: the situation is made in moto behind the
//! proxy's back, the call AWS would refuse is refused through the strict proxy with AWS's code,
//! the same call is forwarded once the dependent is gone, and where moto forgives the call a
//! plain proxy lets it through. One file per service; the helpers they share are here.

mod cloudfront;
mod delays;
mod ecs;
mod efs;
mod elasticache;
mod iam;
mod nat;
mod network;
mod secrets;
mod wafv2;

use crate::support::fixtures::{ami, network, Network};
use crate::support::moto::{moto, MotoSession};
use crate::support::proxy::{FaultKind, Proxy};
use crate::support::sdk::{client_at, EmulatorClient, REGION};
use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{InstanceType, IpPermission, UserIdGroupPair};
use std::fmt::Debug;
use std::time::Duration;
use strata::aws::errors::classify;
use strata::provider::ErrorClass;

/// A client of type `C` talking through `proxy`.
fn through<C: EmulatorClient>(proxy: &Proxy) -> C {
    client_at(&proxy.endpoint(), REGION)
}

/// The code and message of a refused call (fails the test if it succeeded).
#[track_caller]
fn refused<T: Debug, E: ProvideErrorMetadata + Debug>(result: Result<T, E>) -> (String, String) {
    let err = result.expect_err("the call should have been refused");
    (
        err.code().unwrap_or_default().to_string(),
        err.message().unwrap_or_default().to_string(),
    )
}

/// Launch one instance in `subnet` with `groups`.
async fn instance(moto: &MotoSession, subnet: &str, groups: &[&str]) -> String {
    let mut run = moto
        .ec2()
        .run_instances()
        .image_id(ami(moto).await)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet);
    for g in groups {
        run = run.security_group_ids(*g);
    }
    let out = run.send().await.expect("run instance");
    out.instances()[0]
        .instance_id()
        .expect("instance id")
        .to_string()
}

/// A network interface in `subnet` with `groups`.
async fn interface(moto: &MotoSession, subnet: &str, groups: &[&str]) -> String {
    let mut create = moto.ec2().create_network_interface().subnet_id(subnet);
    for g in groups {
        create = create.groups(*g);
    }
    let out = create.send().await.expect("network interface");
    out.network_interface()
        .and_then(|n| n.network_interface_id())
        .expect("eni id")
        .to_string()
}

/// An ingress rule on `group` allowing `source` on port 22.
fn from_group(source: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(source).build())
        .build()
}

/// A file system with one mount target in `subnet` (with `groups`, or the VPC's default).
async fn mounted_file_system(
    moto: &MotoSession,
    token: &str,
    subnet: &str,
    groups: &[&str],
) -> (String, String) {
    let efs = moto.efs();
    let fs = efs
        .create_file_system()
        .creation_token(token)
        .send()
        .await
        .expect("file system")
        .file_system_id()
        .to_string();
    let mut create = efs
        .create_mount_target()
        .file_system_id(&fs)
        .subnet_id(subnet);
    for g in groups {
        create = create.security_groups(*g);
    }
    let target = create
        .send()
        .await
        .expect("mount target")
        .mount_target_id()
        .to_string();
    (fs, target)
}

/// An internet gateway attached to `vpc`.
async fn attached_gateway(moto: &MotoSession, vpc: &str) -> String {
    let ec2 = moto.ec2();
    let gateway = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("igw")
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&gateway)
        .vpc_id(vpc)
        .send()
        .await
        .expect("attach");
    gateway
}
