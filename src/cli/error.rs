//! Errors the command line itself reports (not configuration, state or plan errors), with a
//! stable code and a help line like every other diagnostic.

use std::fmt;

/// A command-line error with a stable code.
#[derive(Debug)]
pub struct CliError {
    code: &'static str,
    message: String,
    help: String,
}

impl CliError {
    /// Build one.
    pub fn new(code: &'static str, message: String, help: String) -> Self {
        CliError {
            code,
            message,
            help,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

impl miette::Diagnostic for CliError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
}
