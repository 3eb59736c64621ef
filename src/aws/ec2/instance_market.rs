//! The purchase option of an instance and the spot-to-on-demand fallback decision, kept apart
//! from the API calls so the decision can be tested on its own.

use crate::provider::{ErrorClass, ProviderError};

/// How an instance is paid for (`market` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Market {
    /// Regular on-demand capacity.
    OnDemand,
    /// Spot capacity only: fail when there is none.
    Spot,
    /// Spot capacity, else on-demand when spot is refused for capacity or price.
    SpotOrOnDemand,
}

impl Market {
    /// The market named in configuration (`on-demand` when unset).
    pub fn parse(value: Option<&str>) -> Result<Market, String> {
        match value {
            None | Some("on-demand") => Ok(Market::OnDemand),
            Some("spot") => Ok(Market::Spot),
            Some("spot-or-on-demand") => Ok(Market::SpotOrOnDemand),
            Some(other) => Err(format!(
                "`market` must be on-demand, spot or spot-or-on-demand, not `{other}`"
            )),
        }
    }

    /// Whether the first launch attempt asks for spot capacity.
    pub fn tries_spot_first(self) -> bool {
        matches!(self, Market::Spot | Market::SpotOrOnDemand)
    }

    /// Whether a failed spot launch should be retried on demand: only for
    /// `spot-or-on-demand`, and only when AWS refused for capacity or price. Any other failure
    /// (a bad AMI, missing permissions) would fail on demand too, and must be reported as is.
    pub fn falls_back_after(self, spot_failure: &ProviderError) -> bool {
        self == Market::SpotOrOnDemand && spot_failure.class == ErrorClass::Capacity
    }
}

/// The client token of the on-demand attempt after a spot refusal: a different launch
/// request, so it needs its own token (AWS rejects a reused token with other parameters), yet
/// derived from the original so a retried run sends the same one again. Tokens are at most 64
/// characters.
pub fn fallback_token(token: &str) -> String {
    let suffix = "-od";
    let keep = token.len().min(64 - suffix.len());
    let mut cut = keep;
    while !token.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &token[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::errors::classify_code;

    fn refused(code: &str) -> ProviderError {
        ProviderError::new(
            classify_code(Some(code), Some(400)),
            "ec2:RunInstances",
            "refused",
        )
        .with_code(code)
    }

    #[test]
    fn parses_the_three_markets_and_rejects_others() {
        assert_eq!(Market::parse(None), Ok(Market::OnDemand));
        assert_eq!(Market::parse(Some("spot")), Ok(Market::Spot));
        assert_eq!(
            Market::parse(Some("spot-or-on-demand")),
            Ok(Market::SpotOrOnDemand)
        );
        assert!(Market::parse(Some("reserved")).is_err());
        assert!(Market::Spot.tries_spot_first());
        assert!(!Market::OnDemand.tries_spot_first());
    }

    #[test]
    fn only_spot_or_on_demand_falls_back_and_only_for_capacity_or_price() {
        for code in [
            "InsufficientInstanceCapacity",
            "SpotMaxPriceTooLow",
            "MaxSpotInstanceCountExceeded",
        ] {
            assert!(
                Market::SpotOrOnDemand.falls_back_after(&refused(code)),
                "{code}"
            );
            assert!(!Market::Spot.falls_back_after(&refused(code)), "{code}");
        }
        for code in [
            "InvalidAMIID.Malformed",
            "UnauthorizedOperation",
            "RequestLimitExceeded",
        ] {
            assert!(
                !Market::SpotOrOnDemand.falls_back_after(&refused(code)),
                "{code}"
            );
        }
    }

    #[test]
    fn fallback_tokens_differ_stay_stable_and_fit() {
        assert_eq!(fallback_token("abc"), "abc-od");
        let long = "x".repeat(64);
        let t = fallback_token(&long);
        assert_eq!(t.len(), 64);
        assert_eq!(t, fallback_token(&long));
        assert_ne!(t, long);
    }
}
