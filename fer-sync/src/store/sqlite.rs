//! The durable outbox on SQLite: one row per record with what the MIS wants on the Vitrina and
//! what the Vitrina holds, so that every change survives a crash between intake and send.
//!
//! Writers take the database with `BEGIN IMMEDIATE` (no writer is upgraded half-way and refused
//! with "database is locked") on one writer connection, the journal is WAL (readers never wait
//! for the writer) and is checkpointed in the background, and intake writes hundreds of rows per
//! statement while it encodes the next ones.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use fer_model::{Guid, Table};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection as _, QueryBuilder, Row, Sqlite, SqlitePool};

use super::{BacklogRow, Entries, IntakeCounts, PendingRow, Repair, Scope, Settlement, StoredRow, now_ms, parse_table};
use crate::SyncError;
use crate::entry::{Entry, UNKNOWN_PRESENCE};

/// Rows per multi-row statement: 12 values a row stays far below SQLite's limit of 32,766.
const ROWS_PER_STATEMENT: usize = 500;

/// The migrations, embedded: a store is brought up to date when it is opened.
fn migrator() -> Migrator {
    let migration = |version, name, sql| {
        Migration::new(version, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
    };
    Migrator {
        migrations: Cow::Owned(vec![
            migration(1, "outbox", include_str!("../../migrations/0001_outbox.sql")),
            migration(2, "schedule scope", include_str!("../../migrations/0002_schedule_scope.sql")),
            migration(3, "indexes for the cycle", include_str!("../../migrations/0003_indexes_for_the_cycle.sql")),
            migration(
                4,
                "key by id, one scope index",
                include_str!("../../migrations/0004_key_by_id_and_one_scope_index.sql"),
            ),
        ]),
        ..Migrator::DEFAULT
    }
}

/// The store on a SQLite file. Cheap to clone (connection pools).
#[derive(Debug, Clone)]
pub(crate) struct SqliteStore {
    /// Readers, and the background checkpoint.
    pool: SqlitePool,
    /// The one writer connection: writers queue here rather than on SQLite's lock, and its page
    /// cache stays warm from one intake to the next.
    writer: SqlitePool,
    checkpointer: Arc<Checkpointer>,
}

/// The page size of a new store.
const PAGE_SIZE: u32 = 16 * 1024;

/// The WAL's size past which the writer copies its pages into the database itself (SQLite's
/// automatic checkpoint): the bound of the WAL when the background checkpoint falls behind.
const WAL_BOUND_BYTES: u64 = 64 * 1024 * 1024;

/// The writer's page cache: the indexes of a million-record region (about 200 MB) mostly stay in
/// it, so that a large intake's random key inserts do not wait on reads.
const WRITER_CACHE_BYTES: u64 = 256 * 1024 * 1024;

/// Each reader's page cache (status, due rows, reconciliation reads).
const READER_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// How much of the file is read through a memory mapping.
const MMAP_BYTES: u64 = 1024 * 1024 * 1024;

/// Copies committed WAL pages into the database file off the writer's path: after each commit a
/// passive checkpoint runs on another pooled connection (another thread), so that a large intake's
/// next statements are written while the previous ones are checkpointed and synced. At most one
/// runs at a time; a commit during a run asks for one more.
#[derive(Debug, Default)]
struct Checkpointer {
    running: std::sync::atomic::AtomicBool,
    again: std::sync::atomic::AtomicBool,
}

impl SqliteStore {
    /// Opens (and creates when missing) the store at `path`, and brings its schema up to date.
    pub(crate) async fn open(path: impl AsRef<Path>) -> Result<SqliteStore, SyncError> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true)
            // Of a new store: 16 KiB pages split less often than 4 KiB ones under a large intake
            // (fewer instructions a row, measured); a store made before keeps its pages.
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            // An intake is durable when it returns, power loss included: every commit is synced.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "MEMORY")
            // Pages are read through a mapping of the file rather than copied by read(2).
            .pragma("mmap_size", MMAP_BYTES.to_string())
            // Checkpoints run in the background (`Checkpointer`); the writer's own only past the
            // bound, and a WAL file grown past it is cut back once its pages are in the database.
            .pragma("wal_autocheckpoint", (WAL_BOUND_BYTES / PAGE_SIZE as u64).to_string())
            .pragma("journal_size_limit", WAL_BOUND_BYTES.to_string())
            .foreign_keys(true);
        // Negative cache sizes are KiB.
        let writer_options = options.clone().pragma("cache_size", format!("-{}", WRITER_CACHE_BYTES / 1024));
        let writer = SqlitePoolOptions::new().max_connections(1).connect_with(writer_options).await?;
        migrator().run(&writer).await?;
        let reader_options = options.pragma("cache_size", format!("-{}", READER_CACHE_BYTES / 1024));
        let pool = SqlitePoolOptions::new().max_connections(3).connect_with(reader_options).await?;
        Ok(SqliteStore { pool, writer, checkpointer: Arc::default() })
    }

    /// Runs `work` in one `BEGIN IMMEDIATE` transaction.
    async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut SqliteConnection) -> Result<T, SyncError>,
    ) -> Result<T, SyncError> {
        let mut conn = self.writer.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        match work(&mut conn).await {
            Ok(value) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                self.checkpoint_soon();
                Ok(value)
            }
            Err(e) => {
                // A failed rollback leaves the connection unusable: close it rather than return it.
                if sqlx::query("ROLLBACK").execute(&mut *conn).await.is_err() {
                    let _ = conn.detach().close().await;
                }
                Err(e)
            }
        }
    }

    /// Starts a background checkpoint unless one runs (then that one runs once more).
    fn checkpoint_soon(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let checkpointer = &self.checkpointer;
        checkpointer.again.store(true, SeqCst);
        if checkpointer.running.swap(true, SeqCst) {
            return;
        }
        let (pool, checkpointer) = (self.pool.clone(), Arc::clone(&self.checkpointer));
        tokio::spawn(async move {
            loop {
                while checkpointer.again.swap(false, SeqCst) {
                    // Passive: never waits for the writer or a reader, copies what it can. A
                    // failure costs only time: the writer's own checkpoint is the backstop.
                    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                        tracing::debug!(error = %e, "background checkpoint of the sync store failed");
                        checkpointer.again.store(false, SeqCst);
                    }
                }
                checkpointer.running.store(false, SeqCst);
                // A commit between the last run and the reset above found it running: take it over.
                if !checkpointer.again.load(SeqCst) || checkpointer.running.swap(true, SeqCst) {
                    break;
                }
            }
        });
    }

    /// Records upserts: durable when this returns.
    pub(crate) async fn intake(&self, entries: Entries<'_>, now_ms: i64) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| Ok(upsert_entries(conn, entries, now_ms).await?.0)).await
    }

    /// Records deletes: durable when this returns.
    pub(crate) async fn delete(&self, table: Table, ids: &[Guid], now_ms: i64) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| {
            let mut counts = IntakeCounts::default();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO fer_sync_record (tbl, id, desired, desired_hash, sent_hash, pending, \
                     pending_since_ms, changed_ms) ",
                );
                q.push_values(chunk, |mut row, id| {
                    row.push_bind(table.as_str())
                        .push_bind(id.to_string())
                        .push("NULL, NULL")
                        .push_bind(UNKNOWN_PRESENCE)
                        .push("1")
                        .push_bind(now_ms)
                        .push_bind(now_ms);
                });
                q.push(
                    " ON CONFLICT (id, tbl) DO UPDATE SET desired = NULL, desired_hash = NULL, \
                     pending = (fer_sync_record.sent_hash IS NOT NULL), \
                     pending_since_ms = CASE WHEN fer_sync_record.sent_hash IS NULL THEN NULL \
                         ELSE COALESCE(fer_sync_record.pending_since_ms, excluded.changed_ms) END, \
                     changed_ms = excluded.changed_ms, attempts = 0, next_try_ms = 0, parked = 0, \
                     last_code = NULL, last_message = NULL \
                     WHERE fer_sync_record.desired_hash IS NOT NULL",
                );
                let changed = q.build().execute(&mut *conn).await?.rows_affected();
                counts.changed += changed;
                counts.unchanged += chunk.len() as u64 - changed;
            }
            forget_settled(conn).await?;
            Ok(counts)
        })
        .await
    }

    /// Records a snapshot of `scope`: the entries as upserts, and every record of the scope that
    /// is not among them as a delete, in one transaction.
    pub(crate) async fn snapshot(
        &self,
        scope: Scope,
        entries: Entries<'_>,
        now_ms: i64,
    ) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| {
            let (mut counts, seen) = upsert_entries(conn, entries, now_ms).await?;
            sqlx::query("CREATE TEMP TABLE IF NOT EXISTS fer_sync_seen (tbl TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (id, tbl)) WITHOUT ROWID")
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM temp.fer_sync_seen").execute(&mut *conn).await?;
            for chunk in seen.chunks(ROWS_PER_STATEMENT) {
                let mut q = QueryBuilder::<Sqlite>::new("INSERT OR IGNORE INTO temp.fer_sync_seen (tbl, id) ");
                q.push_values(chunk, |mut row, (table, id)| {
                    row.push_bind(table.as_str()).push_bind(id.to_string());
                });
                q.build().execute(&mut *conn).await?;
            }
            let mut q = QueryBuilder::<Sqlite>::new(
                "UPDATE fer_sync_record SET desired = NULL, desired_hash = NULL, pending = (sent_hash IS NOT NULL), \
                 pending_since_ms = CASE WHEN sent_hash IS NULL THEN NULL ELSE COALESCE(pending_since_ms, ",
            );
            q.push_bind(now_ms);
            q.push(") END, changed_ms = ");
            q.push_bind(now_ms);
            q.push(
                ", attempts = 0, next_try_ms = 0, parked = 0, last_code = NULL, last_message = NULL \
                 WHERE desired_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM temp.fer_sync_seen s \
                 WHERE s.tbl = fer_sync_record.tbl AND s.id = fer_sync_record.id)",
            );
            match scope {
                Scope::Region => {}
                Scope::Subdivision(mo) => {
                    q.push(" AND mo = ");
                    q.push_bind(mo.to_string());
                }
                Scope::Schedule { resource, from, to } => {
                    // Through the scope index: under the resource's subdivision (NULL while the
                    // resource is not in the store: its records are not routed either).
                    q.push(" AND mo IS (SELECT r.mo FROM fer_sync_record r WHERE r.id = ");
                    q.push_bind(resource.to_string());
                    q.push(" AND r.tbl = 'resource') AND resource = ");
                    q.push_bind(resource.to_string());
                    q.push(" AND day BETWEEN ");
                    q.push_bind(day(from));
                    q.push(" AND ");
                    q.push_bind(day(to));
                }
            }
            counts.deleted = q.build().execute(&mut *conn).await?.rows_affected();
            sqlx::query("DELETE FROM temp.fer_sync_seen").execute(&mut *conn).await?;
            forget_settled(conn).await?;
            Ok(counts)
        })
        .await
    }

    /// Fills in the organisation and subdivision of records whose parent arrived after them.
    pub(crate) async fn route(&self) -> Result<(), SyncError> {
        self.write(async |conn| {
            // A book reaches its organisation through its slot, the slot through its subdivision:
            // a few rounds settle every chain the tables have.
            for _ in 0..3 {
                let routed = sqlx::query(
                    "UPDATE fer_sync_record SET \
                     org = COALESCE(org, (SELECT p.org FROM fer_sync_record p WHERE p.tbl = fer_sync_record.route_tbl AND p.id = fer_sync_record.route_id)), \
                     mo = COALESCE(mo, (SELECT p.mo FROM fer_sync_record p WHERE p.tbl = fer_sync_record.route_tbl AND p.id = fer_sync_record.route_id)), \
                     resource = COALESCE(resource, (SELECT p.resource FROM fer_sync_record p WHERE p.tbl = fer_sync_record.route_tbl AND p.id = fer_sync_record.route_id)), \
                     day = COALESCE(day, (SELECT p.day FROM fer_sync_record p WHERE p.tbl = fer_sync_record.route_tbl AND p.id = fer_sync_record.route_id)) \
                     WHERE (org IS NULL OR mo IS NULL) AND route_tbl IS NOT NULL \
                     AND EXISTS (SELECT 1 FROM fer_sync_record p WHERE p.tbl = fer_sync_record.route_tbl AND p.id = fer_sync_record.route_id \
                         AND ((fer_sync_record.org IS NULL AND p.org IS NOT NULL) OR (fer_sync_record.mo IS NULL AND p.mo IS NOT NULL)))",
                )
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if routed == 0 {
                    break;
                }
            }
            Ok(())
        })
        .await
    }

    /// The pending records of `org` that are due, oldest change first. With `unrouted`, records
    /// whose organisation is not known yet are included (an engine of one organisation).
    pub(crate) async fn due(
        &self,
        org: &str,
        unrouted: bool,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<PendingRow>, SyncError> {
        let rows = sqlx::query(
            "SELECT tbl, id, desired, desired_hash, parents, attempts, pending_since_ms FROM fer_sync_record \
             WHERE pending = 1 AND parked = 0 AND next_try_ms <= ?1 AND (org = ?2 OR (?3 AND org IS NULL)) \
             ORDER BY pending_since_ms LIMIT ?4",
        )
        .bind(now_ms)
        .bind(org)
        .bind(unrouted)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PendingRow {
                    table: table_of(r)?,
                    id: r.try_get("id")?,
                    desired: r.try_get("desired")?,
                    desired_hash: r.try_get("desired_hash")?,
                    parents: r.try_get("parents")?,
                    attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    pending_since_ms: r.try_get::<Option<i64>, _>("pending_since_ms")?.unwrap_or(now_ms),
                    part: String::new(),
                })
            })
            .collect()
    }

    /// The earliest time a pending record is due again (ms since epoch), if any waits.
    pub(crate) async fn next_due_ms(&self) -> Result<Option<i64>, SyncError> {
        let next: Option<i64> =
            sqlx::query_scalar("SELECT MIN(next_try_ms) FROM fer_sync_record WHERE pending = 1 AND parked = 0")
                .fetch_one(&self.pool)
                .await?;
        Ok(next)
    }

    /// Marks the records about to be sent as "maybe on the Vitrina in either form" (the sent hash
    /// unknown) before anything goes on the wire. A crash between the Vitrina's acceptance and the
    /// acknowledgement then leaves them pending, so they are sent again (at least once), even if
    /// the MIS meanwhile changed a record back to the form sent before the one in flight.
    pub(crate) async fn mark_in_flight(&self, rows: &[&PendingRow]) -> Result<(), SyncError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write(async |conn| {
            for row in rows {
                sqlx::query("UPDATE fer_sync_record SET sent_hash = ?1, pending = 1 WHERE tbl = ?2 AND id = ?3")
                    .bind(UNKNOWN_PRESENCE)
                    .bind(row.table.as_str())
                    .bind(&row.id)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        })
        .await
    }

    /// Applies the outcomes of one cycle in one transaction.
    pub(crate) async fn settle(&self, outcomes: &[Settlement]) -> Result<(), SyncError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        self.write(async |conn| {
            for s in outcomes {
                match s {
                    // Compare-and-set: what was sent is what the Vitrina holds now; the record stays
                    // pending if the MIS changed it meanwhile.
                    Settlement::Accepted { table, id, sent_hash } => {
                        sqlx::query(
                            "UPDATE fer_sync_record SET sent_hash = ?1, pending = (desired_hash IS NOT ?1), \
                             pending_since_ms = CASE WHEN desired_hash IS ?1 THEN NULL ELSE changed_ms END, \
                             attempts = 0, next_try_ms = 0, parked = 0, last_code = NULL, last_message = NULL \
                             WHERE tbl = ?2 AND id = ?3",
                        )
                        .bind(sent_hash)
                        .bind(table.as_str())
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    }
                    // Only if the record is still the one that was tried: a new version gets its own try.
                    Settlement::Refused { table, id, tried_hash, code, message, park, next_try_ms } => {
                        sqlx::query(
                            "UPDATE fer_sync_record SET attempts = attempts + 1, last_code = ?1, last_message = ?2, \
                             parked = ?3, next_try_ms = ?4 WHERE tbl = ?5 AND id = ?6 AND desired_hash IS ?7",
                        )
                        .bind(code)
                        .bind(message)
                        .bind(park)
                        .bind(next_try_ms)
                        .bind(table.as_str())
                        .bind(id)
                        .bind(tried_hash)
                        .execute(&mut *conn)
                        .await?;
                    }
                }
            }
            forget_settled(conn).await?;
            Ok(())
        })
        .await
    }

    /// Pending and parked counts and the oldest unsent change per organisation and table.
    pub(crate) async fn backlog(&self) -> Result<Vec<BacklogRow>, SyncError> {
        let rows = sqlx::query(
            "SELECT org, tbl, SUM(parked = 0) AS pending, SUM(parked) AS parked, \
             SUM(sent_hash IS NOT NULL AND sent_hash = 0) AS in_doubt, \
             MIN(CASE WHEN parked = 0 THEN pending_since_ms END) AS oldest \
             FROM fer_sync_record WHERE pending = 1 GROUP BY org, tbl",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BacklogRow {
                    org: r.try_get("org")?,
                    table: table_of(r)?,
                    pending: r.try_get::<i64, _>("pending")?.max(0) as u64,
                    parked: r.try_get::<i64, _>("parked")?.max(0) as u64,
                    in_doubt: r.try_get::<i64, _>("in_doubt")?.max(0) as u64,
                    oldest_ms: r.try_get("oldest")?,
                })
            })
            .collect()
    }

    /// The parked records (the first `limit`), with the Vitrina's reason.
    pub(crate) async fn parked(&self, limit: usize) -> Result<Vec<crate::ParkedRecord>, SyncError> {
        let rows = sqlx::query(
            "SELECT tbl, id, org, attempts, last_code, last_message FROM fer_sync_record \
             WHERE pending = 1 AND parked = 1 ORDER BY tbl, id LIMIT ?1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(crate::ParkedRecord {
                    table: table_of(r)?,
                    id: r.try_get("id")?,
                    organisation: r.try_get("org")?,
                    attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    code: r.try_get::<Option<String>, _>("last_code")?.unwrap_or_default(),
                    message: r.try_get::<Option<String>, _>("last_message")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Parked records per refusal code (all of them, where [`Store::parked`] lists the first few).
    pub(crate) async fn parked_codes(&self) -> Result<Vec<crate::ParkedCount>, SyncError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            // `+tbl` as in `late_slots`: through the partial index of the pending rows.
            "SELECT COALESCE(last_code, ''), COUNT(*) FROM fer_sync_record \
             WHERE pending = 1 AND parked = 1 AND +tbl IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(code, n)| crate::ParkedCount { code, count: u64::try_from(n).unwrap_or(0) })
            .collect())
    }

    /// The number of slots whose change has waited longer than `older_than_ms` (ms since epoch).
    pub(crate) async fn late_slots(&self, older_than_ms: i64) -> Result<u64, SyncError> {
        let n: i64 = sqlx::query_scalar(
            // `+tbl`: not through the (tbl, id) key, which would visit every slot; through the
            // partial index of the pending rows, which holds only what waits.
            "SELECT COUNT(*) FROM fer_sync_record WHERE pending = 1 AND parked = 0 AND +tbl = 'slot' AND pending_since_ms < ?1",
        )
        .bind(older_than_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n.max(0) as u64)
    }

    /// The record the store wants on the Vitrina for `table`/`id`: `Some(None)` for a delete,
    /// `None` when the store has no such record.
    pub(crate) async fn desired(&self, table: Table, id: &Guid) -> Result<Option<Option<String>>, SyncError> {
        let row = sqlx::query("SELECT desired FROM fer_sync_record WHERE tbl = ?1 AND id = ?2")
            .bind(table.as_str())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("desired")).transpose().map_err(SyncError::from)
    }

    /// Every record of `org` (with `unrouted`, also those not routed yet), for reconciliation.
    pub(crate) async fn rows_of(&self, org: &str, unrouted: bool) -> Result<Vec<StoredRow>, SyncError> {
        let rows = sqlx::query(
            "SELECT tbl, id, desired, desired_hash, sent_hash, route_id FROM fer_sync_record \
             WHERE org = ?1 OR (?2 AND org IS NULL)",
        )
        .bind(org)
        .bind(unrouted)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredRow {
                    table: table_of(r)?,
                    id: r.try_get("id")?,
                    desired: r.try_get("desired")?,
                    desired_hash: r.try_get("desired_hash")?,
                    sent_hash: r.try_get("sent_hash")?,
                    route_id: r.try_get("route_id")?,
                })
            })
            .collect()
    }

    /// Records what reconciliation found on the Vitrina: `vitrina_hash` is now what the Vitrina
    /// holds (`None`: absent), and the record is pending wherever that differs from what the MIS
    /// wants. A record the store did not know is a pending delete.
    pub(crate) async fn repair(&self, repairs: &[Repair]) -> Result<(), SyncError> {
        if repairs.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        self.write(async |conn| {
            for r in repairs {
                sqlx::query(
                    "INSERT INTO fer_sync_record (tbl, id, org, desired, desired_hash, sent_hash, pending, pending_since_ms, changed_ms) \
                     VALUES (?1, ?2, ?3, NULL, NULL, ?4, (?4 IS NOT NULL), ?5, ?5) \
                     ON CONFLICT (id, tbl) DO UPDATE SET sent_hash = excluded.sent_hash, \
                     pending = (fer_sync_record.desired_hash IS NOT excluded.sent_hash), \
                     pending_since_ms = CASE WHEN fer_sync_record.desired_hash IS excluded.sent_hash THEN NULL \
                         ELSE COALESCE(fer_sync_record.pending_since_ms, excluded.changed_ms) END, \
                     attempts = 0, next_try_ms = 0",
                )
                .bind(r.table.as_str())
                .bind(&r.id)
                .bind(&r.org)
                .bind(r.vitrina_hash)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            forget_settled(conn).await?;
            Ok(())
        })
        .await
    }

    /// Records that the Vitrina already holds `entries` (written there by the gateway) and that
    /// the MIS wants them so: nothing to send, nothing to repair.
    pub(crate) async fn adopt(&self, entries: Entries<'_>, now_ms: i64) -> Result<(), SyncError> {
        self.write(async |conn| {
            let (_, adopted) = upsert_entries(conn, entries, now_ms).await?;
            for (table, id) in adopted {
                sqlx::query(
                    "UPDATE fer_sync_record SET sent_hash = desired_hash, pending = 0, pending_since_ms = NULL, \
                     attempts = 0, next_try_ms = 0, parked = 0, last_code = NULL, last_message = NULL \
                     WHERE tbl = ?1 AND id = ?2",
                )
                .bind(table.as_str())
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        })
        .await
    }

    /// Closes the pool, waiting for the connections to finish.
    pub(crate) async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// The `tbl` column of a row.
fn table_of(row: &sqlx::sqlite::SqliteRow) -> Result<Table, SyncError> {
    parse_table(&row.try_get::<String, _>("tbl")?)
}

/// The upserts of `entries`, at most [`ROWS_PER_STATEMENT`] rows of one table per statement.
/// Encoding, routing and building the next statement run on this task while sqlx's worker thread
/// executes the current one, so that a large intake keeps both halves busy. Returns the counts
/// and the key of every record written (a snapshot's "seen" set, `adopt`'s rows).
async fn upsert_entries(
    conn: &mut SqliteConnection,
    entries: Entries<'_>,
    now_ms: i64,
) -> Result<(IntakeCounts, Vec<(Table, Guid)>), SyncError> {
    let mut source = entries.peekable();
    let mut router = Router::default();
    let mut counts = IntakeCounts::default();
    let mut keys = Vec::new();
    let mut next = prepare(&mut source, &mut router, now_ms)?;
    loop {
        let statement = match next {
            Prepared::Done => break,
            Prepared::Ready(statement) => statement,
            Prepared::NeedsParents(chunk, parents) => {
                router.look_up(conn, &parents).await?;
                UpsertStatement::build(chunk, &mut router, now_ms)
            }
        };
        let rows = statement.keys.len() as u64;
        keys.extend_from_slice(&statement.keys);
        let mut query = statement.query;
        let (written, following) =
            tokio::join!(query.build().execute(&mut *conn), async { prepare(&mut source, &mut router, now_ms) });
        let changed = written?.rows_affected();
        counts.changed += changed;
        counts.unchanged += rows - changed;
        next = following?;
    }
    Ok((counts, keys))
}

/// The next statement's records, encoded, with their statement once their routing is known.
enum Prepared {
    /// No records left.
    Done,
    /// The statement, ready to run.
    Ready(UpsertStatement),
    /// The records, whose routing needs these parents looked up in the store first.
    NeedsParents(Vec<Entry>, Vec<(Table, Guid)>),
}

/// Pulls the next statement's records from `source` (encoding them): at most
/// [`ROWS_PER_STATEMENT`], all of one table. Builds their statement unless a parent must be looked
/// up in the store first.
fn prepare(
    source: &mut std::iter::Peekable<Entries<'_>>,
    router: &mut Router,
    now_ms: i64,
) -> Result<Prepared, SyncError> {
    let Some(first) = source.next().transpose()? else { return Ok(Prepared::Done) };
    let table = first.table;
    let mut chunk = Vec::with_capacity(ROWS_PER_STATEMENT);
    chunk.push(first);
    while chunk.len() < ROWS_PER_STATEMENT {
        match source.peek() {
            Some(Ok(e)) if e.table == table => {}
            Some(Err(_)) => {} // taken below, and the whole intake fails with it
            _ => break,
        }
        match source.next() {
            Some(Ok(e)) => chunk.push(e),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    let parents = router.missing(&chunk);
    if parents.is_empty() {
        Ok(Prepared::Ready(UpsertStatement::build(chunk, router, now_ms)))
    } else {
        Ok(Prepared::NeedsParents(chunk, parents))
    }
}

/// One multi-row upsert. Its values are owned (moved out of the entries, not copied): sqlx hands
/// owned arguments to its worker thread as they are, where borrowed ones would be copied once more.
struct UpsertStatement {
    query: QueryBuilder<'static, Sqlite>,
    keys: Vec<(Table, Guid)>,
}

impl UpsertStatement {
    /// The statement of `chunk` (records of one table), routed by `router`.
    fn build(chunk: Vec<Entry>, router: &mut Router, now_ms: i64) -> UpsertStatement {
        let table = chunk.first().map_or(Table::Mo, |e| e.table);
        let mut keys = Vec::with_capacity(chunk.len());
        // The table is the same for every row: a literal, not a value per row.
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO fer_sync_record (tbl, id, org, mo, resource, day, route_tbl, route_id, parents, desired, \
             desired_hash, sent_hash, pending, pending_since_ms, changed_ms) ",
        );
        let rows = chunk.into_iter().map(|e| {
            let routing = router.route(&e);
            keys.push((e.table, e.id));
            (e, routing)
        });
        query.push_values(rows, |mut row, (e, routing)| {
            row.push(format_args!("'{}'", table.as_str()));
            row.push_bind(e.id.to_string())
                .push_bind(routing.org.map(|o| o.to_string()))
                .push_bind(routing.mo.map(|m| m.to_string()))
                .push_bind(routing.resource.map(|r| r.to_string()))
                .push_bind(routing.day.map(day))
                .push_bind(e.route.map(|(t, _)| t.as_str().to_owned()))
                .push_bind(e.route.map(|(_, id)| id.to_string()))
                .push_bind(e.parents)
                .push_bind(e.json)
                .push_bind(e.hash)
                .push("NULL, 1")
                .push_bind(now_ms)
                .push_bind(now_ms);
        });
        query.push(
            " ON CONFLICT (id, tbl) DO UPDATE SET org = excluded.org, mo = excluded.mo, \
             resource = excluded.resource, day = excluded.day, \
             route_tbl = excluded.route_tbl, route_id = excluded.route_id, parents = excluded.parents, \
             desired = excluded.desired, desired_hash = excluded.desired_hash, \
             pending = (excluded.desired_hash IS NOT fer_sync_record.sent_hash), \
             pending_since_ms = CASE WHEN excluded.desired_hash IS fer_sync_record.sent_hash THEN NULL \
                 ELSE COALESCE(fer_sync_record.pending_since_ms, excluded.changed_ms) END, \
             changed_ms = excluded.changed_ms, attempts = 0, next_try_ms = 0, parked = 0, \
             last_code = NULL, last_message = NULL \
             WHERE fer_sync_record.desired_hash IS NOT excluded.desired_hash",
        );
        UpsertStatement { query, keys }
    }
}

/// Where a record belongs: its organisation and subdivision (for routing and subdivision
/// scopes) and its resource and day (for schedule scopes).
#[derive(Debug, Clone, Default)]
struct Routing {
    org: Option<Arc<str>>,
    mo: Option<Guid>,
    resource: Option<Guid>,
    day: Option<NaiveDate>,
}

impl Routing {
    fn of(e: &Entry) -> Routing {
        Routing {
            org: e.org.as_deref().map(Arc::from),
            mo: e.mo,
            resource: e.schedule.map(|(r, _)| r),
            day: e.schedule.map(|(_, d)| d),
        }
    }

    fn complete(&self) -> bool {
        self.org.is_some() && self.mo.is_some()
    }

    /// What `self` lacks, taken from its parent's.
    fn inherit(self, parent: &Routing) -> Routing {
        Routing {
            org: self.org.or_else(|| parent.org.clone()),
            mo: self.mo.or(parent.mo),
            resource: self.resource.or(parent.resource),
            day: self.day.or(parent.day),
        }
    }
}

/// A day as the store keeps it: `YYYY-MM-DD`, ordered as text.
pub(super) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Routes the entries of one intake: each takes what it lacks from its route parent, found among
/// the entries before it (parents come first in load order) or in the store (one look-up per
/// distinct parent). Parts stay `None` when the parent is not known yet: [`Store::route`] fills
/// them in later. Only the routing of tables that are some table's parent is remembered.
#[derive(Default)]
struct Router {
    known: HashMap<(Table, Guid), Routing>,
}

impl Router {
    /// The route parents of `chunk` that are neither known nor among its earlier entries.
    fn missing(&self, chunk: &[Entry]) -> Vec<(Table, Guid)> {
        let mut earlier = std::collections::HashSet::new();
        let mut missing = Vec::new();
        for e in chunk {
            if let Some(parent) = e.route.filter(|_| !Routing::of(e).complete())
                && !self.known.contains_key(&parent)
                && !earlier.contains(&parent)
                && !missing.contains(&parent)
            {
                missing.push(parent);
            }
            earlier.insert((e.table, e.id));
        }
        missing
    }

    /// Looks `parents` up in the store; one not there is remembered as unknown.
    async fn look_up(&mut self, conn: &mut SqliteConnection, parents: &[(Table, Guid)]) -> Result<(), SyncError> {
        for &(table, id) in parents {
            let row = sqlx::query("SELECT org, mo, resource, day FROM fer_sync_record WHERE tbl = ?1 AND id = ?2")
                .bind(table.as_str())
                .bind(id.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            let found = match row {
                Some(r) => Routing {
                    org: r.try_get::<Option<String>, _>("org")?.map(Arc::from),
                    mo: parse_column(r.try_get("mo")?, "a subdivision id", |s| s.parse().ok())?,
                    resource: parse_column(r.try_get("resource")?, "a resource id", |s| s.parse().ok())?,
                    day: parse_column(r.try_get("day")?, "a day", |s| NaiveDate::from_str(s).ok())?,
                },
                None => Routing::default(),
            };
            self.known.insert((table, id), found);
        }
        Ok(())
    }

    /// The routing of `e`, remembered for its children when its table has any.
    fn route(&mut self, e: &Entry) -> Routing {
        let mut routing = Routing::of(e);
        if let Some(parent) = e.route.filter(|_| !routing.complete())
            && let Some(found) = self.known.get(&parent)
        {
            routing = routing.inherit(found);
        }
        if is_a_parent(e.table) {
            self.known.insert((e.table, e.id), routing.clone());
        }
        routing
    }
}

/// Whether rows of `table` are some table's parent (their routing is inherited).
fn is_a_parent(table: Table) -> bool {
    Table::ALL.iter().any(|t| t.parents().contains(&table))
}

/// A column read back: `None` stays `None`, a value `parse` refuses is a corrupt store.
fn parse_column<T>(
    value: Option<String>,
    what: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, SyncError> {
    value.map(|v| parse(&v).ok_or(SyncError::Corrupt { what, value: v })).transpose()
}

/// Drops the rows of records that are deleted and known to be absent: nothing is left to do.
async fn forget_settled(conn: &mut SqliteConnection) -> Result<(), SyncError> {
    sqlx::query("DELETE FROM fer_sync_record WHERE desired_hash IS NULL AND sent_hash IS NULL AND pending = 0")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Every file of `migrations/` is embedded, in the order of its number: a migration added to
    /// the folder but not to [`super::migrator`] would never run.
    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded = super::migrator();
        assert_eq!(embedded.migrations.len(), files.len(), "{files:?}");
        for (m, file) in embedded.migrations.iter().zip(&files) {
            assert!(file.starts_with(&format!("{:04}_", m.version)), "{file} is not migration {}", m.version);
        }
    }
}
