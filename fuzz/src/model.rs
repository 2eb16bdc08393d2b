//! Target `model_json`: every fer-model type parsed from arbitrary JSON.
//!
//! Input: one selector byte (which type, modulo [`KINDS`]) and the JSON text. Whatever parses is
//! printed with `Debug` (and `Display` where there is one), serialised again, and must parse again:
//! what the SDK emits it must also accept (lenient input, canonical output).

use fer_model::portal::{
    Appointment, AppointmentRequest, EntryRequest, PortalError, TicketCallWithLpuBase, TicketLists, TicketSession,
    TicketVisitWithLpu, TicketVisitWithLpuBase, VisitData,
};
use fer_model::{
    AuthRequest, AuthResponse, Batch, BirthDate, Book, BookingRequest, BookingResponse, Callback, CancelRequest,
    CancelResponse, DurationMinutes, Guid, Mo, Oid, ProfilecodeResource, Referral, Resource, Service, Slot, Snils,
    Timestamp, UnaccessablePeriod, VitrinaResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The names of the types, in selector order.
pub const KINDS: [&str; 32] = [
    "mo",
    "resource",
    "service",
    "slot",
    "book",
    "referral",
    "unaccessable_period",
    "profilecode_resource",
    "batch_mo",
    "batch_resource",
    "batch_slot",
    "batch_book",
    "batch_referral",
    "booking_request",
    "booking_response",
    "cancel_request",
    "cancel_response",
    "callback",
    "vitrina_response",
    "auth_request",
    "auth_response",
    "portal_entry_request",
    "portal_visit_data",
    "portal_appointment_request",
    "portal_appointment",
    "portal_ticket_visit_with_lpu",
    "portal_ticket_lists",
    "portal_ticket_call",
    "portal_ticket_visit_base",
    "portal_ticket_session",
    "portal_error",
    "scalars",
];

/// Runs one input. Panics only on a bug: a value the SDK serialises but cannot parse back.
pub fn run(data: &[u8]) {
    let Some((&selector, json)) = data.split_first() else { return };
    match usize::from(selector) % KINDS.len() {
        0 => round_trip::<Mo>(json),
        1 => round_trip::<Resource>(json),
        2 => round_trip::<Service>(json),
        3 => round_trip::<Slot>(json),
        4 => round_trip::<Book>(json),
        5 => round_trip::<Referral>(json),
        6 => round_trip::<UnaccessablePeriod>(json),
        7 => round_trip::<ProfilecodeResource>(json),
        8 => round_trip::<Batch<Mo>>(json),
        9 => round_trip::<Batch<Resource>>(json),
        10 => round_trip::<Batch<Slot>>(json),
        11 => round_trip::<Batch<Book>>(json),
        12 => round_trip::<Batch<Referral>>(json),
        13 => round_trip::<BookingRequest>(json),
        14 => round_trip::<BookingResponse>(json),
        15 => round_trip::<CancelRequest>(json),
        16 => round_trip::<CancelResponse>(json),
        17 => round_trip::<Callback>(json),
        18 => round_trip::<VitrinaResponse>(json),
        19 => round_trip::<AuthRequest>(json),
        20 => round_trip::<AuthResponse>(json),
        21 => round_trip::<EntryRequest>(json),
        22 => round_trip::<VisitData>(json),
        23 => round_trip::<AppointmentRequest>(json),
        24 => round_trip::<Appointment>(json),
        25 => round_trip::<TicketVisitWithLpu>(json),
        26 => round_trip::<Vec<TicketLists>>(json),
        27 => round_trip::<TicketCallWithLpuBase>(json),
        28 => round_trip::<TicketVisitWithLpuBase>(json),
        29 => round_trip::<TicketSession>(json),
        30 => round_trip::<PortalError>(json),
        _ => scalars(json),
    }
}

/// Parses `json` as `T`; on success prints it and checks that its serialisation parses again.
fn round_trip<T: DeserializeOwned + Serialize + std::fmt::Debug>(json: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(json) else { return };
    let _ = format!("{value:?}");
    let emitted = match serde_json::to_vec(&value) {
        Ok(emitted) => emitted,
        Err(e) => panic!("{} parsed but does not serialise: {e}", std::any::type_name::<T>()),
    };
    if let Err(e) = serde_json::from_slice::<T>(&emitted) {
        panic!(
            "{} emitted JSON it does not accept: {e}\nemitted: {}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&emitted)
        );
    }
}

/// The string newtypes and wire quirks, parsed from the text as it is and as a JSON string.
fn scalars(text: &[u8]) {
    let Ok(text) = std::str::from_utf8(text) else { return };
    if let Ok(v) = text.parse::<Guid>() {
        let _ = format!("{v} {v:?}");
        assert_eq!(v.to_string().parse::<Guid>().ok(), Some(v), "Guid does not round-trip");
    }
    if let Ok(v) = text.parse::<Oid>() {
        let _ = format!("{v} {v:?}");
    }
    if let Ok(v) = text.parse::<Snils>() {
        let _ = format!("{v:?}");
    }
    if let Ok(v) = text.parse::<Timestamp>() {
        let _ = format!("{v} {v:?}");
    }
    let quoted = serde_json::to_vec(text).unwrap_or_default();
    round_trip::<Timestamp>(&quoted);
    round_trip::<DurationMinutes>(&quoted);
    round_trip::<DurationMinutes>(text.as_bytes());
    round_trip::<BirthDate>(&quoted);
    round_trip::<Guid>(&quoted);
}
