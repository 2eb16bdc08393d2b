//! A conformance run against a vendor's booking webhook: this module plays the gateway (the booking
//! and cancel service of the profile, «Сервис бронирования и отмены записи на прием», and the
//! registration probe of the callback section) and grades every answer: the HTTP status, the JSON
//! structure (fer-validate's DTO rules), the status code the situation calls for, and the time
//! against the gateway's 10-second limit ([`GATEWAY_DEADLINE`]).
//!
//! Unlike [`EmulatorHandle::book`](crate::EmulatorHandle::book), which needs a schedule on the
//! Vitrina and a registered webhook, a run needs only the webhook's address and one free slot of the
//! MIS. Vendors call it from their own `cargo test`; `fer conformance` prints the same report.
//!
//! The checks, in order ([`CheckKind`]):
//!
//! | check | what is sent | passes when |
//! |---|---|---|
//! | `probe` | `GET /booking/book` | 200 (the Vitrina probes this before it registers a webhook) |
//! | `book` | a valid booking of the slot | 200, a confirmation (code 0) of that slot |
//! | `repeated book` | the same request again | the same `book_ext_id`, or a refusal 11, 12 or 13: never a second booking |
//! | `gzip body` | the same request, gzip-compressed | as `repeated book` |
//! | `refused book` | a booking of a slot that does not exist | 200 and a refusal (code 11..18) |
//! | `malformed JSON` | a body that is not JSON | 400, or 200 with code 18 |
//! | `cancel` | a cancel of the booking | 200 and code 0 |
//! | `repeated cancel` | the same cancel again | 200 and code 1 («Запись уже отменена») |
//!
//! A cancel answer may take either shape of the profile: the fields of its parameter table
//! (`book_ext_id` and `status`) or those of its example (the booking's details as well); both
//! are read by [`CancelResponse`]. Every answer must come within [`GATEWAY_DEADLINE`]; a slower one
//! fails its check. Answers may be gzip-compressed (any number of members).
//!
//! ```no_run
//! # async fn demo() -> Result<(), fer_emulator::conformance::ConformanceError> {
//! use fer_emulator::conformance::{CheckKind, Conformance};
//!
//! let slot = "3fa85f64-5717-4562-b3fc-2c963f66afa6".parse().unwrap(); // a free slot of the MIS
//! let report = Conformance::new("http://127.0.0.1:8080").slot(slot).run().await?;
//! assert!(report.passed(), "{report}");
//! assert!(report.get(CheckKind::RepeatedCancel).is_some_and(|c| c.passed));
//! # Ok(()) }
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use fer_model::{BookingResponse, CancelResponse, CancelStatusCode, GATEWAY_DEADLINE, Guid};
use fer_validate::RawKind;
use serde::{Serialize, Serializer};
use serde_json::{Value, json};

use crate::gateway::webhook_url;

/// The slot a run books when none is given: that of the profile's example booking request, which
/// the workspace's example MIS offers.
pub const DEFAULT_SLOT: Guid = Guid::from_u128(0xb10902d0_e331_11ed_8d9e_60123c4747d1);

/// The largest answer a run reads, compressed and inflated.
const ANSWER_LIMITS: fer_http::Limits = fer_http::Limits { compressed: 1 << 20, decompressed: 8 << 20 };

/// The profile's example booking request for `slot`, with a valid SNILS and an adult patient, so
/// that any slot open to adults can take it; `patient` is its `patient_id` and
/// `patient_data_rrp.id`.
pub fn example_request(slot: Guid, patient: Guid) -> Value {
    let request = fer_model::BookingRequest::example().with_slot(slot).with_patient(patient);
    // A typed request always serializes: every field is text, a number or a GUID.
    serde_json::to_value(&request).expect("a BookingRequest serializes")
}

/// One of the checks of a run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// `GET /booking/book` answers 200.
    Probe,
    /// A valid booking is confirmed for the requested slot.
    Book,
    /// The same booking again gets the same `book_ext_id` or a refusal 11, 12 or 13.
    RepeatedBook,
    /// The same booking, gzip-compressed, is read and answered as a repeat.
    GzipBody,
    /// A booking of a slot that does not exist is refused (codes 11..18).
    RefusedBook,
    /// A body that is not JSON gets 400, or 200 with code 18.
    MalformedJson,
    /// The cancel of the booking succeeds (code 0).
    Cancel,
    /// The same cancel again answers code 1 (already cancelled).
    RepeatedCancel,
}

impl CheckKind {
    /// Every check, in the order a run makes them.
    pub const ALL: [CheckKind; 8] = [
        CheckKind::Probe,
        CheckKind::Book,
        CheckKind::RepeatedBook,
        CheckKind::GzipBody,
        CheckKind::RefusedBook,
        CheckKind::MalformedJson,
        CheckKind::Cancel,
        CheckKind::RepeatedCancel,
    ];

    /// The check's name, as the report prints it (`repeated book`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Probe => "probe",
            CheckKind::Book => "book",
            CheckKind::RepeatedBook => "repeated book",
            CheckKind::GzipBody => "gzip body",
            CheckKind::RefusedBook => "refused book",
            CheckKind::MalformedJson => "malformed JSON",
            CheckKind::Cancel => "cancel",
            CheckKind::RepeatedCancel => "repeated cancel",
        }
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The result of one check. Serialized as `{"check", "passed", "millis", "detail"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Which check.
    #[serde(rename = "check")]
    pub kind: CheckKind,
    /// Whether it passed.
    pub passed: bool,
    /// How long the webhook took to answer, in milliseconds (0 when it did not answer).
    pub millis: u64,
    /// What was seen: the booking id, the code, or what is wrong.
    pub detail: String,
}

/// Every check of a run, in order. [`Display`](fmt::Display) prints a table for people;
/// [`Serialize`] gives `{"checks": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConformanceReport {
    /// The checks, in the order of [`CheckKind::ALL`].
    pub checks: Vec<Check>,
}

impl ConformanceReport {
    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.passed)
    }

    /// The result of one check.
    pub fn get(&self, kind: CheckKind) -> Option<&Check> {
        self.checks.iter().find(|c| c.kind == kind)
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<16} {:<6} {:>8}  detail", "check", "result", "ms")?;
        for c in &self.checks {
            let result = if c.passed { "PASS" } else { "FAIL" };
            writeln!(f, "{:<16} {:<6} {:>8}  {}", c.kind.as_str(), result, c.millis, c.detail)?;
        }
        let failed = self.failures().count();
        write!(f, "{} passed, {failed} failed", self.checks.len() - failed)
    }
}

/// Why a run could not start. A webhook that answers wrongly is not an error: it fails checks in
/// the [`ConformanceReport`].
#[derive(Debug, thiserror::Error)]
pub enum ConformanceError {
    /// The webhook address is not a URL.
    #[error("webhook address {url:?} is not a URL: {source}")]
    InvalidWebhook {
        /// The address given.
        url: String,
        /// Why it does not parse.
        #[source]
        source: reqwest::Error,
    },
    /// The webhook address is a URL of another scheme than `http` or `https`.
    #[error("webhook address {url:?} is not http or https")]
    UnsupportedScheme {
        /// The address given.
        url: String,
    },
    /// The booking request to start from is not a JSON object.
    #[error("the booking request must be a JSON object, not {found}")]
    RequestNotObject {
        /// What it is instead (`an array`, `a string`, ...).
        found: &'static str,
    },
    /// The HTTP client could not be built (no TLS backend, ...).
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
}

/// A conformance run, configured with a builder and started with [`run`](Self::run).
#[derive(Debug, Clone)]
pub struct Conformance {
    webhook: String,
    slot: Guid,
    request: Option<Value>,
    patient: Option<Guid>,
}

impl Conformance {
    /// A run against the webhook at `webhook` (its base address: the run calls
    /// `<webhook>/booking/book` and `<webhook>/booking/cancel`), booking [`DEFAULT_SLOT`].
    pub fn new(webhook: impl Into<String>) -> Self {
        Conformance { webhook: webhook.into(), slot: DEFAULT_SLOT, request: None, patient: None }
    }

    /// The free slot of the MIS to book and then cancel.
    pub fn slot(mut self, slot: Guid) -> Self {
        self.slot = slot;
        self
    }

    /// The booking request to start from, instead of [`example_request`]; its `slot_id` is replaced
    /// by [`slot`](Self::slot), the rest is sent as it is, so it may carry whatever the MIS needs
    /// (its own patient, a referral, ...).
    pub fn request(mut self, request: Value) -> Self {
        self.request = Some(request);
        self
    }

    /// The patient of [`example_request`] (default: a new random GUID); ignored with
    /// [`request`](Self::request).
    pub fn patient(mut self, patient: Guid) -> Self {
        self.patient = Some(patient);
        self
    }

    /// Runs every check against the webhook, one after another, and reports them all.
    pub async fn run(self) -> Result<ConformanceReport, ConformanceError> {
        let request = match self.request {
            Some(Value::Object(mut fields)) => {
                fields.insert("slot_id".to_owned(), json!(self.slot.to_string()));
                Value::Object(fields)
            }
            Some(other) => return Err(ConformanceError::RequestNotObject { found: json_kind(&other) }),
            None => example_request(self.slot, self.patient.unwrap_or_else(Guid::new_v4)),
        };
        let runner = Runner::new(&self.webhook)?;
        Ok(ConformanceReport { checks: runner.all(&request, self.slot).await })
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

struct Runner {
    http: reqwest::Client,
    book: String,
    cancel: String,
}

/// One answer: HTTP status, body (inflated), time.
struct Answer {
    status: u16,
    body: Vec<u8>,
    elapsed: Duration,
}

impl Runner {
    fn new(webhook: &str) -> Result<Self, ConformanceError> {
        let http = reqwest::Client::builder()
            .timeout(GATEWAY_DEADLINE + Duration::from_secs(1))
            .build()
            .map_err(ConformanceError::Client)?;
        let book = webhook_url(webhook, "book");
        let probe = http
            .get(&book)
            .build()
            .map_err(|source| ConformanceError::InvalidWebhook { url: webhook.to_owned(), source })?;
        if !matches!(probe.url().scheme(), "http" | "https") {
            return Err(ConformanceError::UnsupportedScheme { url: webhook.to_owned() });
        }
        Ok(Runner { http, book, cancel: webhook_url(webhook, "cancel") })
    }

    async fn all(&self, request: &Value, slot: Guid) -> Vec<Check> {
        let mut checks = Vec::new();
        let probe = self.send(&self.book, None, false).await;
        checks.push(grade(CheckKind::Probe, probe, |a| expect(a.status == 200, format!("HTTP {}", a.status))));

        let body = request.to_string().into_bytes();
        let first = self.send(&self.book, Some(&body), false).await;
        let mut booked: Option<Guid> = None;
        checks.push(grade(CheckKind::Book, first, |a| {
            let confirmed = confirmation(a)?;
            if confirmed.1 != slot {
                return Err(format!("confirmed slot {} instead of {slot}", confirmed.1));
            }
            booked = Some(confirmed.0);
            Ok(format!("book_ext_id {}", confirmed.0))
        }));

        for (kind, gzip) in [(CheckKind::RepeatedBook, false), (CheckKind::GzipBody, true)] {
            let again = self.send(&self.book, Some(&body), gzip).await;
            checks.push(grade(kind, again, |a| no_double_booking(a, booked)));
        }

        let mut unknown = request.clone();
        unknown["slot_id"] = json!(Guid::new_v4().to_string());
        let refused = self.send(&self.book, Some(unknown.to_string().as_bytes()), false).await;
        checks.push(grade(CheckKind::RefusedBook, refused, |a| match booking(a)? {
            BookingResponse::Rejected(r) => Ok(format!("refused with code {}", r.code.code())),
            BookingResponse::Confirmed(c) => Err(format!("confirmed a slot that does not exist ({})", c.book_ext_id)),
        }));

        let malformed = self.send(&self.book, Some(b"{\"slot_id\": "), false).await;
        checks.push(grade(CheckKind::MalformedJson, malformed, |a| match a.status {
            400 => Ok("HTTP 400".to_owned()),
            200 => match booking(a)? {
                BookingResponse::Rejected(r) if r.code.code() == 18 => Ok("code 18".to_owned()),
                other => Err(format!("answered {other:?} to a body that is not JSON")),
            },
            s => Err(format!("HTTP {s}; expected 400 or a code 18")),
        }));

        let patient = request["patient_id"].as_str().unwrap_or_default().to_owned();
        let cancel = booked.map(|id| json!({"book_ext_id": id.to_string(), "patient_id": patient, "united_guids": []}));
        for (kind, want) in [
            (CheckKind::Cancel, CancelStatusCode::Success),
            (CheckKind::RepeatedCancel, CancelStatusCode::AlreadyCanceled),
        ] {
            let Some(cancel) = &cancel else {
                checks.push(Check { kind, passed: false, millis: 0, detail: "nothing was booked".into() });
                continue;
            };
            let body = cancel.to_string();
            let answer = self.send(&self.cancel, Some(body.as_bytes()), false).await;
            checks.push(grade(kind, answer, |a| cancel_code(a, want)));
        }
        checks
    }

    /// A POST of `body` (JSON, gzip-compressed if `gzip`), or the GET probe when `body` is `None`.
    async fn send(&self, url: &str, body: Option<&[u8]>, gzip: bool) -> Result<Answer, String> {
        let mut req = match body {
            Some(_) => self.http.post(url),
            None => self.http.get(url),
        };
        if let Some(body) = body {
            req = req.header(reqwest::header::CONTENT_TYPE, fer_http::content_type::JSON);
            req = if gzip {
                let packed = fer_http::gzip(body, fer_http::gzip::FAST).map_err(|e| e.to_string())?;
                req.header(reqwest::header::CONTENT_ENCODING, "gzip").body(packed)
            } else {
                req.body(body.to_vec())
            };
        }
        let started = Instant::now();
        let mut resp = req.send().await.map_err(|e| format!("no answer: {e}"))?;
        let status = resp.status().as_u16();
        // Read under limits, gunzipped if the webhook compressed its answer (all members).
        let mut reader =
            fer_http::BodyReader::new(resp.headers(), ANSWER_LIMITS).map_err(|e| format!("answer refused: {e}"))?;
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("answer cut short: {e}"))? {
            reader.push(chunk).map_err(|e| format!("answer refused: {e}"))?;
        }
        let body = reader.finish().map_err(|e| format!("answer refused: {e}"))?.to_vec();
        Ok(Answer { status, body, elapsed: started.elapsed() })
    }
}

fn grade(
    kind: CheckKind,
    answer: Result<Answer, String>,
    judge: impl FnOnce(&Answer) -> Result<String, String>,
) -> Check {
    match answer {
        Err(detail) => Check { kind, passed: false, millis: 0, detail },
        Ok(a) => {
            let millis = u64::try_from(a.elapsed.as_millis()).unwrap_or(u64::MAX);
            let (mut passed, mut detail) = match judge(&a) {
                Ok(d) => (true, d),
                Err(d) => (false, d),
            };
            if a.elapsed > GATEWAY_DEADLINE {
                passed = false;
                detail = format!("{detail}; answered after the gateway's {} s limit", GATEWAY_DEADLINE.as_secs());
            }
            Check { kind, passed, millis, detail }
        }
    }
}

fn expect(ok: bool, detail: String) -> Result<String, String> {
    if ok { Ok(detail) } else { Err(detail) }
}

/// The booking answer, checked for HTTP 200 and for the DTO rules.
fn booking(a: &Answer) -> Result<BookingResponse, String> {
    if a.status != 200 {
        return Err(format!("HTTP {}: {}", a.status, excerpt(&a.body)));
    }
    structure(RawKind::BookingResponse, &a.body)?;
    serde_json::from_slice(&a.body).map_err(|e| format!("not a booking answer: {e}: {}", excerpt(&a.body)))
}

fn confirmation(a: &Answer) -> Result<(Guid, Guid), String> {
    match booking(a)? {
        BookingResponse::Confirmed(c) => Ok((c.book_ext_id, c.slot_id)),
        BookingResponse::Rejected(r) => Err(format!("refused with code {}: {:?}", r.code.code(), r.message)),
    }
}

fn no_double_booking(a: &Answer, booked: Option<Guid>) -> Result<String, String> {
    match booking(a)? {
        BookingResponse::Confirmed(c) if Some(c.book_ext_id) == booked => Ok("the same booking".to_owned()),
        BookingResponse::Confirmed(c) => Err(format!("a second booking {} of the same slot", c.book_ext_id)),
        BookingResponse::Rejected(r) if matches!(r.code.code(), 11..=13) => {
            Ok(format!("refused with {}", r.code.code()))
        }
        BookingResponse::Rejected(r) => {
            Err(format!("refused with {}; expected the same booking or 11, 12, 13", r.code.code()))
        }
    }
}

/// The cancel answer, in either shape of the profile, checked for HTTP 200, the DTO rules and
/// the code `want`.
fn cancel_code(a: &Answer, want: CancelStatusCode) -> Result<String, String> {
    if a.status != 200 {
        return Err(format!("HTTP {}: {}", a.status, excerpt(&a.body)));
    }
    structure(RawKind::CancelResponse, &a.body)?;
    let r: CancelResponse = serde_json::from_slice(&a.body).map_err(|e| format!("not a cancel answer: {e}"))?;
    expect(r.status.code == want, format!("code {} (expected {})", r.status.code.code(), want.code()))
}

/// The DTO rules of fer-validate on an answer; errors fail the check.
fn structure(kind: RawKind, body: &[u8]) -> Result<(), String> {
    let report = crate::validation::dto(kind, body);
    match report.errors().next() {
        None => Ok(()),
        Some(d) => Err(format!("{} at {}: {}", d.code.as_str(), d.pointer, d.message_en)),
    }
}

fn excerpt(body: &[u8]) -> String {
    fer_http::excerpt(body, fer_http::EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_check_and_the_totals() {
        let checks = CheckKind::ALL
            .iter()
            .map(|&kind| Check { kind, passed: kind != CheckKind::Cancel, millis: 3, detail: "seen".into() })
            .collect();
        let report = ConformanceReport { checks };
        assert!(!report.passed());
        let text = report.to_string();
        for kind in CheckKind::ALL {
            assert!(text.lines().any(|l| l.starts_with(kind.as_str())), "{kind}: {text}");
        }
        assert!(text.lines().any(|l| l.starts_with("cancel ") && l.contains("FAIL")), "{text}");
        assert!(text.ends_with("7 passed, 1 failed"), "{text}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["checks"][2]["check"], "repeated book");
        assert_eq!(json["checks"][6]["passed"], false);
    }

    #[tokio::test]
    async fn a_request_that_is_not_an_object_or_a_webhook_that_is_not_a_url_is_refused() {
        let e = Conformance::new("http://127.0.0.1:1").request(json!([1])).run().await.unwrap_err();
        assert!(matches!(e, ConformanceError::RequestNotObject { found: "an array" }), "{e}");
        let e = Conformance::new("not a url").run().await.unwrap_err();
        assert!(matches!(e, ConformanceError::InvalidWebhook { .. }), "{e}");
        assert!(std::error::Error::source(&e).is_some());
        let e = Conformance::new("ftp://127.0.0.1:1").run().await.unwrap_err();
        assert!(matches!(e, ConformanceError::UnsupportedScheme { .. }), "{e}");
    }
}
