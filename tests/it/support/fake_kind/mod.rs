//! A scriptable resource kind for engine tests, after Pulumi's `deploytest.Provider`: every
//! operation of `strata::provider::ResourceKind` is a replaceable async closure, by default
//! backed by an in-memory account ([`Cloud`]) that behaves like a well-mannered API. A test
//! overrides just the operation it cares about (fail the 2nd create with a class, hang until
//! notified, answer a partial resource…) and asserts on the [`CallLog`]: every call in order,
//! counts per operation, and the peak of calls in flight at once.
//!
//! ```ignore
//! let fake = FakeKind::new("fake_thing");
//! fake.fail_calls(FakeOp::Create, |n| n == 2, ErrorClass::Quota);
//! registry.register(fake.clone());
//! ```

mod calls;
mod cloud;
mod ops;
mod request;

pub use calls::{Call, CallLog, FakeOp};
pub use cloud::{arn_of, Cloud, ADDRESS_TAG};
pub use ops::{Filter, Handler};
pub use request::{
    error, CreateArgs, DeleteArgs, FindArgs, IdentityArgs, Proceed, ReadArgs, Request, UpdateArgs,
    WaitArgs,
};

use async_trait::async_trait;
use ops::{failing, gated, handler, Ops};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use strata::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource, Owner,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use tokio::sync::Notify;

/// The scriptable kind. Build it with [`FakeKind::new`], register a clone of the `Arc`, keep
/// the other to script it and look at what it was asked.
pub struct FakeKind {
    schema: KindSchema,
    cloud: Cloud,
    log: CallLog,
    ops: Mutex<Ops>,
    latency: Mutex<Duration>,
}

impl FakeKind {
    /// A taggable kind named `kind`: a required string `name`, an optional `size` integer that
    /// updates in place, an optional `zone` string whose change forces replacement, and a
    /// computed `arn`.
    pub fn new(kind: &'static str) -> Arc<Self> {
        Self::with_schema(
            KindSchema::new(kind, "A scriptable in-memory resource (engine tests)")
                .taggable()
                .attr(AttrSchema::string("name").required().doc("Name"))
                .attr(AttrSchema::int("size").doc("Size; updates in place"))
                .attr(
                    AttrSchema::string("zone")
                        .replace()
                        .doc("Zone; a change replaces"),
                )
                .attr(AttrSchema::computed("arn", AttrType::String).doc("Assigned on create")),
        )
    }

    /// A kind with this schema and the default (working) behaviour.
    pub fn with_schema(schema: KindSchema) -> Arc<Self> {
        Arc::new(FakeKind {
            schema,
            cloud: Cloud::new(),
            log: CallLog::default(),
            ops: Mutex::new(Ops::default()),
            latency: Mutex::new(Duration::ZERO),
        })
    }

    /// The fake account this kind works on.
    pub fn cloud(&self) -> &Cloud {
        &self.cloud
    }

    /// The calls made so far.
    pub fn log(&self) -> &CallLog {
        &self.log
    }

    /// How many calls of `op` were made (a shortcut for `log().count(op)`).
    pub fn count(&self, op: FakeOp) -> usize {
        self.log.count(op)
    }

    fn ops(&self) -> MutexGuard<'_, Ops> {
        self.ops.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Make every call take `latency` (a tokio sleep, counted in flight) before its closure
    /// runs: how a test makes calls overlap.
    pub fn set_latency(&self, latency: Duration) -> &Self {
        *self.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
        self
    }

    /// Put every operation back to the default behaviour (the log and the account are kept).
    pub fn restore(&self) -> &Self {
        *self.ops() = Ops::default();
        self
    }

    /// Replace `read`.
    pub fn on_read<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<ReadArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<LiveResource>, ProviderError>> + Send + 'static,
    {
        self.ops().read = handler(f);
        self
    }

    /// Replace `find_tagged`.
    pub fn on_find_tagged<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<FindArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<LiveResource>, ProviderError>> + Send + 'static,
    {
        self.ops().find_tagged = handler(f);
        self
    }

    /// Replace `create`.
    pub fn on_create<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<CreateArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<LiveResource, ProviderError>> + Send + 'static,
    {
        self.ops().create = handler(f);
        self
    }

    /// Replace `update`.
    pub fn on_update<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<UpdateArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<LiveResource, ProviderError>> + Send + 'static,
    {
        self.ops().update = handler(f);
        self
    }

    /// Replace `delete`.
    pub fn on_delete<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<DeleteArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ProviderError>> + Send + 'static,
    {
        self.ops().delete = handler(f);
        self
    }

    /// Replace `wait_ready`.
    pub fn on_wait_ready<F, Fut>(&self, f: F) -> &Self
    where
        F: Fn(Request<WaitArgs>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ProviderError>> + Send + 'static,
    {
        self.ops().wait_ready = handler(f);
        self
    }

    /// Make the calls of `op` whose number `n` (1-based) satisfies `when` fail with `class`;
    /// the others behave as the account does. `|n| n <= 2`: the first two fail.
    pub fn fail_calls(
        &self,
        op: FakeOp,
        when: impl Fn(usize) -> bool + Send + Sync + 'static,
        class: ErrorClass,
    ) -> &Self {
        self.fail_if(op, Arc::new(move |n, _| when(n)), class)
    }

    /// Make every call of `op` on the resource at `address` fail with `class`.
    pub fn fail_at(&self, op: FakeOp, address: &str, class: ErrorClass) -> &Self {
        let address = address.to_string();
        self.fail_if(op, Arc::new(move |_, a| a == Some(address.as_str())), class)
    }

    fn fail_if(&self, op: FakeOp, when: Filter, class: ErrorClass) -> &Self {
        let mut ops = self.ops();
        match op {
            FakeOp::Read => ops.read = failing(when, class),
            FakeOp::FindTagged => ops.find_tagged = failing(when, class),
            FakeOp::FindByIdentity => ops.find_by_identity = failing(when, class),
            FakeOp::Create => ops.create = failing(when, class),
            FakeOp::Update => ops.update = failing(when, class),
            FakeOp::Delete => ops.delete = failing(when, class),
            FakeOp::WaitReady => ops.wait_ready = failing(when, class),
        }
        drop(ops);
        self
    }

    /// Make every call of `op` wait until `gate` is notified (one call per `notify_one`), then
    /// behave as the account does. A call never notified hangs until the run drops it.
    pub fn hang(&self, op: FakeOp, gate: Arc<Notify>) -> &Self {
        let mut ops = self.ops();
        match op {
            FakeOp::Read => ops.read = gated(gate),
            FakeOp::FindTagged => ops.find_tagged = gated(gate),
            FakeOp::FindByIdentity => ops.find_by_identity = gated(gate),
            FakeOp::Create => ops.create = gated(gate),
            FakeOp::Update => ops.update = gated(gate),
            FakeOp::Delete => ops.delete = gated(gate),
            FakeOp::WaitReady => ops.wait_ready = gated(gate),
        }
        drop(ops);
        self
    }

    /// Log the call, wait the latency, run the operation's closure.
    async fn call<A: Send + 'static, T: Send + 'static>(
        &self,
        call: Call,
        args: A,
        pick: impl FnOnce(&Ops) -> Handler<A, T> + Send,
    ) -> Result<T, ProviderError> {
        let address = call.address.clone();
        let (n, _in_flight) = self.log.begin(call);
        let handler = pick(&self.ops());
        let latency = *self.latency.lock().unwrap_or_else(|p| p.into_inner());
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        handler(Request {
            n,
            address,
            args,
            cloud: self.cloud.clone(),
        })
        .await
    }

    fn by_id(&self, op: FakeOp, id: &str) -> Call {
        Call {
            op,
            address: self.cloud.address_of(id),
            id: Some(id.to_string()),
        }
    }
}

#[async_trait]
impl ResourceKind for FakeKind {
    fn schema(&self) -> &KindSchema {
        &self.schema
    }

    /// Dispatches to the `read` handler for ids and the `find_tagged` one for tags, each
    /// recorded as its own call.
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        match selector {
            Selector::Ids(ids) => {
                let mut call = self.by_id(FakeOp::Read, &ids.join(","));
                if ids.len() != 1 {
                    call.address = None;
                }
                let args = ReadArgs { ids: ids.to_vec() };
                self.call(call, args, |o| o.read.clone()).await
            }
            Selector::Tags(tags) => {
                let call = Call {
                    op: FakeOp::FindTagged,
                    address: tags.get(ADDRESS_TAG).cloned(),
                    id: None,
                };
                let args = FindArgs { tags: tags.clone() };
                self.call(call, args, |o| o.find_tagged.clone()).await
            }
        }
    }

    /// Untaggable fake kinds are identified by their `name`, as an attachment is by what it
    /// attaches; taggable ones are found by their tags.
    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        if self.schema.taggable {
            return None;
        }
        let name = attrs.get("name")?.as_str()?;
        Some(BTreeMap::from([("name".to_string(), name.to_string())]))
    }

    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let call = Call {
            op: FakeOp::FindByIdentity,
            address: None,
            id: identity.get("name").cloned(),
        };
        let args = IdentityArgs {
            identity: identity.clone(),
        };
        self.call(call, args, |o| o.find_by_identity.clone()).await
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let call = Call {
            op: FakeOp::Create,
            address: Some(req.address.to_string()),
            id: None,
        };
        let args = CreateArgs {
            address: req.address.clone(),
            deployment: req.deployment.to_string(),
            attrs: req.attrs.clone(),
            tags: req.tags.clone(),
            token: req.token.to_string(),
        };
        self.call(call, args, |o| o.create.clone()).await
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let call = Call {
            op: FakeOp::Update,
            address: Some(req.address.to_string()),
            id: Some(req.id.to_string()),
        };
        let args = UpdateArgs {
            address: req.address.clone(),
            id: req.id.to_string(),
            before: req.before.clone(),
            after: req.after.clone(),
            changed: req.changed.to_vec(),
            tags: req.tags.clone(),
        };
        self.call(call, args, |o| o.update.clone()).await
    }

    async fn delete(&self, id: &str, recorded: &Attrs) -> Result<(), ProviderError> {
        let call = self.by_id(FakeOp::Delete, id);
        let args = DeleteArgs {
            id: id.to_string(),
            recorded: recorded.clone(),
        };
        self.call(call, args, |o| o.delete.clone()).await
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        let call = self.by_id(FakeOp::WaitReady, id);
        let args = WaitArgs { id: id.to_string() };
        self.call(call, args, |o| o.wait_ready.clone()).await
    }
}
