//! The regional portal API (the regional portal methods, [`spec::portal`](crate::spec::portal)): besides the Vitrina, MIS and portal vendors
//! call four methods of the regional portal (РПГУ) and of the local MIS.
//!
//! | method | call | request | answer | module |
//! |---|---|---|---|---|
//! | «Запись на прием РПГУ» | `POST {url}/api/v2/iemk/doctors/entry` (RPGU token) | [`EntryRequest`] | [`VisitData`] | [`entry`] |
//! | «Создание записи на прием к врачу» | `POST {url}/api/v2/visit/{lpuGuid}?…` (LPU token) | [`VisitParams`] (query) | [`TicketVisitWithLpu`] | [`visit`] |
//! | «Создание записи на прием в локальную МИС» | `POST /appointments` on the local MIS | [`AppointmentRequest`] | [`Appointment`] | [`appointment`] |
//! | «Получение записей на прием и вызовов пациента через сессию» | `GET {url}/api/v2/old/visit/tickets[/{session}]` (COD token, deprecated) | – | [`TicketSession`], then `Vec<`[`TicketLists`]`>` | [`tickets`] |
//!
//! Errors are answered with HTTP 403 (token: 5007–5010) or 400 and a numeric message code:
//! [`PortalError`] with [`PortalErrorCode`] (module [`error`]), every code and Russian text of the
//! seeds included.
//!
//! Conventions are those of the rest of the crate: lenient input, one canonical output (the date and
//! time forms are in [`time`]); closed value sets are enums with their exact wire names; the
//! patient's email, phone, address, login and diagnosis are [`Redacted`](crate::Redacted) in
//! `Debug`. Rules that the portal answers with a business error (4033, 4036, …) are checked by
//! `fer-validate`, not by parsing, so that a wrong request can still be represented and refused.
//!
//! # The answers of the three creates always decode
//!
//! The entry, the visit and the appointment are not idempotent: once the portal answers 2xx the
//! visit exists, and an answer the client cannot read would make the caller retry and book twice.
//! So [`VisitData`], [`TicketVisitWithLpu`] and [`Appointment`] (with everything nested in them)
//! are read as leniently as their tables allow:
//!
//! * Only the created visit's id is required (`ticketGuid`, `Entry_id`, the appointment's `guid`).
//!   Every other field may be absent or `null`: text reads as empty, numbers as 0, flags as false,
//!   GUIDs as the nil GUID (the portal's own "none", as in the example's `elementGuid`), times as
//!   `None`, lists as empty, nested objects as their defaults. The short answer of
//!   `fullResponse=false` («будут заполнены только следующие поля: lpu, num, ticketGuid») is the
//!   common case of this.
//! * The table of «Создание записи на прием к врачу» spells the fields in PascalCase
//!   (`TicketGuid`, `BusyType`), its example in camelCase (`ticketGuid`): both are read, camelCase is
//!   written.
//! * The answers carry no closed code list: `source`, `busyType.type` and the LPU's `type` are
//!   kept as sent, and an unknown error code of the portal is [`PortalCode::Other`].
//!
//! ```
//! use fer_model::Guid;
//! use fer_model::portal::{ClockTime, EntryRequest, GuidPair, PortalDate};
//! let lpu: Guid = "1dadf64c-f34a-4023-98a6-3e7b7be4f243".parse().unwrap();
//! let doctor: Guid = "2f171143-aa11-4248-bd42-b1cfc4c03148".parse().unwrap();
//! let req = EntryRequest::new("470102", GuidPair::new(lpu, doctor), "2022-12-08".parse().unwrap(), "09:00".parse().unwrap());
//! let json = serde_json::to_string(&req).unwrap();
//! assert_eq!(json, r#"{"lpu_code":"470102","doctor_id":"1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148","day":"2022-12-08","time":"09:00"}"#);
//! ```

use schemars::Schema;

use crate::schema::schema_for;

pub mod appointment;
pub mod entry;
pub mod error;
pub mod tickets;
pub mod time;
pub mod visit;

pub use appointment::{APPOINTMENTS_PATH, Appointment, AppointmentRequest, CodeName, ConsultDirection, DEFAULT_SOURCE};
pub use entry::{ENTRY_PATH, EmailConfirmAgree, EntryRequest, GuidPair, GuidPairError, VisitData};
pub use error::{PortalCode, PortalError, PortalErrorCode};
pub use tickets::{
    CallStatus, CallType, DisplayTimeMode, LpuBase, LpuInfo, LpuRatingWithAvg, RatingDetail, TICKETS_SESSION_PATH,
    TicketCall, TicketCallWithLpuBase, TicketListState, TicketLists, TicketSession, TicketVisitWithLpuBase,
};
pub use time::{ClockTime, PortalDate, PortalTimeError, VisitDateTime};
pub use visit::{
    AddressDetail, BusyType, DirectionType, DocumentHistory, HistoryClient, LpuParent, LpuStatus, LpuWithStatus,
    TicketCommon, TicketVisit, TicketVisitWithLpu, VISIT_QUERY_PARAMETERS, VisitParams, VisitQueryError, Worktimes,
};

/// The names of the portal schemas, in the order of [`schemas`]; each is saved as
/// `schemas/portal/<name>.schema.json`. They are not part of [`crate::schema::all`].
pub const SCHEMA_NAMES: [&str; 11] = [
    "entry_request",
    "visit_data",
    "visit_params",
    "ticket_visit_with_lpu",
    "appointment_request",
    "appointment",
    "ticket_session",
    "ticket_lists_response",
    "ticket_visit_with_lpu_base",
    "ticket_call_with_lpu_base",
    "portal_error",
];

/// Every portal schema with its file name (without `.schema.json`): draft 2020-12, generated from
/// the types like [`crate::schema::all`].
///
/// ```
/// let schemas = fer_model::portal::schemas();
/// assert_eq!(schemas.len(), fer_model::portal::SCHEMA_NAMES.len());
/// assert_eq!(schemas[0].1.get("title").and_then(|t| t.as_str()), Some("EntryRequest"));
/// ```
pub fn schemas() -> Vec<(&'static str, Schema)> {
    let schemas = [
        schema_for::<EntryRequest>(),
        schema_for::<VisitData>(),
        schema_for::<VisitParams>(),
        schema_for::<TicketVisitWithLpu>(),
        schema_for::<AppointmentRequest>(),
        schema_for::<Appointment>(),
        schema_for::<TicketSession>(),
        schema_for::<Vec<TicketLists>>(),
        schema_for::<TicketVisitWithLpuBase>(),
        schema_for::<TicketCallWithLpuBase>(),
        schema_for::<PortalError>(),
    ];
    SCHEMA_NAMES.into_iter().zip(schemas).collect()
}

/// The portal schema named `name` (one of [`SCHEMA_NAMES`]).
pub fn schema_by_name(name: &str) -> Option<Schema> {
    schemas().into_iter().find(|(n, _)| *n == name).map(|(_, s)| s)
}
