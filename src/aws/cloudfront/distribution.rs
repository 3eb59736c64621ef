//! `distribution`: a CloudFront distribution.

use super::config;
use crate::aws::attrs::{put_str, str_of};
use crate::aws::elbv2::common;
use crate::aws::errors::classify;
use crate::aws::paging::each_page;
use crate::aws::shapes::{block, block_list, flag, int, string_list, text, texts};
use crate::aws::tagging::{tag_changes, tag_list, tag_map};
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, AttrType, Attrs, CreateRequest, ErrorClass, KindSchema, LiveResource,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use aws_sdk_cloudfront::types::{
    DistributionConfig, DistributionConfigWithTags, DistributionSummary, TagKeys, Tags,
};
use aws_sdk_resourcegroupstagging::types::TagFilter;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// A CloudFront distribution (`CreateDistributionWithTags`, `UpdateDistribution`). Almost the
/// whole configuration is replaced by `UpdateDistribution` on the live distribution, so almost
/// every attribute updates in place.
pub struct Distribution {
    aws: Arc<Aws>,
}

impl Distribution {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        Distribution { aws }
    }
}

/// The keys of an origin.
pub(super) fn origin_fields() -> Vec<crate::provider::BlockField> {
    vec![
        text("id"),
        text("domain_name").required(),
        text("origin_protocol_policy"),
        int("http_port"),
        int("https_port"),
    ]
}

/// The keys of a cache behavior (`path_pattern` only in ordered ones).
pub(super) fn behavior_fields() -> Vec<crate::provider::BlockField> {
    vec![
        text("target_origin_id"),
        text("viewer_protocol_policy"),
        text("cache_policy_id"),
        text("origin_request_policy_id"),
        flag("compress"),
        texts("allowed_methods"),
        text("path_pattern"),
    ]
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "distribution",
        "A CloudFront distribution: a CDN in front of load balancers or other origins",
    )
    .usage(crate::provider::UsageKey::new("gb_out", "GB", 50.0, "Data sent to viewers a month"))
    .usage(crate::provider::UsageKey::new("requests", "requests", 1000000.0, "HTTPS requests a month"))
    .taggable()
    // CloudFront calls this `Enabled`, but `enabled` is the meta key that switches a resource
    // off in strata, so the attribute carries the kind's name.
    .attr(
        AttrSchema::bool("distribution_enabled")
            .doc("Whether the distribution accepts viewer requests (CloudFront's Enabled; default true)"),
    )
    .attr(AttrSchema::string("comment").doc("Free-text comment (at most 128 characters)"))
    .attr(block_list(
        "origins",
        origin_fields(),
    )
            .refers_to(&["load_balancer"]).required().doc(
        "Origins, each a table: id, domain_name, origin_protocol_policy (http-only, https-only, \
         match-viewer), http_port, https_port",
    ))
    .attr(block("default_cache_behavior", behavior_fields()).required().doc(
        "Default cache behavior, a table: target_origin_id, viewer_protocol_policy \
         (allow-all, redirect-to-https, https-only), cache_policy_id, origin_request_policy_id, \
         compress, allowed_methods",
    ))
    .attr(block_list("ordered_cache_behaviors", behavior_fields()).doc(
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
            .doc("Idempotency token of the creation request; when unset, derived from the state's lineage, the address and the intent, and reused when a run finishes an interrupted one"),
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

/// The page sizes ListDistributions accepts.
const PAGE_LIMITS: std::ops::RangeInclusive<i32> = 1..=1000;

/// The page sizes GetResources accepts.
const TAGGING_PAGE_LIMITS: std::ops::RangeInclusive<i32> = 1..=100;

/// CloudFront distributions in the Resource Groups Tagging API.
const DISTRIBUTION_TYPE: &str = "cloudfront:distribution";

/// How long CloudFront may take to deploy a change to every edge location.
const DEPLOY_TIMEOUT: Duration = Duration::from_secs(45 * 60);

#[async_trait]
impl ResourceKind for Distribution {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn meters(
        &self,
        _attrs: &crate::provider::Attrs,
        usage: &crate::provider::Usage<'_>,
        _related: &dyn Fn(&str) -> Option<crate::provider::Attrs>,
    ) -> Vec<crate::provider::Meter> {
        use crate::provider::{CostCategory, Meter};
        vec![
            Meter::new(
                "cloudfront/gb-out",
                usage.get("gb_out"),
                CostCategory::Network,
                "data out to viewers",
            )
            .from_usage("gb_out"),
            Meter::new(
                "cloudfront/https-10k",
                usage.get("requests") / 10_000.0,
                CostCategory::Network,
                "HTTPS requests",
            )
            .from_usage("requests"),
        ]
    }

    /// CloudFront has no describe-by-ids nor a tag filter: the distributions are listed (one
    /// `ListDistributions` call per page) and the selected kept. By ids, tags are not read (one
    /// `ListTagsForResource` call per distribution would break batching). By tags, the tagged
    /// ones are found first through the Resource Groups Tagging API: one `GetResources` call
    /// per page (tag filters and the resource type in the request, answered with the tags),
    /// and nothing is listed when none is.
    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let mut tagged = match selector {
            Selector::Ids(_) => None,
            Selector::Tags(wanted) => {
                let tagged = self.tagged(wanted).await?;
                if tagged.is_empty() {
                    return Ok(Vec::new());
                }
                Some(tagged)
            }
        };
        let mut out = Vec::new();
        for summary in self.list().await? {
            let tags = match tagged.as_mut() {
                None => BTreeMap::new(),
                Some(tagged) => match tagged.remove(&summary.arn) {
                    Some(tags) => tags,
                    None => continue,
                },
            };
            let live = LiveResource {
                id: summary.id.clone(),
                attrs: config::summary_attrs(&summary),
                tags,
            };
            // The tagging API matches values exactly; checked again here so that what is
            // returned never depends on how the filters were read.
            if selector.matches(&live) {
                out.push(live);
            }
        }
        Ok(out)
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "cloudfront:CreateDistributionWithTags";
        let cf = self.aws.cloudfront().await?;
        // The caller reference makes the create idempotent: a retry with the same reference
        // and configuration returns the distribution the first attempt created.
        let reference = str_of(req.attrs, "caller_reference").unwrap_or(req.token);
        let config = config::new_config(req.attrs, reference, OP).map_err(|e| e.at(req.address))?;
        let tags = Tags::builder().set_items(Some(tag_list(req.tags))).build();
        let created = cf
            .create_distribution_with_tags()
            .distribution_config_with_tags(
                DistributionConfigWithTags::builder()
                    .distribution_config(config)
                    .tags(tags)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| classify(OP, e).at(req.address))?;
        let id = created
            .distribution()
            .map(|d| d.id.clone())
            .ok_or_else(|| {
                ProviderError::new(ErrorClass::Other, OP, "no distribution in the response")
                    .at(req.address)
            })?;
        let mut resource = self.read_one(&id).await?.ok_or_else(|| {
            ProviderError::new(
                ErrorClass::EventualConsistency,
                "cloudfront:ListDistributions",
                "the new distribution is not listed yet",
            )
            .at(req.address)
        })?;
        resource.tags = req.tags.clone();
        put_str(&mut resource.attrs, "caller_reference", Some(reference));
        put_str(&mut resource.attrs, "etag", created.e_tag());
        Ok(resource)
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "cloudfront:UpdateDistribution";
        let cf = self.aws.cloudfront().await?;
        if req.changed.iter().any(|c| c == "caller_reference") {
            return Err(ProviderError::new(
                ErrorClass::Unsupported,
                OP,
                "changing `caller_reference` of a distribution in place is not supported",
            )
            .at(req.address));
        }
        let mut etag = None;
        if req.changed.iter().any(|c| c != "tags") {
            let (mut live, current) = self
                .config_of(req.id)
                .await
                .map_err(|e| e.at(req.address))?;
            // The live caller reference stays: CloudFront refuses to change it.
            config::apply(&mut live, req.after, OP).map_err(|e| e.at(req.address))?;
            let updated = cf
                .update_distribution()
                .id(req.id)
                .if_match(current)
                .distribution_config(live)
                .send()
                .await
                .map_err(|e| classify(OP, e).at(req.address))?;
            etag = updated.e_tag().map(str::to_string);
        }
        let mut resource = self.read_one(req.id).await?.ok_or_else(|| {
            ProviderError::new(
                ErrorClass::NotFound,
                "cloudfront:ListDistributions",
                "the distribution disappeared during the update",
            )
            .at(req.address)
        })?;
        let arn = config_arn(&resource);
        let have = self.tags_of(&arn).await?;
        self.sync_tags(&arn, &have, req.tags)
            .await
            .map_err(|e| e.at(req.address))?;
        resource.tags = req.tags.clone();
        put_str(&mut resource.attrs, "etag", etag.as_deref());
        put_str(
            &mut resource.attrs,
            "caller_reference",
            str_of(req.before, "caller_reference"),
        );
        Ok(resource)
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        // AWS's rules (moto does not enforce them): only a disabled, deployed distribution can
        // be deleted, with the ETag of its current configuration.
        let cf = self.aws.cloudfront().await?;
        let (mut config, mut etag) = match self.config_of(id).await {
            Ok(found) => found,
            Err(e) if e.class == ErrorClass::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if config.enabled {
            config.enabled = false;
            let updated = cf
                .update_distribution()
                .id(id)
                .if_match(etag)
                .distribution_config(config)
                .send()
                .await
                .map_err(|e| classify("cloudfront:UpdateDistribution", e))?;
            etag = updated.e_tag().unwrap_or_default().to_string();
        }
        if let Some(latest) = self.wait_deployed(id).await? {
            etag = latest;
        }
        match cf.delete_distribution().id(id).if_match(etag).send().await {
            Ok(_) => Ok(()),
            Err(e) => common::gone_is_ok(Err(classify("cloudfront:DeleteDistribution", e))),
        }
    }

    async fn wait_ready(&self, id: &str) -> Result<(), ProviderError> {
        self.wait_deployed(id).await.map(|_| ())
    }
}

/// The distribution's ARN from its read attributes.
fn config_arn(resource: &LiveResource) -> String {
    str_of(&resource.attrs, "arn")
        .unwrap_or_default()
        .to_string()
}

impl Distribution {
    /// Every distribution, one `ListDistributions` call per page.
    async fn list(&self) -> Result<Vec<DistributionSummary>, ProviderError> {
        const OP: &str = "cloudfront:ListDistributions";
        let cf = self.aws.cloudfront().await?;
        let pages = cf
            .list_distributions()
            .set_max_items(self.aws.page_size(None, PAGE_LIMITS))
            .into_paginator()
            .send();
        let mut out = Vec::new();
        each_page(OP, pages, |page| {
            if let Some(list) = page.distribution_list() {
                out.extend(list.items().iter().cloned());
            }
        })
        .await?;
        Ok(out)
    }

    async fn read_one(&self, id: &str) -> Result<Option<LiveResource>, ProviderError> {
        Ok(self.read(&[id.to_string()]).await?.pop())
    }

    /// The live configuration and its ETag.
    async fn config_of(&self, id: &str) -> Result<(DistributionConfig, String), ProviderError> {
        const OP: &str = "cloudfront:GetDistributionConfig";
        let cf = self.aws.cloudfront().await?;
        let got = cf
            .get_distribution_config()
            .id(id)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        let etag = got.e_tag().unwrap_or_default().to_string();
        let config = got.distribution_config().cloned().ok_or_else(|| {
            ProviderError::new(ErrorClass::Other, OP, "no configuration returned")
        })?;
        Ok((config, etag))
    }

    /// Poll `GetDistribution` until the status is Deployed; the latest ETag seen, if any.
    async fn wait_deployed(&self, id: &str) -> Result<Option<String>, ProviderError> {
        const OP: &str = "cloudfront:GetDistribution";
        let cf = self.aws.cloudfront().await?;
        crate::aws::wait::Poll::within(DEPLOY_TIMEOUT)
            .until_some(OP, "the distribution to be deployed", || async {
                let got = cf
                    .get_distribution()
                    .id(id)
                    .send()
                    .await
                    .map_err(|e| classify(OP, e))?;
                let deployed = got.distribution().is_some_and(|d| d.status == "Deployed");
                Ok(deployed.then(|| got.e_tag().map(str::to_string)))
            })
            .await
    }

    /// ARN → tags of the distributions carrying every tag of `wanted`, from the Resource Groups
    /// Tagging API (in us-east-1, where it reports CloudFront): one call per page.
    async fn tagged(
        &self,
        wanted: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProviderError> {
        const OP: &str = "tagging:GetResources";
        let tagging = self.aws.global_tagging().await?;
        let filters = wanted
            .iter()
            .map(|(k, v)| TagFilter::builder().key(k).values(v).build())
            .collect();
        let pages = tagging
            .get_resources()
            .resource_type_filters(DISTRIBUTION_TYPE)
            .set_tag_filters(Some(filters))
            .set_resources_per_page(self.aws.page_size(None, TAGGING_PAGE_LIMITS))
            .into_paginator()
            .send();
        let mut out = BTreeMap::new();
        each_page(OP, pages, |page| {
            for mapping in page.resource_tag_mapping_list() {
                let Some(arn) = mapping.resource_arn() else {
                    continue;
                };
                let tags = mapping
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                out.insert(arn.to_string(), tags);
            }
        })
        .await?;
        Ok(out)
    }

    async fn tags_of(&self, arn: &str) -> Result<BTreeMap<String, String>, ProviderError> {
        let cf = self.aws.cloudfront().await?;
        let got = cf
            .list_tags_for_resource()
            .resource(arn)
            .send()
            .await
            .map_err(|e| classify("cloudfront:ListTagsForResource", e))?;
        Ok(got
            .tags()
            .and_then(|t| t.items.as_deref())
            .map(tag_map)
            .unwrap_or_default())
    }

    async fn sync_tags(
        &self,
        arn: &str,
        have: &BTreeMap<String, String>,
        want: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        const OP: &str = "cloudfront:TagResource";
        let cf = self.aws.cloudfront().await?;
        let (changed, removed) = tag_changes(have, want);
        if !changed.is_empty() {
            cf.tag_resource()
                .resource(arn)
                .tags(Tags::builder().set_items(Some(tag_list(&changed))).build())
                .send()
                .await
                .map_err(|e| classify(OP, e))?;
        }
        if !removed.is_empty() {
            cf.untag_resource()
                .resource(arn)
                .tag_keys(TagKeys::builder().set_items(Some(removed)).build())
                .send()
                .await
                .map_err(|e| classify("cloudfront:UntagResource", e))?;
        }
        Ok(())
    }
}
