//! The resource dependency graph.
