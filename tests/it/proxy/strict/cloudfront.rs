//! CloudFront's ETag preconditions and the refusal to delete an enabled distribution.

use super::*;

/// A minimal distribution configuration; `enabled` as given.
fn distribution_config(
    reference: &str,
    enabled: bool,
) -> aws_sdk_cloudfront::types::DistributionConfig {
    use aws_sdk_cloudfront::types::*;
    let origin = Origin::builder()
        .id("web")
        .domain_name("example.com")
        .custom_origin_config(
            CustomOriginConfig::builder()
                .http_port(80)
                .https_port(443)
                .origin_protocol_policy(OriginProtocolPolicy::HttpOnly)
                .build()
                .expect("origin config"),
        )
        .build()
        .expect("origin");
    DistributionConfig::builder()
        .caller_reference(reference)
        .comment(reference)
        .enabled(enabled)
        .origins(
            Origins::builder()
                .quantity(1)
                .items(origin)
                .build()
                .expect("origins"),
        )
        .default_cache_behavior(
            DefaultCacheBehavior::builder()
                .target_origin_id("web")
                .viewer_protocol_policy(ViewerProtocolPolicy::AllowAll)
                .cache_policy_id("658327ea-f89d-4fab-a63d-7e88639e58f6")
                .build()
                .expect("behaviour"),
        )
        .build()
        .expect("distribution config")
}

/// Create an enabled distribution through `cf`: its id and the ETag answered.
async fn enabled_distribution(
    cf: &aws_sdk_cloudfront::Client,
    reference: &str,
) -> (String, String) {
    let created = cf
        .create_distribution()
        .distribution_config(distribution_config(reference, true))
        .send()
        .await
        .expect("create");
    let id = created
        .distribution()
        .map(|d| d.id().to_string())
        .expect("id");
    (id, created.e_tag().expect("etag").to_string())
}

#[tokio::test]
async fn cloudfront_refuses_stale_etags_and_deleting_an_enabled_distribution() {
    let moto = moto();
    let proxy = Proxy::start_strict(moto.port);
    // Varied ETags are ignored in strict mode: reading twice must give the same ETag.
    proxy.vary_etags();
    let cf: aws_sdk_cloudfront::Client = through(&proxy);
    let (id, created_etag) = enabled_distribution(&cf, "strict").await;
    let read = cf
        .get_distribution_config()
        .id(&id)
        .send()
        .await
        .expect("read");
    let etag = read.e_tag().expect("etag").to_string();
    assert_eq!(etag, created_etag, "no change, same ETag");
    let config = read.distribution_config().expect("config").clone();

    let (code, _) = refused(
        cf.delete_distribution()
            .id(&id)
            .if_match(&etag)
            .send()
            .await,
    );
    assert_eq!(code, "DistributionNotDisabled");
    let (code, _) = refused(
        cf.update_distribution()
            .id(&id)
            .if_match("E-stale")
            .distribution_config(config.clone())
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionFailed");
    let mut disabled = config.clone();
    disabled.enabled = false;
    let updated = cf
        .update_distribution()
        .id(&id)
        .if_match(&etag)
        .distribution_config(disabled)
        .send()
        .await
        .expect("an update with the current ETag is forwarded");
    let new_etag = updated.e_tag().expect("etag").to_string();
    assert_ne!(new_etag, etag, "a change gives a new ETag");
    let (code, _) = refused(
        cf.delete_distribution()
            .id(&id)
            .if_match(&etag)
            .send()
            .await,
    );
    assert_eq!(code, "PreconditionFailed", "the old ETag is stale now");
    let got = cf.get_distribution().id(&id).send().await.expect("get");
    assert_eq!(got.e_tag(), Some(new_etag.as_str()));
    cf.delete_distribution()
        .id(&id)
        .if_match(&new_etag)
        .send()
        .await
        .expect("a disabled, deployed distribution is deleted with its current ETag");
    let statuses: Vec<_> = proxy
        .record()
        .iter()
        .filter_map(|c| c.refused().map(|code| (code.to_string(), c.status)))
        .collect();
    assert_eq!(
        statuses,
        [
            ("DistributionNotDisabled".to_string(), Some(409)),
            ("PreconditionFailed".to_string(), Some(412)),
            ("PreconditionFailed".to_string(), Some(412)),
        ]
    );

    // moto alone deletes an enabled distribution, whatever If-Match says.
    let plain_proxy = Proxy::start(moto.port);
    let plain: aws_sdk_cloudfront::Client = through(&plain_proxy);
    let (other_id, _) = enabled_distribution(&plain, "plain").await;
    plain
        .delete_distribution()
        .id(&other_id)
        .if_match("E-stale")
        .send()
        .await
        .expect("moto forgives");
}
