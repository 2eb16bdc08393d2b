//! The eight table endpoints (section 5): batch upsert plain and gzip, GET, DELETE with cascades,
//! duplicates, the blocked subdivision (405), a book without its RECORDED slot, and
//! format errors, over real HTTP with the spec's fixtures.

use crate::common::{Env, MO_ID, RESOURCE_ID, SLOT_ID, book, fixture, mo, resource, slot};
use fer_emulator::EmulatorConfig;
use fer_model::{Book, ErrorCode, Slot, SlotStatus, Table, VitrinaResponse};
use serde_json::{Value, json};

fn envelope(v: &Value) -> VitrinaResponse {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("not an Appendix 2 envelope: {e}: {v}"))
}

#[tokio::test]
async fn a_slot_batch_plain_and_gzip_is_stored_and_read_back() {
    let env = Env::start().await;
    // The spec's slot batch (string duration, space-separated create_ts), gzip.
    let text = fixture("slot_batch_duplicate_time.json");
    let (status, answer) = env.post_gzip("/api/slot", &text).await;
    assert_eq!(status, 200, "{answer}");
    let env_answer = envelope(&answer);
    assert!(env_answer.is_success && env_answer.error.is_none() && env_answer.errors.is_none());
    let id = env_answer.sended_guids[0];
    assert_eq!(id.to_string(), "aaaaaaa2-5eff-49b8-9d07-ff2486162b3f");
    assert_eq!(answer["sendedGuidsToContactCenter"], json!([id]));

    // GET returns the canonical form of the record in `result`.
    let (status, answer) = env.get(&format!("/api/slot?id={id}")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"]["duration"], 20);
    assert_eq!(answer["result"]["create_ts"], "2023-10-01T09:00:00");
    let stored: Slot = env.emu.get(&id).unwrap();
    assert_eq!(stored.status, SlotStatus::Available);

    // Upsert of an existing id replaces it (idempotent), plain this time.
    let (status, _) = env.post_raw("/api/slot", text.replace("AVAILABLE", "BLOCKED").into_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(env.emu.get::<Slot>(&id).unwrap().status, SlotStatus::Blocked);
    assert_eq!(env.emu.count(Table::Slot), 1);

    // A bare array is accepted too.
    let (status, _) = env.post("/api/mo", &json!([mo()])).await;
    assert_eq!(status, 200);
    assert_eq!(env.emu.count(Table::Mo), 1);
}

#[tokio::test]
async fn a_repeated_id_is_r310_and_the_first_copy_is_kept() {
    let env = Env::start().await;
    let (status, answer) = env.post_raw("/api/slot", fixture("slot_batch_duplicate_id.json").into_bytes()).await;
    assert_eq!(status, 422, "{answer}");
    let r = envelope(&answer);
    // Same shape as the spec's answer (slot_duplicate_id_response.json).
    let spec = envelope(&serde_json::from_str(&fixture("slot_duplicate_id_response.json")).unwrap());
    assert_eq!(r.status_code, spec.status_code);
    assert_eq!(r.error.as_ref().unwrap().error_code, ErrorCode::R310);
    assert_eq!(r.sended_guids, spec.sended_guids);
    let errors = r.errors.unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].error_code, ErrorCode::R310);
    assert_eq!(errors[0].id.as_deref(), Some("aaaaaaa1-5eff-49b8-9d07-ff2486162b3f"));
    assert_eq!(env.emu.count(Table::Slot), 1);
}

#[tokio::test]
async fn a_slot_at_a_taken_resource_time_is_r330_as_in_the_spec() {
    let env = Env::start().await;
    env.seed().await; // slot aaaaaaa1 of resource 1919135c at 2024-03-28T05:00:00
    let (status, answer) = env.post_raw("/api/slot", fixture("slot_batch_duplicate_time.json").into_bytes()).await;
    assert_eq!(status, 422, "{answer}");
    // The spec's answer to exactly this request (slot_duplicate_time_response.json).
    let spec: Value = serde_json::from_str(&fixture("slot_duplicate_time_response.json")).unwrap();
    assert_eq!(answer, spec);
    assert_eq!(env.emu.count(Table::Slot), 1);
}

#[tokio::test]
async fn a_subdivision_name_taken_by_another_id_is_r330() {
    // The spec's example organisation, so that its subdivisions are the token's own (403 otherwise).
    let config = EmulatorConfig { username: "1.2.643.5.1.13.13.12.2.86.8916".parse().unwrap(), ..Default::default() };
    let env = Env::with(config).await;
    let first =
        fixture("mo_batch_duplicate_name.json").replace("1b0aaec1-", "6b0aaec1-").replace("\"NONE\"", "\"ALL\"");
    let (status, answer) = env.post_raw("/api/mo", first.into_bytes()).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = env.post_raw("/api/mo", fixture("mo_batch_duplicate_name.json").into_bytes()).await;
    assert_eq!(status, 422, "{answer}");
    let spec: Value = serde_json::from_str(&fixture("mo_duplicate_name_response.json")).unwrap();
    assert_eq!(answer["errors"][0]["errorMessage"], spec["errors"][0]["errorMessage"]);
    assert_eq!(answer["error"]["errorMessage"], spec["error"]["errorMessage"]);
    assert_eq!(answer["sendedGuidsToContactCenter"], Value::Null);
}

#[tokio::test]
async fn partial_success_accounts_for_every_record() {
    let env = Env::start().await;
    env.seed().await;
    let mut bad = slot("aaaaaaa3-5eff-49b8-9d07-ff2486162b3f", "LOST");
    bad["visit_time"] = json!("2024-03-28T07:00:00");
    let mut good = slot("aaaaaaa4-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    good["visit_time"] = json!("2024-03-28T08:00:00");
    let taken = slot("aaaaaaa5-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE"); // SLOT_ID's time
    let (status, answer) = env.post("/api/slot", &json!({"data": [bad, good, taken]})).await;
    assert_eq!(status, 400, "a format error outranks a duplicate: {answer}");
    let r = envelope(&answer);
    assert_eq!(r.sended_guids, vec!["aaaaaaa4-5eff-49b8-9d07-ff2486162b3f".parse().unwrap()]);
    let errors = r.errors.unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].id.as_deref(), Some("aaaaaaa3-5eff-49b8-9d07-ff2486162b3f"));
    assert!(errors[0].error_message.contains("LOST"), "{}", errors[0].error_message);
    assert_eq!(errors[1].error_code, ErrorCode::R330);
    assert!(env.emu.get::<Slot>(&"aaaaaaa4-5eff-49b8-9d07-ff2486162b3f".parse().unwrap()).is_some());
}

#[tokio::test]
async fn a_record_of_a_blocked_subdivision_gets_405() {
    let env = Env::start().await;
    env.seed().await;
    // enabled = NONE is an ordinary value the MIS sends («не принимает»): it blocks nothing.
    let mut none = mo();
    none["enabled"] = json!("NONE");
    let (status, answer) = env.post("/api/mo", &json!({"data": [none]})).await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "BLOCKED")]})).await;
    assert_eq!(status, 200, "NONE is not the support's block: {answer}");
    // The Vitrina's support blocks the subdivision: a sandbox control here.
    let (status, answer) =
        crate::common::send(env.http.post(env.url("/sandbox/block")).body(json!({"id": MO_ID}).to_string())).await;
    assert_eq!((status, &answer["blocked"]), (200, &json!(true)), "{answer}");
    let (status, answer) = env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "AVAILABLE")]})).await;
    assert_eq!(status, 405, "{answer}");
    assert_eq!(answer["error"]["errorCode"], "BLOCKED");
    assert!(answer["errors"][0]["errorMessage"].as_str().unwrap().contains(MO_ID));
    let (status, _) = env.post("/api/resource", &json!({"data": [resource()]})).await;
    assert_eq!(status, 405);
    let (status, _) = env.post("/api/mo", &json!({"data": [mo()]})).await;
    assert_eq!(status, 405, "the subdivision itself is blocked too");
    let (status, answer) = env.delete(&format!("/api/slot?id={SLOT_ID}")).await;
    assert_eq!(status, 405, "deleting is updating too: {answer}");
    assert_eq!(env.emu.count(Table::Slot), 1);
    // Unblocked again, the slot goes through.
    let (status, _) =
        crate::common::send(env.http.post(env.url("/sandbox/unblock")).body(json!({"id": MO_ID}).to_string())).await;
    assert_eq!(status, 200);
    let (status, _) = env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "AVAILABLE")]})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_book_needs_its_slot_recorded_on_the_vitrina() {
    let env = Env::start().await;
    env.seed().await;
    let book_id = "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f";
    let (status, answer) = env.post("/api/book", &json!({"data": [book(book_id, SLOT_ID)]})).await;
    assert_eq!(status, 400, "slot is AVAILABLE: {answer}");
    assert_eq!(answer["errors"][0]["errorCode"], "SLOT_NOT_RECORDED");
    let (status, answer) =
        env.post("/api/book", &json!({"data": [book(book_id, "cccccccc-5eff-49b8-9d07-ff2486162b3f")]})).await;
    assert_eq!(status, 400, "no such slot: {answer}");
    env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "RECORDED")]})).await;
    let (status, answer) = env.post("/api/book", &json!({"data": [book(book_id, SLOT_ID)]})).await;
    assert_eq!(status, 200, "{answer}");
    let stored: Book = env.emu.get(&book_id.parse().unwrap()).unwrap();
    assert_eq!(stored.slot_id, SLOT_ID.parse().unwrap());
    // After a cancel the slot is AVAILABLE again and the book 5010: accepted.
    env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "AVAILABLE")]})).await;
    let mut cancelled = book(book_id, SLOT_ID);
    cancelled["status_code"] = json!(5010);
    let (status, answer) = env.post("/api/book", &json!({"data": [cancelled]})).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn delete_cascades_as_the_spec_lists() {
    let env = Env::start().await;
    env.seed().await;
    env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "RECORDED")]})).await;
    env.post("/api/book", &json!({"data": [book("bbbbbbb1-5eff-49b8-9d07-ff2486162b3f", SLOT_ID)]})).await;
    let service = json!({"id": "5e5e5e5e-5eff-49b8-9d07-ff2486162b3f", "resource_id": RESOURCE_ID,
        "code": "A01.01.001", "create_ts": "2023-10-01T09:00:00"});
    let (status, answer) = env.post("/api/service", &json!({"data": [service]})).await;
    assert_eq!(status, 200, "{answer}");
    let period = json!({"period_id": "9e9e9e9e-5eff-49b8-9d07-ff2486162b3f", "resource_id": RESOURCE_ID,
        "reason": "VACATION", "beg_date": "2024-04-01T00:00:00", "end_date": "2024-04-10T00:00:00",
        "create_ts": "2023-10-01T09:00:00"});
    let (status, answer) = env.post("/api/unaccessable_period", &json!({"data": [period]})).await;
    assert_eq!(status, 200, "{answer}");
    for table in [Table::Mo, Table::Resource, Table::Slot, Table::Book, Table::Service, Table::UnaccessablePeriod] {
        assert_eq!(env.emu.count(table), 1, "{table}");
    }

    let (status, answer) = env.delete(&format!("/api/resource?id={RESOURCE_ID}")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["sendedGuids"], json!([RESOURCE_ID]));
    let deleted: Vec<&str> =
        answer["result"].as_array().unwrap().iter().map(|r| r["table"].as_str().unwrap()).collect();
    assert_eq!(deleted, ["resource", "slot", "book", "service"]);
    for table in [Table::Resource, Table::Slot, Table::Book, Table::Service] {
        assert_eq!(env.emu.count(table), 0, "{table}");
    }
    // Not in the spec's cascade list: kept.
    assert_eq!(env.emu.count(Table::UnaccessablePeriod), 1);
    assert_eq!(env.emu.count(Table::Mo), 1);

    let (status, answer) = env.delete(&format!("/api/resource?id={RESOURCE_ID}")).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["statusCode"], 404);
}

#[tokio::test]
async fn get_and_delete_need_a_guid_id_and_unknown_addresses_are_404() {
    let env = Env::start().await;
    for path in ["/api/slot", "/api/slot?id=", "/api/slot?id=42", "/api/slot?id=a&id=b", "/api/slot/%FF/books"] {
        let (status, answer) = env.get(path).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert_eq!(answer["isSuccess"], false);
    }
    let (status, answer) = env.get(&format!("/api/unaccessable_period?id={SLOT_ID}")).await;
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = env.post("/api/patient", &json!({"data": []})).await;
    assert_eq!(status, 404, "unknown table: {answer}");
    assert_eq!(answer["error"]["errorCode"], "NOT_FOUND");
    let (status, answer) = send_put(&env).await;
    assert_eq!(status, 405, "{answer}");
    assert_eq!(answer["error"]["errorCode"], "METHOD_NOT_ALLOWED");
}

async fn send_put(env: &Env) -> (u16, Value) {
    crate::common::send(env.http.put(env.url("/api/slot")).bearer_auth(&env.token).body("{}")).await
}

#[tokio::test]
async fn every_table_accepts_a_valid_record() {
    let env = Env::start().await;
    env.seed().await;
    env.post("/api/slot", &json!({"data": [slot(SLOT_ID, "RECORDED")]})).await;
    let referral = json!({
        "id": "7e7e7e7e-5eff-49b8-9d07-ff2486162b3f", "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "number": "N-1", "type": "RESEARCH", "to_service_id": "A01.01.001", "start_date": "2024-03-01T00:00:00",
        "to_mo_id": MO_ID, "to_profile_code": "97", "status": "AVAILABLE", "create_ts": "2023-10-01T09:00:00",
        "from_resource_id": RESOURCE_ID, "referral_type_code": "1", "to_mo_oid": fer_emulator::DEFAULT_USERNAME,
        "from_mo_oid": fer_emulator::DEFAULT_USERNAME
    });
    let profile = json!({"id": "8e8e8e8e-5eff-49b8-9d07-ff2486162b3f", "resource_id": RESOURCE_ID,
        "profile_code": "97", "create_ts": "2023-10-01T09:00:00"});
    for (path, record) in [
        ("/api/referral", referral),
        ("/api/profilecode_resource", profile),
        ("/api/book", book("bbbbbbb1-5eff-49b8-9d07-ff2486162b3f", SLOT_ID)),
    ] {
        let (status, answer) = env.post(path, &json!({"data": [record]})).await;
        assert_eq!(status, 200, "{path}: {answer}");
    }
    for table in Table::LOAD_ORDER {
        if table != Table::Service && table != Table::UnaccessablePeriod {
            assert_eq!(env.emu.count(table), 1, "{table}");
        }
    }
}

#[tokio::test]
async fn the_format_check_of_fer_validate_refuses_what_typed_parsing_would_let_through() {
    // The strict profile: an unknown field (which the Vitrina ignores) refuses the record too.
    let env = Env::with(EmulatorConfig { strict: true, ..Default::default() }).await;
    env.seed().await;
    let mut upper = slot("AAAAAAA6-5EFF-49B8-9D07-FF2486162B3F", "AVAILABLE");
    upper["visit_time"] = json!("2024-03-28T06:00:00");
    let mut misspelled = slot("aaaaaaa7-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    misspelled["visit_time"] = json!("2024-03-28T07:00:00");
    misspelled["statuss"] = json!("AVAILABLE");
    let mut fine = slot("aaaaaaa8-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    fine["visit_time"] = json!("2024-03-28T08:00:00");
    let (status, answer) = env.post("/api/slot", &json!({"data": [upper, misspelled, fine]})).await;
    assert_eq!(status, 400, "{answer}");
    let r = envelope(&answer);
    assert_eq!(r.sended_guids, vec!["aaaaaaa8-5eff-49b8-9d07-ff2486162b3f".parse().unwrap()]);
    let errors = r.errors.unwrap();
    assert_eq!(errors.len(), 2, "{answer}");
    // Each refused record carries its id as written, the rule code of fer-validate and the pointer.
    assert_eq!(errors[0].id.as_deref(), Some("AAAAAAA6-5EFF-49B8-9D07-FF2486162B3F"));
    assert_eq!(errors[0].error_code, ErrorCode::Other("V002".into()), "{answer}");
    assert!(errors[0].error_message.contains("/data/0/id"), "{answer}");
    assert_eq!(errors[1].error_code, ErrorCode::Other("V010".into()), "{answer}");
    assert!(errors[1].error_message.contains("/data/1/statuss"), "{answer}");
    assert_eq!(env.emu.count(Table::Slot), 2);
}

#[tokio::test]
async fn outside_the_strict_profile_the_sdks_own_advice_refuses_nothing() {
    let env = Env::start().await;
    env.seed().await;
    let mut upper = slot("AAAAAAA6-5EFF-49B8-9D07-FF2486162B3F", "AVAILABLE");
    upper["visit_time"] = json!("2024-03-28T06:00:00");
    let mut misspelled = slot("aaaaaaa7-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    misspelled["visit_time"] = json!("2024-03-28T07:00:00");
    misspelled["statuss"] = json!("AVAILABLE");
    let mut long = slot("aaaaaaa8-5eff-49b8-9d07-ff2486162b3f", "AVAILABLE");
    long["visit_time"] = json!("2024-03-28T08:00:00");
    long["duration"] = json!(2000);
    let (status, answer) = env.post("/api/slot", &json!({"data": [upper, misspelled, long]})).await;
    assert_eq!(status, 400, "{answer}");
    let r = envelope(&answer);
    // The upper-case id is refused (another id on the Vitrina); the unknown field and the long
    // duration are the SDK's advice only.
    assert_eq!(r.errors.unwrap().len(), 1, "{answer}");
    assert_eq!(
        r.sended_guids,
        vec![
            "aaaaaaa7-5eff-49b8-9d07-ff2486162b3f".parse().unwrap(),
            "aaaaaaa8-5eff-49b8-9d07-ff2486162b3f".parse().unwrap()
        ]
    );
}

#[tokio::test]
async fn an_error_outside_the_records_is_reported_without_an_id() {
    let env = Env::with(EmulatorConfig { strict: true, ..Default::default() }).await;
    // fer-validate's V010 (unknown field) at the root: reported with a null id; the records are
    // still decided one by one.
    let (status, answer) = env.post("/api/mo", &json!({"data": [mo()], "extra": true})).await;
    assert_eq!(status, 400, "{answer}");
    let r = envelope(&answer);
    assert_eq!(r.error.unwrap().error_code, ErrorCode::Other("V010".into()));
    let errors = r.errors.unwrap();
    assert_eq!((errors.len(), errors[0].id.as_deref()), (1, None));
    assert!(errors[0].error_message.contains("/extra"));
    assert_eq!(r.sended_guids, vec![MO_ID.parse().unwrap()]);
}
