//! An in-memory MIS answering the FER gateway's booking webhook (section 7 of the Vitrina profile):
//! a few doctors and their slots, the business rules behind codes 11–18, and fer-webhook for
//! everything else (routing, limits, gzip, validation, deadline, panic guard, idempotency).
//!
//! ```text
//! cargo run -p fer-examples --example webhook_server -- --listen 127.0.0.1:8080
//! curl -i http://127.0.0.1:8080/booking/book
//! curl -s -H 'content-type: application/json' -d @fixtures/spec/004/booking_request.json \
//!      http://127.0.0.1:8080/booking/book
//! ```
//!
//! The MIS is [`fer_examples::DemoMis`]; the spec's example request books its first slot. Register the webhook with the Vitrina
//! (`POST /api/callback`, or `fer-emulator`) to be called by the gateway.
//!
//! It is served by `fer_webhook::adapters::axum::serve`: a header-read timeout, an idle timeout, a
//! cap on connections, the allow-list applied at accept, HTTP/1.1 only ([`fer_webhook::ServeConfig`],
//! its defaults here); SIGINT or SIGTERM stop it after the calls in progress are answered (at most
//! `ServeConfig::shutdown_grace`). Other paths answer the webhook's JSON 404.
//!
//! `GET /openapi.json` serves the webhook's OpenAPI 3.1 document (`fer_model::openapi::mis_webhook`,
//! also `openapi/mis-webhook.yaml`), pointed at this server, for Swagger UI, Postman or schemathesis.

use std::net::SocketAddr;

use axum::Json;
use axum::routing::get;
use clap::Parser;
use fer_examples::DemoMis;
use fer_webhook::{AllowList, Idempotent, ServeConfig, WebhookConfig, WebhookService};
use serde_json::{Value, json};

/// Command line.
#[derive(Debug, Parser)]
#[command(about = "An in-memory MIS serving the FER 2.0 booking webhook")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Only these source addresses or networks may call (the gateway's, section 10), separated by
    /// commas; everyone when absent.
    #[arg(long, env = "FER_WEBHOOK_ALLOW")]
    allow: Option<AllowList>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    let args = Args::parse();
    let mis = DemoMis::sample();
    println!("MIS schedule:");
    for (id, slot) in mis.schedule() {
        let d = &mis.doctors()[slot.doctor];
        println!("  slot {id}  {}  {} ({}), {}", slot.visit_time, d.name, d.speciality, slot.tag_age);
    }

    let config = WebhookConfig { allow_list: args.allow, ..WebhookConfig::default() };
    let service = WebhookService::new(Idempotent::in_memory(mis)).with_config(config);
    let allow_list = service.config().allow_list.clone();
    let app = fer_webhook::adapters::axum::router(service.clone())
        .route("/openapi.json", get(openapi))
        .fallback_service(service);
    // A listen backlog of 4,096 (tokio's default is 1,024): see `fer_webhook::bind`.
    let listener = fer_webhook::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    println!("webhook listening on http://{addr}/booking/book (OpenAPI document: http://{addr}/openapi.json)");
    fer_webhook::adapters::axum::serve(
        listener,
        app,
        allow_list,
        ServeConfig::default(),
        fer_webhook::shutdown_signal(),
    )
    .await;
    println!("webhook stopped");
    Ok(())
}

/// `GET /openapi.json`: the webhook's document, its server being the address the request came to.
async fn openapi(headers: axum::http::HeaderMap) -> Json<Value> {
    let mut document = fer_model::openapi::mis_webhook();
    if let Some(host) = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()) {
        document["servers"] = json!([{ "url": format!("http://{host}"), "description": "webhook_server example" }]);
    }
    Json(document)
}
