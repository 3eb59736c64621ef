//! AWS resource kinds behind the provider boundary.
//!
//! One file per kind, grouped by service. Each kind is a unit struct whose schema is built once.
//!
//! Conventions shared by every kind:
//! - Names that AWS requires to be unique in an account or region (`name`, `key_name`) are
//!   optional: when unset, the provider derives one from the deployment and resource names
//!   (shortened to the service's length limit), so that several tiers of one stack can live in
//!   the same account. They are therefore "optional + computed".
//! - Idempotency tokens (`caller_reference`, `creation_token`) are likewise optional + computed:
//!   when unset, the token is the engine's, derived from the state's lineage, the address and the
//!   intent, and reused when a run finishes an interrupted one (so a retried create is the same
//!   request to AWS, and a new intent is a new one).
//! - Kinds whose resources cannot carry tags (`volume_attachment`, `target_attachment`,
//!   `efs_mount_target`) say what identifies a resource (`identity`) and find it by that
//!   (`find_by_identity`), so that a create interrupted by a kill is found again, not repeated.
//! - `OnChange::Replace` is used exactly where AWS offers no API to change the value of a live
//!   resource; everything AWS can modify in place is `OnChange::Update`.

use crate::provider::Registry;
use std::sync::Arc;

pub mod appautoscaling;
pub mod attrs;
pub mod budgets;
pub mod cloudfront;
mod context;
pub mod cost_explorer;
pub mod docs;
pub mod ec2;
pub mod ecs;
pub mod efs;
pub mod elasticache;
pub mod elbv2;
pub mod errors;
pub mod iam;
pub mod logs;
pub mod meters;
pub mod names;
pub mod pacing;
pub mod paging;
mod profiles;
pub mod rds;
pub mod secrets;
pub mod secretsmanager;
mod shapes;
mod stats;
pub mod tagging;
pub mod wafv2;
pub mod wait;

pub use context::{Aws, AwsSettings};

/// Every resource kind this build knows, offline: schemas only, any AWS call fails with
/// `Unsupported`. Enough for validate and plans from recorded state.
pub fn registry() -> Registry {
    registry_with(Arc::new(Aws::offline()))
}

/// Every resource kind, talking to AWS through `aws` (connected lazily on the first call).
pub fn registry_with(aws: Arc<Aws>) -> Registry {
    let mut registry = Registry::with_stats(aws.stats().clone());
    registry.register(Arc::new(ec2::Vpc::new(aws.clone())));
    registry.register(Arc::new(ec2::Subnet::new(aws.clone())));
    registry.register(Arc::new(ec2::InternetGateway::new(aws.clone())));
    registry.register(Arc::new(ec2::RouteTable::new(aws.clone())));
    registry.register(Arc::new(ec2::SecurityGroup::new(aws.clone())));
    registry.register(Arc::new(ec2::KeyPair::new(aws.clone())));
    registry.register(Arc::new(ec2::Instance::new(aws.clone())));
    registry.register(Arc::new(ec2::Volume::new(aws.clone())));
    registry.register(Arc::new(ec2::VolumeAttachment::new(aws.clone())));
    registry.register(Arc::new(ec2::ElasticIp::new(aws.clone())));
    registry.register(Arc::new(ec2::NatGateway::new(aws.clone())));
    registry.register(Arc::new(iam::IamRole::new(aws.clone())));
    registry.register(Arc::new(iam::InstanceProfile::new(aws.clone())));
    registry.register(Arc::new(elbv2::LoadBalancer::new(aws.clone())));
    registry.register(Arc::new(elbv2::TargetGroup::new(aws.clone())));
    registry.register(Arc::new(elbv2::Listener::new(aws.clone())));
    registry.register(Arc::new(elbv2::TargetAttachment::new(aws.clone())));
    registry.register(Arc::new(cloudfront::Distribution::new(aws.clone())));
    registry.register(Arc::new(efs::EfsFileSystem::new(aws.clone())));
    registry.register(Arc::new(efs::EfsMountTarget::new(aws.clone())));
    registry.register(Arc::new(logs::LogGroup::new(aws.clone())));
    registry.register(Arc::new(secretsmanager::Secret::new(aws.clone())));
    registry.register(Arc::new(ecs::EcsCluster::new(aws.clone())));
    registry.register(Arc::new(ecs::EcsTaskDefinition::new(aws.clone())));
    registry.register(Arc::new(ecs::EcsService::new(aws.clone())));
    registry.register(Arc::new(appautoscaling::AppautoscalingTarget::new(
        aws.clone(),
    )));
    registry.register(Arc::new(appautoscaling::AppautoscalingPolicy::new(
        aws.clone(),
    )));
    registry.register(Arc::new(rds::DbSubnetGroup::new(aws.clone())));
    registry.register(Arc::new(rds::DbInstance::new(aws.clone())));
    registry.register(Arc::new(elasticache::CacheSubnetGroup::new(aws.clone())));
    registry.register(Arc::new(elasticache::ReplicationGroup::new(aws.clone())));
    registry.register(Arc::new(wafv2::WebAcl::new(aws.clone())));
    registry.register(Arc::new(wafv2::WebAclAssociation::new(aws.clone())));
    registry.register(Arc::new(budgets::Budget::new(aws.clone())));
    registry
}

/// A kind whose AWS calls are not written yet: its schema works (validate, plan), and every
/// operation fails with `Unsupported`, naming the kind, so nothing pretends to work.
#[macro_export]
macro_rules! pending_kind {
    ($kind:ident, $schema:ident) => {
        #[async_trait::async_trait]
        impl $crate::provider::ResourceKind for $kind {
            fn schema(&self) -> &$crate::provider::KindSchema {
                &$schema
            }
            async fn describe(
                &self,
                _selector: $crate::provider::Selector<'_>,
            ) -> Result<Vec<$crate::provider::LiveResource>, $crate::provider::ProviderError> {
                Err($crate::aws::pending(self.schema().kind, "describe"))
            }
            async fn create(
                &self,
                _req: &$crate::provider::CreateRequest<'_>,
            ) -> Result<$crate::provider::LiveResource, $crate::provider::ProviderError> {
                Err($crate::aws::pending(self.schema().kind, "create"))
            }
            async fn update(
                &self,
                _req: &$crate::provider::UpdateRequest<'_>,
            ) -> Result<$crate::provider::LiveResource, $crate::provider::ProviderError> {
                Err($crate::aws::pending(self.schema().kind, "update"))
            }
            async fn delete(
                &self,
                _id: &str,
                _recorded: &$crate::provider::Attrs,
            ) -> Result<(), $crate::provider::ProviderError> {
                Err($crate::aws::pending(self.schema().kind, "delete"))
            }
        }
    };
}

/// The error of an operation a kind does not implement yet.
pub fn pending(kind: &str, operation: &str) -> crate::provider::ProviderError {
    crate::provider::ProviderError::new(
        crate::provider::ErrorClass::Unsupported,
        format!("{kind}:{operation}"),
        format!("the `{kind}` kind cannot {operation} through AWS in this build yet"),
    )
}
