//! What the fake kind was asked: every call in order, counts per operation, and how many calls
//! of each operation were in flight at once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The operations of `strata::provider::ResourceKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FakeOp {
    /// `read`.
    Read,
    /// `find_tagged`.
    FindTagged,
    /// `find_by_identity`.
    FindByIdentity,
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
    /// `wait_ready`.
    WaitReady,
}

/// One call as the kind received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Which operation.
    pub op: FakeOp,
    /// The resource address: the request's for create and update, the `strata:address` tag
    /// looked for by `find_tagged`, and for calls by id the address tag of the resource with
    /// that id when the call came in (`None` when it did not exist or has no tag).
    pub address: Option<String>,
    /// The provider id (read: the ids joined by commas; none for create and find_tagged).
    pub id: Option<String>,
}

/// The shared record of calls. Cloning shares it.
#[derive(Clone, Default)]
pub struct CallLog {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    counts: BTreeMap<FakeOp, usize>,
    in_flight: BTreeMap<FakeOp, usize>,
    max_in_flight: BTreeMap<FakeOp, usize>,
}

impl CallLog {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Record the start of a call; returns its 1-based number among calls of `op` and a guard
    /// that counts it in flight until dropped (also when the caller gives up on the future).
    pub fn begin(&self, call: Call) -> (usize, InFlight) {
        let mut inner = self.inner();
        let op = call.op;
        inner.calls.push(call);
        let n = {
            let c = inner.counts.entry(op).or_default();
            *c += 1;
            *c
        };
        let now = {
            let f = inner.in_flight.entry(op).or_default();
            *f += 1;
            *f
        };
        let max = inner.max_in_flight.entry(op).or_default();
        *max = (*max).max(now);
        (
            n,
            InFlight {
                log: self.clone(),
                op,
            },
        )
    }

    /// Every call so far, in the order they came in.
    pub fn calls(&self) -> Vec<Call> {
        self.inner().calls.clone()
    }

    /// The calls of `op`, as their addresses (`?` where unknown), in order.
    pub fn addresses(&self, op: FakeOp) -> Vec<String> {
        self.inner()
            .calls
            .iter()
            .filter(|c| c.op == op)
            .map(|c| c.address.clone().unwrap_or_else(|| "?".into()))
            .collect()
    }

    /// The calls as `op address` lines (`create fake_thing.a`), in order: easy to assert on.
    pub fn lines(&self) -> Vec<String> {
        self.inner()
            .calls
            .iter()
            .map(|c| {
                let name = match c.op {
                    FakeOp::Read => "read",
                    FakeOp::FindTagged => "find_tagged",
                    FakeOp::FindByIdentity => "find_by_identity",
                    FakeOp::Create => "create",
                    FakeOp::Update => "update",
                    FakeOp::Delete => "delete",
                    FakeOp::WaitReady => "wait_ready",
                };
                let what = c.address.as_deref().or(c.id.as_deref()).unwrap_or("?");
                format!("{name} {what}")
            })
            .collect()
    }

    /// How many calls of `op` came in.
    pub fn count(&self, op: FakeOp) -> usize {
        self.inner().counts.get(&op).copied().unwrap_or(0)
    }

    /// The most calls of `op` that were in flight at the same time.
    pub fn max_in_flight(&self, op: FakeOp) -> usize {
        self.inner().max_in_flight.get(&op).copied().unwrap_or(0)
    }

    /// Forget every call (counts and peaks included), e.g. between two runs of a test.
    pub fn reset(&self) {
        *self.inner() = Inner::default();
    }
}

/// Counts one call in flight while it lives.
pub struct InFlight {
    log: CallLog,
    op: FakeOp,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(f) = self.log.inner().in_flight.get_mut(&self.op) {
            *f = f.saturating_sub(1);
        }
    }
}
