//! The engine on the PostgreSQL store: the same pushes as on SQLite (order, cascade, the books of
//! the status), on a real server started by the test harness.

use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::Table;
use fer_sync::{Scope, Store, SyncEngine};

use crate::common::{client, close_subdivision, drain, quick, region, requests};

#[tokio::test]
async fn a_region_goes_up_and_comes_down_from_a_postgres_store() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let store = Store::connect(&pg.database("region")).await.unwrap();
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let engine = SyncEngine::builder(store.clone())
        .organisation(emulator.username().clone(), client(&emulator, emulator.username(), emulator.password()))
        .config(quick())
        .build()
        .unwrap();
    let handle = engine.handle();
    let r = region(emulator.username(), 2, 40);
    let counts = handle.snapshot(Scope::Region, &r).await.unwrap();
    assert_eq!(counts.changed as usize, Table::LOAD_ORDER.iter().map(|t| r.len(*t)).sum::<usize>());
    // The same snapshot again is no change.
    assert_eq!(handle.snapshot(Scope::Region, &r).await.unwrap().changed, 0);
    let status = drain(&engine).await;
    assert_eq!(status.backlog(), 0, "{status:#?}");
    assert!(status.parked.is_empty(), "{:#?}", status.parked);
    for table in Table::LOAD_ORDER {
        assert_eq!(emulator.count(table), r.len(table), "{table}");
    }
    let slots = status.table(emulator.username().as_str(), Table::Slot).unwrap();
    assert_eq!(slots.latency.count, r.slot.len());
    // The engine took the leases of the subdivisions it pushed (and of the unrouted records).
    let leases = store.leases().await.unwrap();
    assert_eq!(leases.len(), r.mo.len() + 1, "{leases:?}");
    assert!(leases.iter().all(|l| l.holder.as_deref() == engine.instance()), "{leases:?}");

    // The instance holding the unrouted records' lease reconciles: nothing drifted.
    let report = engine.reconcile().await.unwrap();
    assert!(report.read > 0 && report.repaired() == 0, "{report:?}");

    // A subdivision closed: one delete, the rest by the Vitrina's cascade.
    let closed = r.mo[0].id;
    let cascaded = close_subdivision(&handle, &r, closed).await;
    let report = engine.run_once().await.unwrap();
    assert_eq!(report.cascaded, cascaded, "{report:?}");
    assert_eq!(requests(&emulator, "DELETE", "/api/mo"), 1);
    assert_eq!(engine.status().await.unwrap().backlog(), 0);
    assert_eq!(emulator.count(Table::Slot), r.slot.iter().filter(|x| x.mo_id != closed).count());
    assert!(emulator.get::<fer_model::Mo>(&closed).is_none());
    assert_eq!(store.desired(Table::Mo, &closed).await.unwrap(), None, "a settled delete is forgotten");
    store.close().await;
}

#[tokio::test]
async fn the_mis_outbox_needs_the_postgres_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let built = SyncEngine::builder(store.clone())
        .organisation(emulator.username().clone(), client(&emulator, emulator.username(), emulator.password()))
        .outbox(true)
        .build();
    assert!(matches!(built, Err(fer_sync::SyncError::NotPostgres(_))));
    assert!(matches!(store.drain_outbox(10).await, Err(fer_sync::SyncError::NotPostgres(_))));
    assert!(store.leases().await.unwrap().is_empty());
}
