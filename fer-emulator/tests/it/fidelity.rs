//! The emulator refuses what the profile says the Vitrina refuses: the same verdict
//! as fer-validate, 403 for another organisation's rows, the book id = `book_ext_id` rule after a
//! gateway booking, and the `strict` profile's state rules.

use crate::common::{Env, MO_ID, RESOURCE_ID, SLOT_ID, Webhook, book, fixture, mo, resource, slot};
use fer_emulator::{EmulatorConfig, GatewayAnswer};
use fer_model::{BookingRequest, BookingResponse, Guid, Slot, Table};
use fer_validate::DatasetExt as _;
use fer_validate::{Dataset, RuleCode, validate_raw};
use serde_json::{Value, json};

const OTHER_ORG: &str = "1.2.643.5.1.13.13.12.2.86.9001";

fn at(id: &str, time: &str, status: &str) -> Value {
    let mut s = slot(id, status);
    s["visit_time"] = json!(time);
    s
}

fn sub(id: &str, name: &str) -> Value {
    let mut m = mo();
    m["id"] = json!(id);
    m["name"] = json!(name);
    m
}

/// One record's verdict: refused for a duplicate (its code), refused otherwise, or accepted.
fn verdicts_of_validator(table: Table, records: &[Value]) -> Vec<(String, String)> {
    let body = serde_json::to_vec(&json!({ "data": records })).unwrap();
    let report = validate_raw(table, &body);
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let prefix = format!("/data/{i}/");
        let errors: Vec<RuleCode> =
            report.errors().filter(|d| d.pointer.starts_with(&prefix)).map(|d| d.code).collect();
        let id = r["id"].as_str().unwrap().to_owned();
        let verdict = if errors.contains(&RuleCode::R310) {
            "R-310"
        } else if errors.contains(&RuleCode::R330) {
            "R-330"
        } else if errors.is_empty() {
            "accepted"
        } else {
            "refused"
        };
        out.push((id, verdict.to_owned()));
    }
    out.sort();
    out
}

fn verdicts_of_emulator(answer: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = answer["sendedGuids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| (id.as_str().unwrap().to_owned(), "accepted".to_owned()))
        .collect();
    for e in answer["errors"].as_array().into_iter().flatten() {
        let code = e["errorCode"].as_str().unwrap();
        let verdict = if matches!(code, "R-310" | "R-330") { code } else { "refused" };
        out.push((e["id"].as_str().unwrap().to_owned(), verdict.to_owned()));
    }
    // A repeated id is accepted once and refused once: keep both, as the validator does.
    out.sort();
    out
}

/// The duplicate findings of a dataset made of the batch (with its parents), by record index.
fn dataset_duplicates(slots: &[Value], mos: &[Value]) -> Vec<(usize, RuleCode)> {
    let data = Dataset {
        mo: mos.iter().map(|m| serde_json::from_value(m.clone()).unwrap()).collect(),
        resource: vec![serde_json::from_value(resource()).unwrap()],
        slot: slots.iter().map(|s| serde_json::from_value(s.clone()).unwrap()).collect(),
        ..Dataset::default()
    };
    dup_indices(&data.validate())
}

fn dup_indices(report: &fer_validate::Report) -> Vec<(usize, RuleCode)> {
    let mut out: Vec<(usize, RuleCode)> = report
        .errors()
        .filter(|d| matches!(d.code, RuleCode::R310 | RuleCode::R330))
        .filter(|d| d.table.as_str() != "mo" || d.pointer.starts_with("/data/"))
        .map(|d| (d.pointer.split('/').nth(2).unwrap().parse().unwrap(), d.code))
        .collect();
    out.sort();
    out
}

const A: &str = "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f";
const B: &str = "aaaaaaa2-5eff-49b8-9d07-ff2486162b3f";
const C: &str = "aaaaaaa3-5eff-49b8-9d07-ff2486162b3f";
const T: &str = "2024-03-28T05:00:00";
const T2: &str = "2024-03-28T06:00:00";

#[tokio::test]
async fn the_emulator_and_fer_validate_give_the_same_duplicate_verdicts() {
    let slot_batches: Vec<Vec<Value>> = vec![
        vec![at(A, T, "AVAILABLE"), at(B, T, "AVAILABLE")],
        // A cancelled slot still holds its time.
        vec![at(A, T, "CANCELED"), at(B, T, "AVAILABLE")],
        vec![at(A, T, "BLOCKED"), at(B, T2, "AVAILABLE"), at(C, T, "RECORDED")],
        // A repeated id is refused and takes no time: B gets T2.
        vec![at(A, T, "AVAILABLE"), at(A, T2, "AVAILABLE"), at(B, T2, "AVAILABLE")],
        // A record refused for its format takes no time either.
        vec![at(A, T, "LOST"), at(B, T, "AVAILABLE")],
        vec![at(A, T, "AVAILABLE"), at(B, T2, "AVAILABLE"), at(C, "2024-03-28T07:00:00", "AVAILABLE")],
    ];
    for batch in &slot_batches {
        let env = Env::start().await;
        for (path, record) in [("/api/mo", mo()), ("/api/resource", resource())] {
            assert_eq!(env.post(path, &json!({ "data": [record] })).await.0, 200);
        }
        let (_, answer) = env.post("/api/slot", &json!({ "data": batch })).await;
        let expected = verdicts_of_validator(Table::Slot, batch);
        assert_eq!(verdicts_of_emulator(&answer), expected, "{batch:#?}\n{answer}");
        // Dataset validation agrees where every record parses.
        if batch.iter().all(|s| serde_json::from_value::<Slot>(s.clone()).is_ok()) {
            let body = serde_json::to_vec(&json!({ "data": batch })).unwrap();
            assert_eq!(
                dataset_duplicates(batch, &[mo()]),
                dup_indices(&validate_raw(Table::Slot, &body)),
                "{batch:#?}"
            );
        }
    }
    let mo_batches: Vec<Vec<Value>> = vec![
        vec![sub(MO_ID, "Поликлиника №1"), sub(B, "Поликлиника №1")],
        vec![sub(MO_ID, "Поликлиника №1"), sub(B, " Поликлиника №1 "), sub(C, "Поликлиника №2")],
        vec![sub(MO_ID, "Поликлиника №1"), sub(MO_ID, "Поликлиника №3"), sub(B, "Поликлиника №3")],
    ];
    for batch in &mo_batches {
        let env = Env::start().await;
        let (_, answer) = env.post("/api/mo", &json!({ "data": batch })).await;
        assert_eq!(verdicts_of_emulator(&answer), verdicts_of_validator(Table::Mo, batch), "{batch:#?}\n{answer}");
    }
}

#[tokio::test]
async fn subdivision_names_are_unique_within_one_organisation() {
    let other: fer_model::Oid = OTHER_ORG.parse().unwrap();
    let config = EmulatorConfig { other_accounts: vec![(other.clone(), "other".into())], ..Default::default() };
    let env = Env::with(config).await;
    env.seed().await;
    // The other organisation logs in and sends a subdivision of the same name: not a duplicate.
    let token = login_as(&env, OTHER_ORG, "other").await;
    let mut theirs = sub(B, "Поликлиника №1");
    theirs["parent_id"] = json!(OTHER_ORG);
    let (status, answer) = post_as(&env, &token, "/api/mo", &json!({ "data": [theirs] })).await;
    assert_eq!(status, 200, "{answer}");
}

async fn login_as(env: &Env, username: &str, password: &str) -> String {
    let body = json!({"username": username, "password": password});
    let (status, answer) = crate::common::send(env.http.post(env.url("/auth.svc")).body(body.to_string())).await;
    assert_eq!(status, 200, "{answer}");
    answer["Result"]["Value"].as_str().unwrap().to_owned()
}

async fn post_as(env: &Env, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let req = env.http.post(env.url(path)).bearer_auth(token).header("content-type", "application/json");
    crate::common::send(req.body(body.to_string())).await
}

#[tokio::test]
async fn a_token_writes_only_its_own_organisations_rows() {
    let config =
        EmulatorConfig { other_accounts: vec![(OTHER_ORG.parse().unwrap(), "other".into())], ..Default::default() };
    let env = Env::with(config).await;
    env.seed().await;
    // A subdivision with another parent_id.
    let mut foreign = sub(B, "Чужая поликлиника");
    foreign["parent_id"] = json!(OTHER_ORG);
    let (status, answer) = env.post("/api/mo", &json!({ "data": [foreign.clone()] })).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["errorMessage"].as_str().unwrap().starts_with("Нет полномочий на выполнение запроса"));
    assert_eq!(answer["isSuccess"], false);
    assert_eq!(answer["statusCode"], 403);
    // Rows under another organisation's subdivision: the other one writes its subdivision, then
    // our token sends a resource under it, and deletes its slot.
    let token = login_as(&env, OTHER_ORG, "other").await;
    assert_eq!(post_as(&env, &token, "/api/mo", &json!({ "data": [foreign] })).await.0, 200);
    let mut resource = resource();
    resource["id"] = json!(C);
    resource["mo_id"] = json!(B);
    let (status, answer) = env.post("/api/resource", &json!({ "data": [resource.clone()] })).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(post_as(&env, &token, "/api/resource", &json!({ "data": [resource] })).await.0, 200);
    // ... and the other organisation may not touch ours.
    let (status, answer) =
        crate::common::send(env.http.delete(env.url(&format!("/api/slot?id={SLOT_ID}"))).bearer_auth(&token)).await;
    assert_eq!(status, 403, "{answer}");
    assert_eq!(env.emu.count(Table::Slot), 1);
    // Taking over our subdivision by id under its own parent_id is refused too.
    let mut takeover = mo();
    takeover["parent_id"] = json!(OTHER_ORG);
    let (status, _) = post_as(&env, &token, "/api/mo", &json!({ "data": [takeover] })).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn a_book_of_a_slot_booked_through_the_epgu_must_carry_its_book_ext_id() {
    let env = Env::start().await;
    env.seed().await;
    let hook = Webhook::start().await;
    let (status, answer) = env.post("/api/callback", &json!({"address": hook.address})).await;
    assert_eq!(status, 200, "{answer}");
    let mut request: Value = serde_json::from_str(&fixture("booking_request.json")).unwrap();
    request["slot_id"] = json!(SLOT_ID);
    let request: BookingRequest = serde_json::from_value(request).unwrap();
    let outcome = env.emu.book(&request).await.unwrap();
    assert!(matches!(outcome.answer, GatewayAnswer::Book(BookingResponse::Confirmed(_))));
    // The webhook confirmed with this book_ext_id (crate::common::Webhook's default answer).
    let ext = "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f";
    let (status, answer) = env.post("/api/book", &json!({ "data": [book(C, SLOT_ID)] })).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["errors"][0]["errorCode"], "BOOK_EXT_ID");
    assert!(answer["errors"][0]["errorMessage"].as_str().unwrap().contains(ext), "{answer}");
    let (status, answer) = env.post("/api/book", &json!({ "data": [book(ext, SLOT_ID)] })).await;
    assert_eq!(status, 200, "{answer}");
    let _: Guid = ext.parse().unwrap();
}

#[tokio::test]
async fn the_strict_profile_applies_transitions_and_references_to_the_stored_state() {
    let mut revived = slot(SLOT_ID, "AVAILABLE");
    revived["visit_time"] = json!("2024-03-28T05:00:00");
    let orphan = {
        let mut s = at(B, T2, "AVAILABLE");
        s["resource_id"] = json!("00000000-7c9e-4564-a8b4-29aff7adfe72");
        s
    };
    for strict in [false, true] {
        let env = Env::with(EmulatorConfig { strict, ..Default::default() }).await;
        env.seed().await;
        assert_eq!(env.post("/api/slot", &json!({ "data": [slot(SLOT_ID, "CANCELED")] })).await.0, 200);
        let (status, answer) = env.post("/api/slot", &json!({ "data": [revived.clone()] })).await;
        assert_eq!(status, if strict { 400 } else { 200 }, "strict {strict}: {answer}");
        if strict {
            assert_eq!(answer["errors"][0]["errorCode"], "V040", "{answer}");
        }
        let (status, answer) = env.post("/api/slot", &json!({ "data": [orphan.clone()] })).await;
        assert_eq!(status, if strict { 400 } else { 200 }, "strict {strict}: {answer}");
        if strict {
            assert_eq!(answer["errors"][0]["errorCode"], "V060", "{answer}");
        }
        let _ = RESOURCE_ID;
    }
}
