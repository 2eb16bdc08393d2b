//! The client's wire codec against what a vendor would write by hand: a 100,000-slot upload body to
//! gzipped JSON, the gzip backends and levels on that JSON, and a 100,000-slot list answer to typed
//! slots.
//!
//! Run: `cargo bench -p fer-benches --bench codec` (or `benches/run.sh` for every bench and the report).

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::baseline::{encode_by_hand, encode_by_hand_streaming};
use fer_benches::gzip::{self, Backend, Level};
use fer_benches::inputs::slot_list_answer;
use fer_benches::names::*;
use fer_benches::{batch_json, slots};
use fer_model::{Slot, VitrinaResponse};
use flate2::Compression;

const SLOTS: usize = 100_000;

fn encode(c: &mut Criterion) {
    let slots = slots(SLOTS, 1);
    let json_len = batch_json(&slots).len() as u64;
    let mut group = c.benchmark_group(ENCODE);
    group.throughput(Throughput::Bytes(json_len));
    group.bench_function(ENCODE_OURS, |b| b.iter(|| fer_client::encode_body(black_box(&slots), true)));
    group.bench_function(ENCODE_BY_HAND, |b| b.iter(|| encode_by_hand(black_box(&slots), Compression::fast())));
    group.bench_function(ENCODE_BY_HAND_DEFAULT, |b| {
        b.iter(|| encode_by_hand(black_box(&slots), Compression::default()))
    });
    group.bench_function(ENCODE_BY_HAND_STREAMING, |b| b.iter(|| encode_by_hand_streaming(black_box(&slots))));
    group.bench_function(ENCODE_JSON_ONLY, |b| b.iter(|| fer_client::encode_body(black_box(&slots), false)));
    group.finish();
}

fn backends(c: &mut Criterion) {
    let json = batch_json(&slots(SLOTS, 1));
    let mut group = c.benchmark_group(GZIP);
    group.throughput(Throughput::Bytes(json.len() as u64));
    for backend in [Backend::Miniz, Backend::ZlibRs] {
        for level in Level::ALL {
            group.bench_function(format!("{backend} {level}"), |b| {
                b.iter(|| gzip::compress(backend, level, black_box(&json)))
            });
        }
    }
    group.finish();
}

fn parse(c: &mut Criterion) {
    let body = Bytes::from(slot_list_answer(SLOTS, 3));
    let mut group = c.benchmark_group(PARSE);
    group.throughput(Throughput::Elements(SLOTS as u64));
    group.bench_function(PARSE_OURS, |b| {
        b.iter(|| fer_client::decode_list_body::<Slot>(black_box(body.clone())).map(|v| v.len()))
    });
    group.bench_function(PARSE_BY_HAND, |b| {
        b.iter(|| serde_json::from_slice::<VitrinaResponse<Vec<Slot>>>(black_box(&body)).map(|r| r.result))
    });
    group.bench_function(PARSE_UNTYPED, |b| b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&body))));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = encode, backends, parse
}
criterion_main!(benches);
