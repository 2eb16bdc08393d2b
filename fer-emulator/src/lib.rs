//! A local double of the FER 2.0 data showcase «Витрина данных "Запись к врачу"» and of the FER
//! gateway, over real HTTP, for vendors' tests.
//!
//! The real test contour lives in a closed network. This crate serves what the spec (seed 004, the
//! Vitrina integration profile) says the Vitrina and the gateway do, so that a medical information
//! system (MIS) and its webhook can be tested over loopback:
//!
//! * **Vitrina side**: `POST /auth.svc` (section 6); for each of the eight tables of Appendix 1
//!   `POST /api/<table>` (batch upsert, gzip or plain), `GET /api/<table>?id=` and
//!   `DELETE /api/<table>?id=` (cascades of section 3.1.5); the list endpoints; webhook registration
//!   `/api/callback` (section 10). Every answer is the Appendix 2 envelope.
//! * **Gateway side**: [`EmulatorHandle::book`] / [`EmulatorHandle::cancel`] (and
//!   `POST /sandbox/book`, `POST /sandbox/cancel`) call the registered webhook as the EPGU does
//!   through the gateway (section 7), within 10 seconds, check the answer, and apply UC-1 / UC-1.1
//!   to the store. `GET /sandbox/journal` ([`EmulatorHandle::journal`]) shows every exchange.
//! * **Fault injection** ([`Faults`]): 503 answers, latency, dropped connections, tokens that
//!   expire early; deterministic from a seed.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fer_emulator::EmulatorError> {
//! use fer_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
//! println!("Vitrina at {}, user {}", emulator.base_url(), emulator.username());
//! // ... point the client under test at emulator.base_url() ...
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Decisions where the spec is silent
//!
//! These are our reading (NOTES.md and the spec), chosen so that what passes here passes on the
//! Vitrina; each is covered by a test in `tests/`.
//!
//! * **Format check**: each POST body is checked by [`fer_validate::validate_raw`] (after
//!   gunzipping) and each record is then parsed into its fer-model type. Records are decided one by
//!   one: the answer accounts for every record, accepted ids in `sendedGuids`, refused ones in
//!   `errors` with their id, code and message. Accepted records are stored even when others are
//!   refused (partial success, as the spec shows for 422). The status is that of the gravest refusal:
//!   400 (format, or an active book whose slot is not RECORDED) over 405 (blocked subdivision) over 422
//!   (R-310 / R-330); 200 when all were accepted. A body that is not JSON or not a `{"data": [...]}`
//!   batch (a bare array is accepted) is refused whole with 400.
//! * **Duplicates**: R-310 for an id repeated inside a request (the first copy is accepted, as in
//!   the spec's example); R-330 for a slot with the `resource_id` + `visit_time` of another slot, and
//!   for a subdivision with the `name` of another subdivision of the same MO (`parent_id`). Sending
//!   an existing id again replaces the record (idempotent upsert).
//! * **405**: rows of a subdivision whose `enabled` is NONE are refused. The subdivision row itself
//!   is always accepted, so that a test can block and unblock it.
//! * **Auth**: `Authorization: Bearer <token>` on every `/api/...` call; missing, unknown and expired
//!   tokens get 401 with the envelope. Tokens are not kept across restarts.
//! * **Limits**: a body over `body_limit` gets 413, a gzip body that inflates over
//!   `decompressed_limit` (a gzip bomb) 413 without being inflated further, a `Content-Encoding`
//!   other than gzip or identity 415, a body marked gzip that is not gzip 400.
//! * **Codes** where the spec names none are in [`codes`].
//! * **Callbacks**: see the `/api/callback` table in the README; registration probes
//!   `GET <address>/booking/book` and needs 200.
//!
//! See the README for a curl session.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codes;
mod config;
mod error;
mod gateway;
mod journal;
mod server;
mod state;
mod store;

use std::net::SocketAddr;
use std::sync::Arc;

use fer_model::{BookingRequest, CancelRequest, Guid, Oid, Record, Table};
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{DEFAULT_PASSWORD, DEFAULT_USERNAME, EmulatorConfig, Faults};
pub use error::EmulatorError;
pub use gateway::{GatewayAnswer, GatewayError, GatewayOutcome, StoreChange};
pub use journal::{Direction, JOURNAL_CAPACITY, JournalEntry};

use crate::state::Shared;

/// Starts emulators. See [`Emulator::spawn`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Emulator;

impl Emulator {
    /// Binds `config.listen`, loads the state file if one is configured, and serves in the
    /// background until [`EmulatorHandle::shutdown`] (or until the handle is dropped).
    pub async fn spawn(config: EmulatorConfig) -> Result<EmulatorHandle, EmulatorError> {
        let addr = config.listen;
        let shared = Arc::new(Shared::new(config)?);
        let listener =
            tokio::net::TcpListener::bind(addr).await.map_err(|source| EmulatorError::Bind { addr, source })?;
        let local_addr = listener.local_addr().map_err(|source| EmulatorError::Bind { addr, source })?;
        let router = server::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let listener = server::faults::FaultyListener { inner: listener, shared: shared.clone() };
        let task = tokio::spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    // Either an explicit shutdown or a dropped handle stops the server.
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%local_addr, "fer-emulator listening");
        Ok(EmulatorHandle { shared, local_addr, stop: Some(stop), task: Some(task) })
    }
}

/// A running emulator: its address, its credentials, and the gateway side as library calls.
///
/// Dropping the handle stops the server too; [`EmulatorHandle::shutdown`] also waits until it has
/// stopped.
pub struct EmulatorHandle {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle").field("base_url", &self.base_url()).finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// The address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The MO OID accepted by `POST /auth.svc`.
    pub fn username(&self) -> &Oid {
        &self.shared.config.username
    }

    /// The password accepted by `POST /auth.svc`.
    pub fn password(&self) -> &str {
        &self.shared.config.password
    }

    /// Replaces the fault settings (and reseeds their generator) from now on.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// The number of rows of a table.
    pub fn count(&self, table: Table) -> usize {
        self.shared.read(|s| s.tables.count(table))
    }

    /// A row of a table, by id, as the Vitrina holds it.
    pub fn get<T: Record + DeserializeOwned>(&self, id: &Guid) -> Option<T> {
        let json = self.shared.read(|s| s.tables.get_json(T::TABLE, id))?;
        serde_json::from_value(json).ok()
    }

    /// Every exchange so far, oldest first (at most [`JOURNAL_CAPACITY`]).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.shared.journal.entries()
    }

    /// Plays the EPGU booking a slot through the gateway (UC-1): calls the webhook registered for
    /// the slot's subdivision or MO and, on a confirmation, sets the slot RECORDED and writes the
    /// book (5000, `id = book_ext_id`).
    pub async fn book(&self, request: &BookingRequest) -> Result<GatewayOutcome, GatewayError> {
        gateway::book(&self.shared, request).await
    }

    /// Plays the EPGU cancelling a booking through the gateway (UC-1.1): calls the webhook and, on
    /// success, sets the slot AVAILABLE and the book 5010.
    pub async fn cancel(&self, request: &CancelRequest) -> Result<GatewayOutcome, GatewayError> {
        gateway::cancel(&self.shared, request).await
    }

    /// Stops accepting connections, lets answers in progress finish, and waits for the server to
    /// stop.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "fer-emulator stopped with an error"),
                Err(e) => tracing::error!(error = %e, "fer-emulator task failed"),
            }
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
