//! The registry of resource kinds known to this build.

use super::{CallStats, KindSchema, ResourceKind};
use std::collections::BTreeMap;
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

    /// Kind names in sorted order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.keys().copied()
    }
}
