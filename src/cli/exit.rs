//! Exit codes: documented in the README and in `strata --help`.

/// What the process returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success (with `--detailed-exitcode`: success and no changes).
    Ok,
    /// 1: an error; diagnostics were printed.
    Error,
    /// 2: with `--detailed-exitcode`, success and the plan has changes.
    Changes,
    /// 3: a saved plan is stale (inputs or state changed since it was made).
    Stale,
    /// 4: apply/destroy would need a confirmation, but there is no terminal and no `--yes`.
    NeedsConfirmation,
    /// 5: apply refused because the planned monthly estimate exceeds the `[budget]`.
    OverBudget,
    /// 64: the command line itself is wrong (unknown flag, missing argument).
    Usage,
    /// 130: interrupted by Ctrl-C; the journal lets the next run finish the work.
    Interrupted,
}

impl ExitStatus {
    /// The numeric code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Error => 1,
            ExitStatus::Changes => 2,
            ExitStatus::Stale => 3,
            ExitStatus::NeedsConfirmation => 4,
            ExitStatus::OverBudget => 5,
            ExitStatus::Usage => 64,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(s.code())
    }
}
