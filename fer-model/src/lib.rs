//! Typed models of the Federal Electronic Registry 2.0 (ФЭР 2.0) data showcase «Витрина данных
//! "Запись к врачу"»: the eight tables a medical information system (MIS) pushes, the response
//! envelope, authorisation, webhook registration, and the booking and cancel calls the gateway makes
//! to the MIS.
//!
//! Section names refer to the Vitrina integration profile: tables are in Appendix 1, the envelope
//! in Appendix 2. The project's reading of the profile and of the regional portal methods, with
//! the wire quirks and the contradictions it resolves, is in [`spec`].
//!
//! This crate is data only: serde, schemars, chrono and uuid; no I/O. Validation of the spec's rules
//! lives in `fer-validate`, transport in `fer-client` and `fer-webhook`.
//!
//! # Features
//!
//! * `portal`: the regional portal methods (`fer_model::portal`, see [`spec::portal`]).
//! * `openapi`: the OpenAPI 3.1 documents of the Vitrina API and of the MIS webhook
//!   (`fer_model::openapi`).
//!
//! Both are off by default: the Vitrina path needs neither.
//!
//! # Lenient input, canonical output
//!
//! Peers send several forms of the same thing (three timestamp formats, durations as strings, a
//! status key spelled with a Cyrillic letter). Every such form is accepted on input and the single
//! form the tables declare is emitted; all of them are listed in [`wire`]. Fields the spec says are
//! set by the service (`update_ts`, `post_name`) are ignored on input and never emitted.
//!
//! # Types that cannot be wrong
//!
//! * Every closed set of values is an enum with the exact wire names ([`SlotStatus`], [`TagType`], …)
//!   and every numeric code set too ([`BookStatus`], [`BookingRejectionCode`], [`CancelStatusCode`]).
//! * Identifiers are newtypes: [`Guid`] (always emitted lowercase-hyphenated), [`Oid`], [`Snils`].
//! * A resource is one of three kinds with exactly the fields of its kind ([`ResourceKind`]); a
//!   referral likewise ([`ReferralKind`]); a booking answer is a confirmation or a rejection
//!   ([`BookingResponse`]).
//! * Passwords, tokens and patient data are [`Redacted`]: `Debug` never prints them.
//!
//! ```
//! use fer_model::*;
//!
//! let slot = Slot {
//!     id: Guid::new_v4(),
//!     mo_id: Guid::new_v4(),
//!     resource_id: Guid::new_v4(),
//!     tag_type: TagTypes::only(TagType::Epgu).with(TagType::Registry),
//!     tag_age: AgeGroup::All,
//!     visit_time: "2024-03-28T05:00:00".parse().unwrap(),
//!     duration: DurationMinutes(20),
//!     status: SlotStatus::Available,
//!     create_ts: "2023-10-01 09:00:00".parse().unwrap(),
//! };
//! let body = serde_json::to_string(&BatchRef::new(std::slice::from_ref(&slot))).unwrap();
//! assert!(body.starts_with(r#"{"data":[{"id":""#));
//! assert!(body.contains(r#""tag_type":"EPGU,REGISTRY""#));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod macros;

pub mod auth;
pub mod booking;
pub mod callback;
pub mod common;
pub mod endpoint;
pub mod envelope;
pub mod ids;
pub mod limits;
#[cfg(feature = "openapi")]
#[cfg_attr(docsrs, doc(cfg(feature = "openapi")))]
pub mod openapi;
#[cfg(feature = "portal")]
#[cfg_attr(docsrs, doc(cfg(feature = "portal")))]
pub mod portal;
pub mod redact;
pub mod registry;
pub mod schema;
pub mod spec;
pub mod table;
pub mod tables;
pub mod wire;

pub use auth::{AuthRequest, AuthResponse, AuthToken};
pub use booking::{
    BookingConfirmation, BookingDetails, BookingRejection, BookingRejectionCode, BookingRequest, BookingResponse,
    BookingType, CancelConfirmation, CancelRequest, CancelResponse, CancelStatusCode, GATEWAY_DEADLINE, Gender,
    GenderCode, MisTimeZone, PatientData, PatientId, Status,
};
pub use callback::Callback;
pub use common::{AgeGroup, Enabled, MoAgeGroup};
pub use envelope::{ErrorCode, ErrorInfo, RecordError, VitrinaResponse};
pub use ids::{Guid, IdError, Oid, Redacted, Snils};
pub use registry::{Column, Dataset};
pub use table::{Batch, BatchRef, ParentRef, Record, Table};
pub use tables::book::{Book, BookStatus, BookType, TagSource};
pub use tables::mo::Mo;
pub use tables::profilecode_resource::ProfilecodeResource;
pub use tables::referral::{Referral, ReferralKind, ReferralStatus, ReferralType};
pub use tables::resource::{Resource, ResourceKind, ResourceType, Specialist};
pub use tables::service::Service;
pub use tables::slot::{Slot, SlotStatus, TagType, TagTypes};
pub use tables::unaccessable_period::{UnaccessablePeriod, UnavailabilityReason};
pub use wire::{BirthDate, DurationMinutes, Timestamp, WireError};

/// A value outside a closed set of the spec, e.g. `tag_age: "OLD"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}: expected one of {}", expected.join(", "))]
pub struct UnknownValue {
    /// The Rust name of the value set, e.g. `AgeGroup`.
    pub kind: &'static str,
    /// The value found.
    pub value: String,
    /// The allowed wire values.
    pub expected: &'static [&'static str],
}

impl UnknownValue {
    /// A new error for `value` outside the set `kind`.
    pub fn new(kind: &'static str, value: &str, expected: &'static [&'static str]) -> Self {
        UnknownValue { kind, value: value.to_owned(), expected }
    }
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
