//! Helpers shared by the EFS kinds: page sizes, listing file systems, and polling for a state.

use crate::aws::paging::each_page;
use crate::aws::Aws;
use crate::provider::ProviderError;
use aws_sdk_efs::types::FileSystemDescription;
use std::ops::RangeInclusive;
use std::time::Duration;

/// EFS describe calls return at most 100 items per page (AWS's default and moto's maximum).
pub const PAGE: i32 = 100;

/// The page sizes EFS describe calls accept.
pub const PAGE_LIMITS: RangeInclusive<i32> = 1..=PAGE;

/// How long to wait for a file system or mount target to settle before giving up.
pub const SETTLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Every file system of the account in the region: one `DescribeFileSystems` call per page.
/// (The call takes a single id, and an unknown one fails it, so batches list and filter.)
pub async fn all_file_systems(aws: &Aws) -> Result<Vec<FileSystemDescription>, ProviderError> {
    let efs = aws.efs().await?;
    let mut out = Vec::new();
    let pages = efs
        .describe_file_systems()
        .set_max_items(aws.page_size(Some(PAGE), PAGE_LIMITS))
        .into_paginator()
        .send();
    each_page("efs:DescribeFileSystems", pages, |page| {
        out.extend(page.file_systems().iter().cloned())
    })
    .await?;
    Ok(out)
}
