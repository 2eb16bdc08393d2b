//! fer-validate against the `jsonschema` crate on the same raw 100,000-slot upload body, validated
//! against our exported slot schema (`schemas/slot.schema.json`, wrapped as `{"data": [slot...]}`).
//!
//! Both start from the raw bytes and report every problem: `validate_raw` parses and checks the
//! per-record rules plus the batch rules (R-310 repeated id, R-330 repeated resource + time, …);
//! the JSON Schema route parses to a `Value` and collects every error of the per-record shape
//! (JSON Schema cannot express the batch rules). A third figure leaves the parse out. The earlier
//! route of ours (`validate_raw_tree`: serde_json splits the body, each record is read into the
//! tree and again from its text into the typed record) is measured beside them, as the
//! alternative the record-by-record reader replaced.
//!
//! Run: `cargo bench -p fer-benches --bench schema` (or `benches/run.sh`).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::baseline::{schema_check, slot_batch_validator};
use fer_benches::names::*;
use fer_benches::slot_batch_json;
use fer_model::Table;
use fer_validate::{validate_raw, validate_raw_tree};

const SLOTS: usize = 100_000;

fn raw_batch(c: &mut Criterion) {
    let body = slot_batch_json(SLOTS, 2);
    let validator = match slot_batch_validator() {
        Ok(v) => v,
        Err(e) => panic!("our slot schema does not compile: {e}"),
    };
    assert_eq!(schema_check(&validator, &body), Some(0), "the sample batch must be valid for both");
    assert!(validate_raw(Table::Slot, &body).is_empty(), "the sample batch must be valid for both");
    let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();

    let mut group = c.benchmark_group(SCHEMA);
    group.throughput(Throughput::Elements(SLOTS as u64));
    group.bench_function(SCHEMA_OURS, |b| b.iter(|| validate_raw(Table::Slot, black_box(&body))));
    group.bench_function(SCHEMA_TREE, |b| b.iter(|| validate_raw_tree(Table::Slot, black_box(&body))));
    group.bench_function(SCHEMA_JSONSCHEMA, |b| b.iter(|| schema_check(&validator, black_box(&body))));
    group.bench_function(SCHEMA_JSONSCHEMA_PARSED, |b| b.iter(|| validator.iter_errors(black_box(&parsed)).count()));
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = raw_batch
}
criterion_main!(benches);
