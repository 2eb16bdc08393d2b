//! The gateway side (section 7, UC-1 and UC-1.1): booking and cancel calls to a real webhook, the
//! 10-second limit, the answer check, what is applied to the Vitrina, and the journal.

use std::time::Duration;

use crate::common::{Behaviour, Env, SLOT_ID, Webhook, confirmation, fixture};
use fer_emulator::{Direction, EmulatorConfig, GatewayAnswer, GatewayError, StoreChange};
use fer_model::{
    Book, BookStatus, BookingRequest, BookingResponse, CancelRequest, Guid, ReferralStatus, Slot, SlotStatus,
};
use serde_json::{Value, json};

const BOOK_EXT_ID: &str = "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f";

fn booking_request() -> BookingRequest {
    let mut v: Value = serde_json::from_str(&fixture("booking_request.json")).unwrap();
    v["slot_id"] = json!(SLOT_ID);
    serde_json::from_value(v).unwrap()
}

fn cancel_request() -> CancelRequest {
    let mut v: Value = serde_json::from_str(&fixture("cancel_request.json")).unwrap();
    v["book_ext_id"] = json!(BOOK_EXT_ID);
    serde_json::from_value(v).unwrap()
}

async fn env_with_webhook(config: EmulatorConfig) -> (Env, Webhook) {
    let env = Env::with(config).await;
    env.seed().await;
    let hook = Webhook::start().await;
    let (status, answer) = env.post("/api/callback", &json!({"address": hook.address})).await;
    assert_eq!(status, 200, "{answer}");
    (env, hook)
}

fn slot_id() -> Guid {
    SLOT_ID.parse().unwrap()
}

#[tokio::test]
async fn a_confirmed_booking_records_the_slot_and_writes_the_book_then_cancel_undoes_it() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let outcome = env.emu.book(&booking_request()).await.unwrap();
    assert!(outcome.is_success());
    assert_eq!(outcome.webhook, format!("{}/booking/book", hook.address));
    assert!(matches!(outcome.answer, GatewayAnswer::Book(BookingResponse::Confirmed(_))));
    assert!(outcome.applied.contains(&StoreChange::Slot {
        id: slot_id(),
        from: SlotStatus::Available,
        to: SlotStatus::Recorded
    }));
    // The webhook got the request as the gateway sends it.
    let sent = hook.received.lock().unwrap()[0].clone();
    assert_eq!(sent["slot_id"], SLOT_ID);
    assert_eq!(sent["booking_type"], "APPOINTMENT");
    // UC-1: slot RECORDED, book 5000 with id = book_ext_id.
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Recorded);
    let book: Book = env.emu.get(&BOOK_EXT_ID.parse().unwrap()).unwrap();
    assert_eq!((book.status_code, book.slot_id), (BookStatus::Recorded, slot_id()));
    // ... and visible through the Vitrina API.
    let (_, answer) = env.get(&format!("/api/slot/{SLOT_ID}/books")).await;
    assert_eq!(answer["result"][0]["id"], BOOK_EXT_ID);

    // UC-1.1: cancel (the spec's answer with the Cyrillic status_сode key).
    let outcome = env.emu.cancel(&cancel_request()).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Available);
    let book: Book = env.emu.get(&BOOK_EXT_ID.parse().unwrap()).unwrap();
    assert_eq!(book.status_code, BookStatus::Canceled);
    assert_eq!(hook.received.lock().unwrap()[1]["book_ext_id"], BOOK_EXT_ID);

    // An answer naming another booking is caught.
    hook.answer_cancel(Behaviour::Answer(crate::common::cancel_answer("cancel_response_ok.json", SLOT_ID)));
    let err = env.emu.cancel(&cancel_request()).await.unwrap_err();
    assert!(matches!(err, GatewayError::InvalidAnswer { .. }), "{err}");
}

#[tokio::test]
async fn a_referral_follows_its_booking() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let referral_id = "7e7e7e7e-5eff-49b8-9d07-ff2486162b3f";
    let referral = json!({
        "id": referral_id, "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "number": "N-1", "type": "RESEARCH", "to_service_id": "A01.01.001", "start_date": "2024-03-01T00:00:00",
        "to_mo_id": crate::common::MO_ID, "to_profile_code": "97", "status": "AVAILABLE", "create_ts": "2023-10-01T09:00:00",
        "from_resource_id": crate::common::RESOURCE_ID, "referral_type_code": "1",
        "to_mo_oid": fer_emulator::DEFAULT_USERNAME, "from_mo_oid": fer_emulator::DEFAULT_USERNAME
    });
    let (status, answer) = env.post("/api/referral", &json!({"data": [referral]})).await;
    assert_eq!(status, 200, "{answer}");
    let mut request = booking_request();
    request.referral_id = Some(referral_id.parse().unwrap());
    let get = || env.emu.get::<fer_model::Referral>(&referral_id.parse().unwrap()).unwrap().status;
    env.emu.book(&request).await.unwrap();
    assert_eq!(get(), ReferralStatus::Recorded);
    env.emu.cancel(&cancel_request()).await.unwrap();
    assert_eq!(get(), ReferralStatus::Available);
    drop(hook);
}

#[tokio::test]
async fn a_rejection_changes_nothing_and_already_cancelled_neither() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    hook.answer_book(Behaviour::Answer(json!({"status": {"status_code": 14, "status_message": null}})));
    let outcome = env.emu.book(&booking_request()).await.unwrap();
    assert!(!outcome.is_success());
    let GatewayAnswer::Book(BookingResponse::Rejected(r)) = &outcome.answer else { panic!("{outcome:?}") };
    assert_eq!(r.code.code(), 14);
    assert!(outcome.applied.is_empty());
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Available);
    assert_eq!(env.emu.count(fer_model::Table::Book), 0);

    hook.answer_book(Behaviour::Answer(confirmation(BOOK_EXT_ID, SLOT_ID)));
    env.emu.book(&booking_request()).await.unwrap();
    hook.answer_cancel(Behaviour::Answer(crate::common::cancel_answer(
        "cancel_response_already_cancelled.json",
        BOOK_EXT_ID,
    )));
    let outcome = env.emu.cancel(&cancel_request()).await.unwrap();
    assert!(!outcome.is_success() && outcome.applied.is_empty());
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Recorded);
}

#[tokio::test]
async fn a_repeated_call_reaches_the_webhook_like_a_gateway_retry() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let first = env.emu.book(&booking_request()).await.unwrap();
    let again = env.emu.book(&booking_request()).await.unwrap();
    assert_eq!(hook.received.lock().unwrap().len(), 2, "the webhook answers the retry itself");
    assert_eq!(first.answer, again.answer);
    assert!(again.applied.contains(&StoreChange::Slot {
        id: slot_id(),
        from: SlotStatus::Recorded,
        to: SlotStatus::Recorded
    }));
    assert_eq!(env.emu.count(fer_model::Table::Book), 1);
}

#[tokio::test]
async fn a_webhook_slower_than_the_limit_is_a_timeout() {
    let config = EmulatorConfig { webhook_timeout: Duration::from_millis(200), ..EmulatorConfig::default() };
    let (env, hook) = env_with_webhook(config).await;
    hook.answer_book(Behaviour::Slow(Duration::from_secs(5), confirmation(BOOK_EXT_ID, SLOT_ID)));
    let err = env.emu.book(&booking_request()).await.unwrap_err();
    assert!(matches!(err, GatewayError::Timeout { .. }), "{err}");
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Available);
    let last = env.emu.journal().pop().unwrap();
    assert_eq!((last.direction, last.status), (Direction::Outbound, None));
    assert!(last.error.unwrap().contains("did not answer"));
}

#[tokio::test]
async fn invalid_answers_are_caught_with_their_reason() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let mut missing = confirmation(BOOK_EXT_ID, SLOT_ID);
    missing.as_object_mut().unwrap().remove("book_ext_id");
    let other_slot = confirmation(BOOK_EXT_ID, "cccccccc-5eff-49b8-9d07-ff2486162b3f");
    let mut zero = confirmation(BOOK_EXT_ID, SLOT_ID);
    zero["duration"] = json!("0");
    let cases = [
        // Parses, but fer-validate's rule V030 (duration above 0) refuses it.
        (Behaviour::Answer(zero), "V030 /duration"),
        (Behaviour::Answer(missing), "book_ext_id"),
        (Behaviour::Answer(json!({"status": {"status_code": 99}})), "99"),
        (Behaviour::Answer(other_slot), "cccccccc"),
        (Behaviour::Raw(200, "<html>ok</html>".into()), ""),
    ];
    for (behaviour, needle) in cases {
        hook.answer_book(behaviour.clone());
        let err = env.emu.book(&booking_request()).await.unwrap_err();
        let GatewayError::InvalidAnswer { reason, .. } = &err else { panic!("{behaviour:?}: {err}") };
        assert!(reason.contains(needle), "{behaviour:?}: {reason}");
    }
    hook.answer_book(Behaviour::Raw(500, "boom".into()));
    let err = env.emu.book(&booking_request()).await.unwrap_err();
    assert_eq!(err, GatewayError::HttpStatus { url: format!("{}/booking/book", hook.address), status: 500 });
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Available);
}

#[tokio::test]
async fn missing_slot_book_or_webhook_are_typed_errors() {
    let env = Env::start().await;
    let err = env.emu.book(&booking_request()).await.unwrap_err();
    assert_eq!(err, GatewayError::SlotNotFound(slot_id()));
    env.seed().await;
    let err = env.emu.book(&booking_request()).await.unwrap_err();
    assert!(matches!(err, GatewayError::NoCallback { .. }), "{err}");
    let err = env.emu.cancel(&cancel_request()).await.unwrap_err();
    assert_eq!(err, GatewayError::BookNotFound(BOOK_EXT_ID.parse().unwrap()));
}

#[tokio::test]
async fn the_subdivision_webhook_wins_over_the_mo_webhook() {
    let (env, mo_hook) = env_with_webhook(EmulatorConfig::default()).await;
    let own = Webhook::start().await;
    let (status, _) =
        env.post("/api/callback", &json!({"address": own.address, "depart_oid": crate::common::BRANCH_OID})).await;
    assert_eq!(status, 200);
    let outcome = env.emu.book(&booking_request()).await.unwrap();
    assert!(outcome.webhook.starts_with(&own.address));
    assert!(mo_hook.received.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_sandbox_routes_and_the_journal_over_http() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let book = env.http.post(env.url("/sandbox/book")).body(
        fixture("booking_request.json")
            .replace("\"slot_id\"", &format!("\"slot_id\": \"{SLOT_ID}\", \"unused_slot_id\"")),
    );
    let (status, answer) = crate::common::send(book).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["answer"]["book_ext_id"], BOOK_EXT_ID);
    assert_eq!(answer["applied"][0], json!({"change": "slot", "id": SLOT_ID, "from": "AVAILABLE", "to": "RECORDED"}));

    let cancel = env.http.post(env.url("/sandbox/cancel")).body(
        json!({"book_ext_id": BOOK_EXT_ID,
        "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde", "united_guids": []})
        .to_string(),
    );
    let (status, answer) = crate::common::send(cancel).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["answer"]["status"]["status_code"], 0);

    let (status, answer) = crate::common::send(env.http.post(env.url("/sandbox/book")).body("{}")).await;
    assert_eq!(status, 400, "{answer}");
    hook.answer_book(Behaviour::Raw(502, "bad gateway".into()));
    let (status, answer) = crate::common::send(
        env.http.post(env.url("/sandbox/book")).body(serde_json::to_vec(&booking_request()).unwrap()),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["kind"], "http_status");

    let (status, journal) = crate::common::send(env.http.get(env.url("/sandbox/journal"))).await;
    assert_eq!(status, 200);
    let entries = journal.as_array().unwrap();
    let outbound: Vec<&Value> = entries.iter().filter(|e| e["direction"] == "outbound").collect();
    // probe, book, cancel, failed book
    assert_eq!(outbound.len(), 4, "{journal}");
    assert_eq!(outbound[1]["method"], "POST");
    assert!(outbound[1]["duration_ms"].is_u64());
    // Patient data never reaches the journal.
    let text = journal.to_string();
    assert!(!text.contains("11147535028"), "SNILS leaked");
    assert!(!text.contains("1999-10-10"), "birth date leaked");
    assert!(!text.contains(&env.token), "token leaked");
    assert_eq!(outbound[1]["request_body"]["patient_data_rrp"]["snils"], "***");
    // Inbound Vitrina calls are there too, with their status and answer; the token is redacted.
    let auth = entries.iter().find(|e| e["url"] == "/auth.svc").unwrap();
    assert_eq!(auth["response_body"]["Result"]["Value"], "***", "{auth}");
    assert!(entries.iter().any(|e| e["direction"] == "inbound" && e["url"] == "/api/callback" && e["status"] == 200));
}

/// Before: a webhook answering 2 GiB took the emulator to 2.35 GB. The gateway reads an answer
/// under `webhook_answer_limit` and reports a larger one as `AnswerTooLarge` (502 at the sandbox),
/// journaled, without reading the rest: the test webhook streams 64 MiB without a length.
#[tokio::test]
async fn a_webhook_answer_over_the_limit_is_an_error_not_a_memory_spike() {
    let (env, hook) = env_with_webhook(EmulatorConfig::default()).await;
    let limit = EmulatorConfig::default().webhook_answer_limit;
    hook.answer_book(Behaviour::Flood(64 << 20));
    let err = env.emu.book(&booking_request()).await.unwrap_err();
    assert_eq!(err, GatewayError::AnswerTooLarge { url: format!("{}/booking/book", hook.address), limit });
    assert_eq!(err.kind(), "answer_too_large");
    let last = env.emu.journal().pop().unwrap();
    assert!(last.error.as_deref().is_some_and(|e| e.contains(&limit.to_string())), "{last:?}");
    // Over HTTP: 502 with the error's kind; nothing was applied.
    let (status, answer) = crate::common::send(
        env.http.post(env.url("/sandbox/book")).body(serde_json::to_vec(&booking_request()).unwrap()),
    )
    .await;
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["error"]["kind"], "answer_too_large");
    assert_eq!(env.emu.get::<Slot>(&slot_id()).unwrap().status, SlotStatus::Available);
    // An answer within the limit still books.
    hook.answer_book(Behaviour::Answer(confirmation(BOOK_EXT_ID, SLOT_ID)));
    assert!(env.emu.book(&booking_request()).await.unwrap().is_success());
}
