//! The one paginated read loop: every kind's describe walks an SDK paginator through here,
//! so that each page is one call, its errors are classified the same way, and no kind writes
//! the loop again.

use super::errors::classify;
use crate::provider::ProviderError;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Hand every page of `pages` to `each`, in order; the first failed page is the error,
/// classified as `operation` (`ec2:DescribeVpcs`).
pub async fn each_page<O, E>(
    operation: &str,
    mut pages: PaginationStream<Result<O, SdkError<E, HttpResponse>>>,
    mut each: impl FnMut(O),
) -> Result<(), ProviderError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    while let Some(page) = pages.next().await {
        each(page.map_err(|e| classify(operation, e))?);
    }
    Ok(())
}
