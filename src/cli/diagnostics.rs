//! Printing diagnostics: miette's graphical report for people, JSON objects for tools.

use super::ui::Ui;
use crate::config::{ConfigError, ConfigErrors, Sources};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use serde_json::{json, Value as Json};

/// Render one diagnostic as text, with colours when `color`.
pub fn render_text(diag: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = format!("error: {diag}");
    }
    out
}

/// A diagnostic as a JSON object: code, message, help and, for configuration errors, the
/// file, line and column.
pub fn to_json(diag: &dyn Diagnostic) -> Json {
    json!({
        "severity": "error",
        "code": diag.code().map(|c| c.to_string()),
        "message": diag.to_string(),
        "help": diag.help().map(|h| h.to_string()),
    })
}

/// A configuration error as JSON, with its location.
pub fn config_error_json(err: &ConfigError, sources: Option<&Sources>) -> Json {
    let mut j = to_json(err);
    let location = err.rendered_location().map(str::to_string).or_else(|| {
        sources
            .and_then(|s| err.location(s))
            .map(|(f, l, c)| format!("{f}:{l}:{c}"))
    });
    if let (Some(loc), Json::Object(map)) = (location, &mut j) {
        let mut parts = loc.rsplitn(3, ':');
        let col = parts.next().and_then(|c| c.parse::<u64>().ok());
        let line = parts.next().and_then(|l| l.parse::<u64>().ok());
        let file = parts.next().map(str::to_string);
        map.insert("file".into(), json!(file));
        map.insert("line".into(), json!(line));
        map.insert("column".into(), json!(col));
    }
    j
}

/// Print configuration errors: text to stderr, or a JSON document to stdout.
pub fn print_config_errors(ui: &Ui, errors: &ConfigErrors) {
    if ui.json() {
        let list: Vec<Json> = errors
            .errors
            .iter()
            .map(|e| config_error_json(e, None))
            .collect();
        ui.print(&pretty(&json!({ "valid": false, "diagnostics": list })));
        return;
    }
    for e in &errors.errors {
        eprint!("{}", render_text(e, ui.color_err));
    }
    let n = errors.errors.len();
    eprintln!(
        "{}",
        if n == 1 {
            "1 error found.".to_string()
        } else {
            format!("{n} errors found.")
        }
    );
}

/// Print any other error: text to stderr, or a JSON document to stdout.
pub fn print_error(ui: &Ui, diag: &dyn Diagnostic) {
    if ui.json() {
        ui.print(&pretty(&json!({ "error": to_json(diag) })));
    } else {
        eprint!("{}", render_text(diag, ui.color_err));
    }
}

/// Pretty JSON with a trailing newline.
pub fn pretty(j: &Json) -> String {
    let mut s = serde_json::to_string_pretty(j).unwrap_or_default();
    s.push('\n');
    s
}
