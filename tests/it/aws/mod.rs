//! The AWS resource kinds against the emulator, through the real SDK: create, read, update,
//! replace, drift, errors, pagination, pacing, settings and batched refresh.

mod budgets;
mod compute;
mod deletes;
mod drift_detached;
mod drift_rules;
mod ecs;
mod elb_cloudfront;
mod error_diagnostics;
mod iam_efs;
mod identity;
mod logs_secrets;
mod nat_gateway;
mod network;
mod pacing;
mod pagination;
mod rds_elasticache;
mod refresh_scale;
mod replace;
mod settings;
mod update_in_place;
mod user_data_size;
mod vpc;
mod wafv2;
