//! Target `validate_raw`: fer-validate's raw JSON checks, and the typed checks on whatever parses.
//!
//! Input: one selector byte (the eight tables, the five webhook and callback DTOs, the two portal
//! request bodies: modulo [`SUBJECTS`]) and the body. Validation must never panic, and every
//! diagnostic must carry a JSON pointer (empty or starting with `/`) and both messages.

use fer_model::{
    Batch, Book, BookingRequest, BookingResponse, Callback, CancelRequest, CancelResponse, Mo, ProfilecodeResource,
    Record, Referral, Resource, Service, Slot, Table, UnaccessablePeriod,
};
use fer_validate::portal::{PortalKind, validate_portal_raw};
use fer_validate::{RawKind, Report, Validate, validate_batch, validate_raw, validate_raw_dto};
use serde::de::DeserializeOwned;

/// The subjects, in selector order.
pub const SUBJECTS: [&str; 15] = [
    "mo",
    "resource",
    "service",
    "slot",
    "book",
    "referral",
    "unaccessable_period",
    "profilecode_resource",
    "booking_request",
    "booking_response",
    "cancel_request",
    "cancel_response",
    "callback",
    "portal_entry_request",
    "portal_appointment_request",
];

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else { return };
    match usize::from(selector) % SUBJECTS.len() {
        0 => table::<Mo>(body),
        1 => table::<Resource>(body),
        2 => table::<Service>(body),
        3 => table::<Slot>(body),
        4 => table::<Book>(body),
        5 => table::<Referral>(body),
        6 => table::<UnaccessablePeriod>(body),
        7 => table::<ProfilecodeResource>(body),
        8 => dto::<BookingRequest>(RawKind::BookingRequest, body),
        9 => dto::<BookingResponse>(RawKind::BookingResponse, body),
        10 => dto::<CancelRequest>(RawKind::CancelRequest, body),
        11 => dto::<CancelResponse>(RawKind::CancelResponse, body),
        12 => dto::<Callback>(RawKind::Callback, body),
        13 => check(&validate_portal_raw(PortalKind::EntryRequest, body)),
        _ => check(&validate_portal_raw(PortalKind::AppointmentRequest, body)),
    }
}

fn table<T: Record + Validate + DeserializeOwned>(body: &[u8]) {
    let table: Table = T::TABLE;
    check(&validate_raw(table, body));
    if let Ok(batch) = serde_json::from_slice::<Batch<T>>(body) {
        check(&validate_batch(&batch.data));
        for record in &batch.data {
            check(&record.validate());
        }
    }
}

fn dto<T: Validate + DeserializeOwned>(kind: RawKind, body: &[u8]) {
    check(&validate_raw_dto(kind, body));
    if let Ok(value) = serde_json::from_slice::<T>(body) {
        check(&value.validate());
    }
}

/// What every report must satisfy.
fn check(report: &Report) {
    for d in &report.diagnostics {
        assert!(d.pointer.is_empty() || d.pointer.starts_with('/'), "bad pointer {:?}", d.pointer);
        assert!(!d.message_ru.is_empty() && !d.message_en.is_empty(), "empty message for {}", d.code.as_str());
        let _ = serde_json::to_string(d);
    }
}
