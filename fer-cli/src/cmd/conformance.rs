//! `fer conformance`: plays the gateway against a vendor's webhook (section 7 of the profile) and
//! grades every answer: HTTP status, JSON structure (fer-validate's DTO rules), the status code the
//! situation calls for, and the time against the gateway's 10-second limit.
//!
//! The checks, in order:
//!
//! | check | what is sent | passes when |
//! |---|---|---|
//! | `probe` | `GET /booking/book` | 200 (the Vitrina probes this before registration, section 10) |
//! | `book` | a valid booking of `--slot` | 200, a confirmation (code 0) of that slot |
//! | `repeated book` | the same request again | the same `book_ext_id`, or a refusal 11, 12 or 13: never a second booking |
//! | `gzip body` | the same request, gzip-compressed | as `repeated book` |
//! | `refused book` | a booking of a slot that does not exist | 200 and a refusal (code 11..18) |
//! | `malformed JSON` | a body that is not JSON | 400, or 200 with code 18 |
//! | `cancel` | a cancel of the booking | 200 and code 0 |
//! | `repeated cancel` | the same cancel again | 200 and code 1 («Запись уже отменена») |
//!
//! Every answer must come within [`GATEWAY_DEADLINE`]; a slower one fails its check.

use std::io::Write;
use std::time::{Duration, Instant};

use fer_model::{BookingResponse, CancelResponse, CancelStatusCode, GATEWAY_DEADLINE, Guid};
use fer_validate::{RawKind, validate_raw_dto};
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::{ConformanceArgs, Format};
use crate::error::CliError;
use crate::{Verdict, output};

/// The result of one check.
#[derive(Debug, Serialize)]
pub struct Check {
    /// The check's name.
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// How long the webhook took to answer, in milliseconds.
    pub millis: u128,
    /// What was seen.
    pub detail: String,
}

/// Runs `fer conformance`.
pub async fn run(args: &ConformanceArgs, format: Format) -> Result<Verdict, CliError> {
    let slot = args.slot;
    let request = match &args.request {
        Some(path) => {
            let text = std::fs::read(path).map_err(|source| CliError::Io { path: path.clone(), source })?;
            let mut v: Value = serde_json::from_slice(&text)
                .map_err(|e| CliError::Usage(format!("{}: not JSON: {e}", path.display())))?;
            v["slot_id"] = json!(slot.to_string());
            v
        }
        None => default_request(slot, Guid::new_v4()),
    };
    let runner = Runner::new(&args.webhook)?;
    let checks = runner.all(&request, slot).await;
    match format {
        Format::Json => output::json(&checks),
        Format::Human => print_table(&checks),
    }
    Ok(if checks.iter().all(|c| c.passed) { Verdict::Fine } else { Verdict::Wrong })
}

/// The spec's example booking request (section 7.1) for `slot`, with a valid SNILS and an adult
/// patient, so that any slot open to adults can take it.
pub fn default_request(slot: Guid, patient: Guid) -> Value {
    json!({
        "slot_id": slot.to_string(),
        "patient_id": patient.to_string(),
        "booking_type": "APPOINTMENT",
        "case_number": null,
        "preliminary_reservation": false,
        "referral_id": null,
        "cards_id": null,
        "email": null,
        "mobile_phone": null,
        "service_id": null,
        "dictionary_nsi_code": null,
        "patient_data_rrp": {
            "id": patient.to_string(),
            "united_guids": [],
            "firstname": "Мария",
            "lastname": "Проверкина",
            "middlename": "Ивановна",
            "snils": "11223344595",
            "oms_number": "7700000000000001",
            "birthdate": "1985-04-12T00:00:00",
            "gender": "2",
            "phone": null,
            "email": null
        }
    })
}

struct Runner {
    http: reqwest::Client,
    base: String,
}

/// One answer: HTTP status, body, time.
struct Answer {
    status: u16,
    body: Vec<u8>,
    elapsed: Duration,
}

impl Runner {
    fn new(webhook: &str) -> Result<Self, CliError> {
        let http = reqwest::Client::builder()
            .timeout(GATEWAY_DEADLINE + Duration::from_secs(1))
            .build()
            .map_err(|e| CliError::Remote(e.to_string()))?;
        Ok(Runner { http, base: webhook.trim_end_matches('/').to_owned() })
    }

    async fn all(&self, request: &Value, slot: Guid) -> Vec<Check> {
        let mut checks = Vec::new();
        let probe = self.send(reqwest::Method::GET, "/booking/book", None, false).await;
        checks.push(grade("probe", probe, |a| expect(a.status == 200, format!("HTTP {}", a.status))));

        let body = request.to_string().into_bytes();
        let first = self.send(reqwest::Method::POST, "/booking/book", Some(&body), false).await;
        let mut booked: Option<Guid> = None;
        checks.push(grade("book", first, |a| {
            let confirmed = confirmation(a)?;
            if confirmed.1 != slot {
                return Err(format!("confirmed slot {} instead of {slot}", confirmed.1));
            }
            booked = Some(confirmed.0);
            Ok(format!("book_ext_id {}", confirmed.0))
        }));

        for (name, gzip) in [("repeated book", false), ("gzip body", true)] {
            let again = self.send(reqwest::Method::POST, "/booking/book", Some(&body), gzip).await;
            checks.push(grade(name, again, |a| no_double_booking(a, booked)));
        }

        let mut unknown = request.clone();
        unknown["slot_id"] = json!(Guid::new_v4().to_string());
        let refused =
            self.send(reqwest::Method::POST, "/booking/book", Some(unknown.to_string().as_bytes()), false).await;
        checks.push(grade("refused book", refused, |a| match booking(a)? {
            BookingResponse::Rejected(r) => Ok(format!("refused with code {}", r.code.code())),
            BookingResponse::Confirmed(c) => Err(format!("confirmed a slot that does not exist ({})", c.book_ext_id)),
        }));

        let malformed = self.send(reqwest::Method::POST, "/booking/book", Some(b"{\"slot_id\": "), false).await;
        checks.push(grade("malformed JSON", malformed, |a| match a.status {
            400 => Ok("HTTP 400".to_owned()),
            200 => match booking(a)? {
                BookingResponse::Rejected(r) if r.code.code() == 18 => Ok("code 18".to_owned()),
                other => Err(format!("answered {other:?} to a body that is not JSON")),
            },
            s => Err(format!("HTTP {s}; expected 400 or a code 18")),
        }));

        let patient = request["patient_id"].as_str().unwrap_or_default().to_owned();
        let cancel = booked.map(|id| json!({"book_ext_id": id.to_string(), "patient_id": patient, "united_guids": []}));
        for (name, want) in
            [("cancel", CancelStatusCode::Success), ("repeated cancel", CancelStatusCode::AlreadyCanceled)]
        {
            let Some(cancel) = &cancel else {
                checks.push(Check { check: name, passed: false, millis: 0, detail: "nothing was booked".into() });
                continue;
            };
            let body = cancel.to_string();
            let answer = self.send(reqwest::Method::POST, "/booking/cancel", Some(body.as_bytes()), false).await;
            checks.push(grade(name, answer, |a| cancel_code(a, want)));
        }
        checks
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&[u8]>,
        gzip: bool,
    ) -> Result<Answer, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            req = req.header(reqwest::header::CONTENT_TYPE, "application/json");
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
        let limits = fer_http::Limits { compressed: 1 << 20, decompressed: 8 << 20 };
        let mut reader =
            fer_http::BodyReader::new(resp.headers(), limits).map_err(|e| format!("answer refused: {e}"))?;
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("answer cut short: {e}"))? {
            reader.push(chunk).map_err(|e| format!("answer refused: {e}"))?;
        }
        let body = reader.finish().map_err(|e| format!("answer refused: {e}"))?.to_vec();
        Ok(Answer { status, body, elapsed: started.elapsed() })
    }
}

fn grade(
    check: &'static str,
    answer: Result<Answer, String>,
    judge: impl FnOnce(&Answer) -> Result<String, String>,
) -> Check {
    match answer {
        Err(detail) => Check { check, passed: false, millis: 0, detail },
        Ok(a) => {
            let millis = a.elapsed.as_millis();
            let (mut passed, mut detail) = match judge(&a) {
                Ok(d) => (true, d),
                Err(d) => (false, d),
            };
            if a.elapsed > GATEWAY_DEADLINE {
                passed = false;
                detail = format!("{detail}; answered after the gateway's {} s limit", GATEWAY_DEADLINE.as_secs());
            }
            Check { check, passed, millis, detail }
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
    let report = validate_raw_dto(kind, body);
    match report.errors().next() {
        None => Ok(()),
        Some(d) => Err(format!("{} at {}: {}", d.code.as_str(), d.pointer, d.message_en)),
    }
}

fn excerpt(body: &[u8]) -> String {
    fer_http::excerpt(body, fer_http::EXCERPT_CHARS)
}

fn print_table(checks: &[Check]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{:<16} {:<6} {:>8}  detail", "check", "result", "ms");
    for c in checks {
        let result = if c.passed { "PASS" } else { "FAIL" };
        let _ = writeln!(out, "{:<16} {:<6} {:>8}  {}", c.check, result, c.millis, c.detail);
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(out, "{} passed, {failed} failed", checks.len() - failed);
}
