//! `strata cost --spot` (being written).

use crate::cli::args::CostArgs;
use crate::cli::exit::ExitStatus;
use crate::cli::ui::Ui;

/// Run `strata cost --spot`.
pub fn run(ui: &Ui, _args: &CostArgs) -> ExitStatus {
    ui.note("error: `strata cost --spot` is not built yet");
    ExitStatus::Error
}
