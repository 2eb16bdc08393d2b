//! Rules on raw JSON: what typed parsing would hide.
//!
//! A body is read record by record (`raw/stream.rs`, `raw/scan.rs`: one pass over the bytes, from
//! memory or from a bounded buffer over a reader). Each record is read as a borrowed JSON tree
//! (`raw/json.rs`: strings borrowed from the body, objects as vectors, no `serde_json::Value` to
//! build and free) and checked field by field against the shape derived from fer-model's JSON
//! Schema (`raw/fields.rs`): unknown or misspelled keys (with a "did you mean"), alternative
//! spellings, fields the service sets, wrong JSON types, missing required and type-conditional
//! fields, values outside their sets, malformed or non-canonical GUIDs, OIDs, SNILS and
//! timestamps. Then the typed record is built from that tree (`raw/de.rs`, no second read of the
//! text), checked by the typed rules ([`crate::Validate`]) and fed to the batch rules, which keep
//! ids and keys only (`/data/3/visit_time` pointers throughout).
//!
//! [`validate_raw_tree`] is the earlier route (the whole body split by serde_json, each record
//! parsed twice), kept as the reference the record-by-record route is tested against.

use std::collections::HashSet;

mod fields;
mod json;
mod scan;
pub(crate) mod stream;
pub(crate) mod table;
mod tree_de;
pub(crate) mod value;

pub use stream::{BodyForm, StreamError};

use fer_model::{BookingRequest, BookingResponse, Callback, CancelRequest, CancelResponse, Record, Table};
use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use self::json::Json;
use crate::batch::batch_into_refusing;
use crate::check::{Checker, RecordId};
use crate::diagnostic::Subject;
use crate::limits::Limited;
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
    let subject = Subject::Table(table);
    // About 300 bytes a slot: room for the batch indexes without growing them.
    let hint = body.len() / 256;
    let diagnostics =
        table::check_table(table, BodyForm::Json, &mut stream::SliceSource::new(body), &mut table::Nothing, hint)
            .unwrap_or_else(|e| vec![table::malformed_diagnostic(subject, &e)]);
    Report { diagnostics }
}

/// Validates a table's body read from `reader` record by record, in bounded memory: the buffer
/// holds a chunk of the body (a record larger than the chunk is read whole), and the batch rules
/// keep ids and keys, never records. The diagnostics are those of [`validate_raw`] on the same
/// bytes ([`BodyForm::Ndjson`]: as if the lines were the records of one `{"data": [...]}` body).
///
/// A body that is not JSON (cut short, a syntax error mid-array) is [`StreamError::Malformed`]
/// naming its line, column and the index of the record being read; [`StreamError::diagnostic`]
/// gives the [`RuleCode::MalformedJson`] finding [`validate_raw`] reports for it.
///
/// ```
/// use fer_model::Table;
/// use fer_validate::{validate_reader, BodyForm, StreamError};
/// let body = br#"{"data": [{"id": "x"}, {"id": "#;
/// let Err(StreamError::Malformed { record, .. }) = validate_reader(Table::Slot, BodyForm::Json, &body[..]) else {
///     panic!("a cut body is malformed")
/// };
/// assert_eq!(record, Some(1));
/// let report = validate_reader(Table::Slot, BodyForm::Ndjson, &b"{\"id\": \"x\"}\n"[..]).unwrap();
/// assert!(report.errors().any(|d| d.pointer == "/data/0/id"));
/// ```
pub fn validate_reader<R: std::io::Read>(table: Table, form: BodyForm, reader: R) -> Result<Report, StreamError> {
    let mut src = stream::ReaderSource::new(reader, stream::CHUNK);
    let diagnostics = table::check_table(table, form, &mut src, &mut table::Nothing, 0)?;
    Ok(Report { diagnostics })
}

impl StreamError {
    /// The [`RuleCode::MalformedJson`] finding for a body of `table` that could not be read.
    pub fn diagnostic(&self, table: Table) -> Diagnostic {
        table::malformed_diagnostic(Subject::Table(table), self)
    }
}

/// [`validate_raw`] the earlier way, kept as the reference the record-by-record reader is tested
/// against: serde_json splits the whole body into records first, then each record is read into
/// the tree and, separately, parsed from its text into the typed record, and the batch rules run
/// over the vector of parsed records. Same rules, same diagnostics; slower, and it holds every
/// record.
pub fn validate_raw_tree(table: Table, body: &[u8]) -> Report {
    let mut out = Vec::new();
    let subject = Subject::Table(table);
    let Some(root) = body_text(subject, body, &mut out).and_then(|text| parse::<Root>(subject, text, &mut out)) else {
        return Report { diagnostics: out };
    };
    let (prefix, items) = match root {
        Root::Array(items) => ("", items),
        Root::Object { data: Some(data), others } => {
            for key in &others {
                let pointer = format!("/{}", crate::check::escape_token(key));
                Checker::new(subject, RecordId::None, "", &mut out).report(
                    RuleCode::UnknownField,
                    &pointer,
                    "тело запроса содержит только ключ data",
                    "the body holds only the key data",
                );
            }
            match *data {
                Root::Array(items) => ("/data", items),
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
    fer_model::with_record_type!(table, R => records::<R>(prefix, &items, &mut out));
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
    let Some(text) = body_text(subject, body, &mut out) else {
        return Report { diagnostics: out };
    };
    let Some(root) = parse::<Json>(subject, text, &mut out) else {
        return Report { diagnostics: out };
    };
    let (schema, id_field) = match kind {
        RawKind::BookingRequest => ("booking_request", "slot_id"),
        RawKind::BookingResponse => ("booking_response", "book_ext_id"),
        RawKind::CancelRequest => ("cancel_request", "book_ext_id"),
        RawKind::CancelResponse => ("cancel_response", "book_ext_id"),
        RawKind::Callback => ("callback", "address"),
    };
    let dto = Dto { subject, schema, id_field, text, root: &root, out: &mut out };
    match kind {
        RawKind::BookingRequest => dto.check::<BookingRequest>(),
        RawKind::BookingResponse => dto.check::<BookingResponse>(),
        RawKind::CancelRequest => dto.check::<CancelRequest>(),
        RawKind::CancelResponse => dto.check::<CancelResponse>(),
        RawKind::Callback => dto.check::<Callback>(),
    }
    Report { diagnostics: out }
}

/// The body as text (one UTF-8 check for the whole body), or [`RuleCode::MalformedJson`] naming
/// the line and column of the first byte that is not UTF-8.
fn body_text<'a>(subject: Subject, body: &'a [u8], out: &mut Vec<Diagnostic>) -> Option<&'a str> {
    match std::str::from_utf8(body) {
        Ok(text) => Some(text),
        Err(e) => {
            let before = &body[..e.valid_up_to()];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.len() - before.iter().rposition(|b| *b == b'\n').map_or(0, |at| at + 1) + 1;
            malformed(subject, line, column, "не UTF-8", "not UTF-8", out);
            None
        }
    }
}

/// Parses `text`, or reports [`RuleCode::MalformedJson`] at the root naming line and column.
fn parse<'a, T: Deserialize<'a>>(subject: Subject, text: &'a str, out: &mut Vec<Diagnostic>) -> Option<T> {
    match serde_json::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let reason = e.to_string();
            malformed(subject, e.line(), e.column(), &reason, &reason, out);
            None
        }
    }
}

fn malformed(subject: Subject, line: usize, column: usize, ru: &str, en: &str, out: &mut Vec<Diagnostic>) {
    Checker::new(subject, RecordId::None, "", out).report(
        RuleCode::MalformedJson,
        "",
        &format!("строка {line}, столбец {column}: {ru}"),
        &format!("line {line}, column {column}: {en}"),
    );
}

/// The top of a batch body, read in one pass with its records left as raw text: an array of
/// records, an object (its `data` read the same way, the last one when repeated; the names of its
/// other keys), or any other JSON (a shape error).
enum Root<'a> {
    Array(Vec<&'a RawValue>),
    Object { data: Option<Box<Root<'a>>>, others: Vec<String> },
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Root<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RootVisitor;
        impl<'de> Visitor<'de> for RootVisitor {
            type Value = Root<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Root<'de>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Root::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root<'de>, A::Error> {
                let (mut data, mut others) = (None, Vec::new());
                while let Some(key) = map.next_key::<String>()? {
                    if key == "data" {
                        data = Some(Box::new(map.next_value::<Root<'de>>()?));
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                        others.push(key);
                    }
                }
                Ok(Root::Object { data, others })
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Root<'de>, E> {
                Ok(Root::Other)
            }
        }
        d.deserialize_any(RootVisitor)
    }
}

fn shape_error(subject: Subject, pointer: &str, ru: &str, en: &str, mut out: Vec<Diagnostic>) -> Report {
    Checker::new(subject, RecordId::None, "", &mut out).report(RuleCode::BodyShape, pointer, ru, en);
    Report { diagnostics: out }
}

/// The raw checks of every record, then the typed and batch rules of those that parse.
fn records<T: Record + Validate + Limited + DeserializeOwned>(
    prefix: &str,
    items: &[&RawValue],
    out: &mut Vec<Diagnostic>,
) {
    let subject = Subject::Table(T::TABLE);
    let shape = fields::shape(T::TABLE.as_str());
    let mut parsed: Vec<T> = Vec::with_capacity(items.len());
    let mut index: Vec<usize> = Vec::with_capacity(items.len());
    // Per parsed record: already refused by the raw checks (so it keeps no unique key, R-330).
    let mut refused: Vec<bool> = Vec::with_capacity(items.len());
    let mut record_prefix = String::with_capacity(prefix.len() + 8);
    for (i, raw) in items.iter().enumerate() {
        record_prefix.clear();
        record_prefix.push_str(prefix);
        record_prefix.push('/');
        // Without `core::fmt`: one prefix per record of a 100,000-record body.
        record_prefix.push_str(itoa::Buffer::new().format(i));
        // The text is a valid JSON value (the body parsed): the tree reads as well.
        let item: Json = serde_json::from_str(raw.get()).unwrap_or(Json::Null);
        let id = item.get(T::TABLE.id_field()).and_then(Json::as_str).map_or(RecordId::None, RecordId::Text);
        let before = out.len();
        let mut c = Checker::new(subject, id, &record_prefix, out);
        if let Some(shape) = shape {
            value::check_record(&mut c, T::TABLE.as_str(), shape, &item);
        }
        let raw_errors = out[before..].iter().any(|d| d.severity == crate::Severity::Error);
        match serde_json::from_str::<T>(raw.get()) {
            Ok(record) => {
                parsed.push(record);
                index.push(i);
                refused.push(raw_errors);
            }
            Err(e) => {
                // The typed rules cannot run: the lengths are still checked on the raw text.
                let mut c = Checker::new(subject, id, &record_prefix, out);
                for (field, max) in T::LIMITS {
                    if let Some(Json::String(s)) = item.get(field) {
                        c.max_len(&format!("/{field}"), s, *max);
                    }
                }
                if !raw_errors {
                    unparsable(&mut c, &serde_reason(&e));
                }
            }
        }
    }
    let mut typed = Vec::new();
    batch_into_refusing(&parsed, &refused, &mut typed);
    if typed.is_empty() {
        return;
    }
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

/// One DTO body: its raw checks, then its typed rules when it parses. `id_field` names the key
/// whose value identifies the DTO in diagnostics (as its typed rules do).
struct Dto<'a, 'j> {
    subject: Subject,
    schema: &'static str,
    id_field: &'static str,
    text: &'a str,
    root: &'j Json<'a>,
    out: &'j mut Vec<Diagnostic>,
}

impl Dto<'_, '_> {
    fn check<T: Validate + DeserializeOwned>(self) {
        let Dto { subject, schema, id_field, text, root, out } = self;
        let id = root.get(id_field).and_then(Json::as_str).map_or(RecordId::None, RecordId::Text);
        let before = out.len();
        let mut c = Checker::new(subject, id, "", out);
        if let Some(shape) = fields::shape(schema) {
            value::check_record(&mut c, schema, shape, root);
        }
        if matches!(subject, Subject::BookingResponse | Subject::CancelResponse) {
            answer_time(&mut c, root);
        }
        if subject == Subject::BookingRequest {
            blank_patient_fields_are_warnings(root, &mut out[before..]);
        }
        let raw_errors = out[before..].iter().any(|d| d.severity == crate::Severity::Error);
        match serde_json::from_str::<T>(text) {
            Ok(v) => out.extend(v.validate().diagnostics),
            Err(e) if !raw_errors => unparsable(&mut Checker::new(subject, id, "", out), &serde_reason(&e)),
            Err(_) => {}
        }
    }
}

/// `patient_data_rrp.snils` and `.birthdate` have an empty obligation column («Описание
/// параметров в запросе» of the booking method): sent as blank text they read as absent, so their
/// format findings are warnings.
fn blank_patient_fields_are_warnings(root: &Json<'_>, found: &mut [Diagnostic]) {
    let Some(patient) = root.get("patient_data_rrp") else { return };
    for field in ["snils", "birthdate"] {
        if patient.get(field).and_then(Json::as_str).is_some_and(|s| s.trim().is_empty()) {
            let pointer = format!("/patient_data_rrp/{field}");
            for d in found.iter_mut().filter(|d| d.pointer == pointer) {
                d.severity = crate::Severity::Warning;
            }
        }
    }
}

/// An answer's `visit_time`: the booking method's «Пример ответа» gives it an offset
/// (`2022-12-14T08:00:00+05:00`), but the tables give no format, so a time without offset is a
/// warning and only text that is no time at all an error.
fn answer_time(c: &mut Checker<'_>, root: &Json<'_>) {
    let Some(s) = root.get("visit_time").and_then(Json::as_str) else { return };
    if chrono::DateTime::parse_from_rfc3339(s.trim()).is_ok() {
        return;
    }
    let (severity, ru, en) = if fer_model::booking::parse_answer_time(s).is_ok() {
        (
            crate::Severity::Warning,
            format!(
                "{s:?}: время без смещения от UTC принято; передавайте его со смещением, например 2022-12-14T08:00:00+05:00"
            ),
            format!("{s:?}: a time without UTC offset is accepted; send it with one, e.g. 2022-12-14T08:00:00+05:00"),
        )
    } else {
        (
            crate::Severity::Error,
            format!("{s:?}: ожидается время со смещением, например 2022-12-14T08:00:00+05:00"),
            format!("{s:?}: expected a time with offset, e.g. 2022-12-14T08:00:00+05:00"),
        )
    };
    c.report_as(RuleCode::TimestampFormat, severity, "/visit_time", &ru, &en);
}

/// A record the field rules found no error in, but that fer-model still refuses: never silent.
/// serde_json's position ("at line 1 column 80") is dropped: it counts inside the record's text,
/// not the body; the pointer says where the record is.
fn unparsable(c: &mut Checker<'_>, reason: &str) {
    c.report(RuleCode::Unparsable, "", reason, reason);
}

/// serde_json's reason without its position ("at line 1 column 80" counts inside the record's
/// text, not the body).
fn serde_reason(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&position).unwrap_or(&text).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> serde_json::Value {
        let path = format!("{}/../fixtures/spec/004/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn found(kind: RawKind, v: &serde_json::Value) -> Vec<(RuleCode, String, crate::Severity)> {
        let r = validate_raw_dto(kind, &serde_json::to_vec(v).unwrap());
        r.diagnostics.into_iter().map(|d| (d.code, d.pointer, d.severity)).collect()
    }

    #[test]
    fn answer_time_without_offset_is_a_warning() {
        let mut v = fixture("booking_response.json");
        assert!(found(RawKind::BookingResponse, &v).is_empty());
        v["visit_time"] = "2022-12-14T08:00:00".into();
        let w = crate::Severity::Warning;
        assert_eq!(found(RawKind::BookingResponse, &v), [(RuleCode::TimestampFormat, "/visit_time".into(), w)]);
        v["visit_time"] = "завтра".into();
        assert!(found(RawKind::BookingResponse, &v).iter().any(|d| d.2 == crate::Severity::Error));
        let cancel = serde_json::json!({"book_ext_id": "597bc82e-88a5-4be5-8bd2-51a54312dbef",
            "slot_id": "ac46c807-9d59-4f56-b30c-2d165ab21753", "visit_time": "2022-12-14T08:00:00",
            "duration": "40", "status": {"status_code": 0}});
        assert_eq!(found(RawKind::CancelResponse, &cancel), [(RuleCode::TimestampFormat, "/visit_time".into(), w)]);
    }

    #[test]
    fn lenient_booking_request_forms_are_warnings() {
        let mut v = fixture("booking_request.json");
        v["patient_data_rrp"]["snils"] = "".into();
        v["patient_data_rrp"]["birthdate"] = "".into();
        v["patient_data_rrp"]["gender"] = "M".into();
        v["patient_data_rrp"]["firstname"] = serde_json::Value::Null;
        v["patient_id"] = "11234455".into();
        v["preliminary_reservation"] = serde_json::Value::Null;
        let r = validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&v).unwrap());
        assert!(!r.has_errors(), "{r:#?}");
        let at: Vec<&str> = r.diagnostics.iter().map(|d| d.pointer.as_str()).collect();
        for p in ["/patient_id", "/patient_data_rrp/gender", "/patient_data_rrp/birthdate", "/patient_data_rrp/snils"] {
            assert!(at.contains(&p), "{p} in {at:?}");
        }
    }

    #[test]
    fn rebase_maps_parsed_indices_back() {
        assert_eq!(rebase("/data/1/id", "/data", &[0, 3]), "/data/3/id");
        assert_eq!(rebase("/data/0", "", &[2]), "/2");
    }
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    /// A buffer of any size reads what the whole body reads: records cut at every chunk boundary.
    #[test]
    fn every_chunk_size_reads_the_same() {
        let slot = |n: u32| {
            serde_json::json!({"id": format!("aaaaaaa1-5eff-49b8-9d07-{n:012x}"), "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
                "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72", "tag_type": "EPGU", "tag_age": "ALL",
                "visit_time": "2024-03-28T05:00:00", "duration": n, "create_ts": "2023-10-01 09:00:00", "status": "AVAILABLE",
                "note\\u00e9": "é\"\\"})
        };
        let body = serde_json::to_vec_pretty(
            &serde_json::json!({"x": [1.5e3, -0], "data": (0..5).map(slot).collect::<Vec<_>>()}),
        )
        .unwrap();
        let whole = validate_raw(Table::Slot, &body);
        assert!(whole.diagnostics.len() > 5, "{whole:#?}");
        let lines: String = (0..5).map(|n| slot(n).to_string() + "\r\n").collect();
        for chunk in [1, 2, 3, 7, 64, 1000, 1 << 20] {
            let mut src = stream::ReaderSource::new(&body[..], chunk);
            let got = table::check_table(Table::Slot, BodyForm::Json, &mut src, &mut table::Nothing, 0).unwrap();
            assert_eq!(got, whole.diagnostics, "chunk {chunk}");
            let mut src = stream::ReaderSource::new(lines.as_bytes(), chunk);
            let got = table::check_table(Table::Slot, BodyForm::Ndjson, &mut src, &mut table::Nothing, 0).unwrap();
            assert_eq!(got.len(), whole.diagnostics.len() - 1, "chunk {chunk}: no key besides data");
            let cut = &body[..body.len() - 40];
            let mut src = stream::ReaderSource::new(cut, chunk);
            let e = table::check_table(Table::Slot, BodyForm::Json, &mut src, &mut table::Nothing, 0).unwrap_err();
            let StreamError::Malformed { line, record, .. } = e else { panic!("{e}") };
            let (want, _) = scan::line_column(cut, cut.len());
            assert_eq!((line, record), (want, Some(4)), "chunk {chunk}");
        }
    }
}
