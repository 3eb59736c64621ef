//! Helpers shared by the EFS kinds: tags, listing file systems, and polling for a state.

use crate::aws::errors::classify;
use crate::aws::Aws;
use crate::provider::ProviderError;
use aws_sdk_efs::types::{FileSystemDescription, Tag};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

/// EFS describe calls return at most 100 items per page (AWS's default and moto's maximum).
pub const PAGE: i32 = 100;

/// The page sizes EFS describe calls accept.
pub const PAGE_LIMITS: RangeInclusive<i32> = 1..=PAGE;

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
pub async fn all_file_systems(aws: &Aws) -> Result<Vec<FileSystemDescription>, ProviderError> {
    let efs = aws.efs().await?;
    let mut out = Vec::new();
    let mut pages = efs
        .describe_file_systems()
        .set_max_items(aws.page_size(Some(PAGE), PAGE_LIMITS))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| classify("efs:DescribeFileSystems", e))?;
        out.extend(page.file_systems().iter().cloned());
    }
    Ok(out)
}
