//! The token cache (section 6, «Сервис авторизации»): one token for the whole client, refreshed
//! before `ValidTo` and once after a 401, with a single refresh shared by every concurrent caller.

use std::future::Future;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use fer_model::{AuthToken, Redacted};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::Error;

/// A token handed to one request, with the generation that identifies it in the cache.
#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: Redacted<String>,
    pub(crate) generation: u64,
}

struct Cached {
    token: Token,
    refresh_at: Instant,
}

/// The cached token. Reads are lock-free in practice (a read lock held for a copy); a refresh holds
/// an async mutex so that callers arriving meanwhile wait for its result instead of starting their own.
pub(crate) struct TokenCache {
    current: RwLock<Option<Cached>>,
    refresh: Mutex<u64>,
    margin: Duration,
}

impl TokenCache {
    /// An empty cache refreshing `margin` before expiry.
    pub(crate) fn new(margin: Duration) -> Self {
        TokenCache { current: RwLock::new(None), refresh: Mutex::new(0), margin }
    }

    fn fresh(&self) -> Option<Token> {
        let guard = self.current.read().unwrap_or_else(PoisonError::into_inner);
        guard.as_ref().filter(|c| Instant::now() < c.refresh_at).map(|c| c.token.clone())
    }

    /// A token that is not due for refresh, fetching one with `fetch` when needed. Concurrent callers
    /// share one fetch.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<Token, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AuthToken, Error>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let mut generation = self.refresh.lock().await;
        // Someone may have refreshed while this caller waited for the lock.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let answer = fetch().await?;
        *generation += 1;
        let token = Token { value: answer.value, generation: *generation };
        let refresh_at = refresh_instant(Instant::now(), Utc::now(), answer.valid_to, self.margin);
        tracing::debug!(
            generation = *generation,
            valid_for_s = (answer.valid_to - Utc::now()).num_seconds(),
            "new token"
        );
        *self.current.write().unwrap_or_else(PoisonError::into_inner) =
            Some(Cached { token: token.clone(), refresh_at });
        Ok(token)
    }

    /// Drops the token of `generation` after the server refused it (401), unless it was already
    /// replaced: of many callers refused with the same token, only the first causes a refresh.
    pub(crate) fn invalidate(&self, generation: u64) {
        let mut guard = self.current.write().unwrap_or_else(PoisonError::into_inner);
        if guard.as_ref().is_some_and(|c| c.token.generation == generation) {
            *guard = None;
        }
    }
}

/// When to refresh a token valid until `valid_to`: `margin` before it, or at half its life when it
/// lives less than twice the margin. A token already expired by the local clock is due at once.
fn refresh_instant(now: Instant, wall_now: DateTime<Utc>, valid_to: DateTime<Utc>, margin: Duration) -> Instant {
    let life = (valid_to - wall_now).to_std().unwrap_or(Duration::ZERO);
    let early = if life >= margin.saturating_mul(2) { life - margin } else { life / 2 };
    now + early
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn answer(valid_for: chrono::Duration) -> AuthToken {
        AuthToken { valid_to: Utc::now() + valid_for, value: Redacted::new("t".to_owned()) }
    }

    #[test]
    fn refresh_time_uses_margin_or_half_life() {
        let now = Instant::now();
        let wall = Utc::now();
        let m = Duration::from_secs(60);
        let at = refresh_instant(now, wall, wall + chrono::Duration::hours(1), m);
        assert_eq!(at - now, Duration::from_secs(3540));
        let at = refresh_instant(now, wall, wall + chrono::Duration::seconds(60), m);
        assert_eq!(at - now, Duration::from_secs(30));
        let at = refresh_instant(now, wall, wall - chrono::Duration::seconds(5), m);
        assert_eq!(at, now);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_refresh() {
        let cache = Arc::new(TokenCache::new(Duration::from_secs(1)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tasks.push(tokio::spawn(async move {
                cache
                    .get(|| async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(answer(chrono::Duration::hours(1)))
                    })
                    .await
                    .unwrap()
                    .generation
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap(), 1);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn invalidate_refreshes_once_per_generation() {
        let cache = TokenCache::new(Duration::from_secs(1));
        let fetch = || async { Ok(answer(chrono::Duration::hours(1))) };
        let first = cache.get(fetch).await.unwrap();
        cache.invalidate(first.generation);
        let second = cache.get(fetch).await.unwrap();
        assert_eq!(second.generation, 2);
        // A late 401 with the old token must not throw away the new one.
        cache.invalidate(first.generation);
        assert_eq!(cache.get(fetch).await.unwrap().generation, 2);
    }

    #[tokio::test]
    async fn failed_fetch_is_not_cached() {
        let cache = TokenCache::new(Duration::from_secs(1));
        let err = cache.get(|| async { Err(Error::Auth { status: 401, message: "no".into() }) }).await;
        assert!(matches!(err, Err(Error::Auth { .. })));
        let ok = cache.get(|| async { Ok(answer(chrono::Duration::hours(1))) }).await.unwrap();
        assert_eq!(ok.generation, 1);
    }
}
