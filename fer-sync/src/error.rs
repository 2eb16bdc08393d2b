//! What can go wrong in fer-sync itself. What the Vitrina says of a record is not an error of the
//! engine: it is kept in the store with the record ([`ParkedRecord`](crate::ParkedRecord)).

use fer_model::{Guid, Table};

/// An error of the store or of the engine's configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The SQLite store could not be opened, read or written.
    #[error("sync store: {0}")]
    Store(#[from] sqlx::Error),
    /// The store's schema could not be brought up to date.
    #[error("sync store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A record could not be written as JSON (it cannot happen with the fer-model types).
    #[error("{table} {id}: cannot encode the record")]
    Encode {
        /// The table.
        table: Table,
        /// The record.
        id: Guid,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A record kept in the store no longer reads as its table's type (a store written by an
    /// incompatible release, or edited by hand).
    #[error("{table} {id}: the stored record does not decode")]
    Decode {
        /// The table.
        table: Table,
        /// The record.
        id: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A value in the store is not what fer-sync writes (e.g. an unknown table name).
    #[error("sync store holds {what} {value:?}, which fer-sync never writes")]
    Corrupt {
        /// What was read.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// The call needs the PostgreSQL store (the MIS outbox, leases), and this one is SQLite.
    #[error("{0} needs the PostgreSQL store")]
    NotPostgres(&'static str),
    /// The engine was built without an organisation to push for.
    #[error("the sync engine needs at least one organisation (MO OID and its client)")]
    NoOrganisation,
}
