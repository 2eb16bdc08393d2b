//! What reaches the logs: one span per request with method, path, record count, status and
//! duration, and never a password, a token or patient data.

use fer_client::VitrinaClient;
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Book, SlotStatus};

#[tokio::test]
async fn logs_have_a_span_per_request_and_no_secrets() {
    let captured = crate::common::capture_logs();

    const PASSWORD: &str = "s3cret-пароль-42";
    let emulator =
        Emulator::spawn(EmulatorConfig { password: PASSWORD.into(), ..EmulatorConfig::default() }).await.unwrap();
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let mo = crate::common::mo(1, emulator.username());
    let doctor = crate::common::doctor(1, mo.id);
    let mut slot = crate::common::slot(1, 0, &doctor);
    slot.status = SlotStatus::Recorded;
    let book = crate::common::book(1, &slot);
    let patient = book.patient_id.to_string();

    client.upsert(std::slice::from_ref(&mo)).await.unwrap();
    client.upsert(std::slice::from_ref(&doctor)).await.unwrap();
    client.upsert(std::slice::from_ref(&slot)).await.unwrap();
    let report = client.upsert(std::slice::from_ref(&book)).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    let back: Book = client.get(&book.id).await.unwrap().unwrap();
    let wrong = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), "wrong-".to_owned() + PASSWORD)
        .build()
        .unwrap();
    let err = wrong.get::<Book>(&book.id).await.unwrap_err();

    let logs = captured.0.contents();
    let debug = format!("{client:?} {wrong:?} {report:?} {err:?} {err}");
    for text in [&logs, &debug] {
        assert!(!text.contains(PASSWORD), "password leaked");
        assert!(!text.contains("Bearer") && !text.contains("emu."), "token leaked");
        assert!(!text.contains(&patient), "patient id leaked");
    }
    assert!(!format!("{back:?}").contains(PASSWORD));
    // One span per request with its fields.
    for needle in [
        "vitrina_request{method=POST path=/auth.svc records=0",
        "vitrina_request{method=POST path=/api/book records=1",
        "vitrina_request{method=GET path=/api/book records=0",
        "status=200",
        "attempts=1",
        "duration_ms=",
    ] {
        assert!(logs.contains(needle), "{needle:?} missing from the logs:\n{logs}");
    }
}
