//! The durable outbox: one row per record with what the MIS wants on the Vitrina and what the
//! Vitrina holds, so that every change survives a crash between intake and send. Two backends
//! with the same schema and the same engine: a SQLite file ([`Store::open`], the default) and,
//! with the `postgres` feature, a PostgreSQL database ([`Store::connect`]) that several engine
//! instances share under leases.

use std::str::FromStr;

use fer_model::{Guid, Table};

use crate::SyncError;
use crate::entry::Entry;

#[cfg(feature = "postgres")]
pub(crate) mod postgres;
mod sqlite;

#[cfg(feature = "postgres")]
pub use postgres::{Lease, OutboxDrain, OutboxRejection, ParkedChange};

/// The store of one engine: a SQLite file, or (feature `postgres`) a PostgreSQL database shared by
/// several engine instances. Cheap to clone (connection pools).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(sqlite::SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgStore),
}

/// Runs `$e` on the backend of `$self`, bound to `$s`.
macro_rules! backend {
    ($self:expr, $s:ident => $e:expr) => {
        match &$self.backend {
            Backend::Sqlite($s) => $e,
            #[cfg(feature = "postgres")]
            Backend::Postgres($s) => $e,
        }
    };
}

/// The leases one instance holds: `(partition, fencing token)`. What it sends and acknowledges is
/// checked against them in the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Fence {
    pub instance: String,
    pub leases: Vec<(String, i64)>,
}

impl Fence {
    /// The partitions of the leases.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub fn parts(&self) -> Vec<String> {
        self.leases.iter().map(|(p, _)| p.clone()).collect()
    }
}

impl Store {
    /// Opens (and creates when missing) the SQLite store at `path`, and brings its schema up to
    /// date.
    pub async fn open(path: impl AsRef<std::path::Path>) -> Result<Store, SyncError> {
        Ok(Store { backend: Backend::Sqlite(sqlite::SqliteStore::open(path).await?) })
    }

    /// Connects to the PostgreSQL database at `url` (e.g.
    /// `postgres://fer@db.example/mis?host=/run/postgresql`), creates the `fer_sync` schema when
    /// missing and brings it up to date (the migrations are embedded; instances starting together
    /// run them one at a time). See [PostgreSQL](crate#postgresql).
    #[cfg(feature = "postgres")]
    pub async fn connect(url: &str) -> Result<Store, SyncError> {
        Ok(Store { backend: Backend::Postgres(postgres::PgStore::connect(url).await?) })
    }

    /// Whether several engine instances may share this store (PostgreSQL): the engine then pushes
    /// only the partitions it holds a lease on.
    pub(crate) fn shared(&self) -> bool {
        !matches!(self.backend, Backend::Sqlite(_))
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(&self) -> Option<&postgres::PgStore> {
        match &self.backend {
            Backend::Postgres(pg) => Some(pg),
            Backend::Sqlite(_) => None,
        }
    }

    /// One lease round of `instance` (see the PostgreSQL store); nothing on SQLite.
    pub(crate) async fn lease_round(
        &self,
        instance: &str,
        ttl: std::time::Duration,
        release: bool,
    ) -> Result<Vec<(String, i64)>, SyncError> {
        match &self.backend {
            Backend::Sqlite(_) => {
                let _ = (instance, ttl, release);
                Ok(Vec::new())
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.lease_round(instance, ttl, release).await,
        }
    }

    /// The time left (ms) on each lease of `fence` still held with its token.
    pub(crate) async fn lease_left(&self, fence: &Fence) -> Result<std::collections::HashMap<String, i64>, SyncError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(fence.leases.iter().map(|(p, _)| (p.clone(), i64::MAX / 2)).collect()),
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.lease_left(fence).await,
        }
    }

    /// Gives up the leases and the heartbeat of `instance`.
    pub(crate) async fn release_all(&self, instance: &str) -> Result<(), SyncError> {
        match &self.backend {
            Backend::Sqlite(_) => {
                let _ = instance;
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.release_all(instance).await,
        }
    }

    pub(crate) async fn intake(&self, entries: Entries<'_>, now_ms: i64) -> Result<IntakeCounts, SyncError> {
        backend!(self, s => s.intake(entries, now_ms).await)
    }

    pub(crate) async fn delete(&self, table: Table, ids: &[Guid], now_ms: i64) -> Result<IntakeCounts, SyncError> {
        backend!(self, s => s.delete(table, ids, now_ms).await)
    }

    pub(crate) async fn snapshot(
        &self,
        scope: Scope,
        entries: Entries<'_>,
        now_ms: i64,
    ) -> Result<IntakeCounts, SyncError> {
        backend!(self, s => s.snapshot(scope, entries, now_ms).await)
    }

    pub(crate) async fn route(&self) -> Result<(), SyncError> {
        backend!(self, s => s.route().await)
    }

    /// The due rows of `org`; on a shared store only those of the partitions of `fence`.
    pub(crate) async fn due(
        &self,
        org: &str,
        unrouted: bool,
        now_ms: i64,
        limit: usize,
        fence: Option<&Fence>,
    ) -> Result<Vec<PendingRow>, SyncError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let _ = fence;
                s.due(org, unrouted, now_ms, limit).await
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.due(org, unrouted, now_ms, limit, fence).await,
        }
    }

    pub(crate) async fn next_due_ms(&self) -> Result<Option<i64>, SyncError> {
        backend!(self, s => s.next_due_ms().await)
    }

    pub(crate) async fn mark_in_flight(&self, rows: &[&PendingRow], fence: Option<&Fence>) -> Result<(), SyncError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let _ = fence;
                s.mark_in_flight(rows).await
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.mark_in_flight(rows, fence).await,
        }
    }

    /// Applies the outcomes of one cycle; on a shared store only those of records whose partition
    /// `fence` still holds (the others are someone else's now).
    pub(crate) async fn settle(&self, outcomes: &[Settlement], fence: Option<&Fence>) -> Result<(), SyncError> {
        match &self.backend {
            Backend::Sqlite(s) => {
                let _ = fence;
                s.settle(outcomes).await
            }
            #[cfg(feature = "postgres")]
            Backend::Postgres(s) => s.settle(outcomes, fence).await,
        }
    }

    pub(crate) async fn backlog(&self) -> Result<Vec<BacklogRow>, SyncError> {
        backend!(self, s => s.backlog().await)
    }

    pub(crate) async fn parked(&self, limit: usize) -> Result<Vec<crate::ParkedRecord>, SyncError> {
        backend!(self, s => s.parked(limit).await)
    }

    /// Parked records per refusal code (all of them, where [`Store::parked`] lists the first few).
    pub(crate) async fn parked_codes(&self) -> Result<Vec<crate::ParkedCount>, SyncError> {
        backend!(self, s => s.parked_codes().await)
    }

    pub(crate) async fn late_slots(&self, older_than_ms: i64) -> Result<u64, SyncError> {
        backend!(self, s => s.late_slots(older_than_ms).await)
    }

    /// The record the store wants on the Vitrina for `table`/`id`: `Some(None)` for a delete,
    /// `None` when the store has no such record.
    pub async fn desired(&self, table: Table, id: &Guid) -> Result<Option<Option<String>>, SyncError> {
        backend!(self, s => s.desired(table, id).await)
    }

    pub(crate) async fn rows_of(&self, org: &str, unrouted: bool) -> Result<Vec<StoredRow>, SyncError> {
        backend!(self, s => s.rows_of(org, unrouted).await)
    }

    pub(crate) async fn repair(&self, repairs: &[Repair]) -> Result<(), SyncError> {
        backend!(self, s => s.repair(repairs).await)
    }

    pub(crate) async fn adopt(&self, entries: Entries<'_>, now_ms: i64) -> Result<(), SyncError> {
        backend!(self, s => s.adopt(entries, now_ms).await)
    }

    /// What the store alone tells, without an engine and without connecting anywhere (for a
    /// status command run beside, or instead of, the engine): per organisation and table the
    /// backlog, the parked records and the age of the oldest unsent change; the parked records
    /// (the first 100) with their reasons; the slots waiting longer than the default freshness
    /// window of 30 seconds. The figures a running engine keeps in memory are absent: latencies
    /// are empty, `failing` and `last_reconciliation` are `None`, `consecutive_failures` is 0 (see
    /// [`SyncHandle::status`](crate::SyncHandle::status) for those). Records not yet routed to an
    /// organisation are under `organisation: None`.
    pub async fn status(&self) -> Result<crate::SyncStatus, SyncError> {
        let now = now_ms();
        let mut organisations: Vec<crate::OrganisationStatus> = Vec::new();
        for row in self.backlog().await? {
            let at = organisations.iter().position(|o| o.organisation == row.org).unwrap_or_else(|| {
                organisations.push(crate::OrganisationStatus {
                    organisation: row.org.clone(),
                    failing: None,
                    consecutive_failures: 0,
                    tables: Vec::new(),
                });
                organisations.len() - 1
            });
            let mut table = crate::TableStatus::empty(row.table);
            table.add(&row, now);
            organisations[at].tables.push(table);
        }
        for o in &mut organisations {
            o.tables.sort_by_key(|t| Table::LOAD_ORDER.iter().position(|l| *l == t.table));
        }
        let parked = self.parked(100).await?;
        let parked_by_code = self.parked_codes().await?;
        let window = crate::SyncConfig::default().freshness.as_millis() as i64;
        let late_slots = self.late_slots(now - window).await?;
        Ok(crate::SyncStatus { organisations, parked, parked_by_code, late_slots, last_reconciliation: None })
    }

    /// Moves up to `limit` committed changes from the MIS outbox (`fer_sync.outbox`, written by
    /// `fer_sync.enqueue` in the MIS's transactions) into the store, in one transaction (see
    /// [The MIS outbox](crate#the-mis-outbox)). An engine built with
    /// [`SyncEngineBuilder::outbox`](crate::SyncEngineBuilder::outbox) calls it itself.
    #[cfg(feature = "postgres")]
    pub async fn drain_outbox(&self, limit: usize) -> Result<OutboxDrain, SyncError> {
        match &self.backend {
            Backend::Postgres(s) => s.drain_outbox(limit).await,
            Backend::Sqlite(_) => Err(SyncError::NotPostgres("the MIS outbox")),
        }
    }

    /// The changes of the MIS outbox that were parked (the first `limit`, oldest first), with
    /// their reasons.
    #[cfg(feature = "postgres")]
    pub async fn outbox_parked(&self, limit: usize) -> Result<Vec<ParkedChange>, SyncError> {
        match &self.backend {
            Backend::Postgres(s) => s.outbox_parked(limit).await,
            Backend::Sqlite(_) => Err(SyncError::NotPostgres("the MIS outbox")),
        }
    }

    /// The leases of the partitions (subdivisions; `""` for the records not routed yet): who
    /// holds each, its fencing token and the time left, by the database's clock. Empty on SQLite.
    #[cfg(feature = "postgres")]
    pub async fn leases(&self) -> Result<Vec<Lease>, SyncError> {
        match &self.backend {
            Backend::Postgres(s) => s.leases().await,
            Backend::Sqlite(_) => Ok(Vec::new()),
        }
    }

    /// Closes the connection pools, waiting for the connections to finish.
    pub async fn close(&self) {
        backend!(self, s => s.close().await)
    }
}

/// A pending record as the push loop reads it.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    pub table: Table,
    pub id: String,
    pub desired: Option<String>,
    pub desired_hash: Option<i64>,
    pub parents: String,
    pub attempts: u32,
    pub pending_since_ms: i64,
    /// The partition (subdivision) of the record, `""` while it is not routed; always `""` on
    /// SQLite.
    pub part: String,
}

/// What one intake call changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntakeCounts {
    /// Records whose content changed (now pending, or no longer pending because they are back to
    /// what the Vitrina holds).
    pub changed: u64,
    /// Records handed over with the content the store already wanted: nothing to do.
    pub unchanged: u64,
    /// Records of the scope that the snapshot did not contain: now pending deletes.
    pub deleted: u64,
}

/// Which records a snapshot is the complete set of: the ones of the scope that it does not contain
/// become deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// Every record of every table the engine pushes.
    Region,
    /// The records of one subdivision (`mo.id`): the subdivision itself and everything under it.
    Subdivision(Guid),
    /// The schedule of one resource over a range of days (both included): its slots whose
    /// `visit_time` falls on one of the days, the books of those slots, and its unavailability
    /// periods that begin on one of them. What an MIS hands over when it regenerates a doctor's
    /// fortnight: the resource itself, its services and the slots outside the range are not
    /// touched. The records are looked up under the resource's subdivision (the Vitrina requires
    /// a slot's `mo_id` to be its resource's), so a resource the store does not hold has only its
    /// not yet routed records in the scope.
    Schedule {
        /// The resource (`resource.id`).
        resource: Guid,
        /// The first day.
        from: chrono::NaiveDate,
        /// The last day.
        to: chrono::NaiveDate,
    },
}

/// The outcome of one record in a cycle.
#[derive(Debug, Clone)]
pub(crate) enum Settlement {
    Accepted {
        table: Table,
        id: String,
        sent_hash: Option<i64>,
    },
    Refused {
        table: Table,
        id: String,
        tried_hash: Option<i64>,
        code: String,
        message: String,
        park: bool,
        next_try_ms: i64,
    },
}

/// A stored record, as reconciliation compares it.
#[derive(Debug, Clone)]
pub(crate) struct StoredRow {
    pub table: Table,
    pub id: String,
    pub desired: Option<String>,
    pub desired_hash: Option<i64>,
    pub sent_hash: Option<i64>,
    pub route_id: Option<String>,
}

/// What reconciliation saw of one record.
#[derive(Debug, Clone)]
pub(crate) struct Repair {
    pub table: Table,
    pub id: String,
    pub org: String,
    pub vitrina_hash: Option<i64>,
}

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// One line of [`Store::backlog`].
#[derive(Debug, Clone)]
pub(crate) struct BacklogRow {
    pub org: Option<String>,
    pub table: Table,
    pub pending: u64,
    pub parked: u64,
    pub in_doubt: u64,
    pub oldest_ms: Option<i64>,
}

fn parse_table(s: &str) -> Result<Table, SyncError> {
    Table::from_str(s).map_err(|_| SyncError::Corrupt { what: "the table", value: s.to_owned() })
}

/// Records on their way into the store, encoded as they are pulled: the records of the next
/// statement are encoded while SQLite writes the current one.
pub(crate) type Entries<'a> = Box<dyn Iterator<Item = Result<Entry, SyncError>> + Send + 'a>;
