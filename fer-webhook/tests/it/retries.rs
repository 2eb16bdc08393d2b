//! A booking's retries racing its cancel, over real HTTP: [`Idempotent`] answers each repeat with
//! the stored confirmation (before the cancel) or refuses it with status 18 (after), and never
//! books the slot again (UC-1 / UC-1.1; the decision is in the docs of `Idempotent`).

use std::sync::Arc;

use crate::common::*;
use crate::connections::{Adapter, Running};
use fer_webhook::*;
use serde_json::Value;

const RETRIES: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_racing_a_cancel_never_book_again() {
    for adapter in [Adapter::Hyper, Adapter::Axum] {
        let service = WebhookService::new(Idempotent::in_memory(TestMis::new(Mode::Normal)));
        let server = Running::start_with(adapter, service.clone(), ServeConfig::default()).await;
        let url = server.url();
        let client = reqwest::Client::new();
        let post = |path: &'static str, body: Vec<u8>| {
            let request = client.post(format!("{url}{path}")).header("content-type", "application/json").body(body);
            async move {
                let answer = request.send().await.unwrap();
                assert_eq!(answer.status(), 200);
                serde_json::from_slice::<Value>(&answer.bytes().await.unwrap()).unwrap()
            }
        };
        let booked = post("/booking/book", fixture("booking_request.json")).await;
        assert_eq!(booked["status"]["status_code"], 0, "{booked}");
        let book_ext_id = booked["book_ext_id"].as_str().unwrap().to_owned();

        // The cancel and 100 retries of the booking, released at once.
        let start = Arc::new(tokio::sync::Barrier::new(RETRIES + 1));
        let cancel_body = serde_json::json!({
            "book_ext_id": book_ext_id,
            "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
            "united_guids": []
        });
        let cancel = tokio::spawn({
            let (start, call) = (start.clone(), post("/booking/cancel", cancel_body.to_string().into_bytes()));
            async move {
                start.wait().await;
                call.await
            }
        });
        let retries: Vec<_> = (0..RETRIES)
            .map(|_| {
                let (start, call) = (start.clone(), post("/booking/book", fixture("booking_request.json")));
                tokio::spawn(async move {
                    start.wait().await;
                    call.await
                })
            })
            .collect();
        let cancelled = cancel.await.unwrap();
        assert_eq!(cancelled["status"]["status_code"], 0, "{adapter:?}: {cancelled}");
        let (mut replayed, mut refused) = (0, 0);
        for retry in retries {
            let answer = retry.await.unwrap();
            match answer["status"]["status_code"].as_u64() {
                Some(0) => {
                    assert_eq!(answer["book_ext_id"], book_ext_id.as_str(), "{adapter:?}: a fresh booking: {answer}");
                    replayed += 1;
                }
                Some(18) => {
                    assert_eq!(answer["status"]["status_message"], REPEAT_AFTER_CANCEL, "{adapter:?}");
                    refused += 1;
                }
                _ => panic!("{adapter:?}: {answer}"),
            }
        }
        // And one more repeat, surely after the cancel.
        let late = post("/booking/book", fixture("booking_request.json")).await;
        assert_eq!(late["status"]["status_code"], 18, "{adapter:?}: {late}");

        let mis = service.handler().inner();
        let bookings = mis.bookings.lock().unwrap().clone();
        assert_eq!(bookings.len(), 1, "{adapter:?}: extra bookings made: {bookings:?}");
        assert!(bookings.values().all(|(_, cancelled)| *cancelled), "{adapter:?}: the one booking is cancelled");
        assert!(mis.slots.lock().unwrap().values().all(|s| s.booked.is_none()), "{adapter:?}: the slot is free");
        eprintln!("{adapter:?}: {replayed} retries answered the stored confirmation, {refused} refused, 0 booked");
        server.stop().await;
    }
}
