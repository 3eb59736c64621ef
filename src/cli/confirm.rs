//! Asking before changing an account: only on a terminal; pipelines pass `--yes`.

use super::exit::ExitStatus;
use std::io::{BufRead, IsTerminal, Write};

/// Ask the user to type `expected`; `Ok(())` when they did. Without a terminal this refuses
/// (exit 4) rather than hang.
pub fn ask(question: &str, expected: &str) -> Result<(), ExitStatus> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "error: refusing to go on without confirmation: not on a terminal. Pass --yes to confirm non-interactively."
        );
        return Err(ExitStatus::NeedsConfirmation);
    }
    eprint!("{question}\n  Type `{expected}` to confirm: ");
    #[allow(
        clippy::let_underscore_must_use,
        reason = "an unflushed prompt still reads the answer"
    )]
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() || line.trim() != expected {
        eprintln!("Cancelled; nothing was changed.");
        return Err(ExitStatus::Ok);
    }
    Ok(())
}
