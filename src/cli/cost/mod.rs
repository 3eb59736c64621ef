//! `strata cost`: estimates, tier comparison, spot analysis, actual costs, catalog rebuild.

mod actual;
mod estimate;
mod refresh_catalog;
mod spot;

use super::args::{CostArgs, CostCommand};
use super::exit::ExitStatus;
use super::ui::Ui;

/// Run the command.
pub fn run(ui: &Ui, args: &CostArgs) -> ExitStatus {
    match &args.command {
        Some(CostCommand::RefreshCatalog(a)) => refresh_catalog::run(ui, a),
        None if args.catalog => estimate::print_catalog(ui),
        None if args.compare_tiers => estimate::compare_tiers(ui, args),
        None if args.actual => actual::run(ui, args),
        None if args.spot => spot::run(ui, args),
        None => estimate::run(ui, args),
    }
}
