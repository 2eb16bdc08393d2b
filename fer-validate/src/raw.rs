//! Rules on raw JSON: what typed parsing would hide.

use fer_model::Table;

use crate::Report;

/// A webhook DTO that can be validated from raw JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawKind {
    /// `POST /booking/book` body.
    BookingRequest,
    /// Answer to `/booking/book`.
    BookingResponse,
    /// `POST /booking/cancel` body.
    CancelRequest,
    /// Answer to `/booking/cancel`.
    CancelResponse,
    /// `POST /api/callback` body.
    Callback,
}

/// Validates the raw body of a POST to `table`: a `{"data": [...]}` batch (a bare JSON array is
/// accepted too). Reports malformed JSON, unknown or misspelled fields, wrong JSON types, missing
/// fields, non-canonical values (upper-case GUIDs, non-declared timestamp forms), and then every
/// typed and batch rule for the records that parse. Pointers are absolute (`/data/3/visit_time`).
pub fn validate_raw(table: Table, body: &[u8]) -> Report {
    let _ = (table, body);
    todo!("helper")
}

/// Validates the raw JSON of a webhook DTO. Pointers are absolute (`/patient_data_rrp/gender`).
pub fn validate_raw_dto(kind: RawKind, body: &[u8]) -> Report {
    let _ = (kind, body);
    todo!("helper")
}
