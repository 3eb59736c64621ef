//! Helpers shared by the integration tests: running the `strata` binary, temporary copies of the
//! project, state written through the library, and a fake apply that records what a plan would
//! create as if AWS had done it.
//!
//! Included with `mod support;`; each test binary uses only part of it, hence the allow below.
#![allow(dead_code, unused_imports)]

pub mod fake_apply;
pub mod fake_kind;
pub mod project;
pub mod run;

pub use fake_apply::{fake_apply, fake_id};
pub use project::{apply_tier, load_deployment, repo_root, save_state, TempProject};
pub use run::{strata, Run};
pub mod moto;
pub mod proxy;
pub mod sdk_compute;
pub mod sdk_elb;
pub mod sdk_iamefs;
