//! The regional portal API (the regional portal methods, [`fer_model::spec::portal`]): [`PortalClient`].
//!
//! | seed | call | method |
//! |---|---|---|
//! | 000 | `POST {url}/api/v2/iemk/doctors/entry` (RPGU token) | [`PortalClient::entry`] |
//! | 001 | `POST {url}/api/v2/visit/{lpuGuid}?…` (LPU token) | [`PortalClient::create_visit`] |
//! | 002 | `POST /appointments` on a local MIS (its token) | [`PortalClient::create_appointment`] |
//! | 003 | `GET {url}/api/v2/old/visit/tickets[/{session}]` (COD token) | [`PortalClient::tickets`] (polls), [`PortalClient::open_ticket_session`], [`PortalClient::ticket_lists`] |
//!
//! # Why a request path of its own
//!
//! The portal is another service than the Vitrina: the caller brings a bearer token obtained from
//! the portal's own authorisation (there is no `/auth.svc` to refresh it from), answers are bare
//! JSON models, not the Appendix 2 envelope, and errors are `{code, message}` with the portal's
//! codes. So the Vitrina's transport (token cache, envelope decoding) does not fit; what does fit is
//! reused: [`RetryPolicy`] (with its `Retry-After` handling), the redacted body excerpts and the
//! [`Error`] type, with one additive variant, [`Error::Portal`].
//!
//! One `PortalClient` talks to one base URL with one token: the portal with an RPGU, LPU or COD
//! token, or a local MIS («Создание записи на прием в локальную МИС») with its token. [`PortalClient::with_token`] makes a client for
//! another token that shares the connection pool.
//!
//! # Retries
//!
//! Creating a visit is not idempotent: a retry after a lost answer could book twice. So the three
//! creating calls are retried only when the request was certainly not processed: a connection that
//! could not be opened, or 503 (the service says it did not take the request). The ticket calls
//! (`GET`) are retried like the Vitrina's: 500, 502, 503, 504, timeouts and transport errors.
//!
//! # Pre-flight validation
//!
//! [`PortalClient::entry`] and [`PortalClient::create_visit`] check the request with
//! `fer_validate::portal` first and answer [`Error::Validation`] without sending when it has errors
//! (a visit without `timeTable` or `docGuid` + `dateTime`, the portal's 4036; `directionId` without
//! `directionType`, 4033). [`PortalClientBuilder::validate`] turns that off.
//!
//! ```no_run
//! # async fn run() -> Result<(), fer_client::Error> {
//! use fer_client::portal::{PollOptions, PortalClient};
//! use fer_model::portal::VisitParams;
//!
//! let portal = PortalClient::builder().base_url("https://portal.example").token("lpu-token").build()?;
//! let lpu = "c3c977af-c3b4-4517-9d57-50a6844ec660".parse().unwrap();
//! let cell = "12d4329b-cbe3-4ca3-8cdc-0e7a8f23e0d5".parse().unwrap();
//! let ticket = portal.create_visit(&VisitParams::by_time_table(lpu, cell)).await?;
//! println!("талон {}", ticket.visit.num);
//!
//! let cod = portal.with_token("cod-token");
//! let report = cod.tickets(PollOptions::default()).await?;
//! for lpu in &report.lpus {
//!     println!("{}: {:?}", lpu.lpu.name, lpu.outcome.state());
//! }
//! # Ok(()) }
//! ```

mod request;
mod tickets;

use std::sync::Arc;
use std::time::Duration;

use fer_model::Redacted;
use fer_model::portal::{
    APPOINTMENTS_PATH, Appointment, AppointmentRequest, ENTRY_PATH, EntryRequest, TICKETS_SESSION_PATH, TicketLists,
    TicketSession, TicketVisitWithLpu, VisitData, VisitParams,
};
use fer_validate::Validate;
use reqwest::{Method, Url};

use self::request::{Call, Idempotency};
pub use self::tickets::{
    DEFAULT_POLL_DEADLINE, DEFAULT_POLL_INTERVAL, LpuOutcome, LpuTickets, PollOptions, Tickets, TicketsReport,
};
use crate::{Error, RetryPolicy};

/// The request timeout of a [`PortalClient`] when none is configured.
pub const DEFAULT_PORTAL_TIMEOUT: Duration = Duration::from_secs(30);

/// The connection timeout of a [`PortalClient`] when none is configured.
pub const DEFAULT_PORTAL_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a [`PortalClient`] shares with the clients made by [`PortalClient::with_token`].
#[derive(Debug)]
struct Shared {
    http: reqwest::Client,
    base_url: Url,
    retry: RetryPolicy,
    request_timeout: Duration,
    validate: bool,
}

/// The client of the regional portal API and of a local MIS's appointments (the regional portal methods, [`fer_model::spec::portal`]). See
/// the [module documentation](self).
///
/// Cheap to clone. `Debug` never shows the token.
#[derive(Debug, Clone)]
pub struct PortalClient {
    shared: Arc<Shared>,
    token: Redacted<String>,
}

/// Builds a [`PortalClient`]; start with [`PortalClient::builder`].
///
/// ```
/// use std::time::Duration;
/// use fer_client::RetryPolicy;
/// use fer_client::portal::PortalClient;
///
/// let portal = PortalClient::builder()
///     .base_url("http://127.0.0.1:8080")
///     .token("rpgu-token")
///     .request_timeout(Duration::from_secs(10))
///     .retry(RetryPolicy { max_attempts: 3, ..RetryPolicy::default() })
///     .build()
///     .unwrap();
/// assert!(!format!("{portal:?}").contains("rpgu-token"));
/// assert!(PortalClient::builder().token("t").build().is_err(), "a base URL is needed");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PortalClientBuilder {
    base_url: Option<String>,
    token: Option<Redacted<String>>,
    connect_timeout: Duration,
    request_timeout: Duration,
    retry: RetryPolicy,
    validate: bool,
}

impl Default for PortalClientBuilder {
    fn default() -> Self {
        PortalClientBuilder {
            base_url: None,
            token: None,
            connect_timeout: DEFAULT_PORTAL_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_PORTAL_TIMEOUT,
            retry: RetryPolicy::default(),
            validate: true,
        }
    }
}

impl PortalClientBuilder {
    /// The service's `{url}` (the portal, or the local MIS for «Создание записи на прием в локальную МИС»), e.g.
    /// `https://portal.example`; a trailing slash is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The bearer token sent as `Authorization: Bearer <token>` (RPGU, LPU or COD token of the
    /// portal, or the local MIS's token).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Redacted::new(token.into()));
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed for one HTTP exchange (default 30 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// How failed requests are retried (see the module documentation for which ones).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Whether requests are checked with `fer_validate::portal` before sending (default true).
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// Builds the client: [`Error::Config`] without a base URL or token, with a URL that does not
    /// parse, or with `retry.max_attempts` of 0.
    pub fn build(self) -> Result<PortalClient, Error> {
        let raw = self.base_url.ok_or_else(|| Error::Config("the portal's base URL is not set".into()))?;
        let base_url = Url::parse(raw.trim_end_matches('/'))
            .map_err(|source| Error::InvalidUrl { context: format!("invalid portal base URL {raw:?}"), source })?;
        let token = self.token.ok_or_else(|| Error::Config("the portal token is not set".into()))?;
        if self.retry.max_attempts == 0 {
            return Err(Error::Config("retry.max_attempts must be at least 1".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.request_timeout)
            .user_agent(concat!("fer-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::HttpClient)?;
        let shared = Shared {
            http,
            base_url,
            retry: self.retry,
            request_timeout: self.request_timeout,
            validate: self.validate,
        };
        Ok(PortalClient { shared: Arc::new(shared), token })
    }
}

impl PortalClient {
    /// A builder with the defaults: 30 s per request, 10 s to connect, [`RetryPolicy::default`],
    /// pre-flight validation on.
    pub fn builder() -> PortalClientBuilder {
        PortalClientBuilder::default()
    }

    /// The same client (base URL, connection pool, settings) with another token.
    pub fn with_token(&self, token: impl Into<String>) -> PortalClient {
        PortalClient { shared: self.shared.clone(), token: Redacted::new(token.into()) }
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.shared.base_url
    }

    /// «Запись на прием РПГУ»: `POST {url}/api/v2/iemk/doctors/entry` with an RPGU
    /// token. Answers the created visit ([`VisitData`]: `Entry_id`, `Ticket`).
    pub async fn entry(&self, request: &EntryRequest) -> Result<VisitData, Error> {
        if self.shared.validate {
            preflight(request.validate())?;
        }
        let body = serde_json::to_vec(request).map_err(Error::Encode)?;
        self.send(Call::new(Method::POST, ENTRY_PATH, Idempotency::Creates).body(body)).await
    }

    /// «Создание записи на прием к врачу»: `POST {url}/api/v2/visit/{lpuGuid}` with the
    /// parameters in the query and an LPU token. Answers the visit with the LPU
    /// ([`TicketVisitWithLpu`]; only `lpu`, `num` and `ticketGuid` when `fullResponse=false`).
    pub async fn create_visit(&self, params: &VisitParams) -> Result<TicketVisitWithLpu, Error> {
        if self.shared.validate {
            preflight(params.validate())?;
        }
        self.send(Call::new(Method::POST, params.path(), Idempotency::Creates).query(params.to_query())).await
    }

    /// «Создание записи на прием в локальную МИС»: `POST /appointments` on the local MIS
    /// this client points at, with its token. Answers the [`Appointment`].
    pub async fn create_appointment(&self, request: &AppointmentRequest) -> Result<Appointment, Error> {
        let body = serde_json::to_vec(request).map_err(Error::Encode)?;
        self.send(Call::new(Method::POST, APPOINTMENTS_PATH, Idempotency::Creates).body(body)).await
    }

    /// Opens a ticket session of the old API («Получение записей на прием и вызовов пациента через сессию»): `GET {url}/api/v2/old/visit/tickets` with a
    /// COD token. [`PortalClient::tickets`] does this and the polling.
    pub async fn open_ticket_session(&self) -> Result<TicketSession, Error> {
        self.send(Call::new(Method::GET, TICKETS_SESSION_PATH, Idempotency::Reads)).await
    }

    /// One poll of a ticket session («Получение записей на прием и вызовов пациента через сессию»): `GET {url}/api/v2/old/visit/tickets/{session}`, one
    /// [`TicketLists`] per LPU host.
    pub async fn ticket_lists(&self, session: &TicketSession) -> Result<Vec<TicketLists>, Error> {
        self.send(Call::new(Method::GET, session.tickets_path(), Idempotency::Reads)).await
    }

    /// The patient's visits and home-visit calls through the old session API («Получение записей на прием и вызовов пациента через сессию»): opens a
    /// session, then polls it every `options.interval` until no list is `InProgress`, all within
    /// `options.deadline` (the session's opening included). Answers one typed outcome per LPU:
    /// complete with its lists, failed, or still in progress at the deadline.
    ///
    /// [`Error::Timeout`] only when the deadline passes before any poll was answered; any other
    /// failure of a call (after its retries) is that call's error.
    pub async fn tickets(&self, options: PollOptions) -> Result<TicketsReport, Error> {
        tickets::poll(self, options).await
    }
}

/// [`Error::Validation`] when the report has errors.
fn preflight(report: fer_validate::Report) -> Result<(), Error> {
    if report.has_errors() { Err(Error::Validation(report)) } else { Ok(()) }
}
