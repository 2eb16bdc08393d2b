//! The gateway side over HTTP, for tests in any language: the calls the EPGU makes through the
//! gateway (section 7), played against the MIS's registered webhook.
//!
//! * `POST /sandbox/book` with a booking request (the body of `/booking/book`);
//! * `POST /sandbox/cancel` with a cancel request (the body of `/booking/cancel`);
//! * `GET /sandbox/journal[?offset=N&limit=M]`: the exchanges kept, oldest first, one page at a
//!   time: at most `limit` entries (and at most
//!   [`JournalLimits::page_entries`](crate::JournalLimits::page_entries), 500, the default) from the
//!   `offset`-th kept one (0, the default). The header `X-Journal-Total` says how many are kept;
//!   read on with `offset` + the page's length until a page is empty. The journal itself is bounded
//!   ([`JournalLimits`](crate::JournalLimits)): the oldest entries go first;
//! * `POST /sandbox/block` and `POST /sandbox/unblock` with `{"id": <mo.id>}`: block a subdivision
//!   as the Vitrina's support does (section «Коды ошибок», 405: «подразделение будет переведено в
//!   статус enabled = NONE»), so that every later write or delete of its rows gets 405, and lift
//!   it; answered `{"id", "blocked"}`;
//! * `GET /sandbox/faults` and `PUT /sandbox/faults`: the fault injection in force, and a new one
//!   (`{"unavailable_ratio", "latency_ms", "drop_ratio", "token_lifetime_secs", "seed"}`, every key
//!   optional, missing ones off), so that tests in any language can drive it.
//!
//! Every body is read under
//! [`sandbox_body_limit`](crate::EmulatorConfig::sandbox_body_limit) (1 MiB by default): a larger
//! one gets 413 `{"error": {"kind": "payload_too_large", ...}}` without being read further.
//!
//! These are the emulator's own control routes, not Vitrina routes: fault injection never applies
//! to them (so no setting locks the operator out). On loopback without a [`sandbox_key`](crate::EmulatorConfig::sandbox_key) they need
//! no token; with one (required beyond loopback) each request needs the key in `X-Sandbox-Key` or a
//! Vitrina token, else 401 `{"error": {"kind": "unauthorized", ...}}`. They answer plain JSON,
//! not the Appendix 2 envelope. A completed exchange answers 200 with
//! `{"webhook", "answer", "applied", "duration_ms"}` (also when the MIS refused: `answer` says
//! why); a failed one answers `{"error": {"kind", "message"}}` with 404 (slot, book, subdivision or
//! webhook not found), 504 (the webhook's 10 seconds ran out), 502 (transport error, HTTP error,
//! an answer over the limit or an invalid answer) or 500.

use std::sync::Arc;

use axum::extract::{FromRequest, Query, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::StatusCode;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::Faults;
use crate::gateway::{self, GatewayError, GatewayOutcome};
use crate::state::Shared;

/// The sandbox routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/sandbox/book", post(book))
        .route("/sandbox/cancel", post(cancel))
        .route("/sandbox/journal", get(journal))
        .route("/sandbox/faults", get(faults).put(set_faults))
        .route("/sandbox/block", post(block))
        .route("/sandbox/unblock", post(unblock))
}

/// The sandbox's error answer, `{"error": {"kind", "message"}}`.
pub(crate) fn error(status: StatusCode, kind: &str, message: String) -> Response {
    (status, Json(json!({"error": {"kind": kind, "message": message}}))).into_response()
}

/// Middleware of every sandbox route: when a
/// [`sandbox_key`](crate::EmulatorConfig::sandbox_key) is set, the request needs it in
/// [`SANDBOX_KEY_HEADER`](crate::SANDBOX_KEY_HEADER) or a valid Vitrina token
/// (`Authorization: Bearer`); else 401 `{"error": {"kind": "unauthorized", ...}}`.
pub(crate) async fn require_access(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(key) = &shared.config.sandbox_key else { return next.run(request).await };
    let headers = request.headers();
    let by_key = headers.get(crate::SANDBOX_KEY_HEADER).is_some_and(|v| same(v.as_bytes(), key.as_bytes()));
    let by_token = || super::auth::bearer(headers).is_some_and(|t| shared.check_token(Some(t)).is_ok());
    if by_key || by_token() {
        return next.run(request).await;
    }
    let message = format!(
        "the sandbox needs the {} header (the emulator's sandbox key) or Authorization: Bearer <token from /auth.svc>",
        crate::SANDBOX_KEY_HEADER
    );
    error(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Compares two byte strings in a time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The body of a sandbox route, read under
/// [`EmulatorConfig::sandbox_body_limit`](crate::EmulatorConfig::sandbox_body_limit) as sent and
/// once gunzipped: 413 (`payload_too_large`) as soon as it is passed, by `Content-Length` before
/// anything is read; 415 for an unknown `Content-Encoding`; 400 for a body that cannot be read.
pub(crate) struct SandboxBody(pub Bytes);

impl FromRequest<Arc<Shared>> for SandboxBody {
    type Rejection = Response;

    async fn from_request(request: Request, shared: &Arc<Shared>) -> Result<Self, Response> {
        let limit = shared.config.sandbox_body_limit;
        let (parts, body) = request.into_parts();
        let limits = fer_http::Limits { compressed: limit, decompressed: limit };
        fer_http::read_body(&parts.headers, body, limits).await.map(SandboxBody).map_err(|e| {
            let status = e.status();
            let kind = match status {
                StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
                StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_encoding",
                _ => "bad_request",
            };
            error(status, kind, e.to_string())
        })
    }
}

fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, "bad_request", e.to_string())))
}

fn answer(result: Result<GatewayOutcome, GatewayError>) -> Response {
    match result {
        Ok(outcome) => (StatusCode::OK, Json(outcome)).into_response(),
        Err(e) => {
            let status = match e {
                GatewayError::SlotNotFound(_)
                | GatewayError::BookNotFound(_)
                | GatewayError::SubdivisionNotFound { .. }
                | GatewayError::NoCallback { .. } => StatusCode::NOT_FOUND,
                GatewayError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                GatewayError::Transport { .. }
                | GatewayError::HttpStatus { .. }
                | GatewayError::AnswerTooLarge { .. }
                | GatewayError::InvalidAnswer { .. } => StatusCode::BAD_GATEWAY,
                GatewayError::State(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, e.kind(), e.to_string())
        }
    }
}

async fn book(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    match parse(&body) {
        Ok(request) => answer(gateway::book(&shared, &request).await),
        Err(response) => *response,
    }
}

async fn cancel(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    match parse(&body) {
        Ok(request) => answer(gateway::cancel(&shared, &request).await),
        Err(response) => *response,
    }
}

/// The query of `GET /sandbox/journal`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PageQuery {
    offset: usize,
    limit: Option<usize>,
}

/// The header of `GET /sandbox/journal` that says how many entries are kept in all.
const JOURNAL_TOTAL: &str = "x-journal-total";

async fn journal(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Query(query) = match query {
        Ok(query) => query,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.body_text()),
    };
    let (page, total) = shared.journal.page_json(query.offset, query.limit);
    let headers = [
        (http::header::CONTENT_TYPE, "application/json".to_owned()),
        (http::HeaderName::from_static(JOURNAL_TOTAL), total.to_string()),
    ];
    (headers, page).into_response()
}

/// The wire form of [`Faults`] on `/sandbox/faults`: durations in milliseconds and seconds.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FaultsWire {
    unavailable_ratio: f64,
    latency_ms: u64,
    drop_ratio: f64,
    token_lifetime_secs: Option<u64>,
    seed: u64,
}

impl From<Faults> for FaultsWire {
    fn from(f: Faults) -> Self {
        FaultsWire {
            unavailable_ratio: f.unavailable_ratio,
            latency_ms: u64::try_from(f.latency.as_millis()).unwrap_or(u64::MAX),
            drop_ratio: f.drop_ratio,
            token_lifetime_secs: f.token_lifetime_override.map(|d| d.as_secs()),
            seed: f.seed,
        }
    }
}

impl TryFrom<FaultsWire> for Faults {
    type Error = String;
    fn try_from(w: FaultsWire) -> Result<Self, String> {
        let faults = Faults {
            unavailable_ratio: w.unavailable_ratio,
            latency: Duration::from_millis(w.latency_ms),
            drop_ratio: w.drop_ratio,
            token_lifetime_override: w.token_lifetime_secs.map(Duration::from_secs),
            seed: w.seed,
        };
        faults.check()?;
        Ok(faults)
    }
}

async fn faults(State(shared): State<Arc<Shared>>) -> Response {
    Json(FaultsWire::from(shared.faults())).into_response()
}

async fn set_faults(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    let wire: FaultsWire = match parse(&body) {
        Ok(wire) => wire,
        Err(response) => return *response,
    };
    match Faults::try_from(wire) {
        Ok(faults) => {
            shared.set_faults(faults);
            Json(FaultsWire::from(shared.faults())).into_response()
        }
        Err(message) => error(StatusCode::BAD_REQUEST, "bad_request", message),
    }
}

/// The body of `/sandbox/block` and `/sandbox/unblock`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockWire {
    id: fer_model::Guid,
}

async fn block(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    set_blocked(&shared, &body, true).await
}

async fn unblock(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    set_blocked(&shared, &body, false).await
}

async fn set_blocked(shared: &Arc<Shared>, body: &[u8], blocked: bool) -> Response {
    let wire: BlockWire = match parse(body) {
        Ok(wire) => wire,
        Err(response) => return *response,
    };
    match shared.write(|store| store.tables.set_blocked(wire.id, blocked)).await {
        Ok(_) => Json(json!({"id": wire.id, "blocked": blocked})).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "state", e.to_string()),
    }
}
