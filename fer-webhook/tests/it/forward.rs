//! `Forward`: a webhook in front of an MIS endpoint that speaks the gateway's JSON. The endpoint
//! here is itself a fer-webhook service over the test MIS, on 127.0.0.1:0; the front answers
//! what the MIS answers, and a technical error (code 18) when the MIS cannot be reached.

use std::net::SocketAddr;
use std::sync::Arc;

use fer_model::*;
use fer_webhook::*;
use serde_json::Value;

use crate::common::{FIXTURE_SLOT, Mode, TestMis, fixture};

async fn serve_handler<H: BookingHandler + 'static>(handler: H) -> SocketAddr {
    let listener = fer_webhook::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(fer_webhook::serve(listener, WebhookService::new(handler)));
    addr
}

async fn post(addr: SocketAddr, path: &str, body: Vec<u8>) -> Value {
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap()
}

fn mis_with_the_fixture_slot(mode: Mode) -> Arc<TestMis> {
    let mis = TestMis::new(mode);
    mis.add_slot(FIXTURE_SLOT.parse().unwrap(), AgeGroup::All, "2024-03-28T05:00:00+03:00");
    Arc::new(mis)
}

#[tokio::test]
async fn a_booking_and_its_cancel_pass_through_to_the_mis_and_repeats_are_answered_by_the_front() {
    let mis = mis_with_the_fixture_slot(Mode::Normal);
    let mis_addr = serve_handler(Arc::clone(&mis)).await;
    let front = serve_handler(Idempotent::in_memory(Forward::new(&format!("http://{mis_addr}")).unwrap())).await;

    let booked = post(front, "/booking/book", fixture("booking_request.json")).await;
    assert_eq!(booked["status"]["status_code"], 0, "{booked}");
    let book_ext_id = booked["book_ext_id"].as_str().unwrap().to_owned();
    assert_eq!(booked["slot_id"], FIXTURE_SLOT);
    // A repeat is answered by the front's idempotency with the same booking.
    assert_eq!(post(front, "/booking/book", fixture("booking_request.json")).await, booked);
    // Another patient asking for the taken slot: the MIS's refusal (11) passes through.
    let mut other: Value = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    other["patient_id"] = Value::String("other-patient".into());
    let refused = post(front, "/booking/book", other.to_string().into_bytes()).await;
    assert_eq!(refused["status"]["status_code"], 11, "{refused}");

    let mut cancel: Value = serde_json::from_slice(&fixture("cancel_request.json")).unwrap();
    cancel["book_ext_id"] = Value::String(book_ext_id);
    let cancel = cancel.to_string().into_bytes();
    let cancelled = post(front, "/booking/cancel", cancel.clone()).await;
    assert_eq!(cancelled["status"]["status_code"], 0, "{cancelled}");
    assert_eq!(cancelled["slot_id"], FIXTURE_SLOT, "the cancel answer carries the booking's slot");
    let again = post(front, "/booking/cancel", cancel).await;
    assert_eq!(again["status"]["status_code"], 1, "already cancelled: {again}");
}

#[tokio::test]
async fn an_mis_that_cannot_be_reached_is_a_technical_error_not_a_confirmation() {
    // A port that was free a moment ago: nothing listens there.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let front = serve_handler(Forward::new(&format!("http://{gone}")).unwrap()).await;
    let answer = post(front, "/booking/book", fixture("booking_request.json")).await;
    assert_eq!(answer["status"]["status_code"], 18, "{answer}");
    let answer = post(front, "/booking/cancel", fixture("cancel_request.json")).await;
    assert_eq!(answer["status"]["status_code"], 18, "{answer}");
}

#[tokio::test]
async fn an_mis_answer_that_is_not_one_is_a_technical_error() {
    // An MIS endpoint answering HTML with 200.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { "<html>maintenance</html>" });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let front = serve_handler(Forward::new(&format!("http://{addr}")).unwrap()).await;
    let answer = post(front, "/booking/book", fixture("booking_request.json")).await;
    assert_eq!(answer["status"]["status_code"], 18, "{answer}");
    assert!(!answer["status"]["status_message"].as_str().unwrap_or_default().is_empty(), "{answer}");
}
