//! Helpers shared by the integration tests: a spawned emulator, an authenticated reqwest client,
//! spec fixtures, sample records, and a tiny webhook (a real peer on port 0) whose answers the test
//! controls.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::{Value, json};

pub const MO_ID: &str = "ab7cbc4b-2e68-40d2-881b-6f957b044818";
pub const RESOURCE_ID: &str = "1919135c-7c9e-4564-a8b4-29aff7adfe72";
pub const SLOT_ID: &str = "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f";
pub const BRANCH_OID: &str = "1.2.643.5.1.13.13.12.2.77.7777.0.163227";

/// The text of a spec fixture.
pub fn fixture(name: &str) -> String {
    fer_testkit::fixture::text(fer_testkit::Doc::Vitrina, name)
}

/// A running emulator and a client that talks to it.
pub struct Env {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub token: String,
}

impl Env {
    pub async fn start() -> Env {
        Env::with(EmulatorConfig::default()).await
    }

    pub async fn with(config: EmulatorConfig) -> Env {
        let emu = Emulator::spawn(config).await.unwrap();
        let http = reqwest::Client::new();
        let token = login(&http, &emu).await;
        Env { emu, http, token }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url())
    }

    /// POSTs JSON with the token, plain.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let req = self.http.post(self.url(path)).bearer_auth(&self.token).header("content-type", "application/json");
        send(req.body(serde_json::to_vec(body).unwrap())).await
    }

    /// POSTs raw bytes with the token, plain.
    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (u16, Value) {
        let req = self.http.post(self.url(path)).bearer_auth(&self.token).header("content-type", "application/json");
        send(req.body(body)).await
    }

    /// POSTs JSON text with the token, gzip-compressed.
    pub async fn post_gzip(&self, path: &str, body: &str) -> (u16, Value) {
        let req = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .header("content-encoding", "gzip");
        send(req.body(gzip(body.as_bytes()))).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        send(self.http.get(self.url(path)).bearer_auth(&self.token)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        send(self.http.delete(self.url(path)).bearer_auth(&self.token)).await
    }

    /// Pushes the sample MO, resource and slot, and checks they were accepted.
    pub async fn seed(&self) {
        for (path, record) in
            [("/api/mo", mo()), ("/api/resource", resource()), ("/api/slot", slot(SLOT_ID, "AVAILABLE"))]
        {
            let (status, body) = self.post(path, &json!({ "data": [record] })).await;
            assert_eq!(status, 200, "{path}: {body}");
        }
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

pub async fn login(http: &reqwest::Client, emu: &EmulatorHandle) -> String {
    let body = json!({"username": emu.username().as_str(), "password": emu.password()});
    let (status, answer) = send(http.post(format!("{}/auth.svc", emu.base_url())).body(body.to_string())).await;
    assert_eq!(status, 200, "{answer}");
    answer["Result"]["Value"].as_str().unwrap().to_owned()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn mo() -> Value {
    json!({
        "id": MO_ID,
        "parent_id": fer_emulator::DEFAULT_USERNAME,
        "branch_oid": BRANCH_OID,
        "name": "Поликлиника №1",
        "address": "г. Москва, ул. Тестовая, д. 1",
        "enabled": "ALL",
        "create_ts": "2023-10-01T09:00:00",
        "tag_age": "ALL"
    })
}

pub fn resource() -> Value {
    json!({
        "id": RESOURCE_ID,
        "type": "ROOM",
        "mo_id": MO_ID,
        "enabled": "ALL",
        "create_ts": "2023-10-01T09:00:00",
        "room_number": "101",
        "room_name": "Процедурный кабинет"
    })
}

pub fn slot(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "mo_id": MO_ID,
        "resource_id": RESOURCE_ID,
        "tag_type": "EPGU",
        "tag_age": "ALL",
        "visit_time": "2024-03-28T05:00:00",
        "duration": 20,
        "status": status,
        "create_ts": "2023-10-01T09:00:00"
    })
}

pub fn book(id: &str, slot_id: &str) -> Value {
    json!({
        "id": id,
        "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "slot_id": slot_id,
        "status_code": 5000,
        "tag_source": "EPGU",
        "type": "APPOINTMENT",
        "create_ts": "2023-10-01T09:00:00"
    })
}

/// What the test webhook answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// 200 with the given JSON.
    Answer(Value),
    /// Waits, then 200 with the given JSON.
    Slow(Duration, Value),
    /// The given status and body text.
    Raw(u16, String),
    /// 200 with this many bytes of JSON-looking spaces, streamed in 64 KiB chunks without a
    /// `Content-Length` (a hostile or broken webhook); the stream stops when the peer goes away.
    Flood(usize),
}

/// A real webhook on 127.0.0.1:0: `GET /booking/book` answers the probe, `POST /booking/book` and
/// `POST /booking/cancel` answer what the test set, and every POST body is kept.
#[derive(Clone)]
pub struct Webhook {
    pub address: String,
    pub probe_status: Arc<Mutex<u16>>,
    pub book: Arc<Mutex<Behaviour>>,
    pub cancel: Arc<Mutex<Behaviour>>,
    pub received: Arc<Mutex<Vec<Value>>>,
}

pub fn confirmation(book_ext_id: &str, slot_id: &str) -> Value {
    json!({
        "book_ext_id": book_ext_id,
        "slot_id": slot_id,
        "visit_time": "2024-03-28T05:00:00+03:00",
        "duration": "20",
        "service_id": null, "organization_id": null, "area_id": null, "queue_number": null,
        "status": {"status_code": 0, "status_message": null}
    })
}

/// A cancel answer fixture of the spec (Cyrillic `status_сode` key and all), for `book_ext_id`.
pub fn cancel_answer(fixture_name: &str, book_ext_id: &str) -> Value {
    let mut v: Value = serde_json::from_str(&fixture(fixture_name)).unwrap();
    v["book_ext_id"] = json!(book_ext_id);
    v
}

impl Webhook {
    pub async fn start() -> Webhook {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let hook = Webhook {
            address,
            probe_status: Arc::new(Mutex::new(200)),
            book: Arc::new(Mutex::new(Behaviour::Answer(confirmation(
                "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f",
                SLOT_ID,
            )))),
            cancel: Arc::new(Mutex::new(Behaviour::Answer(cancel_answer(
                "cancel_response_ok.json",
                "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f",
            )))),
            received: Arc::new(Mutex::new(Vec::new())),
        };
        let app = Router::new()
            .route("/booking/book", get(probe).post(book_handler))
            .route("/booking/cancel", axum::routing::post(cancel_handler))
            .with_state(hook.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        hook
    }

    pub fn answer_book(&self, b: Behaviour) {
        *self.book.lock().unwrap() = b;
    }

    pub fn answer_cancel(&self, b: Behaviour) {
        *self.cancel.lock().unwrap() = b;
    }
}

async fn probe(State(hook): State<Webhook>) -> StatusCode {
    StatusCode::from_u16(*hook.probe_status.lock().unwrap()).unwrap()
}

async fn behave(b: Behaviour) -> Response {
    match b {
        Behaviour::Answer(v) => axum::Json(v).into_response(),
        Behaviour::Slow(d, v) => {
            tokio::time::sleep(d).await;
            axum::Json(v).into_response()
        }
        Behaviour::Raw(status, text) => (StatusCode::from_u16(status).unwrap(), text).into_response(),
        Behaviour::Flood(total) => {
            const CHUNK: usize = 64 * 1024;
            let chunks = (0..total.div_ceil(CHUNK)).map(move |i| {
                Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; CHUNK.min(total - i * CHUNK)]))
            });
            let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
            ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    }
}

async fn book_handler(State(hook): State<Webhook>, body: axum::body::Bytes) -> Response {
    hook.received.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    let b = hook.book.lock().unwrap().clone();
    behave(b).await
}

async fn cancel_handler(State(hook): State<Webhook>, body: axum::body::Bytes) -> Response {
    hook.received.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
    let b = hook.cancel.lock().unwrap().clone();
    behave(b).await
}
