//! Security checks across the booking path: the emulator's gateway books and
//! cancels a slot for a patient with real-looking data through this crate's webhook served on
//! 127.0.0.1, and a few malformed requests hit the webhook directly. Every span and event of both
//! (all levels, all fields) is captured, and neither the logs, nor the emulator's journal, nor the
//! `Debug` or `Display` of any value involved may show the password, the token or a patient field.
//!
//! The allow-list and the limits are also checked on the axum adapter (the hyper `serve` has them
//! in `tests/http.rs`): refused peers, and a peer address the server cannot know (fail closed).

#[path = "../../../fuzz/src/capture.rs"]
mod capture;

use std::net::SocketAddr;

use crate::common::{FIXTURE_SLOT, Mode, Server, TestMis, fixture, gzip};
use fer_emulator::{Emulator, EmulatorConfig, GatewayAnswer};
use fer_model::{BookingRequest, BookingResponse, CancelRequest};
use fer_webhook::{AllowList, WebhookConfig, WebhookService};
use serde_json::{Value, json};

const PASSWORD: &str = "Pa55-w0rd-Секрет-777";
const MO_ID: &str = "ab7cbc4b-2e68-40d2-881b-6f957b044818";
const RESOURCE_ID: &str = "1919135c-7c9e-4564-a8b4-29aff7adfe72";

/// The patient of the booking: every value must stay out of logs and `Debug`.
const PATIENT: [&str; 8] = [
    "Петрова",
    "Анастасия",
    "Игоревна",
    "16324539864",
    "7788990011223344",
    "+79161234567",
    "anastasia.petrova@example.ru",
    "1987-05-14",
];

/// A malformed SNILS and birth date (of the same patient): refused, never repeated.
const BAD_SNILS: &str = "1632453X864";
const BAD_BIRTHDATE: &str = "1987-13-45T00:00:00";

fn booking_request_json() -> Value {
    let mut v: Value = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    v["email"] = json!(PATIENT[6]);
    v["mobile_phone"] = json!(PATIENT[5]);
    v["patient_data_rrp"] = json!({
        "id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "united_guids": [],
        "lastname": PATIENT[0], "firstname": PATIENT[1], "middlename": PATIENT[2],
        "snils": PATIENT[3], "oms_number": PATIENT[4], "phone": PATIENT[5], "email": PATIENT[6],
        "birthdate": format!("{}T00:00:00", PATIENT[7]), "gender": "2"
    });
    v
}

async fn post(http: &reqwest::Client, url: String, token: &str, body: Value) -> (u16, Value) {
    let request = http.post(url).bearer_auth(token).header("content-type", "application/json");
    let answer = request.body(body.to_string()).send().await.unwrap();
    let status = answer.status().as_u16();
    (status, serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap_or(Value::Null))
}

/// Every needle that shows up in `haystack`.
fn leaks<'a>(haystack: &str, needles: &[&'a str]) -> Vec<&'a str> {
    needles.iter().copied().filter(|n| haystack.contains(n)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_or_patient_field_in_logs_journal_debug_or_display() {
    assert!(capture::install(), "another subscriber is installed");
    let emulator =
        Emulator::spawn(EmulatorConfig { password: PASSWORD.to_owned(), ..EmulatorConfig::default() }).await.unwrap();
    let base = emulator.base_url();
    let http = reqwest::Client::new();

    // Log in (the token is a secret too), push the subdivision, the doctor's room and the slot.
    let login = json!({"username": emulator.username().as_str(), "password": PASSWORD});
    let auth = http.post(format!("{base}/auth.svc")).body(login.to_string()).send().await.unwrap();
    let auth: Value = serde_json::from_slice(&auth.bytes().await.unwrap()).unwrap();
    let token = auth["Result"]["Value"].as_str().unwrap().to_owned();
    let tables = [
        (
            "mo",
            json!({"id": MO_ID, "parent_id": emulator.username().as_str(),
            "branch_oid": "1.2.643.5.1.13.13.12.2.77.7777.0.1", "name": "Поликлиника №1",
            "address": "г. Москва, ул. Тестовая, д. 1", "enabled": "ALL", "create_ts": "2024-03-01T09:00:00",
            "tag_age": "ALL"}),
        ),
        (
            "resource",
            json!({"id": RESOURCE_ID, "type": "ROOM", "mo_id": MO_ID, "enabled": "ALL",
            "create_ts": "2024-03-01T09:00:00", "room_number": "101", "room_name": "Процедурный кабинет"}),
        ),
        (
            "slot",
            json!({"id": FIXTURE_SLOT, "mo_id": MO_ID, "resource_id": RESOURCE_ID, "tag_type": "EPGU",
            "tag_age": "ADULT", "visit_time": "2024-03-28T08:00:00", "duration": 20, "status": "AVAILABLE",
            "create_ts": "2024-03-01T09:00:00"}),
        ),
    ];
    for (table, record) in tables {
        let (status, answer) = post(&http, format!("{base}/api/{table}"), &token, json!({ "data": [record] })).await;
        assert_eq!(status, 200, "{table}: {answer}");
    }

    // The webhook, registered for the MO; the gateway books and cancels through it.
    let webhook = Server::start(WebhookService::new(TestMis::new(Mode::Normal))).await;
    let (status, answer) = post(&http, format!("{base}/api/callback"), &token, json!({"address": webhook.url})).await;
    assert_eq!(status, 200, "{answer}");
    let request: BookingRequest = serde_json::from_value(booking_request_json()).unwrap();
    let booked = emulator.book(&request).await.unwrap();
    let GatewayAnswer::Book(BookingResponse::Confirmed(confirmation)) = &booked.answer else { panic!("{booked:?}") };
    let cancel = CancelRequest {
        book_ext_id: confirmation.book_ext_id,
        patient_id: request.patient_id.clone(),
        united_guids: Vec::new(),
    };
    let cancelled = emulator.cancel(&cancel).await.unwrap();
    assert!(cancelled.is_success(), "{cancelled:?}");

    // Malformed and invalid requests straight to the webhook: neither their answers (a pointer and
    // a rule) nor the logs may repeat the data, malformed values included.
    let mut bad_snils = booking_request_json();
    bad_snils["patient_data_rrp"]["snils"] = json!(BAD_SNILS);
    let mut bad_birthdate = booking_request_json();
    bad_birthdate["patient_data_rrp"]["birthdate"] = json!(BAD_BIRTHDATE);
    let mut wrong_type = booking_request_json();
    wrong_type["patient_data_rrp"]["snils"] = json!(16324539864u64);
    wrong_type["patient_data_rrp"]["lastname"] = json!([PATIENT[0]]);
    let mut invalid = booking_request_json();
    invalid["booking_type"] = json!("VACCINATION"); // needs service_id and dictionary_nsi_code
    let truncated = serde_json::to_vec(&booking_request_json()).unwrap()[..300].to_vec();
    let mut answers = Vec::new();
    let bodies = [&bad_snils, &bad_birthdate, &wrong_type, &invalid].map(|v| serde_json::to_vec(v).unwrap());
    for body in bodies.into_iter().chain([truncated]) {
        for gz in [false, true] {
            let request = webhook.post("/booking/book", if gz { gzip(&body) } else { body.clone() });
            let request = if gz { request.header("content-encoding", "gzip") } else { request };
            let answer = request.send().await.unwrap();
            let status = answer.status().as_u16();
            // 400 for what is not the request's JSON, 200 with status 18 for an invalid request.
            assert!(status == 400 || status == 200, "{status}");
            answers.push(answer.text().await.unwrap());
        }
    }
    // The malformed SNILS and birth date are refused at their pointers.
    assert!(answers[0].contains("/patient_data_rrp/snils [format]"), "{}", answers[0]);
    assert!(answers[2].contains("/patient_data_rrp/birthdate [format]"), "{}", answers[2]);

    // What is shown to people: the logs, the gateway journal (served at /sandbox/journal), and the
    // Debug / Display of every value that carried a secret or the patient.
    let journal = http.get(format!("{base}/sandbox/journal")).send().await.unwrap().text().await.unwrap();
    let shown = [
        format!("{request:?}"),
        format!("{cancel:?}"),
        format!("{booked:?}"),
        format!("{cancelled:?}"),
        format!("{:?}", EmulatorConfig { password: PASSWORD.to_owned(), ..EmulatorConfig::default() }),
        format!("{emulator:?}"),
        format!("{:?}", serde_json::from_value::<fer_model::AuthResponse>(auth.clone()).unwrap()),
        format!("{:?}", serde_json::from_value::<fer_model::AuthRequest>(login).unwrap()),
    ];
    let logs = capture::text();
    // The capture works: the calls above were logged (otherwise the search below proves nothing).
    assert!(
        logs.contains("route=book status_code=0") && logs.contains("route=cancel status_code=0"),
        "nothing captured:\n{logs}"
    );
    let mut needles = PATIENT.to_vec();
    needles.extend([PASSWORD, token.as_str(), BAD_SNILS, BAD_BIRTHDATE, &BAD_BIRTHDATE[..10]]);
    for (what, text) in [("logs", logs.as_str()), ("journal", journal.as_str())]
        .into_iter()
        .chain(shown.iter().map(|s| ("Debug", s.as_str())))
        .chain(answers.iter().map(|s| ("answer", s.as_str())))
    {
        let found = leaks(text, &needles);
        assert!(found.is_empty(), "{what} shows {found:?}:\n{text}");
    }
    eprintln!(
        "searched {} log lines, a {}-byte journal and {} Debug strings",
        capture::lines(),
        journal.len(),
        shown.len()
    );
    emulator.shutdown().await;
}

/// Serves the axum adapter on 127.0.0.1:0, with or without the peer address (`ConnectInfo`).
async fn axum_server(config: WebhookConfig, connect_info: bool) -> String {
    let service = WebhookService::new(TestMis::new(Mode::Normal)).with_config(config);
    let router = fer_webhook::adapters::axum::router(service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        if connect_info {
            axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
        } else {
            axum::serve(listener, router).await.unwrap();
        }
    });
    url
}

#[tokio::test]
async fn the_axum_adapter_enforces_the_allow_list_and_fails_closed_without_a_peer_address() {
    let only = |net: &str| WebhookConfig { allow_list: Some(net.parse::<AllowList>().unwrap()), ..Default::default() };
    let http = reqwest::Client::new();
    let probe = |url: String| {
        let http = http.clone();
        async move { http.get(format!("{url}/booking/book")).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(probe(axum_server(only("127.0.0.1/32"), true).await).await, 200);
    assert_eq!(probe(axum_server(only("10.86.6.0/24"), true).await).await, 403);
    // The peer is unknown to the adapter: refused, never let through.
    assert_eq!(probe(axum_server(only("127.0.0.1/32"), false).await).await, 403);
    // No allow-list: everyone.
    assert_eq!(probe(axum_server(WebhookConfig::default(), false).await).await, 200);
}

#[tokio::test]
async fn the_axum_adapter_enforces_the_body_and_gzip_limits() {
    let config = WebhookConfig { body_limit: 4096, decompressed_limit: 16 * 1024, ..WebhookConfig::default() };
    let url = axum_server(config, true).await;
    let http = reqwest::Client::new();
    let send = |body: Vec<u8>, gz: bool| {
        let mut request = http.post(format!("{url}/booking/book")).header("content-type", "application/json");
        if gz {
            request = request.header("content-encoding", "gzip");
        }
        async move { request.body(body).send().await.unwrap().status().as_u16() }
    };
    // The spec's request passes, plain and gzipped.
    assert_eq!(send(fixture("booking_request.json"), false).await, 200);
    assert_eq!(send(gzip(&fixture("booking_request.json")), true).await, 200);
    // Too large as sent.
    assert_eq!(send(vec![b' '; 8192], false).await, 413);
    // Small as sent (a few hundred bytes), a megabyte once inflated: a gzip bomb.
    let bomb = gzip(&vec![b' '; 1 << 20]);
    assert!(bomb.len() < 4096);
    assert_eq!(send(bomb, true).await, 413);
}
