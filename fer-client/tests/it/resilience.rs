//! Retries, timeouts and token refresh against a real emulator (with its fault injection) and a
//! real silent TCP peer on 127.0.0.1.

use std::time::Duration;

use fer_client::{Error, RetryPolicy, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, Faults};
use fer_model::{Slot, Table};

#[tokio::test]
async fn a_burst_of_503_is_absorbed_by_the_retries() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).batch_size(10).concurrency(1).build().unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 2, 50);
    emulator.set_faults(Faults { unavailable_ratio: 0.3, seed: 7, ..Faults::default() });
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    assert_eq!(emulator.count(Table::Slot), 100);
    let statuses: Vec<Option<u16>> = crate::common::inbound(&emulator).into_iter().map(|(_, _, s)| s).collect();
    assert!(statuses.contains(&Some(503)), "no 503 was injected: {statuses:?}");
}

#[tokio::test]
async fn maintenance_that_outlasts_the_retries_is_a_typed_error_and_every_id_is_reported() {
    let emulator = crate::common::emulator().await;
    emulator.set_faults(Faults { unavailable_ratio: 1.0, ..Faults::default() });
    let quick = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let client = crate::common::client_builder(&emulator).retry(quick).batch_size(5).build().unwrap();
    let err = client.get::<Slot>(&crate::common::guid(3, 1)).await.unwrap_err();
    assert!(matches!(err, Error::Maintenance { .. }), "{err:?}");

    let dataset = crate::common::schedule(emulator.username(), 1, 1, 12);
    // Nothing got through: the upload is the error of the call, not a report of failures.
    let err = client.upsert(&dataset.slot).await.unwrap_err();
    assert!(matches!(err, Error::Maintenance { .. }), "{err:?}");
    // Three attempts per call, never more.
    let auth_calls = crate::common::inbound(&emulator).iter().filter(|(_, p, _)| p == "/auth.svc").count();
    assert_eq!(auth_calls % 3, 0, "{auth_calls}");
}

#[tokio::test]
async fn dropped_connections_are_retried() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).batch_size(10).concurrency(2).build().unwrap();
    emulator.set_faults(Faults { drop_ratio: 0.3, seed: 11, ..Faults::default() });
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 60);
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    assert_eq!(emulator.count(Table::Slot), 60);
}

#[tokio::test]
async fn a_server_that_never_answers_surfaces_as_a_timeout() {
    let peer = crate::common::silent_peer().await;
    let client = VitrinaClient::builder()
        .base_url(&peer)
        .credentials("1.2.643.5.1.13.13.12.2.77.7777".parse().unwrap(), "pw")
        .request_timeout(Duration::from_millis(200))
        .retry(RetryPolicy { max_attempts: 2, initial_backoff: Duration::from_millis(1), ..RetryPolicy::default() })
        .build()
        .unwrap();
    let err = client.get::<Slot>(&crate::common::guid(3, 1)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("no answer within"), "{err}");

    let slots = crate::common::schedule(&"1.2.643.5.1.13.13.12.2.77.7777".parse().unwrap(), 1, 1, 3).slot;
    let err = client.upsert(&slots).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn token_expiring_in_the_middle_of_an_upload_is_replaced() {
    let emulator = crate::common::emulator().await;
    // Tokens live one second (and ValidTo says so); every answer takes 100 ms; the client keeps a
    // token until ValidTo, so tokens run out while batches are in flight.
    emulator.set_faults(Faults {
        token_lifetime_override: Some(Duration::from_secs(1)),
        latency: Duration::from_millis(100),
        ..Faults::default()
    });
    let client = crate::common::client_builder(&emulator)
        .refresh_margin(Duration::ZERO)
        .batch_size(4)
        .concurrency(2)
        .build()
        .unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 2, 40);
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    assert_eq!(emulator.count(Table::Slot), 80);
    let auth_calls = crate::common::inbound(&emulator).iter().filter(|(_, p, _)| p == "/auth.svc").count();
    assert!(auth_calls >= 2, "the token was never renewed ({auth_calls} auth call)");
}

#[tokio::test]
async fn a_refused_token_is_refreshed_once_and_the_call_repeated() {
    // Tokens do not survive a restart of the gateway: the client's cached token becomes unknown.
    let first = crate::common::emulator().await;
    let addr = first.local_addr();
    let client = crate::common::client_builder(&first).build().unwrap();
    let mo = crate::common::mo(1, first.username());
    assert!(client.upsert(std::slice::from_ref(&mo)).await.unwrap().all_accepted());
    first.shutdown().await;

    let second = Emulator::spawn(EmulatorConfig { listen: addr, ..EmulatorConfig::default() }).await.unwrap();
    let report = client.upsert(std::slice::from_ref(&mo)).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    let calls: Vec<(String, Option<u16>)> =
        crate::common::inbound(&second).into_iter().map(|(_, p, s)| (p, s)).collect();
    assert_eq!(
        calls,
        vec![("/api/mo".into(), Some(401)), ("/auth.svc".into(), Some(200)), ("/api/mo".into(), Some(200))]
    );
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error_of_the_call_and_of_the_upload() {
    let emulator = crate::common::emulator().await;
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), "wrong password")
        .build()
        .unwrap();
    let err = client.get::<Slot>(&crate::common::guid(3, 1)).await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("wrong password"));

    let slots = crate::common::schedule(emulator.username(), 1, 1, 5).slot;
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), "wrong password")
        .batch_size(1)
        .concurrency(1)
        .build()
        .unwrap();
    let err = client.upsert(&slots).await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    // The first refusal stops the upload: the remaining batches do not knock again.
    let auth_calls = crate::common::inbound(&emulator).iter().filter(|(_, p, _)| p == "/auth.svc").count();
    assert_eq!(auth_calls, 2, "one for get, one for the upload");
}

#[tokio::test]
async fn an_answer_that_is_not_the_vitrinas_is_an_undecodable_answer_error() {
    // A real HTTP peer that answers `{}` to everything: not an auth answer, not an envelope.
    let peer = crate::common::webhook_peer().await;
    let client = VitrinaClient::builder()
        .base_url(&peer)
        .credentials("1.2.643.5.1.13.13.12.2.77.7777".parse().unwrap(), "pw")
        .build()
        .unwrap();
    let err = client.get::<Slot>(&crate::common::guid(3, 1)).await.unwrap_err();
    match &err {
        // The auth answer is never quoted: it would hold the token.
        Error::Decode { status: 200, excerpt, .. } => assert!(excerpt.contains("withheld"), "{err}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_token() {
    let emulator = crate::common::emulator().await;
    // Slow answers, so that every caller arrives while the first token is being fetched.
    emulator.set_faults(Faults { latency: Duration::from_millis(100), ..Faults::default() });
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.get::<Slot>(&crate::common::guid(3, n)).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), None);
    }
    let auth_calls = crate::common::inbound(&emulator).iter().filter(|(_, p, _)| p == "/auth.svc").count();
    assert_eq!(auth_calls, 1);
}

#[tokio::test]
async fn the_token_is_renewed_before_valid_to_without_a_refusal() {
    let emulator = crate::common::emulator().await;
    // Tokens live two seconds; the client renews at half-life (the default margin of 60 s is longer
    // than the token), so no call ever carries an expired token.
    emulator.set_faults(Faults {
        token_lifetime_override: Some(Duration::from_secs(2)),
        latency: Duration::from_millis(100),
        ..Faults::default()
    });
    let client = crate::common::client_builder(&emulator).batch_size(2).concurrency(1).build().unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 30);
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    let calls = crate::common::inbound(&emulator);
    assert!(calls.iter().filter(|(_, p, _)| p == "/auth.svc").count() >= 2, "never renewed");
    assert!(calls.iter().all(|(_, _, s)| *s != Some(401)), "a call carried an expired token: {calls:?}");
}
