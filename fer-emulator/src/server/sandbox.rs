//! The gateway side over HTTP, for tests in any language: the calls the EPGU makes through the
//! gateway (section 7), played against the MIS's registered webhook.
//!
//! * `POST /sandbox/book` with a booking request (the body of `/booking/book`);
//! * `POST /sandbox/cancel` with a cancel request (the body of `/booking/cancel`);
//! * `GET /sandbox/journal`: every exchange so far, oldest first.
//!
//! These are the emulator's own control routes, not Vitrina routes: they need no token and answer
//! plain JSON, not the Appendix 2 envelope. A completed exchange answers 200 with
//! `{"webhook", "answer", "applied", "duration_ms"}` (also when the MIS refused: `answer` says
//! why); a failed one answers `{"error": {"kind", "message"}}` with 404 (slot, book, subdivision or
//! webhook not found), 504 (the webhook's 10 seconds ran out), 502 (transport error, HTTP error or
//! invalid answer) or 500.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::gateway::{self, GatewayError, GatewayOutcome};
use crate::state::Shared;

/// The sandbox routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/sandbox/book", post(book))
        .route("/sandbox/cancel", post(cancel))
        .route("/sandbox/journal", get(journal))
}

fn error(status: StatusCode, kind: &str, message: String) -> Response {
    (status, Json(json!({"error": {"kind": kind, "message": message}}))).into_response()
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
                | GatewayError::InvalidAnswer { .. } => StatusCode::BAD_GATEWAY,
                GatewayError::State(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, e.kind(), e.to_string())
        }
    }
}

async fn book(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse(&body) {
        Ok(request) => answer(gateway::book(&shared, &request).await),
        Err(response) => *response,
    }
}

async fn cancel(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    match parse(&body) {
        Ok(request) => answer(gateway::cancel(&shared, &request).await),
        Err(response) => *response,
    }
}

async fn journal(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.journal.entries()).into_response()
}
