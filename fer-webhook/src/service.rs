//! The pipeline: one function from `http::Request` to `http::Response` that every adapter calls
//! (route, allow-list, limits, gunzip, JSON, validation, the vendor's handler under a deadline and a
//! panic guard, the spec's answer JSON).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use chrono::Utc;
use fer_model::{
    BookingRejectionCode, BookingRequest, BookingResponse, CancelRequest, CancelResponse, CancelStatusCode, Guid,
};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body::Body;
use http_body_util::Full;
use tokio::time::Instant;
use tracing::Instrument;

use crate::checks::{self, Decoded};
use crate::guard::{self, GuardError};
use crate::{BookRejection, BookingHandler, CancelRejection, RequestContext, WebhookConfig, WebhookError, body};

/// The header carrying the request id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// [`REQUEST_ID_HEADER`] as a header name, built once: a `&str` key is parsed (and, on insert,
/// copied) on every use.
const REQUEST_ID: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);

/// The peer's socket address, put into the request's extensions by whatever accepted the
/// connection. [`serve`](crate::serve) does it; with another server insert it yourself (axum's
/// `ConnectInfo<SocketAddr>` is read too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// The MIS webhook (section 7): `POST /booking/book`, `POST /booking/cancel` and the
/// reachability probe `GET /booking/book` (section 10, step 3 of webhook registration), over plain
/// `http` types, for any server.
///
/// Cloning is cheap (the handler and the settings are shared).
///
/// * `GET`/`HEAD /booking/book` answers 200 (the gateway registers a webhook only after that).
/// * `POST /booking/book` and `/booking/cancel` answer 200 with the spec's answer JSON; business
///   failures are a `status_code` in that JSON, never an HTTP error (section 7: «Ответ на успешно
///   выполненный запрос (200)»).
/// * Well-formed JSON that does not fit the request (a missing field, a wrong type, a rule of
///   `fer-validate` broken) answers status 18 with the reason in `status_message`: the JSON
///   pointer and the rule of each problem, never the value sent (a malformed SNILS or birth date
///   is patient data too).
/// * The vendor's handler runs under a panic guard and the deadline, on the request's own task (no
///   spawn): if it panics, or is still running at [`WebhookConfig::deadline`], the answer is status
///   18 and the server carries on; a handler still running at the deadline is dropped (cancelled).
///   A handler must not block its thread (use `spawn_blocking` for blocking work): the deadline
///   can only fire while it awaits.
/// * Everything else is an HTTP error with a JSON body naming the problem ([`WebhookError`]):
///   404, 405, 403 (allow-list), 413 (body or gunzipped body too large), 415, 400 (bad gzip,
///   malformed JSON).
pub struct WebhookService<H> {
    inner: Arc<Inner<H>>,
}

struct Inner<H> {
    handler: Arc<H>,
    config: WebhookConfig,
    book_path: String,
    cancel_path: String,
    #[cfg(feature = "metrics")]
    metrics: Option<crate::WebhookMetrics>,
}

impl<H> Clone for WebhookService<H> {
    fn clone(&self) -> Self {
        WebhookService { inner: Arc::clone(&self.inner) }
    }
}

impl<H> std::fmt::Debug for WebhookService<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// Which of the three calls a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// `GET`/`HEAD /booking/book`.
    Probe,
    /// `POST /booking/book` or `POST /booking/cancel`.
    Call(Call),
}

/// The two calls with a body and a handler behind them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    Book,
    Cancel,
}

impl Call {
    fn name(self) -> &'static str {
        match self {
            Call::Book => "book",
            Call::Cancel => "cancel",
        }
    }
}

impl<H: BookingHandler + 'static> WebhookService<H> {
    /// A service around `handler` with the default [`WebhookConfig`].
    pub fn new(handler: H) -> Self {
        Self::from_arc(Arc::new(handler))
    }

    /// A service around a shared handler.
    pub fn from_arc(handler: Arc<H>) -> Self {
        Self::build(handler, WebhookConfig::default())
    }

    /// The same service with other settings.
    pub fn with_config(self, config: WebhookConfig) -> Self {
        #[cfg_attr(not(feature = "metrics"), allow(unused_mut))]
        let mut service = Self::build(Arc::clone(&self.inner.handler), config);
        #[cfg(feature = "metrics")]
        if let Some(inner) = Arc::get_mut(&mut service.inner) {
            inner.metrics.clone_from(&self.inner.metrics);
        }
        service
    }

    /// The same service counting its requests in `metrics` (feature `metrics`; see
    /// [`WebhookMetrics`](crate::WebhookMetrics)).
    #[cfg(feature = "metrics")]
    pub fn with_metrics(self, metrics: crate::WebhookMetrics) -> Self {
        let mut service = Self::build(Arc::clone(&self.inner.handler), self.inner.config.clone());
        if let Some(inner) = Arc::get_mut(&mut service.inner) {
            inner.metrics = Some(metrics);
        }
        service
    }

    fn build(handler: Arc<H>, config: WebhookConfig) -> Self {
        if config.deadline >= fer_model::GATEWAY_DEADLINE {
            tracing::warn!(
                deadline_ms = config.deadline.as_millis() as u64,
                "the webhook deadline is not shorter than the gateway's 10 s: slow answers will be lost"
            );
        }
        let base = config.base_path.trim_end_matches('/');
        let book_path = format!("{base}/booking/book");
        let cancel_path = format!("{base}/booking/cancel");
        WebhookService {
            inner: Arc::new(Inner {
                handler,
                config,
                book_path,
                cancel_path,
                #[cfg(feature = "metrics")]
                metrics: None,
            }),
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &WebhookConfig {
        &self.inner.config
    }

    /// The booking and cancel paths in force (`/booking/book`, `/booking/cancel` under
    /// [`WebhookConfig::base_path`]).
    pub fn paths(&self) -> (&str, &str) {
        (&self.inner.book_path, &self.inner.cancel_path)
    }

    /// The vendor's handler.
    pub fn handler(&self) -> &Arc<H> {
        &self.inner.handler
    }

    /// Answers one request whose body is already in memory. Must run inside a tokio runtime.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        self.handle_body(request.map(Full::new)).await
    }

    /// Answers one request with any [`http_body::Body`] (hyper's `Incoming`, axum's `Body`, …);
    /// the body is read under [`WebhookConfig::body_limit`]. Must run inside a tokio runtime.
    pub async fn handle_body<B>(&self, request: Request<B>) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let received = Instant::now();
        let ctx = RequestContext::received(
            remote_addr(&request),
            request_id(&request),
            Utc::now(),
            received + self.inner.config.deadline,
        );
        let span = tracing::info_span!("fer_webhook", request_id = %ctx.request_id());
        async {
            let route = self.admit(&request, &ctx);
            let operation = match &route {
                Ok(Route::Probe) => "probe",
                Ok(Route::Call(call)) => call.name(),
                Err(_) => "other",
            };
            self.count_call(operation);
            let (mut response, status_code, deadline_hit) = match route {
                Err(e) => {
                    tracing::info!(status = e.status().as_u16(), error = %e, "refused");
                    (e.to_response(ctx.request_id()), None, false)
                }
                Ok(Route::Probe) => {
                    tracing::info!("reachability probe");
                    (json_response(StatusCode::OK, &serde_json::json!({ "status": "ok" })), None, false)
                }
                Ok(Route::Call(call)) => self.call(call, request, ctx.clone()).await,
            };
            self.count_answer(operation, response.status(), status_code, deadline_hit, received);
            if let Ok(value) = HeaderValue::from_str(ctx.request_id()) {
                response.headers_mut().insert(REQUEST_ID, value);
            }
            response
        }
        .instrument(span)
        .await
    }

    /// Counts a request's arrival (feature `metrics`).
    #[inline]
    fn count_call(&self, operation: &'static str) {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.inner.metrics {
            metrics.called(operation);
        }
        #[cfg(not(feature = "metrics"))]
        let _ = operation;
    }

    /// Counts a request's answer (feature `metrics`).
    #[inline]
    fn count_answer(
        &self,
        operation: &'static str,
        status: StatusCode,
        status_code: Option<u16>,
        deadline_hit: bool,
        received: Instant,
    ) {
        #[cfg(feature = "metrics")]
        if let Some(metrics) = &self.inner.metrics {
            metrics.answered(operation, status.as_u16(), status_code, deadline_hit, received.elapsed());
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (operation, status, status_code, deadline_hit, received);
    }

    /// Allow-list and routing.
    fn admit<B>(&self, request: &Request<B>, ctx: &RequestContext) -> Result<Route, WebhookError> {
        if let Some(list) = &self.inner.config.allow_list {
            let ip = ctx.remote_addr().map(|a| a.ip());
            if ip.is_none() {
                // A misconfigured server rather than a stranger: say so where the vendor looks.
                tracing::warn!("allow-list set but the peer address is unknown: {}", crate::UNKNOWN_PEER_HINT);
            }
            if !ip.is_some_and(|ip| list.allows(ip)) {
                return Err(WebhookError::Forbidden { addr: ip });
            }
        }
        let path = request.uri().path();
        let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
        let method = request.method();
        let not_allowed =
            |allowed| WebhookError::MethodNotAllowed { method: method.clone(), path: path.to_owned(), allowed };
        if path == self.inner.book_path {
            match *method {
                Method::POST => Ok(Route::Call(Call::Book)),
                Method::GET | Method::HEAD => Ok(Route::Probe),
                _ => Err(not_allowed("GET, HEAD, POST")),
            }
        } else if path == self.inner.cancel_path {
            match *method {
                Method::POST => Ok(Route::Call(Call::Cancel)),
                _ => Err(not_allowed("POST")),
            }
        } else {
            Err(WebhookError::NotFound {
                path: path.to_owned(),
                book: self.inner.book_path.clone(),
                cancel: self.inner.cancel_path.clone(),
            })
        }
    }

    /// Book or cancel under the deadline, counted from the request's arrival: the answer, its
    /// `status_code` when it is the spec's JSON, and whether the deadline wrote it.
    async fn call<B>(
        &self,
        call: Call,
        request: Request<B>,
        ctx: RequestContext,
    ) -> (Response<Bytes>, Option<u16>, bool)
    where
        B: Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let started = Instant::now();
        let deadline = ctx.deadline();
        let work = async {
            let (parts, body) = request.into_parts();
            let config = &self.inner.config;
            if let Err(e) = fer_http::content_type::check_json(&parts.headers) {
                // The gateway is to send `application/json`; a booking is never refused over a
                // header: the body decides, and the operator hears of it.
                tracing::warn!(route = call.name(), error = %e, "body not announced as JSON; read as JSON anyway");
            }
            let json = body::read(&parts.headers, body, config.body_limit, config.decompressed_limit).await?;
            match call {
                Call::Book => self.book(&json, ctx.clone()).await.map(Answer::Book),
                Call::Cancel => self.cancel(&json, ctx.clone()).await.map(Answer::Cancel),
            }
        };
        let mut deadline_hit = false;
        let answer = match tokio::time::timeout_at(deadline, work).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                tracing::info!(route = call.name(), status = e.status().as_u16(), error = %e, "refused");
                return (e.to_response(ctx.request_id()), None, false);
            }
            Err(_) => {
                tracing::warn!(route = call.name(), "deadline passed: answering status 18 on the handler's behalf");
                deadline_hit = true;
                match call {
                    Call::Book => Answer::Book(deadline_rejection().into_response(None)),
                    Call::Cancel => Answer::Cancel(deadline_cancel_rejection().into_response(None)),
                }
            }
        };
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match answer {
            Answer::Book(response) => {
                let code = match &response {
                    BookingResponse::Confirmed(_) => 0,
                    BookingResponse::Rejected(r) => r.code.code(),
                };
                tracing::info!(route = "book", status_code = code, elapsed_ms, "answered");
                (json_response(StatusCode::OK, &response), Some(code), deadline_hit)
            }
            Answer::Cancel(response) => {
                let code = response.status.code.code();
                tracing::info!(route = "cancel", status_code = code, elapsed_ms, "answered");
                (json_response(StatusCode::OK, &response), Some(code), deadline_hit)
            }
        }
    }

    async fn book(&self, json: &[u8], ctx: RequestContext) -> Result<BookingResponse, WebhookError> {
        let (request, warnings): (BookingRequest, _) = match checks::decode(json) {
            Decoded::Valid(request, warnings) => (request, warnings),
            Decoded::Invalid(reason) => {
                tracing::info!(reason = %reason.for_log(), "invalid booking request");
                let rejection = BookRejection::new(BookingRejectionCode::Other).with_message(reason.message());
                return Ok(rejection.into_response(checks::slot_hint(json)));
            }
            Decoded::Malformed(e) => return Err(e),
        };
        log_warnings(&warnings);
        let slot_id = request.slot_id;
        let outcome = guard::run(self.inner.handler.book(request, ctx.with_warnings(warnings))).await;
        Ok(match outcome {
            Ok(Ok(confirmation)) => match checks::confirmation(slot_id, confirmation) {
                Ok(confirmed) => confirmed,
                Err(reason) => {
                    tracing::error!(reason = %reason.for_log(), "the handler's confirmation is invalid: answering status 18");
                    BookRejection::new(BookingRejectionCode::Other).into_response(Some(slot_id))
                }
            },
            Ok(Err(rejection)) => rejection.into_response(Some(slot_id)),
            Err(e) => {
                log_guard_error(e);
                BookRejection::new(BookingRejectionCode::Other).into_response(Some(slot_id))
            }
        })
    }

    async fn cancel(&self, json: &[u8], ctx: RequestContext) -> Result<CancelResponse, WebhookError> {
        let (request, warnings): (CancelRequest, _) = match checks::decode(json) {
            Decoded::Valid(request, warnings) => (request, warnings),
            Decoded::Invalid(reason) => {
                tracing::info!(reason = %reason.for_log(), "invalid cancel request");
                let rejection = CancelRejection::technical_error().with_message(reason.message());
                return Ok(rejection.into_response(None));
            }
            Decoded::Malformed(e) => return Err(e),
        };
        log_warnings(&warnings);
        let book_ext_id = request.book_ext_id;
        let outcome = guard::run(self.inner.handler.cancel(request, ctx.with_warnings(warnings))).await;
        Ok(match outcome {
            Ok(Ok(confirmation)) => match checks::cancel_confirmation(book_ext_id, &confirmation) {
                Ok(answer) => answer,
                Err(reason) => {
                    tracing::error!(reason = %reason.for_log(), "the handler's cancel confirmation is invalid: answering status 18");
                    CancelRejection::technical_error().into_response(Some(book_ext_id))
                }
            },
            Ok(Err(rejection)) => rejection.into_response(Some(book_ext_id)),
            Err(e) => {
                log_guard_error(e);
                CancelRejection::technical_error().into_response(Some(book_ext_id))
            }
        })
    }
}

/// The answer of a book or cancel call.
enum Answer {
    Book(BookingResponse),
    Cancel(CancelResponse),
}

/// Logs the request's warnings: pointers and rule codes only, never values.
fn log_warnings(warnings: &[fer_validate::Diagnostic]) {
    if !warnings.is_empty() {
        let at: Vec<String> = warnings.iter().map(|w| format!("{} [{}]", w.pointer, w.code.as_str())).collect();
        tracing::info!(warnings = %at.join(", "), "request accepted with warnings");
    }
}

/// The suffix of status 18 messages written on the handler's behalf at the deadline.
const TOO_SLOW: &str = "МИС не ответила вовремя";

fn deadline_rejection() -> BookRejection {
    let code = BookingRejectionCode::Other;
    BookRejection::new(code).with_message(format!("{}: {TOO_SLOW}", code.user_title_ru()))
}

fn deadline_cancel_rejection() -> CancelRejection {
    let code = CancelStatusCode::TechnicalError;
    CancelRejection::technical_error().with_message(format!("{}: {TOO_SLOW}", code.description_ru()))
}

fn log_guard_error(e: GuardError) {
    match e {
        GuardError::Panicked => tracing::error!("the booking handler panicked: answering status 18"),
    }
}

/// A JSON answer with `Content-Type: application/json; charset=utf-8`.
pub(crate) fn json_response<T: serde::Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Bytes> {
    let (status, body) = match serde_json::to_vec(value) {
        Ok(body) => (status, Bytes::from(body)),
        Err(e) => {
            tracing::error!(error = %e, "could not encode the answer");
            let body = r#"{"error":{"code":"internal","message":"could not encode the answer"}}"#;
            (StatusCode::INTERNAL_SERVER_ERROR, Bytes::from_static(body.as_bytes()))
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

fn remote_addr<B>(request: &Request<B>) -> Option<SocketAddr> {
    let extensions = request.extensions();
    if let Some(RemoteAddr(addr)) = extensions.get::<RemoteAddr>() {
        return Some(*addr);
    }
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) = extensions.get::<axum::extract::ConnectInfo<SocketAddr>>() {
        return Some(*addr);
    }
    None
}

/// The caller's `X-Request-Id` when it is short printable ASCII, else a new id ([`new_request_id`]).
fn request_id<B>(request: &Request<B>) -> String {
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(new_request_id, str::to_owned)
}

/// A new request id, unique within the process and, with 64 random bits, across processes:
/// `<prefix>-<n>`, a random prefix drawn once per process (16 hex digits) and a counter in hex.
/// One random draw per process instead of one (a `getrandom` syscall) per request.
fn new_request_id() -> String {
    static PREFIX: LazyLock<String> = LazyLock::new(|| {
        let random = Guid::new_v4().as_uuid().as_u128();
        let random = (random >> 64) as u64 ^ random as u64;
        format!("{random:016x}")
    });
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Hex by hand: `format!` costs about a thousand instructions, a tenth of the pipeline's own work.
    let mut id = String::with_capacity(PREFIX.len() + 1 + 16);
    id.push_str(&PREFIX);
    id.push('-');
    push_hex(&mut id, n);
    id
}

/// Appends `n` in lower-case hex without leading zeros (`format!("{n:x}")`).
fn push_hex(out: &mut String, n: u64) {
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for shift in (0..digits).rev() {
        out.push(char::from(b"0123456789abcdef"[(n >> (shift * 4)) as usize & 0xf]));
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn request_ids_are_unique_and_share_the_process_prefix() {
        let ids: Vec<String> = (0..1000).map(|_| new_request_id()).collect();
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        let prefix = |id: &str| id.split_once('-').map(|(p, _)| p.to_owned());
        let first = prefix(&ids[0]).unwrap();
        assert_eq!(first.len(), 16);
        assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
        for id in &ids {
            assert_eq!(prefix(id).as_deref(), Some(first.as_str()));
            assert!(HeaderValue::from_str(id).is_ok(), "{id} must fit a header");
        }
    }

    #[test]
    fn counters_are_written_in_hex() {
        for n in [0, 1, 9, 10, 15, 16, 255, 4096, 0xdead_beef, u64::MAX] {
            let mut out = String::new();
            push_hex(&mut out, n);
            assert_eq!(out, format!("{n:x}"));
        }
    }

    #[test]
    fn the_callers_request_id_is_kept_and_a_bad_one_replaced() {
        let with = |id: &str| Request::builder().header(REQUEST_ID_HEADER, id).body(()).unwrap();
        assert_eq!(request_id(&with(" gw-42 ")), "gw-42");
        let replaced = request_id(&with("has space"));
        assert_ne!(replaced, "has space");
        assert!(replaced.contains('-'));
        assert_ne!(request_id(&Request::new(())), request_id(&Request::new(())));
    }
}
