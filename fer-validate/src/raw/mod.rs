//! Rules on raw JSON: what typed parsing would hide.
//!
//! Each record is read as a [`serde_json::Value`] first and checked field by field against the
//! shape derived from fer-model's JSON Schema (`raw/fields.rs`): unknown or misspelled keys (with a
//! "did you mean"), alternative spellings, fields the service sets, wrong JSON types, missing
//! required and type-conditional fields, values outside their sets, malformed or non-canonical
//! GUIDs, OIDs, SNILS and timestamps. Then every record that parses is checked by the typed rules
//! ([`crate::Validate`]) and the batch rules, with pointers mapped back to the body
//! (`/data/3/visit_time`).

use std::collections::HashSet;

mod fields;
pub(crate) mod value;

use fer_model::{
    Book, BookingRequest, BookingResponse, Callback, CancelRequest, CancelResponse, Mo, ProfilecodeResource, Record,
    Referral, Resource, Service, Slot, Table, UnaccessablePeriod,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::batch::batch_into;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::{Diagnostic, Report, RuleCode, Validate};

/// A webhook DTO that can be validated from raw JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawKind {
    /// `POST /booking/book` body (section 7.1).
    BookingRequest,
    /// Answer to `/booking/book` (section 7.1).
    BookingResponse,
    /// `POST /booking/cancel` body (section 7.2).
    CancelRequest,
    /// Answer to `/booking/cancel` (section 7.2).
    CancelResponse,
    /// `POST /api/callback` body (section 10).
    Callback,
}

impl RawKind {
    /// The subject of its diagnostics.
    pub const fn subject(self) -> Subject {
        match self {
            RawKind::BookingRequest => Subject::BookingRequest,
            RawKind::BookingResponse => Subject::BookingResponse,
            RawKind::CancelRequest => Subject::CancelRequest,
            RawKind::CancelResponse => Subject::CancelResponse,
            RawKind::Callback => Subject::Callback,
        }
    }
}

/// Validates the raw body of a POST to `table`: a `{"data": [...]}` batch (a bare JSON array is
/// accepted too, with pointers `/3/…`). Reports malformed JSON, unknown or misspelled fields, wrong
/// JSON types, missing fields, non-canonical values (upper-case GUIDs, non-declared timestamp
/// forms), and then every typed and batch rule for the records that parse. Pointers are absolute
/// (`/data/3/visit_time`).
///
/// ```
/// use fer_model::Table;
/// use fer_validate::{validate_raw, RuleCode};
/// let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/slot_batch_duplicate_id.json")).unwrap();
/// let report = validate_raw(Table::Slot, &body);
/// let errors: Vec<_> = report.errors().map(|d| (d.code, d.pointer.as_str())).collect();
/// assert_eq!(errors, [(RuleCode::R310, "/data/1/id")]);
/// // The string durations and the "2023-10-01 09:00:00" timestamps are warnings.
/// assert!(report.warnings().any(|d| d.code == RuleCode::NonDeclaredForm && d.pointer == "/data/0/duration"));
/// ```
pub fn validate_raw(table: Table, body: &[u8]) -> Report {
    let mut out = Vec::new();
    let subject = Subject::Table(table);
    let Some(root) = parse(subject, body, &mut out) else {
        return Report { diagnostics: out };
    };
    let (prefix, items) = match &root {
        Value::Array(items) => ("", items.as_slice()),
        Value::Object(map) if map.contains_key("data") => {
            for key in map.keys().filter(|k| *k != "data") {
                let pointer = format!("/{}", crate::check::escape_token(key));
                Checker::new(subject, RecordId::None, "", &mut out).report(
                    RuleCode::UnknownField,
                    &pointer,
                    "тело запроса содержит только ключ data",
                    "the body holds only the key data",
                );
            }
            match map.get("data") {
                Some(Value::Array(items)) => ("/data", items.as_slice()),
                _ => {
                    return shape_error(
                        subject,
                        "/data",
                        "data должен быть массивом записей",
                        "data must be an array of records",
                        out,
                    );
                }
            }
        }
        _ => return shape_error(subject, "", "ожидается {\"data\": [ ... ]}", "expected {\"data\": [ ... ]}", out),
    };
    match table {
        Table::Mo => records::<Mo>(prefix, items, &mut out),
        Table::Resource => records::<Resource>(prefix, items, &mut out),
        Table::Service => records::<Service>(prefix, items, &mut out),
        Table::Slot => records::<Slot>(prefix, items, &mut out),
        Table::Book => records::<Book>(prefix, items, &mut out),
        Table::Referral => records::<Referral>(prefix, items, &mut out),
        Table::UnaccessablePeriod => records::<UnaccessablePeriod>(prefix, items, &mut out),
        Table::ProfilecodeResource => records::<ProfilecodeResource>(prefix, items, &mut out),
    }
    Report { diagnostics: out }
}

/// Validates the raw JSON of a webhook DTO. Pointers are absolute (`/patient_data_rrp/gender`).
///
/// ```
/// use fer_validate::{validate_raw_dto, RawKind, RuleCode, Severity};
/// let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/004/booking_request.json")).unwrap();
/// let report = validate_raw_dto(RawKind::BookingRequest, &body);
/// assert!(!report.has_errors());
/// let w = report.warnings().next().unwrap();
/// assert_eq!((w.code, w.pointer.as_str()), (RuleCode::SnilsChecksum, "/patient_data_rrp/snils"));
/// ```
pub fn validate_raw_dto(kind: RawKind, body: &[u8]) -> Report {
    let mut out = Vec::new();
    let subject = kind.subject();
    let Some(root) = parse(subject, body, &mut out) else {
        return Report { diagnostics: out };
    };
    match kind {
        RawKind::BookingRequest => dto::<BookingRequest>(subject, "booking_request", "slot_id", &root, &mut out),
        RawKind::BookingResponse => dto::<BookingResponse>(subject, "booking_response", "book_ext_id", &root, &mut out),
        RawKind::CancelRequest => dto::<CancelRequest>(subject, "cancel_request", "book_ext_id", &root, &mut out),
        RawKind::CancelResponse => dto::<CancelResponse>(subject, "cancel_response", "book_ext_id", &root, &mut out),
        RawKind::Callback => dto::<Callback>(subject, "callback", "address", &root, &mut out),
    }
    Report { diagnostics: out }
}

/// Parses the body, or reports [`RuleCode::MalformedJson`] at the root naming line and column.
fn parse(subject: Subject, body: &[u8], out: &mut Vec<Diagnostic>) -> Option<Value> {
    match fer_model::wire::from_json_slice(body) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = (e.line(), e.column());
            Checker::new(subject, RecordId::None, "", out).report(
                RuleCode::MalformedJson,
                "",
                &format!("строка {line}, столбец {column}: {e}"),
                &format!("line {line}, column {column}: {e}"),
            );
            None
        }
    }
}

fn shape_error(subject: Subject, pointer: &str, ru: &str, en: &str, mut out: Vec<Diagnostic>) -> Report {
    Checker::new(subject, RecordId::None, "", &mut out).report(RuleCode::BodyShape, pointer, ru, en);
    Report { diagnostics: out }
}

/// The raw checks of every record, then the typed and batch rules of those that parse.
fn records<T: Record + Validate + DeserializeOwned>(prefix: &str, items: &[Value], out: &mut Vec<Diagnostic>) {
    let subject = Subject::Table(T::TABLE);
    let shape = fields::shape(T::TABLE.as_str());
    let mut parsed: Vec<T> = Vec::with_capacity(items.len());
    let mut index: Vec<usize> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let record_prefix = format!("{prefix}/{i}");
        let id = item.get(T::TABLE.id_field()).and_then(Value::as_str).map_or(RecordId::None, RecordId::Text);
        let before = out.len();
        let mut c = Checker::new(subject, id, &record_prefix, out);
        if let Some(shape) = shape {
            value::check_record(&mut c, T::TABLE.as_str(), shape, item);
        }
        let raw_errors = out[before..].iter().any(|d| d.severity == crate::Severity::Error);
        match T::deserialize(item) {
            Ok(record) => {
                parsed.push(record);
                index.push(i);
            }
            Err(e) => {
                // The typed rules cannot run: the lengths are still checked on the raw text.
                let mut c = Checker::new(subject, id, &record_prefix, out);
                for (field, max) in crate::limits::of(T::TABLE) {
                    if let Some(Value::String(s)) = item.get(*field) {
                        c.max_len(&format!("/{field}"), s, *max);
                    }
                }
                if !raw_errors {
                    unparsable(&mut c, &e);
                }
            }
        }
    }
    let mut typed = Vec::new();
    batch_into(&parsed, &mut typed);
    // A rule both layers check (an empty tag_type) is reported once.
    let raw: HashSet<(RuleCode, String)> = out.iter().map(|d| (d.code, d.pointer.clone())).collect();
    for mut d in typed {
        d.pointer = rebase(&d.pointer, prefix, &index);
        if !raw.contains(&(d.code, d.pointer.clone())) {
            out.push(d);
        }
    }
}

/// Maps `/data/<j>/rest` (index among the parsed records) to `<prefix>/<i>/rest` (index in the body).
fn rebase(pointer: &str, prefix: &str, index: &[usize]) -> String {
    let rest = pointer.strip_prefix("/data/").unwrap_or(pointer);
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let j: usize = rest[..digits].parse().unwrap_or(0);
    let i = index.get(j).copied().unwrap_or(j);
    format!("{prefix}/{i}{}", &rest[digits..])
}

/// The raw checks of one DTO, then its typed rules when it parses. `id_field` names the key whose
/// value identifies the DTO in diagnostics (as its typed rules do).
fn dto<T: Validate + DeserializeOwned>(
    subject: Subject,
    schema: &str,
    id_field: &str,
    root: &Value,
    out: &mut Vec<Diagnostic>,
) {
    let id = root.get(id_field).and_then(Value::as_str).map_or(RecordId::None, RecordId::Text);
    let before = out.len();
    let mut c = Checker::new(subject, id, "", out);
    if let Some(shape) = fields::shape(schema) {
        value::check_record(&mut c, schema, shape, root);
    }
    let raw_errors = out[before..].iter().any(|d| d.severity == crate::Severity::Error);
    match T::deserialize(root) {
        Ok(v) => out.extend(v.validate().diagnostics),
        Err(e) if !raw_errors => unparsable(&mut Checker::new(subject, id, "", out), &e),
        Err(_) => {}
    }
}

/// A record the field rules found no error in, but that fer-model still refuses: never silent.
fn unparsable(c: &mut Checker<'_>, e: &serde_json::Error) {
    c.report(RuleCode::Unparsable, "", &format!("{e}"), &format!("{e}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_maps_parsed_indices_back() {
        assert_eq!(rebase("/data/1/id", "/data", &[0, 3]), "/data/3/id");
        assert_eq!(rebase("/data/0", "", &[2]), "/2");
    }
}
