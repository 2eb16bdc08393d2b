//! What the portal client logs: one `portal_request` span per call with method, path, status and
//! attempts, and never the token or the patient's email and phone (they travel in the query string
//! of «Создание записи на прием к врачу»).

use fer_client::portal::PortalClient;
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::Guid;
use fer_model::portal::VisitParams;

#[tokio::test]
async fn portal_logs_have_a_span_per_call_and_no_token_or_contact_data() {
    let captured = crate::common::capture_logs();

    const TOKEN: &str = "lpu.secret-token-value.0123456789abcdef";
    const EMAIL: &str = "patient-mail@example.ru";
    const PHONE: &str = "79995554242";
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let portal = PortalClient::builder().base_url(emulator.base_url()).token(TOKEN).build().unwrap();
    let params =
        VisitParams::by_time_table(Guid::from_u128(1), Guid::from_u128(2)).with_email(EMAIL, None).with_phone(PHONE);
    let error = portal.create_visit(&params).await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error}");

    let logs = captured.0.contents();
    assert!(logs.contains("portal_request"), "{logs}");
    assert!(logs.contains("path=/api/v2/visit/00000000-0000-0000-0000-000000000001"), "{logs}");
    assert!(logs.contains("status=403"), "{logs}");
    for secret in ["secret-token-value", "patient-mail", PHONE] {
        assert!(!logs.contains(secret), "{secret} leaked into the logs:\n{logs}");
    }
}
