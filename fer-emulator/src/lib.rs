//! A local double of the FER 2.0 data showcase «Витрина данных "Запись к врачу"» and of the FER
//! gateway, over real HTTP, for vendors' tests.
//!
//! The real test contour lives in a closed network. This crate serves what the spec (the Vitrina integration profile, the
//! Vitrina integration profile) says the Vitrina and the gateway do, so that a medical information
//! system (MIS) and its webhook can be tested over loopback:
//!
//! * **Vitrina side**: `POST /auth.svc` (section 6); for each of the eight tables of Appendix 1
//!   `POST /api/<table>` (batch upsert, gzip or plain), `GET /api/<table>?id=` and
//!   `DELETE /api/<table>?id=` (cascades of section 3.1.5); the list endpoints; webhook registration
//!   `/api/callback` (section 10). Every answer is the Appendix 2 envelope.
//! * **Gateway side**: [`EmulatorHandle::book`] / [`EmulatorHandle::cancel`] (and
//!   `POST /sandbox/book`, `POST /sandbox/cancel`) call the registered webhook as the EPGU does
//!   through the gateway (section 7), within 10 seconds, check the answer, and apply UC-1 / UC-1.1
//!   to the store. `GET /sandbox/journal` ([`EmulatorHandle::journal`]) shows every exchange.
//! * **Regional portal** (the regional portal methods, [`fer_model::spec::portal`]): `POST /api/v2/iemk/doctors/entry`,
//!   `POST /api/v2/visit/{lpuGuid}`, `POST /appointments`, `GET /api/v2/old/visit/tickets[/{session}]`
//!   on the schedule pushed to the Vitrina, with the portal's tokens and error codes (403 5007–5010,
//!   400 4000–4848 and 5000); set up with `POST /sandbox/portal/lpu` ([`PortalLpuSetup`]) and
//!   `POST /sandbox/portal/patient` ([`PortalPatientSetup`] → [`PortalPatientTokens`]).
//! * **Fault injection** ([`Faults`]): 503 answers, latency, dropped connections, tokens that
//!   expire early; deterministic from a seed.
//! * **Web console** ([`console`]): on a loopback port of its own
//!   ([`EmulatorConfig::console`], `--console`), the Vitrina's contents by organisation,
//!   subdivision, resource and day (slots coloured by status, with their books), the journal of
//!   the gateway's exchanges with patient data masked, and the last uploads with every refused
//!   record and its reason and the freshness of uploads per organisation and table; server-rendered,
//!   nothing loaded from elsewhere.
//! * **Webhook conformance** ([`conformance`]): the gateway's calls played straight at a vendor's
//!   webhook (book, repeats, gzip, refusals, malformed JSON, cancel, repeated cancel), each answer
//!   graded, for a vendor's own `cargo test` and for `fer conformance`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fer_emulator::EmulatorError> {
//! use fer_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
//! println!("Vitrina at {}, user {}", emulator.base_url(), emulator.username());
//! // ... point the client under test at emulator.base_url() ...
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # Decisions where the spec is silent
//!
//! These are our reading of the spec ([`fer_model::spec`]), chosen so that what passes here passes on the
//! Vitrina; each is covered by a test in `tests/`.
//!
//! * **Format check**: each POST body is checked by [`fer_validate::validate_raw`] (after
//!   gunzipping) and each record is then parsed into its fer-model type. Records are decided one by
//!   one: the answer accounts for every record, accepted ids in `sendedGuids`, refused ones in
//!   `errors` with their id, code and message. Accepted records are stored even when others are
//!   refused (partial success, as the spec shows for 422). The status is that of the gravest refusal:
//!   400 (format, or an active book whose slot is not RECORDED) over 405 (blocked subdivision) over 422
//!   (R-310 / R-330); 200 when all were accepted. A body that is not JSON or not a `{"data": [...]}`
//!   batch (a bare array is accepted) is refused whole with 400.
//! * **Duplicates**: R-310 for an id repeated inside a request (the first copy is accepted, as in
//!   the spec's example); R-330 for a slot with the `resource_id` + `visit_time` of another slot, and
//!   for a subdivision with the `name` of another subdivision of the same MO (`parent_id`). Sending
//!   an existing id again replaces the record (idempotent upsert).
//! * **405**: rows of a subdivision whose `enabled` is NONE are refused, sent or deleted. The
//!   subdivision row itself is always accepted, so that a test can block and unblock it.
//! * **Auth**: `Authorization: Bearer <token>` on every `/api/...` call; missing, unknown and expired
//!   tokens get 401 with the envelope. Tokens are not kept across restarts. After 5 wrong passwords
//!   in a row an account's logins get 429 for a backoff ([`LoginThrottle`]); failures are logged
//!   (`warn`) with the username, never the password.
//! * **Limits**: every route that reads a body reads it under a limit of [`EmulatorConfig`]: a body
//!   over `body_limit` (`sandbox_body_limit` on `/sandbox/...`) gets 413, a gzip body that inflates
//!   over `decompressed_limit` (a gzip bomb) 413 without being inflated further, a
//!   `Content-Encoding` other than gzip or identity 415, a body marked gzip that is not gzip 400.
//!   The gateway reads a webhook's answer under `webhook_answer_limit`.
//! * **Codes** where the spec names none are in [`codes`].
//! * **Callbacks**: see the `/api/callback` table in the README; registration probes
//!   `GET <address>/booking/book` and needs 200. A webhook belongs to the MO the token was issued
//!   to; the gateway calls the subdivision's own webhook (`depart_oid` = the slot's `mo.branch_oid`)
//!   if there is one, else the MO's (`mo.parent_id`).
//! * **Gateway**: the answer must be HTTP 200, pass fer-validate and parse into fer-model's types, and
//!   name the requested slot or booking. The preconditions of UC-1 / UC-1.1 are not enforced, so a
//!   gateway's retry reaches the webhook (see the `gateway` module docs in the source).
//! * **State file**: the truth. Rewritten whole and atomically after every change, from a snapshot
//!   taken under the store's lock when the writer is ready and written off it (a request that
//!   changed the store waits for its own change to be on disk, others go on; one write covers the
//!   changes made meanwhile). The snapshot shares the tables' rows copy-on-write instead of copying
//!   them, so taking it holds the lock for moments whatever the region's size. A
//!   change that cannot be saved is undone (the store goes back to the file) and answered 500. The
//!   emulator refuses to start on a path it cannot write or that another emulator holds (the lock
//!   file `<state>.lock`), and removes the temporary files a crashed writer left. Journal and
//!   tokens are not kept.
//!
//! See the README for a curl session.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "bin")]
pub mod cli;
pub mod codes;
mod config;
pub mod conformance;
pub mod console;
mod error;
mod gateway;
mod handle;
mod journal;
mod server;
mod state;
mod store;
mod validation;

pub use config::{
    DEFAULT_BODY_LIMIT, DEFAULT_PASSWORD, DEFAULT_SANDBOX_BODY_LIMIT, DEFAULT_SHUTDOWN_GRACE, DEFAULT_USERNAME,
    DEFAULT_WEBHOOK_ANSWER_LIMIT, EmulatorConfig, Faults, JOURNAL_CAPACITY, JournalLimits, LoginThrottle,
    MAX_TOKEN_LIFETIME, SANDBOX_KEY_HEADER,
};
pub use error::EmulatorError;
pub use gateway::{GatewayAnswer, GatewayError, GatewayOutcome, StoreChange};
pub use handle::{Emulator, EmulatorHandle};
pub use journal::{Direction, JournalEntry};
pub use store::portal::{DEFAULT_SCHEDULE_DAYS, LpuHost, PortalLpuSetup, PortalPatientSetup, PortalPatientTokens};
pub use store::tables::Visibility;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
