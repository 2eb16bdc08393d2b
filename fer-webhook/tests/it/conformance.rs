//! [`fer_emulator::conformance`] played against real fer-webhook servers on loopback: a correct MIS
//! passes every check, a misbehaving one fails the checks its misbehaviour breaks.

use crate::common::*;
use fer_emulator::conformance::{CheckKind, Conformance};
use fer_model::*;
use fer_webhook::*;

#[tokio::test]
async fn a_correct_webhook_passes_every_check() {
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal))).await;
    let slot: Guid = FIXTURE_SLOT.parse().unwrap();
    let report = Conformance::new(&server.url).slot(slot).run().await.unwrap();
    assert!(report.passed(), "{report}");
    let kinds: Vec<CheckKind> = report.checks.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, CheckKind::ALL);
    let book = report.get(CheckKind::Book).unwrap();
    assert!(book.detail.starts_with("book_ext_id "), "{report}");
}

#[tokio::test]
async fn the_same_run_passes_with_a_trailing_slash_and_a_custom_request() {
    let server = Server::start(WebhookService::new(TestMis::new(Mode::Normal))).await;
    let mut request: serde_json::Value = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    // The example's SNILS has a wrong check number; a valid one keeps the request clean.
    request["patient_data_rrp"]["snils"] = "11223344595".into();
    request["slot_id"] = "00000000-0000-0000-0000-000000000000".into(); // replaced by the slot
    let report = Conformance::new(format!("{}/", server.url))
        .slot(FIXTURE_SLOT.parse().unwrap())
        .request(request)
        .run()
        .await
        .unwrap();
    assert!(report.passed(), "{report}");
}

#[tokio::test]
async fn a_webhook_that_refuses_every_booking_fails_the_book_check() {
    let refusing = TestMis::new(Mode::Refuse(BookingRejectionCode::SlotUnavailable));
    let server = Server::start(WebhookService::new(refusing)).await;
    let report = Conformance::new(&server.url).slot(FIXTURE_SLOT.parse().unwrap()).run().await.unwrap();
    assert!(!report.passed(), "{report}");
    let failed: Vec<CheckKind> = report.failures().map(|c| c.kind).collect();
    // Nothing was booked, so nothing can be cancelled; the probe, the repeats (a refusal 11 is a
    // right answer to a repeat) and the refusals still pass.
    assert_eq!(failed, [CheckKind::Book, CheckKind::Cancel, CheckKind::RepeatedCancel], "{report}");
    let book = report.get(CheckKind::Book).unwrap();
    assert!(book.detail.contains("refused with code 11"), "{report}");
    assert!(report.to_string().contains("5 passed, 3 failed"), "{report}");
}
