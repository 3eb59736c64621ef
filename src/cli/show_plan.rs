//! `strata show-plan FILE`: render a saved plan; `--check` also says whether it went stale.

use super::args::ShowPlanArgs;
use super::exit::ExitStatus;
use super::target;
use super::ui::Ui;
use crate::plan::model::{InputFile, StateRef};
use crate::plan::saved;
use sha2::{Digest, Sha256};

/// Run the command.
pub fn run(ui: &Ui, args: &ShowPlanArgs) -> ExitStatus {
    let plan = match saved::read_plan(&args.file) {
        Ok(p) => p,
        Err(e) => return target::fail(ui, &e),
    };
    if args.check {
        // The plan names its inputs; re-hash those files rather than re-resolving names, so
        // the check sees exactly what the plan saw.
        let current: Vec<InputFile> = plan
            .inputs
            .iter()
            .filter_map(|i| {
                std::fs::read(&i.path).ok().map(|bytes| InputFile {
                    path: i.path.clone(),
                    sha256: hex::encode(Sha256::digest(&bytes)),
                })
            })
            .collect();
        let backend = target::backend(ui, &args.state);
        let state = match backend.load(&plan.deployment) {
            Ok(s) => s.map(|s| StateRef {
                lineage: s.lineage,
                serial: s.serial,
            }),
            Err(e) => return target::fail(ui, &e),
        };
        let reasons = saved::staleness(&plan, &current, state.as_ref(), env!("CARGO_PKG_VERSION"));
        if !reasons.is_empty() {
            super::diagnostics::print_error(ui, &saved::stale_error(reasons));
            return ExitStatus::Stale;
        }
        ui.note("The saved plan is up to date with its inputs and the state.");
    }
    super::plan::print_plan(ui, &plan);
    ExitStatus::Ok
}
