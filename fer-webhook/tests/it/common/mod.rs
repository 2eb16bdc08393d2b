//! Shared by the integration tests: a small MIS handler with switchable misbehaviour, and a real
//! server on 127.0.0.1:0.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use fer_model::*;
use fer_webhook::*;
use flate2::Compression;
use flate2::write::GzEncoder;

/// The slot of the spec's booking example.
pub const FIXTURE_SLOT: &str = "b10902d0-e331-11ed-8d9e-60123c4747d1";

pub fn fixture(name: &str) -> Vec<u8> {
    fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, name)
}

pub fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// What the handler does on `book`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Book free slots, refuse taken ones (11) and the wrong age group (14).
    Normal,
    /// Sleep this long before answering.
    Slow(Duration),
    /// Panic.
    Panic,
    /// Always refuse with this code.
    Refuse(BookingRejectionCode),
}

#[derive(Debug, Clone)]
pub struct SlotInfo {
    pub tag_age: AgeGroup,
    pub visit_time: DateTime<FixedOffset>,
    pub duration: DurationMinutes,
    pub booked: Option<Guid>,
}

/// An in-memory MIS: slots by id, bookings by `book_ext_id`.
pub struct TestMis {
    pub mode: Mode,
    pub slots: Mutex<HashMap<Guid, SlotInfo>>,
    /// book_ext_id -> (slot, cancelled)
    pub bookings: Mutex<HashMap<Guid, (Guid, bool)>>,
    pub last_remote: Mutex<Option<SocketAddr>>,
}

impl TestMis {
    pub fn new(mode: Mode) -> Self {
        let mis = TestMis {
            mode,
            slots: Mutex::new(HashMap::new()),
            bookings: Mutex::new(HashMap::new()),
            last_remote: Mutex::new(None),
        };
        mis.add_slot(FIXTURE_SLOT.parse().unwrap(), AgeGroup::Adult, "2024-03-28T08:00:00+03:00");
        mis
    }

    pub fn add_slot(&self, id: Guid, tag_age: AgeGroup, visit_time: &str) {
        let info =
            SlotInfo { tag_age, visit_time: visit_time.parse().unwrap(), duration: DurationMinutes(20), booked: None };
        self.slots.lock().unwrap().insert(id, info);
    }
}

#[async_trait]
impl BookingHandler for TestMis {
    async fn book(&self, request: BookingRequest, ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        *self.last_remote.lock().unwrap() = ctx.remote_addr();
        match self.mode {
            Mode::Normal => {}
            Mode::Slow(d) => tokio::time::sleep(d).await,
            Mode::Panic => panic!("vendor bug while booking"),
            Mode::Refuse(code) => return Err(code.into()),
        }
        let mut slots = self.slots.lock().unwrap();
        let Some(slot) = slots.get_mut(&request.slot_id) else {
            return Err(BookRejection::new(BookingRejectionCode::Other).with_message("Слот не найден"));
        };
        if slot.booked.is_some() {
            return Err(BookingRejectionCode::SlotUnavailable.into());
        }
        check_age(slot.tag_age, &request, slot.visit_time.naive_local())?;
        let book_ext_id = Guid::new_v4();
        slot.booked = Some(book_ext_id);
        self.bookings.lock().unwrap().insert(book_ext_id, (request.slot_id, false));
        Ok(BookingConfirmation {
            book_ext_id,
            slot_id: request.slot_id,
            visit_time: slot.visit_time,
            duration: slot.duration,
            details: BookingDetails::default(),
            message: None,
        })
    }

    async fn cancel(
        &self,
        request: CancelRequest,
        _ctx: RequestContext,
    ) -> Result<CancelConfirmation, CancelRejection> {
        if self.mode == Mode::Panic {
            panic!("vendor bug while cancelling");
        }
        if let Mode::Slow(d) = self.mode {
            tokio::time::sleep(d).await;
        }
        let mut bookings = self.bookings.lock().unwrap();
        let Some((slot, cancelled)) = bookings.get_mut(&request.book_ext_id) else {
            return Err(CancelRejection::technical_error().with_message("Запись не найдена"));
        };
        if *cancelled {
            return Err(CancelRejection::already_canceled());
        }
        *cancelled = true;
        let mut slots = self.slots.lock().unwrap();
        let Some(info) = slots.get_mut(slot) else {
            return Err(CancelRejection::technical_error().with_message("Слот записи не найден"));
        };
        info.booked = None;
        Ok(CancelConfirmation {
            book_ext_id: request.book_ext_id,
            slot_id: *slot,
            visit_time: info.visit_time,
            duration: info.duration,
            details: BookingDetails::default(),
            message: None,
        })
    }
}

/// A running webhook server.
pub struct Server {
    pub url: String,
    pub client: reqwest::Client,
}

impl Server {
    /// Serves `service` with [`fer_webhook::serve`] on 127.0.0.1:0.
    pub async fn start<H: BookingHandler + 'static>(service: WebhookService<H>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(fer_webhook::serve(listener, service));
        Server { url, client: reqwest::Client::new() }
    }

    pub fn post(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.url)).header("content-type", "application/json").body(body)
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.url))
    }
}

/// Sends the request and returns the status and the JSON body.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, serde_json::Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let json = if bytes.is_empty() { serde_json::Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    (status, json)
}
