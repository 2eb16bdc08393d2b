//! The journal: every exchange the emulator takes part in, with its timing, so that a person can see
//! what happened (`GET /sandbox/journal`, [`EmulatorHandle::journal`](crate::EmulatorHandle::journal)).
//!
//! Bodies of webhook exchanges, and the answers of Vitrina calls, are kept as JSON with personal data,
//! passwords and tokens replaced by `"***"` ([`redact`], with the keys of
//! [`fer_model::redact`]); request bodies of Vitrina calls are not kept
//! (they can be megabytes), only their size.
//!
//! The journal is bounded in bytes ([`JournalLimits`]): each entry keeps at most `url_bytes` of its
//! URL and error and `body_bytes` of each body (cut, and marked `truncated`), all entries together
//! weigh at most `max_bytes` (the oldest go first), and a read returns a page. Entries are kept as
//! JSON text, so that what is counted is what is held.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::JournalLimits;

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
    /// The address called (path and query for inbound calls, the full URL for outbound ones), at
    /// most [`JournalLimits::url_bytes`] of it.
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
    /// True when the URL, the error or a body was cut to the [`JournalLimits`]: a cut body is a
    /// string holding the start of its redacted JSON text.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
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

/// An entry as kept: the fields of [`JournalEntry`], its bodies as JSON text.
#[derive(Debug, Serialize)]
struct Kept {
    seq: u64,
    at: DateTime<Utc>,
    direction: Direction,
    method: String,
    url: String,
    status: Option<u16>,
    duration_ms: u64,
    request_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_body: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_body: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
    /// The length of this entry's JSON: its weight in the budget.
    #[serde(skip)]
    weight: usize,
}

impl Kept {
    fn entry(&self) -> JournalEntry {
        let body = |raw: &Option<Box<RawValue>>| {
            raw.as_ref().map(|r| serde_json::from_str(r.get()).unwrap_or_else(|_| Value::String(r.get().to_owned())))
        };
        JournalEntry {
            seq: self.seq,
            at: self.at,
            direction: self.direction,
            method: self.method.clone(),
            url: self.url.clone(),
            status: self.status,
            duration_ms: self.duration_ms,
            request_bytes: self.request_bytes,
            request_body: body(&self.request_body),
            response_body: body(&self.response_body),
            error: self.error.clone(),
            truncated: self.truncated,
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    last_seq: u64,
    weight: usize,
    entries: VecDeque<Kept>,
}

/// The journal of one emulator.
#[derive(Debug)]
pub(crate) struct Journal {
    limits: JournalLimits,
    inner: Mutex<Inner>,
}

/// `text` cut to at most `limit` bytes on a character boundary; whether it was cut.
fn cut(mut text: String, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    // What is kept is what is counted: a cut string gives back the capacity of the whole (a
    // 48 KiB URL cut to 1 KiB would hold on to 48 KiB).
    text.shrink_to_fit();
    (text, true)
}

impl Journal {
    /// An empty journal under `limits`.
    pub fn new(limits: JournalLimits) -> Journal {
        Journal { limits, inner: Mutex::default() }
    }

    /// A body as kept: its JSON text, or a string of the start of that text when it is longer than
    /// the limit (then `true`).
    fn body(&self, body: Option<Value>) -> (Option<Box<RawValue>>, bool) {
        let Some(body) = body else { return (None, false) };
        let (text, cut_short) = cut(body.to_string(), self.limits.body_bytes);
        let text = if cut_short { Value::String(text).to_string() } else { text };
        (RawValue::from_string(text).ok(), cut_short)
    }

    /// Appends an exchange, cut to the limits, and drops the oldest entries beyond the budget.
    pub fn record(&self, e: Exchange) {
        let (url, url_cut) = cut(e.url, self.limits.url_bytes);
        let (error, error_cut) = match e.error.map(|error| cut(error, self.limits.url_bytes)) {
            Some((error, cut_short)) => (Some(error), cut_short),
            None => (None, false),
        };
        let (request_body, request_cut) = self.body(e.request_body);
        let (response_body, response_cut) = self.body(e.response_body);
        let mut kept = Kept {
            seq: 0,
            at: e.at,
            direction: e.direction,
            method: e.method,
            url,
            status: e.status,
            duration_ms: u64::try_from(e.duration.as_millis()).unwrap_or(u64::MAX),
            request_bytes: e.request_bytes,
            request_body,
            response_body,
            error,
            truncated: url_cut || error_cut || request_cut || response_cut,
            weight: 0,
        };
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.last_seq += 1;
        kept.seq = inner.last_seq;
        kept.weight = serde_json::to_vec(&kept).map_or(0, |v| v.len());
        inner.weight += kept.weight;
        inner.entries.push_back(kept);
        while inner.entries.len() > self.limits.max_entries
            || (inner.weight > self.limits.max_bytes && inner.entries.len() > 1)
        {
            let Some(old) = inner.entries.pop_front() else { break };
            inner.weight -= old.weight;
        }
    }

    /// Every kept entry, oldest first (bounded by [`JournalLimits::max_bytes`]).
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).entries.iter().map(Kept::entry).collect()
    }

    /// At most `limit` of the kept entries whose direction `keep` selects, newest first, from the
    /// `skip`-th of them, and how many it selects in all (the console's journal page).
    pub fn newest(&self, skip: usize, limit: usize, keep: impl Fn(Direction) -> bool) -> (Vec<JournalEntry>, usize) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let selected = || inner.entries.iter().rev().filter(|k| keep(k.direction));
        (selected().skip(skip).take(limit).map(Kept::entry).collect(), selected().count())
    }

    /// One page as the JSON array `GET /sandbox/journal` answers: at most `limit` (and at most
    /// [`JournalLimits::page_entries`]) entries from the `offset`-th kept one, oldest first, and
    /// how many entries are kept in all.
    pub fn page_json(&self, offset: usize, limit: Option<usize>) -> (Vec<u8>, usize) {
        let limit = limit.unwrap_or(self.limits.page_entries).min(self.limits.page_entries);
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let page: Vec<&Kept> = inner.entries.iter().skip(offset).take(limit).collect();
        (serde_json::to_vec(&page).unwrap_or_else(|_| b"[]".to_vec()), inner.entries.len())
    }

    /// The weight of the kept entries, in bytes (the length of their JSON).
    #[cfg(test)]
    pub fn weight(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).weight
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

    fn exchange(url: String, answer: Option<Value>) -> Exchange {
        Exchange {
            at: Utc::now(),
            direction: Direction::Inbound,
            method: "GET".into(),
            url,
            status: Some(200),
            duration: Duration::ZERO,
            request_bytes: 0,
            request_body: None,
            response_body: answer,
            error: None,
        }
    }

    #[test]
    fn non_json_is_summarized_and_the_journal_is_bounded() {
        assert_eq!(redact(b"secret text"), Value::String("<11 bytes, not JSON>".into()));
        let j = Journal::new(JournalLimits::default());
        for _ in 0..crate::JOURNAL_CAPACITY + 5 {
            j.record(exchange("/api/slot".into(), None));
        }
        let entries = j.entries();
        assert_eq!(entries.len(), crate::JOURNAL_CAPACITY);
        assert_eq!(entries[0].seq, 6);
    }

    #[test]
    fn urls_and_bodies_are_cut_and_the_budget_holds() {
        let limits = JournalLimits { max_bytes: 64 * 1024, ..JournalLimits::default() };
        let j = Journal::new(limits.clone());
        let answer = serde_json::json!({"result": "я".repeat(10_000)});
        for _ in 0..200 {
            j.record(exchange(format!("/api/slot?q={}", "ё".repeat(5_000)), Some(answer.clone())));
        }
        let entries = j.entries();
        assert!(j.weight() <= limits.max_bytes, "{}", j.weight());
        let served: usize = entries.iter().map(|e| serde_json::to_vec(e).unwrap().len()).sum();
        assert_eq!(served, j.weight(), "the weight is the JSON as served");
        assert!(entries.len() < 200 && entries.last().unwrap().seq == 200);
        let held = j.inner.lock().unwrap().entries.iter().all(|k| k.url.capacity() <= limits.url_bytes);
        assert!(held, "a cut URL gives back its capacity");
        for e in &entries {
            assert!(e.truncated && e.url.len() <= limits.url_bytes, "{}", e.url.len());
            let body = e.response_body.as_ref().unwrap().as_str().unwrap();
            assert!(body.len() <= limits.body_bytes && body.starts_with("{\"result\":\"я"), "{body}");
        }
        // A small entry is kept whole, unmarked.
        j.record(exchange("/api/slot".into(), Some(serde_json::json!({"ok": true}))));
        let last = j.entries().pop().unwrap();
        assert!(!last.truncated && last.response_body == Some(serde_json::json!({"ok": true})));
        // A page holds at most page_entries, from the offset.
        let (page, total) = j.page_json(1, Some(2));
        let page: Vec<JournalEntry> = serde_json::from_slice(&page).unwrap();
        assert_eq!((page.len(), total), (2, entries.len() + 1));
        assert_eq!(page[0].seq, entries[1].seq);
    }
}
