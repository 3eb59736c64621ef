//! The registry of resource kinds known to this build.

use super::{KindSchema, ResourceKind};
use std::collections::BTreeMap;
use std::sync::Arc;

/// All resource kinds, by name.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Arc<dyn ResourceKind>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
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
