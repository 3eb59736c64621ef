//! EFS resource kinds.

mod common;
pub mod efs_file_system;
pub mod efs_mount_target;

pub use efs_file_system::EfsFileSystem;
pub use efs_mount_target::EfsMountTarget;
