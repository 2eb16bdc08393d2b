//! The webhook service answering the spec's book call (section 7.1), against bare hyper.
//!
//! * Over loopback HTTP/1.1 (the fair comparison, what the gateway sees): `fer_webhook::serve`
//!   against a bare hyper server with the same connection settings answering the very bytes our
//!   service answers, and against bare hyper with a hand-written serde handler. One reqwest client
//!   with one keep-alive connection sends the calls one after another; client, servers and the
//!   handler share one 2-worker tokio runtime.
//! * In-process, no socket: `WebhookService::handle` against the hand-written serde handler called
//!   directly (both through `block_on`, so the runtime's cost is on both sides).
//!
//! Run: `cargo bench -p fer-benches --bench webhook` (or `benches/run.sh`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::baseline::{book_by_hand, serve_by_hand, serve_static};
use fer_benches::inputs::{BOOKING_REQUEST, BenchMis, book_call};
use fer_benches::names::*;
use fer_webhook::WebhookService;
use tokio::net::TcpListener;
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("no tokio runtime: {e}"),
    }
}

/// Binds 127.0.0.1:0 and returns the listener with the URL of its book path.
async fn bind() -> (TcpListener, String) {
    let listener = match TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => panic!("cannot bind loopback: {e}"),
    };
    let url = format!("http://{}/booking/book", listener.local_addr().map(|a| a.to_string()).unwrap_or_default());
    (listener, url)
}

/// Sends `iters` book calls to `url` one after another and returns the time taken.
async fn calls(http: &reqwest::Client, url: &str, iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let answer = http
            .post(url)
            .header("content-type", "application/json")
            .body(BOOKING_REQUEST)
            .send()
            .await
            .and_then(|a| a.error_for_status());
        match answer {
            Ok(answer) => {
                black_box(answer.bytes().await.ok());
            }
            Err(e) => panic!("book call to {url} failed: {e}"),
        }
    }
    start.elapsed()
}

fn loopback(c: &mut Criterion) {
    let rt = runtime();
    let service = WebhookService::new(BenchMis);
    let answer: Bytes = rt.block_on(service.handle(book_call())).into_body();
    let http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default();
    let (ours, ours_url) = rt.block_on(bind());
    rt.spawn(fer_webhook::serve(ours, service));
    let (bare, bare_url) = rt.block_on(bind());
    rt.spawn(serve_static(bare, answer.clone()));
    let (by_hand, by_hand_url) = rt.block_on(bind());
    rt.spawn(serve_by_hand(by_hand));

    // The three answer the same JSON (tested in the crate); check it once more on the wire.
    let fetch = |url: String| rt.block_on(async { http.post(url).body(BOOKING_REQUEST).send().await?.bytes().await });
    assert_eq!(fetch(ours_url.clone()).ok(), Some(answer.clone()));
    assert_eq!(fetch(bare_url.clone()).ok(), Some(answer));

    let mut group = c.benchmark_group(WEBHOOK_HTTP);
    group.throughput(Throughput::Elements(1));
    for (name, url) in [(WEBHOOK_OURS, &ours_url), (WEBHOOK_BARE, &bare_url), (WEBHOOK_BY_HAND, &by_hand_url)] {
        group.bench_function(name, |b| b.iter_custom(|iters| rt.block_on(calls(&http, url, iters))));
    }
    group.finish();
}

fn in_process(c: &mut Criterion) {
    let rt = runtime();
    let service = WebhookService::new(BenchMis);
    let mut group = c.benchmark_group(WEBHOOK_IN_PROCESS);
    group.throughput(Throughput::Elements(1));
    group.bench_function(WEBHOOK_HANDLE, |b| b.iter(|| rt.block_on(service.handle(black_box(book_call())))));
    group.bench_function(WEBHOOK_HANDLE_BY_HAND, |b| {
        b.iter(|| {
            let request = black_box(book_call());
            rt.block_on(async { book_by_hand(request.body()) })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = loopback, in_process
}
criterion_main!(benches);
