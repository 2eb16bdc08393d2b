//! The one request path every call goes through: token, gzip, retries, envelope decoding and a
//! tracing span.
//!
//! ```text
//! ApiRequest ─► token (cache, single-flight refresh) ─► JSON (+ gzip) ─► HTTP ─► 401? refresh once
//!            ─► 500/502/503/504 or transport error? back off and retry ─► envelope (Appendix 2) ─► Reply
//! ```

pub(crate) mod auth;
pub(crate) mod gzip;
pub mod retry;

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use fer_model::endpoint::{self, Endpoint};
use fer_model::{AuthRequest, AuthResponse, AuthToken, VitrinaResponse};
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use tokio::time::Instant;
use tracing::Instrument;

use self::auth::{Token, TokenCache};
use self::retry::retry_after;
use crate::config::ClientConfig;
use crate::error::{Error, excerpt};

/// The largest answer read, compressed or not (64 MiB): a list of a whole region's slots fits.
const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// The path of the authorisation service (section 6), as [`endpoint::LOGIN`] declares it.
const AUTH_PATH: &str = endpoint::LOGIN.path;

/// The HTTP method of an endpoint, as reqwest writes it.
pub(crate) fn method_of(method: endpoint::Method) -> Method {
    match method {
        endpoint::Method::Get => Method::GET,
        endpoint::Method::Post => Method::POST,
        endpoint::Method::Put => Method::PUT,
        endpoint::Method::Delete => Method::DELETE,
    }
}

/// One call to the Vitrina, before encoding.
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    /// The path after the base URL, e.g. `/api/slot`.
    pub(crate) path: String,
    /// Query parameters, e.g. `("id", "…")`.
    pub(crate) query: Vec<(&'static str, String)>,
    /// The query parameters the endpoint declares ([`Endpoint::query`]).
    declared: &'static [&'static str],
    /// The JSON body, uncompressed.
    pub(crate) body: Option<Vec<u8>>,
    /// Records in the body, for the span.
    pub(crate) records: usize,
}

impl ApiRequest {
    /// A request to `endpoint` without a body, its path parameters filled with `params` in order
    /// ([`Endpoint::render`]): every Vitrina call is built from [`fer_model::endpoint`].
    pub(crate) fn to(endpoint: &Endpoint, params: &[&str]) -> Self {
        ApiRequest {
            method: method_of(endpoint.method),
            path: endpoint.render(params),
            query: Vec::new(),
            declared: endpoint.query,
            body: None,
            records: 0,
        }
    }

    /// Adds a query parameter; it must be one the endpoint declares.
    pub(crate) fn query(mut self, key: &'static str, value: impl Into<String>) -> Self {
        debug_assert!(self.declared.contains(&key), "{key} is not a declared query parameter of {}", self.path);
        self.query.push((key, value.into()));
        self
    }

    /// Sets a JSON body of `records` records.
    pub(crate) fn json<B: serde::Serialize + ?Sized>(mut self, body: &B, records: usize) -> Result<Self, Error> {
        self.body = Some(serde_json::to_vec(body).map_err(Error::Encode)?);
        self.records = records;
        Ok(self)
    }
}

/// A decoded answer: the HTTP status and the envelope (Appendix 2).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    /// The envelope, its `result` kept as raw JSON text: a list of 100,000 slots is then parsed
    /// once, straight into the typed records ([`crate::client::decode_list`]), instead of into a
    /// `serde_json::Value` first (4.4x slower, BENCHMARKS.md).
    pub(crate) envelope: VitrinaResponse<RawResult>,
    pub(crate) retry_after: Option<Duration>,
    /// True when the envelope was read from the body; false when the body was empty and the
    /// envelope was made from the status alone.
    pub(crate) enveloped: bool,
}

/// The `result` of an answer as raw JSON text.
pub(crate) type RawResult = Box<serde_json::value::RawValue>;

impl Reply {
    /// True for a 2xx answer that reports no failure.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status) && (self.envelope.is_success || self.envelope.error.is_none())
    }

    /// The envelope of a successful answer, or the typed error of any other.
    pub(crate) fn success(self) -> Result<VitrinaResponse<RawResult>, Error> {
        if self.is_success() { Ok(self.envelope) } else { Err(self.into_error()) }
    }

    /// `Ok(true)` for the Vitrina's «not found»: a 404 that carries the envelope (section 5, «Коды
    /// ошибок»: 404 «Результат … не найден»); `Ok(false)` for any other answer.
    ///
    /// A 404 with an empty body is what a router or a proxy answers for a path it does not know
    /// (a wrong base URL, a gateway without that service); it says nothing about the record, so it
    /// is [`Error::Decode`], not an empty result. A 404 whose body is not the envelope (plain text,
    /// an HTML page) never becomes a `Reply` at all: it is [`Error::Decode`] too.
    pub(crate) fn not_found(&self) -> Result<bool, Error> {
        match self.status {
            404 if self.enveloped => Ok(true),
            404 => Err(Error::Decode {
                status: 404,
                reason: "a 404 without the Vitrina's envelope: the address is unknown to the server \
                         (is the base URL right?), not an empty result"
                    .into(),
                excerpt: String::new(),
            }),
            _ => Ok(false),
        }
    }

    /// The typed error for this answer (section 5, «Коды ошибок»).
    pub(crate) fn into_error(self) -> Error {
        // The error carries the envelope without its `result`.
        let envelope: VitrinaResponse = self.envelope.replace_result(None);
        let message = envelope.error.as_ref().map(|e| e.error_message.clone()).unwrap_or_default();
        match self.status {
            401 => Error::Auth { status: self.status, message },
            403 => Error::Forbidden { message },
            405 => Error::Blocked { message },
            422 => Error::Duplicates { envelope: Box::new(envelope) },
            503 => Error::Maintenance { retry_after: self.retry_after, message },
            status => Error::Http { status, envelope: Box::new(envelope) },
        }
    }
}

/// An answer as read from the wire.
struct RawAnswer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// The HTTP client, the settings and the token cache: the one connection pool of a client.
pub(crate) struct Transport {
    http: reqwest::Client,
    config: ClientConfig,
    tokens: TokenCache,
}

impl Transport {
    /// Builds the reqwest client (rustls) with the configured timeouts.
    pub(crate) fn new(config: ClientConfig) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("fer-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(Error::HttpClient)?;
        let tokens = TokenCache::new(config.refresh_margin);
        Ok(Transport { http, config, tokens })
    }

    /// The settings.
    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends an authorised request through the whole path and decodes the envelope. Any status that
    /// carries an envelope is a `Reply` (the caller decides what a non-2xx means for it), except a
    /// 401 that persists after one fresh token, which is [`Error::Auth`].
    pub(crate) async fn execute(&self, request: ApiRequest) -> Result<Reply, Error> {
        let span = request_span(&request.method, &request.path, request.records);
        async {
            let (body, gzipped) = self.encode(request.body.as_deref())?;
            let url = self.url(&request.path, &request.query)?;
            let (request, body, url) = (&request, &body, &url);
            let refreshed = AtomicBool::new(false);
            let refreshed = &refreshed;
            let raw = self
                .with_retries(move || async move {
                    loop {
                        // A failure to get a token already went through its own retries: final.
                        let token = self.tokens.get(|| self.fetch_token()).await?;
                        let outcome = self
                            .send_once(&request.method, url, &request.path, body.clone(), gzipped, Some(&token))
                            .await;
                        if let Ok(raw) = &outcome
                            && raw.status == 401
                            && !refreshed.swap(true, Ordering::Relaxed)
                        {
                            tracing::info!("token refused (401): refreshing once");
                            self.tokens.invalidate(token.generation);
                            continue;
                        }
                        return Ok(outcome);
                    }
                })
                .await?;
            let reply = decode_reply(raw)?;
            if reply.status == 401 {
                return Err(reply.into_error());
            }
            if reply.is_success() {
                tracing::info!("done");
            } else {
                tracing::warn!(error_code = ?reply.envelope.error.as_ref().map(|e| e.error_code.as_str()), "refused");
            }
            Ok(reply)
        }
        .instrument(span)
        .await
    }

    /// Gets a fresh token from `/auth.svc` (retrying like any call) and checks the answer.
    async fn fetch_token(&self) -> Result<AuthToken, Error> {
        let method = method_of(endpoint::LOGIN.method);
        let span = request_span(&method, AUTH_PATH, 0);
        async {
            let request = AuthRequest::new(self.config.username.clone(), self.config.password.expose_str());
            let body = Bytes::from(serde_json::to_vec(&request).map_err(Error::Encode)?);
            let url = self.url(AUTH_PATH, &[])?;
            let (body, url, method) = (&body, &url, &method);
            let raw = self
                .with_retries(move || async move {
                    Ok(self.send_once(method, url, AUTH_PATH, Some(body.clone()), false, None).await)
                })
                .await?;
            decode_auth(raw)
        }
        .instrument(span)
        .await
    }

    /// Runs `attempt` again while the retry policy says so, and records the attempts, the duration
    /// and the final status in the current span. `attempt` answers `Err` for a failure no retry can
    /// change, and `Ok(outcome)` for an outcome the policy judges.
    async fn with_retries<F, Fut>(&self, mut attempt: F) -> Result<RawAnswer, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<Result<RawAnswer, Error>, Error>>,
    {
        let started = Instant::now();
        let mut attempts = 1u32;
        let outcome = loop {
            let outcome = attempt().await?;
            match self.retry_delay(&outcome, attempts, started) {
                Some(delay) => {
                    let delay_ms = delay.as_millis() as u64;
                    tracing::warn!(attempt = attempts, delay_ms, "{}; retrying", describe(&outcome));
                    tokio::time::sleep(delay).await;
                    attempts += 1;
                }
                None => break outcome,
            }
        };
        let span = tracing::Span::current();
        span.record("attempts", attempts);
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        if let Ok(raw) = &outcome {
            span.record("status", raw.status);
        }
        outcome
    }

    /// The body to send (gzipped when configured) and whether it is gzipped.
    fn encode(&self, json: Option<&[u8]>) -> Result<(Option<Bytes>, bool), Error> {
        match json {
            None => Ok((None, false)),
            Some(json) => Ok((Some(encode_body(json, self.config.gzip)?), self.config.gzip)),
        }
    }

    fn url(&self, path: &str, query: &[(&'static str, String)]) -> Result<Url, Error> {
        // `Url` writes an empty path as `/`: trim it so that `/api/...` appends cleanly.
        let base = self.config.base_url.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{path}"))
            .map_err(|source| Error::InvalidUrl { context: format!("cannot build the URL of {path}"), source })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// One HTTP exchange: send, then read the whole answer (bounded).
    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        path: &str,
        body: Option<Bytes>,
        gzipped: bool,
        token: Option<&Token>,
    ) -> Result<RawAnswer, Error> {
        let mut builder = self.http.request(method.clone(), url.clone());
        if let Some(token) = token {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.value.expose_str()))
                .map_err(|_| Error::Auth { status: 200, message: "the token is not a valid header value".into() })?;
            value.set_sensitive(true);
            builder = builder.header(AUTHORIZATION, value);
        }
        if let Some(body) = body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body);
            if gzipped {
                builder = builder.header(CONTENT_ENCODING, "gzip");
            }
        }
        let transport_error = |e: reqwest::Error| self.transport_error(method, path, e);
        let mut response = builder.send().await.map_err(transport_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Error::Decode {
                    status,
                    reason: format!("answer larger than {MAX_ANSWER_BYTES} bytes"),
                    excerpt: withheld_or(path, &body),
                });
            }
            body.extend_from_slice(&chunk);
        }
        let body = if is_gzip(&headers) {
            gzip::decompress(&body, MAX_ANSWER_BYTES).map_err(|reason| Error::Decode {
                status,
                reason,
                excerpt: String::new(),
            })?
        } else {
            body
        };
        Ok(RawAnswer { status, headers, body: Bytes::from(body) })
    }

    fn transport_error(&self, method: &Method, path: &str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout { method: method.to_string(), path: path.to_owned(), after: self.config.request_timeout }
        } else {
            Error::Transport { method: method.to_string(), path: path.to_owned(), source: e.without_url() }
        }
    }

    /// The wait before another attempt, or `None` when the outcome is final (success, a refusal
    /// that a retry cannot change, or the policy's bounds reached).
    fn retry_delay(&self, outcome: &Result<RawAnswer, Error>, attempt: u32, started: Instant) -> Option<Duration> {
        let retry_after = match outcome {
            Ok(raw) if is_retryable_status(raw.status) => retry_after(&raw.headers),
            Ok(_) => return None,
            Err(Error::Timeout { .. } | Error::Transport { .. }) => None,
            Err(_) => return None,
        };
        self.config.retry.next_delay(attempt, started.elapsed(), retry_after)
    }
}

/// The bytes sent for a JSON body: gzipped when `gzip` (section 5, «Дополнение»), else as is.
pub(crate) fn encode_body(json: &[u8], gzip: bool) -> Result<Bytes, Error> {
    if gzip {
        let packed = gzip::compress(json).map_err(Error::Gzip)?;
        Ok(Bytes::from(packed))
    } else {
        Ok(Bytes::copy_from_slice(json))
    }
}

/// Decodes the envelope of an answer read with `status` and no headers (the body not gzipped).
pub(crate) fn decode_body(status: u16, body: Bytes) -> Result<Reply, Error> {
    decode_reply(RawAnswer { status, headers: HeaderMap::new(), body })
}

/// 500 (system error), 502/504 (a proxy in front of the gateway) and 503 (maintenance) are worth
/// another attempt; everything else is an answer.
fn is_retryable_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

fn is_gzip(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_ENCODING).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"))
}

fn describe(outcome: &Result<RawAnswer, Error>) -> String {
    match outcome {
        Ok(raw) => format!("HTTP {}", raw.status),
        Err(e) => e.to_string(),
    }
}

fn request_span(method: &Method, path: &str, records: usize) -> tracing::Span {
    tracing::info_span!(
        "vitrina_request",
        method = %method,
        path = %path,
        records,
        status = tracing::field::Empty,
        attempts = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
    )
}

/// The body excerpt for an error, never for `/auth.svc` (its answer holds the token).
fn withheld_or(path: &str, body: &[u8]) -> String {
    if path == AUTH_PATH { "<withheld: answer of /auth.svc>".to_owned() } else { excerpt(body) }
}

/// What an undecodable answer was announced as, when that explains it: a proxy's HTML page or a
/// text answer says so in its `Content-Type`. An answer is never refused over its `Content-Type`
/// alone (the body decides), so this only names it in the error.
pub(crate) fn announced_as(headers: &HeaderMap) -> String {
    match fer_http::content_type::check_json(headers) {
        Ok(()) => String::new(),
        Err(e) => format!(" ({e})"),
    }
}

/// Decodes the envelope of an answer. An empty body gets an envelope made from the status alone.
fn decode_reply(raw: RawAnswer) -> Result<Reply, Error> {
    let retry_after = retry_after(&raw.headers);
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        let ok = (200..300).contains(&raw.status);
        let envelope = VitrinaResponse { is_success: ok, status_code: raw.status, ..VitrinaResponse::ok(Vec::new()) };
        return Ok(Reply { status: raw.status, envelope, retry_after, enveloped: false });
    }
    match fer_model::wire::from_json_slice::<VitrinaResponse<RawResult>>(&raw.body) {
        Ok(envelope) => Ok(Reply { status: raw.status, envelope, retry_after, enveloped: true }),
        // A maintenance page or a proxy's error page is still the status it says.
        Err(_) if raw.status == 503 => Err(Error::Maintenance { retry_after, message: excerpt(&raw.body) }),
        Err(e) => Err(Error::Decode {
            status: raw.status,
            reason: format!("not the envelope: {e}{}", announced_as(&raw.headers)),
            excerpt: excerpt(&raw.body),
        }),
    }
}

/// Decodes the answer of `/auth.svc` (PascalCase, section 6). Only 400, 401 and 403 (or a success
/// without a token) refuse the credentials; any other status (404 for a wrong base URL, 503
/// maintenance, …) becomes the typed error of its status.
fn decode_auth(raw: RawAnswer) -> Result<AuthToken, Error> {
    if !(200..300).contains(&raw.status) && !matches!(raw.status, 400 | 401 | 403) {
        let mut reply = decode_reply(raw)?;
        reply.envelope.result = None;
        return Err(reply.into_error());
    }
    let answer: AuthResponse = match serde_json::from_slice(&raw.body) {
        Ok(a) => a,
        Err(e) if (200..300).contains(&raw.status) => {
            return Err(Error::Decode {
                status: raw.status,
                reason: format!("not an auth answer: {e}{}", announced_as(&raw.headers)),
                excerpt: withheld_or(AUTH_PATH, &raw.body),
            });
        }
        Err(_) => {
            return Err(Error::Auth { status: raw.status, message: "the authorisation service refused".into() });
        }
    };
    match answer.result {
        Some(token) if answer.is_success && (200..300).contains(&raw.status) => Ok(token),
        _ => Err(Error::Auth {
            status: raw.status,
            message: answer.error_message.filter(|m| !m.is_empty()).unwrap_or_else(|| "no token in the answer".into()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawAnswer {
        RawAnswer { status, headers: HeaderMap::new(), body: Bytes::copy_from_slice(body.as_bytes()) }
    }

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/../fixtures/spec/004/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn spec_422_answer_decodes_and_maps_to_duplicates() {
        let reply = decode_reply(raw(422, &fixture("slot_duplicate_time_response.json"))).unwrap();
        assert!(!reply.is_success());
        assert!(matches!(reply.into_error(), Error::Duplicates { .. }));
    }

    #[test]
    fn statuses_map_to_typed_errors() {
        let body = r#"{"isSuccess":false,"error":{"errorCode":"X","errorMessage":"заблокировано"},"statusCode":405}"#;
        assert!(
            matches!(decode_reply(raw(405, body)).unwrap().into_error(), Error::Blocked { message } if message == "заблокировано")
        );
        assert!(matches!(decode_reply(raw(503, "<html>maintenance</html>")), Err(Error::Maintenance { .. })));
        assert!(matches!(
            decode_reply(raw(500, "{\"statusCode\":500}")).unwrap().into_error(),
            Error::Http { status: 500, .. }
        ));
        match decode_reply(raw(200, "not json")) {
            Err(Error::Decode { status: 200, excerpt, .. }) => assert_eq!(excerpt, "not json"),
            other => panic!("{other:?}"),
        }
        // The Content-Type is named when it explains the failure, and never refuses a good answer.
        let mut html = raw(502, "<html>Bad Gateway</html>");
        html.headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        match decode_reply(html) {
            Err(Error::Decode { status: 502, reason, .. }) => assert!(reason.contains("\"text/html\""), "{reason}"),
            other => panic!("{other:?}"),
        }
        let mut text = raw(200, "{\"isSuccess\":true,\"statusCode\":200}");
        text.headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(decode_reply(text).unwrap().is_success());
        let empty = decode_reply(raw(200, "")).unwrap();
        assert!(empty.is_success() && empty.envelope.sended_guids.is_empty());
    }

    #[test]
    fn spec_auth_answer_decodes_and_failures_never_quote_the_body() {
        let token = decode_auth(raw(200, &fixture("auth_response.json"))).unwrap();
        assert!(token.value.expose().starts_with("eyJ"));
        let refused = r#"{"Result":null,"IsSuccess":false,"ErrorMessage":"Неверный пароль","StatusCode":401}"#;
        assert!(
            matches!(decode_auth(raw(401, refused)), Err(Error::Auth { status: 401, message }) if message == "Неверный пароль")
        );
        let garbled = r#"{"Result":{"Value":"secret-token"#;
        let err = decode_auth(raw(200, garbled)).unwrap_err();
        assert!(!err.to_string().contains("secret-token") && !format!("{err:?}").contains("secret-token"));
        let maintenance =
            r#"{"result":null,"isSuccess":false,"error":{"errorCode":"X","errorMessage":"работы"},"statusCode":503}"#;
        assert!(matches!(decode_auth(raw(503, maintenance)), Err(Error::Maintenance { .. })));
    }

    #[test]
    fn retryable_statuses() {
        for s in [500, 502, 503, 504] {
            assert!(is_retryable_status(s));
        }
        for s in [200, 400, 401, 404, 405, 422] {
            assert!(!is_retryable_status(s));
        }
    }
}
