//! The journal: every exchange the emulator takes part in, with its timing, so that a person can see
//! what happened (`GET /sandbox/journal`, [`EmulatorHandle::journal`](crate::EmulatorHandle::journal)).
//!
//! Bodies of webhook exchanges, and the answers of Vitrina calls, are kept as JSON with personal data,
//! passwords and tokens replaced by `"***"` ([`redact`], with the keys of
//! [`fer_model::redact`]); request bodies of Vitrina calls are not kept
//! (they can be megabytes), only their size.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many entries the journal keeps; older ones are dropped first.
pub const JOURNAL_CAPACITY: usize = 10_000;

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The MIS called the Vitrina (`/auth.svc`, `/api/...`).
    Inbound,
    /// The gateway called the MIS's webhook (`/booking/book`, `/booking/cancel`, the registration
    /// probe `GET /booking/book`).
    Outbound,
}

/// One exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 1.
    pub seq: u64,
    /// When the exchange started.
    pub at: DateTime<Utc>,
    /// Who called whom.
    pub direction: Direction,
    /// HTTP method.
    pub method: String,
    /// The address called (path and query for inbound calls, the full URL for outbound ones).
    pub url: String,
    /// The answer's HTTP status; `None` when there was no answer (timeout, connection error).
    pub status: Option<u16>,
    /// How long the exchange took, in milliseconds.
    pub duration_ms: u64,
    /// Size of the request body as sent, in bytes.
    pub request_bytes: usize,
    /// The request body with secrets redacted (webhook exchanges only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    /// The answer body with secrets redacted; for a large Vitrina answer, a note of its size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<Value>,
    /// What went wrong, if anything (transport error, timeout, invalid answer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A new exchange to record; [`Journal::record`] numbers it.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    pub at: DateTime<Utc>,
    pub direction: Direction,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub duration: Duration,
    pub request_bytes: usize,
    pub request_body: Option<Value>,
    pub response_body: Option<Value>,
    pub error: Option<String>,
}

/// The journal of one emulator.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    inner: Mutex<(u64, VecDeque<JournalEntry>)>,
}

impl Journal {
    /// Appends an exchange.
    pub fn record(&self, e: Exchange) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.0 += 1;
        let entry = JournalEntry {
            seq: inner.0,
            at: e.at,
            direction: e.direction,
            method: e.method,
            url: e.url,
            status: e.status,
            duration_ms: u64::try_from(e.duration.as_millis()).unwrap_or(u64::MAX),
            request_bytes: e.request_bytes,
            request_body: e.request_body,
            response_body: e.response_body,
            error: e.error,
        };
        if inner.1.len() == JOURNAL_CAPACITY {
            inner.1.pop_front();
        }
        inner.1.push_back(entry);
    }

    /// Every kept entry, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).1.iter().cloned().collect()
    }
}

/// A body as it may be journaled: its JSON with every secret value replaced by `"***"`, or a note
/// of its size when it is not JSON (it could hold anything).
pub(crate) fn redact(body: &[u8]) -> Value {
    match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            fer_model::redact::redact_value(&mut v);
            v
        }
        Err(_) => Value::String(format!("<{} bytes, not JSON>", body.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_booking_request_loses_its_patient_data() {
        let body =
            std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/004/booking_request.json")).unwrap();
        let text = redact(&body).to_string();
        assert!(!text.contains("11147535028"), "{text}"); // the SNILS
        assert!(!text.contains("1999-10-10"), "{text}"); // the birth date
        assert!(text.contains("slot_id"));
    }

    /// The journal's own list used to be 11 case-sensitive keys: `patient_id`, a `PASSWORD` and the
    /// RRP's patient `id` reached it.
    #[test]
    fn keys_match_ignoring_case_and_the_booking_patient_is_hidden() {
        let body = br#"{"patient_id":"p-953f","PASSWORD":"pw-1","patient_data_rrp":{"id":"rrp-77","snils":"111"}}"#;
        let text = redact(body).to_string();
        for secret in ["p-953f", "pw-1", "rrp-77", "111"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(redact(body)["patient_data_rrp"]["snils"], "***");
    }

    #[test]
    fn non_json_is_summarized_and_the_journal_is_bounded() {
        assert_eq!(redact(b"secret text"), Value::String("<11 bytes, not JSON>".into()));
        let j = Journal::default();
        for _ in 0..JOURNAL_CAPACITY + 5 {
            j.record(Exchange {
                at: Utc::now(),
                direction: Direction::Inbound,
                method: "GET".into(),
                url: "/api/slot".into(),
                status: Some(200),
                duration: Duration::ZERO,
                request_bytes: 0,
                request_body: None,
                response_body: None,
                error: None,
            });
        }
        let entries = j.entries();
        assert_eq!(entries.len(), JOURNAL_CAPACITY);
        assert_eq!(entries[0].seq, 6);
    }
}
