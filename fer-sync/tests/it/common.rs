//! A world: an emulator, a store in a temporary folder, an engine for the emulator's organisation.

use std::time::Duration;

use fer_client::{Preflight, RetryPolicy, VitrinaClient};
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use fer_model::{Dataset, Oid};
use fer_sample::RegionSpec;
use fer_sync::{Store, SyncConfig, SyncEngine, SyncStatus};

pub struct World {
    pub emulator: EmulatorHandle,
    pub engine: SyncEngine,
    pub dir: tempfile::TempDir,
}

/// Quick retries, so that tests of retries and parking stay short.
pub fn quick() -> SyncConfig {
    SyncConfig::default()
        .with_linger(Duration::from_millis(20))
        .with_tick(Duration::from_millis(200))
        .with_retry(Duration::from_millis(20), Duration::from_millis(200))
}

pub fn client(emulator: &EmulatorHandle, username: &Oid, password: &str) -> VitrinaClient {
    client_at(&emulator.base_url(), username, password)
}

/// A client of the Vitrina at `base_url` (an emulator in another process's view).
pub fn client_at(base_url: &str, username: &Oid, password: &str) -> VitrinaClient {
    VitrinaClient::builder()
        .base_url(base_url)
        .credentials(username.clone(), password)
        .request_timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        })
        .preflight(Preflight::PerRecord)
        .build()
        .unwrap()
}

pub async fn world_with(config: EmulatorConfig) -> World {
    let emulator = Emulator::spawn(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let client = client(&emulator, emulator.username(), emulator.password());
    let engine =
        SyncEngine::builder(store).organisation(emulator.username().clone(), client).config(quick()).build().unwrap();
    World { emulator, engine, dir }
}

pub async fn world() -> World {
    world_with(EmulatorConfig::default()).await
}

/// A small region of `org`: `mos` subdivisions, two days of a few slots.
pub fn region(org: &Oid, mos: usize, seed: u64) -> Dataset {
    region_over(org, mos, 3, seed)
}

/// [`region`] over `days` calendar days (the generator leaves weekends free).
pub fn region_over(org: &Oid, mos: usize, days: u32, seed: u64) -> Dataset {
    let spec = RegionSpec {
        mos,
        doctors_per_mo: 2,
        days,
        slots_per_day: 4,
        seed,
        organisation: Some(org.clone()),
        first_day: chrono::Local::now().date_naive() + chrono::Duration::days(1),
        ..RegionSpec::default()
    };
    fer_sample::generate(&spec).unwrap()
}

/// Runs cycles until nothing is due (bounded: 50 cycles, with short pauses for retries).
pub async fn drain(engine: &SyncEngine) -> SyncStatus {
    for _ in 0..50 {
        let report = engine.run_once().await.unwrap();
        let status = engine.status().await.unwrap();
        if status.backlog() == 0 {
            return status;
        }
        if report.accepted == 0 {
            tokio::time::sleep(Duration::from_millis(60)).await;
        }
    }
    engine.status().await.unwrap()
}

/// The journal's requests of `method` to `path` (without query), from the MIS side.
pub fn requests(emulator: &EmulatorHandle, method: &str, path: &str) -> usize {
    emulator
        .journal()
        .iter()
        .filter(|e| e.method == method && e.url.split('?').next().is_some_and(|u| u.ends_with(path)))
        .count()
}

/// The records of one flat subdivision of `org`: the subdivision, its resources and `count`
/// AVAILABLE slots (`fer_sample::slots`).
pub fn flat(org: &Oid, count: usize, seed: u64) -> (fer_model::Mo, Vec<fer_model::Resource>, Vec<fer_model::Slot>) {
    let slots = fer_sample::slots(count, seed);
    let region = fer_sample::generate(&RegionSpec {
        mos: 1,
        doctors_per_mo: 1,
        days: 0,
        seed,
        organisation: Some(org.clone()),
        ..RegionSpec::default()
    })
    .unwrap();
    let mo = fer_model::Mo { id: slots[0].mo_id, ..region.mo[0].clone() };
    let mut resources: Vec<fer_model::Resource> = Vec::new();
    for s in &slots {
        if resources.last().is_none_or(|r| r.id != s.resource_id) {
            resources.push(fer_model::Resource { id: s.resource_id, mo_id: mo.id, ..region.resource[0].clone() });
        }
    }
    (mo, resources, slots)
}

/// Waits (a hang guard of `limit`, not a timing assertion) until `done` holds; panics with
/// `what` otherwise.
pub async fn until(limit: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The engine running in a task until the sender is used (or dropped); the task gives the engine
/// back when it stops.
pub fn spawn_running(
    engine: SyncEngine,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<Result<SyncEngine, fer_sync::SyncError>>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        engine
            .run(async {
                let _ = stopped.await;
            })
            .await
            .map(|()| engine)
    });
    (stop, running)
}

/// The MIS closes subdivision `closed` of region `r`: deletes of its books, slots, services and
/// resources, children first, and of the subdivision. The number of those deletes the Vitrina's
/// cascade settles (all but the subdivision's own).
pub async fn close_subdivision(handle: &fer_sync::SyncHandle, r: &Dataset, closed: fer_model::Guid) -> usize {
    use fer_model::{Guid, Table};
    let resources: Vec<Guid> = r.resource.iter().filter(|x| x.mo_id == closed).map(|x| x.id).collect();
    let slots: Vec<Guid> = r.slot.iter().filter(|x| x.mo_id == closed).map(|x| x.id).collect();
    let books: Vec<Guid> = r.book.iter().filter(|b| slots.contains(&b.slot_id)).map(|b| b.id).collect();
    let services: Vec<Guid> = r.service.iter().filter(|x| resources.contains(&x.resource_id)).map(|x| x.id).collect();
    handle.delete(Table::Book, &books).await.unwrap();
    handle.delete(Table::Slot, &slots).await.unwrap();
    handle.delete(Table::Service, &services).await.unwrap();
    handle.delete(Table::Resource, &resources).await.unwrap();
    handle.delete(Table::Mo, &[closed]).await.unwrap();
    books.len() + slots.len() + services.len() + resources.len()
}
