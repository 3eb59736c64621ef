//! WAFv2's refusal moto forgives: deleting a web ACL that still protects a resource
//! (`WAFAssociatedItemException`). moto has no `ListResourcesForWebACL`, so the check asks
//! `GetWebACLForResource` of every load balancer of the region (the resources strata
//! associates); API Gateway stages and other resources are not looked at.

use super::checks::{Ctx, Verdict};
use crate::support::moto::http;

/// A WAFv2 JSON call to moto, answered in JSON.
fn waf(ctx: &Ctx, operation: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/wafv2/aws4_request, SignedHeaders=host, Signature=0",
        ctx.upstream.region
    );
    let target = format!("AWSWAF_20190729.{operation}");
    let (status, text) = http(
        ctx.upstream.port,
        "POST",
        "/",
        &body.to_string(),
        &[
            ("Authorization", &auth),
            ("X-Amz-Target", &target),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
    )?;
    if status != 200 {
        return Err(format!("wafv2:{operation} answered {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("wafv2:{operation}: {e}"))
}

/// `DeleteWebACL` of an ACL some load balancer still uses.
pub fn web_acl_associated(ctx: &Ctx) -> Verdict {
    let body: serde_json::Value =
        serde_json::from_slice(&ctx.request.body).map_err(|e| format!("not JSON: {e}"))?;
    let (Some(name), Some(id)) = (body["Name"].as_str(), body["Id"].as_str()) else {
        return Err("no Name and Id in the request".into());
    };
    let suffix = format!("/webacl/{name}/{id}");
    let balancers = ctx
        .upstream
        .elbv2("DescribeLoadBalancers", &[] as &[(&str, &str)])?;
    let mut users = Vec::new();
    for arn in balancers.texts("LoadBalancerArn") {
        let answer = waf(
            ctx,
            "GetWebACLForResource",
            &serde_json::json!({ "ResourceArn": arn }),
        )?;
        if answer["WebACL"]["ARN"]
            .as_str()
            .is_some_and(|acl| acl.ends_with(&suffix))
        {
            users.push(arn);
        }
    }
    Ok((!users.is_empty()).then(|| {
        format!(
            "AWS WAF couldn't perform the operation because your resource is being used by another resource or it's associated with another resource: {}",
            users.join(", ")
        )
    }))
}
