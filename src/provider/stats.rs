//! Counting provider API calls per operation, for `strata plan --stats` and for tests that
//! prove refresh is batched.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Shared call counters: operation name (`ec2:DescribeVpcs`) → calls made.
#[derive(Debug, Clone, Default)]
pub struct CallStats {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl CallStats {
    /// Count one call of `operation`.
    pub fn record(&self, operation: &str) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry(operation.to_string()).or_default() += 1;
        }
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Total calls.
    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }

    /// Forget every count.
    pub fn reset(&self) {
        if let Ok(mut m) = self.counts.lock() {
            m.clear();
        }
    }
}
