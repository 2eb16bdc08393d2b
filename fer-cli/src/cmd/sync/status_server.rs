//! The sidecar's status server: `GET /status`, the run's state as one JSON object (the object a
//! line of `fer --format json sync` has), and `GET /metrics` (see [`super::metrics`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fer_sync::SyncHandle;

use super::metrics::{self, Answers};
use super::{FolderState, RunStatus, lock};

/// What the status server reads.
#[derive(Clone)]
pub struct Shared {
    /// The engine.
    pub handle: SyncHandle,
    /// The HTTP intake's answers.
    pub answers: Answers,
    /// The folder source's state, when there is one.
    pub folder: Option<Arc<Mutex<FolderState>>>,
    /// The store (its leases, on PostgreSQL).
    pub store: fer_sync::Store,
    /// The store's name in messages (a path, or a URL without its password).
    pub label: PathBuf,
    /// The webhook's counts, when the sidecar serves one.
    pub webhook: Option<fer_webhook::WebhookMetrics>,
}

/// `/status` and `/metrics`.
pub fn router(shared: Shared) -> Router {
    Router::new().route("/status", get(status)).route("/metrics", get(metrics)).with_state(shared)
}

async fn status(State(shared): State<Shared>) -> Response {
    match shared.handle.status().await {
        Ok(status) => {
            let folder = shared.folder.as_ref().map(|f| lock(f).clone());
            Json(RunStatus::new(&status, folder.as_ref())).into_response()
        }
        Err(e) => unavailable(&shared, e),
    }
}

async fn metrics(State(shared): State<Shared>) -> Response {
    let read = async { Ok::<_, fer_sync::SyncError>((shared.handle.status().await?, shared.store.leases().await?)) };
    match read.await {
        Ok((status, leases)) => {
            let text = metrics::encode(&status, &leases, &shared.answers, shared.webhook.as_ref());
            ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
        }
        Err(e) => unavailable(&shared, e),
    }
}

fn unavailable(shared: &Shared, e: fer_sync::SyncError) -> Response {
    tracing::error!(store = %shared.label.display(), error = %e, "status");
    (StatusCode::SERVICE_UNAVAILABLE, format!("the store {} failed: {e}\n", shared.label.display())).into_response()
}
