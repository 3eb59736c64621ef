//! The registry of resource kinds known to this build.

use super::{CallStats, KindSchema, ResourceKind};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// All resource kinds, by name.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn ResourceKind>>,
    stats: CallStats,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry whose kinds count their API calls into `stats`.
    pub fn with_stats(stats: CallStats) -> Self {
        Registry {
            kinds: BTreeMap::new(),
            stats,
        }
    }

    /// API calls made through this registry's kinds.
    pub fn stats(&self) -> &CallStats {
        &self.stats
    }

    /// Register a kind under its schema's name.
    pub fn register(&mut self, kind: Arc<dyn ResourceKind>) {
        self.kinds.insert(kind.schema().kind, kind);
    }

    /// The kind named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn ResourceKind>> {
        self.kinds.get(name)
    }

    /// The schema of the kind named `name`.
    pub fn schema(&self, name: &str) -> Option<&KindSchema> {
        self.kinds.get(name).map(|k| k.schema())
    }

    /// Every kind in the order teardown deletes them: a kind before the kinds its attributes
    /// refer to (see [`super::AttrSchema::refers_to`]); among kinds free to go, by name. A kind
    /// caught in a cycle of references (none ships) goes last, by name.
    pub fn teardown_order(&self) -> Vec<&'static str> {
        // Kind → how many registered kinds still refer to it.
        let mut referrers: BTreeMap<&'static str, usize> =
            self.kinds.keys().map(|k| (*k, 0)).collect();
        let refers = |kind: &'static str| -> BTreeSet<&'static str> {
            self.schema(kind)
                .map(|s| {
                    s.attrs
                        .iter()
                        .flat_map(|a| a.refers_to.iter().copied())
                        .filter(|r| *r != kind && self.kinds.contains_key(r))
                        .collect()
                })
                .unwrap_or_default()
        };
        for kind in self.kinds.keys() {
            for r in refers(kind) {
                *referrers.entry(r).or_default() += 1;
            }
        }
        let mut order = Vec::with_capacity(self.kinds.len());
        let mut ready: BTreeSet<&'static str> = referrers
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(k, _)| *k)
            .collect();
        while let Some(kind) = ready.pop_first() {
            order.push(kind);
            for r in refers(kind) {
                if let Some(n) = referrers.get_mut(r) {
                    *n -= 1;
                    if *n == 0 {
                        ready.insert(r);
                    }
                }
            }
        }
        let placed: BTreeSet<&'static str> = order.iter().copied().collect();
        order.extend(self.kinds.keys().filter(|k| !placed.contains(*k)));
        order
    }

    /// Kind names in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }
}
