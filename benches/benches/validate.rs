//! fer-validate throughput: a whole region's slots typed (`validate_batch`, 1,000,000 slots), one
//! large raw upload body (`validate_raw`, 100,000 slots), and a whole dataset's cross-table rules.
//!
//! Run: `cargo bench -p fer-benches --bench validate -- --warm-up-time 1 --measurement-time 5 --sample-size 10`.

use fer_validate::DatasetExt as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::names::{VALIDATE_RAW, VALIDATE_RAW_100K};
use fer_benches::{RegionSpec, generate_region, slot_batch_json, slots};
use fer_model::Table;
use fer_validate::{validate_batch, validate_raw};

fn typed_slots(c: &mut Criterion) {
    let batch = slots(1_000_000, 1);
    let mut group = c.benchmark_group("validate_batch");
    group.throughput(Throughput::Elements(batch.len() as u64));
    group.bench_function("1M typed slots", |b| b.iter(|| black_box(validate_batch(black_box(&batch)))));
    group.finish();
}

fn raw_slots(c: &mut Criterion) {
    let body = slot_batch_json(100_000, 2);
    let mut group = c.benchmark_group(VALIDATE_RAW);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function(VALIDATE_RAW_100K, |b| b.iter(|| black_box(validate_raw(Table::Slot, black_box(&body)))));
    group.finish();
}

fn dataset(c: &mut Criterion) {
    let spec = RegionSpec { mos: 40, doctors_per_mo: 10, days: 28, ..RegionSpec::default() };
    let region = generate_region(&spec).expect("the spec is in range");
    let mut group = c.benchmark_group("dataset");
    group.throughput(Throughput::Elements(region.slot.len() as u64));
    group.bench_function("region cross-table rules", |b| b.iter(|| black_box(black_box(&region).validate())));
    group.finish();
}

criterion_group!(benches, typed_slots, raw_slots, dataset);
criterion_main!(benches);
