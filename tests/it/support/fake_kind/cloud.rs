//! The fake kind's in-memory "account": resources by id, with the tags they were created with,
//! shared between the kind and the test so that a test can look at (or change) what exists.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use strata::provider::{Attrs, ErrorClass, LiveResource, ProviderError};
use strata::Value;

/// What exists in the fake account. Cloning shares the same account.
#[derive(Clone, Default)]
pub struct Cloud {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    resources: BTreeMap<String, LiveResource>,
    /// Ids handed out so far: ids are `fake-1`, `fake-2`… and never reused, as in AWS.
    issued: u64,
}

impl Cloud {
    /// An empty account.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A test that panicked while holding the lock has failed already; carry on for the rest.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Make a resource as a create call would: the next `fake-N` id, the attributes without
    /// `tags` (those live in the tag set), and a computed `arn`.
    pub fn create(&self, attrs: &Attrs, tags: &BTreeMap<String, String>) -> LiveResource {
        let mut inner = self.inner();
        inner.issued += 1;
        let id = format!("fake-{}", inner.issued);
        let mut attrs = attrs.clone();
        attrs.remove("tags");
        attrs.insert("arn".into(), Value::String(arn_of(&id)));
        let live = LiveResource {
            id: id.clone(),
            attrs,
            tags: tags.clone(),
        };
        inner.resources.insert(id, live.clone());
        live
    }

    /// Change a resource in place: the `after` values of the `changed` attributes, and the tags.
    pub fn update(
        &self,
        id: &str,
        after: &Attrs,
        changed: &[String],
        tags: &BTreeMap<String, String>,
    ) -> Result<LiveResource, ProviderError> {
        let mut inner = self.inner();
        let live = inner
            .resources
            .get_mut(id)
            .ok_or_else(|| not_found("fake:Update", id))?;
        for name in changed.iter().filter(|n| n.as_str() != "tags") {
            match after.get(name) {
                Some(v) => live.attrs.insert(name.clone(), v.clone()),
                None => live.attrs.remove(name),
            };
        }
        live.tags = tags.clone();
        Ok(live.clone())
    }

    /// Delete a resource; deleting one that is gone succeeds, as the trait requires.
    pub fn delete(&self, id: &str) {
        self.inner().resources.remove(id);
    }

    /// The resources with these ids that exist.
    pub fn read(&self, ids: &[String]) -> Vec<LiveResource> {
        let inner = self.inner();
        ids.iter()
            .filter_map(|id| inner.resources.get(id).cloned())
            .collect()
    }

    /// The resources carrying every one of these tags.
    pub fn find_tagged(&self, tags: &BTreeMap<String, String>) -> Vec<LiveResource> {
        self.inner()
            .resources
            .values()
            .filter(|r| tags.iter().all(|(k, v)| r.tags.get(k) == Some(v)))
            .cloned()
            .collect()
    }

    /// The resources whose attributes hold every one of these string values.
    pub fn find_by_attrs(&self, wanted: &BTreeMap<String, String>) -> Vec<LiveResource> {
        self.inner()
            .resources
            .values()
            .filter(|r| {
                wanted
                    .iter()
                    .all(|(k, v)| r.attrs.get(k).and_then(|a| a.as_str()) == Some(v.as_str()))
            })
            .cloned()
            .collect()
    }

    /// Put a resource in the account as is (something created outside this run).
    pub fn insert(&self, live: LiveResource) {
        self.inner().resources.insert(live.id.clone(), live);
    }

    /// The resource with this id, if it exists.
    pub fn get(&self, id: &str) -> Option<LiveResource> {
        self.inner().resources.get(id).cloned()
    }

    /// Every resource, by id.
    pub fn resources(&self) -> BTreeMap<String, LiveResource> {
        self.inner().resources.clone()
    }

    /// How many resources exist.
    pub fn len(&self) -> usize {
        self.inner().resources.len()
    }

    /// Whether the account is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `strata:address` tags of every resource, sorted: what exists, by address.
    pub fn addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .inner()
            .resources
            .values()
            .filter_map(|r| r.tags.get(ADDRESS_TAG).cloned())
            .collect();
        out.sort();
        out
    }

    /// The id of the resource tagged with `address`, if exactly one is.
    pub fn id_of(&self, address: &str) -> Option<String> {
        let inner = self.inner();
        let mut ids = inner
            .resources
            .values()
            .filter(|r| r.tags.get(ADDRESS_TAG).map(String::as_str) == Some(address))
            .map(|r| r.id.clone());
        let first = ids.next();
        if ids.next().is_some() {
            return None;
        }
        first
    }

    /// The `strata:address` tag of the resource with this id, if it exists and has one.
    pub fn address_of(&self, id: &str) -> Option<String> {
        self.inner()
            .resources
            .get(id)
            .and_then(|r| r.tags.get(ADDRESS_TAG).cloned())
    }
}

/// The tag strata puts the resource address in.
pub const ADDRESS_TAG: &str = "strata:address";

/// The ARN the fake account gives the resource with this id.
pub fn arn_of(id: &str) -> String {
    format!("arn:fake:::{id}")
}

/// The error the fake account answers for a missing id.
fn not_found(operation: &str, id: &str) -> ProviderError {
    ProviderError::new(
        ErrorClass::NotFound,
        operation,
        format!("no resource `{id}`"),
    )
    .with_code("NotFound")
}
