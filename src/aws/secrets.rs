//! Sensitive variables read from SSM Parameter Store (`{ ssm = "/path" }`), fetched when
//! `plan` or `apply` needs them and held in memory only.

use super::errors::classify;
use super::Aws;
use crate::provider::ProviderError;
use std::collections::{BTreeMap, BTreeSet};

/// GetParameters takes at most ten names per call.
const NAMES_PER_CALL: usize = 10;

/// What a fetch found.
#[derive(Debug, Default)]
pub struct Fetched {
    /// Decrypted values, by parameter name.
    pub values: BTreeMap<String, String>,
    /// Names the account does not have.
    pub missing: Vec<String>,
}

/// Fetch these parameters, decrypted, ten per call.
pub async fn fetch_parameters(
    aws: &Aws,
    names: &BTreeSet<String>,
) -> Result<Fetched, ProviderError> {
    const OP: &str = "ssm:GetParameters";
    let ssm = aws.ssm().await?;
    let names: Vec<&String> = names.iter().collect();
    let mut fetched = Fetched::default();
    for chunk in names.chunks(NAMES_PER_CALL) {
        let got = ssm
            .get_parameters()
            .set_names(Some(chunk.iter().map(|n| n.to_string()).collect()))
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| classify(OP, e))?;
        for p in got.parameters() {
            if let (Some(name), Some(value)) = (p.name(), p.value()) {
                fetched.values.insert(name.to_string(), value.to_string());
            }
        }
        fetched
            .missing
            .extend(got.invalid_parameters().iter().cloned());
    }
    Ok(fetched)
}
