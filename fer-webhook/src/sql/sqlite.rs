//! [`SqliteStore`]: the idempotency store in a SQLite file shared by the instances on one host.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use fer_model::{BookingConfirmation, CancelConfirmation, Guid};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::{booking_json, booking_of, cancel_json, cancel_of, db};
use crate::{BookingKey, BookingRecord, ClaimKey, IdempotencyStore, StoreError};

/// The migrations of [`SqliteStore`].
const MIGRATIONS: &[(i64, &str, &str)] =
    &[(20261204000001, "idempotency", include_str!("../../migrations/sqlite/20261204000001_idempotency.sql"))];

/// An [`IdempotencyStore`] in a SQLite file (feature `sqlite`): for the instances of the webhook
/// on one host (a file cannot be shared safely over a network file system). Its claims are
/// timed by the host's clock. Tables `fer_webhook_bookings`, `fer_webhook_cancels` and
/// `fer_webhook_claims`, created when the store is opened; the file may hold other tables too.
///
/// Cheap to clone (two connection pools: one writer, so that this process's writes queue in
/// the pool instead of sleeping in SQLite's busy handler, and readers, which WAL lets run beside
/// it). The MIS's own cancel path may open the same file and
/// call [`IdempotencyStore::save_cancel`] (see [`Idempotent`](crate::Idempotent)).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use fer_webhook::{Idempotent, SqliteStore};
/// # let dir = std::env::temp_dir().join(format!("fer-webhook-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let store = SqliteStore::open(dir.join("webhook.sqlite")).await.unwrap();
/// # struct Mis;
/// # #[async_trait::async_trait]
/// # impl fer_webhook::BookingHandler for Mis {
/// #     async fn book(&self, _: fer_model::BookingRequest, _: fer_webhook::RequestContext) -> Result<fer_model::BookingConfirmation, fer_webhook::BookRejection> { Err(fer_model::BookingRejectionCode::SlotUnavailable.into()) }
/// #     async fn cancel(&self, _: fer_model::CancelRequest, _: fer_webhook::RequestContext) -> Result<fer_model::CancelConfirmation, fer_webhook::CancelRejection> { Err(fer_webhook::CancelRejection::technical_error()) }
/// # }
/// let webhook = Idempotent::new(Mis, store);
/// # drop(webhook);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// One connection: claims, releases, saves.
    write: SqlitePool,
    /// Finds.
    read: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if needed) the SQLite file at `path` and brings its tables up to date.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().filename(path.as_ref()).create_if_missing(true);
        Self::open_with(options).await
    }

    /// Opens the database of a `sqlite:` URL (`sqlite:///var/lib/mis/webhook.sqlite`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(db)?.create_if_missing(true);
        Self::open_with(options).await
    }

    async fn open_with(options: SqliteConnectOptions) -> Result<Self, StoreError> {
        // WAL: readers do not wait for the writer; a writer waits for another up to 5 s (the
        // instances share the file).
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await.map_err(db)?;
        super::migrator(MIGRATIONS).run(&write).await.map_err(StoreError::new)?;
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(db)?;
        Ok(SqliteStore { write, read })
    }

    /// Closes the pools (waits for the connections in use).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// Now, in Unix milliseconds (the claims' clock: the host's).
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[async_trait]
impl IdempotencyStore for SqliteStore {
    async fn claim(&self, key: &ClaimKey, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = now_ms();
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        // One statement: SQLite runs it under the database's write lock.
        let done = sqlx::query(
            "INSERT INTO fer_webhook_claims (key, owner, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
             WHERE fer_webhook_claims.owner = excluded.owner OR fer_webhook_claims.expires_at <= ?4",
        )
        .bind(key.to_text())
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(&self.write)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release(&self, key: &ClaimKey, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM fer_webhook_claims WHERE key = ?1 AND owner = ?2")
            .bind(key.to_text())
            .bind(owner)
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn find_booking(&self, key: &BookingKey) -> Result<Option<BookingRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT b.confirmation, c.confirmation FROM fer_webhook_bookings b
             LEFT JOIN fer_webhook_cancels c ON c.book_ext_id = b.book_ext_id WHERE b.key = ?1",
        )
        .bind(key.to_text())
        .fetch_optional(&self.read)
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
        let id = confirmation.book_ext_id.to_string();
        let text = key.to_text();
        let mut tx = self.write.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO fer_webhook_bookings (key, book_ext_id, confirmation) VALUES (?1, ?2, ?3)
             ON CONFLICT (key) DO UPDATE SET book_ext_id = excluded.book_ext_id, confirmation = excluded.confirmation",
        )
        .bind(&text)
        .bind(&id)
        .bind(booking_json(confirmation))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM fer_webhook_cancels WHERE book_ext_id = ?1")
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // The claim ends with the answer, in the same commit (the release after it finds nothing).
        sqlx::query("DELETE FROM fer_webhook_claims WHERE key = ?1")
            .bind(ClaimKey::Book(key).to_text())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn find_cancel(&self, book_ext_id: Guid) -> Result<Option<CancelConfirmation>, StoreError> {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT confirmation FROM fer_webhook_cancels WHERE book_ext_id = ?1")
                .bind(book_ext_id.to_string())
                .fetch_optional(&self.read)
                .await
                .map_err(db)?;
        row.map(|(json,)| cancel_of(&json)).transpose()
    }

    async fn save_cancel(&self, cancel: &CancelConfirmation) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await.map_err(db)?;
        sqlx::query(
            "INSERT INTO fer_webhook_cancels (book_ext_id, confirmation) VALUES (?1, ?2)
             ON CONFLICT (book_ext_id) DO UPDATE SET confirmation = excluded.confirmation",
        )
        .bind(cancel.book_ext_id.to_string())
        .bind(cancel_json(cancel))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM fer_webhook_claims WHERE key = ?1")
            .bind(ClaimKey::Cancel(cancel.book_ext_id).to_text())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }
}
