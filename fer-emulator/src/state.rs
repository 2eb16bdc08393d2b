//! What the routes and the handle share: the store, the tokens, the faults, the journal, and the
//! HTTP client the gateway side calls webhooks with.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

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

/// State shared by every route and the handle.
pub(crate) struct Shared {
    /// The configuration the emulator started with (faults live in `faults`).
    pub config: EmulatorConfig,
    store: Mutex<Store>,
    tokens: Mutex<HashMap<String, (Oid, DateTime<Utc>)>>,
    faults: Mutex<FaultState>,
    /// Every exchange.
    pub journal: Journal,
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
        let store = match &config.state_file {
            Some(path) => persist::load(path)?,
            None => Store::default(),
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
            tokens: Mutex::new(HashMap::new()),
            faults: Mutex::new(faults),
            journal,
            http,
            portal: Mutex::default(),
        })
    }

    /// Reads the store.
    pub fn read<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        f(&lock(&self.store))
    }

    /// Changes the store and, when a state file is configured, writes it before returning, so that
    /// an acknowledged change survives a restart.
    pub fn write<R>(&self, f: impl FnOnce(&mut Store) -> R) -> Result<R, EmulatorError> {
        let mut store = lock(&self.store);
        let r = f(&mut store);
        if let Some(path) = &self.config.state_file {
            persist::save(&store, path)?;
        }
        Ok(r)
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
        // Expired tokens are forgotten here, so that the map does not grow without bound; until
        // then they are answered "expired" rather than "unknown".
        let now = Utc::now();
        tokens.retain(|_, (_, until)| *until > now - chrono::Duration::hours(1));
        tokens.insert(value.clone(), (username, valid_to));
        AuthToken { valid_to, value: Redacted::new(value) }
    }

    /// The MO a token was issued to, or why it is not accepted.
    pub fn check_token(&self, token: Option<&str>) -> Result<Oid, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let tokens = lock(&self.tokens);
        let (username, valid_to) = tokens.get(token).ok_or(TokenProblem::Unknown)?;
        if *valid_to <= Utc::now() {
            return Err(TokenProblem::Expired);
        }
        Ok(username.clone())
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
