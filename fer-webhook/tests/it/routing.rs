//! One routing behaviour for every adapter: the hyper `serve`, the axum router served by
//! `adapters::axum::serve`, and the axum router alone under `axum::serve`. Trailing slashes, the
//! JSON 404 and 405 bodies, and two `Content-Encoding` headers are answered byte for byte alike.

use std::net::SocketAddr;

use crate::common::*;
use crate::connections::{Adapter, Running};
use fer_webhook::*;
use reqwest::Method;

/// The router with no fallback, under axum's own server: paths under `/booking` must still be the
/// service's.
async fn bare_router() -> String {
    let service = WebhookService::new(TestMis::new(Mode::Normal));
    let app = adapters::axum::router(service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await });
    url
}

/// Status, `Allow` header and body of one call (the request id is fixed, so bodies compare whole).
async fn answer(url: &str, method: Method, path: &str, encodings: &[&str]) -> (u16, Option<String>, String) {
    let client = reqwest::Client::new();
    let mut request = client
        .request(method.clone(), format!("{url}{path}"))
        .header("x-request-id", "same-id")
        .header("content-type", "application/json");
    for encoding in encodings {
        request = request.header("content-encoding", *encoding);
    }
    if method == Method::POST {
        let body = fixture("booking_request.json");
        request = request.body(if encodings.contains(&"gzip") { gzip(&gzip(&body)) } else { body });
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    (status, allow, response.text().await.unwrap())
}

#[tokio::test]
async fn every_adapter_routes_alike() {
    let hyper = Running::start(Adapter::Hyper, WebhookConfig::default(), ServeConfig::default()).await;
    let axum = Running::start(Adapter::Axum, WebhookConfig::default(), ServeConfig::default()).await;
    let bare = bare_router().await;
    let probes: &[(Method, &str, &[&str])] = &[
        (Method::GET, "/booking/book", &[]),
        (Method::GET, "/booking/book/", &[]),
        (Method::HEAD, "/booking/book/", &[]),
        (Method::GET, "/booking/cancel/", &[]),
        (Method::PUT, "/booking/book/", &[]),
        (Method::GET, "/booking/nope", &[]),
        (Method::GET, "/booking/book/extra", &[]),
        (Method::GET, "/booking", &[]),
        (Method::GET, "/booking/", &[]),
        (Method::POST, "/booking/book/", &["gzip", "gzip"]),
        (Method::POST, "/booking/cancel", &["gzip", "gzip"]),
    ];
    for (method, path, encodings) in probes {
        let reference = answer(&hyper.url(), method.clone(), path, encodings).await;
        for (name, url) in [("axum::serve of fer-webhook", axum.url()), ("the bare router", bare.clone())] {
            let other = answer(&url, method.clone(), path, encodings).await;
            assert_eq!(other, reference, "{method} {path} {encodings:?}: {name} differs from the hyper serve");
        }
    }
    // What the answers are.
    let (status, _, body) = answer(&hyper.url(), Method::GET, "/booking/book/", &[]).await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, _, body) = answer(&hyper.url(), Method::GET, "/booking/nope", &[]).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((status, json["error"]["code"].as_str()), (404, Some("not_found")), "{body}");
    let (status, allow, _) = answer(&hyper.url(), Method::PUT, "/booking/book/", &[]).await;
    assert_eq!((status, allow.as_deref()), (405, Some("GET, HEAD, POST")));
    // Two Content-Encoding headers that each say gzip: a clear 415, whichever route.
    let (status, _, body) = answer(&hyper.url(), Method::POST, "/booking/book/", &["gzip", "gzip"]).await;
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 415, "{body}");
    assert_eq!(json["error"]["code"], "repeated_content_encoding");
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.contains("\"gzip, gzip\" applies gzip more than once"), "{message}");
    assert!(message.contains("one Content-Encoding header"), "{message}");
    // Outside /booking, the served application (with the service as fallback) answers the same 404.
    let outside = answer(&axum.url(), Method::GET, "/elsewhere/", &[]).await;
    assert_eq!(outside, answer(&hyper.url(), Method::GET, "/elsewhere/", &[]).await);
    assert_eq!(outside.0, 404);
    hyper.stop().await;
    axum.stop().await;
}
