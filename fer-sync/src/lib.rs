//! Keeps a region fresh on the FER 2.0 Vitrina «Запись к врачу», durably.
//!
//! The profile's standing duty for every MIS («Требования к наполнению данными»): slot data on the
//! Vitrina within 30 seconds of any change, every other table at least hourly. fer-sync takes the
//! MIS's changes, keeps them in a durable outbox ([`Store`]: a SQLite file, or a PostgreSQL
//! database shared by several engine instances, see [PostgreSQL](#postgresql)) and pushes them with fer-client in the
//! order the Vitrina needs, so that a vendor hands over changes and gets freshness, durability and
//! an account of every record.
//!
//! * **Intake** ([`SyncHandle`]): [`upsert`](SyncHandle::upsert) and [`delete`](SyncHandle::delete)
//!   are durable when they return, and coalesce per record (the last write wins; a change back to
//!   what the Vitrina holds needs no push). [`snapshot`](SyncHandle::snapshot) takes the complete
//!   set of a [`Scope`] from an MIS that cannot emit changes and diffs it by a content hash (XXH3,
//!   a frozen algorithm) against the last-sent state; what the scope no longer holds is deleted.
//! * **Push loop** ([`SyncEngine::run`]): wakes on intake (after a short linger that coalesces a
//!   burst), when a retry falls due, and at every tick. Each cycle sends deletes that free keys
//!   first, then upserts in load order, then the deletes of subdivisions and resources, and leaves
//!   to the Vitrina's cascade the deletes it does itself (see [Cycle order](#cycle-order)).
//!   Acknowledgements are compare-and-set: a change that arrived while its record was on the wire
//!   stays pending and is sent next.
//! * **Outcomes**: accepted → clean. Refused (R-330 after a few tries that ordering may explain,
//!   any other Vitrina code, a fer-validate error, 403, 405) → parked with the reason until the MIS
//!   changes the record. Transport failures of one record → exponential backoff with jitter, reset
//!   by success. A cycle that can send nothing at all (a refused password, an unreachable Vitrina)
//!   → one backoff for the organisation and an `error!`, not a hot loop.
//! * **Several organisations**: a regional MIS pushes for many MOs, each with its OID and password;
//!   each record goes to the organisation of its subdivision (`mo.parent_id`), found through its
//!   parents.
//! * **Freshness, observable**: [`SyncHandle::status`] gives per organisation and table the
//!   backlog, the age of the oldest unsent change, change → accepted latency (p50, p99, max over a
//!   window), the parked records with their reasons, and the slots past the 30-second window (also
//!   a `warn!` with the count at every cycle).
//!
//! * **Reconciliation** ([`SyncEngine::reconcile`], hourly in [`SyncEngine::run`] by default):
//!   reads the Vitrina back through the list calls (subdivisions, resources, slots over a rolling
//!   horizon, their books; the other tables by id), compares with the last-sent state and repairs
//!   drift: missing → resend, present but not wanted → delete, different → resend. The gateway's
//!   own writes after a webhook booking or cancel are told to the engine with
//!   [`SyncHandle::adopt`], so that they are not "repaired" away.
//!
//! # Cycle order
//!
//! 1. **Early deletes**, children first: slots, books, services, profiles, unavailability periods
//!    and referrals. A slot moved to another time is a delete of the old slot and an upsert of a
//!    new one: deleting first frees the resource-and-time key, so that the new slot is not refused
//!    with R-330 (section «Коды ошибок»).
//! 2. **Upserts** in load order (`Table::LOAD_ORDER`): a parent is accepted before its children are
//!    sent (a book only after its slot), and a child whose parent was refused in the same cycle
//!    waits for it.
//! 3. **Late deletes**: subdivisions and resources, after the upserts, because the Vitrina deletes
//!    their children with them (`Table::cascades_to`, section 3.1.5) and a child the MIS moved to
//!    another parent in the same cycle must get there first.
//! 4. **Covered deletes** are not sent: a delete whose parent is deleted in the same cycle by a
//!    table that cascades to it is settled when the parent's delete is accepted.
//!
#![cfg_attr(feature = "postgres", doc = include_str!("postgres.md"))]
#![cfg_attr(
    not(feature = "postgres"),
    doc = "# PostgreSQL\n\nWith the cargo feature `postgres`: the store on PostgreSQL, shared by several engine \
           instances under leases per subdivision, and the transactional outbox of a MIS living in \
           PostgreSQL (see these docs built with the feature).\n"
)]
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use fer_client::VitrinaClient;
//! use fer_emulator::{Emulator, EmulatorConfig};
//! use fer_sync::{Store, SyncEngine};
//!
//! let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
//! let client = VitrinaClient::builder()
//!     .base_url(emulator.base_url())
//!     .credentials(emulator.username().clone(), emulator.password())
//!     .build()?;
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path().join("sync.db")).await?;
//! let engine = SyncEngine::builder(store).organisation(emulator.username().clone(), client).build()?;
//!
//! // The MIS hands over its region; the engine pushes it.
//! let spec = fer_sample::RegionSpec {
//!     mos: 1, days: 2, organisation: Some(emulator.username().clone()), ..Default::default()
//! };
//! let region = fer_sample::generate(&spec)?;
//! engine.handle().snapshot(fer_sync::Scope::Region, &region).await?;
//! engine.run_once().await?;
//! assert_eq!(engine.status().await?.backlog(), 0);
//! assert_eq!(emulator.count(fer_model::Table::Slot), region.slot.len());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod engine;
mod entry;
mod error;
mod lease;
mod plan;
pub mod recipes;
mod reconcile;
mod status;
mod store;

pub use engine::{CycleReport, SyncConfig, SyncEngine, SyncEngineBuilder, SyncHandle};
pub use error::SyncError;
pub use reconcile::ReconcileReport;
pub use status::{
    Latency, LatencyHistogram, OrganisationStatus, ParkedCount, ParkedRecord, Reconciliation, SyncStatus, TableStatus,
};
pub use store::{IntakeCounts, Scope, Store};
#[cfg(feature = "postgres")]
pub use store::{Lease, OutboxDrain, OutboxRejection, ParkedChange};
