//! Saved plan files and their staleness check.
