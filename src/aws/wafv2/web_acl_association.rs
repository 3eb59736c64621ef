//! `wafv2_web_acl_association`: a regional web ACL put in front of an ALB or API Gateway stage.

use super::{parse_acl_arn, waf_error, NONEXISTENT};
use crate::aws::attrs::{put_str, required_str, str_of};
use crate::aws::errors::absent_ok;
use crate::aws::Aws;
use crate::provider::{
    AttrSchema, Attrs, CreateRequest, ErrorClass, Invalid, KindSchema, LiveResource, Owner,
    ProviderError, ResourceKind, Selector, UpdateRequest,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

/// A web ACL association (`AssociateWebACL`, `DisassociateWebACL`).
///
/// For regional resources only (ALBs, API Gateway stages, AppSync, Cognito user pools): a
/// CloudFront distribution takes its ACL through its own `web_acl_id`. It has no AWS id and
/// no tags; its id is `WEBACL_ARN,RESOURCE_ARN`, and a resource holds at most one ACL, so the
/// resource's ARN identifies it. Neither side can change on a live association.
pub struct WebAclAssociation {
    aws: Arc<Aws>,
}

impl WebAclAssociation {
    /// The kind, talking to AWS through `aws`.
    pub fn new(aws: Arc<Aws>) -> Self {
        WebAclAssociation { aws }
    }
}

static SCHEMA: LazyLock<KindSchema> = LazyLock::new(|| {
    KindSchema::new(
        "wafv2_web_acl_association",
        "A regional WAF web ACL in front of an ALB or API Gateway stage (CloudFront: the distribution's web_acl_id)",
    )
    .attr(
        AttrSchema::string("web_acl_arn")
            .required()
            .replace()
            .refers_to(&["wafv2_web_acl"])
            .doc("ARN of the REGIONAL web ACL"),
    )
    .attr(
        AttrSchema::string("resource_arn")
            .required()
            .replace()
            .refers_to(&["load_balancer"])
            .doc("ARN of the resource to protect: an application load balancer or an API Gateway stage in the ACL's region"),
    )
});

/// The composite id of an association.
pub fn association_id(web_acl: &str, resource: &str) -> String {
    format!("{web_acl},{resource}")
}

/// The ACL and resource ARNs of a composite id, or `None` when it is not one.
pub fn parse_association_id(id: &str) -> Option<(&str, &str)> {
    let (acl, resource) = id.split_once(',')?;
    (parse_acl_arn(acl).is_some() && resource.starts_with("arn:")).then_some((acl, resource))
}

/// Whether an ARN names a CloudFront distribution.
fn is_cloudfront(arn: &str) -> bool {
    arn.starts_with("arn:aws:cloudfront:") || arn.contains(":cloudfront::")
}

#[async_trait]
impl ResourceKind for WebAclAssociation {
    fn schema(&self) -> &KindSchema {
        &SCHEMA
    }

    fn validate(&self, attrs: &Attrs) -> Vec<Invalid> {
        let mut out = Vec::new();
        if let Some(arn) = str_of(attrs, "resource_arn") {
            if is_cloudfront(arn) {
                out.push(Invalid::at(
                    "resource_arn",
                    "a CloudFront distribution takes its web ACL through its own `web_acl_id` \
                     (set it to the CLOUDFRONT-scoped wafv2_web_acl's arn), not through an association",
                ));
            }
        }
        if let Some(arn) = str_of(attrs, "web_acl_arn") {
            match parse_acl_arn(arn) {
                None => out.push(Invalid::at(
                    "web_acl_arn",
                    format!("`{arn}` is not a web ACL ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID)"),
                )),
                Some(parsed) if parsed.scope == aws_sdk_wafv2::types::Scope::Cloudfront => {
                    out.push(Invalid::at(
                        "web_acl_arn",
                        "a CLOUDFRONT-scoped web ACL attaches through a distribution's `web_acl_id`; associate a REGIONAL one",
                    ))
                }
                Some(_) => {}
            }
        }
        out
    }

    async fn describe(&self, selector: Selector<'_>) -> Result<Vec<LiveResource>, ProviderError> {
        let Selector::Ids(ids) = selector else {
            // Associations carry no tags: none can match.
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        // No batch read: GetWebACLForResource answers for one resource per call.
        for id in ids {
            let Some((_, resource)) = parse_association_id(id) else {
                continue;
            };
            if let Some(live) = self.for_resource(resource).await? {
                if live.id == *id {
                    out.push(live);
                }
            }
        }
        Ok(out)
    }

    /// The resource: it holds at most one web ACL.
    fn identity(&self, attrs: &Attrs, _owner: Owner<'_>) -> Option<BTreeMap<String, String>> {
        Some(BTreeMap::from([(
            "resource_arn".to_string(),
            str_of(attrs, "resource_arn")?.to_string(),
        )]))
    }

    /// One `GetWebACLForResource` call on the identity's resource.
    async fn find_by_identity(
        &self,
        identity: &BTreeMap<String, String>,
    ) -> Result<Vec<LiveResource>, ProviderError> {
        let Some(resource) = identity.get("resource_arn") else {
            return Ok(Vec::new());
        };
        Ok(self.for_resource(resource).await?.into_iter().collect())
    }

    async fn create(&self, req: &CreateRequest<'_>) -> Result<LiveResource, ProviderError> {
        const OP: &str = "wafv2:AssociateWebACL";
        let at = |e: ProviderError| e.at(req.address);
        let acl = required_str(req.attrs, "web_acl_arn", OP).map_err(at)?;
        let resource = required_str(req.attrs, "resource_arn", OP).map_err(at)?;
        if let Some(problem) = self.validate(req.attrs).into_iter().next() {
            return Err(at(ProviderError::invalid(OP, problem.message)));
        }
        let waf = self.aws.wafv2().await?;
        waf.associate_web_acl()
            .web_acl_arn(acl)
            .resource_arn(resource)
            .send()
            .await
            .map_err(|e| at(waf_error(OP, e)))?;
        Ok(live_of(acl, resource))
    }

    async fn update(&self, req: &UpdateRequest<'_>) -> Result<LiveResource, ProviderError> {
        let name = req.changed.first().map(String::as_str).unwrap_or("?");
        Err(ProviderError::new(
            ErrorClass::Unsupported,
            "wafv2:AssociateWebACL",
            format!("changing `{name}` of a web ACL association in place is not supported: it is replaced"),
        )
        .at(req.address))
    }

    async fn delete(&self, id: &str, _recorded: &Attrs) -> Result<(), ProviderError> {
        const OP: &str = "wafv2:DisassociateWebACL";
        let (acl, resource) = parse_association_id(id).ok_or_else(|| {
            ProviderError::invalid(
                OP,
                format!("`{id}` is not a WEBACL_ARN,RESOURCE_ARN association id"),
            )
        })?;
        // Only this association: a resource that holds another ACL now is left alone.
        match self.for_resource(resource).await? {
            Some(live) if live.id == association_id(acl, resource) => {}
            _ => return Ok(()),
        }
        let waf = self.aws.wafv2().await?;
        absent_ok(
            waf.disassociate_web_acl()
                .resource_arn(resource)
                .send()
                .await
                .map_err(|e| waf_error(OP, e)),
            &[NONEXISTENT],
        )
    }
}

impl WebAclAssociation {
    /// The association of `resource`, if it has a web ACL.
    async fn for_resource(&self, resource: &str) -> Result<Option<LiveResource>, ProviderError> {
        const OP: &str = "wafv2:GetWebACLForResource";
        let waf = self.aws.wafv2().await?;
        let got = waf
            .get_web_acl_for_resource()
            .resource_arn(resource)
            .send()
            .await
            .map_err(|e| waf_error(OP, e));
        match got {
            Ok(out) => Ok(out.web_acl().map(|acl| live_of(acl.arn(), resource))),
            // The resource itself is gone: so is its association.
            Err(e) if e.class == ErrorClass::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn live_of(acl: &str, resource: &str) -> LiveResource {
    let mut attrs = Attrs::new();
    put_str(&mut attrs, "web_acl_arn", Some(acl));
    put_str(&mut attrs, "resource_arn", Some(resource));
    LiveResource {
        id: association_id(acl, resource),
        attrs,
        tags: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composite_ids_round_trip_and_cloudfront_is_refused() {
        let acl = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/web/1a";
        let lb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc";
        let id = association_id(acl, lb);
        assert_eq!(parse_association_id(&id), Some((acl, lb)));
        assert_eq!(parse_association_id(lb), None);
        let kind = WebAclAssociation::new(Arc::new(Aws::offline()));
        let attrs = Attrs::from([
            ("web_acl_arn".to_string(), crate::Value::str(acl)),
            (
                "resource_arn".to_string(),
                crate::Value::str("arn:aws:cloudfront::123456789012:distribution/E2ABC"),
            ),
        ]);
        let problems = kind.validate(&attrs);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("web_acl_id"), "{problems:?}");
    }
}
