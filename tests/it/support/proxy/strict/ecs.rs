//! ECS refusals moto forgives: deleting a cluster that still has active or draining services
//! (`ClusterContainsServicesException`; moto marks the cluster INACTIVE anyway).

use super::checks::{Ctx, Verdict};
use crate::support::moto::http;

/// The JSON 1.1 target prefix of ECS.
const TARGET: &str = "AmazonEC2ContainerServiceV20141113";

/// Ask moto's ECS `action` with a JSON body, directly (never through the proxy).
fn ecs_call(
    ctx: &Ctx,
    action: &str,
    body: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/ecs/aws4_request, SignedHeaders=host, Signature=0",
        ctx.upstream.region
    );
    let target = format!("{TARGET}.{action}");
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
        return Err(format!("ecs:{action} answered {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("ecs:{action}: {e}"))
}

/// A `DeleteCluster` of a cluster with services that are not yet INACTIVE.
pub fn cluster_has_services(ctx: &Ctx) -> Verdict {
    let request: serde_json::Value =
        serde_json::from_slice(&ctx.request.body).map_err(|e| format!("not JSON: {e}"))?;
    let cluster = request["cluster"]
        .as_str()
        .ok_or("no cluster in the request")?;
    let listed = ecs_call(
        ctx,
        "ListServices",
        &serde_json::json!({ "cluster": cluster }),
    )?;
    let arns: Vec<String> = listed["serviceArns"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut live = Vec::new();
    for batch in arns.chunks(10) {
        let got = ecs_call(
            ctx,
            "DescribeServices",
            &serde_json::json!({ "cluster": cluster, "services": batch }),
        )?;
        for s in got["services"].as_array().into_iter().flatten() {
            if s["status"].as_str() != Some("INACTIVE") {
                live.extend(s["serviceArn"].as_str().map(str::to_string));
            }
        }
    }
    if live.is_empty() {
        Ok(None)
    } else {
        Ok(Some(format!(
            "The Cluster cannot be deleted while Services are active. (strict test proxy: still used by {})",
            live.join(", ")
        )))
    }
}
