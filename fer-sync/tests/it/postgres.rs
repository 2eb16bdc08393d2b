//! The engine on the PostgreSQL store: the same pushes as on SQLite (order, cascade, the books of
//! the status), on a real server started by the test harness.

use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Guid, Table};
use fer_sync::{Scope, Store, SyncEngine};

use crate::common::{client, drain, quick, region, requests};

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
    let resources: Vec<Guid> = r.resource.iter().filter(|x| x.mo_id == closed).map(|x| x.id).collect();
    let slots: Vec<Guid> = r.slot.iter().filter(|x| x.mo_id == closed).map(|x| x.id).collect();
    let books: Vec<Guid> = r.book.iter().filter(|b| slots.contains(&b.slot_id)).map(|b| b.id).collect();
    let services: Vec<Guid> = r.service.iter().filter(|x| resources.contains(&x.resource_id)).map(|x| x.id).collect();
    handle.delete(Table::Book, &books).await.unwrap();
    handle.delete(Table::Slot, &slots).await.unwrap();
    handle.delete(Table::Service, &services).await.unwrap();
    handle.delete(Table::Resource, &resources).await.unwrap();
    handle.delete(Table::Mo, &[closed]).await.unwrap();
    let report = engine.run_once().await.unwrap();
    assert_eq!(report.cascaded, books.len() + slots.len() + services.len() + resources.len(), "{report:?}");
    assert_eq!(requests(&emulator, "DELETE", "/api/mo"), 1);
    assert_eq!(engine.status().await.unwrap().backlog(), 0);
    assert_eq!(emulator.count(Table::Slot), r.slot.len() - slots.len());
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
