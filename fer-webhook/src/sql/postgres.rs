//! [`PostgresStore`]: the idempotency store in PostgreSQL, shared by instances on any hosts.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use fer_model::{BookingConfirmation, CancelConfirmation, Guid};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::{booking_json, booking_of, cancel_json, cancel_of, db};
use crate::{BookingKey, BookingRecord, ClaimKey, IdempotencyStore, StoreError};

/// The migrations of [`PostgresStore`].
const MIGRATIONS: &[(i64, &str, &str)] =
    &[(20261204000001, "idempotency", include_str!("../../migrations/postgres/20261204000001_idempotency.sql"))];

/// The schema of the store's tables, and of its migration table.
const SCHEMA: &str = "fer_webhook";

/// An [`IdempotencyStore`] in PostgreSQL (feature `postgres`): for instances of the webhook on
/// several hosts. Tables `fer_webhook.bookings`, `fer_webhook.cancels` and
/// `fer_webhook.claims` in a schema of their own (sqlx's migration table too, so the database
/// may be the MIS's own, migrated by other tools), created when the store is connected. Claims
/// are timed by the database's clock, never the hosts'.
///
/// Cheap to clone (a connection pool). The MIS's own cancel path may connect to the same
/// database and call [`IdempotencyStore::save_cancel`] (see [`Idempotent`](crate::Idempotent)).
///
/// ```no_run
/// # async fn demo() -> Result<(), fer_webhook::StoreError> {
/// let store = fer_webhook::PostgresStore::connect("postgres://mis@db.local/mis").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database of a `postgres:` URL with a pool of up to 16 connections,
    /// creates the schema `fer_webhook` if needed and brings its tables up to date.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, 16).await
    }

    /// [`connect`](Self::connect) with a pool of up to `max_connections`.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(db)?.options([("search_path", SCHEMA)]);
        let pool =
            PgPoolOptions::new().max_connections(max_connections.max(1)).connect_with(options).await.map_err(db)?;
        // Instances starting together: one creates the schema, under a lock that ends with the
        // transaction (a transaction-scoped advisory lock cannot outlive it on a pooled connection).
        let mut tx = pool.begin().await.map_err(db)?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('fer_webhook schema'))")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("CREATE SCHEMA IF NOT EXISTS fer_webhook").execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        super::migrator(MIGRATIONS).run(&pool).await.map_err(StoreError::new)?;
        Ok(PostgresStore { pool })
    }

    /// Closes the pool (waits for the connections in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl IdempotencyStore for PostgresStore {
    async fn claim(&self, key: &ClaimKey, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        // One statement: the conflicting row is locked while its WHERE is decided.
        let won: Option<(String,)> = sqlx::query_as(
            "INSERT INTO fer_webhook.claims AS c (key, owner, expires_at)
             VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
             ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
             WHERE c.owner = excluded.owner OR c.expires_at <= clock_timestamp()
             RETURNING c.owner",
        )
        .bind(key.to_text())
        .bind(owner)
        .bind(ttl.as_secs_f64() * 1000.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(won.is_some())
    }

    async fn release(&self, key: &ClaimKey, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM fer_webhook.claims WHERE key = $1 AND owner = $2")
            .bind(key.to_text())
            .bind(owner)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT b.confirmation, c.confirmation FROM fer_webhook.bookings b
             LEFT JOIN fer_webhook.cancels c ON c.book_ext_id = b.book_ext_id WHERE b.key = $1",
        )
        .bind(key.to_text())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let cancel: Option<String> = row.try_get(1).map_err(db)?;
        Ok(Some(match cancel {
            Some(cancel) => BookingRecord::Cancelled(cancel_of(&cancel)?),
            None => BookingRecord::Confirmed(booking_of(&row.try_get::<String, _>(0).map_err(db)?)?),
        }))
    }

    async fn save_booking(&self, key: BookingKey, confirmation: &BookingConfirmation) -> Result<(), StoreError> {
        // One statement, so one round trip and one commit: the booking saved, an older cancel of
        // its book_ext_id forgotten, and the claim ended with the answer (the release after it
        // finds nothing).
        sqlx::query(
            "WITH saved AS (
                 INSERT INTO fer_webhook.bookings (key, book_ext_id, confirmation) VALUES ($1, $2, $3)
                 ON CONFLICT (key) DO UPDATE SET book_ext_id = excluded.book_ext_id, confirmation = excluded.confirmation
             ), uncancelled AS (
                 DELETE FROM fer_webhook.cancels WHERE book_ext_id = $2
             )
             DELETE FROM fer_webhook.claims WHERE key = $4",
        )
        .bind(key.to_text())
        .bind(confirmation.book_ext_id.to_string())
        .bind(booking_json(confirmation))
        .bind(ClaimKey::Book(key).to_text())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT confirmation FROM fer_webhook.cancels WHERE book_ext_id = $1")
                .bind(book_ext_id.to_string())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        row.map(|(json,)| cancel_of(&json)).transpose()
    }

    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        // One statement: the cancel saved and its claim ended.
        sqlx::query(
            "WITH saved AS (
                 INSERT INTO fer_webhook.cancels (book_ext_id, confirmation) VALUES ($1, $2)
                 ON CONFLICT (book_ext_id) DO UPDATE SET confirmation = excluded.confirmation
             )
             DELETE FROM fer_webhook.claims WHERE key = $3",
        )
        .bind(cancel.book_ext_id.to_string())
        .bind(cancel_json(cancel))
        .bind(ClaimKey::Cancel(cancel.book_ext_id).to_text())
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }
}
