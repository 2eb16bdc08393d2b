//! Starting an emulator ([`Emulator::spawn`]) and driving a running one ([`EmulatorHandle`]).

use std::net::SocketAddr;
use std::sync::Arc;

use fer_model::{BookingRequest, CancelRequest, Guid, Oid, Record, Table};
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::Shared;
use crate::{EmulatorConfig, EmulatorError, Faults, GatewayError, GatewayOutcome, JournalEntry, gateway, server};

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
        let listener = server::faults::FaultyListener { inner: listener };
        let service = router.into_make_service_with_connect_info::<server::faults::Cut>();
        let task = tokio::spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    // Either an explicit shutdown or a dropped handle stops the server.
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(%local_addr, "fer-emulator listening");
        // The console has a listener of its own: a vendor's client never reaches it by mistake,
        // and fault injection and the journal do not see it.
        let console = match shared.config.console {
            Some(addr) => Some(crate::console::spawn(shared.clone(), addr).await?),
            None => None,
        };
        Ok(EmulatorHandle { shared, local_addr, stop: Some(stop), task: Some(task), console })
    }

    /// The emulator's routes as an axum [`Router`](axum::Router) over a fresh store, without binding
    /// a socket: for mounting the emulator in another server, for in-process tests, and for fuzzing
    /// its request handling (`fuzz/` in the repository). Answers are those of [`Emulator::spawn`]'s
    /// server, with one difference: [`Faults::drop_ratio`] closes the connections of the emulator's
    /// own listener, so it has no effect here (503 answers, latency and early token expiry do
    /// apply).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), fer_emulator::EmulatorError> {
    /// let router = fer_emulator::Emulator::router(fer_emulator::EmulatorConfig::default())?;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    /// let server = tokio::spawn(async move { axum::serve(listener, router).await });
    /// # server.abort();
    /// # Ok(()) }
    /// ```
    pub fn router(config: EmulatorConfig) -> Result<axum::Router, EmulatorError> {
        Ok(server::router(Arc::new(Shared::new(config)?)))
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
    /// The web console's server, when [`EmulatorConfig::console`] asks for one.
    console: Option<crate::console::Server>,
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

    /// The web console's address, `http://127.0.0.1:PORT/`, when
    /// [`EmulatorConfig::console`] asked for one (see [`console`](crate::console)).
    pub fn console_url(&self) -> Option<String> {
        self.console.as_ref().map(|c| format!("http://{}/", c.local_addr))
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

    /// True when the sandbox routes need the
    /// [`sandbox_key`](crate::EmulatorConfig::sandbox_key) (or a Vitrina token).
    pub fn sandbox_key_required(&self) -> bool {
        self.shared.config.sandbox_key.is_some()
    }

    /// The fault settings in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the fault settings (and reseeds their generator) from now on. A token lifetime
    /// override over [`MAX_TOKEN_LIFETIME`](crate::MAX_TOKEN_LIFETIME) is cut to it.
    pub fn set_faults(&self, faults: Faults) {
        self.shared.set_faults(faults);
    }

    /// Blocks (or unblocks) writes to a subdivision, as the Vitrina's support does after many
    /// technical errors: its rows are then answered 405 (the same as `POST /sandbox/block`).
    pub fn set_blocked(&self, subdivision: Guid, blocked: bool) -> Result<(), crate::EmulatorError> {
        self.shared.write_blocking(|store| store.tables.set_blocked(subdivision, blocked)).map(|_| ())
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

    /// When a row became visible as it is now and how often it was written since the start (see
    /// [`Visibility`](crate::Visibility)): change → visible latency is `changed_at` minus the time
    /// the MIS made the change. `None` for a row no one wrote since the emulator started.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use fer_model::{Guid, Table};
    /// let emulator = fer_emulator::Emulator::spawn(Default::default()).await?;
    /// let id = Guid::new_v4();
    /// assert!(emulator.visibility(Table::Slot, &id).is_none());
    /// assert_eq!(emulator.repeated_writes(), 0);
    /// # Ok(()) }
    /// ```
    pub fn visibility(&self, table: Table, id: &Guid) -> Option<crate::Visibility> {
        self.shared.read(|s| s.tables.visibility(table, id))
    }

    /// Accepted writes since the start that changed nothing (the row already held that content):
    /// the records a peer sent twice.
    pub fn repeated_writes(&self) -> u64 {
        self.shared.read(|s| s.tables.repeated_writes())
    }

    /// Every exchange kept, oldest first: at most
    /// [`JournalLimits::max_entries`](crate::JournalLimits::max_entries) entries weighing at most
    /// [`JournalLimits::max_bytes`](crate::JournalLimits::max_bytes), each cut to its limits.
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

    /// Stops accepting connections, lets answers in progress finish for at most
    /// [`EmulatorConfig::shutdown_grace`], and returns when the server has stopped or the grace
    /// has run out: a half-sent request does not hold it. A connection still open then is left
    /// to end with its peer, or with the runtime (the `fer-emulator` program exits).
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(console) = self.console.take() {
            console.shutdown(self.shared.config.shutdown_grace).await;
        }
        if let Some(mut task) = self.task.take() {
            match tokio::time::timeout(self.shared.config.shutdown_grace, &mut task).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => tracing::error!(error = %e, "fer-emulator stopped with an error"),
                Ok(Err(e)) => tracing::error!(error = %e, "fer-emulator task failed"),
                Err(_) => {
                    task.abort();
                    tracing::warn!(
                        grace_ms = self.shared.config.shutdown_grace.as_millis() as u64,
                        "fer-emulator stopped with connections still open after the shutdown grace"
                    );
                }
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
