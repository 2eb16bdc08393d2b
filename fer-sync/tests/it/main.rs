//! fer-sync against the emulator over loopback, on real SQLite files and a real PostgreSQL server
//! (started by the harness; the PostgreSQL tests print SKIPPED without one, and fail under
//! `CI=true`).

mod common;
mod faults;
mod instances;
mod intake;
mod outbox;
mod postgres;
mod push;
mod reconcile;
