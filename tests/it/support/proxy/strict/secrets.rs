//! Secrets Manager: a secret scheduled for deletion keeps its name until its recovery window
//! ends. AWS answers `CreateSecret` of that name with `InvalidRequestException` ("You can't
//! create this secret because a secret with this name is already scheduled for deletion.");
//! moto answers `ResourceExistsException`, as for a live secret.

use super::checks::{Ctx, Verdict};
use crate::support::moto::http;

/// `CreateSecret` of a name that a secret scheduled for deletion holds.
pub fn name_scheduled_for_deletion(ctx: &Ctx) -> Verdict {
    let body: serde_json::Value =
        serde_json::from_slice(&ctx.request.body).map_err(|e| format!("not JSON: {e}"))?;
    let name = body["Name"].as_str().ok_or("no Name in the request")?;
    let query = serde_json::json!({
        "Filters": [{"Key": "name", "Values": [name]}],
        "IncludePlannedDeletion": true,
    });
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{}/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
        ctx.upstream.region
    );
    let (status, text) = http(
        ctx.upstream.port,
        "POST",
        "/",
        &query.to_string(),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "secretsmanager.ListSecrets"),
        ],
    )?;
    if status != 200 {
        return Err(format!(
            "secretsmanager:ListSecrets answered {status}: {text}"
        ));
    }
    let answer: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("ListSecrets: {e}"))?;
    let scheduled = answer["SecretList"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["Name"].as_str() == Some(name) && !s["DeletedDate"].is_null());
    Ok(scheduled.then(|| {
        "You can't create this secret because a secret with this name is already scheduled for \
         deletion. (strict test proxy)"
            .to_string()
    }))
}
