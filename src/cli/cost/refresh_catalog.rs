//! `strata cost refresh-catalog` (being written).

use crate::cli::args::RefreshCatalogArgs;
use crate::cli::exit::ExitStatus;
use crate::cli::ui::Ui;

/// Run `strata cost refresh-catalog`.
pub fn run(ui: &Ui, _args: &RefreshCatalogArgs) -> ExitStatus {
    ui.note("error: `strata cost refresh-catalog` is not built yet");
    ExitStatus::Error
}
