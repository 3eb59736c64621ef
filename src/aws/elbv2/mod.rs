//! Elastic Load Balancing v2 (application load balancer) resource kinds.

mod action;
pub(crate) mod common;
pub mod listener;
pub mod load_balancer;
pub mod target_attachment;
pub mod target_group;

pub use listener::Listener;
pub use load_balancer::LoadBalancer;
pub use target_attachment::TargetAttachment;
pub use target_group::TargetGroup;
