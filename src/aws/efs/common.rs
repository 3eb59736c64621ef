//! Helpers shared by the EFS kinds: tags, listing file systems, and polling for a state.

use crate::aws::errors::classify;
use crate::provider::{ErrorClass, ProviderError};
use aws_sdk_efs::types::{FileSystemDescription, Tag};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

/// EFS describe calls return at most 100 items per page (AWS's default and moto's maximum).
pub const PAGE: i32 = 100;

/// How long to wait for a file system or mount target to settle before giving up.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Tags in EFS's shape (the builder refuses a tag without key or value, hence the `Result`).
pub fn to_efs(tags: &BTreeMap<String, String>, op: &str) -> Result<Vec<Tag>, ProviderError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| ProviderError::invalid(op, format!("tag `{k}`: {e}")))
        })
        .collect()
}

/// Tags as a map, skipping AWS's own `aws:` tags.
pub fn from_efs(tags: &[Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .filter(|(k, _)| !k.starts_with("aws:"))
        .collect()
}

/// Every file system of the account in the region: one `DescribeFileSystems` call per page.
/// (The call takes a single id, and an unknown one fails it, so batches list and filter.)
pub async fn all_file_systems(
    efs: &aws_sdk_efs::Client,
) -> Result<Vec<FileSystemDescription>, ProviderError> {
    let mut out = Vec::new();
    let mut pages = efs
        .describe_file_systems()
        .max_items(PAGE)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("efs:DescribeFileSystems", e))?;
        out.extend(page.file_systems().iter().cloned());
    }
    Ok(out)
}

/// Call `check` with growing pauses (1 s doubling to 15 s) until it answers `Some`, or fail
/// with a `Transient` error after `timeout`.
pub async fn poll<T, F, Fut>(
    op: &str,
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, ProviderError>>,
{
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_secs(1);
    loop {
        if let Some(done) = check().await? {
            return Ok(done);
        }
        if Instant::now() + pause > deadline {
            return Err(ProviderError::new(
                ErrorClass::Transient,
                op,
                format!("{what} did not settle within {} s", timeout.as_secs()),
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}
