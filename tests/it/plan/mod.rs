//! Plans: diff semantics, renderers, saved plan files and sensitive values.

mod diff;
mod render;
mod saved;
mod sensitive;
