//! Whole-engine figures of fer-sync against the emulator on this machine (no timing assertions):
//!
//! 1. intake of N slots (default 1,000,000) into a fresh SQLite store, and the store's size;
//! 2. the first push of the region to the emulator, and a restart on the fully sent store (open,
//!    one cycle: nothing re-sent);
//! 3. a sustained change stream (default 1,000 slot changes per second for 60 s) while the engine
//!    runs, with change → accepted latency (p50, p99, max) from the engine's status.
//!
//! `cargo run --release -p fer-benches --bin sync -- [SLOTS] [CHANGES_PER_SECOND] [SECONDS]`; a rate of 0
//! measures the intake only.

use std::time::{Duration, Instant};

use fer_client::{Preflight, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Mo, Oid, Resource, Slot, SlotStatus, Table};
use fer_sync::{Store, SyncConfig, SyncEngine};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let count = args.next().transpose()?.unwrap_or(1_000_000);
    let rate = args.next().transpose()?.unwrap_or(1_000);
    let seconds = args.next().transpose()?.unwrap_or(60);

    let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
    let org: Oid = emulator.username().clone();
    let client = || {
        VitrinaClient::builder()
            .base_url(emulator.base_url())
            .credentials(org.clone(), emulator.password())
            .preflight(Preflight::PerRecord)
            .build()
    };
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("sync.db");

    // The region: one subdivision, the resources the flat slot run names, `count` slots.
    let slots = fer_sample::slots(count, 7);
    let region = fer_sample::generate(&fer_sample::RegionSpec {
        mos: 1,
        doctors_per_mo: 1,
        days: 0,
        organisation: Some(org.clone()),
        ..Default::default()
    })?;
    let mo = Mo { id: slots[0].mo_id, ..region.mo[0].clone() };
    let mut resources: Vec<Resource> = Vec::new();
    for s in &slots {
        if resources.last().is_none_or(|r| r.id != s.resource_id) {
            resources.push(Resource { id: s.resource_id, mo_id: mo.id, ..region.resource[0].clone() });
        }
    }

    let store = Store::open(&path).await?;
    let engine =
        SyncEngine::builder(store).organisation(org.clone(), client()?).config(SyncConfig::default()).build()?;
    let handle = engine.handle();
    handle.upsert(&[mo]).await?;
    handle.upsert(&resources).await?;
    let started = Instant::now();
    for chunk in slots.chunks(50_000) {
        handle.upsert(chunk).await?;
    }
    let intake = started.elapsed();
    let size = std::fs::metadata(&path)?.len()
        + std::fs::metadata(dir.path().join("sync.db-wal")).map(|m| m.len()).unwrap_or(0);
    println!(
        "intake of {count} slots: {:.2} s ({:.0} slots/s); store {:.1} MB",
        intake.as_secs_f64(),
        count as f64 / intake.as_secs_f64(),
        size as f64 / 1e6
    );
    if rate == 0 {
        // Intake only: a change rate of 0 skips the push and the stream.
        return Ok(());
    }

    let started = Instant::now();
    loop {
        let report = engine.run_once().await?;
        if report.accepted == 0 && engine.status().await?.backlog() == 0 {
            break;
        }
    }
    println!(
        "first push to the emulator: {:.2} s; emulator holds {} slots",
        started.elapsed().as_secs_f64(),
        emulator.count(Table::Slot)
    );
    drop(engine);

    let started = Instant::now();
    let store = Store::open(&path).await?;
    let engine = SyncEngine::builder(store).organisation(org.clone(), client()?).build()?;
    let resumed = engine.run_once().await?;
    println!(
        "restart on the sent store: {:.3} s, {} records re-sent",
        started.elapsed().as_secs_f64(),
        resumed.accepted
    );

    // The change stream: `rate` slot status changes a second, spread over the region.
    let handle = engine.handle();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn(async move {
        engine
            .run(async {
                let _ = stopped.await;
            })
            .await
            .map(|()| engine)
    });
    let tick = Duration::from_millis(100);
    let per_tick = (rate / 10).max(1);
    let mut at = 0usize;
    let started = Instant::now();
    let mut interval = tokio::time::interval(tick);
    while started.elapsed() < Duration::from_secs(seconds as u64) {
        interval.tick().await;
        let mut changed = Vec::with_capacity(per_tick);
        for _ in 0..per_tick {
            // Every change is a real one: the first pass over the region blocks, the next reopens.
            let s = &slots[(at * 7919) % slots.len()];
            let status = if (at / slots.len()).is_multiple_of(2) { SlotStatus::Blocked } else { SlotStatus::Available };
            changed.push(Slot { status, ..s.clone() });
            at += 1;
        }
        handle.upsert(&changed).await?;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.send(()).ok();
    let engine = runner.await??;
    let status = engine.status().await?;
    let slots_status = status.table(org.as_str(), Table::Slot).cloned();
    if let Some(t) = slots_status {
        println!(
            "change stream: {} changes in {seconds} s at {rate}/s; accepted in window {}; latency p50 {:?} ms, p99 {:?} ms, max {:?} ms; backlog {}",
            at,
            t.latency.count,
            t.latency.p50_ms,
            t.latency.p99_ms,
            t.latency.max_ms,
            status.backlog()
        );
    }
    Ok(())
}
