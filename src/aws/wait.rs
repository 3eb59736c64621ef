//! Polling until a resource reaches a state (running, active, deployed, available…), with
//! backoff and a deadline. Every kind's readiness wait goes through here.

use crate::provider::{ErrorClass, ProviderError};
use std::future::Future;
use std::time::{Duration, Instant};

/// How long to poll and how fast.
#[derive(Debug, Clone, Copy)]
pub struct Poll {
    /// First delay between two checks; doubles up to `max_delay`.
    pub first_delay: Duration,
    /// Longest delay between two checks.
    pub max_delay: Duration,
    /// Give up after this long.
    pub timeout: Duration,
}

impl Poll {
    /// Instances reach `running` in under a minute and `terminated` in a few; ten minutes is
    /// generous for both without letting a stuck resource hang a run forever.
    pub const INSTANCE: Poll = Poll {
        first_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(15),
        timeout: Duration::from_secs(600),
    };

    /// Volume attach and detach take seconds.
    pub const VOLUME: Poll = Poll {
        first_delay: Duration::from_millis(250),
        max_delay: Duration::from_secs(5),
        timeout: Duration::from_secs(300),
    };

    /// Poll every half second at first, up to every 15 s, for at most `timeout`.
    pub const fn within(timeout: Duration) -> Poll {
        Poll {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(15),
            timeout,
        }
    }

    /// Call `check` until it says done. Retryable errors (throttling, eventual consistency)
    /// count as "not yet"; others end the wait. `what` names the awaited state in the
    /// time-out error.
    pub async fn until<F, Fut>(
        self,
        op: &str,
        what: &str,
        mut check: F,
    ) -> Result<(), ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<bool, ProviderError>>,
    {
        self.until_some(op, what, || {
            let pending = check();
            async move { pending.await.map(|done| done.then_some(())) }
        })
        .await
    }

    /// Like [`Poll::until`], for checks that return a value once done (an ETag, say).
    pub async fn until_some<T, F, Fut>(
        self,
        op: &str,
        what: &str,
        mut check: F,
    ) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Option<T>, ProviderError>>,
    {
        let deadline = Instant::now() + self.timeout;
        let mut delay = self.first_delay;
        loop {
            match check().await {
                Ok(Some(done)) => return Ok(done),
                Ok(None) => {}
                Err(e) if e.class.is_retryable() => {}
                Err(e) => return Err(e),
            }
            if Instant::now() + delay > deadline {
                return Err(ProviderError::new(
                    ErrorClass::WaitTimeout,
                    op,
                    format!(
                        "gave up waiting for {what} after {} s",
                        self.timeout.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.max_delay);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn polls_until_done_and_times_out_otherwise() {
        let fast = Poll {
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            timeout: Duration::from_millis(50),
        };
        let mut calls = 0;
        fast.until("op", "done", || {
            calls += 1;
            let n = calls;
            async move { Ok(n >= 3) }
        })
        .await
        .expect("reaches the state");
        assert_eq!(calls, 3);

        let err = fast
            .until("ec2:DescribeInstances", "running", || async { Ok(false) })
            .await
            .expect_err("never done");
        assert_eq!(err.class, ErrorClass::WaitTimeout);
        assert!(err.message.contains("running"), "{err}");

        let err = fast
            .until("op", "x", || async {
                Err(ProviderError::new(ErrorClass::AccessDenied, "op", "no"))
            })
            .await
            .expect_err("a non-retryable error ends the wait");
        assert_eq!(err.class, ErrorClass::AccessDenied);
    }
}
