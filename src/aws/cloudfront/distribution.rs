//! `distribution`: a CloudFront distribution.

use crate::aws::shapes::{block, block_list, string_list};
use crate::aws::Aws;
use crate::provider::{AttrSchema, AttrType, KindSchema};
use std::sync::{Arc, LazyLock};

/// A CloudFront distribution (`CreateDistributionWithTags`, `UpdateDistribution`). Almost the
/// whole configuration is replaced by `UpdateDistribution` on the live distribution, so almost
/// every attribute updates in place.
pub struct Distribution {
    #[allow(dead_code)] // used once the kind's AWS calls are written
    aws: Arc<Aws>,
}

impl Distribution {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Distribution { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "distribution",
        "A CloudFront distribution: a CDN in front of load balancers or other origins",
    )
    .taggable()
    // CloudFront calls this `Enabled`, but `enabled` is the meta key that switches a resource
    // off in strata, so the attribute carries the kind's name.
    .attr(
        AttrSchema::bool("distribution_enabled")
            .doc("Whether the distribution accepts viewer requests (CloudFront's Enabled; default true)"),
    )
    .attr(AttrSchema::string("comment").doc("Free-text comment (at most 128 characters)"))
    .attr(block_list("origins").required().doc(
        "Origins, each a table: id, domain_name, origin_protocol_policy (http-only, https-only, \
         match-viewer), http_port, https_port",
    ))
    .attr(block("default_cache_behavior").required().doc(
        "Default cache behavior, a table: target_origin_id, viewer_protocol_policy \
         (allow-all, redirect-to-https, https-only), cache_policy_id, origin_request_policy_id, \
         compress, allowed_methods",
    ))
    .attr(block_list("ordered_cache_behaviors").doc(
        "Cache behaviors for path patterns, in order: the keys of default_cache_behavior plus \
         path_pattern",
    ))
    .attr(
        AttrSchema::string("price_class")
            .doc("PriceClass_All (AWS default), PriceClass_200 or PriceClass_100 (cheapest)"),
    )
    .attr(string_list("aliases").doc("Alternate domain names (CNAMEs) served by the distribution"))
    .attr(
        AttrSchema::string("acm_certificate_arn")
            .doc("ARN of an ACM certificate in us-east-1 covering the aliases"),
    )
    .attr(
        AttrSchema::string("minimum_protocol_version")
            .doc("Oldest TLS version offered to viewers with a custom certificate, e.g. TLSv1.2_2021"),
    )
    .attr(AttrSchema::bool("ipv6_enabled").doc("Whether viewers can connect over IPv6"))
    .attr(
        AttrSchema::string("default_root_object")
            .doc("Object returned for requests to the root URL, e.g. index.html"),
    )
    .attr(
        AttrSchema::string("web_acl_id")
            .doc("ARN of the AWS WAF web ACL protecting the distribution"),
    )
    // The idempotency token of creation; CloudFront keeps it for the distribution's lifetime.
    .attr(
        AttrSchema::string("caller_reference")
            .optional_computed()
            .replace()
            .doc("Idempotency token of the creation request; derived from the deployment and address when unset"),
    )
    .attr(
        AttrSchema::computed("domain_name", AttrType::String)
            .doc("Domain name of the distribution, e.g. d111111abcdef8.cloudfront.net"),
    )
    .attr(AttrSchema::computed("arn", AttrType::String).doc("ARN of the distribution"))
    .attr(
        AttrSchema::computed("etag", AttrType::String)
            .doc("Version of the configuration, required by updates and deletes"),
    )
    .attr(
        AttrSchema::computed("hosted_zone_id", AttrType::String)
            .doc("Route 53 hosted zone id of the domain name, for alias records"),
    )
    .attr(
        AttrSchema::computed("status", AttrType::String)
            .doc("Deployment status: InProgress or Deployed"),
    )
});

crate::pending_kind!(Distribution, SCHEMA);
