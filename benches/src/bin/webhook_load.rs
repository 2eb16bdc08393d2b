//! The webhook under concurrency: bookings/s and latency percentiles with 200 keep-alive
//! connections over loopback, for `Idempotent` over each store (in memory, a SQLite file,
//! PostgreSQL with its default durability). No assertions; the figures of BENCHMARKS.md.
//!
//! Each connection sends bookings one after another (HTTP/1.1 keep-alive, a hand-written client
//! so that the client costs little of the shared cores): the spec's booking request with a slot
//! of its own per call (a new `BookingKey`, so the handler books and the store saves), and every
//! tenth call a repeat of the connection's previous booking (answered from the store). Each
//! store is driven for a warm-up second, then for the measured window.
//!
//! `cargo run --release -p fer-benches --bin webhook_load -- [--seconds 10] [--connections 200]
//! [--stores memory,sqlite,postgres] [--pg-pool 32]`

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fer_benches::inputs::{BOOKING_REQUEST, BenchMis};
use fer_webhook::{IdempotencyStore, Idempotent, MemoryStore, PostgresStore, SqliteStore, WebhookService};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// The slot id of the spec's request, replaced per call.
const FIXTURE_SLOT: &str = "b10902d0-e331-11ed-8d9e-60123c4747d1";

/// Every how many calls a connection repeats its previous booking.
const REPEAT_EVERY: u64 = 10;

struct Settings {
    seconds: u64,
    connections: usize,
    stores: Vec<String>,
    pg_pool: u32,
}

fn settings() -> Settings {
    let mut s = Settings {
        seconds: 10,
        connections: 200,
        stores: vec!["memory".into(), "sqlite".into(), "postgres".into()],
        pg_pool: 32,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => s.seconds = value().parse().expect("--seconds N"),
            "--connections" => s.connections = value().parse().expect("--connections N"),
            "--stores" => s.stores = value().split(',').map(str::to_owned).collect(),
            "--pg-pool" => s.pg_pool = value().parse().expect("--pg-pool N"),
            other => panic!("unknown argument {other}"),
        }
    }
    s
}

/// What one connection measured.
#[derive(Default)]
struct Tally {
    /// Latencies of the calls answered in the measured window, in microseconds.
    latencies: Vec<u32>,
    /// Answers that were not a confirmation (status_code 0).
    refused: u64,
    /// Connection or HTTP failures.
    failed: u64,
}

/// One keep-alive connection sending bookings until `stop`; counts only after `measuring`.
async fn drive(addr: SocketAddr, conn: u64, measuring: Arc<AtomicBool>, stop: Arc<AtomicBool>) -> Tally {
    let mut tally = Tally::default();
    let Ok(stream) = TcpStream::connect(addr).await else {
        tally.failed += 1;
        return tally;
    };
    let _ = stream.set_nodelay(true);
    let mut stream = BufReader::new(stream);
    let mut line = String::new();
    let mut body = Vec::new();
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        seq += 1;
        // A repeat of the previous booking every tenth call, else a new slot.
        let n = if seq.is_multiple_of(REPEAT_EVERY) { seq - 1 } else { seq };
        let slot = fer_model::Guid::from_u128((u128::from(conn) << 64) | u128::from(n)).to_string();
        let json = BOOKING_REQUEST.replace(FIXTURE_SLOT, &slot);
        let request = format!(
            "POST /booking/book HTTP/1.1\r\nHost: webhook\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
            json.len()
        );
        let started = Instant::now();
        if stream.get_mut().write_all(request.as_bytes()).await.is_err() {
            tally.failed += 1;
            return tally;
        }
        // The answer's head, then its body (Content-Length).
        let mut length = None;
        let mut ok_status = false;
        loop {
            line.clear();
            match stream.read_line(&mut line).await {
                Ok(0) | Err(_) => {
                    tally.failed += 1;
                    return tally;
                }
                Ok(_) => {}
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if header.starts_with("HTTP/1.1 ") {
                ok_status = header.starts_with("HTTP/1.1 200");
            } else if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        body.resize(length.unwrap_or(0), 0);
        if stream.read_exact(&mut body).await.is_err() {
            tally.failed += 1;
            return tally;
        }
        let elapsed = started.elapsed();
        if measuring.load(Ordering::Relaxed) {
            tally.latencies.push(u32::try_from(elapsed.as_micros()).unwrap_or(u32::MAX));
            let confirmed = ok_status && memchr_status_zero(&body);
            if !confirmed {
                tally.refused += 1;
            }
        }
    }
    tally
}

/// Whether the answer is a confirmation (`"status_code":0`).
fn memchr_status_zero(body: &[u8]) -> bool {
    body.windows(15).any(|w| w == b"\"status_code\":0")
}

/// The figures of one store.
struct Figures {
    store: String,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    calls: usize,
    refused: u64,
    failed: u64,
}

async fn run_store<S: IdempotencyStore + 'static>(name: &str, store: S, settings: &Settings) -> Figures {
    let listener = fer_webhook::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let service = WebhookService::new(Idempotent::new(BenchMis, store));
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(fer_webhook::serve_with_shutdown(listener, service, async {
        let _ = stopped.await;
    }));
    let measuring = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let drivers: Vec<_> = (0..settings.connections as u64)
        .map(|conn| tokio::spawn(drive(addr, conn, Arc::clone(&measuring), Arc::clone(&stop))))
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(settings.seconds)).await;
    measuring.store(false, Ordering::Relaxed);
    let window = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut refused, mut failed) = (0, 0);
    for driver in drivers {
        let tally = driver.await.expect("driver");
        latencies.extend(tally.latencies);
        refused += tally.refused;
        failed += tally.failed;
    }
    let _ = stop_server.send(());
    let _ = server.await;
    latencies.sort_unstable();
    let pct = |p: f64| {
        if latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        f64::from(latencies[i]) / 1000.0
    };
    Figures {
        store: name.to_owned(),
        per_second: latencies.len() as f64 / window.as_secs_f64(),
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        calls: latencies.len(),
        refused,
        failed,
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() {
    let settings = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    // The PostgreSQL server (durable: fsync on) lives outside the runtime, stopped at the end.
    let pg =
        settings.stores.iter().any(|s| s == "postgres").then(fer_testkit::postgres::Postgres::start_durable).flatten();
    println!(
        "webhook under concurrency: {} keep-alive connections over loopback, {} s per store (after 1 s of warm-up), \
         a repeat every {REPEAT_EVERY} calls; load average before: {}",
        settings.connections,
        settings.seconds,
        load_average()
    );
    let mut all = Vec::new();
    for store in &settings.stores {
        let figures = runtime.block_on(async {
            match store.as_str() {
                "memory" => Some(run_store("Idempotent in memory", MemoryStore::new(), &settings).await),
                "sqlite" => {
                    let store = SqliteStore::open(dir.path().join("webhook.sqlite")).await.expect("sqlite store");
                    Some(run_store("Idempotent on SQLite (WAL, a file)", store, &settings).await)
                }
                "postgres" => {
                    let pg = pg.as_ref()?;
                    let url = pg.database("webhook_load");
                    let store = PostgresStore::connect_with(&url, settings.pg_pool).await.expect("postgres store");
                    let name = format!("Idempotent on PostgreSQL (fsync on, pool {})", settings.pg_pool);
                    Some(run_store(&name, store, &settings).await)
                }
                other => panic!("unknown store {other}: memory, sqlite or postgres"),
            }
        });
        if let Some(f) = figures {
            eprintln!("{}: {:.0} bookings/s, p50 {:.2} ms, p99 {:.2} ms", f.store, f.per_second, f.p50_ms, f.p99_ms);
            all.push(f);
        }
    }
    println!("load average after: {}", load_average());
    println!();
    println!(
        "| webhook, {} connections | bookings/s | p50 | p99 | calls | not confirmed | failed |",
        settings.connections
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for f in &all {
        println!(
            "| {} | {:.0} | {:.2} ms | {:.2} ms | {} | {} | {} |",
            f.store, f.per_second, f.p50_ms, f.p99_ms, f.calls, f.refused, f.failed
        );
    }
    if let Some(pg) = pg {
        pg.stop();
    }
}
