//! How `apply`, `destroy` (and `rollback`) show their progress: a live view on a terminal,
//! plain lines otherwise, JSON lines with `--output json`, failures only with `-q`.

mod line;
mod live;

use super::ui::Ui;
use crate::engine::events::{EventSink, JsonLines, TextLines};
use std::io::IsTerminal;
use std::sync::Arc;

/// Which view a run gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// One JSON event per line on stdout.
    Json,
    /// The live view on stderr.
    Live,
    /// Plain lines on stderr (`quiet`: failures only).
    Plain { quiet: bool },
}

/// The live view needs a terminal that can move its cursor; pipelines, logs and `-q` get lines.
fn choose(json: bool, quiet: bool, stderr_is_terminal: bool, dumb_terminal: bool) -> View {
    if json {
        View::Json
    } else if quiet || !stderr_is_terminal || dumb_terminal {
        View::Plain { quiet }
    } else {
        View::Live
    }
}

/// The event sink for a run with these output settings.
pub fn event_sink(ui: &Ui) -> Arc<dyn EventSink> {
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    match choose(ui.json(), ui.quiet, std::io::stderr().is_terminal(), dumb) {
        View::Json => Arc::new(JsonLines),
        View::Plain { quiet } => Arc::new(TextLines { quiet }),
        View::Live => Arc::new(live::LiveView::new(line::Palette {
            color: ui.color_err,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_wins_over_everything() {
        assert_eq!(choose(true, false, true, false), View::Json);
        assert_eq!(choose(true, true, false, false), View::Json);
    }

    #[test]
    fn only_an_unquiet_capable_terminal_gets_the_live_view() {
        assert_eq!(choose(false, false, true, false), View::Live);
        assert_eq!(
            choose(false, false, false, false),
            View::Plain { quiet: false }
        );
        assert_eq!(
            choose(false, true, true, false),
            View::Plain { quiet: true }
        );
        assert_eq!(
            choose(false, false, true, true),
            View::Plain { quiet: false }
        );
    }
}
