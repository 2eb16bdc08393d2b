//! How an emulator is set up: [`EmulatorConfig`] and the fault injection of [`Faults`].

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use fer_model::{GATEWAY_DEADLINE, Oid};

use crate::EmulatorError;

/// The MO OID the emulator accepts at `POST /auth.svc` unless told otherwise.
pub const DEFAULT_USERNAME: &str = "1.2.643.5.1.13.13.12.2.77.7777";

/// The password the emulator accepts at `POST /auth.svc` unless told otherwise.
pub const DEFAULT_PASSWORD: &str = "emulator";

/// The default [`EmulatorConfig::body_limit`] and [`EmulatorConfig::decompressed_limit`]: 32 MiB,
/// some 60 times a batch of 500 slots (the batch size of fer-client).
pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// The default [`EmulatorConfig::shutdown_grace`]: 10 s.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The default [`EmulatorConfig::sandbox_body_limit`]: 1 MiB.
pub const DEFAULT_SANDBOX_BODY_LIMIT: usize = 1024 * 1024;

/// The default [`EmulatorConfig::webhook_answer_limit`]: 1 MiB (a booking answer is a few hundred
/// bytes).
pub const DEFAULT_WEBHOOK_ANSWER_LIMIT: usize = 1024 * 1024;

/// How many entries the journal keeps at most ([`JournalLimits::max_entries`]); older ones are
/// dropped first.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// The bounds of the journal (`GET /sandbox/journal`,
/// [`EmulatorHandle::journal`](crate::EmulatorHandle::journal)): what one entry keeps, what all of
/// them may weigh, and how much one read returns. An entry's weight is the length of its JSON as
/// served.
///
/// ```
/// let limits = fer_emulator::JournalLimits::default();
/// assert_eq!((limits.url_bytes, limits.body_bytes), (1024, 4096));
/// assert_eq!((limits.max_bytes, limits.page_entries), (16 << 20, 500));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLimits {
    /// Entries kept at most ([`JOURNAL_CAPACITY`]); the oldest goes first.
    pub max_entries: usize,
    /// Bytes kept at most over all entries (16 MiB); the oldest entries go first until the rest
    /// fits.
    pub max_bytes: usize,
    /// Bytes of an entry's URL kept (1 KiB); a longer URL is cut on a character boundary and the
    /// entry marked `truncated`. The error text of an entry is cut the same way.
    pub url_bytes: usize,
    /// Bytes of each body kept, as redacted JSON text (4 KiB); a longer body is kept as a string
    /// holding the start of that text, and the entry marked `truncated`.
    pub body_bytes: usize,
    /// Entries one read of `GET /sandbox/journal` returns at most, and by default (500).
    pub page_entries: usize,
}

impl Default for JournalLimits {
    fn default() -> Self {
        JournalLimits {
            max_entries: JOURNAL_CAPACITY,
            max_bytes: 16 * 1024 * 1024,
            url_bytes: 1024,
            body_bytes: 4096,
            page_entries: 500,
        }
    }
}

/// The longest token lifetime the emulator accepts ([`EmulatorConfig::token_lifetime`],
/// [`Faults::token_lifetime_override`], `token_lifetime_secs` of `PUT /sandbox/faults`): 366 days.
/// A longer one is refused at start ([`EmulatorError::Config`]) or with 400 at the sandbox.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// The header that carries [`EmulatorConfig::sandbox_key`] on `/sandbox/...` requests.
pub const SANDBOX_KEY_HEADER: &str = "x-sandbox-key";

/// How `POST /auth.svc` slows down password guessing: after
/// [`max_failures`](LoginThrottle::max_failures) wrong passwords in a row for one account, every
/// login of that account (the right password too) is answered 429 «Too Many Requests», in the auth
/// answer's form with `Retry-After`, until [`backoff`](LoginThrottle::backoff) has passed since the
/// last failure; then the count starts again. A successful login resets it. Only the configured
/// accounts are counted (an unknown username has nothing to guess), so the count is bounded.
///
/// ```
/// let throttle = fer_emulator::LoginThrottle::default();
/// assert_eq!((throttle.max_failures, throttle.backoff.as_secs()), (5, 60));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Wrong passwords in a row that start the backoff (5).
    pub max_failures: u32,
    /// How long logins of the account are refused then (60 s).
    pub backoff: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle { max_failures: 5, backoff: Duration::from_secs(60) }
    }
}

/// Everything an [`Emulator`](crate::Emulator) needs to start.
///
/// `Debug` never prints the password.
///
/// ```
/// use fer_emulator::EmulatorConfig;
/// let config = EmulatorConfig::default();
/// assert_eq!(config.listen.port(), 0); // any free port
/// assert_eq!(config.webhook_timeout.as_secs(), 10); // section 7: «не более 10 секунд»
/// assert!(!format!("{config:?}").contains("emulator\""));
/// ```
#[derive(Clone)]
pub struct EmulatorConfig {
    /// Where to listen. The library default is `127.0.0.1:0` (a free port, see
    /// [`EmulatorHandle::base_url`](crate::EmulatorHandle::base_url)); the binary's is `127.0.0.1:2100`.
    pub listen: SocketAddr,
    /// The MO OID accepted as `username` by `POST /auth.svc` (section 6).
    pub username: Oid,
    /// The password accepted by `POST /auth.svc`.
    pub password: String,
    /// How long an issued token stays valid (`ValidTo` of the auth answer); at most
    /// [`MAX_TOKEN_LIFETIME`].
    pub token_lifetime: Duration,
    /// Where to keep the store between runs; `None` keeps it in memory only. The file is rewritten
    /// atomically (temporary file in the same folder, then rename) after every change; it is
    /// locked by `<file>.lock` while the emulator runs, and written once at start (an unwritable
    /// path stops the start).
    pub state_file: Option<PathBuf>,
    /// Fault injection for client tests; all off by default.
    pub faults: Faults,
    /// How long the gateway side waits for a webhook answer: [`GATEWAY_DEADLINE`] (10 s, section 7).
    pub webhook_timeout: Duration,
    /// The largest request body of a Vitrina or portal route accepted as sent on the wire, in
    /// bytes ([`DEFAULT_BODY_LIMIT`]); larger bodies get 413, refused by `Content-Length` before
    /// they are read, or as soon as the bytes received pass the limit.
    pub body_limit: usize,
    /// The largest request body accepted after gunzipping, in bytes ([`DEFAULT_BODY_LIMIT`]: what a
    /// body may really need, no more). gzip is inflated as it arrives and a gzip bomb gets 413 as
    /// soon as its output passes this, without ever holding more than this in memory.
    pub decompressed_limit: usize,
    /// The largest body of the emulator's own control routes (`/sandbox/...`, `/sandbox/portal/...`),
    /// as sent and once gunzipped ([`DEFAULT_SANDBOX_BODY_LIMIT`]): their bodies are a booking, a
    /// cancel or a setting. Larger bodies get 413 without being read further.
    pub sandbox_body_limit: usize,
    /// The largest webhook answer the gateway side reads, as sent and once gunzipped
    /// ([`DEFAULT_WEBHOOK_ANSWER_LIMIT`]): a larger answer is a
    /// [`GatewayError::AnswerTooLarge`](crate::GatewayError::AnswerTooLarge), read no further.
    pub webhook_answer_limit: usize,
    /// The bounds of the journal.
    pub journal: JournalLimits,
    /// How logins slow down after wrong passwords.
    pub login_throttle: LoginThrottle,
    /// The key of the emulator's control routes (`/sandbox/...`, `/sandbox/portal/...`). When set,
    /// each of their requests needs it in the [`SANDBOX_KEY_HEADER`] header, or a valid Vitrina
    /// token (`Authorization: Bearer`, from `POST /auth.svc`); others get 401. Required when
    /// [`listen`](EmulatorConfig::listen) is not a loopback address (the emulator refuses to start
    /// without it: on a shared host anyone could otherwise change its faults and its data); `None`
    /// (the default) on loopback leaves the sandbox open. `Debug` never prints it.
    pub sandbox_key: Option<String>,
    /// Other organisations that may authenticate, as `(MO OID, password)`: each token writes only
    /// its own organisation's rows (403 otherwise). Empty by default. `Debug` prints the OIDs only.
    pub other_accounts: Vec<(Oid, String)>,
    /// The `strict` profile. Off (the default), the emulator refuses what the profile says the
    /// Vitrina refuses and no more: fer-validate's own advice (a duration over a day or of zero
    /// minutes, a doctor's SNILS check number, unknown fields, which the Vitrina ignores) is not
    /// refused. On, every error of fer-validate refuses the record, and its state rules apply to
    /// the stored rows too: slot status transitions, references to rows that are not on the
    /// Vitrina, a slot's subdivision against its resource's. For vendors who want their tests to
    /// fail on data the SDK calls wrong.
    pub strict: bool,
    /// How long [`EmulatorHandle::shutdown`](crate::EmulatorHandle::shutdown) lets the answers in
    /// progress finish ([`DEFAULT_SHUTDOWN_GRACE`]); then it stops waiting, so that a half-sent
    /// request cannot hold a stopping emulator.
    pub shutdown_grace: Duration,
    /// Where the web console listens ([`console`](crate::console): the Vitrina's contents, the
    /// journal, the last uploads and their refusals, in a browser); `None` (the default) serves
    /// none. Loopback addresses only: the console has no login, so the emulator refuses to start
    /// with it on another address ([`EmulatorConfig::validate`]). Port 0 picks a free port, see
    /// [`EmulatorHandle::console_url`](crate::EmulatorHandle::console_url).
    pub console: Option<SocketAddr>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            username: default_username(),
            password: DEFAULT_PASSWORD.to_owned(),
            token_lifetime: Duration::from_secs(3600),
            state_file: None,
            faults: Faults::default(),
            webhook_timeout: GATEWAY_DEADLINE,
            body_limit: DEFAULT_BODY_LIMIT,
            decompressed_limit: DEFAULT_BODY_LIMIT,
            sandbox_body_limit: DEFAULT_SANDBOX_BODY_LIMIT,
            webhook_answer_limit: DEFAULT_WEBHOOK_ANSWER_LIMIT,
            journal: JournalLimits::default(),
            login_throttle: LoginThrottle::default(),
            sandbox_key: None,
            other_accounts: Vec::new(),
            strict: false,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            console: None,
        }
    }
}

impl EmulatorConfig {
    /// Checks the settings that could not work, before anything starts: a token lifetime over
    /// [`MAX_TOKEN_LIFETIME`] (in [`token_lifetime`](EmulatorConfig::token_lifetime) or the fault
    /// injection), a fault share outside 0 – 1, a blank [`sandbox_key`](EmulatorConfig::sandbox_key),
    /// no sandbox key on an address beyond loopback, and a console beyond loopback.
    ///
    /// ```
    /// use fer_emulator::EmulatorConfig;
    /// assert!(EmulatorConfig::default().validate().is_ok());
    /// let open = EmulatorConfig { listen: "0.0.0.0:2100".parse().unwrap(), ..EmulatorConfig::default() };
    /// assert!(open.validate().unwrap_err().to_string().contains("sandbox_key"));
    /// let keyed = EmulatorConfig { sandbox_key: Some("k3y".into()), ..open };
    /// assert!(keyed.validate().is_ok());
    /// let console = EmulatorConfig { console: Some("0.0.0.0:2101".parse().unwrap()), ..EmulatorConfig::default() };
    /// assert!(console.validate().unwrap_err().to_string().contains("console"));
    /// ```
    pub fn validate(&self) -> Result<(), EmulatorError> {
        let config = |reason: String| Err(EmulatorError::Config(reason));
        for (name, lifetime) in [
            ("token_lifetime", Some(self.token_lifetime)),
            ("faults.token_lifetime_override", self.faults.token_lifetime_override),
        ] {
            if let Some(lifetime) = lifetime
                && lifetime > MAX_TOKEN_LIFETIME
            {
                return config(format!(
                    "{name} is {} s, more than the {} s (366 days) a token may live",
                    lifetime.as_secs(),
                    MAX_TOKEN_LIFETIME.as_secs()
                ));
            }
        }
        self.faults.check().map_err(EmulatorError::Config)?;
        if let Some(console) = self.console
            && !console.ip().is_loopback()
        {
            return config(format!(
                "the console on {console} would be beyond loopback: it has no login and shows the emulator's \
                 data, so it listens on a loopback address only (e.g. 127.0.0.1:2101)"
            ));
        }
        match &self.sandbox_key {
            Some(key) if key.trim().is_empty() => config("sandbox_key is blank".to_owned()),
            None if !self.listen.ip().is_loopback() => config(format!(
                "listening on {} (beyond loopback) needs a sandbox_key (--sandbox-key): the /sandbox/ \
                 routes change the emulator's data and faults",
                self.listen
            )),
            _ => Ok(()),
        }
    }
}

fn default_username() -> Oid {
    // Not an input path: the constant is checked by the unit test below.
    DEFAULT_USERNAME.parse().expect("DEFAULT_USERNAME is a valid OID")
}

impl fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("listen", &self.listen)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("token_lifetime", &self.token_lifetime)
            .field("state_file", &self.state_file)
            .field("faults", &self.faults)
            .field("webhook_timeout", &self.webhook_timeout)
            .field("body_limit", &self.body_limit)
            .field("decompressed_limit", &self.decompressed_limit)
            .field("sandbox_body_limit", &self.sandbox_body_limit)
            .field("webhook_answer_limit", &self.webhook_answer_limit)
            .field("journal", &self.journal)
            .field("login_throttle", &self.login_throttle)
            .field("sandbox_key", &self.sandbox_key.as_ref().map(|_| "<redacted>"))
            .field("other_accounts", &self.other_accounts.iter().map(|(oid, _)| oid).collect::<Vec<_>>())
            .field("strict", &self.strict)
            .field("console", &self.console)
            .finish()
    }
}

/// Faults injected into the Vitrina side (`/auth.svc` and `/api/...`) so that a client's retries,
/// timeouts and token refresh can be tested. All off by default; change them at run time with
/// [`EmulatorHandle::set_faults`](crate::EmulatorHandle::set_faults).
///
/// The draws come from a random generator seeded with [`Faults::seed`], so a test that sends the
/// same requests sees the same faults every run. The gateway side and the controls
/// (`/sandbox/...`, where the faults are changed and lifted) are never faulted, so that no setting
/// locks the operator out.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Share of Vitrina answers replaced by 503 «Выполняются технические работы» (0.0 – 1.0).
    pub unavailable_ratio: f64,
    /// Delay added before every Vitrina answer.
    pub latency: Duration,
    /// Share of Vitrina (and portal) requests whose connection is closed without an answer
    /// (0.0 – 1.0): the request is not processed and the client sees a transport error. Journaled
    /// with no status. A `/sandbox/...` request is never dropped.
    pub drop_ratio: f64,
    /// When set, tokens issued from now on expire after this instead of the configured lifetime
    /// (and `ValidTo` says so), to test refresh.
    pub token_lifetime_override: Option<Duration>,
    /// Seed of the fault generator.
    pub seed: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            unavailable_ratio: 0.0,
            latency: Duration::ZERO,
            drop_ratio: 0.0,
            token_lifetime_override: None,
            seed: 0,
        }
    }
}

impl Faults {
    /// Why these faults cannot be used (a share outside 0 – 1, a token lifetime over
    /// [`MAX_TOKEN_LIFETIME`]), as a sentence.
    pub fn check(&self) -> Result<(), String> {
        for (name, ratio) in [("unavailable_ratio", self.unavailable_ratio), ("drop_ratio", self.drop_ratio)] {
            if !(0.0..=1.0).contains(&ratio) {
                return Err(format!("{name} must be between 0 and 1, not {ratio}"));
            }
        }
        if let Some(lifetime) = self.token_lifetime_override
            && lifetime > MAX_TOKEN_LIFETIME
        {
            return Err(format!(
                "token_lifetime_secs must be at most {} (366 days), not {}",
                MAX_TOKEN_LIFETIME.as_secs(),
                lifetime.as_secs()
            ));
        }
        Ok(())
    }

    /// True when no fault is configured.
    pub fn is_off(&self) -> bool {
        self.unavailable_ratio <= 0.0
            && self.latency.is_zero()
            && self.drop_ratio <= 0.0
            && self.token_lifetime_override.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let c = EmulatorConfig::default();
        assert_eq!(c.username.as_str(), DEFAULT_USERNAME);
        assert_eq!(c.password, DEFAULT_PASSWORD);
        assert_eq!(c.token_lifetime, Duration::from_secs(3600));
        assert_eq!(c.body_limit, 32 << 20);
        assert_eq!(c.decompressed_limit, 32 << 20);
        assert_eq!((c.sandbox_body_limit, c.webhook_answer_limit), (1 << 20, 1 << 20));
        assert!(c.faults.is_off());
        assert!(!c.strict && c.other_accounts.is_empty());
        let other = EmulatorConfig {
            other_accounts: vec![("1.2.643.5.1.13.13.12.2.86.1".parse().unwrap(), "hunter2".into())],
            ..EmulatorConfig::default()
        };
        assert!(!format!("{other:?}").contains("hunter2"));
        assert!(!Faults { drop_ratio: 0.5, ..Faults::default() }.is_off());
    }
}
