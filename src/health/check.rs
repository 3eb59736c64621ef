//! Running the checks: each service with a per-attempt timeout and retries, several services
//! at once (bounded), all within an optional overall deadline.

use super::http::{get_status, HttpError};
use super::outcome::{Outcome, ServiceResult};
use super::targets::Target;
use super::url;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// Time allowed for one request (connect, send, status line).
    pub timeout: Duration,
    /// Attempts after the first for a service that is not healthy yet.
    pub retries: u32,
    /// Pause between attempts.
    pub interval: Duration,
    /// Give up on every service once this long has passed since the checks started.
    pub deadline: Option<Duration>,
    /// Services checked at once.
    pub concurrency: usize,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            timeout: Duration::from_secs(5),
            retries: 2,
            interval: Duration::from_secs(2),
            deadline: None,
            concurrency: 8,
        }
    }
}

/// Check every target; results come back in the targets' order.
pub async fn check_all(targets: &[Target], opts: &CheckOptions) -> Vec<ServiceResult> {
    let started = Instant::now();
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let handles: Vec<_> = targets
        .iter()
        .map(|t| {
            let (target, opts, permits) = (t.clone(), *opts, permits.clone());
            tokio::spawn(async move {
                // The semaphore is never closed, so acquiring cannot fail.
                let _permit = permits.acquire_owned().await.ok();
                check_one(&target, &opts, started).await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(targets.len());
    for (handle, target) in handles.into_iter().zip(targets) {
        results.push(handle.await.unwrap_or_else(|e| {
            let reason = format!("the check stopped: {e}");
            not_requested(target, Outcome::Failed { reason })
        }));
    }
    results
}

/// Check one target until it is healthy, its retries are spent or the deadline passes.
pub async fn check_one(target: &Target, opts: &CheckOptions, started: Instant) -> ServiceResult {
    let Some(raw_url) = &target.url else {
        return not_requested(target, Outcome::UnknownUrl);
    };
    let parsed = match url::parse(raw_url) {
        Ok(u) => u,
        Err(e) => {
            let outcome = Outcome::BadUrl {
                reason: e.to_string(),
                help: e.help().to_string(),
            };
            return not_requested(target, outcome);
        }
    };
    let deadline = opts.deadline.map(|d| started + d);
    let mut attempts = 0;
    loop {
        attempts += 1;
        let budget = match deadline {
            Some(d) => opts
                .timeout
                .min(d.saturating_duration_since(Instant::now())),
            None => opts.timeout,
        };
        let begun = Instant::now();
        let outcome = match tokio::time::timeout(budget, get_status(&parsed)).await {
            Err(_) => Outcome::Timeout,
            Ok(Ok(status)) if accepts(target.expect, status) => Outcome::Healthy { status },
            Ok(Ok(status)) => Outcome::Unhealthy { status },
            Ok(Err(HttpError::Refused)) => Outcome::Refused,
            Ok(Err(e)) => Outcome::Failed {
                reason: e.to_string(),
            },
        };
        let latency = begun.elapsed();
        let out_of_time = deadline.is_some_and(|d| Instant::now() + opts.interval >= d);
        if !outcome.is_retryable() || attempts > opts.retries || out_of_time {
            return ServiceResult {
                latency: Some(latency),
                attempts,
                ..not_requested(target, outcome)
            };
        }
        tokio::time::sleep(opts.interval).await;
    }
}

/// Whether `status` means healthy: the expected one, or any 2xx when none is set.
fn accepts(expect: Option<u16>, status: u16) -> bool {
    match expect {
        Some(e) => status == e,
        None => (200..300).contains(&status),
    }
}

/// A result for a target no request was made for.
fn not_requested(target: &Target, outcome: Outcome) -> ServiceResult {
    ServiceResult {
        name: target.name.clone(),
        url: target.shown_url.clone(),
        outcome,
        latency: None,
        attempts: 0,
        hint: target.hint.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expect_overrides_the_2xx_rule() {
        assert!(accepts(None, 200));
        assert!(accepts(None, 204));
        assert!(!accepts(None, 301));
        assert!(!accepts(None, 500));
        assert!(accepts(Some(401), 401));
        assert!(!accepts(Some(401), 200));
    }

    fn target(url: Option<&str>) -> Target {
        Target {
            name: "svc".into(),
            url: url.map(str::to_string),
            shown_url: url.unwrap_or("(known after apply)").into(),
            hint: None,
            expect: None,
        }
    }

    #[tokio::test]
    async fn unknown_and_bad_urls_are_not_requested() {
        let opts = CheckOptions::default();
        let r = check_one(&target(None), &opts, Instant::now()).await;
        assert_eq!((r.outcome, r.attempts), (Outcome::UnknownUrl, 0));
        let r = check_one(&target(Some("https://127.0.0.1/")), &opts, Instant::now()).await;
        assert_eq!(r.attempts, 0);
        assert!(matches!(r.outcome, Outcome::BadUrl { .. }), "{r:?}");
        assert!(r.hints()[0].contains("plain-HTTP"), "{:?}", r.hints());
    }
}
