//! `GET /openapi.json`: the emulator serves fer-model's Vitrina document, pointed at itself, and
//! every operation of the document is routed and answers a status the document lists.

use crate::common::{BRANCH_OID, Env, MO_ID, RESOURCE_ID, SLOT_ID, send};
use serde_json::{Value, json};

#[tokio::test]
async fn the_document_is_served_without_a_token_and_points_at_the_emulator() {
    let env = Env::start().await;
    let (status, served) = send(env.http.get(env.url("/openapi.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(served["servers"][0]["url"], env.emu.base_url());
    let mut expected = fer_model::openapi::vitrina();
    expected["servers"] = served["servers"].clone();
    assert_eq!(served, expected);
}

/// The path with its parameters filled in, and the query a call needs.
fn concrete(path: &str) -> String {
    let path = path
        .replace("{oid}", BRANCH_OID)
        .replace("{mo_id}", MO_ID)
        .replace("{resourse_id}", RESOURCE_ID)
        .replace("{resource_id}", RESOURCE_ID)
        .replace("{slot_id}", SLOT_ID);
    let query = match path.as_str() {
        "/api/callback/check" => "?address=http://127.0.0.1:1",
        p if fer_model::Table::LOAD_ORDER.iter().any(|t| t.path() == p) => "?id=aaaaaaa1-5eff-49b8-9d07-ff2486160000",
        _ => "",
    };
    format!("{path}{query}")
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_a_documented_status() {
    let env = Env::start().await;
    env.seed().await;
    let doc = fer_model::openapi::vitrina();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let url = env.url(&concrete(path));
            let request = match method.as_str() {
                "get" => env.http.get(&url),
                "delete" => env.http.delete(&url),
                "put" => env.http.put(&url),
                "post" => env.http.post(&url),
                other => panic!("unexpected method {other}"),
            };
            let body = match path.as_str() {
                "/auth.svc" => json!({ "username": env.emu.username().to_string(), "password": env.emu.password() }),
                "/api/callback" => json!({ "address": "http://127.0.0.1:1" }),
                _ => json!({ "data": [] }),
            };
            let request = request.bearer_auth(&env.token);
            let request = if matches!(method.as_str(), "post" | "put") {
                request.header("content-type", "application/json").body(body.to_string())
            } else {
                request
            };
            let (status, answer) = send(request).await;
            let what = format!("{} {path} -> {status} {answer}", method.to_uppercase());
            assert_ne!(answer["error"]["errorCode"], "METHOD_NOT_ALLOWED", "{what}");
            let unrouted = answer["error"]["errorMessage"].as_str().is_some_and(|m| m.starts_with("Адрес"));
            assert!(!unrouted, "{what}");
            assert!(operation["responses"].get(status.to_string()).is_some(), "undocumented status: {what}");
            checked += 1;
        }
    }
    assert!(checked >= 8 * 3 + 6 + 5, "only {checked} operations");
}

#[tokio::test]
async fn an_undocumented_route_is_not_served() {
    let env = Env::start().await;
    let (status, answer): (u16, Value) = send(env.http.get(env.url("/api/nothing")).bearer_auth(&env.token)).await;
    assert_eq!(status, 404, "{answer}");
    assert!(fer_model::openapi::vitrina()["paths"].get("/api/nothing").is_none());
}
