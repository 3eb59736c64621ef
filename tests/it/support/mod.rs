//! Helpers shared by the integration tests: the emulator and the fault-injecting proxy in front
//! of it, SDK clients for reading the account behind strata's back, helpers for driving one
//! kind, fixtures made through the SDK, a scriptable fake kind for engine tests without the
//! emulator, running the `strata` binary, temporary copies of the project, state written
//! through the library, and a fake apply that records what a plan would create as if AWS had
//! done it.

pub mod fake_apply;
pub mod fake_kind;
pub mod fixtures;
pub mod kinds;
pub mod live;
pub mod moto;
pub mod project;
pub mod proxy;
pub mod run;
pub mod sdk;

pub use fake_apply::{fake_apply, fake_id};
pub use project::{apply_tier, load_deployment, repo_root, save_state, TempProject};
pub use run::{strata, Run};
