//! The retry policy: classified errors decide, exponential backoff with full jitter paces.
//!
//! The SDK's own retries are switched off (see `aws::context`), so this is the only place that
//! retries: nothing is stacked.

use super::error::ProviderError;
use std::future::Future;
use std::time::Duration;

/// How many times and how slowly to retry.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Delay cap of the first retry; doubles each time.
    pub base: Duration,
    /// Largest delay.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `attempt` (1-based): uniform in [0, min(cap, base·2^(n-1))].
    pub fn delay(&self, attempt: u32, random: u64) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let ceiling = exp.min(self.cap).as_millis() as u64;
        Duration::from_millis(if ceiling == 0 {
            0
        } else {
            random % (ceiling + 1)
        })
    }

    /// Run `op` until it succeeds, fails with a non-retryable class, or attempts run out.
    /// `on_retry` is told each retry (error and delay) so callers can report it.
    pub async fn run<T, F, Fut>(
        &self,
        mut op: F,
        mut on_retry: impl FnMut(&ProviderError, Duration),
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut attempt = 1;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if e.class.is_retryable() && attempt < self.max_attempts => {
                    let delay = self.delay(attempt, jitter_seed());
                    on_retry(&e, delay);
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A cheap random number for jitter (no cryptographic need).
fn jitter_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ErrorClass;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn delays_are_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        };
        assert!(p.delay(1, u64::MAX) <= Duration::from_millis(100));
        assert!(p.delay(10, u64::MAX) <= Duration::from_millis(300));
        assert_eq!(p.delay(3, 0), Duration::ZERO);
    }

    #[tokio::test]
    async fn retries_only_retryable_classes() {
        let p = RetryPolicy {
            max_attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        };
        let calls = AtomicU32::new(0);
        let mut retries = 0;
        let r: Result<(), _> = p
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(ProviderError::new(
                        ErrorClass::Throttling,
                        "ec2:X",
                        "slow down",
                    ))
                },
                |_, _| retries += 1,
            )
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(retries, 3);
        calls.store(0, Ordering::SeqCst);
        let r: Result<(), _> = p
            .run(
                || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(ProviderError::new(ErrorClass::InvalidInput, "ec2:X", "bad"))
                },
                |_, _| {},
            )
            .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
