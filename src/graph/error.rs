//! Why a set of resources and dependencies is not a usable graph.

use super::Edge;
use crate::address::Address;
use crate::config::{codes, ConfigError, Origin};
use std::fmt;

/// A dependency loop, as the edges that form it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    /// The hops in order: each hop's `to` is the next hop's `from`, and the last hop's `to` is
    /// the first hop's `from`. A resource depending on itself is one hop.
    pub hops: Vec<Edge>,
}

impl Cycle {
    /// The addresses along the loop, with the first repeated at the end (`a, b, c, a`).
    pub fn path(&self) -> Vec<&Address> {
        let mut out: Vec<&Address> = self.hops.iter().map(|h| &h.from).collect();
        if let Some(first) = self.hops.first() {
            out.push(&first.from);
        }
        out
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, address) in self.path().into_iter().enumerate() {
            if i > 0 {
                f.write_str(" -> ")?;
            }
            write!(f, "{address}")?;
        }
        Ok(())
    }
}

/// Why the graph could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum GraphError {
    /// Resources depend on each other in a loop.
    #[error("dependency cycle: {0}")]
    #[diagnostic(
        code(strata::config::cycle),
        help("break the loop: remove one of these references or `depends_on` entries")
    )]
    Cycle(Cycle),
    /// An edge names a resource that is not in the graph.
    #[error("`{from}` depends on `{to}`, which is not declared")]
    #[diagnostic(
        code(strata::config::unknown_resource),
        help("declare the resource, enable it in this tier, or fix the reference")
    )]
    UnknownNode {
        /// The dependent resource.
        from: Address,
        /// The missing resource.
        to: Address,
        /// Where the reference is written.
        origin: Option<Origin>,
    },
}

impl GraphError {
    /// The same problem as a configuration diagnostic, labelled at every place in the files
    /// that takes part (each hop of a cycle points at its reference).
    pub fn to_config_error(&self) -> ConfigError {
        match self {
            GraphError::Cycle(cycle) => {
                let mut err = ConfigError::new(codes::CYCLE, self.to_string())
                    .help("break the loop: remove one of these references or `depends_on` entries");
                for hop in &cycle.hops {
                    if let Some(origin) = &hop.origin {
                        err = err.label(
                            origin.clone(),
                            format!("`{}` depends on `{}` here", hop.from, hop.to),
                        );
                    }
                }
                err
            }
            GraphError::UnknownNode { to, origin, .. } => {
                let mut err = ConfigError::new(codes::UNKNOWN_RESOURCE, self.to_string())
                    .help("declare the resource, enable it in this tier, or fix the reference");
                if let Some(origin) = origin {
                    err = err.label(origin.clone(), format!("`{to}` is not declared"));
                }
                err
            }
        }
    }
}
