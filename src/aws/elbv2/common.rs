//! Helpers shared by the ELBv2 kinds (the generic one, `gone_is_ok`, also by CloudFront):
//! tags (batched `DescribeTags`, `AddTags`/`RemoveTags`) and "already gone" detection. Waits go
//! through `crate::aws::wait`.

use crate::aws::errors::classify;
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::provider::{ErrorClass, ProviderError};
use aws_sdk_elasticloadbalancingv2::types::Tag;
use aws_sdk_elasticloadbalancingv2::Client;
use std::collections::BTreeMap;

/// ELBv2 describe calls and `DescribeTags` take at most 20 ARNs per request.
pub const ARN_BATCH: usize = 20;

/// ELBv2 describe calls return at most 400 items per page; asking for the maximum keeps a
/// listing to one call for any normal account.
pub const PAGE: i32 = 400;

/// The page sizes ELBv2 describe calls accept.
pub const PAGE_LIMITS: std::ops::RangeInclusive<i32> = 1..=PAGE;

/// The tags of these resources, ARN → tags, in one `DescribeTags` call per 20 ARNs. Resources
/// that no longer exist are absent.
pub async fn describe_tags(
    elb: &Client,
    arns: &[String],
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
    const OP: &str = "elbv2:DescribeTags";
    let mut out = BTreeMap::new();
    for batch in arns.chunks(ARN_BATCH) {
        let answer = match elb
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await
        {
            Ok(a) => a,
            Err(e) => {
                let err = classify(OP, e);
                // One vanished ARN fails the whole batch: ask one by one only then, so that a
                // resource deleted between the describe and this call does not fail the read.
                if err.class == ErrorClass::NotFound && batch.len() > 1 {
                    for arn in batch {
                        out.extend(Box::pin(describe_tags(elb, std::slice::from_ref(arn))).await?);
                    }
                    continue;
                }
                if err.class == ErrorClass::NotFound {
                    continue;
                }
                return Err(err);
            }
        };
        for d in answer.tag_descriptions() {
            let Some(arn) = d.resource_arn() else {
                continue;
            };
            out.insert(arn.to_string(), tag_map(d.tags()));
        }
    }
    Ok(out)
}

/// Make the resource's tags equal `want`: add/overwrite changed ones, remove dropped ones.
pub async fn sync_tags(
    elb: &Client,
    arn: &str,
    have: &BTreeMap<String, String>,
    want: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let (changed, removed) = tag_changes(have, want);
    if !changed.is_empty() {
        elb.add_tags()
            .resource_arns(arn)
            .set_tags(Some(tag_list::<Tag>(&changed)))
            .send()
            .await
            .map_err(|e| classify("elbv2:AddTags", e))?;
    }
    if !removed.is_empty() {
        elb.remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| classify("elbv2:RemoveTags", e))?;
    }
    Ok(())
}

/// Turn "not found" into success, for idempotent deletes.
pub fn gone_is_ok(result: Result<(), ProviderError>) -> Result<(), ProviderError> {
    crate::aws::errors::absent_ok(result, &[])
}

/// Describe resources by ARN, 20 per call. AWS fails a whole call when one ARN no longer exists;
/// such a batch is served from one listing of the account instead (made at most once), so
/// vanished ARNs are simply absent. `describe(None)` lists everything.
pub async fn by_arn_batches<T, F, Fut>(
    arns: &[String],
    mut describe: F,
    arn_of: impl Fn(&T) -> Option<&str>,
) -> Result<Vec<T>, ProviderError>
where
    T: Clone,
    F: FnMut(Option<Vec<String>>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ProviderError>>,
{
    let mut out = Vec::new();
    let mut everything: Option<Vec<T>> = None;
    for batch in arns.chunks(ARN_BATCH) {
        match describe(Some(batch.to_vec())).await {
            Ok(found) => out.extend(found),
            Err(e) if e.class == ErrorClass::NotFound => {
                if everything.is_none() {
                    everything = Some(describe(None).await?);
                }
                let all = everything.as_deref().unwrap_or_default();
                out.extend(
                    all.iter()
                        .filter(|r| arn_of(r).is_some_and(|a| batch.iter().any(|b| b == a)))
                        .cloned(),
                );
            }
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
