//! `strata apply` and `destroy` through the binary: against the emulator, under faults and
//! kills, with health waits, and how progress is shown.

mod convergence;
mod crash;
mod emulator;
mod foreign;
mod progress_view;
mod recommendation;
mod secrets;
mod wait_healthy;
