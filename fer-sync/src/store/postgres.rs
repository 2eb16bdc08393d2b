//! The store on PostgreSQL: the SQLite schema in a `fer_sync` schema, shared by several engine
//! instances, each pushing only the partitions (subdivisions) it holds a lease on; and the
//! transactional outbox a MIS living in the same database writes to.
//!
//! Multi-row writes go as arrays (`UNNEST`), a few thousand rows a statement; the rows of every
//! multi-row write are taken in key order, and the engine's own writes are retried when the
//! server picks them as the victim of a deadlock or a serialization failure.

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use fer_model::{Guid, Table};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection as _, Row};

use super::{
    BacklogRow, Entries, Fence, IntakeCounts, PendingRow, Repair, Scope, Settlement, StoredRow, now_ms, parse_table,
};
use crate::SyncError;
use crate::entry::{Entry, UNKNOWN_PRESENCE};

/// Rows per multi-row statement (arrays: no parameter limit, only the statement's size).
const ROWS_PER_STATEMENT: usize = 5_000;

/// Connections of one instance's pool.
const POOL_SIZE: u32 = 8;

/// The channel `fer_sync.enqueue` notifies.
pub(crate) const OUTBOX_CHANNEL: &str = "fer_sync_outbox";

/// The channel an intake notifies when it changed something, so that the instance holding the
/// partition wakes (an intake wakes its own engine directly; the others learn it here).
pub(crate) const INTAKE_CHANNEL: &str = "fer_sync_intake";

/// The key of the advisory lock under which instances starting together migrate one at a time.
/// Taken on a connection of its own that is closed afterwards, never on a pooled one.
const MIGRATION_LOCK: i64 = 0x6665_725f_7379_6e63; // "fer_sync"

/// Runs `$body` (with `$conn` the connection) in one transaction of `$pool`, again when the server
/// aborted it to break a deadlock or a serialization failure: the engine's own writes, whose
/// inputs are in memory. These transactions give way first: they look for deadlocks sooner than
/// the MIS's intake does. `$body` may `return` early (the transaction is rolled back).
macro_rules! retried {
    ($pool:expr, $conn:ident => $body:block) => {{
        let mut tries: u32 = 0;
        loop {
            tries += 1;
            let attempt: Result<_, SyncError> = async {
                let mut tx = $pool.begin().await?;
                sqlx::query("SET LOCAL deadlock_timeout = '100ms'").execute(&mut *tx).await?;
                let value: Result<_, SyncError> = {
                    let $conn: &mut PgConnection = &mut tx;
                    $body
                };
                let value = value?;
                tx.commit().await?;
                Ok(value)
            }
            .await;
            match attempt {
                Err(e) if tries < 5 && retryable(&e) => {
                    tracing::debug!(error = %e, "sync store transaction retried");
                    tokio::time::sleep(Duration::from_millis(20 * u64::from(tries))).await;
                }
                other => break other,
            }
        }
    }};
}

/// The migrations, embedded.
fn migrator() -> Migrator {
    let migration = |version, name, sql| {
        Migration::new(version, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
    };
    Migrator {
        migrations: Cow::Owned(vec![
            migration(1, "store and leases", include_str!("../../migrations/postgres/0001_store.sql")),
            migration(2, "MIS outbox", include_str!("../../migrations/postgres/0002_mis_outbox.sql")),
        ]),
        ..Migrator::DEFAULT
    }
}

/// The store on PostgreSQL.
#[derive(Debug, Clone)]
pub(crate) struct PgStore {
    pool: PgPool,
}

/// Whether `e` is a deadlock or a serialization failure: the transaction may simply run again.
fn retryable(e: &SyncError) -> bool {
    match e {
        SyncError::Store(sqlx::Error::Database(db)) => matches!(db.code().as_deref(), Some("40P01" | "40001")),
        _ => false,
    }
}

fn count(n: i64) -> u64 {
    n.max(0) as u64
}

impl PgStore {
    pub(crate) async fn connect(url: &str) -> Result<PgStore, SyncError> {
        let options = PgConnectOptions::from_str(url)?.application_name("fer-sync");
        // Migrations on a connection of their own, closed afterwards: the advisory locks taken
        // for them (ours and the migrator's) end with that session and never reach the pool.
        let mut conn = PgConnection::connect_with(&options).await?;
        let migrated = async {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut conn).await?;
            sqlx::query("CREATE SCHEMA IF NOT EXISTS fer_sync").execute(&mut conn).await?;
            sqlx::query("SET search_path TO fer_sync").execute(&mut conn).await?;
            migrator().run_direct(&mut conn).await?;
            Ok::<(), SyncError>(())
        }
        .await;
        let closed = conn.close().await;
        migrated?;
        closed?;
        let options = options.options([("search_path", "fer_sync")]);
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        Ok(PgStore { pool })
    }

    /// Runs `work` in one transaction.
    async fn write<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> Result<T, SyncError>,
    ) -> Result<T, SyncError> {
        let mut tx = self.pool.begin().await?;
        let value = work(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    pub(crate) async fn intake(&self, entries: Entries<'_>, now_ms: i64) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| {
            let counts = upsert_entries(conn, entries, now_ms).await?.0;
            notify_intake(conn, counts).await?;
            Ok(counts)
        })
        .await
    }

    pub(crate) async fn delete(&self, table: Table, ids: &[Guid], now_ms: i64) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| {
            let counts = delete_rows(conn, table, ids, now_ms).await?;
            forget_settled(conn).await?;
            notify_intake(conn, counts).await?;
            Ok(counts)
        })
        .await
    }

    pub(crate) async fn snapshot(
        &self,
        scope: Scope,
        entries: Entries<'_>,
        now_ms: i64,
    ) -> Result<IntakeCounts, SyncError> {
        self.write(async |conn| {
            let (mut counts, seen) = upsert_entries(conn, entries, now_ms).await?;
            sqlx::query("CREATE TEMP TABLE fer_sync_seen (tbl TEXT NOT NULL, id TEXT NOT NULL) ON COMMIT DROP")
                .execute(&mut *conn)
                .await?;
            for chunk in seen.chunks(ROWS_PER_STATEMENT) {
                let tables: Vec<&str> = chunk.iter().map(|(t, _)| t.as_str()).collect();
                let ids: Vec<String> = chunk.iter().map(|(_, id)| id.to_string()).collect();
                sqlx::query("INSERT INTO fer_sync_seen (tbl, id) SELECT * FROM UNNEST($1::text[], $2::text[])")
                    .bind(tables)
                    .bind(ids)
                    .execute(&mut *conn)
                    .await?;
            }
            sqlx::query("CREATE INDEX ON fer_sync_seen (id, tbl)").execute(&mut *conn).await?;
            sqlx::query("ANALYZE fer_sync_seen").execute(&mut *conn).await?;
            let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "UPDATE fer_sync.record SET desired = NULL, desired_hash = NULL, pending = (sent_hash IS NOT NULL), \
                 pending_since_ms = CASE WHEN sent_hash IS NULL THEN NULL ELSE COALESCE(pending_since_ms, ",
            );
            q.push_bind(now_ms);
            q.push(") END, changed_ms = ");
            q.push_bind(now_ms);
            q.push(
                ", attempts = 0, next_try_ms = 0, parked = false, last_code = NULL, last_message = NULL \
                 WHERE desired_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fer_sync_seen s \
                 WHERE s.tbl = fer_sync.record.tbl AND s.id = fer_sync.record.id)",
            );
            match scope {
                Scope::Region => {}
                Scope::Subdivision(mo) => {
                    q.push(" AND mo = ");
                    q.push_bind(mo.to_string());
                }
                Scope::Schedule { resource, from, to } => {
                    q.push(" AND mo IS NOT DISTINCT FROM (SELECT r.mo FROM fer_sync.record r WHERE r.id = ");
                    q.push_bind(resource.to_string());
                    q.push(" AND r.tbl = 'resource') AND resource = ");
                    q.push_bind(resource.to_string());
                    q.push(" AND day BETWEEN ");
                    q.push_bind(super::sqlite::day(from));
                    q.push(" AND ");
                    q.push_bind(super::sqlite::day(to));
                }
            }
            counts.deleted = q.build().execute(&mut *conn).await?.rows_affected();
            forget_settled(conn).await?;
            notify_intake(conn, counts).await?;
            Ok(counts)
        })
        .await
    }

    pub(crate) async fn route(&self) -> Result<(), SyncError> {
        let routed = retried!(self.pool, conn => {
            for _ in 0..3 {
                let routed: i64 = sqlx::query_scalar(
                    "WITH up AS (UPDATE fer_sync.record c SET org = COALESCE(c.org, p.org), mo = COALESCE(c.mo, p.mo), \
                     resource = COALESCE(c.resource, p.resource), day = COALESCE(c.day, p.day) \
                     FROM fer_sync.record p WHERE p.tbl = c.route_tbl AND p.id = c.route_id \
                     AND (c.org IS NULL OR c.mo IS NULL) AND c.route_tbl IS NOT NULL \
                     AND ((c.org IS NULL AND p.org IS NOT NULL) OR (c.mo IS NULL AND p.mo IS NOT NULL)) \
                     RETURNING c.part), \
                     reg AS (INSERT INTO fer_sync.lease (part) SELECT DISTINCT part FROM up ON CONFLICT DO NOTHING) \
                     SELECT count(*) FROM up",
                )
                .fetch_one(&mut *conn)
                .await?;
                if routed == 0 {
                    break;
                }
            }
            Ok(())
        });
        match routed {
            // Another instance routes the same rows: it will have done it.
            Err(e) if retryable(&e) => Ok(()),
            other => other,
        }
    }

    pub(crate) async fn due(
        &self,
        org: &str,
        unrouted: bool,
        now_ms: i64,
        limit: usize,
        fence: Option<&Fence>,
    ) -> Result<Vec<PendingRow>, SyncError> {
        let parts = fence.map(Fence::parts);
        let rows = sqlx::query(
            "SELECT tbl, id, desired, desired_hash, parents, attempts, pending_since_ms, part FROM fer_sync.record \
             WHERE pending AND NOT parked AND next_try_ms <= $1 AND (org = $2 OR ($3 AND org IS NULL)) \
             AND ($5::text[] IS NULL OR part = ANY($5)) \
             ORDER BY pending_since_ms LIMIT $4",
        )
        .bind(now_ms)
        .bind(org)
        .bind(unrouted)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(parts)
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
                    attempts: u32::try_from(r.try_get::<i32, _>("attempts")?).unwrap_or(0),
                    pending_since_ms: r.try_get::<Option<i64>, _>("pending_since_ms")?.unwrap_or(now_ms),
                    part: r.try_get("part")?,
                })
            })
            .collect()
    }

    pub(crate) async fn next_due_ms(&self) -> Result<Option<i64>, SyncError> {
        Ok(sqlx::query_scalar("SELECT MIN(next_try_ms) FROM fer_sync.record WHERE pending AND NOT parked")
            .fetch_one(&self.pool)
            .await?)
    }

    pub(crate) async fn mark_in_flight(&self, rows: &[&PendingRow], fence: Option<&Fence>) -> Result<(), SyncError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.table.as_str(), r.id.as_str())).collect();
        keys.sort_unstable_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));
        let (tables, ids): (Vec<&str>, Vec<&str>) = keys.into_iter().unzip();
        retried!(self.pool, conn => {
            let valid = hold(conn, fence).await?;
            sqlx::query(
                "UPDATE fer_sync.record r SET sent_hash = $1, pending = true \
                 FROM UNNEST($2::text[], $3::text[]) AS u(tbl, id) \
                 WHERE r.tbl = u.tbl AND r.id = u.id AND ($4::text[] IS NULL OR r.part = ANY($4))",
            )
            .bind(UNKNOWN_PRESENCE)
            .bind(&tables)
            .bind(&ids)
            .bind(&valid)
            .execute(&mut *conn)
            .await?;
            Ok(())
        })
    }

    pub(crate) async fn settle(&self, outcomes: &[Settlement], fence: Option<&Fence>) -> Result<(), SyncError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut accepted: Vec<(&str, &str, Option<i64>)> = Vec::new();
        let mut refused = Vec::new();
        for s in outcomes {
            match s {
                Settlement::Accepted { table, id, sent_hash } => {
                    accepted.push((id.as_str(), table.as_str(), *sent_hash))
                }
                Settlement::Refused { table, id, tried_hash, code, message, park, next_try_ms } => refused.push((
                    id.as_str(),
                    table.as_str(),
                    *tried_hash,
                    code.as_str(),
                    message.as_str(),
                    *park,
                    *next_try_ms,
                )),
            }
        }
        accepted.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        refused.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        retried!(self.pool, conn => {
            let valid = hold(conn, fence).await?;
            if !accepted.is_empty() {
                // Compare-and-set: the record stays pending if the MIS changed it meanwhile.
                sqlx::query(
                    "UPDATE fer_sync.record r SET sent_hash = u.h, pending = (r.desired_hash IS DISTINCT FROM u.h), \
                     pending_since_ms = CASE WHEN r.desired_hash IS NOT DISTINCT FROM u.h THEN NULL ELSE r.changed_ms END, \
                     attempts = 0, next_try_ms = 0, parked = false, last_code = NULL, last_message = NULL \
                     FROM UNNEST($1::text[], $2::text[], $3::bigint[]) AS u(id, tbl, h) \
                     WHERE r.tbl = u.tbl AND r.id = u.id AND ($4::text[] IS NULL OR r.part = ANY($4))",
                )
                .bind(accepted.iter().map(|a| a.0).collect::<Vec<_>>())
                .bind(accepted.iter().map(|a| a.1).collect::<Vec<_>>())
                .bind(accepted.iter().map(|a| a.2).collect::<Vec<_>>())
                .bind(&valid)
                .execute(&mut *conn)
                .await?;
            }
            if !refused.is_empty() {
                // Only if the record is still the one that was tried.
                sqlx::query(
                    "UPDATE fer_sync.record r SET attempts = r.attempts + 1, last_code = u.code, last_message = u.message, \
                     parked = u.park, next_try_ms = u.next_try \
                     FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bool[], $7::bigint[]) \
                         AS u(id, tbl, h, code, message, park, next_try) \
                     WHERE r.tbl = u.tbl AND r.id = u.id AND r.desired_hash IS NOT DISTINCT FROM u.h \
                     AND ($8::text[] IS NULL OR r.part = ANY($8))",
                )
                .bind(refused.iter().map(|a| a.0).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.1).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.2).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.3).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.4).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.5).collect::<Vec<_>>())
                .bind(refused.iter().map(|a| a.6).collect::<Vec<_>>())
                .bind(&valid)
                .execute(&mut *conn)
                .await?;
            }
            forget_settled(conn).await?;
            Ok(())
        })
    }

    pub(crate) async fn backlog(&self) -> Result<Vec<BacklogRow>, SyncError> {
        let rows = sqlx::query(
            "SELECT org, tbl, count(*) FILTER (WHERE NOT parked) AS pending, count(*) FILTER (WHERE parked) AS parked, \
             count(*) FILTER (WHERE sent_hash = 0) AS in_doubt, \
             MIN(pending_since_ms) FILTER (WHERE NOT parked) AS oldest \
             FROM fer_sync.record WHERE pending GROUP BY org, tbl",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BacklogRow {
                    org: r.try_get("org")?,
                    table: table_of(r)?,
                    pending: count(r.try_get("pending")?),
                    parked: count(r.try_get("parked")?),
                    in_doubt: count(r.try_get("in_doubt")?),
                    oldest_ms: r.try_get("oldest")?,
                })
            })
            .collect()
    }

    pub(crate) async fn parked(&self, limit: usize) -> Result<Vec<crate::ParkedRecord>, SyncError> {
        let rows = sqlx::query(
            "SELECT tbl, id, org, attempts, last_code, last_message FROM fer_sync.record \
             WHERE pending AND parked ORDER BY tbl, id LIMIT $1",
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
                    attempts: u32::try_from(r.try_get::<i32, _>("attempts")?).unwrap_or(0),
                    code: r.try_get::<Option<String>, _>("last_code")?.unwrap_or_default(),
                    message: r.try_get::<Option<String>, _>("last_message")?.unwrap_or_default(),
                })
            })
            .collect()
    }

    pub(crate) async fn parked_codes(&self) -> Result<Vec<crate::ParkedCount>, SyncError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT COALESCE(last_code, ''), count(*) FROM fer_sync.record \
             WHERE pending AND parked GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(code, n)| crate::ParkedCount { code, count: count(n) }).collect())
    }

    pub(crate) async fn late_slots(&self, older_than_ms: i64) -> Result<u64, SyncError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM fer_sync.record WHERE pending AND NOT parked AND tbl = 'slot' AND pending_since_ms < $1",
        )
        .bind(older_than_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(count(n))
    }

    pub(crate) async fn desired(&self, table: Table, id: &Guid) -> Result<Option<Option<String>>, SyncError> {
        let row = sqlx::query("SELECT desired FROM fer_sync.record WHERE tbl = $1 AND id = $2")
            .bind(table.as_str())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("desired")).transpose().map_err(SyncError::from)
    }

    pub(crate) async fn rows_of(&self, org: &str, unrouted: bool) -> Result<Vec<StoredRow>, SyncError> {
        let rows = sqlx::query(
            "SELECT tbl, id, desired, desired_hash, sent_hash, route_id FROM fer_sync.record \
             WHERE org = $1 OR ($2 AND org IS NULL)",
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

    pub(crate) async fn repair(&self, repairs: &[Repair]) -> Result<(), SyncError> {
        if repairs.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut sorted: Vec<&Repair> = repairs.iter().collect();
        sorted.sort_unstable_by(|a, b| (&a.id, a.table).cmp(&(&b.id, b.table)));
        sorted.dedup_by(|a, b| a.id == b.id && a.table == b.table);
        retried!(self.pool, conn => {
            sqlx::query(
                "INSERT INTO fer_sync.record AS r (tbl, id, org, desired, desired_hash, sent_hash, pending, pending_since_ms, changed_ms) \
                 SELECT u.tbl, u.id, u.org, NULL, NULL, u.h, (u.h IS NOT NULL), $5, $5 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(tbl, id, org, h) \
                 ON CONFLICT (id, tbl) DO UPDATE SET sent_hash = excluded.sent_hash, \
                 pending = (r.desired_hash IS DISTINCT FROM excluded.sent_hash), \
                 pending_since_ms = CASE WHEN r.desired_hash IS NOT DISTINCT FROM excluded.sent_hash THEN NULL \
                     ELSE COALESCE(r.pending_since_ms, excluded.changed_ms) END, \
                 attempts = 0, next_try_ms = 0",
            )
            .bind(sorted.iter().map(|r| r.table.as_str()).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.org.as_str()).collect::<Vec<_>>())
            .bind(sorted.iter().map(|r| r.vitrina_hash).collect::<Vec<_>>())
            .bind(now)
            .execute(&mut *conn)
            .await?;
            forget_settled(conn).await?;
            Ok(())
        })
    }

    pub(crate) async fn adopt(&self, entries: Entries<'_>, now_ms: i64) -> Result<(), SyncError> {
        self.write(async |conn| {
            let (_, adopted) = upsert_entries(conn, entries, now_ms).await?;
            for chunk in adopted.chunks(ROWS_PER_STATEMENT) {
                sqlx::query(
                    "UPDATE fer_sync.record r SET sent_hash = desired_hash, pending = false, pending_since_ms = NULL, \
                     attempts = 0, next_try_ms = 0, parked = false, last_code = NULL, last_message = NULL \
                     FROM UNNEST($1::text[], $2::text[]) AS u(tbl, id) WHERE r.tbl = u.tbl AND r.id = u.id",
                )
                .bind(chunk.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>())
                .bind(chunk.iter().map(|(_, id)| id.to_string()).collect::<Vec<_>>())
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        })
        .await
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    // ---- leases ----

    /// One lease round of `instance` with leases of `ttl`, by the database's clock: the instance's
    /// own heartbeat, the renewal of every lease it holds, with `release` the release of the leases
    /// above its fair share (the partitions over the instances alive, rounded up), and the
    /// acquisition of free or expired leases up to that share. Answers the leases held afterwards.
    pub(crate) async fn lease_round(
        &self,
        instance: &str,
        ttl: Duration,
        release: bool,
    ) -> Result<Vec<(String, i64)>, SyncError> {
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        retried!(self.pool, conn => {
            sqlx::query(
                "INSERT INTO fer_sync.instance (id, expires_at) VALUES ($1, now() + $2 * interval '1 millisecond') \
                 ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at",
            )
            .bind(instance)
            .bind(ttl_ms)
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM fer_sync.instance WHERE expires_at < now() - interval '1 hour'")
                .execute(&mut *conn)
                .await?;
            let mut held: Vec<(String, i64)> = sqlx::query_as(
                "UPDATE fer_sync.lease SET expires_at = now() + $2 * interval '1 millisecond' \
                 WHERE holder = $1 RETURNING part, token",
            )
            .bind(instance)
            .bind(ttl_ms)
            .fetch_all(&mut *conn)
            .await?;
            held.sort();
            let (alive, partitions): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT count(*) FROM fer_sync.instance WHERE expires_at > now()), \
                 (SELECT count(*) FROM fer_sync.lease)",
            )
            .fetch_one(&mut *conn)
            .await?;
            let share = usize::try_from((partitions + alive.max(1) - 1) / alive.max(1)).unwrap_or(usize::MAX);
            if release && held.len() > share {
                let extra: Vec<String> = held.split_off(share).into_iter().map(|(p, _)| p).collect();
                sqlx::query(
                    "UPDATE fer_sync.lease SET holder = NULL, expires_at = now() WHERE holder = $1 AND part = ANY($2)",
                )
                .bind(instance)
                .bind(&extra)
                .execute(&mut *conn)
                .await?;
            }
            if held.len() < share {
                let taken: Vec<(String, i64)> = sqlx::query_as(
                    "UPDATE fer_sync.lease SET holder = $1, token = token + 1, acquired_at = now(), \
                     expires_at = now() + $2 * interval '1 millisecond' \
                     WHERE part IN (SELECT part FROM fer_sync.lease WHERE holder IS NULL OR expires_at <= now() \
                         ORDER BY part LIMIT $3 FOR UPDATE SKIP LOCKED) \
                     RETURNING part, token",
                )
                .bind(instance)
                .bind(ttl_ms)
                .bind(i64::try_from(share - held.len()).unwrap_or(0))
                .fetch_all(&mut *conn)
                .await?;
                held.extend(taken);
                held.sort();
            }
            Ok(held)
        })
    }

    /// The time left (ms, by the database's clock) on each lease of `fence` that is still held
    /// with its token.
    pub(crate) async fn lease_left(&self, fence: &Fence) -> Result<HashMap<String, i64>, SyncError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT l.part, (EXTRACT(EPOCH FROM (l.expires_at - now())) * 1000)::bigint FROM fer_sync.lease l \
             JOIN UNNEST($2::text[], $3::bigint[]) AS f(part, token) ON f.part = l.part AND f.token = l.token \
             WHERE l.holder = $1 AND l.expires_at > now()",
        )
        .bind(&fence.instance)
        .bind(fence.parts())
        .bind(fence.leases.iter().map(|(_, t)| *t).collect::<Vec<_>>())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().collect())
    }

    pub(crate) async fn leases(&self) -> Result<Vec<Lease>, SyncError> {
        let rows: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(
            "SELECT part, holder, token, (EXTRACT(EPOCH FROM (GREATEST(expires_at, now()) - now())) * 1000)::bigint \
             FROM fer_sync.lease ORDER BY part",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(partition, holder, token, left)| Lease {
                holder: holder.filter(|_| left > 0),
                partition,
                token,
                left: Duration::from_millis(count(left)),
            })
            .collect())
    }

    /// Gives up every lease of `instance` and its heartbeat (a graceful stop): the others take
    /// its partitions at their next round.
    pub(crate) async fn release_all(&self, instance: &str) -> Result<(), SyncError> {
        retried!(self.pool, conn => {
            sqlx::query("UPDATE fer_sync.lease SET holder = NULL, expires_at = now() WHERE holder = $1")
                .bind(instance)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM fer_sync.instance WHERE id = $1").bind(instance).execute(&mut *conn).await?;
            Ok(())
        })
    }

    /// A listener on the intake's channel and, with `outbox`, the outbox's (a connection of its
    /// own, outside the pool).
    pub(crate) async fn listen(&self, outbox: bool) -> Result<PgListener, SyncError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(INTAKE_CHANNEL).await?;
        if outbox {
            listener.listen(OUTBOX_CHANNEL).await?;
        }
        Ok(listener)
    }
}

/// The lease of one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Lease {
    /// The subdivision (`mo.id`); `""` for the records not routed to one yet.
    pub partition: String,
    /// The instance holding it; `None` when it is free or expired.
    pub holder: Option<String>,
    /// The fencing token: one more at every acquisition.
    pub token: i64,
    /// The time left on it.
    pub left: Duration,
}

/// Takes a share lock on the leases of `fence` still held with their tokens (a takeover waits for
/// this transaction), and answers their partitions: what the transaction may write. `None` without
/// a fence (an engine alone on the store).
async fn hold(conn: &mut PgConnection, fence: Option<&Fence>) -> Result<Option<Vec<String>>, SyncError> {
    let Some(fence) = fence else { return Ok(None) };
    let valid: Vec<String> = sqlx::query_scalar(
        "SELECT l.part FROM fer_sync.lease l \
         JOIN UNNEST($2::text[], $3::bigint[]) AS f(part, token) ON f.part = l.part AND f.token = l.token \
         WHERE l.holder = $1 AND l.expires_at > now() ORDER BY l.part FOR SHARE OF l",
    )
    .bind(&fence.instance)
    .bind(fence.parts())
    .bind(fence.leases.iter().map(|(_, t)| *t).collect::<Vec<_>>())
    .fetch_all(&mut *conn)
    .await?;
    Ok(Some(valid))
}

/// The `tbl` column of a row.
fn table_of(row: &PgRow) -> Result<Table, SyncError> {
    parse_table(&row.try_get::<String, _>("tbl")?)
}

/// The deletes of `ids` of `table`, in key order.
async fn delete_rows(
    conn: &mut PgConnection,
    table: Table,
    ids: &[Guid],
    now_ms: i64,
) -> Result<IntakeCounts, SyncError> {
    let mut keys: Vec<String> = ids.iter().map(Guid::to_string).collect();
    keys.sort_unstable();
    keys.dedup();
    let repeats = (ids.len() - keys.len()) as u64;
    let mut counts = IntakeCounts { unchanged: repeats, ..IntakeCounts::default() };
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let changed: i64 = sqlx::query_scalar(
            "WITH up AS (INSERT INTO fer_sync.record AS r (tbl, id, desired, desired_hash, sent_hash, \
             pending, pending_since_ms, changed_ms) \
             SELECT $1, u.id, NULL, NULL, $2, true, $3, $3 FROM UNNEST($4::text[]) AS u(id) \
             ON CONFLICT (id, tbl) DO UPDATE SET desired = NULL, desired_hash = NULL, \
             pending = (r.sent_hash IS NOT NULL), \
             pending_since_ms = CASE WHEN r.sent_hash IS NULL THEN NULL \
                 ELSE COALESCE(r.pending_since_ms, excluded.changed_ms) END, \
             changed_ms = excluded.changed_ms, attempts = 0, next_try_ms = 0, parked = false, \
             last_code = NULL, last_message = NULL \
             WHERE r.desired_hash IS NOT NULL RETURNING r.part), \
             reg AS (INSERT INTO fer_sync.lease (part) SELECT DISTINCT part FROM up ON CONFLICT DO NOTHING) \
             SELECT count(*) FROM up",
        )
        .bind(table.as_str())
        .bind(UNKNOWN_PRESENCE)
        .bind(now_ms)
        .bind(chunk)
        .fetch_one(&mut *conn)
        .await?;
        counts.changed += count(changed);
        counts.unchanged += chunk.len() as u64 - count(changed);
    }
    Ok(counts)
}

/// Wakes the other instances (at commit) when an intake changed something.
async fn notify_intake(conn: &mut PgConnection, counts: IntakeCounts) -> Result<(), SyncError> {
    if counts.changed + counts.deleted > 0 {
        sqlx::query("SELECT pg_notify($1, '')").bind(INTAKE_CHANNEL).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops the rows of records that are deleted and known to be absent.
async fn forget_settled(conn: &mut PgConnection) -> Result<(), SyncError> {
    sqlx::query("DELETE FROM fer_sync.record WHERE desired_hash IS NULL AND sent_hash IS NULL AND NOT pending")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One statement's rows, as arrays.
#[derive(Default)]
struct Columns {
    table: &'static str,
    id: Vec<String>,
    org: Vec<Option<String>>,
    mo: Vec<Option<String>>,
    resource: Vec<Option<String>>,
    day: Vec<Option<String>>,
    route_tbl: Vec<Option<&'static str>>,
    route_id: Vec<Option<String>>,
    parents: Vec<String>,
    desired: Vec<String>,
    hash: Vec<i64>,
}

impl Columns {
    /// The rows of `chunk` (records of one table), the last of each id kept, in key order.
    fn of(mut chunk: Vec<Entry>) -> Columns {
        // Stable: among equal ids the last handed over stays last, and is the one kept.
        chunk.sort_by_cached_key(|e| e.id.to_string());
        let mut kept: Vec<Entry> = Vec::with_capacity(chunk.len());
        for e in chunk {
            match kept.last_mut() {
                Some(last) if last.id == e.id => *last = e,
                _ => kept.push(e),
            }
        }
        let mut c = Columns { table: kept.first().map_or("", |e| e.table.as_str()), ..Columns::default() };
        for e in kept {
            c.id.push(e.id.to_string());
            c.org.push(e.org);
            c.mo.push(e.mo.map(|m| m.to_string()));
            c.resource.push(e.schedule.map(|(r, _)| r.to_string()));
            c.day.push(e.schedule.map(|(_, d)| super::sqlite::day(d)));
            c.route_tbl.push(e.route.map(|(t, _)| t.as_str()));
            c.route_id.push(e.route.map(|(_, id)| id.to_string()));
            c.parents.push(e.parents);
            c.desired.push(e.json);
            c.hash.push(e.hash);
        }
        c
    }
}

/// Pulls the next statement's records: at most [`ROWS_PER_STATEMENT`], all of one table.
fn next_chunk(source: &mut std::iter::Peekable<Entries<'_>>) -> Result<Option<Vec<Entry>>, SyncError> {
    let Some(first) = source.next().transpose()? else { return Ok(None) };
    let table = first.table;
    let mut chunk = vec![first];
    while chunk.len() < ROWS_PER_STATEMENT {
        match source.peek() {
            Some(Ok(e)) if e.table == table => {}
            Some(Err(_)) => {}
            _ => break,
        }
        match source.next() {
            Some(Ok(e)) => chunk.push(e),
            Some(Err(e)) => return Err(e),
            None => break,
        }
    }
    Ok(Some(chunk))
}

/// The upserts of `entries`, one statement per chunk of one table; a record takes the
/// organisation, subdivision, resource and day it lacks from its route parent in the store
/// (parents come first in load order, in earlier statements of the same transaction). The next
/// chunk is encoded while the server writes the current one.
async fn upsert_entries(
    conn: &mut PgConnection,
    entries: Entries<'_>,
    now_ms: i64,
) -> Result<(IntakeCounts, Vec<(Table, Guid)>), SyncError> {
    let mut source = entries.peekable();
    let mut counts = IntakeCounts::default();
    let mut keys = Vec::new();
    let mut next = next_chunk(&mut source)?.map(|chunk| {
        keys.extend(chunk.iter().map(|e| (e.table, e.id)));
        (chunk.len(), Columns::of(chunk))
    });
    while let Some((handed, columns)) = next.take() {
        let write = sqlx::query_scalar::<_, i64>(
            "WITH up AS (INSERT INTO fer_sync.record AS r (tbl, id, org, mo, resource, day, route_tbl, route_id, \
             parents, desired, desired_hash, sent_hash, pending, pending_since_ms, changed_ms) \
             SELECT $1, u.id, COALESCE(u.org, p.org), COALESCE(u.mo, p.mo), COALESCE(u.resource, p.resource), \
             COALESCE(u.day, p.day), u.route_tbl, u.route_id, u.parents, u.desired, u.hash, NULL, true, $2, $2 \
             FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
                 $10::text[], $11::text[], $12::bigint[]) \
                 AS u(id, org, mo, resource, day, route_tbl, route_id, parents, desired, hash) \
             LEFT JOIN fer_sync.record p ON p.tbl = u.route_tbl AND p.id = u.route_id \
             ON CONFLICT (id, tbl) DO UPDATE SET org = excluded.org, mo = excluded.mo, \
             resource = excluded.resource, day = excluded.day, \
             route_tbl = excluded.route_tbl, route_id = excluded.route_id, parents = excluded.parents, \
             desired = excluded.desired, desired_hash = excluded.desired_hash, \
             pending = (excluded.desired_hash IS DISTINCT FROM r.sent_hash), \
             pending_since_ms = CASE WHEN excluded.desired_hash IS NOT DISTINCT FROM r.sent_hash THEN NULL \
                 ELSE COALESCE(r.pending_since_ms, excluded.changed_ms) END, \
             changed_ms = excluded.changed_ms, attempts = 0, next_try_ms = 0, parked = false, \
             last_code = NULL, last_message = NULL \
             WHERE r.desired_hash IS DISTINCT FROM excluded.desired_hash \
             RETURNING r.part), \
             reg AS (INSERT INTO fer_sync.lease (part) SELECT DISTINCT part FROM up ON CONFLICT DO NOTHING) \
             SELECT count(*) FROM up",
        )
        .bind(columns.table)
        .bind(now_ms)
        .bind(columns.id)
        .bind(columns.org)
        .bind(columns.mo)
        .bind(columns.resource)
        .bind(columns.day)
        .bind(columns.route_tbl)
        .bind(columns.route_id)
        .bind(columns.parents)
        .bind(columns.desired)
        .bind(columns.hash)
        .fetch_one(&mut *conn);
        let (written, following) = tokio::join!(write, async {
            next_chunk(&mut source).map(|c| {
                c.map(|chunk| {
                    let keys: Vec<(Table, Guid)> = chunk.iter().map(|e| (e.table, e.id)).collect();
                    (keys, chunk.len(), Columns::of(chunk))
                })
            })
        });
        let changed = count(written?);
        counts.changed += changed;
        counts.unchanged += handed as u64 - changed.min(handed as u64);
        if let Some((more, handed, columns)) = following? {
            keys.extend(more);
            next = Some((handed, columns));
        }
    }
    Ok((counts, keys))
}

// ---- the MIS outbox ----

/// What one drain of the MIS outbox (`fer_sync.outbox`) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OutboxDrain {
    /// Changes taken from the outbox (and removed from it).
    pub taken: u64,
    /// What the valid ones did to the store (the last change of a record in the batch counts).
    pub intake: IntakeCounts,
    /// Changes parked in `fer_sync.outbox_parked` with their reason.
    pub parked: u64,
    /// Another instance was draining: nothing was taken.
    pub busy: bool,
}

/// Why a change of the MIS outbox was parked instead of taken into the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxRejection {
    /// `tbl` names no Vitrina table.
    #[error("{table:?} is not a Vitrina table")]
    UnknownTable {
        /// The name given.
        table: String,
    },
    /// The id is not a GUID.
    #[error("{table} {id:?}: the id is not a GUID")]
    BadId {
        /// The table.
        table: Table,
        /// The id given.
        id: String,
    },
    /// The record breaks a rule of its table (fer-validate's), or does not read as its type.
    #[error("{table} {id}: {field}: {message} ({code})")]
    Invalid {
        /// The table.
        table: Table,
        /// The record's id.
        id: String,
        /// The JSON pointer of the field at fault within the record (`/visit_time`; empty for
        /// the record as a whole).
        field: String,
        /// The rule's code (fer-validate's `RuleCode`), e.g. `missing_field`.
        code: String,
        /// What is wrong.
        message: String,
    },
}

impl OutboxRejection {
    fn code(&self) -> &str {
        match self {
            OutboxRejection::UnknownTable { .. } => "table",
            OutboxRejection::BadId { .. } => "id",
            OutboxRejection::Invalid { code, .. } => code,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            OutboxRejection::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A change of the MIS outbox that was parked, as `fer_sync.outbox_parked` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParkedChange {
    /// The table as the MIS named it.
    pub table: String,
    /// The id as the MIS gave it.
    pub id: String,
    /// The change's position in the outbox.
    pub seq: i64,
    /// `table`, `id`, or the rule's code.
    pub code: String,
    /// The JSON pointer of the field at fault, if one is.
    pub field: Option<String>,
    /// Why (the [`OutboxRejection`], as text).
    pub message: String,
}

/// A change read from the outbox.
struct Change {
    seq: i64,
    table: String,
    id: String,
    record: Option<String>,
}

/// What a change becomes: an upsert, a delete, or a parked change.
enum Taken {
    Upsert(Entry),
    Delete(Table, Guid),
    Parked(OutboxRejection),
}

/// Reads one change as the store takes it.
fn take(change: &Change) -> Taken {
    let Ok(table) = Table::from_str(&change.table) else {
        return Taken::Parked(OutboxRejection::UnknownTable { table: change.table.clone() });
    };
    let Ok(id) = change.id.parse::<Guid>() else {
        return Taken::Parked(OutboxRejection::BadId { table, id: change.id.clone() });
    };
    let Some(record) = &change.record else { return Taken::Delete(table, id) };
    let invalid = |field: &str, code: &str, message: String| {
        Taken::Parked(OutboxRejection::Invalid {
            table,
            id: change.id.clone(),
            field: field.to_owned(),
            code: code.to_owned(),
            message,
        })
    };
    // The table's rules (fer-validate), on a batch of this one record: pointers `/0/field`.
    let body = format!("[{record}]");
    let report = fer_validate::validate_raw(table, body.as_bytes());
    if let Some(d) = report.errors().next() {
        let field = d.pointer.strip_prefix("/0").unwrap_or(&d.pointer);
        return invalid(field, d.code.as_str(), d.message_en.clone());
    }
    let entry = fer_model::with_record_type!(table, R => {
        serde_json::from_str::<R>(record).map_err(|e| e.to_string()).and_then(|r| Entry::of(&r).map_err(|e| e.to_string()))
    });
    match entry {
        Ok(e) if e.id == id => Taken::Upsert(e),
        Ok(e) => invalid("/id", "id", format!("the record's id {} is not the id enqueued", e.id)),
        Err(message) => invalid("", "decode", message),
    }
}

impl PgStore {
    /// Moves up to `limit` committed changes from the MIS outbox into the store, in one
    /// transaction: the last change of each record in the batch is taken (an upsert or a delete),
    /// a change that cannot be taken is parked with its reason, and every change taken or parked
    /// leaves the outbox. One instance drains at a time (the others answer `busy`).
    pub(crate) async fn drain_outbox(&self, limit: usize) -> Result<OutboxDrain, SyncError> {
        let now = now_ms();
        retried!(self.pool, conn => {
            let mine: Option<bool> =
                sqlx::query_scalar("SELECT one FROM fer_sync.outbox_drainer FOR UPDATE SKIP LOCKED")
                    .fetch_optional(&mut *conn)
                    .await?;
            if mine.is_none() {
                return Ok(OutboxDrain { busy: true, ..OutboxDrain::default() });
            }
            let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
                "SELECT seq, tbl, id, record::text FROM fer_sync.outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
            )
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *conn)
            .await?;
            if rows.is_empty() {
                return Ok(OutboxDrain::default());
            }
            let seqs: Vec<i64> = rows.iter().map(|r| r.0).collect();
            // The last change of each record (rows are in seq order).
            let mut last: HashMap<(String, String), Change> = HashMap::new();
            for (seq, table, id, record) in rows {
                last.insert((table.clone(), id.clone()), Change { seq, table, id, record });
            }
            let mut changes: Vec<Change> = last.into_values().collect();
            changes.sort_by_key(|c| c.seq);
            let mut upserts: Vec<Entry> = Vec::new();
            let mut deletes: HashMap<Table, Vec<Guid>> = HashMap::new();
            let mut parked: Vec<(&Change, OutboxRejection)> = Vec::new();
            let mut valid: Vec<(&str, &str)> = Vec::new();
            for c in &changes {
                match take(c) {
                    Taken::Upsert(e) => {
                        valid.push((&c.table, &c.id));
                        upserts.push(e);
                    }
                    Taken::Delete(table, id) => {
                        valid.push((&c.table, &c.id));
                        deletes.entry(table).or_default().push(id);
                    }
                    Taken::Parked(why) => {
                        tracing::warn!(seq = c.seq, reason = %why, "a change of the MIS outbox is parked");
                        parked.push((c, why));
                    }
                }
            }
            // Parents first, as an intake of the Rust API takes them.
            upserts.sort_by_key(|e| Table::LOAD_ORDER.iter().position(|t| *t == e.table));
            let mut drain = OutboxDrain {
                taken: seqs.len() as u64,
                parked: parked.len() as u64,
                ..OutboxDrain::default()
            };
            let (counts, _) = upsert_entries(conn, Box::new(upserts.into_iter().map(Ok)), now).await?;
            drain.intake = counts;
            for table in Table::LOAD_ORDER.into_iter().rev() {
                if let Some(ids) = deletes.get(&table) {
                    let counts = delete_rows(conn, table, ids, now).await?;
                    drain.intake.changed += counts.changed;
                    drain.intake.unchanged += counts.unchanged;
                }
            }
            if !valid.is_empty() {
                sqlx::query(
                    "DELETE FROM fer_sync.outbox_parked p USING UNNEST($1::text[], $2::text[]) AS u(tbl, id) \
                     WHERE p.tbl = u.tbl AND p.id = u.id",
                )
                .bind(valid.iter().map(|v| v.0).collect::<Vec<_>>())
                .bind(valid.iter().map(|v| v.1).collect::<Vec<_>>())
                .execute(&mut *conn)
                .await?;
            }
            if !parked.is_empty() {
                sqlx::query(
                    "INSERT INTO fer_sync.outbox_parked (tbl, id, seq, record, code, field, message, enqueued_at) \
                     SELECT u.tbl, u.id, u.seq, o.record, u.code, u.field, u.message, o.enqueued_at \
                     FROM UNNEST($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[]) \
                         AS u(tbl, id, seq, code, field, message) \
                     JOIN fer_sync.outbox o ON o.seq = u.seq \
                     ON CONFLICT (tbl, id) DO UPDATE SET seq = excluded.seq, record = excluded.record, \
                     code = excluded.code, field = excluded.field, message = excluded.message, \
                     enqueued_at = excluded.enqueued_at, parked_at = now()",
                )
                .bind(parked.iter().map(|(c, _)| c.table.as_str()).collect::<Vec<_>>())
                .bind(parked.iter().map(|(c, _)| c.id.as_str()).collect::<Vec<_>>())
                .bind(parked.iter().map(|(c, _)| c.seq).collect::<Vec<_>>())
                .bind(parked.iter().map(|(_, w)| w.code()).collect::<Vec<_>>())
                .bind(parked.iter().map(|(_, w)| w.field()).collect::<Vec<_>>())
                .bind(parked.iter().map(|(_, w)| w.to_string()).collect::<Vec<_>>())
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query("DELETE FROM fer_sync.outbox WHERE seq = ANY($1)").bind(&seqs).execute(&mut *conn).await?;
            forget_settled(conn).await?;
            notify_intake(conn, drain.intake).await?;
            Ok(drain)
        })
    }

    /// The parked changes of the MIS outbox (the first `limit`, oldest first).
    pub(crate) async fn outbox_parked(&self, limit: usize) -> Result<Vec<ParkedChange>, SyncError> {
        let rows: Vec<(String, String, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT tbl, id, seq, code, field, message FROM fer_sync.outbox_parked ORDER BY seq LIMIT $1",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(table, id, seq, code, field, message)| ParkedChange { table, id, seq, code, field, message })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn slot() -> fer_model::Slot {
        fer_sample::slots(1, 5).remove(0)
    }

    async fn store(hint: &str) -> Option<(PgStore, Store)> {
        let pg = fer_testkit::postgres::Postgres::shared()?;
        let url = pg.database(hint);
        let store = Store::connect(&url).await.unwrap();
        Some((store.postgres().unwrap().clone(), store))
    }

    #[tokio::test]
    async fn an_instance_that_lost_its_lease_can_neither_send_nor_acknowledge() {
        let Some((pg, store)) = store("fencing").await else { return };
        let slot = slot();
        let part = slot.mo_id.to_string();
        store.intake(Box::new(std::iter::once(Entry::of(&slot))), now_ms()).await.unwrap();
        let ttl = Duration::from_secs(30);

        // Instance a, alone, takes every partition (the slot's and the one of unrouted records).
        let a = Fence { instance: "a".into(), leases: pg.lease_round("a", ttl, true).await.unwrap() };
        assert_eq!(a.parts(), vec![String::new(), part.clone()]);
        let due = store.due("no-such-org", true, now_ms(), 10, Some(&a)).await.unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].part, part);
        pg.mark_in_flight(&[&due[0]], Some(&a)).await.unwrap();

        // a stalls; its leases run out and b takes them over (new tokens).
        sqlx::query("UPDATE fer_sync.lease SET expires_at = now() - interval '1 second'")
            .execute(&pg.pool)
            .await
            .unwrap();
        sqlx::query("UPDATE fer_sync.instance SET expires_at = now() - interval '1 second'")
            .execute(&pg.pool)
            .await
            .unwrap();
        let b = Fence { instance: "b".into(), leases: pg.lease_round("b", ttl, true).await.unwrap() };
        assert_eq!(b.parts(), a.parts());
        assert!(b.leases.iter().zip(&a.leases).all(|(b, a)| b.1 == a.1 + 1), "{b:?} after {a:?}");

        // a may not send any more, and its acknowledgement changes nothing.
        assert!(pg.lease_left(&a).await.unwrap().is_empty());
        assert_eq!(pg.lease_left(&b).await.unwrap().len(), 2);
        let accepted =
            [Settlement::Accepted { table: Table::Slot, id: due[0].id.clone(), sent_hash: due[0].desired_hash }];
        pg.settle(&accepted, Some(&a)).await.unwrap();
        let (pending, sent): (bool, Option<i64>) =
            sqlx::query_as("SELECT pending, sent_hash FROM fer_sync.record").fetch_one(&pg.pool).await.unwrap();
        assert!(pending && sent == Some(UNKNOWN_PRESENCE), "a's acknowledgement was applied");
        // Nor can a renew its way back: b holds the leases.
        assert!(pg.lease_round("a", ttl, true).await.unwrap().is_empty());

        // b's acknowledgement is applied.
        pg.settle(&accepted, Some(&b)).await.unwrap();
        let (pending, sent): (bool, Option<i64>) =
            sqlx::query_as("SELECT pending, sent_hash FROM fer_sync.record").fetch_one(&pg.pool).await.unwrap();
        assert!(!pending && sent == due[0].desired_hash);
    }

    #[tokio::test]
    async fn leases_are_shared_fairly_and_released_for_a_newcomer() {
        let Some((pg, store)) = store("shares").await else { return };
        let slots: Vec<fer_model::Slot> = (0..5u64).map(|seed| fer_sample::slots(1, 100 + seed).remove(0)).collect();
        store.intake(Box::new(slots.iter().map(Entry::of)), now_ms()).await.unwrap();
        let ttl = Duration::from_secs(30);
        // Six partitions (five subdivisions and the unrouted one); a alone takes them all.
        assert_eq!(pg.lease_round("a", ttl, true).await.unwrap().len(), 6);
        // b arrives: nothing is free until a gives up what is above its share, between cycles.
        assert!(pg.lease_round("b", ttl, true).await.unwrap().is_empty());
        assert_eq!(pg.lease_round("a", ttl, true).await.unwrap().len(), 3);
        assert_eq!(pg.lease_round("b", ttl, true).await.unwrap().len(), 3);
        // A graceful stop hands everything over.
        pg.release_all("a").await.unwrap();
        assert_eq!(pg.lease_round("b", ttl, true).await.unwrap().len(), 6);
    }

    #[tokio::test]
    async fn connecting_takes_no_advisory_lock_that_outlives_the_migration() {
        let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
        let url = pg.database("advisory");
        // Three instances starting together migrate one after the other.
        let (a, b, c) = tokio::join!(Store::connect(&url), Store::connect(&url), Store::connect(&url));
        let (a, _b, _c) = (a.unwrap(), b.unwrap(), c.unwrap());
        // The migrations ran on connections of their own, now closed: no session holds an advisory
        // lock, pooled or not, and the pools' connections were never used for them.
        let db = url.split("localhost/").nth(1).unwrap().split('?').next().unwrap();
        let locks = pg.psql(
            db,
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database()",
        );
        assert_eq!(locks.trim(), "0");
        let pool = &a.postgres().unwrap().pool;
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid \
             WHERE l.locktype = 'advisory' AND s.datname = current_database()",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        assert_eq!(held, 0);
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM fer_sync._sqlx_migrations").fetch_one(pool).await.unwrap();
        assert_eq!(applied, migrator().migrations.len() as i64);
    }

    /// Every file of `migrations/postgres/` is embedded, in the order of its number.
    #[test]
    fn every_migration_file_is_embedded_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let embedded = migrator();
        assert_eq!(embedded.migrations.len(), files.len(), "{files:?}");
        for (m, file) in embedded.migrations.iter().zip(&files) {
            assert!(file.starts_with(&format!("{:04}_", m.version)), "{file} is not migration {}", m.version);
        }
    }

    #[test]
    fn a_malformed_change_is_parked_with_its_table_id_and_field() {
        let change = |table: &str, id: &str, record: Option<String>| Change {
            seq: 1,
            table: table.into(),
            id: id.into(),
            record,
        };
        assert!(matches!(take(&change("slots", "x", None)), Taken::Parked(OutboxRejection::UnknownTable { .. })));
        assert!(matches!(
            take(&change("slot", "not-a-guid", None)),
            Taken::Parked(OutboxRejection::BadId { table: Table::Slot, .. })
        ));
        let slot = slot();
        let id = slot.id.to_string();
        let mut json: serde_json::Value = serde_json::to_value(&slot).unwrap();
        assert!(matches!(take(&change("slot", &id, Some(json.to_string()))), Taken::Upsert(_)));
        json["visit_time"] = serde_json::json!("tomorrow");
        let Taken::Parked(OutboxRejection::Invalid { table, id: got, field, .. }) =
            take(&change("slot", &id, Some(json.to_string())))
        else {
            panic!("a slot without a time is taken")
        };
        assert_eq!((table, got.as_str(), field.as_str()), (Table::Slot, id.as_str(), "/visit_time"));
        assert!(matches!(take(&change("slot", &id, Some("[1, 2".into()))), Taken::Parked(_)));
        let other = Guid::from_u128(9).to_string();
        let Taken::Parked(OutboxRejection::Invalid { field, .. }) =
            take(&change("slot", &other, Some(serde_json::to_string(&slot).unwrap())))
        else {
            panic!("a record under another id is taken")
        };
        assert_eq!(field, "/id");
    }
}
