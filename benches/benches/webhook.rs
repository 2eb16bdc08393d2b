//! The webhook service answering the spec's book call (section 7.1), against bare hyper.
//!
//! * Over loopback HTTP/1.1 (the fair comparison, what the gateway sees): the three servers of
//!   [`fer_benches::loopback`]: `fer_webhook::serve`, bare hyper with the same connection settings
//!   answering the very bytes our service answers, and bare hyper with a hand-written serde
//!   handler. One reqwest client with one keep-alive connection per server sends the calls one
//!   after another; client, servers and the handler share one 2-worker tokio runtime. Criterion
//!   measures one server after the other; `benches/webhook_ab.rs` interleaves them.
//! * In-process, no socket: `WebhookService::handle` against the hand-written serde handler called
//!   directly (both through `block_on`, so the runtime's cost is on both sides).
//!
//! Run: `cargo bench -p fer-benches --bench webhook` (or `benches/run.sh`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::baseline::book_by_hand;
use fer_benches::inputs::{BenchMis, book_call};
use fer_benches::loopback::{Loopback, Server};
use fer_benches::names::*;
use fer_webhook::WebhookService;

fn loopback(c: &mut Criterion) {
    let loopback = match Loopback::start() {
        Ok(loopback) => loopback,
        Err(e) => panic!("{e}"),
    };
    let mut group = c.benchmark_group(WEBHOOK_HTTP);
    group.throughput(Throughput::Elements(1));
    for server in Server::ALL {
        group.bench_function(server.bench_name(), |b| {
            b.iter_custom(|iters| match loopback.time_calls(server, iters) {
                Ok(elapsed) => elapsed,
                Err(e) => panic!("{e}"),
            })
        });
    }
    group.finish();
}

fn in_process(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("no tokio runtime: {e}"),
    };
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
