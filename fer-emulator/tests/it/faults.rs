//! Fault injection for client tests: 503 answers, latency, dropped connections, deterministic from
//! a seed.

use std::time::Duration;

use crate::common::Env;
use fer_emulator::{EmulatorConfig, EmulatorError, Faults};
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

/// Before: `drop_ratio: 1` also dropped the sandbox route that would undo it. Faults apply to
/// the Vitrina's requests only: the controls stay reachable under any setting, and a dropped
/// request is journaled without a status.
#[tokio::test]
async fn no_fault_locks_the_operator_out_of_the_sandbox() {
    let env = Env::start().await;
    let url = env.url("/sandbox/faults");
    let all = json!({"drop_ratio": 1.0, "unavailable_ratio": 1.0, "latency_ms": 0});
    let (status, _) = crate::common::send(env.http.put(&url).body(all.to_string())).await;
    assert_eq!(status, 200);
    // A fresh client for every call, so that no pooled connection hides the drop.
    let err = reqwest::Client::new().get(env.url("/api/callback")).bearer_auth(&env.token).send().await.unwrap_err();
    assert!(err.is_request() || err.is_connect() || err.is_body(), "{err:?}");
    for _ in 0..3 {
        let (status, current) = crate::common::send(reqwest::Client::new().get(&url)).await;
        assert_eq!((status, current["drop_ratio"].as_f64()), (200, Some(1.0)));
        let (status, _) = crate::common::send(reqwest::Client::new().get(env.url("/sandbox/journal"))).await;
        assert_eq!(status, 200);
    }
    let dropped = env.emu.journal().into_iter().find(|e| e.url == "/api/callback").unwrap();
    assert_eq!(dropped.status, None);
    assert!(dropped.error.unwrap().contains("fault injection"));
    let (status, _) = crate::common::send(reqwest::Client::new().put(&url).body("{}")).await;
    assert_eq!(status, 200);
    let (status, _) =
        crate::common::send(reqwest::Client::new().get(env.url("/api/callback")).bearer_auth(&env.token)).await;
    assert_eq!(status, 404, "back to normal: no webhook registered");
}

/// Before: a `token_lifetime_secs` out of range panicked on every login. It is refused where it
/// is set: at start, and with 400 at the sandbox; a library caller's override is cut, never a panic.
#[tokio::test]
async fn a_token_lifetime_out_of_range_is_refused_not_a_panic() {
    let long = EmulatorConfig { token_lifetime: Duration::from_secs(u64::MAX), ..EmulatorConfig::default() };
    let err = fer_emulator::Emulator::spawn(long).await.unwrap_err();
    assert!(matches!(err, EmulatorError::Config(_)) && err.to_string().contains("token_lifetime"), "{err}");
    let faulted = EmulatorConfig {
        faults: Faults { token_lifetime_override: Some(Duration::MAX), ..Faults::default() },
        ..EmulatorConfig::default()
    };
    assert!(matches!(fer_emulator::Emulator::spawn(faulted).await, Err(EmulatorError::Config(_))));

    let env = Env::start().await;
    let url = env.url("/sandbox/faults");
    let (status, answer) =
        crate::common::send(env.http.put(&url).body(json!({"token_lifetime_secs": u64::MAX}).to_string())).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().contains("token_lifetime_secs"), "{answer}");
    env.emu.set_faults(Faults { token_lifetime_override: Some(Duration::MAX), ..Faults::default() });
    let token = crate::common::login(&env.http, &env.emu).await;
    let (status, _) = crate::common::send(env.http.get(env.url("/api/callback")).bearer_auth(&token)).await;
    assert_eq!(status, 404, "the token works");
}

/// Beyond loopback the sandbox needs a key: the emulator refuses to start without one (before it
/// binds). With a key, each sandbox request needs it or a Vitrina token; the Vitrina is unchanged.
#[tokio::test]
async fn the_sandbox_needs_its_key_when_one_is_set_and_beyond_loopback() {
    let open = EmulatorConfig { listen: "0.0.0.0:0".parse().unwrap(), ..EmulatorConfig::default() };
    let err = fer_emulator::Emulator::spawn(open).await.unwrap_err();
    assert!(matches!(err, EmulatorError::Config(_)) && err.to_string().contains("sandbox_key"), "{err}");
    let blank = EmulatorConfig { sandbox_key: Some(" ".into()), ..EmulatorConfig::default() };
    assert!(matches!(fer_emulator::Emulator::spawn(blank).await, Err(EmulatorError::Config(_))));

    let env =
        Env::with(EmulatorConfig { sandbox_key: Some("k3y-for-tests".into()), ..EmulatorConfig::default() }).await;
    assert!(env.emu.sandbox_key_required());
    assert!(
        !format!("{:?}", EmulatorConfig { sandbox_key: Some("k3y-for-tests".into()), ..EmulatorConfig::default() })
            .contains("k3y")
    );
    for (method, path) in [("GET", "/sandbox/faults"), ("GET", "/sandbox/journal"), ("POST", "/sandbox/portal/patient")]
    {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let call = || env.http.request(method.clone(), env.url(path)).body("{}");
        let (status, answer) = crate::common::send(call()).await;
        assert_eq!(status, 401, "{path}: {answer}");
        assert_eq!(answer["error"]["kind"], "unauthorized");
        let (status, _) = crate::common::send(call().header(fer_emulator::SANDBOX_KEY_HEADER, "wrong")).await;
        assert_eq!(status, 401, "{path}");
        let (status, answer) =
            crate::common::send(call().header(fer_emulator::SANDBOX_KEY_HEADER, "k3y-for-tests")).await;
        assert_ne!(status, 401, "{path}: {answer}");
        let (status, answer) = crate::common::send(call().bearer_auth(&env.token)).await;
        assert_ne!(status, 401, "{path}: {answer}");
    }
    // The Vitrina routes keep their own auth.
    let (status, _) = env.get("/api/callback").await;
    assert_eq!(status, 404);
}
