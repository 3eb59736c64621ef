//! Answers a test serves itself for an operation, instead of the emulator's: for what moto
//! answers unrealistically (every spot price is 0.00001) or not at all.
//!
//! ```ignore
//! proxy.serve("ec2:DescribeSpotPriceHistory", |req| {
//!     let types = serve::form_values(req, "InstanceType.");
//!     Response::new(200, "text/xml", history_xml(&types))
//! });
//! ```
//!
//! A served call is recorded like any other; `fail` and throttle rules are still decided first
//! (so a served operation can be throttled), strict mode does not judge it, and moto never sees
//! it.

use super::http::{Request, Response};
use std::fmt;
use std::sync::Arc;

/// A test's answer to one request.
pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// The served operations, in the order added.
#[derive(Default, Clone)]
pub struct Served {
    rules: Vec<(String, Handler)>,
}

impl fmt::Debug for Served {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.rules.iter().map(|(op, _)| op))
            .finish()
    }
}

impl Served {
    /// Serve `pattern` (exact, or a prefix ending in `*`) with `handler`; a later rule for the
    /// same operation comes after earlier ones, so the first added wins.
    pub fn add(&mut self, pattern: &str, handler: Handler) {
        self.rules.push((pattern.to_string(), handler));
    }

    /// The handler serving `operation`, if any.
    pub fn handler(&self, operation: &str) -> Option<Handler> {
        self.rules
            .iter()
            .find(|(p, _)| super::faults::matches(p, operation))
            .map(|(_, h)| h.clone())
    }
}

/// The decoded form fields of a query-protocol request (EC2, IAM, ...), in order.
pub fn form(request: &Request) -> Vec<(String, String)> {
    super::strict::params::form(request)
}

/// The values of the numbered form fields starting with `prefix` (`InstanceType.` gives
/// `InstanceType.1`, `InstanceType.2`, ...), in order.
pub fn form_values(request: &Request, prefix: &str) -> Vec<String> {
    form(request)
        .into_iter()
        .filter(|(k, _)| {
            k.strip_prefix(prefix)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, v)| v)
        .collect()
}

/// The region the request was signed for.
pub fn region(request: &Request) -> String {
    super::strict::params::region(request)
}
