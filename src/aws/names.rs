//! Names strata derives for resources whose AWS name must be unique in the account or region
//! (security groups, IAM roles, load balancers…) when the configuration sets none.

use crate::address::Address;
use sha2::{Digest, Sha256};

/// `<deployment>-<resource name>`, reduced to letters, digits and `-`, and shortened to `max`
/// characters with a short hash suffix when too long, so that it stays unique and stable.
pub fn derived(deployment: &str, address: &Address, max: usize) -> String {
    let raw = format!("{deployment}-{}", address.name);
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.len() <= max {
        return clean;
    }
    let digest = hex::encode(Sha256::digest(format!("{deployment}/{address}").as_bytes()));
    let suffix = &digest[..6];
    let keep = max.saturating_sub(suffix.len() + 1);
    let head = clean[..keep].trim_end_matches('-');
    format!("{head}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_stay_readable_and_long_ones_fit() {
        let a = Address::new("load_balancer", "web_front");
        assert_eq!(derived("ai-stack-dev", &a, 64), "ai-stack-dev-web-front");
        let long = derived("a-very-long-deployment-name-for-testing", &a, 32);
        assert!(long.len() <= 32, "{long}");
        assert_eq!(
            long,
            derived("a-very-long-deployment-name-for-testing", &a, 32)
        );
        assert_ne!(
            long,
            derived("a-very-long-deployment-name-for-testinh", &a, 32)
        );
    }
}
