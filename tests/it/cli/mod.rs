//! Black-box tests of the command line: commands, `list`/`show`, refresh and `state`.

mod commands;
mod list;
mod refresh;
mod state;
mod vars;
