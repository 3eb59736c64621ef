//! A token bucket that callers wait on, without polling.
//!
//! Implemented as a reservation schedule (the generic cell rate algorithm): the bucket remembers
//! the instant at which it would be full again, and each caller books its tokens by pushing that
//! instant forward, then sleeps until its booking falls inside the bucket. Bookings are taken
//! under a short lock and never held across an await, so waiters are served strictly in arrival
//! order and nobody starves, whatever the contention.

use super::PacingError;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::time::Instant;

/// A bucket of `capacity` tokens refilled at a steady rate; `acquire` waits for tokens.
#[derive(Debug)]
pub struct TokenBucket {
    capacity: u32,
    /// Time for one token to come back.
    per_token: Duration,
    /// The instant the bucket is full again; `None` (or a past instant) means full now.
    full_at: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A full bucket holding `capacity` tokens, refilled by `refill_per_sec` tokens a second.
    pub fn new(capacity: u32, refill_per_sec: f64) -> Result<Self, PacingError> {
        if capacity == 0 {
            return Err(PacingError::ZeroCapacity);
        }
        if !(refill_per_sec.is_finite() && refill_per_sec > 0.0) {
            return Err(PacingError::BadRefill(refill_per_sec));
        }
        // Whole nanoseconds, rounded, so schedules are exact for the usual integer rates.
        let nanos = (1e9 / refill_per_sec).round().max(1.0) as u64;
        Ok(TokenBucket {
            capacity,
            per_token: Duration::from_nanos(nanos),
            full_at: Mutex::new(None),
        })
    }

    /// Tokens the bucket holds when full.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Wait until `n` tokens are ours. Waiters are served in the order they called. A request
    /// larger than the capacity is allowed and simply waits for the refill of the excess.
    /// If the returned future is dropped before the tokens were granted, they go back.
    pub async fn acquire(&self, n: u32) {
        let ready_at = self.reserve(n);
        if ready_at <= Instant::now() {
            return;
        }
        let mut refund = Refund {
            bucket: self,
            n,
            armed: true,
        };
        tokio::time::sleep_until(ready_at).await;
        refund.armed = false;
    }

    /// Tokens available right now (0 while callers are queued).
    pub fn available(&self) -> u32 {
        let now = Instant::now();
        let deficit = match *self.lock() {
            Some(full_at) if full_at > now => full_at - now,
            _ => return self.capacity,
        };
        // A token still refilling is not available: round the deficit up to whole tokens.
        let missing = deficit.as_nanos().div_ceil(self.per_token.as_nanos());
        u32::try_from(u128::from(self.capacity).saturating_sub(missing)).unwrap_or(0)
    }

    /// Book `n` tokens and return the instant they are granted.
    fn reserve(&self, n: u32) -> Instant {
        let now = Instant::now();
        let mut full_at = self.lock();
        let start = full_at.map_or(now, |f| f.max(now));
        let booked = start + self.per_token * n;
        *full_at = Some(booked);
        // Granted once the booking is no more than `capacity` tokens ahead of the refill.
        booked
            .checked_sub(self.per_token * self.capacity)
            .map_or(now, |ready| ready.max(now))
    }

    /// Give back `n` tokens booked by a caller that stopped waiting.
    fn refund(&self, n: u32) {
        let mut full_at = self.lock();
        if let Some(f) = *full_at {
            *full_at = Some(f.checked_sub(self.per_token * n).unwrap_or(f));
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Instant>> {
        // The guarded value is a plain instant, always consistent: a poisoned lock is usable.
        self.full_at.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Returns a cancelled waiter's tokens to the bucket, so a timed-out call costs nothing.
struct Refund<'a> {
    bucket: &'a TokenBucket,
    n: u32,
    armed: bool,
}

impl Drop for Refund<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.bucket.refund(self.n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn bucket(capacity: u32, refill: f64) -> Arc<TokenBucket> {
        Arc::new(TokenBucket::new(capacity, refill).unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn bursts_to_capacity_then_follows_the_refill_rate() {
        let b = bucket(5, 2.0);
        let start = Instant::now();
        for _ in 0..5 {
            b.acquire(1).await;
        }
        assert_eq!(Instant::now() - start, Duration::ZERO, "the burst is free");
        assert_eq!(b.available(), 0);
        b.acquire(1).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(500));
        b.acquire(1).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn refills_while_idle_but_never_beyond_capacity() {
        let b = bucket(4, 1.0);
        b.acquire(4).await;
        assert_eq!(b.available(), 0);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(b.available(), 2, "half-refilled tokens do not count");
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(b.available(), 4);
        let start = Instant::now();
        b.acquire(4).await;
        assert_eq!(
            Instant::now(),
            start,
            "a long idle still gives only one full bucket"
        );
        b.acquire(1).await;
        assert_eq!(Instant::now() - start, Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_are_served_in_arrival_order() {
        let b = bucket(1, 10.0);
        b.acquire(1).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..8u32 {
            let (b, order) = (b.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                b.acquire(1).await;
                order.lock().unwrap().push((i, Instant::now()));
            }));
            // Let task i book before task i+1 is spawned.
            tokio::task::yield_now().await;
        }
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap();
        let ids: Vec<u32> = order.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, (0..8).collect::<Vec<_>>());
        for pair in order.windows(2) {
            assert_eq!(pair[1].1 - pair[0].1, Duration::from_millis(100));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_waiter_gives_its_tokens_back() {
        let b = bucket(2, 1.0);
        b.acquire(2).await;
        let waited = tokio::time::timeout(Duration::from_millis(100), b.acquire(2)).await;
        assert!(waited.is_err(), "the second pair is not ready after 100 ms");
        // Had the cancelled booking leaked, the next token would come only after 3 s.
        let start = Instant::now();
        b.acquire(1).await;
        assert_eq!(Instant::now() - start, Duration::from_millis(900));
    }

    #[tokio::test(start_paused = true)]
    async fn no_token_is_lost_or_invented_under_contention() {
        let b = bucket(10, 5.0);
        let start = Instant::now();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let b = b.clone();
                tokio::spawn(async move { b.acquire(1).await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 40 tokens = 10 at once + 30 refilled at 5/s: exactly 6 s, no earlier, no later.
        assert_eq!(Instant::now() - start, Duration::from_secs(6));
        assert_eq!(b.available(), 0);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(b.available(), 10);
    }

    #[test]
    fn rejects_empty_buckets_and_bad_rates() {
        assert!(TokenBucket::new(0, 1.0).is_err());
        assert!(TokenBucket::new(1, 0.0).is_err());
        assert!(TokenBucket::new(1, f64::NAN).is_err());
        assert!(TokenBucket::new(1, -3.0).is_err());
        assert!(TokenBucket::new(1, 0.5).is_ok());
    }
}
