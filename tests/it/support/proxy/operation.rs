//! Which AWS operation a request is, and in which wire protocol its errors must be written.
//!
//! The service comes from the SigV4 credential scope (`.../us-east-1/ec2/aws4_request`), renamed
//! to the prefixes strata's own operation names use (`elasticloadbalancing` → `elbv2`,
//! `elasticfilesystem` → `efs`), so recorded calls and `ProviderError::operation` agree.

use super::http::Request;

/// How a service frames requests and errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// EC2's query dialect: `Action=` form body, `<Response><Errors>` errors.
    Ec2Query,
    /// The AWS query protocol (IAM, ELBv2, STS): `Action=` form body, `<ErrorResponse>` errors.
    Query,
    /// AWS JSON 1.0/1.1 (`X-Amz-Target`), answered with the request's content type.
    Json {
        /// `application/x-amz-json-1.1` or `-1.0`, as the client sent.
        content_type: String,
    },
    /// REST with XML bodies (CloudFront).
    RestXml,
    /// REST with JSON bodies (EFS).
    RestJson,
}

/// One detected operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Service prefix as strata names it: `ec2`, `iam`, `elbv2`, `cloudfront`, `efs`, `ssm`.
    pub service: String,
    /// Operation name (`DeleteVpc`), or `METHOD /path` for a REST call not in the route table.
    pub name: String,
    /// Wire protocol of the service.
    pub protocol: Protocol,
}

impl Operation {
    /// `service:Name`, e.g. `ec2:DeleteVpc`.
    pub fn full_name(&self) -> String {
        format!("{}:{}", self.service, self.name)
    }
}

/// Services whose REST dialect is XML; every other REST service is treated as JSON.
const REST_XML: &[&str] = &["cloudfront", "s3", "route53"];

/// A REST route: service, method, path with `*` for one variable segment, a query parameter
/// that must be present (`key` or `key=value`), and the operation name.
type Route = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// The REST operations strata calls (and their obvious neighbours). More specific routes first.
#[rustfmt::skip]
const ROUTES: &[Route] = &[
    ("cloudfront", "POST", "/2020-05-31/distribution", "WithTags", "CreateDistributionWithTags"),
    ("cloudfront", "POST", "/2020-05-31/distribution", "", "CreateDistribution"),
    ("cloudfront", "GET", "/2020-05-31/distribution", "", "ListDistributions"),
    ("cloudfront", "GET", "/2020-05-31/distribution/*", "", "GetDistribution"),
    ("cloudfront", "DELETE", "/2020-05-31/distribution/*", "", "DeleteDistribution"),
    ("cloudfront", "GET", "/2020-05-31/distribution/*/config", "", "GetDistributionConfig"),
    ("cloudfront", "PUT", "/2020-05-31/distribution/*/config", "", "UpdateDistribution"),
    ("cloudfront", "POST", "/2020-05-31/distribution/*/invalidation", "", "CreateInvalidation"),
    ("cloudfront", "GET", "/2020-05-31/distribution/*/invalidation", "", "ListInvalidations"),
    ("cloudfront", "GET", "/2020-05-31/distribution/*/invalidation/*", "", "GetInvalidation"),
    ("cloudfront", "POST", "/2020-05-31/tagging", "Operation=Tag", "TagResource"),
    ("cloudfront", "POST", "/2020-05-31/tagging", "Operation=Untag", "UntagResource"),
    ("cloudfront", "GET", "/2020-05-31/tagging", "", "ListTagsForResource"),
    ("efs", "POST", "/2015-02-01/file-systems", "", "CreateFileSystem"),
    ("efs", "GET", "/2015-02-01/file-systems", "", "DescribeFileSystems"),
    ("efs", "PUT", "/2015-02-01/file-systems/*", "", "UpdateFileSystem"),
    ("efs", "DELETE", "/2015-02-01/file-systems/*", "", "DeleteFileSystem"),
    ("efs", "PUT", "/2015-02-01/file-systems/*/lifecycle-configuration", "", "PutLifecycleConfiguration"),
    ("efs", "GET", "/2015-02-01/file-systems/*/lifecycle-configuration", "", "DescribeLifecycleConfiguration"),
    ("efs", "PUT", "/2015-02-01/file-systems/*/backup-policy", "", "PutBackupPolicy"),
    ("efs", "GET", "/2015-02-01/file-systems/*/backup-policy", "", "DescribeBackupPolicy"),
    ("efs", "PUT", "/2015-02-01/file-systems/*/policy", "", "PutFileSystemPolicy"),
    ("efs", "GET", "/2015-02-01/file-systems/*/policy", "", "DescribeFileSystemPolicy"),
    ("efs", "DELETE", "/2015-02-01/file-systems/*/policy", "", "DeleteFileSystemPolicy"),
    ("efs", "PUT", "/2015-02-01/file-systems/*/protection", "", "UpdateFileSystemProtection"),
    ("efs", "POST", "/2015-02-01/mount-targets", "", "CreateMountTarget"),
    ("efs", "GET", "/2015-02-01/mount-targets", "", "DescribeMountTargets"),
    ("efs", "DELETE", "/2015-02-01/mount-targets/*", "", "DeleteMountTarget"),
    ("efs", "GET", "/2015-02-01/mount-targets/*/security-groups", "", "DescribeMountTargetSecurityGroups"),
    ("efs", "PUT", "/2015-02-01/mount-targets/*/security-groups", "", "ModifyMountTargetSecurityGroups"),
    ("efs", "POST", "/2015-02-01/resource-tags/*", "", "TagResource"),
    ("efs", "DELETE", "/2015-02-01/resource-tags/*", "", "UntagResource"),
    ("efs", "GET", "/2015-02-01/resource-tags/*", "", "ListTagsForResource"),
    ("efs", "POST", "/2015-02-01/access-points", "", "CreateAccessPoint"),
    ("efs", "GET", "/2015-02-01/access-points", "", "DescribeAccessPoints"),
    ("efs", "DELETE", "/2015-02-01/access-points/*", "", "DeleteAccessPoint"),
];

/// Detect the operation of `request`.
pub fn detect(request: &Request) -> Operation {
    let service = service_of(request);
    if let Some(target) = request.header("x-amz-target") {
        let name = target.rsplit('.').next().unwrap_or(target).to_string();
        let content_type = request
            .header("content-type")
            .unwrap_or("application/x-amz-json-1.1")
            .to_string();
        return Operation {
            service,
            name,
            protocol: Protocol::Json { content_type },
        };
    }
    if let Some(action) = form_action(request) {
        let protocol = if service == "ec2" {
            Protocol::Ec2Query
        } else {
            Protocol::Query
        };
        return Operation {
            service,
            name: action,
            protocol,
        };
    }
    let protocol = if REST_XML.contains(&service.as_str()) {
        Protocol::RestXml
    } else {
        Protocol::RestJson
    };
    let name = rest_name(&service, request)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} {}", request.method, request.path()));
    Operation {
        service,
        name,
        protocol,
    }
}

/// The service of the SigV4 credential scope, in strata's naming; `unknown` when unsigned.
fn service_of(request: &Request) -> String {
    let scope_service = request
        .header("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|credential| {
            let scope = credential.split([',', ' ']).next().unwrap_or("");
            // access-key/date/region/service/aws4_request
            scope.split('/').nth(3)
        })
        .unwrap_or("unknown");
    match scope_service {
        "elasticloadbalancing" => "elbv2",
        "elasticfilesystem" => "efs",
        other => other,
    }
    .to_string()
}

/// `Action=X` of a form-encoded body (or of the query string, which the query protocol allows).
fn form_action(request: &Request) -> Option<String> {
    let from = |text: &str| {
        text.split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .map(str::to_string)
    };
    let is_form = request
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let body_action = if is_form {
        std::str::from_utf8(&request.body).ok().and_then(from)
    } else {
        None
    };
    body_action.or_else(|| from(request.query()))
}

/// The route-table name of a REST request.
fn rest_name(service: &str, request: &Request) -> Option<&'static str> {
    let path: Vec<&str> = request.path().trim_end_matches('/').split('/').collect();
    let query: Vec<&str> = request.query().split('&').collect();
    ROUTES
        .iter()
        .find(|(svc, method, pattern, param, _)| {
            *svc == service
                && *method == request.method
                && path_matches(pattern, &path)
                && (param.is_empty() || query_has(&query, param))
        })
        .map(|route| route.4)
}

fn path_matches(pattern: &str, path: &[&str]) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    pattern.len() == path.len()
        && pattern
            .iter()
            .zip(path)
            .all(|(p, s)| (*p == "*" && !s.is_empty()) || p == s)
}

/// Whether the query has `key` (any value) or exactly `key=value`.
fn query_has(query: &[&str], wanted: &str) -> bool {
    query.iter().any(|pair| {
        if wanted.contains('=') {
            *pair == wanted
        } else {
            pair.split('=').next() == Some(wanted)
        }
    })
}
