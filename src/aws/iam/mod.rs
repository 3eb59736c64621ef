//! IAM resource kinds.

mod common;
pub mod iam_role;
pub mod instance_profile;

pub use iam_role::IamRole;
pub use instance_profile::InstanceProfile;
