//! `strata cost --actual` (being written).

use crate::cli::args::CostArgs;
use crate::cli::exit::ExitStatus;
use crate::cli::ui::Ui;

/// Run `strata cost --actual`.
pub fn run(ui: &Ui, _args: &CostArgs) -> ExitStatus {
    ui.note("error: `strata cost --actual` is not built yet");
    ExitStatus::Error
}
