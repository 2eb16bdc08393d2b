//! The axum adapter (which mounts the tower adapter) over real HTTP.

use std::net::SocketAddr;

use crate::common::*;
use fer_webhook::*;
use reqwest::Method;

async fn serve_axum(app: axum::Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await });
    Server { url, client: reqwest::Client::new() }
}

#[tokio::test]
async fn axum_router_merges_into_an_application() {
    let loopback: AllowList = "127.0.0.1, ::1".parse().unwrap();
    let config = WebhookConfig { allow_list: Some(loopback), ..WebhookConfig::default() };
    let service = WebhookService::new(TestMis::new(Mode::Normal)).with_config(config);
    let app = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .merge(adapters::axum::router(service.clone()));
    let server = serve_axum(app).await;

    assert_eq!(server.request(Method::GET, "/health").send().await.unwrap().status(), 200);
    assert_eq!(send(server.request(Method::GET, "/booking/book")).await.0, 200);
    let (status, json) = send(server.post("/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 0);
    // ConnectInfo reached the allow-list and the handler.
    assert!(service.handler().last_remote.lock().unwrap().is_some_and(|a| a.ip().is_loopback()));

    let request =
        server.post("/booking/book", gzip(&fixture("booking_request.json"))).header("content-encoding", "gzip");
    let (_, json) = send(request).await;
    assert_eq!(json["status"]["status_code"], 11, "the slot is taken now");

    let (status, json) = send(server.request(Method::DELETE, "/booking/cancel")).await;
    assert_eq!(status, 405);
    assert_eq!(json["error"]["code"], "method_not_allowed");
}

#[tokio::test]
async fn axum_nest_strips_the_prefix() {
    let service = WebhookService::new(TestMis::new(Mode::Panic));
    let app = axum::Router::new().nest("/fer", adapters::axum::router(service));
    let server = serve_axum(app).await;
    assert_eq!(send(server.request(Method::GET, "/fer/booking/book")).await.0, 200);
    let (status, json) = send(server.post("/fer/booking/book", fixture("booking_request.json"))).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"]["status_code"], 18, "a panicking handler under axum");
    let (status, _) = send(server.request(Method::GET, "/fer/booking/book")).await;
    assert_eq!(status, 200, "the server lives on");
}

#[tokio::test]
async fn allow_list_without_connect_info_refuses() {
    // Served without ConnectInfo, the peer address is unknown: a configured list refuses.
    let config = WebhookConfig { allow_list: Some("127.0.0.1".parse().unwrap()), ..WebhookConfig::default() };
    let app = adapters::axum::router(WebhookService::new(TestMis::new(Mode::Normal)).with_config(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let server = Server { url, client: reqwest::Client::new() };
    let (status, json) = send(server.request(Method::GET, "/booking/book")).await;
    assert_eq!(status, 403);
    let message = json["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("source address unknown"), "{message}");
    assert!(message.contains("into_make_service_with_connect_info::<SocketAddr>()"), "{message}");
    assert_eq!(message, WebhookError::Forbidden { addr: None }.to_string());
}
