//! Setting up the portal over HTTP, for tests in any language (the emulator's own control routes:
//! no token, plain JSON):
//!
//! * `POST /sandbox/portal/lpu` with a [`PortalLpuSetup`]: the portal serves this subdivision of
//!   the Vitrina (push it with `POST /api/mo` first) under its МКОД; answers 200 with the setup, or
//!   404 when the subdivision is not on the Vitrina;
//! * `POST /sandbox/portal/patient` with a [`PortalPatientSetup`]: registers a patient and answers
//!   200 with [`PortalPatientTokens`], one bearer token per kind (RPGU, LPU, COD, local MIS).
//!
//! A body that does not parse answers 400 `{"error": {"kind": "bad_request", "message"}}`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http::StatusCode;

use super::lock_portal;
use crate::server::sandbox::{SandboxBody, error};
use crate::state::Shared;
use crate::store::portal::{PortalLpuSetup, PortalPatientSetup, SetupError};

/// The portal's sandbox routes.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new().route("/sandbox/portal/lpu", post(lpu)).route("/sandbox/portal/patient", post(patient))
}

async fn lpu(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    let setup: PortalLpuSetup = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    let result = shared.read(|store| lock_portal(&shared).register_lpu(&store.tables, setup.clone()));
    match result {
        Ok(()) => Json(setup).into_response(),
        Err(e @ SetupError::NoSubdivision(_)) => error(StatusCode::NOT_FOUND, "subdivision_not_found", e.to_string()),
        Err(e @ SetupError::BlankMcod) => error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    }
}

async fn patient(State(shared): State<Arc<Shared>>, SandboxBody(body): SandboxBody) -> Response {
    let setup: PortalPatientSetup = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()),
    };
    let tokens = lock_portal(&shared).register_patient(setup, shared.config.token_lifetime);
    Json(tokens).into_response()
}
