//! One mutating step on one resource, as a task: journal the intent, call the provider with the
//! retry policy (reporting each retry), journal the outcome.

use super::converge::{converge, read_back};
use super::events::{Event, EventSink};
use super::journal::{Announce, Journal, Op};
use crate::address::Address;
use crate::provider::retry::{Call, RetryPolicy};
use crate::provider::{
    Attrs, CreateRequest, LiveResource, Owner, ProviderError, ResourceKind, UpdateRequest,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What to do.
#[derive(Debug, Clone)]
pub enum Work {
    /// Create with these attributes and tags.
    Create {
        /// Desired attributes, in clear.
        attrs: Attrs,
        /// Every tag.
        tags: BTreeMap<String, String>,
    },
    /// Update in place.
    Update {
        /// Provider id.
        id: String,
        /// Recorded attributes.
        before: Attrs,
        /// Desired attributes, in clear.
        after: Attrs,
        /// Attributes that change.
        changed: Vec<String>,
        /// Every tag.
        tags: BTreeMap<String, String>,
    },
    /// Delete.
    Delete {
        /// Provider id.
        id: String,
        /// Recorded attributes.
        recorded: Attrs,
        /// Created within the eventual-consistency budget (a rollback, a quick destroy): AWS
        /// may still answer `*.NotFound` for it, which a delete takes as already gone, so the
        /// step first waits until a read sees it.
        fresh: bool,
    },
}

impl Work {
    /// `create`, `update` or `delete`.
    pub fn verb(&self) -> &'static str {
        match self {
            Work::Create { .. } => "create",
            Work::Update { .. } => "update",
            Work::Delete { .. } => "delete",
        }
    }
}

/// A step's result, handed back to the coordinator which records it in state.
pub struct Done {
    /// The resource.
    pub address: Address,
    /// Journal sequence number of the intent (to commit once state is saved).
    pub seq: u64,
    /// What was done.
    pub work: Work,
    /// The live resource after create/update; `None` after delete.
    pub result: Result<Option<LiveResource>, ProviderError>,
    /// A resource the step created although it failed (it never became ready): it exists, so
    /// the coordinator records it like a success, and rollback or destroy can delete it.
    pub leftover: Option<LiveResource>,
    /// The journal could not record this step's intent or outcome. The result above still
    /// says what happened in the account; the coordinator records it and then stops the run.
    pub journal_error: Option<std::io::Error>,
}

/// Everything a step task needs, owned so that the task is `'static`.
pub struct Step {
    /// The resource.
    pub address: Address,
    /// Its kind.
    pub kind: Arc<dyn ResourceKind>,
    /// Deployment name.
    pub deployment: String,
    /// What to do.
    pub work: Work,
    /// Idempotency token.
    pub token: String,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Journal.
    pub journal: Arc<Mutex<Journal>>,
    /// Events.
    pub events: Arc<dyn EventSink>,
}

impl Step {
    /// Run the step.
    pub async fn run(self) -> Done {
        let verb = self.work.verb();
        let address_s = self.address.to_string();
        let (op, id, tags) = match &self.work {
            Work::Create { tags, .. } => (Op::Create, None, tags.clone()),
            Work::Update { id, tags, .. } => (Op::Update, Some(id.clone()), tags.clone()),
            Work::Delete { id, .. } => (Op::Delete, Some(id.clone()), BTreeMap::new()),
        };
        let kind = self.kind.clone();
        let identity = match &self.work {
            Work::Create { attrs, .. } => {
                let owner = Owner {
                    deployment: &self.deployment,
                    address: &self.address,
                };
                kind.identity(attrs, owner).unwrap_or_default()
            }
            _ => BTreeMap::new(),
        };
        let intent = match self.journal.lock() {
            Ok(mut j) => j.announce(Announce {
                op,
                address: &self.address,
                kind: kind.schema().kind,
                id: id.as_deref(),
                token: &self.token,
                tags: &tags,
                identity: &identity,
            }),
            Err(_) => Err(poisoned()),
        };
        let seq = match intent {
            Ok(seq) => seq,
            Err(e) => {
                return Done {
                    address: self.address.clone(),
                    seq: 0,
                    result: Err(ProviderError::new(
                        crate::provider::ErrorClass::Other,
                        "journal",
                        format!(
                            "cannot write the journal beside the state ({e}); nothing was called"
                        ),
                    )
                    .at(&self.address)),
                    work: self.work,
                    leftover: None,
                    journal_error: Some(e),
                }
            }
        };
        self.events.emit(&Event::Started {
            address: address_s.clone(),
            action: verb.into(),
        });
        let started = Instant::now();
        let events = self.events.clone();
        let mut on_retry = |e: &ProviderError, delay: std::time::Duration| {
            events.emit(&Event::Retrying {
                address: address_s.clone(),
                action: verb.into(),
                class: e.class,
                code: e.code.clone(),
                delay_ms: delay.as_millis() as u64,
            });
        };
        let mut leftover = None;
        let result: Result<Option<LiveResource>, ProviderError> = match &self.work {
            Work::Create { attrs, tags } => {
                let req = CreateRequest {
                    address: &self.address,
                    deployment: &self.deployment,
                    attrs,
                    tags,
                    token: &self.token,
                };
                // A create is several calls for some kinds (CreateSecurityGroup, then
                // AuthorizeSecurityGroupIngress): when a later one fails and the step is
                // retried, the resource may already exist. Look for it (by its tags, or by
                // its identity for kinds that cannot be tagged) before creating again, so a
                // retry never makes a duplicate; what is found is converged below.
                let attempts = std::sync::atomic::AtomicU32::new(0);
                let lookup = Lookup::of(kind.as_ref(), tags, identity);
                let made = self
                    .retry
                    .run(
                        || async {
                            let n = attempts.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            if n > 0 {
                                // A lookup that fails (throttled, say) must fail the attempt:
                                // creating blindly could make the resource twice.
                                if let Some(found) = lookup.find(kind.as_ref()).await? {
                                    return Ok((found, true));
                                }
                            }
                            kind.create(&req).await.map(|live| (live, false))
                        },
                        &mut on_retry,
                    )
                    .await;
                match made {
                    Ok((live, found)) => {
                        let id = live.id.clone();
                        let converged = if found {
                            self.events.emit(&Event::Adopted {
                                address: address_s.clone(),
                                id: id.clone(),
                            });
                            converge(
                                kind.as_ref(),
                                &self.address,
                                live.clone(),
                                attrs,
                                tags,
                                &self.retry,
                                &mut on_retry,
                            )
                            .await
                        } else {
                            Ok(live.clone())
                        };
                        let ready = match converged {
                            Ok(done) => self
                                .retry
                                .run(|| kind.wait_ready(&id), |_, _| {})
                                .await
                                .map(|()| done),
                            Err(e) => Err(e),
                        };
                        match ready {
                            // Read again once ready: some attributes (a public IP) exist only
                            // then, and the state records what was read, not what was asked.
                            Ok(done) => Ok(Some(read_back(kind.as_ref(), done, &self.retry).await)),
                            Err(e) => {
                                leftover = Some(read_back(kind.as_ref(), live, &self.retry).await);
                                Err(e)
                            }
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Work::Update {
                id,
                before,
                after,
                changed,
                tags,
            } => {
                let req = UpdateRequest {
                    address: &self.address,
                    id,
                    before,
                    after,
                    changed,
                    tags,
                };
                // An update starts from what the account holds, not from what was recorded:
                // what changed outside strata (a policy detached) must be put back, and a
                // retried attempt may find some of its calls already made.
                let updated = self
                    .retry
                    .run(
                        || async {
                            match kind.read(std::slice::from_ref(id)).await?.pop() {
                                Some(live) => {
                                    converge(
                                        kind.as_ref(),
                                        &self.address,
                                        live,
                                        after,
                                        tags,
                                        &RetryPolicy::once(),
                                        &mut |_, _| {},
                                    )
                                    .await
                                }
                                None => kind.update(&req).await,
                            }
                        },
                        &mut on_retry,
                    )
                    .await;
                match updated {
                    Ok(live) => Ok(Some(read_back(kind.as_ref(), live, &self.retry).await)),
                    Err(e) => Err(e),
                }
            }
            Work::Delete {
                id,
                recorded,
                fresh,
            } => {
                if *fresh {
                    // Visibility takes seconds; a resource deleted outside strata never shows,
                    // so the wait is short. Not visible by then: delete anyway.
                    let wait = RetryPolicy {
                        consistency_budget: self.retry.consistency_budget.min(VISIBLE_WITHIN),
                        ..self.retry
                    };
                    #[allow(clippy::let_underscore_must_use, reason = "a wait, best effort")]
                    let _ = wait
                        .run(
                            || async {
                                match kind.read(std::slice::from_ref(id)).await?.pop() {
                                    Some(_) => Ok(()),
                                    None => Err(ProviderError::new(
                                        crate::provider::ErrorClass::EventualConsistency,
                                        "read",
                                        format!("`{id}` is not visible yet"),
                                    )),
                                }
                            },
                            |_, _| {},
                        )
                        .await;
                }
                self.retry
                    .run_call(Call::Delete, || kind.delete(id, recorded), &mut on_retry)
                    .await
                    .map(|()| None)
            }
        };
        let result = result.map_err(|e| {
            if e.address.is_none() {
                e.at(&self.address)
            } else {
                e
            }
        });
        let new_id = match (&result, &self.work) {
            (Ok(Some(live)), _) => Some(live.id.clone()),
            (Err(_), Work::Create { .. }) => leftover.as_ref().map(|l| l.id.clone()),
            (_, Work::Update { id, .. } | Work::Delete { id, .. }) => Some(id.clone()),
            _ => None,
        };
        // The call has happened whether or not its outcome reaches the journal, so a failed
        // write does not change the result: the coordinator still records the resource in
        // state (it exists), then stops the run and reports the journal error. The intent
        // left without an answer only makes the next run check the resource again.
        let journal_error = match self.journal.lock() {
            Ok(mut j) => j.outcome(seq, result.is_ok(), new_id.as_deref()).err(),
            Err(_) => Some(poisoned()),
        };
        match &result {
            Ok(_) => self.events.emit(&Event::Succeeded {
                address: address_s,
                action: verb.into(),
                id: new_id,
                elapsed_ms: started.elapsed().as_millis() as u64,
            }),
            Err(e) => self.events.emit(&Event::Failed {
                address: address_s,
                action: verb.into(),
                code: e.diagnostic_code(),
                message: e.to_string(),
            }),
        }
        Done {
            address: self.address,
            seq,
            work: self.work,
            result,
            leftover,
            journal_error,
        }
    }
}

/// How long a delete of a just-created resource waits for a read to see it.
const VISIBLE_WITHIN: std::time::Duration = std::time::Duration::from_secs(15);

/// How a create that may already have happened finds its resource again.
enum Lookup {
    /// By the `strata:*` tags it was created with.
    Tags(BTreeMap<String, String>),
    /// By the identity of an untaggable kind.
    Identity(BTreeMap<String, String>),
    /// It cannot be found again (its kind neither tags nor has an identity).
    None,
}

impl Lookup {
    fn of(
        kind: &dyn ResourceKind,
        tags: &BTreeMap<String, String>,
        identity: BTreeMap<String, String>,
    ) -> Lookup {
        let own = super::converge::own_tags(tags);
        if kind.schema().taggable && own.contains_key(crate::plan::diff::TAG_ADDRESS) {
            Lookup::Tags(own)
        } else if !identity.is_empty() {
            Lookup::Identity(identity)
        } else {
            Lookup::None
        }
    }

    async fn find(&self, kind: &dyn ResourceKind) -> Result<Option<LiveResource>, ProviderError> {
        let found = match self {
            Lookup::Tags(tags) => kind.find_tagged(tags).await?,
            Lookup::Identity(identity) => kind.find_by_identity(identity).await?,
            Lookup::None => Vec::new(),
        };
        Ok(found.into_iter().next())
    }
}

/// The journal's mutex was poisoned by a panic while another step held it: treat it as a
/// journal that cannot be written.
fn poisoned() -> std::io::Error {
    std::io::Error::other("the journal was left unusable by a panic in another step")
}
