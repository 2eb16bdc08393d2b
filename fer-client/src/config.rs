//! Client settings and the builder: base URL, credentials, timeouts, gzip, batching, concurrency,
//! retries and pre-flight validation.

use std::time::Duration;

use fer_model::{Oid, Redacted};
use reqwest::Url;

use crate::transport::retry::RetryPolicy;
use crate::{Error, VitrinaClient};

/// Records per request when none is configured.
///
/// A slot, the most frequent record, is about 330 bytes of JSON; 1 000 of them make a body of about
/// 330 KB, 30–40 KB gzipped (section 5, «Дополнение»: bodies are gzipped). That keeps each request
/// well under a second on the gateway while needing only a handful of requests for a day's schedule
/// of a large polyclinic.
pub const DEFAULT_BATCH_SIZE: usize = 1_000;

/// Batches in flight at once when none is configured.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// How long before `ValidTo` the token is refreshed when no margin is configured (section 6: «При
/// истечении действия токена необходимо обновить токен авторизации»).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// What the client checks with `fer-validate` before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Preflight {
    /// Send everything as is and let the Vitrina judge.
    Off,
    /// Check every record first. Records with an error diagnostic are not sent; they are reported
    /// as [`Outcome::Invalid`](crate::Outcome::Invalid) with their diagnostics, and the rest is sent.
    #[default]
    PerRecord,
    /// Check every record first; if any has an error, send nothing and return
    /// [`Error::Validation`] with the whole report.
    Strict,
}

/// The settings of a [`VitrinaClient`]. Built by [`VitrinaClientBuilder`].
///
/// `Debug` never shows the password.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The base URL of the gateway, without a trailing slash (e.g. `http://10.86.6.237:2100`,
    /// section 10, «Адреса сервисов интеграционного шлюза»).
    pub base_url: Url,
    /// The MO OID used as `username` at `/auth.svc`.
    pub username: Oid,
    /// The password of `/auth.svc`.
    pub password: Redacted<String>,
    /// Time allowed to open a TCP (and TLS) connection.
    pub connect_timeout: Duration,
    /// Time allowed for one HTTP exchange, from sending to the last byte of the answer.
    pub request_timeout: Duration,
    /// Whether request bodies are gzip-compressed (`Content-Encoding: gzip`, section 5).
    pub gzip: bool,
    /// Records per upsert request.
    pub batch_size: usize,
    /// Upsert requests in flight at once.
    pub concurrency: usize,
    /// Retries of 500, 502, 503, 504, timeouts and transport errors.
    pub retry: RetryPolicy,
    /// Pre-flight validation.
    pub preflight: Preflight,
    /// How long before `ValidTo` the token is refreshed.
    pub refresh_margin: Duration,
    /// Called as upserts advance; see [`VitrinaClientBuilder::on_progress`].
    pub progress: Option<ProgressHook>,
}

/// What an upload has settled since the last call of the progress hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadProgress {
    /// The table being uploaded.
    pub table: fer_model::Table,
    /// Records whose outcome became known: a batch answered (or failed), or records withheld before
    /// sending (invalid, or skipped for their parent).
    pub settled: usize,
}

/// A callback for [`UploadProgress`], shared by every clone of the client. `Debug` shows only that
/// one is set.
#[derive(Clone)]
pub struct ProgressHook(pub(crate) std::sync::Arc<dyn Fn(UploadProgress) + Send + Sync>);

impl ProgressHook {
    pub(crate) fn report(hook: &Option<ProgressHook>, table: fer_model::Table, settled: usize) {
        if let (Some(hook), true) = (hook, settled > 0) {
            (hook.0)(UploadProgress { table, settled });
        }
    }
}

impl std::fmt::Debug for ProgressHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

impl ClientConfig {
    /// Checks the settings that the builder cannot express in types.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.batch_size == 0 {
            return Err(Error::Config("batch_size must be at least 1".into()));
        }
        if self.concurrency == 0 {
            return Err(Error::Config("concurrency must be at least 1".into()));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::Config("retry.max_attempts must be at least 1".into()));
        }
        Ok(())
    }
}

/// Builds a [`VitrinaClient`]; start with [`VitrinaClient::builder`].
///
/// ```
/// use std::time::Duration;
/// use fer_client::{Preflight, VitrinaClient};
///
/// let client = VitrinaClient::builder()
///     .base_url("http://127.0.0.1:2100")
///     .credentials("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "secret")
///     .request_timeout(Duration::from_secs(20))
///     .batch_size(500)
///     .concurrency(2)
///     .preflight(Preflight::Strict)
///     .build()
///     .unwrap();
/// assert!(!format!("{client:?}").contains("secret"));
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct VitrinaClientBuilder {
    base_url: Option<String>,
    credentials: Option<(Oid, Redacted<String>)>,
    connect_timeout: Duration,
    request_timeout: Duration,
    gzip: bool,
    batch_size: usize,
    concurrency: usize,
    retry: RetryPolicy,
    preflight: Preflight,
    refresh_margin: Duration,
    progress: Option<ProgressHook>,
}

impl Default for VitrinaClientBuilder {
    fn default() -> Self {
        VitrinaClientBuilder {
            base_url: None,
            credentials: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            gzip: true,
            batch_size: DEFAULT_BATCH_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            retry: RetryPolicy::default(),
            preflight: Preflight::default(),
            refresh_margin: DEFAULT_REFRESH_MARGIN,
            progress: None,
        }
    }
}

impl VitrinaClientBuilder {
    /// The gateway's base URL, e.g. `https://host:port` (required).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The MO OID and password for `/auth.svc` (required).
    pub fn credentials(mut self, username: Oid, password: impl Into<String>) -> Self {
        self.credentials = Some((username, Redacted::new(password.into())));
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one HTTP exchange (default 30 s). A retried request gets this much per attempt.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Whether to gzip request bodies (default on; the Vitrina still accepts plain bodies).
    ///
    /// Bodies are packed at gzip level 1 (fast): on slot JSON it is ~3.4× faster than the default
    /// level 6 for a body only ~6 % larger (BENCHMARKS.md in the repository), so a million slots cost about
    /// 3 s of one core instead of 9 s within the 30-second window.
    pub fn gzip(mut self, on: bool) -> Self {
        self.gzip = on;
        self
    }

    /// Records per upsert request (default [`DEFAULT_BATCH_SIZE`]; at least 1).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = size;
        self
    }

    /// Upsert requests in flight at once (default [`DEFAULT_CONCURRENCY`]; at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Pre-flight validation (default [`Preflight::PerRecord`]).
    pub fn preflight(mut self, preflight: Preflight) -> Self {
        self.preflight = preflight;
        self
    }

    /// How long before `ValidTo` the token is refreshed (default [`DEFAULT_REFRESH_MARGIN`]). A
    /// token that lives less than twice the margin is refreshed at half its life instead.
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// A callback told, as an upsert or [`upload_dataset`](VitrinaClient::upload_dataset) advances,
    /// how many records of which table have settled (for a progress bar). It runs on the task that
    /// awaits the upload: keep it short.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use fer_client::VitrinaClient;
    ///
    /// let done = Arc::new(AtomicUsize::new(0));
    /// let seen = Arc::clone(&done);
    /// let client = VitrinaClient::builder()
    ///     .base_url("http://127.0.0.1:2100")
    ///     .credentials("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "secret")
    ///     .on_progress(move |p| {
    ///         seen.fetch_add(p.settled, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn on_progress(mut self, hook: impl Fn(UploadProgress) + Send + Sync + 'static) -> Self {
        self.progress = Some(ProgressHook(std::sync::Arc::new(hook)));
        self
    }

    /// Checks the settings and builds the client with its one connection pool.
    pub fn build(self) -> Result<VitrinaClient, Error> {
        let raw = self.base_url.ok_or_else(|| Error::Config("base_url is required".into()))?;
        let base_url = parse_base_url(&raw)?;
        let (username, password) =
            self.credentials.ok_or_else(|| Error::Config("credentials (MO OID and password) are required".into()))?;
        let config = ClientConfig {
            base_url,
            username,
            password,
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            gzip: self.gzip,
            batch_size: self.batch_size,
            concurrency: self.concurrency,
            retry: self.retry,
            preflight: self.preflight,
            refresh_margin: self.refresh_margin,
            progress: self.progress,
        };
        VitrinaClient::from_config(config)
    }
}

/// Parses the base URL and drops a trailing slash so that `/api/...` paths append cleanly.
fn parse_base_url(raw: &str) -> Result<Url, Error> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = Url::parse(trimmed)
        .map_err(|source| Error::InvalidUrl { context: format!("base_url {trimmed:?} is not a URL"), source })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!("base_url must be http or https, not {:?}", url.scheme())));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config("base_url must not carry a query or a fragment".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config("base_url must not carry credentials; use credentials()".into()));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builder() -> VitrinaClientBuilder {
        VitrinaClient::builder().credentials("1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap(), "pw")
    }

    #[test]
    fn base_url_is_required_and_checked() {
        assert!(matches!(builder().build(), Err(Error::Config(_))));
        assert!(matches!(builder().base_url("ftp://x").build(), Err(Error::Config(_))));
        assert!(matches!(builder().base_url("not a url").build(), Err(Error::InvalidUrl { .. })));
        assert!(matches!(builder().base_url("http://u:p@host").build(), Err(Error::Config(_))));
        let c = builder().base_url("http://127.0.0.1:1/prefix/").build().unwrap();
        assert_eq!(c.config().base_url.as_str(), "http://127.0.0.1:1/prefix");
    }

    #[test]
    fn zero_sizes_are_refused() {
        let b = builder().base_url("http://127.0.0.1:1");
        assert!(matches!(b.clone().batch_size(0).build(), Err(Error::Config(_))));
        assert!(matches!(b.clone().concurrency(0).build(), Err(Error::Config(_))));
        let no_attempts = RetryPolicy { max_attempts: 0, ..RetryPolicy::default() };
        assert!(matches!(b.clone().retry(no_attempts).build(), Err(Error::Config(_))));
        let mut config = b.clone().build().unwrap().config().clone();
        config.batch_size = 0;
        assert!(matches!(VitrinaClient::from_config(config), Err(Error::Config(_))));
        assert!(b.build().is_ok());
    }

    #[test]
    fn credentials_are_required_and_hidden() {
        let err = VitrinaClient::builder().base_url("http://127.0.0.1:1").build().unwrap_err();
        assert!(matches!(err, Error::Config(_)));
        let b = builder().base_url("http://127.0.0.1:1");
        assert!(!format!("{b:?}").contains("pw\""));
    }
}
