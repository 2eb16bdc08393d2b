//! The gateway side: the calls the EPGU makes through the FER gateway to the MIS's webhook
//! (section 7, «Сервис бронирования и отмены записи на прием»), and what the gateway then writes to
//! the Vitrina.
//!
//! * Book (UC-1): find the slot on the Vitrina, its subdivision, and the webhook registered for the
//!   subdivision (or else for its MO); `POST <address>/booking/book` within
//!   [`webhook_timeout`](crate::EmulatorConfig::webhook_timeout); check the answer's structure with
//!   fer-validate and fer-model; on status 0 set the slot RECORDED, write the book with
//!   `id = book_ext_id` and status 5000, and set the referral (if any) RECORDED.
//! * Cancel (UC-1.1): find the book (`id = book_ext_id`), its slot and webhook;
//!   `POST <address>/booking/cancel`; on status 0 set the slot AVAILABLE, the book 5010 and the
//!   referral AVAILABLE.
//!
//! A refusal by the MIS (booking codes 11–18, cancel codes 1 and 18) is a normal outcome and changes
//! nothing.
//!
//! The preconditions of UC-1 (the slot is AVAILABLE) and UC-1.1 (the booking is active) are *not*
//! enforced: a real gateway repeats a call after a timeout or a lost answer, and a webhook must
//! answer such a repeat itself (the same confirmation, or code 11 / code 1). Letting any call through
//! is what makes that testable; applying a repeated confirmation again changes nothing. Anything that breaks the contract (no webhook, timeout, HTTP error, an answer that is not
//! the spec's JSON or names another slot) is a [`GatewayError`], journaled with its reason.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use fer_model::{
    Book, BookStatus, BookingRequest, BookingResponse, CancelRequest, CancelResponse, CancelStatusCode, Guid, Oid,
    ReferralStatus, SlotStatus, Timestamp,
};
use fer_validate::RawKind;
use serde::Serialize;

use crate::journal::{Direction, Exchange, redact};
use crate::state::Shared;

/// The webhook's answer, parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum GatewayAnswer {
    /// The answer to `/booking/book`.
    Book(BookingResponse),
    /// The answer to `/booking/cancel`.
    Cancel(CancelResponse),
}

/// One change the gateway made on the Vitrina after a webhook answer (UC-1 / UC-1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum StoreChange {
    /// A slot's status changed.
    Slot {
        /// The slot.
        id: Guid,
        /// Its status before.
        from: SlotStatus,
        /// Its status now.
        to: SlotStatus,
    },
    /// A book was written with this status.
    Book {
        /// The book (`book_ext_id`).
        id: Guid,
        /// Its status now.
        status_code: BookStatus,
    },
    /// A referral's status changed.
    Referral {
        /// The referral.
        id: Guid,
        /// Its status before.
        from: ReferralStatus,
        /// Its status now.
        to: ReferralStatus,
    },
}

/// A completed exchange with a webhook: its answer and what the gateway did with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GatewayOutcome {
    /// The URL called.
    pub webhook: String,
    /// The parsed answer.
    pub answer: GatewayAnswer,
    /// The changes made on the Vitrina; empty when the MIS refused.
    pub applied: Vec<StoreChange>,
    /// How long the webhook took to answer.
    #[serde(rename = "duration_ms", serialize_with = "millis")]
    pub duration: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl GatewayOutcome {
    /// True when the MIS answered status 0 (booked, or cancelled).
    pub fn is_success(&self) -> bool {
        match &self.answer {
            GatewayAnswer::Book(r) => matches!(r, BookingResponse::Confirmed(_)),
            GatewayAnswer::Cancel(r) => r.status.code == CancelStatusCode::Success,
        }
    }
}

/// Why an exchange with a webhook did not complete.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The slot of the booking request is not on the Vitrina.
    #[error("slot {0} is not on the Vitrina")]
    SlotNotFound(Guid),
    /// No book with the cancel request's `book_ext_id` is on the Vitrina.
    #[error("book {0} (book_ext_id) is not on the Vitrina")]
    BookNotFound(Guid),
    /// The slot's subdivision (`mo_id`) is not on the Vitrina, so its webhook cannot be found.
    #[error("subdivision {mo_id} of slot {slot_id} is not on the Vitrina")]
    SubdivisionNotFound {
        /// The slot.
        slot_id: Guid,
        /// Its subdivision.
        mo_id: Guid,
    },
    /// Neither the subdivision nor its MO registered a webhook (`POST /api/callback`).
    #[error("no webhook registered for MO {mo_oid} or its subdivision {depart_oid}")]
    NoCallback {
        /// The MO (`mo.parent_id`).
        mo_oid: Oid,
        /// The subdivision (`mo.branch_oid`).
        depart_oid: Oid,
    },
    /// The webhook did not answer within the limit (section 7: 10 seconds).
    #[error("webhook {url} did not answer within {limit:?}")]
    Timeout {
        /// The URL called.
        url: String,
        /// The limit.
        limit: Duration,
    },
    /// The webhook could not be reached, or the connection broke.
    #[error("webhook {url} could not be called: {reason}")]
    Transport {
        /// The URL called.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The webhook answered with an HTTP status other than 200.
    #[error("webhook {url} answered HTTP {status}")]
    HttpStatus {
        /// The URL called.
        url: String,
        /// The status.
        status: u16,
    },
    /// The answer is larger than
    /// [`webhook_answer_limit`](crate::EmulatorConfig::webhook_answer_limit) (as sent, or once
    /// gunzipped); it was not read beyond the limit.
    #[error("webhook {url} answered more than {limit} bytes")]
    AnswerTooLarge {
        /// The URL called.
        url: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// The answer is not the spec's JSON, lacks a required field, or does not match the request.
    #[error("webhook {url} answered with an invalid body: {reason}")]
    InvalidAnswer {
        /// The URL called.
        url: String,
        /// Every problem found, `; `-separated, with JSON pointers.
        reason: String,
    },
    /// The emulator could not record the result (state file).
    #[error("the emulator could not store the result: {0}")]
    State(String),
}

impl GatewayError {
    /// A short stable name of the error kind (`slot_not_found`, `timeout`, ...), for the sandbox's
    /// JSON answer.
    pub fn kind(&self) -> &'static str {
        match self {
            GatewayError::SlotNotFound(_) => "slot_not_found",
            GatewayError::BookNotFound(_) => "book_not_found",
            GatewayError::SubdivisionNotFound { .. } => "subdivision_not_found",
            GatewayError::NoCallback { .. } => "no_callback",
            GatewayError::Timeout { .. } => "timeout",
            GatewayError::Transport { .. } => "transport",
            GatewayError::HttpStatus { .. } => "http_status",
            GatewayError::AnswerTooLarge { .. } => "answer_too_large",
            GatewayError::InvalidAnswer { .. } => "invalid_answer",
            GatewayError::State(_) => "state",
        }
    }
}

/// The webhook address of the subdivision a slot belongs to.
fn webhook_for_slot(shared: &Shared, slot_id: Guid) -> Result<String, GatewayError> {
    shared.read(|store| {
        let slot = store.tables.slot.get(&slot_id).ok_or(GatewayError::SlotNotFound(slot_id))?;
        let mo =
            store.tables.mo.get(&slot.mo_id).ok_or(GatewayError::SubdivisionNotFound { slot_id, mo_id: slot.mo_id })?;
        store
            .callback_for(&mo.parent_id, &mo.branch_oid)
            .map(str::to_owned)
            .ok_or_else(|| GatewayError::NoCallback { mo_oid: mo.parent_id.clone(), depart_oid: mo.branch_oid.clone() })
    })
}

/// `<address>/booking/<method>`.
pub(crate) fn webhook_url(address: &str, method: &str) -> String {
    format!("{}/booking/{method}", address.trim_end_matches('/'))
}

/// Sends one request to a webhook and journals the exchange. `body` is `None` for the GET probe.
pub(crate) async fn call(shared: &Shared, url: &str, body: Option<Vec<u8>>) -> Result<(u16, Bytes), GatewayError> {
    let at = Utc::now();
    let started = Instant::now();
    let (method, request) = match &body {
        Some(body) => {
            ("POST", shared.http.post(url).header(http::header::CONTENT_TYPE, "application/json").body(body.clone()))
        }
        None => ("GET", shared.http.get(url)),
    };
    let result = match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            read_answer(shared, url, response).await.map(|bytes| (status, bytes))
        }
        Err(e) => Err(transport_error(shared, url, &e)),
    };
    shared.journal.record(Exchange {
        at,
        direction: Direction::Outbound,
        method: method.to_owned(),
        url: url.to_owned(),
        status: result.as_ref().ok().map(|(s, _)| *s),
        duration: started.elapsed(),
        request_bytes: body.as_ref().map_or(0, Vec::len),
        request_body: body.as_deref().map(redact),
        response_body: result.as_ref().ok().map(|(_, b)| redact(b)),
        error: result.as_ref().err().map(ToString::to_string),
    });
    result
}

/// Reads a webhook's answer under [`webhook_answer_limit`](crate::EmulatorConfig::webhook_answer_limit),
/// as sent and once gunzipped (fer-http's [`BodyReader`](fer_http::BodyReader), chunk by chunk): an
/// answer announced or found larger is [`GatewayError::AnswerTooLarge`], and the rest of it is
/// never read (the connection is dropped).
async fn read_answer(shared: &Shared, url: &str, mut response: reqwest::Response) -> Result<Bytes, GatewayError> {
    let limit = shared.config.webhook_answer_limit;
    let limits = fer_http::Limits { compressed: limit, decompressed: limit };
    let body_error = |e: fer_http::BodyError| match e {
        fer_http::BodyError::TooLarge { limit } | fer_http::BodyError::DecompressedTooLarge { limit } => {
            GatewayError::AnswerTooLarge { url: url.to_owned(), limit }
        }
        other => GatewayError::InvalidAnswer { url: url.to_owned(), reason: other.to_string() },
    };
    let mut reader = fer_http::BodyReader::new(response.headers(), limits).map_err(body_error)?;
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(shared, url, &e))? {
        reader.push(chunk).map_err(body_error)?;
    }
    reader.finish().map_err(body_error)
}

fn transport_error(shared: &Shared, url: &str, e: &reqwest::Error) -> GatewayError {
    if e.is_timeout() {
        GatewayError::Timeout { url: url.to_owned(), limit: shared.config.webhook_timeout }
    } else {
        // The source chain says what really happened (connection refused, reset, ...).
        let mut reason = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            reason.push_str(": ");
            reason.push_str(&s.to_string());
            source = s.source();
        }
        GatewayError::Transport { url: url.to_owned(), reason }
    }
}

/// Checks a webhook's answer with fer-validate, then parses it with fer-model.
fn parse_answer<T: serde::de::DeserializeOwned>(
    url: &str,
    kind: RawKind,
    status: u16,
    body: &[u8],
) -> Result<T, GatewayError> {
    if status != 200 {
        return Err(GatewayError::HttpStatus { url: url.to_owned(), status });
    }
    let invalid = |reason: String| GatewayError::InvalidAnswer { url: url.to_owned(), reason };
    let report = crate::validation::dto(kind, body);
    if report.has_errors() {
        let reasons: Vec<String> =
            report.errors().map(|d| format!("{} {}: {}", d.code.as_str(), d.pointer, d.message_en)).collect();
        return Err(invalid(reasons.join("; ")));
    }
    serde_json::from_slice(body).map_err(|e| invalid(e.to_string()))
}

/// UC-1: sends a booking request to the slot's webhook and applies a confirmation to the store.
pub(crate) async fn book(shared: &Arc<Shared>, request: &BookingRequest) -> Result<GatewayOutcome, GatewayError> {
    let address = webhook_for_slot(shared, request.slot_id)?;
    let url = webhook_url(&address, "book");
    let body = serde_json::to_vec(request).map_err(|e| GatewayError::State(e.to_string()))?;
    let started = Instant::now();
    let (status, answer) = call(shared, &url, Some(body)).await?;
    let duration = started.elapsed();
    let response: BookingResponse = parse_answer(&url, RawKind::BookingResponse, status, &answer)?;
    let applied = match &response {
        BookingResponse::Confirmed(c) if c.slot_id != request.slot_id => {
            return Err(GatewayError::InvalidAnswer {
                url,
                reason: format!("the answer confirms slot {} but slot {} was requested", c.slot_id, request.slot_id),
            });
        }
        BookingResponse::Confirmed(c) => {
            let now = Timestamp::from_naive(chrono::Local::now().naive_local());
            let book = Book::written_by_gateway(request, c, now);
            apply(shared, book, SlotStatus::Recorded, ReferralStatus::Recorded).await?
        }
        BookingResponse::Rejected(_) => Vec::new(),
    };
    Ok(GatewayOutcome { webhook: url, answer: GatewayAnswer::Book(response), applied, duration })
}

/// UC-1.1: sends a cancel request to the webhook of the book's slot and applies a success.
pub(crate) async fn cancel(shared: &Arc<Shared>, request: &CancelRequest) -> Result<GatewayOutcome, GatewayError> {
    let book = shared
        .read(|s| s.tables.book.get(&request.book_ext_id).cloned())
        .ok_or(GatewayError::BookNotFound(request.book_ext_id))?;
    let address = webhook_for_slot(shared, book.slot_id)?;
    let url = webhook_url(&address, "cancel");
    let body = serde_json::to_vec(request).map_err(|e| GatewayError::State(e.to_string()))?;
    let started = Instant::now();
    let (status, answer) = call(shared, &url, Some(body)).await?;
    let duration = started.elapsed();
    let response: CancelResponse = parse_answer(&url, RawKind::CancelResponse, status, &answer)?;
    if response.book_ext_id.is_some_and(|id| id != request.book_ext_id) {
        return Err(GatewayError::InvalidAnswer {
            url,
            reason: format!("the answer names book_ext_id {:?}, not {}", response.book_ext_id, request.book_ext_id),
        });
    }
    let applied = if response.status.code == CancelStatusCode::Success {
        let cancelled = Book { status_code: BookStatus::Canceled, ..book };
        apply(shared, cancelled, SlotStatus::Available, ReferralStatus::Available).await?
    } else {
        Vec::new()
    };
    Ok(GatewayOutcome { webhook: url, answer: GatewayAnswer::Cancel(response), applied, duration })
}

/// Writes a book and moves its slot and referral to the given statuses, as the gateway does after a
/// successful answer.
async fn apply(
    shared: &Arc<Shared>,
    book: Book,
    slot_status: SlotStatus,
    referral_status: ReferralStatus,
) -> Result<Vec<StoreChange>, GatewayError> {
    shared
        .write(|store| {
            let mut changes = Vec::new();
            let tables = &mut store.tables;
            if let Some(slot) = Arc::make_mut(&mut tables.slot).get_mut(&book.slot_id) {
                changes.push(StoreChange::Slot { id: slot.id, from: slot.status, to: slot_status });
                slot.status = slot_status;
            }
            if let Some(referral) = book.referral_id.and_then(|id| Arc::make_mut(&mut tables.referral).get_mut(&id)) {
                changes.push(StoreChange::Referral { id: referral.id, from: referral.status, to: referral_status });
                referral.status = referral_status;
            }
            changes.push(StoreChange::Book { id: book.id, status_code: book.status_code });
            tables.note_gateway_book(&book);
            // Through `put`: the book's links to its slot and referral enter the parent index.
            tables.put(book);
            changes
        })
        .await
        .map_err(|e| GatewayError::State(e.to_string()))
}
