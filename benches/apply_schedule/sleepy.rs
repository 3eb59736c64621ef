//! An in-process resource kind that stands in for AWS: every call sleeps a fixed latency (a
//! tokio timer, so it costs no thread) and ids are derived from the address. Created
//! resources are kept in memory so that reads answer like the API would.

use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use strata::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, KindSchema, LiveResource, ProviderError,
    ResourceKind, Selector, UpdateRequest,
};

/// The kind's name in stacks: `[resource.bench_node.NAME]`.
pub const KIND: &str = "bench_node";

/// Calls one create makes through the engine: create, wait until ready, read back.
pub const CALLS_PER_CREATE: u64 = 3;

/// The sleeping kind.
pub struct Sleepy {
    schema: KindSchema,
    latency: Duration,
    live: Mutex<BTreeMap<String, LiveResource>>,
    calls: AtomicU64,
}

impl Sleepy {
    /// A kind whose every call takes `latency`.
    pub fn new(latency: Duration) -> Self {
        Sleepy {
            schema: KindSchema::new(KIND, "A resource that only takes time (benchmarks)")
                .taggable()
                .attr(AttrSchema::string("label").required())
                .attr(AttrSchema::list("parents", AttrType::String)),
            latency,
            live: Mutex::new(BTreeMap::new()),
            calls: AtomicU64::new(0),
        }
    }

    /// Provider calls made so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    async fn call(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }

    /// Keep `resource` as the account would, and answer with it.
    fn store(&self, resource: LiveResource) -> Result<LiveResource, ProviderError> {
        self.live
            .lock()
            .map_err(|_| poisoned())?
            .insert(resource.id.clone(), resource.clone());
        Ok(resource)
    }

    fn stored(&self, id: &str) -> Option<LiveResource> {
        self.live.lock().ok()?.get(id).cloned()
    }
}

#[async_trait]
impl ResourceKind for Sleepy {
    fn schema(&self) -> &KindSchema {
        &self.schema
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        self.call().await;
        match selector {
            Selector::Ids(ids) => Ok(ids.iter().filter_map(|id| self.stored(id)).collect()),
            Selector::Tags(_) => {
                let live = self.live.lock().map_err(|_| poisoned())?;
                Ok(live
                    .values()
                    .filter(|r| selector.matches(r))
                    .cloned()
                    .collect())
            }
        }
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        self.call().await;
        self.store(LiveResource {
            id: format!("bn-{}", req.address.name),
            attrs: req.attrs.clone(),
            tags: req.tags.clone(),
        })
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        self.call().await;
        self.store(LiveResource {
            id: req.id.to_string(),
            attrs: req.after.clone(),
            tags: req.tags.clone(),
        })
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        self.call().await;
        self.live.lock().map_err(|_| poisoned())?.remove(id);
        Ok(())
    }

    async fn wait_ready(&self, _id: &str) -> Result<(), ProviderError> {
        self.call().await;
        Ok(())
    }
}

fn poisoned() -> ProviderError {
    ProviderError::new(
        strata::provider::ErrorClass::Other,
        "bench",
        "the in-memory store is poisoned",
    )
}
