//! fer-sync on PostgreSQL on this machine (no timing assertions), on a throwaway cluster with
//! PostgreSQL's default durability (`fsync=on`), over its Unix socket:
//!
//! 1. intake of N slots (default 100,000) through the Rust API (`SyncHandle::upsert`, PER_CALL a
//!    call) into a fresh store, in records/s;
//! 2. the same N slots through the MIS outbox: `fer_sync.enqueue` in MIS transactions of 1,000
//!    (records/s of the MIS's side), then drained into the store (records/s of the drain, and of
//!    the two together);
//! 3. change → accepted latency (p50, p99, max per instance) of a stream of slot changes (default
//!    1,000 a second for 30 s) spread over four subdivisions, pushed by two engine instances of
//!    this process sharing the store;
//! 4. failover: two engine instances in child processes (this binary again), each holding the
//!    lease of one subdivision; the holder of one is killed with SIGKILL and the time until the
//!    other holds its lease is measured (default lease lifetime, 10 s), ROUNDS times (default 10):
//!    median, min, max.
//!
//! `cargo run --release -p fer-benches --bin sync_pg -- [SLOTS] [CHANGES_PER_SECOND] [SECONDS] [ROUNDS] [PER_CALL]`

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fer_client::{Preflight, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{Oid, Slot, SlotStatus, Table};
use fer_sync::{Store, SyncConfig, SyncEngine};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Child mode: `FER_SYNC_BENCH_CHILD=<url> <base_url> <org> <password> <instance>`.
const CHILD: &str = "FER_SYNC_BENCH_CHILD";

fn client(base_url: &str, org: &Oid, password: &str) -> Result<VitrinaClient, Error> {
    Ok(VitrinaClient::builder()
        .base_url(base_url)
        .credentials(org.clone(), password)
        .preflight(Preflight::PerRecord)
        .build()?)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    if let Ok(args) = std::env::var(CHILD) {
        return child(&args).await;
    }
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>());
    let count = args.next().transpose()?.unwrap_or(100_000);
    let rate = args.next().transpose()?.unwrap_or(1_000);
    let seconds = args.next().transpose()?.unwrap_or(30);
    let rounds = args.next().transpose()?.unwrap_or(10);
    let per_call = args.next().transpose()?.unwrap_or(5_000).max(1);

    let pg = fer_testkit::postgres::Postgres::start_durable().ok_or("PostgreSQL is not installed")?;
    let emulator_runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).thread_name("emulator").enable_all().build()?;
    let emulator = emulator_runtime.spawn(Emulator::spawn(EmulatorConfig::default())).await??;
    let result = measure(&pg, &emulator, count, rate, seconds, rounds, per_call).await;
    println!("load average at the end: {}", load_average());
    emulator_runtime.shutdown_background();
    result
}

async fn measure(
    pg: &fer_testkit::postgres::Postgres,
    emulator: &EmulatorHandle,
    count: usize,
    rate: usize,
    seconds: usize,
    rounds: usize,
    per_call: usize,
) -> Result<(), Error> {
    let org: Oid = emulator.username().clone();
    println!("load average at start: {}", load_average());

    // 1. Intake through the Rust API.
    let fer_benches::inputs::FlatRegion { mo, resources, slots } = fer_benches::inputs::FlatRegion::new(&org, count)?;
    let store = Store::connect(&pg.database("api")).await?;
    let engine = SyncEngine::builder(store.clone())
        .organisation(org.clone(), client(&emulator.base_url(), &org, emulator.password())?)
        .build()?;
    let handle = engine.handle();
    handle.upsert(std::slice::from_ref(&mo)).await?;
    handle.upsert(&resources).await?;
    let started = Instant::now();
    for chunk in slots.chunks(per_call) {
        handle.upsert(chunk).await?;
    }
    let api = started.elapsed();
    println!(
        "intake, Rust API: {count} slots in {:.2} s = {:.0} records/s ({per_call} a call)",
        api.as_secs_f64(),
        count as f64 / api.as_secs_f64()
    );
    store.close().await;

    // 2. Intake through the MIS outbox.
    let url = pg.database("function");
    let store = Store::connect(&url).await?;
    let mis = sqlx::PgPool::connect(&url).await?;
    let started = Instant::now();
    for chunk in slots.chunks(1_000) {
        let ids: Vec<String> = chunk.iter().map(|s| s.id.to_string()).collect();
        let records: Vec<String> = chunk.iter().map(serde_json::to_string).collect::<Result<_, _>>()?;
        let mut tx = mis.begin().await?;
        sqlx::query("SELECT fer_sync.enqueue('slot', u.id, u.record::json) FROM UNNEST($1::text[], $2::text[]) AS u(id, record)")
            .bind(ids)
            .bind(records)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    let enqueued = started.elapsed();
    let started = Instant::now();
    let mut drained = 0;
    while drained < count as u64 {
        let drain = store.drain_outbox(5_000).await?;
        if drain.taken == 0 {
            break;
        }
        drained += drain.taken;
    }
    let drain = started.elapsed();
    println!(
        "intake, fer_sync.enqueue: {count} slots enqueued by the MIS in {:.2} s = {:.0} records/s (transactions of 1,000); \
         drained into the store in {:.2} s = {:.0} records/s; together {:.0} records/s",
        enqueued.as_secs_f64(),
        count as f64 / enqueued.as_secs_f64(),
        drain.as_secs_f64(),
        drained as f64 / drain.as_secs_f64(),
        count as f64 / (enqueued + drain).as_secs_f64()
    );
    store.close().await;

    // 3. Latency at RATE changes a second, two instances.
    if rate > 0 && seconds > 0 {
        latency(pg, emulator, rate, seconds).await?;
    }
    // 4. Failover after SIGKILL.
    if rounds > 0 {
        failover(pg, emulator, rounds).await?;
    }
    Ok(())
}

/// Four subdivisions of 500 slots; two instances; `rate` slot changes a second for `seconds`.
async fn latency(
    pg: &fer_testkit::postgres::Postgres,
    emulator: &EmulatorHandle,
    rate: usize,
    seconds: usize,
) -> Result<(), Error> {
    let org = emulator.username().clone();
    let store = Store::connect(&pg.database("latency")).await?;
    let config = SyncConfig::default().with_linger(Duration::from_millis(100));
    let engines: Vec<SyncEngine> = ["a", "b"]
        .into_iter()
        .map(|name| {
            SyncEngine::builder(store.clone())
                .instance(name)
                .organisation(org.clone(), client(&emulator.base_url(), &org, emulator.password())?)
                .config(config.clone())
                .build()
                .map_err(Error::from)
        })
        .collect::<Result<_, _>>()?;
    let handle = engines[0].handle();
    let mut all: Vec<Slot> = Vec::new();
    for seed in 0..4u64 {
        let slots = fer_sample::slots(500, 900 + seed);
        let region = fer_benches::inputs::FlatRegion::new(&org, 1)?;
        let mo = fer_model::Mo { id: slots[0].mo_id, ..region.mo };
        let resources: Vec<fer_model::Resource> = {
            let mut r: Vec<fer_model::Resource> = Vec::new();
            for s in &slots {
                if r.last().is_none_or(|x| x.id != s.resource_id) {
                    r.push(fer_model::Resource { id: s.resource_id, mo_id: mo.id, ..region.resources[0].clone() });
                }
            }
            r
        };
        handle.upsert(&[mo]).await?;
        handle.upsert(&resources).await?;
        handle.upsert(&slots).await?;
        all.extend(slots);
    }
    // The first push, by a loader instance that releases its leases when it stops, so that the
    // latencies of the two instances are those of the change stream alone.
    let started = Instant::now();
    let loader = SyncEngine::builder(store.clone())
        .instance("loader")
        .organisation(org.clone(), client(&emulator.base_url(), &org, emulator.password())?)
        .config(config.clone())
        .build()?;
    loader
        .run(async {
            while Store::status(&store).await.map_or(true, |s| s.backlog() > 0)
                && started.elapsed() < Duration::from_secs(300)
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await?;
    println!("latency: first push of {} slots in {:.1} s", all.len(), started.elapsed().as_secs_f64());
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut running = Vec::new();
    for engine in engines {
        let mut stopped = stop.subscribe();
        running.push(tokio::spawn(async move {
            let result = engine
                .run(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
            (engine, result)
        }));
    }
    // Both instances hold their share before the clock starts.
    let started = Instant::now();
    loop {
        let leases = store.leases().await?;
        let holders: std::collections::BTreeSet<_> = leases.iter().filter_map(|l| l.holder.clone()).collect();
        if holders.len() == 2 || started.elapsed() > Duration::from_secs(60) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let interval = Duration::from_secs(1) / rate as u32;
    let per_tick = (Duration::from_millis(10).as_nanos() / interval.as_nanos()).max(1) as usize;
    let mut tick = tokio::time::interval(interval * per_tick as u32);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = rate * seconds;
    let started = Instant::now();
    let mut next = 0usize;
    while next < total {
        tick.tick().await;
        let batch: Vec<Slot> = (next..(next + per_tick).min(total))
            .map(|i| {
                let slot = &mut all[(i % 4) * 500 + (i / 4) % 500];
                slot.status =
                    if slot.status == SlotStatus::Available { SlotStatus::Blocked } else { SlotStatus::Available };
                slot.clone()
            })
            .collect();
        next += batch.len();
        handle.upsert(&batch).await?;
    }
    let offered = started.elapsed();
    while Store::status(&store).await?.backlog() > 0 && started.elapsed() < offered + Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut shares: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for lease in store.leases().await? {
        *shares.entry(lease.holder.unwrap_or_else(|| "nobody".into())).or_default() += 1;
    }
    stop.send_replace(true);
    println!("latency: partitions held at the end: {shares:?}");
    println!(
        "latency: {total} slot changes in {:.1} s ({:.0}/s offered), two instances, four subdivisions:",
        offered.as_secs_f64(),
        total as f64 / offered.as_secs_f64()
    );
    for task in running {
        let (engine, result) = task.await?;
        if let Err(e) = result {
            println!("  an instance stopped with an error: {e}");
        }
        let status = engine.status().await?;
        let slots = status.table(org.as_str(), Table::Slot);
        let latency = slots.map(|t| t.latency).unwrap_or_default();
        println!(
            "  instance {}: {} accepted, change → accepted p50 {:?} ms, p99 {:?} ms, max {:?} ms",
            engine.instance().unwrap_or("?"),
            latency.count,
            latency.p50_ms,
            latency.p99_ms,
            latency.max_ms
        );
    }
    println!("  records the emulator received twice: {}", emulator.repeated_writes());
    store.close().await;
    Ok(())
}

/// Kills the holder of one of two subdivisions `rounds` times; the time until the other instance
/// holds its lease.
async fn failover(pg: &fer_testkit::postgres::Postgres, emulator: &EmulatorHandle, rounds: usize) -> Result<(), Error> {
    let org = emulator.username().clone();
    let url = pg.database("failover");
    let store = Store::connect(&url).await?;
    let handle = SyncEngine::builder(store.clone())
        .instance("mis")
        .organisation(org.clone(), client(&emulator.base_url(), &org, emulator.password())?)
        .build()?
        .handle();
    let mut mos = Vec::new();
    for seed in 0..2u64 {
        let slots = fer_sample::slots(10, 950 + seed);
        let region = fer_benches::inputs::FlatRegion::new(&org, 1)?;
        let mo = fer_model::Mo { id: slots[0].mo_id, ..region.mo };
        let resource = fer_model::Resource { id: slots[0].resource_id, mo_id: mo.id, ..region.resources[0].clone() };
        handle.upsert(std::slice::from_ref(&mo)).await?;
        handle.upsert(&[resource]).await?;
        handle.upsert(&slots).await?;
        mos.push(mo.id.to_string());
    }
    let spawn = |name: &str| -> Result<Child, Error> {
        let args = format!("{url} {} {org} {} {name}", emulator.base_url(), emulator.password());
        Ok(Command::new(std::env::current_exe()?)
            .env(CHILD, args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?)
    };
    let mut children: Vec<(String, Child)> = vec![("c0".into(), spawn("c0")?), ("c1".into(), spawn("c1")?)];
    let mut times = Vec::new();
    for round in 0..rounds {
        // Wait until each instance holds one subdivision.
        let balanced = Instant::now();
        let holders = loop {
            let leases = store.leases().await?;
            let holders: Vec<Option<String>> =
                mos.iter().map(|m| leases.iter().find(|l| &l.partition == m).and_then(|l| l.holder.clone())).collect();
            if holders.iter().all(Option::is_some) && holders[0] != holders[1] {
                break holders;
            }
            if balanced.elapsed() > Duration::from_secs(120) {
                return Err(format!("the instances never shared the subdivisions: {holders:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let victim = holders[0].clone().unwrap_or_default();
        let at = children.iter().position(|(n, _)| *n == victim).ok_or("unknown holder")?;
        let (_, mut child) = children.remove(at);
        child.kill()?; // SIGKILL
        let killed = Instant::now();
        child.wait()?;
        let taken = loop {
            let leases = store.leases().await?;
            let holder = leases.iter().find(|l| l.partition == mos[0]).and_then(|l| l.holder.clone());
            if holder.is_some_and(|h| h != victim) {
                break killed.elapsed();
            }
            if killed.elapsed() > Duration::from_secs(60) {
                return Err("the lease was never taken over".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        println!("failover {}: taken over {:.2} s after the SIGKILL", round + 1, taken.as_secs_f64());
        times.push(taken);
        let name = format!("c{}", round + 2);
        children.push((name.clone(), spawn(&name)?));
    }
    for (_, mut child) in children {
        let _ = child.kill();
        let _ = child.wait();
    }
    times.sort();
    println!(
        "failover after SIGKILL (lease {} s): median {:.2} s, min {:.2} s, max {:.2} s over {} rounds",
        SyncConfig::default().lease_ttl.as_secs(),
        times[times.len() / 2].as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64(),
        times.len()
    );
    store.close().await;
    Ok(())
}

/// An engine instance until killed.
async fn child(args: &str) -> Result<(), Error> {
    let parts: Vec<&str> = args.split(' ').collect();
    let [url, base_url, org, password, name] = parts[..] else { return Err("bad child arguments".into()) };
    let org: Oid = org.parse()?;
    let store = Store::connect(url).await?;
    let engine = SyncEngine::builder(store)
        .instance(name)
        .organisation(org.clone(), client(base_url, &org, password)?)
        .build()?;
    engine.run(std::future::pending()).await?;
    Ok(())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
