//! Before any run changes a deployment, settle what an interrupted run left in the journal:
//! a create whose result never reached the state is looked up by its `strata:*` tags (or, for
//! kinds that cannot be tagged, by the identity its intent recorded) and adopted with what is
//! read live, so the plan that follows finishes what the create had not done; a delete or
//! update is checked against the account. moto ignores RunInstances' ClientToken, and so may a
//! call killed mid-flight: tags and identities are the backstop that keeps re-runs free of
//! duplicates and orphans. An intent that cannot be looked up is kept and reported, never
//! dropped; so is an unanswered create not found, whose idempotency token the next create of
//! the same address reuses.

use super::converge::{converge, own_tags, read_back, sent};
use super::events::Event;
use super::journal::{self, Journal, Op, Pending};
use super::record::recorded;
use super::{EngineError, RunContext};
use crate::plan::diff::{apply_attrs, TAG_ADDRESS, TAG_DEPLOYMENT, TAG_LINEAGE};
use crate::plan::refresh::live_attrs;
use crate::provider::retry::RetryPolicy;
use crate::provider::{LiveResource, ResourceKind};
use crate::state::{ResourceState, State};
use std::collections::BTreeMap;

/// Settle the journal's pending intents into `state` (saved if anything changed), then clear
/// the journal. Returns how many intents were settled.
pub async fn reconcile(ctx: &RunContext<'_>, state: &mut State) -> Result<usize, EngineError> {
    let dir = ctx.backend.deployment_dir(&ctx.deployment.name)?;
    let pending = journal::pending(&dir)?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut changed = false;
    let mut kept = Vec::new();
    for p in &pending {
        let Some(kind) = ctx.registry.get(&p.kind) else {
            // A kind this build lacks cannot be looked up: keep the intent for a build that can.
            unresolved(ctx, &mut kept, p, "this build does not know its kind");
            continue;
        };
        match p.op {
            Op::Create => {
                if state
                    .resources
                    .get(&p.address)
                    .is_some_and(|r| r.id.is_some())
                {
                    continue;
                }
                let mut wanted = own_tags(&p.tags);
                if !wanted.contains_key(TAG_ADDRESS) {
                    // Journals of older versions did not record the tags of every intent.
                    wanted.insert(TAG_DEPLOYMENT.to_string(), ctx.deployment.name.clone());
                    wanted.insert(TAG_ADDRESS.to_string(), p.address.to_string());
                    wanted.insert(TAG_LINEAGE.to_string(), state.lineage.clone());
                }
                let by_tags = kind.schema().taggable;
                if !by_tags && p.identity.is_empty() && p.id.is_none() {
                    unresolved(
                        ctx,
                        &mut kept,
                        p,
                        "its kind cannot be tagged and the intent records neither an id nor an \
                         identity",
                    );
                    continue;
                }
                let lookup = || async {
                    let mut found = if by_tags {
                        kind.find_tagged(&wanted).await?
                    } else {
                        Vec::new()
                    };
                    if found.is_empty() && !p.identity.is_empty() {
                        found = kind.find_by_identity(&p.identity).await?;
                    }
                    // Or by the id the call returned, when its answer reached the journal.
                    if found.is_empty() {
                        if let Some(id) = &p.id {
                            found = kind.read(std::slice::from_ref(id)).await?;
                        }
                    }
                    Ok::<_, crate::provider::ProviderError>(found)
                };
                let mut found = lookup().await?;
                // A call still on the wire when its process died can land after this run
                // looks: an unanswered intent younger than the grace period is looked up
                // again once the period is over, before it counts as never made.
                if found.is_empty() && !p.answered {
                    if let Some(wait) = in_flight_wait(&p.at) {
                        tokio::time::sleep(wait).await;
                        found = lookup().await?;
                    }
                }
                if let Some(live) = found.into_iter().next() {
                    ctx.events.emit(&Event::Adopted {
                        address: p.address.to_string(),
                        id: live.id.clone(),
                    });
                    let entry = adopted(ctx, state, &p.address, kind.as_ref(), live).await?;
                    state.resources.insert(p.address.clone(), entry);
                    changed = true;
                } else if !p.answered && ctx.deployment.resources.contains_key(&p.address) {
                    // Not visible, but the call may have landed where a read cannot see it
                    // yet: the intent (and its idempotency token, which the next create of
                    // this address reuses) stays until a create of the address is settled.
                    kept.push(p.clone());
                }
            }
            Op::Delete | Op::Update => {
                let Some(id) = &p.id else { continue };
                let live = kind.read(std::slice::from_ref(id)).await?;
                match live.into_iter().next() {
                    None => {
                        changed |= state.resources.remove(&p.address).is_some();
                    }
                    Some(live) => {
                        if let Some(rs) = state.resources.get_mut(&p.address) {
                            let mut attrs = live_attrs(&live, Some(kind.schema()));
                            attrs.remove("id");
                            for (k, v) in attrs {
                                rs.attributes.insert(k, v);
                            }
                            changed = true;
                        }
                    }
                }
            }
        }
    }
    if changed {
        ctx.backend.save(ctx.lock, state)?;
    }
    Journal::open(&dir)?.retain(&kept)?;
    Ok(pending.len())
}

/// The state entry of a resource an interrupted create made, converged first: the calls the
/// create had not made yet (rules, associations, attributes its read cannot return) are made
/// now, then the resource is read back. When the configuration cannot be evaluated yet (a
/// dependency is missing), it is recorded as read and the plan that follows finishes it.
async fn adopted(
    ctx: &RunContext<'_>,
    state: &State,
    address: &crate::Address,
    kind: &dyn ResourceKind,
    live: LiveResource,
) -> Result<ResourceState, EngineError> {
    let dependencies = ctx
        .deployment
        .resources
        .get(address)
        .map(|r| r.dependencies().into_iter().map(|(d, _)| d).collect())
        .unwrap_or_default();
    let Ok(desired) = apply_attrs(ctx.deployment, address, state, ctx.registry) else {
        let nothing = BTreeMap::new();
        return Ok(recorded(
            address,
            &live,
            &nothing,
            dependencies,
            ctx.registry,
            None,
        ));
    };
    let (attrs, tags) = sent(&desired);
    let retry = RetryPolicy::default();
    let converged = converge(kind, address, live, &attrs, &tags, &retry, &mut |_, _| {})
        .await
        .map_err(EngineError::Provider)?;
    let fresh = read_back(kind, converged, &retry).await;
    Ok(recorded(
        address,
        &fresh,
        &desired,
        dependencies,
        ctx.registry,
        None,
    ))
}

/// Keep an intent that cannot be settled now, and say why.
fn unresolved(ctx: &RunContext<'_>, kept: &mut Vec<Pending>, p: &Pending, why: &str) {
    ctx.events.emit(&Event::Unresolved {
        address: p.address.to_string(),
        reason: why.to_string(),
    });
    kept.push(p.clone());
}

/// How long a call announced at `at` may still be on its way to AWS.
const IN_FLIGHT_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The time left until an intent written at `at` is past [`IN_FLIGHT_GRACE`]; `None` when it
/// already is (or the time cannot be read, as for journals of older versions).
fn in_flight_wait(at: &str) -> Option<std::time::Duration> {
    let written =
        time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok()?;
    // Intent times have whole seconds: count from the end of that second.
    let deadline = written + time::Duration::seconds(1) + IN_FLIGHT_GRACE;
    let left = deadline - time::OffsetDateTime::now_utc();
    std::time::Duration::try_from(left)
        .ok()
        .filter(|d| !d.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_intents_wait_out_the_grace_period_and_old_ones_do_not() {
        let now = crate::state::now_rfc3339();
        let wait = in_flight_wait(&now).expect("a fresh intent waits");
        assert!(wait <= IN_FLIGHT_GRACE + std::time::Duration::from_secs(1));
        assert!(wait > std::time::Duration::from_secs(3), "{wait:?}");
        assert_eq!(in_flight_wait("2020-01-01T00:00:00Z"), None);
        assert_eq!(in_flight_wait("not a time"), None);
    }
}
