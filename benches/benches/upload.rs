//! Upload of 100,000 slots from the client to the emulator over loopback (slots per second).
//!
//! `fer_emulator::Emulator` and the client run on one 2-worker tokio runtime on this machine, so the
//! figure includes the Vitrina's side too (gunzip, `validate_raw`, parsing, R-310/R-330, the store).
//! The client has default settings (batches of 1,000, 4 in flight, gzip, pre-flight validation);
//! a second figure turns pre-flight off. Every iteration sends the same ids again: the upsert is
//! idempotent, so the store stays at 100,000 slots and every slot must come back accepted.
//!
//! Run: `cargo bench -p fer-benches --bench upload` (or `benches/run.sh`).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fer_benches::names::*;
use fer_benches::slots;
use fer_client::{OutcomeKind, Preflight, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Slot, Table};

const SLOTS: usize = 100_000;

async fn upload(client: &VitrinaClient, slots: &[Slot], iters: u64) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        match client.upsert(slots).await {
            Ok(report) if report.count(OutcomeKind::Accepted) == slots.len() => {}
            Ok(report) => panic!("not every slot was accepted: {report}"),
            Err(e) => panic!("upload failed: {e}"),
        }
    }
    start.elapsed()
}

fn to_emulator(c: &mut Criterion) {
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => panic!("no tokio runtime: {e}"),
    };
    let emulator = match rt.block_on(Emulator::spawn(EmulatorConfig::default())) {
        Ok(emulator) => emulator,
        Err(e) => panic!("the emulator did not start: {e}"),
    };
    let client = |preflight| {
        VitrinaClient::builder()
            .base_url(emulator.base_url())
            .credentials(emulator.username().clone(), emulator.password())
            .preflight(preflight)
            .build()
    };
    let (Ok(defaults), Ok(no_preflight)) = (client(Preflight::default()), client(Preflight::Off)) else {
        panic!("the client did not build");
    };
    let slots = slots(SLOTS, 4);

    let mut group = c.benchmark_group(UPLOAD);
    group.throughput(Throughput::Elements(SLOTS as u64));
    group.bench_function(UPLOAD_OURS, |b| b.iter_custom(|iters| rt.block_on(upload(&defaults, &slots, iters))));
    group.bench_function(UPLOAD_NO_PREFLIGHT, |b| {
        b.iter_custom(|iters| rt.block_on(upload(&no_preflight, &slots, iters)))
    });
    group.finish();
    assert_eq!(emulator.count(Table::Slot), SLOTS);
    rt.block_on(emulator.shutdown());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(20));
    targets = to_emulator
}
criterion_main!(benches);
