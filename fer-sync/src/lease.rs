//! The leases of one engine instance on a shared (PostgreSQL) store: which partitions it pushes,
//! renewed by a heartbeat beside the push loop, and the outbox's notifications that wake it.

use std::sync::Mutex;
use std::time::Duration;

use crate::store::{Fence, Store};
use crate::{SyncConfig, SyncError};

/// The leases this instance holds.
pub(crate) struct Leases {
    instance: String,
    ttl: Duration,
    held: Mutex<Vec<(String, i64)>>,
}

/// `fer-sync-<pid>-<nanoseconds>`: unique among the instances of one machine and, in practice,
/// of a region.
pub(crate) fn default_instance() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("fer-sync-{}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff)
}

impl Leases {
    pub(crate) fn new(instance: String, config: &SyncConfig) -> Leases {
        Leases { instance, ttl: config.lease_ttl, held: Mutex::default() }
    }

    pub(crate) fn instance(&self) -> &str {
        &self.instance
    }

    /// How often the heartbeat runs: five times a lease's lifetime.
    pub(crate) fn heartbeat(&self) -> Duration {
        (self.ttl / 5).max(Duration::from_millis(50))
    }

    /// One round (see `PgStore::lease_round`); answers the fence of what is held afterwards.
    pub(crate) async fn round(&self, store: &Store, release: bool) -> Result<Fence, SyncError> {
        let held = store.lease_round(&self.instance, self.ttl, release).await?;
        let mut mine = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *mine != held {
            tracing::info!(instance = %self.instance, partitions = held.len(), "leases changed");
        }
        mine.clone_from(&held);
        Ok(Fence { instance: self.instance.clone(), leases: held })
    }

    pub(crate) async fn release_all(&self, store: &Store) -> Result<(), SyncError> {
        store.release_all(&self.instance).await?;
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        Ok(())
    }
}

/// Aborts the background tasks when dropped.
pub(crate) struct Background(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Starts the heartbeat of `leases` (renewal and acquisition; releases happen between cycles) and,
/// on PostgreSQL, a listener that calls `wake` at every notification of an intake by another
/// instance or process and, with `outbox`, of the MIS outbox.
pub(crate) fn background(
    store: &Store,
    leases: Option<&Leases>,
    outbox: bool,
    wake: impl Fn() + Send + Sync + 'static,
) -> Background {
    let mut tasks = Vec::new();
    if let Some(leases) = leases {
        let (store, instance, ttl, every) = (store.clone(), leases.instance.clone(), leases.ttl, leases.heartbeat());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = store.lease_round(&instance, ttl, false).await {
                    tracing::warn!(error = %e, "lease heartbeat failed");
                }
            }
        }));
    }
    #[cfg(feature = "postgres")]
    if let Some(pg) = store.postgres().cloned() {
        tasks.push(tokio::spawn(async move {
            loop {
                match pg.listen(outbox).await {
                    Ok(mut listener) => loop {
                        match listener.recv().await {
                            Ok(_) => wake(),
                            Err(e) => {
                                tracing::debug!(error = %e, "outbox listener lost its connection");
                                break;
                            }
                        }
                    },
                    Err(e) => tracing::debug!(error = %e, "outbox listener could not connect"),
                }
                // The loop polls at every tick anyway: a listener is only a quicker wake.
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    #[cfg(not(feature = "postgres"))]
    let _ = (outbox, wake);
    Background(tasks)
}
