//! fer-rs: the one dependency of a medical information system (MIS) that connects to the Federal
//! Electronic Registry 2.0 (ФЭР 2.0) data showcase «Витрина данных "Запись к врачу"» and to the
//! booking calls of its gateway.
//!
//! ```toml
//! [dependencies]
//! fer-rs = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! The package is `fer-rs`, the crate is `fer`. It re-exports the crates of the workspace:
//!
//! | path | crate | feature |
//! |---|---|---|
//! | [`fer::model`](model), and its main types at the root ([`fer::Slot`](Slot), [`fer::Guid`](Guid), …) | fer-model: the eight tables, the envelope, auth and the booking DTOs | always |
//! | [`fer::validate`](validate) | fer-validate: every rule of the Vitrina, before sending | always |
//! | [`fer::async_trait`](macro@async_trait) | async-trait, for implementing `BookingHandler` | always |
//! | [`fer::chrono`](mod@chrono) | chrono, whose types the models carry | always |
//! | `fer::client` | fer-client: the async Vitrina client | `client` (default) |
//! | `fer::webhook` | fer-webhook: the MIS's booking webhook | `webhook` (default) |
//! | `fer::webhook::serve` | its hyper server | `server` (default) |
//! | `fer::webhook::adapters` | its tower and axum adapters | `tower`, `axum` |
//! | `fer::sync` | fer-sync: keeps a region fresh on the Vitrina (durable outbox on SQLite, ordered push loop, reconciliation) | `sync` |
//! | `fer::emulator`, `fer::sample` | fer-emulator and fer-sample: a local Vitrina and gateway, sample regions, and a conformance run of your webhook (`fer::emulator::conformance`), for tests | `emulator` |
//! | `fer::model::portal`, `fer::validate::portal`, `fer::client::portal` | the regional portal methods | `portal` |
//! | `fer::model::openapi` | OpenAPI 3.1 documents of the Vitrina API and of the webhook | `openapi` |
//!
//! The project's reading of the specification (the documents, their sections, the wire quirks
//! and how fer-rs resolves the contradictions) is [`fer::model::spec`](model::spec).
//!
//! # Example
//!
//! A slot, checked against the rules of the Vitrina before it is sent:
//!
//! ```
//! use fer::validate::Validate;
//! use fer::{AgeGroup, DurationMinutes, Guid, Slot, SlotStatus, TagType, TagTypes};
//!
//! let mut slot = Slot {
//!     id: Guid::new_v4(),
//!     mo_id: Guid::new_v4(),
//!     resource_id: Guid::new_v4(),
//!     tag_type: TagTypes::only(TagType::Epgu),
//!     tag_age: AgeGroup::All,
//!     visit_time: "2024-03-28T08:00:00".parse().unwrap(),
//!     duration: DurationMinutes(20),
//!     status: SlotStatus::Available,
//!     create_ts: "2023-10-01T09:00:00".parse().unwrap(),
//! };
//! assert!(!slot.validate().has_errors());
//!
//! slot.duration = DurationMinutes(0); // the Vitrina refuses a slot of no time
//! let report = slot.validate();
//! let codes: Vec<&str> = report.errors().map(|d| d.code.as_str()).collect();
//! assert_eq!(codes, ["V030"]);
//! ```
//!
//! A vendor's program then pushes its schedule with the client and serves its booking handler:
//!
//! ```no_run
//! # #[cfg(all(feature = "client", feature = "server"))]
//! # mod vendor {
//! use fer::webhook::{BookRejection, BookingHandler, CancelRejection, RequestContext, WebhookService};
//! use fer::{BookingConfirmation, BookingRejectionCode, BookingRequest, CancelConfirmation, CancelRequest};
//!
//! struct Mis;
//!
//! #[fer::async_trait]
//! impl BookingHandler for Mis {
//!     async fn book(&self, _: BookingRequest, _: RequestContext) -> Result<BookingConfirmation, BookRejection> {
//!         Err(BookRejection::new(BookingRejectionCode::SlotUnavailable)) // ask your database
//!     }
//!     async fn cancel(&self, _: CancelRequest, _: RequestContext) -> Result<CancelConfirmation, CancelRejection> {
//!         Err(CancelRejection::technical_error()) // ask your database for the booking
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = fer::client::VitrinaClient::builder()
//!         .base_url("http://10.86.6.237:2100")
//!         .credentials("1.2.643.5.1.13.13.12.2.86.8902".parse()?, "secret")
//!         .build()?;
//!     let report = client.upload_dataset(&fer::validate::Dataset::default()).await?;
//!     println!("{report}");
//!
//!     let listener = fer::webhook::bind("0.0.0.0:8080").await?;
//!     fer::webhook::serve(listener, WebhookService::new(Mis)).await;
//!     Ok(())
//! }
//! # }
//! # fn main() {}
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(inline)]
pub use fer_model as model;
#[doc(inline)]
pub use fer_validate as validate;

pub use async_trait::async_trait;
pub use chrono;
/// Validation of a whole [`Dataset`] (`dataset.validate()`).
pub use fer_validate::DatasetExt;

pub use fer_model::{
    AgeGroup, AuthRequest, AuthResponse, AuthToken, BirthDate, Book, BookStatus, BookType, BookingConfirmation,
    BookingDetails, BookingRejection, BookingRejectionCode, BookingRequest, BookingResponse, BookingType, Callback,
    CancelConfirmation, CancelRequest, CancelResponse, CancelStatusCode, Dataset, DurationMinutes, Enabled, ErrorCode,
    GATEWAY_DEADLINE, Gender, GenderCode, Guid, MisTimeZone, Mo, MoAgeGroup, Oid, PatientData, PatientId,
    ProfilecodeResource, Record, Redacted, Referral, ReferralKind, ReferralStatus, ReferralType, Resource,
    ResourceKind, ResourceType, Service, Slot, SlotStatus, Snils, Specialist, Table, TagSource, TagType, TagTypes,
    Timestamp, UnaccessablePeriod, UnavailabilityReason, VitrinaResponse,
};

#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
#[doc(inline)]
pub use fer_client as client;

#[cfg(feature = "webhook")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhook")))]
#[doc(inline)]
pub use fer_webhook as webhook;

#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
#[doc(inline)]
pub use fer_sync as sync;

#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
#[doc(inline)]
pub use fer_emulator as emulator;

#[cfg(feature = "emulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "emulator")))]
#[doc(inline)]
pub use fer_sample as sample;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
