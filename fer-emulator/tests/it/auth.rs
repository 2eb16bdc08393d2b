//! `POST /auth.svc` and the token check (section 6), over real HTTP.

use fer_testkit::LogBuffer;
use std::time::Duration;

use crate::common::{Env, send};
use fer_emulator::{EmulatorConfig, Faults};
use fer_model::AuthResponse;
use serde_json::json;

#[tokio::test]
async fn the_spec_auth_request_form_gets_a_pascal_case_token() {
    let env = Env::start().await;
    // The spec's example pads the username with a leading space: accepted.
    let body = json!({"username": format!(" {}", env.emu.username()), "password": env.emu.password()});
    let (status, answer) = send(env.http.post(env.url("/auth.svc")).body(body.to_string())).await;
    assert_eq!(status, 200);
    let parsed: AuthResponse = serde_json::from_value(answer.clone()).unwrap();
    assert!(parsed.is_success && parsed.status_code == 200);
    let token = parsed.result.unwrap();
    assert!(token.valid_to > chrono::Utc::now() + chrono::Duration::minutes(59));
    assert!(answer["Result"]["ValidTo"].is_string() && answer["IsSuccess"] == true, "{answer}");
    // The token opens /api/...
    let (status, _) = send(env.http.get(env.url("/api/callback")).bearer_auth(token.value.expose())).await;
    assert_eq!(status, 404, "authorised, and no webhook registered yet");
}

#[tokio::test]
async fn wrong_credentials_and_malformed_requests_are_refused_in_the_auth_form() {
    let env = Env::start().await;
    let wrong = json!({"username": env.emu.username().as_str(), "password": "nope"});
    let (status, answer) = send(env.http.post(env.url("/auth.svc")).body(wrong.to_string())).await;
    assert_eq!(status, 401);
    let parsed: AuthResponse = serde_json::from_value(answer).unwrap();
    assert!(!parsed.is_success && parsed.result.is_none() && parsed.status_code == 401);

    let other_mo = json!({"username": "1.2.643.5.1.13.13.12.2.86.8902", "password": env.emu.password()});
    let (status, _) = send(env.http.post(env.url("/auth.svc")).body(other_mo.to_string())).await;
    assert_eq!(status, 401);

    for bad in ["{not json", "{\"username\": \"not an oid\", \"password\": \"x\"}", "[]"] {
        let (status, answer) = send(env.http.post(env.url("/auth.svc")).body(bad)).await;
        assert_eq!(status, 400, "{bad}: {answer}");
        assert_eq!(answer["IsSuccess"], false);
        assert!(answer["ErrorMessage"].as_str().unwrap().contains("username"), "{answer}");
    }
}

#[tokio::test]
async fn api_calls_without_a_valid_token_get_401_with_the_envelope() {
    let env = Env::start().await;
    let url = env.url("/api/slot?id=aaaaaaa1-5eff-49b8-9d07-ff2486162b3f");
    let cases = [
        env.http.get(&url),
        env.http.get(&url).bearer_auth("emu.never-issued"),
        env.http.get(&url).header("authorization", format!("Basic {}", env.token)),
        env.http.post(env.url("/api/slot")).body("{\"data\": []}"),
    ];
    for req in cases {
        let (status, answer) = send(req).await;
        assert_eq!(status, 401);
        assert_eq!(answer["statusCode"], 401);
        assert_eq!(answer["isSuccess"], false);
        assert_eq!(answer["error"]["errorCode"], "UNAUTHORIZED");
    }
    // The scheme word is case-insensitive.
    let (status, _) = send(env.http.get(&url).header("authorization", format!("bearer {}", env.token))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn expired_tokens_get_401() {
    // A lifetime of zero: every token is expired as soon as it is issued.
    let config = EmulatorConfig { token_lifetime: Duration::ZERO, ..EmulatorConfig::default() };
    let env = Env::with(config).await;
    let (status, answer) = env.get("/api/callback").await;
    assert_eq!(status, 401);
    assert!(answer["error"]["errorMessage"].as_str().unwrap().contains("истёк"), "{answer}");

    // The fault "token that expires early" acts on tokens issued from then on.
    env.emu.set_faults(Faults { token_lifetime_override: Some(Duration::ZERO), ..Faults::default() });
    let token = crate::common::login(&env.http, &env.emu).await;
    let (status, _) = send(env.http.get(env.url("/api/callback")).bearer_auth(&token)).await;
    assert_eq!(status, 401);
    env.emu.set_faults(Faults::default());
}

/// Everything the test binary's `tracing` subscriber writes at `warn` and above: the global
/// subscriber of this test binary, installed once: a scoped one misses events when
/// another test hits the same callsite first (tracing caches a callsite's interest).
fn warnings() -> &'static LogBuffer {
    static CAPTURED: std::sync::OnceLock<LogBuffer> = std::sync::OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = LogBuffer::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in this binary");
        captured
    })
}

/// Before: failed logins were silent and unlimited. After 5 wrong passwords in a row the 6th
/// login is 429 with `Retry-After`, even with the right password, until the backoff (short here)
/// has passed; then the right password works. Every refusal is a `warn` line with the username,
/// never the password (the account's own OID picks its lines out of the binary's log).
#[tokio::test]
async fn wrong_passwords_are_logged_without_the_password_and_throttled() {
    let captured = warnings();
    let account = "1.2.643.5.1.13.13.12.2.77.99123";
    let stranger_oid = "1.2.643.5.1.13.13.12.2.77.99124";
    let backoff = Duration::from_secs(3);
    let throttle = fer_emulator::LoginThrottle { max_failures: 5, backoff };
    let config = EmulatorConfig {
        username: account.parse().unwrap(),
        password: "Pw-right-7731".into(),
        login_throttle: throttle,
        ..EmulatorConfig::default()
    };
    let emu = fer_emulator::Emulator::spawn(config).await.unwrap();
    let http = reqwest::Client::new();
    let login = |password: &str| {
        let body = json!({"username": account, "password": password});
        http.post(format!("{}/auth.svc", emu.base_url())).body(body.to_string()).send()
    };
    for _ in 0..5 {
        assert_eq!(login("guess-Zx81q").await.unwrap().status(), 401);
    }
    let answer = login(emu.password()).await.unwrap();
    assert_eq!(answer.status(), 429);
    let retry_after: u64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=backoff.as_secs()).contains(&retry_after), "{retry_after}");
    let parsed: AuthResponse = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert!(!parsed.is_success && parsed.status_code == 429 && parsed.result.is_none());
    // An unknown account is just refused (and not counted).
    let stranger = json!({"username": stranger_oid, "password": "guess-Zx81q"});
    let (status, _) = send(http.post(format!("{}/auth.svc", emu.base_url())).body(stranger.to_string())).await;
    assert_eq!(status, 401);
    // Once the backoff has passed (waited for, not timed), the right password works again.
    tokio::time::sleep(backoff + Duration::from_millis(200)).await;
    assert_eq!(login(emu.password()).await.unwrap().status(), 200);
    assert_eq!(login("guess-Zx81q").await.unwrap().status(), 401, "the count started again");
    assert_eq!(login(emu.password()).await.unwrap().status(), 200);
    emu.shutdown().await;

    let logs = captured.contents();
    let ours = |oid: &str| logs.lines().filter(|l| l.contains("login refused") && l.contains(oid)).count();
    assert_eq!(ours(account), 7, "5 wrong, 1 throttled, 1 wrong after the backoff:\n{logs}");
    assert_eq!(ours(stranger_oid), 1, "{logs}");
    assert!(logs.lines().any(|l| l.contains("too many wrong passwords") && l.contains(account)), "{logs}");
    for secret in ["guess-Zx81q", "Pw-right-7731"] {
        assert!(!logs.contains(secret), "{secret} in the logs:\n{logs}");
    }
}
