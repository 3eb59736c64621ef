//! Adopt, then converge: a resource found again (by its tags or identity, on a retried create
//! or after a kill) is read live and brought to the configuration in the same step, because
//! the calls after the first one of a create (rules, associations, attributes) may never have
//! been made. And whatever a step did, the state records what is read back afterwards, never
//! the values that were asked for.

use crate::plan::refresh::live_attrs;
use crate::provider::retry::RetryPolicy;
use crate::provider::{
    Attrs, ErrorClass, KindSchema, LiveResource, OnChange, ProviderError, ResourceKind,
    UpdateRequest,
};
use crate::Address;
use std::collections::BTreeMap;
use std::time::Duration;

/// The attributes a step sends, in clear, and their tags as strings, from the evaluated
/// configuration of one resource.
pub fn sent(
    desired: &BTreeMap<String, crate::config::eval::Evaluated>,
) -> (Attrs, BTreeMap<String, String>) {
    let attrs: Attrs = desired
        .iter()
        .map(|(k, v)| (k.clone(), v.value.clone()))
        .collect();
    let tags = match attrs.get("tags") {
        Some(crate::Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect(),
        _ => BTreeMap::new(),
    };
    (attrs, tags)
}

/// strata's own tags (`strata:*`) among `tags`: what finds a resource again.
pub fn own_tags(tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    tags.iter()
        .filter(|(k, _)| k.starts_with("strata:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// How a live resource differs from the configuration.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Differences {
    /// Attributes that do not hold and can change in place.
    pub update: Vec<String>,
    /// Attributes that do not hold and cannot change in place.
    pub replace: Vec<String>,
}

/// What of `desired` the live resource does not hold. An attribute absent from the live read
/// is one the kind's batched read cannot return (a VPC's DNS settings) or an empty value it
/// leaves out: an in-place one is applied again, since the call that sets it may be the one
/// that failed, and setting it to what it is costs nothing; a replace-forcing one went with the
/// create call itself (an image, a key's material) and is taken as holding.
pub fn differences(schema: &KindSchema, live: &LiveResource, desired: &Attrs) -> Differences {
    let have = live_attrs(live, Some(schema));
    let mut out = Differences::default();
    for attr in schema.attrs.iter().filter(|a| a.settable()) {
        let Some(want) = desired.get(attr.name) else {
            continue;
        };
        let holds = match have.get(attr.name) {
            Some(have) => have.covers(want),
            None => attr.on_change == OnChange::Replace,
        };
        if holds {
            continue;
        }
        match attr.on_change {
            OnChange::Update => out.update.push(attr.name.to_string()),
            OnChange::Replace => out.replace.push(attr.name.to_string()),
        }
    }
    out
}

/// Bring `live` (ours, found again) to `desired`: one update of whatever does not hold, then
/// the live resource as the update left it. What cannot change in place is an error naming
/// the attributes; the resource still exists and the caller records it.
#[allow(clippy::too_many_arguments)]
pub async fn converge(
    kind: &dyn ResourceKind,
    address: &Address,
    live: LiveResource,
    desired: &Attrs,
    tags: &BTreeMap<String, String>,
    retry: &RetryPolicy,
    on_retry: &mut (dyn FnMut(&ProviderError, Duration) + Send),
) -> Result<LiveResource, ProviderError> {
    let diff = differences(kind.schema(), &live, desired);
    if !diff.replace.is_empty() {
        return Err(ProviderError::new(
            ErrorClass::Other,
            "converge",
            format!(
                "found `{}` again, but its {} differ from the configuration and cannot change \
                 in place; it is recorded, so `strata plan` will offer to replace it",
                live.id,
                diff.replace.join(", ")
            ),
        )
        .at(address));
    }
    if diff.update.is_empty() {
        return Ok(live);
    }
    let before = live_attrs(&live, Some(kind.schema()));
    let req = UpdateRequest {
        address,
        id: &live.id,
        before: &before,
        after: desired,
        changed: &diff.update,
        tags,
    };
    retry.run(|| kind.update(&req), on_retry).await
}

/// The resource as the account now holds it, read by id, with the attributes the read cannot
/// return taken from `fallback` (what the last call answered). A resource just made may not
/// be visible yet: the read is retried within the eventual-consistency budget, and if it
/// never appears `fallback` is all there is.
pub async fn read_back(
    kind: &dyn ResourceKind,
    fallback: LiveResource,
    retry: &RetryPolicy,
) -> LiveResource {
    let id = fallback.id.clone();
    let read = retry
        .run(
            || async {
                let mut found = kind.read(std::slice::from_ref(&id)).await?;
                found.pop().ok_or_else(|| {
                    ProviderError::new(
                        ErrorClass::EventualConsistency,
                        "read",
                        format!("`{id}` is not visible yet"),
                    )
                })
            },
            |_, _| {},
        )
        .await;
    match read {
        Ok(mut fresh) => {
            for (k, v) in fallback.attrs {
                fresh.attrs.entry(k).or_insert(v);
            }
            if fresh.tags.is_empty() {
                fresh.tags = fallback.tags;
            }
            fresh
        }
        Err(_) => fallback,
    }
}
