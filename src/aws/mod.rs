//! AWS resource kinds behind the provider boundary.
//!
//! One file per kind, grouped by service. Each kind is a unit struct whose schema is built once.
//!
//! Conventions shared by every kind:
//! - Names that AWS requires to be unique in an account or region (`name`, `key_name`) are
//!   optional: when unset, the provider derives one from the deployment and resource names
//!   (shortened to the service's length limit), so that several tiers of one stack can live in
//!   the same account. They are therefore "optional + computed".
//! - Idempotency tokens (`caller_reference`, `creation_token`) are likewise optional + computed.
//! - `OnChange::Replace` is used exactly where AWS offers no API to change the value of a live
//!   resource; everything AWS can modify in place is `OnChange::Update`.

use crate::provider::Registry;
use std::sync::Arc;

pub mod cloudfront;
pub mod docs;
pub mod ec2;
pub mod efs;
pub mod elbv2;
pub mod iam;
mod shapes;

/// Every resource kind this build knows.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Arc::new(ec2::Vpc));
    registry.register(Arc::new(ec2::Subnet));
    registry.register(Arc::new(ec2::InternetGateway));
    registry.register(Arc::new(ec2::RouteTable));
    registry.register(Arc::new(ec2::SecurityGroup));
    registry.register(Arc::new(ec2::KeyPair));
    registry.register(Arc::new(ec2::Instance));
    registry.register(Arc::new(ec2::Volume));
    registry.register(Arc::new(ec2::VolumeAttachment));
    registry.register(Arc::new(ec2::ElasticIp));
    registry.register(Arc::new(iam::IamRole));
    registry.register(Arc::new(iam::InstanceProfile));
    registry.register(Arc::new(elbv2::LoadBalancer));
    registry.register(Arc::new(elbv2::TargetGroup));
    registry.register(Arc::new(elbv2::Listener));
    registry.register(Arc::new(elbv2::TargetAttachment));
    registry.register(Arc::new(cloudfront::Distribution));
    registry.register(Arc::new(efs::EfsFileSystem));
    registry.register(Arc::new(efs::EfsMountTarget));
    registry
}
