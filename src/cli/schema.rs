//! `strata schema stack|tier`: the JSON Schema editors use for completion and validation;
//! `strata schema kinds`: the Markdown reference of every resource kind, from the same schemas.

use super::args::{SchemaArgs, SchemaKind};
use super::diagnostics::pretty;
use super::exit::ExitStatus;
use super::ui::Ui;
use crate::config::json_schema::{stack_schema, tier_schema};

/// Run the command.
pub fn run(ui: &Ui, args: &SchemaArgs) -> ExitStatus {
    let registry = crate::aws::registry();
    let schema = match args.kind {
        SchemaKind::Stack => stack_schema(&registry),
        SchemaKind::Tier => tier_schema(&registry),
        SchemaKind::Kinds => {
            ui.print(&crate::aws::docs::kinds_markdown(&registry));
            return ExitStatus::Ok;
        }
    };
    ui.print(&pretty(&schema));
    ExitStatus::Ok
}
