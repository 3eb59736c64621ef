//! WAFv2 resource kinds: web ACLs and their associations with regional resources.

pub mod web_acl;
pub mod web_acl_association;

pub use web_acl::WebAcl;
pub use web_acl_association::WebAclAssociation;

use crate::aws::errors::classify;
use crate::aws::errors::HttpStatus;
use crate::provider::{ErrorClass, ProviderError};
use aws_sdk_wafv2::types::Scope;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// WAF's code for an ACL (or association) that does not exist.
pub(crate) const NONEXISTENT: &str = "WAFNonexistentItemException";
/// WAF's code for a change sent with a lock token another change made stale.
pub(crate) const STALE_LOCK: &str = "WAFOptimisticLockException";

/// Classify a WAFv2 error. WAF's codes all start with `WAF` and so miss the shared tables:
/// they are placed here, for this service only.
pub(crate) fn waf_error<E, R>(operation: &str, err: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus + 'static,
{
    let mut e = classify(operation, err);
    e.class = match e.code.as_deref() {
        Some(NONEXISTENT) => ErrorClass::NotFound,
        Some("WAFAssociatedItemException") => ErrorClass::DependencyViolation,
        // Another change got in between reading the lock token and sending ours: reading it
        // again and sending again succeeds, as for IAM's ConcurrentModification (the kinds
        // already retry once with a fresh token before this reaches the engine).
        Some(STALE_LOCK) => ErrorClass::Throttling,
        Some(
            "WAFInvalidParameterException"
            | "WAFInvalidOperationException"
            | "WAFInvalidResourceException"
            | "WAFDuplicateItemException"
            | "WafV2DuplicateItem"
            | "WAFSubscriptionNotFoundException",
        ) => ErrorClass::InvalidInput,
        Some("WAFLimitsExceededException" | "WAFTagOperationException") => ErrorClass::Quota,
        Some("WAFUnavailableEntityException" | "WAFInternalErrorException") => {
            ErrorClass::Transient
        }
        _ => e.class,
    };
    e
}

/// What a web ACL's ARN names: `arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID`
/// (`global/...` for CloudFront ACLs, which live in us-east-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AclArn {
    /// REGIONAL or CLOUDFRONT.
    pub scope: Scope,
    /// The ACL's name.
    pub name: String,
    /// The ACL's id (a UUID).
    pub id: String,
}

/// Parse a web ACL ARN; `None` when it is not one.
pub(crate) fn parse_acl_arn(arn: &str) -> Option<AclArn> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "wafv2" {
        return None;
    }
    let path: Vec<&str> = parts[5].split('/').collect();
    let [scope, "webacl", name, id] = path.as_slice() else {
        return None;
    };
    let scope = match *scope {
        "regional" => Scope::Regional,
        "global" => Scope::Cloudfront,
        _ => return None,
    };
    (!name.is_empty() && !id.is_empty()).then(|| AclArn {
        scope,
        name: name.to_string(),
        id: id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_arns_parse_and_others_do_not() {
        let arn = "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/web/1a2b-3c";
        assert_eq!(
            parse_acl_arn(arn),
            Some(AclArn {
                scope: Scope::Regional,
                name: "web".into(),
                id: "1a2b-3c".into()
            })
        );
        let global = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/9f";
        assert_eq!(
            parse_acl_arn(global).map(|a| a.scope),
            Some(Scope::Cloudfront)
        );
        for bad in [
            "arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/web/1a",
            "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/x/y",
            "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/web",
            "web",
        ] {
            assert_eq!(parse_acl_arn(bad), None, "{bad}");
        }
    }
}
