//! The command line: argument definitions, one file per command, shared rendering helpers.

mod apply;
mod args;
mod confirm;
mod cost;
mod destroy;
mod diagnostics;
mod error;
mod exit;
mod graph;
mod health;
mod inventory;
mod list;
mod live;
mod plan;
mod progress;
mod refresh;
mod rollback;
mod schema;
mod secrets;
mod show;
mod show_plan;
mod show_text;
mod state;
mod summary;
mod table;
mod target;
mod ui;
mod validate;

pub use args::{Cli, Command};
pub use exit::ExitStatus;

use clap::Parser;

/// Parse the process arguments and run the chosen command.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = match err.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    ExitStatus::Ok
                }
                _ => ExitStatus::Usage,
            };
            #[allow(
                clippy::let_underscore_must_use,
                reason = "nothing is left to report to when usage text cannot be written"
            )]
            let _ = err.print();
            return code.into();
        }
    };
    run(&cli).into()
}

/// Run a parsed command line.
pub fn run(cli: &Cli) -> ExitStatus {
    let ui = ui::Ui::new(&cli.global);
    let renders_plans = matches!(cli.command, Command::Plan(_) | Command::ShowPlan(_));
    if ui.output == Some(args::OutputFormat::Markdown) && !renders_plans {
        eprintln!(
            "error: `--output markdown` is only for `plan` and `show-plan`; use text or json here"
        );
        return ExitStatus::Usage;
    }
    match &cli.command {
        Command::Validate(a) => validate::run(&ui, a),
        Command::Graph(a) => graph::run(&ui, a),
        Command::Plan(a) => plan::run(&ui, a),
        Command::ShowPlan(a) => show_plan::run(&ui, a),
        Command::Refresh(a) => refresh::run(&ui, a),
        Command::Apply(a) => apply::run(&ui, a),
        Command::Destroy(a) => destroy::run(&ui, a),
        Command::Rollback(a) => rollback::run(&ui, a),
        Command::State(a) => state::run(&ui, a),
        Command::Schema(a) => schema::run(&ui, a),
        Command::Health(a) => health::run(&ui, a),
        Command::List(a) => list::run(&ui, a),
        Command::Show(a) => show::run(&ui, a),
        Command::Cost(a) => cost::run(&ui, a),
    }
}
