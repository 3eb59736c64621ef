//! The retry policy: classified errors decide, exponential backoff with full jitter paces.
//!
//! The SDK's own retries are switched off (see `aws::context`), so this is the only place that
//! retries: nothing is stacked. Each class has the budget AWS needs: throttling and transient
//! failures a number of attempts; eventual consistency (a new instance profile RunInstances does
//! not accept yet, `*.NotFound` right after a create) a time, about two minutes; a delete refused
//! because dependents still exist (ENIs a deleted load balancer leaves for a while, instances
//! still terminating) a time too, while they drain. Everything else fails at once, including a
//! wait that ran out of time.

use super::error::{ErrorClass, ProviderError};
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
    /// How long eventual-consistency errors keep being retried, beyond `max_attempts`.
    pub consistency_budget: Duration,
    /// How long a delete refused with a dependency violation keeps being retried.
    pub dependency_budget: Duration,
}

/// Which call is retried: a delete may also wait for its dependents to drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A create, update, read or wait.
    Change,
    /// A delete.
    Delete,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            consistency_budget: Duration::from_secs(120),
            dependency_budget: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry: for calls made inside an attempt that is itself retried.
    pub fn once() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            consistency_budget: Duration::ZERO,
            dependency_budget: Duration::ZERO,
            ..RetryPolicy::default()
        }
    }

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

    /// Run `op` until it succeeds, fails with a non-retryable class, or its class's budget
    /// runs out. `on_retry` is told each retry (error and delay) so callers can report it.
    pub async fn run<T, F, Fut>(
        &self,
        op: F,
        on_retry: impl FnMut(&ProviderError, Duration),
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        self.run_call(Call::Change, op, on_retry).await
    }

    /// Whether an error from attempt number `attempt`, `elapsed` after the first, is retried.
    pub fn retries(&self, call: Call, e: &ProviderError, attempt: u32, elapsed: Duration) -> bool {
        let attempts_left = attempt < self.max_attempts;
        match e.class {
            ErrorClass::Throttling | ErrorClass::Transient => attempts_left,
            ErrorClass::EventualConsistency => attempts_left || elapsed < self.consistency_budget,
            ErrorClass::DependencyViolation => {
                call == Call::Delete && (attempts_left || elapsed < self.dependency_budget)
            }
            _ => false,
        }
    }

    /// [`RetryPolicy::run`] for a `call` of the given sort.
    pub async fn run_call<T, F, Fut>(
        &self,
        call: Call,
        mut op: F,
        mut on_retry: impl FnMut(&ProviderError, Duration),
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let mut attempt = 1;
        let started = tokio::time::Instant::now();
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if self.retries(call, &e, attempt, started.elapsed()) => {
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
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn delays_are_capped_and_jittered() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
            ..RetryPolicy::default()
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
            consistency_budget: Duration::ZERO,
            dependency_budget: Duration::ZERO,
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

    #[test]
    fn each_class_has_its_own_budget() {
        let p = RetryPolicy {
            max_attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            consistency_budget: Duration::from_secs(120),
            dependency_budget: Duration::from_secs(300),
        };
        let e = |class| ProviderError::new(class, "x:Y", "m");
        let early = Duration::from_secs(1);
        let late = Duration::from_secs(400);
        for call in [Call::Change, Call::Delete] {
            assert!(p.retries(call, &e(ErrorClass::Throttling), 2, late));
            assert!(!p.retries(call, &e(ErrorClass::Throttling), 3, early));
            // Eventual consistency outlives the attempts, for its time budget only.
            assert!(p.retries(call, &e(ErrorClass::EventualConsistency), 9, early));
            assert!(!p.retries(call, &e(ErrorClass::EventualConsistency), 9, late));
            for never in [
                ErrorClass::WaitTimeout,
                ErrorClass::InvalidInput,
                ErrorClass::NotFound,
            ] {
                assert!(!p.retries(call, &e(never), 1, early), "{never:?}");
            }
        }
        // A dependency violation is waited out on delete only.
        assert!(p.retries(Call::Delete, &e(ErrorClass::DependencyViolation), 9, early));
        assert!(!p.retries(Call::Delete, &e(ErrorClass::DependencyViolation), 9, late));
        assert!(!p.retries(Call::Change, &e(ErrorClass::DependencyViolation), 1, early));
    }
}
