//! The operations' closures: their types, and the stock ones (proceed, fail, wait).

use super::request::{
    CreateArgs, DeleteArgs, FindArgs, IdentityArgs, Proceed, ReadArgs, Request, UpdateArgs,
    WaitArgs,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use strata::provider::{ErrorClass, LiveResource, ProviderError};
use tokio::sync::Notify;

/// A boxed future, as the operation closures return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One operation's behaviour: a closure from the call to its answer.
pub type Handler<A, T> =
    Arc<dyn Fn(Request<A>) -> BoxFuture<Result<T, ProviderError>> + Send + Sync>;

/// Which calls a scripted failure hits: by call number (1-based) and resource address.
pub type Filter = Arc<dyn Fn(usize, Option<&str>) -> bool + Send + Sync>;

/// The handler of every operation.
pub(super) struct Ops {
    pub(super) read: Handler<ReadArgs, Vec<LiveResource>>,
    pub(super) find_tagged: Handler<FindArgs, Vec<LiveResource>>,
    pub(super) find_by_identity: Handler<IdentityArgs, Vec<LiveResource>>,
    pub(super) create: Handler<CreateArgs, LiveResource>,
    pub(super) update: Handler<UpdateArgs, LiveResource>,
    pub(super) delete: Handler<DeleteArgs, ()>,
    pub(super) wait_ready: Handler<WaitArgs, ()>,
}

impl Default for Ops {
    fn default() -> Self {
        Ops {
            read: proceeding(),
            find_tagged: proceeding(),
            find_by_identity: proceeding(),
            create: proceeding(),
            update: proceeding(),
            delete: proceeding(),
            wait_ready: proceeding(),
        }
    }
}

/// Box a closure into a handler.
pub(super) fn handler<A, T, F, Fut>(f: F) -> Handler<A, T>
where
    F: Fn(Request<A>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, ProviderError>> + Send + 'static,
{
    Arc::new(move |r| Box::pin(f(r)))
}

/// The handler that does what the account does.
pub(super) fn proceeding<A: Send + 'static>() -> Handler<A, <Request<A> as Proceed>::Output>
where
    Request<A>: Proceed,
{
    handler(|r: Request<A>| async move { r.proceed() })
}

/// A handler failing with `class` when `when(n, address)` holds, proceeding otherwise.
pub(super) fn failing<A: Send + 'static>(
    when: Filter,
    class: ErrorClass,
) -> Handler<A, <Request<A> as Proceed>::Output>
where
    Request<A>: Proceed,
{
    handler(move |r: Request<A>| {
        let fail = when(r.n, r.address.as_deref());
        async move {
            if fail {
                Err(super::request::error(
                    class,
                    <Request<A> as Proceed>::OPERATION,
                ))
            } else {
                r.proceed()
            }
        }
    })
}

/// A handler that waits for `gate` to be notified, then proceeds.
pub(super) fn gated<A: Send + 'static>(
    gate: Arc<Notify>,
) -> Handler<A, <Request<A> as Proceed>::Output>
where
    Request<A>: Proceed,
{
    handler(move |r: Request<A>| {
        let gate = gate.clone();
        async move {
            gate.notified().await;
            r.proceed()
        }
    })
}
