//! What the routes and the handle share: the store, the tokens, the faults, the journal, and the
//! HTTP client the gateway side calls webhooks with.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use fer_model::{AuthToken, Oid, Redacted};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::journal::Journal;
use crate::store::{Store, persist};
use crate::{EmulatorConfig, EmulatorError, Faults};

/// Why a request's token was not accepted (all answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    /// No `Authorization: Bearer ...` header.
    Missing,
    /// A token this emulator never issued (or issued before a restart).
    Unknown,
    /// A token past its `ValidTo`.
    Expired,
}

impl TokenProblem {
    /// The message of the 401 answer.
    pub fn message(self) -> &'static str {
        match self {
            TokenProblem::Missing => "Требуется авторизация: нет заголовка Authorization: Bearer <token>",
            TokenProblem::Unknown => "Требуется авторизация: токен не выдавался сервисом авторизации",
            TokenProblem::Expired => {
                "Требуется авторизация: срок действия токена истёк, получите новый через /auth.svc"
            }
        }
    }
}

/// The fault settings and the seeded generator that draws them.
struct FaultState {
    faults: Faults,
    rng: StdRng,
}

/// The issued tokens: by value for the check, by expiry so that issuing one forgets the expired
/// ones without scanning the live ones.
#[derive(Debug, Default)]
struct Tokens {
    by_value: HashMap<String, (Oid, DateTime<Utc>)>,
    by_expiry: BTreeSet<(DateTime<Utc>, String)>,
}

impl Tokens {
    /// Forgets the tokens that expired before `before`.
    fn forget_expired(&mut self, before: DateTime<Utc>) {
        while let Some(first) = self.by_expiry.first()
            && first.0 < before
        {
            if let Some((_, value)) = self.by_expiry.pop_first() {
                self.by_value.remove(&value);
            }
        }
    }

    fn insert(&mut self, value: String, username: Oid, valid_to: DateTime<Utc>) {
        self.by_expiry.insert((valid_to, value.clone()));
        self.by_value.insert(value, (username, valid_to));
    }
}

/// Wrong passwords in a row of one account ([`LoginThrottle`](crate::LoginThrottle)).
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// The durability of the state file: which change (numbered by [`Shared::write`]) is on disk.
#[derive(Debug, Default)]
struct Durability {
    /// The newest change on disk.
    durable: u64,
    /// Changes up to this one were undone by a failed save (the store was reloaded from the file).
    lost_through: u64,
}

/// The state file of an emulator: its path, its lock, and its durability.
struct StateFile {
    path: std::path::PathBuf,
    /// Held while the emulator runs.
    _lock: persist::StateLock,
    /// Taken by the one thread that writes the file at a time.
    saving: Mutex<Durability>,
}

/// State shared by every route and the handle.
pub(crate) struct Shared {
    /// The configuration the emulator started with (faults live in `faults`).
    pub config: EmulatorConfig,
    store: Mutex<Store>,
    /// The number of the last change of `store` (changed under its lock).
    version: std::sync::atomic::AtomicU64,
    /// The state file, when one is configured.
    state: Option<StateFile>,
    tokens: Mutex<Tokens>,
    /// Wrong passwords of the configured accounts, for the login throttle.
    failures: Mutex<HashMap<Oid, Failures>>,
    faults: Mutex<FaultState>,
    /// Every exchange.
    pub journal: Journal,
    /// The last uploads and their refusals, and the freshness of uploads (the console's).
    pub uploads: crate::console::Uploads,
    /// The client the gateway side calls webhooks with.
    pub http: reqwest::Client,
    /// The regional portal's state (the regional portal methods, [`fer_model::spec::portal`]); locked after `store` when both are needed.
    pub portal: Mutex<crate::store::portal::PortalStore>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves consistent data here (every change is one insert or
    // remove), so a poisoned lock is used as is.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// Builds the shared state, loading the state file if one is configured.
    pub fn new(config: EmulatorConfig) -> Result<Self, EmulatorError> {
        config.validate()?;
        // The state file is the truth: it is locked (one emulator per file), the temporary files
        // of a crashed writer are removed, and the loaded store is written back at once, so that a
        // path that cannot be written stops the start instead of failing the first change.
        let (store, state) = match &config.state_file {
            Some(path) => {
                let lock = persist::StateLock::acquire(path)?;
                persist::remove_leftovers(path)?;
                let store = persist::load(path)?;
                persist::save(&store, path)?;
                let state = StateFile { path: path.clone(), _lock: lock, saving: Mutex::default() };
                (store, Some(state))
            }
            None => (Store::default(), None),
        };
        let http = reqwest::Client::builder()
            .timeout(config.webhook_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(EmulatorError::Client)?;
        let faults = FaultState { rng: StdRng::seed_from_u64(config.faults.seed), faults: config.faults.clone() };
        let journal = Journal::new(config.journal.clone());
        Ok(Shared {
            config,
            store: Mutex::new(store),
            version: Default::default(),
            state,
            tokens: Mutex::default(),
            failures: Mutex::default(),
            faults: Mutex::new(faults),
            journal,
            http,
            uploads: Default::default(),
            portal: Mutex::default(),
        })
    }

    /// Reads the store.
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&lock(&self.store))
    }

    /// Changes the store and, when a state file is configured, returns once the change is on disk,
    /// so that an acknowledged change survives a restart. The file is written off the store's lock
    /// on a blocking thread, from a snapshot taken when the writer is ready to write (so one
    /// snapshot and one write cover every change made while the previous write ran: group commit);
    /// a snapshot shares the tables' rows copy-on-write ([`Tables::snapshot`]), so taking it holds
    /// the lock for a few references, not a copy of every row, and unrelated requests go on while
    /// the file is written. A change that cannot be saved is undone: the store is reloaded from the
    /// file (the last saved state), and the error returned (every change not yet saved then is
    /// undone and fails too).
    ///
    /// [`Tables::snapshot`]: crate::store::Tables::snapshot
    pub async fn write<R>(self: &Arc<Self>, f: impl FnOnce(&mut Store) -> R) -> Result<R, EmulatorError> {
        let (r, version) = self.apply(f);
        if let Some(version) = version {
            let shared = self.clone();
            tokio::task::spawn_blocking(move || shared.persist(version))
                .await
                .map_err(|e| EmulatorError::Server(format!("the state file writer failed: {e}")))??;
        }
        Ok(r)
    }

    /// [`Shared::write`] for callers that are not async: writes the file on this thread.
    pub fn write_blocking<R>(&self, f: impl FnOnce(&mut Store) -> R) -> Result<R, EmulatorError> {
        let (r, version) = self.apply(f);
        if let Some(version) = version {
            self.persist(version)?;
        }
        Ok(r)
    }

    /// Applies a change under the store's lock; with a state file, numbers it for
    /// [`Shared::persist`].
    fn apply<R>(&self, f: impl FnOnce(&mut Store) -> R) -> (R, Option<u64>) {
        let mut store = lock(&self.store);
        let r = f(&mut store);
        if self.state.is_none() {
            return (r, None);
        }
        let version = self.version.fetch_add(1, Ordering::SeqCst) + 1;
        (r, Some(version))
    }

    /// Returns once change `version` is on disk: unless a write since has covered it, snapshots
    /// the store as it is now (every change up to the newest number) and writes that.
    fn persist(&self, version: u64) -> Result<(), EmulatorError> {
        let Some(state) = &self.state else { return Ok(()) };
        let mut saving = lock(&state.saving);
        if saving.durable >= version {
            return Ok(());
        }
        if version <= saving.lost_through {
            return Err(EmulatorError::Server(format!(
                "change {version} was undone: the state file could not be written"
            )));
        }
        // Numbers are taken under the store's lock, so the snapshot holds exactly the changes up to
        // `newest`.
        let (newest, snapshot) = {
            let store = lock(&self.store);
            (self.version.load(Ordering::SeqCst), persist::snapshot(&store))
        };
        match persist::save(&snapshot, &state.path) {
            Ok(()) => {
                saving.durable = newest;
                Ok(())
            }
            Err(e) => {
                // The file is the truth: go back to it, and fail every change not on it.
                let mut store = lock(&self.store);
                match persist::load(&state.path) {
                    Ok(saved) => *store = saved,
                    Err(reload) => tracing::error!(error = %reload, "cannot reload the state file after a failed save"),
                }
                saving.lost_through = self.version.load(Ordering::SeqCst);
                tracing::error!(error = %e, "a change could not be saved and was undone");
                Err(e)
            }
        }
    }

    /// Issues a token for `username`.
    pub fn issue_token(&self, username: Oid) -> AuthToken {
        let lifetime = lock(&self.faults).faults.token_lifetime_override.unwrap_or(self.config.token_lifetime);
        // The lifetime is checked against MAX_TOKEN_LIFETIME where it is set; the arithmetic stays
        // total anyway (a library caller's `set_faults` is not checked).
        let lifetime = lifetime.min(crate::MAX_TOKEN_LIFETIME);
        let valid_to = Utc::now() + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::zero());
        let bytes: [u8; 24] = rand::random();
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let value = format!("emu.{token}");
        let mut tokens = lock(&self.tokens);
        // Tokens expired for an hour are forgotten here (oldest first, without looking at the
        // live ones), so that the map does not grow without bound; until then they are answered
        // "expired" rather than "unknown".
        tokens.forget_expired(Utc::now() - chrono::Duration::hours(1));
        tokens.insert(value.clone(), username, valid_to);
        AuthToken { valid_to, value: Redacted::new(value) }
    }

    /// The MO a token was issued to, or why it is not accepted.
    pub fn check_token(&self, token: Option<&str>) -> Result<Oid, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let tokens = lock(&self.tokens);
        let (username, valid_to) = tokens.by_value.get(token).ok_or(TokenProblem::Unknown)?;
        if *valid_to <= Utc::now() {
            return Err(TokenProblem::Expired);
        }
        Ok(username.clone())
    }

    /// `Err(wait)` while the logins of `username` are throttled (429), for `wait` more.
    pub fn login_throttled(&self, username: &Oid) -> Result<(), Duration> {
        let throttle = &self.config.login_throttle;
        let failures = lock(&self.failures);
        match failures.get(username) {
            Some(f) if f.count >= throttle.max_failures => {
                let wait = throttle.backoff.saturating_sub(f.last.elapsed());
                if wait.is_zero() { Ok(()) } else { Err(wait) }
            }
            _ => Ok(()),
        }
    }

    /// Counts a login of a configured account: a success forgets its failures, a failure adds one
    /// (the count starts again once a backoff has passed).
    pub fn note_login(&self, username: &Oid, succeeded: bool) {
        let mut failures = lock(&self.failures);
        if succeeded {
            failures.remove(username);
            return;
        }
        let throttle = &self.config.login_throttle;
        let now = Instant::now();
        let f = failures.entry(username.clone()).or_insert(Failures { count: 0, last: now });
        if f.count >= throttle.max_failures && f.last.elapsed() >= throttle.backoff {
            f.count = 0;
        }
        f.count += 1;
        f.last = now;
    }

    /// The fault settings in force.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).faults.clone()
    }

    /// Replaces the fault settings and reseeds the generator.
    pub fn set_faults(&self, faults: Faults) {
        let mut state = lock(&self.faults);
        state.rng = StdRng::seed_from_u64(faults.seed);
        state.faults = faults;
    }

    /// Draws the faults of one Vitrina answer: whether it is a 503, and the latency to add.
    pub fn draw_answer_faults(&self) -> (bool, Duration) {
        let mut state = lock(&self.faults);
        let ratio = state.faults.unavailable_ratio.clamp(0.0, 1.0);
        let unavailable = ratio > 0.0 && state.rng.random_bool(ratio);
        (unavailable, state.faults.latency)
    }

    /// Draws whether a new connection is closed without an answer.
    pub fn draw_drop(&self) -> bool {
        let mut state = lock(&self.faults);
        let ratio = state.faults.drop_ratio.clamp(0.0, 1.0);
        ratio > 0.0 && state.rng.random_bool(ratio)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_and_expire() {
        let shared = Shared::new(EmulatorConfig::default()).unwrap();
        let user = shared.config.username.clone();
        let token = shared.issue_token(user.clone());
        assert_eq!(shared.check_token(Some(token.value.expose())), Ok(user.clone()));
        assert_eq!(shared.check_token(None), Err(TokenProblem::Missing));
        assert_eq!(shared.check_token(Some("emu.nope")), Err(TokenProblem::Unknown));
        shared.set_faults(Faults { token_lifetime_override: Some(Duration::ZERO), ..Faults::default() });
        let short = shared.issue_token(user);
        assert_eq!(shared.check_token(Some(short.value.expose())), Err(TokenProblem::Expired));
    }

    #[test]
    fn issuing_forgets_only_tokens_expired_for_an_hour() {
        let shared = Shared::new(EmulatorConfig::default()).unwrap();
        let user = shared.config.username.clone();
        let mut tokens = lock(&shared.tokens);
        let now = Utc::now();
        tokens.insert("old".into(), user.clone(), now - chrono::Duration::hours(2));
        tokens.insert("recent".into(), user.clone(), now - chrono::Duration::minutes(5));
        tokens.insert("live".into(), user, now + chrono::Duration::hours(1));
        tokens.forget_expired(now - chrono::Duration::hours(1));
        let mut left: Vec<&str> = tokens.by_value.keys().map(String::as_str).collect();
        left.sort_unstable();
        assert_eq!(left, ["live", "recent"]);
        assert_eq!(tokens.by_expiry.len(), 2);
    }

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let shared = Shared::new(EmulatorConfig::default()).unwrap();
        let faults = Faults { unavailable_ratio: 0.5, seed: 7, ..Faults::default() };
        shared.set_faults(faults.clone());
        let a: Vec<bool> = (0..32).map(|_| shared.draw_answer_faults().0).collect();
        shared.set_faults(faults);
        let b: Vec<bool> = (0..32).map(|_| shared.draw_answer_faults().0).collect();
        assert_eq!(a, b);
        assert!(a.contains(&true) && a.contains(&false));
    }
}
