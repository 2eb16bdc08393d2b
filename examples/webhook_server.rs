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

use std::net::SocketAddr;

use clap::Parser;
use fer_examples::DemoMis;
use fer_webhook::{AllowList, Idempotent, WebhookConfig, WebhookService};

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
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("webhook listening on http://{}/booking/book", listener.local_addr()?);
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    fer_webhook::serve_with_shutdown(listener, service, ctrl_c).await;
    Ok(())
}
