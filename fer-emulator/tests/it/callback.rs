//! Webhook registration `/api/callback` (section 10): the probe, per MO and per subdivision, get,
//! update, delete, check.

use crate::common::{BRANCH_OID, Env, Webhook, send};
use fer_emulator::Direction;
use serde_json::json;

#[tokio::test]
async fn register_get_update_and_delete_the_mo_webhook() {
    let env = Env::start().await;
    let hook = Webhook::start().await;
    let (status, answer) = env.post("/api/callback", &json!({"address": hook.address})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["address"], hook.address.as_str());
    // The probe reached the webhook: GET /booking/book, journaled.
    let probes: Vec<_> = env.emu.journal().into_iter().filter(|e| e.direction == Direction::Outbound).collect();
    assert_eq!(probes.len(), 1);
    assert_eq!((probes[0].method.as_str(), probes[0].status), ("GET", Some(200)));
    assert_eq!(probes[0].url, format!("{}/booking/book", hook.address));

    let (status, answer) = env.get("/api/callback").await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"], json!({"address": hook.address}));

    // Update: PUT, or the spec's GET with address.
    let other = Webhook::start().await;
    let (status, answer) = send(
        env.http
            .put(env.url("/api/callback"))
            .bearer_auth(&env.token)
            .body(json!({"address": other.address}).to_string()),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = env.get(&format!("/api/callback?address={}", hook.address)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(env.get("/api/callback").await.1["result"]["address"], hook.address.as_str());

    let (status, _) = env.delete("/api/callback").await;
    assert_eq!(status, 200);
    let (status, answer) = env.get("/api/callback").await;
    assert_eq!(status, 404, "{answer}");
    let (status, _) = env.delete("/api/callback").await;
    assert_eq!(status, 404);
    // Update of nothing is 404 too.
    let (status, _) = env.get(&format!("/api/callback?address={}", hook.address)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_subdivision_has_its_own_webhook_given_in_the_query() {
    let env = Env::start().await;
    let hook = Webhook::start().await;
    let url = format!("/api/callback?address={}&depart_oid={BRANCH_OID}", hook.address);
    let (status, answer) = send(env.http.post(env.url(&url)).bearer_auth(&env.token)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"]["depart_oid"], BRANCH_OID);
    let (status, _) = env.get(&format!("/api/callback?depart_oid={BRANCH_OID}")).await;
    assert_eq!(status, 200);
    let (status, _) = env.get("/api/callback").await;
    assert_eq!(status, 404, "the MO itself has none");
    let (status, _) = env.delete(&format!("/api/callback?depart_oid={BRANCH_OID}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn registration_fails_unless_the_probe_answers_200() {
    let env = Env::start().await;
    let hook = Webhook::start().await;
    for probe_status in [404, 500, 502, 400] {
        *hook.probe_status.lock().unwrap() = probe_status;
        let (status, answer) = env.post("/api/callback", &json!({"address": hook.address})).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["errorCode"], "CALLBACK_UNREACHABLE");
        assert!(answer["error"]["errorMessage"].as_str().unwrap().contains(&probe_status.to_string()));
    }
    // Nobody listening.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (status, _) = env.post("/api/callback", &json!({"address": dead})).await;
    assert_eq!(status, 400);
    for bad in [json!({"address": "ftp://example.org"}), json!({"address": "not a url"}), json!({"adress": "x"})] {
        let (status, answer) = env.post("/api/callback", &bad).await;
        assert_eq!(status, 400, "{bad}: {answer}");
    }
    let (status, _) = env.get("/api/callback").await;
    assert_eq!(status, 404, "nothing was registered");
}

#[tokio::test]
async fn check_reports_availability_without_registering() {
    let env = Env::start().await;
    let hook = Webhook::start().await;
    let (status, answer) = env.get(&format!("/api/callback/check?address={}", hook.address)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"]["available"], true, "{answer}");
    *hook.probe_status.lock().unwrap() = 503;
    let (_, answer) = env.get(&format!("/api/callback/check?address={}", hook.address)).await;
    assert_eq!(answer["result"]["available"], false, "{answer}");
    assert!(answer["result"]["reason"].as_str().unwrap().contains("503"));
    let (status, _) = env.get("/api/callback").await;
    assert_eq!(status, 404);
    let (status, _) = env.get("/api/callback/check").await;
    assert_eq!(status, 400);
}
