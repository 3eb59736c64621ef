//! `strata cost --tier T` and `--compare-tiers` (being written).

use crate::cli::args::CostArgs;
use crate::cli::exit::ExitStatus;
use crate::cli::ui::Ui;

/// Run `strata cost --tier T`.
pub fn run(ui: &Ui, _args: &CostArgs) -> ExitStatus {
    ui.note("error: not built yet");
    ExitStatus::Error
}

/// Run `strata cost --compare-tiers`.
pub fn compare_tiers(ui: &Ui, _args: &CostArgs) -> ExitStatus {
    ui.note("error: not built yet");
    ExitStatus::Error
}

/// Run `strata cost --catalog`.
pub fn print_catalog(ui: &Ui) -> ExitStatus {
    ui.note("error: not built yet");
    ExitStatus::Error
}
