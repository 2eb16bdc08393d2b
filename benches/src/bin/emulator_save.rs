//! The latency of an unrelated emulator route while the state file of a large region is being
//! saved (before: a 64,400-slot state made an unrelated route go from 0.9 ms to a 111 ms median).
//!
//! An emulator with a state file holds a region of SLOTS slots (default 64,400). A writer task then
//! upserts one slot again and again: every upsert rewrites the whole state file. Meanwhile SAMPLES
//! reads (default 400) of another slot, `GET /api/slot?id=`, are timed one after the other. The
//! same reads are timed first with no writer (idle). Bounded by the counts; no assertion.
//!
//! `cargo run --release -p fer-benches --bin emulator_save -- [SLOTS] [SAMPLES]`

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fer_client::{Preflight, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Oid, Table};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let count = args.next().transpose()?.unwrap_or(64_400);
    let samples = args.next().transpose()?.unwrap_or(400);

    let dir = tempfile::tempdir()?;
    let state = dir.path().join("vitrina.json");
    let config = EmulatorConfig { state_file: Some(state.clone()), ..EmulatorConfig::default() };
    let emulator = Emulator::spawn(config).await?;
    let org: Oid = emulator.username().clone();
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(org.clone(), emulator.password())
        .preflight(Preflight::Off)
        .build()?;

    // The region: one subdivision, the resources the flat slot run names, `count` slots.
    let fer_benches::inputs::FlatRegion { mo, resources, slots } = fer_benches::inputs::FlatRegion::new(&org, count)?;
    let started = Instant::now();
    client.upsert(&[mo]).await?;
    client.upsert(&resources).await?;
    let report = client.upsert(&slots).await?;
    println!(
        "region: {} slots on the emulator ({} accepted) in {:.1} s; state file {:.1} MB",
        emulator.count(Table::Slot),
        report.accepted().count(),
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&state)?.len() as f64 / 1e6
    );

    let http = reqwest::Client::new();
    let login = serde_json::json!({"username": org.as_str(), "password": emulator.password()});
    let answer = http.post(format!("{}/auth.svc", emulator.base_url())).body(login.to_string()).send().await?;
    let answer: serde_json::Value = serde_json::from_slice(&answer.bytes().await?)?;
    let token = answer["Result"]["Value"].as_str().unwrap_or_default().to_owned();
    let read_url = format!("{}/api/slot?id={}", emulator.base_url(), slots[1].id);

    let idle = sample(&http, &read_url, &token, samples).await?;
    report_line("idle", &idle, None);

    // The writer: one slot upserted again and again, each a save of the whole state.
    let stop = Arc::new(AtomicBool::new(false));
    let saves = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (stop, saves) = (stop.clone(), saves.clone());
        let body = serde_json::to_vec(&serde_json::json!({"data": [slots[0]]}))?;
        let (http, token) = (http.clone(), token.clone());
        let url = format!("{}/api/slot", emulator.base_url());
        tokio::spawn(async move {
            let mut own = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let started = Instant::now();
                let sent = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                if sent.is_ok_and(|r| r.status().is_success()) {
                    own.push(started.elapsed());
                    saves.fetch_add(1, Ordering::Relaxed);
                }
            }
            own
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let during = sample(&http, &read_url, &token, samples).await?;
    stop.store(true, Ordering::Relaxed);
    let own = writer.await?;
    report_line("during saves", &during, Some(saves.load(Ordering::Relaxed)));
    report_line("the writer's own upsert (until durable)", &own, None);
    emulator.shutdown().await;
    Ok(())
}

/// Times `samples` reads of `url`, one after the other, 2 ms apart.
async fn sample(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    samples: usize,
) -> Result<Vec<Duration>, reqwest::Error> {
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let started = Instant::now();
        let answer = http.get(url).bearer_auth(token).send().await?;
        answer.bytes().await?;
        times.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(times)
}

fn report_line(what: &str, times: &[Duration], saves: Option<usize>) {
    let mut sorted = times.to_vec();
    sorted.sort_unstable();
    let at = |q: f64| sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let saves = saves.map(|n| format!(", {n} saves meanwhile")).unwrap_or_default();
    println!(
        "{what}: {} samples, p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms{saves}",
        sorted.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(at(1.0))
    );
}
