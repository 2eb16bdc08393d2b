//! Fault injection for client tests: 503 answers, latency, dropped connections, deterministic from
//! a seed.

use std::time::Duration;

use crate::common::Env;
use fer_emulator::Faults;
use serde_json::json;

#[tokio::test]
async fn all_answers_503_then_back_to_normal() {
    let env = Env::start().await;
    env.emu.set_faults(Faults { unavailable_ratio: 1.0, ..Faults::default() });
    let (status, answer) = env.post("/api/slot", &json!({"data": []})).await;
    assert_eq!(status, 503);
    assert_eq!(answer["statusCode"], 503);
    assert_eq!(answer["error"]["errorCode"], "UNAVAILABLE");
    let (status, _) = crate::common::send(env.http.post(env.url("/auth.svc")).body("{}")).await;
    assert_eq!(status, 503, "the auth service is faulted too");
    // The gateway's sandbox is the emulator's control side: never faulted.
    let (status, _) = crate::common::send(env.http.get(env.url("/sandbox/journal"))).await;
    assert_eq!(status, 200);
    env.emu.set_faults(Faults::default());
    let (status, _) = env.post("/api/slot", &json!({"data": []})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_share_of_503_is_the_same_for_the_same_seed() {
    let env = Env::start().await;
    let faults = Faults { unavailable_ratio: 0.5, seed: 42, ..Faults::default() };
    let mut runs = Vec::new();
    for _ in 0..2 {
        env.emu.set_faults(faults.clone());
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(env.get("/api/callback").await.0);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&503) && runs[0].contains(&404), "{:?}", runs[0]);
}

#[tokio::test]
async fn latency_delays_but_still_answers() {
    let env = Env::start().await;
    env.emu.set_faults(Faults { latency: Duration::from_millis(50), ..Faults::default() });
    let (status, _) = env.post("/api/slot", &json!({"data": []})).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn dropped_connections_are_transport_errors() {
    let env = Env::start().await;
    env.emu.set_faults(Faults { drop_ratio: 1.0, ..Faults::default() });
    // A fresh client, so that no pooled connection from the login is reused.
    let client = reqwest::Client::new();
    let err =
        client.post(env.url("/api/slot")).bearer_auth(&env.token).body("{\"data\": []}").send().await.unwrap_err();
    assert!(err.is_request() || err.is_connect() || err.is_body(), "{err:?}");
    env.emu.set_faults(Faults::default());
    let (status, _) =
        crate::common::send(client.post(env.url("/api/slot")).bearer_auth(&env.token).body("{\"data\": []}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn faults_can_be_driven_over_http() {
    let env = Env::start().await;
    let url = env.url("/sandbox/faults");
    let (status, current) = crate::common::send(env.http.get(&url)).await;
    assert_eq!(status, 200);
    assert_eq!(current["unavailable_ratio"], 0.0);
    let (status, applied) =
        crate::common::send(env.http.put(&url).body(json!({"unavailable_ratio": 1.0, "seed": 3}).to_string())).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(env.emu.faults().unavailable_ratio, 1.0);
    assert_eq!(env.emu.faults().seed, 3);
    let (status, _) = env.get("/api/callback").await;
    assert_eq!(status, 503);
    for bad in [json!({"drop_ratio": 2.0}), json!({"latency": 5}), json!("off")] {
        let (status, answer) = crate::common::send(env.http.put(&url).body(bad.to_string())).await;
        assert_eq!(status, 400, "{bad}: {answer}");
    }
    let (status, _) = crate::common::send(env.http.put(&url).body("{}")).await;
    assert_eq!(status, 200);
    assert!(env.emu.faults().is_off());
}
