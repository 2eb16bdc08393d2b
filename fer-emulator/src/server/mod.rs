//! The HTTP server: the Vitrina routes (`/auth.svc`, `/api/...`, registered from
//! [`fer_model::endpoint`] by `routes`) and the gateway's sandbox routes (`/sandbox/...`),
//! assembled into one axum router.
//!
//! Layers of the Vitrina routes, outermost first: the journal, fault injection, then (for `/api/...`)
//! the token check. Every Vitrina answer, errors included, is the Appendix 2 envelope; unknown
//! addresses (e.g. a table that does not exist) get 404 and a known address with the wrong method
//! 405, both enveloped.

pub(crate) mod auth;
pub(crate) mod body;
pub(crate) mod callback;
pub(crate) mod envelope;
pub(crate) mod faults;
pub(crate) mod lists;
pub(crate) mod openapi;
pub(crate) mod params;
pub(crate) mod portal;
pub(crate) mod routes;
pub(crate) mod sandbox;
pub(crate) mod tables;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use bytes::Bytes;
use chrono::Utc;
use http::header::CONTENT_LENGTH;
use serde_json::Value;

use crate::codes;
use crate::journal::{Direction, Exchange, redact};
use crate::state::Shared;

/// The whole router of one emulator.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let routes = routes::vitrina();
    let api = routes
        .bearer
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(middleware::from_fn_with_state(shared.clone(), auth::require_token));
    let vitrina = routes
        .open
        .merge(api)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(shared.clone(), faults::inject))
        .layer(middleware::from_fn_with_state(shared.clone(), journal));
    Router::new()
        .merge(sandbox::routes().route_layer(middleware::from_fn_with_state(shared.clone(), sandbox::require_access)))
        .route("/openapi.json", get(openapi::document))
        .merge(portal::routes(shared.clone()))
        .merge(vitrina)
        // Every body is read under a configured limit by `body::read` (Vitrina and portal routes)
        // or `sandbox::SandboxBody` (the sandbox), which answer 413 themselves; axum's own limit
        // applies to no route today and stays a net for an extractor added later.
        .layer(DefaultBodyLimit::max(shared.config.sandbox_body_limit))
        .with_state(shared)
}

async fn not_found(request: Request) -> Response {
    envelope::failure(404, codes::NOT_FOUND, format!("Адрес {} не найден", request.uri().path()))
}

async fn method_not_allowed(request: Request) -> Response {
    envelope::failure(
        405,
        codes::METHOD_NOT_ALLOWED,
        format!("Метод {} не поддерживается для {}", request.method(), request.uri().path()),
    )
}

/// Middleware: journals every Vitrina call: method, path and query, status, timing, request size and
/// the answer (secrets redacted). Request bodies are not kept (they can be megabytes), nor the token.
async fn journal(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let at = Utc::now();
    let started = Instant::now();
    let method = request.method().to_string();
    let url = request.uri().path_and_query().map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let request_bytes =
        request.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or(0);
    let (parts, body) = next.run(request).await.into_parts();
    let dropped = parts.extensions.get::<faults::Dropped>().is_some();
    // Answers are envelopes built in memory: buffering them costs nothing. Large ones (long lists)
    // are journaled as a size note only.
    let (bytes, response_body) = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) if bytes.len() <= JOURNALED_ANSWER_LIMIT => (bytes.clone(), Some(redact(&bytes))),
        Ok(bytes) => (bytes.clone(), Some(Value::String(format!("<{} bytes>", bytes.len())))),
        Err(e) => (Bytes::new(), Some(Value::String(format!("<answer not readable: {e}>")))),
    };
    shared.journal.record(Exchange {
        at,
        direction: Direction::Inbound,
        method,
        url,
        status: (!dropped).then_some(parts.status.as_u16()),
        duration: started.elapsed(),
        request_bytes,
        request_body: None,
        response_body: if dropped { None } else { response_body },
        error: dropped.then(|| "fault injection: connection closed without an answer".to_owned()),
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// The largest Vitrina answer the journal keeps in full.
const JOURNALED_ANSWER_LIMIT: usize = 64 * 1024;
