//! Before any run changes a deployment, settle what an interrupted run left in the journal:
//! a create whose result never reached the state is looked up by its `strata:*` tags and
//! adopted (or known never to have happened); a delete or update is checked against the
//! account. moto ignores RunInstances' ClientToken, and so may a call killed mid-flight:
//! tags are the backstop that keeps re-runs free of duplicates and orphans.

use super::events::Event;
use super::journal::{self, Journal, Op};
use super::{EngineError, RunContext};
use crate::plan::diff::{TAG_ADDRESS, TAG_DEPLOYMENT, TAG_LINEAGE};
use crate::plan::refresh::live_attrs;
use crate::state::{now_rfc3339, Provenance, ResourceState, State};
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
    for p in &pending {
        let Some(kind) = ctx.registry.get(&p.kind) else {
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
                let mut wanted = BTreeMap::from([
                    (TAG_DEPLOYMENT.to_string(), ctx.deployment.name.clone()),
                    (TAG_ADDRESS.to_string(), p.address.to_string()),
                ]);
                // Only this state's own resources are adopted: another state with the same
                // deployment name has another lineage. An intent journaled by a strata from
                // before lineage tags created its resource without one, so it is looked up
                // without one (the journal beside this state vouches that the call was ours).
                if p.tags.is_empty() || p.tags.contains_key(TAG_LINEAGE) {
                    wanted.insert(TAG_LINEAGE.to_string(), state.lineage.clone());
                }
                let lookup = || async {
                    let mut found = kind.find_tagged(&wanted).await?;
                    // Untaggable kinds (attachments) are found by the id the call returned.
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
                    let mut attributes = live_attrs(&live, Some(kind.schema()));
                    attributes.remove("id");
                    let dependencies = ctx
                        .deployment
                        .resources
                        .get(&p.address)
                        .map(|r| r.dependencies().into_iter().map(|(d, _)| d).collect())
                        .unwrap_or_default();
                    let now = now_rfc3339();
                    ctx.events.emit(&Event::Adopted {
                        address: p.address.to_string(),
                        id: live.id.clone(),
                    });
                    state.resources.insert(
                        p.address.clone(),
                        ResourceState {
                            address: p.address.clone(),
                            kind: p.kind.clone(),
                            id: Some(live.id),
                            attributes,
                            dependencies,
                            provenance: Provenance::Created,
                            created_at: now.clone(),
                            updated_at: now,
                        },
                    );
                    changed = true;
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
    Journal::open(&dir)?.clear()?;
    Ok(pending.len())
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
