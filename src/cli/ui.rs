//! How the command line talks: colour, verbosity, output format, where messages go.
//! Results go to stdout; progress and notes go to stderr, so pipes get clean data.

use super::args::{ColorChoice, GlobalArgs, OutputFormat};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Output settings of one invocation.
pub struct Ui {
    /// Colour on stdout.
    pub color: bool,
    /// Colour on stderr (diagnostics).
    pub color_err: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-v` count.
    pub verbose: u8,
    /// `--output`, if given.
    pub output: Option<OutputFormat>,
    /// `--project-dir`.
    pub project_dir: PathBuf,
}

/// Whether to colour a stream: NO_COLOR (non-empty) always wins.
fn wants_color(choice: ColorChoice, is_terminal: bool) -> bool {
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal,
    }
}

impl Ui {
    /// Settings from the global arguments and the environment.
    pub fn new(g: &GlobalArgs) -> Self {
        Ui {
            color: wants_color(g.color, std::io::stdout().is_terminal()),
            color_err: wants_color(g.color, std::io::stderr().is_terminal()),
            quiet: g.quiet,
            verbose: g.verbose,
            output: g.output,
            project_dir: g.project_dir.clone(),
        }
    }

    /// The output format, text unless `--output` said otherwise.
    pub fn format(&self) -> OutputFormat {
        self.output.unwrap_or(OutputFormat::Text)
    }

    /// Whether results are JSON.
    pub fn json(&self) -> bool {
        self.format() == OutputFormat::Json
    }

    /// A note on stderr (hidden by `-q` and in JSON mode, where stdout must stay parseable
    /// and stderr quiet unless something fails).
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// A detail shown with `-v`.
    pub fn detail(&self, msg: &str) {
        if self.verbose > 0 && !self.quiet {
            eprintln!("{msg}");
        }
    }

    /// A result on stdout.
    pub fn print(&self, text: &str) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        // A closed stdout (`strata plan | head`) is the reader's choice, not a failure of ours.
        #[allow(clippy::let_underscore_must_use, reason = "see above")]
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            #[allow(clippy::let_underscore_must_use, reason = "see above")]
            let _ = out.write_all(b"\n");
        }
    }

    /// Paint `text` with an ANSI style when colour is on.
    pub fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{style}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
