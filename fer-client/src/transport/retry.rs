//! Retry policy: exponential backoff with full jitter, bounded in attempts and in total time, and the
//! `Retry-After` header.
//!
//! Retried: 500 (section 5, «Системная ошибка … только при сбое Агента»), 503 («Выполняются
//! технические работы»), 502 and 504 (a proxy in front of the gateway), timeouts and transport
//! errors. Upserts and deletes are idempotent (a record
//! is identified by its id), so a retry after a lost answer does no harm.

use std::time::Duration;

use rand::Rng;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How failed requests are retried.
///
/// ```
/// use std::time::Duration;
/// use fer_client::RetryPolicy;
/// let p = RetryPolicy { max_attempts: 3, ..RetryPolicy::default() };
/// assert!(p.backoff_ceiling(1) <= p.max_backoff);
/// assert_eq!(RetryPolicy::none().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 5; 1 disables retries).
    pub max_attempts: u32,
    /// No retry starts later than this after the first attempt (default 60 s).
    pub max_elapsed: Duration,
    /// The backoff ceiling of the first retry (default 200 ms); it doubles with every retry.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling (default 10 s).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(60),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The ceiling of the wait after failed attempt number `attempt` (1-based):
    /// `min(max_backoff, initial_backoff * 2^(attempt-1))`.
    pub fn backoff_ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }

    /// The wait after failed attempt number `attempt`: uniform in `0..=backoff_ceiling(attempt)`
    /// ("full jitter"), so that many clients retrying together spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self.backoff_ceiling(attempt).as_millis().min(u128::from(u64::MAX)) as u64;
        Duration::from_millis(rand::rng().random_range(0..=ceiling))
    }

    /// The wait before the next attempt, or `None` when the policy says stop: attempts used up, or
    /// the wait would end after `max_elapsed`. A `Retry-After` from the server replaces the jittered
    /// backoff.
    pub(crate) fn next_delay(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(attempt));
        (elapsed.saturating_add(delay) <= self.max_elapsed).then_some(delay)
    }
}

/// Reads `Retry-After` as delay-seconds or as an HTTP date (RFC 9110, section 10.2.3).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn ceiling_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ceiling(1), Duration::from_millis(200));
        assert_eq!(p.backoff_ceiling(2), Duration::from_millis(400));
        assert_eq!(p.backoff_ceiling(3), Duration::from_millis(800));
        assert_eq!(p.backoff_ceiling(20), Duration::from_secs(10));
        assert_eq!(p.backoff_ceiling(u32::MAX), Duration::from_secs(10));
        for attempt in 1..10 {
            assert!(p.backoff(attempt) <= p.backoff_ceiling(attempt));
        }
    }

    #[test]
    fn stops_on_attempts_and_total_time() {
        let p = RetryPolicy { max_attempts: 3, max_elapsed: Duration::from_secs(5), ..RetryPolicy::default() };
        assert!(p.next_delay(1, Duration::ZERO, None).is_some());
        assert!(p.next_delay(3, Duration::ZERO, None).is_none());
        assert_eq!(p.next_delay(1, Duration::ZERO, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert!(p.next_delay(1, Duration::from_secs(4), Some(Duration::from_secs(2))).is_none());
        assert!(RetryPolicy::none().next_delay(1, Duration::ZERO, None).is_none());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
