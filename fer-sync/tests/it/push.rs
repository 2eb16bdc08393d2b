//! The push loop: order, cascade, refusals, failures, several organisations, the ack race, and
//! the loop itself.

use std::time::{Duration, Instant};

use fer_emulator::{EmulatorConfig, Faults};
use fer_model::{Guid, Oid, Slot, Table, Timestamp};
use fer_sync::{Scope, Store, SyncEngine};

use crate::common::{client, close_subdivision, drain, quick, region, requests, spawn_running, world, world_with};

#[tokio::test]
async fn a_region_goes_up_and_its_latency_is_measured() {
    let w = world().await;
    let r = region(w.emulator.username(), 2, 10);
    w.engine.handle().snapshot(Scope::Region, &r).await.unwrap();
    let status = drain(&w.engine).await;
    assert_eq!(status.backlog(), 0, "{status:#?}");
    assert!(status.parked.is_empty(), "{:#?}", status.parked);
    for table in Table::LOAD_ORDER {
        assert_eq!(w.emulator.count(table), r.len(table), "{table}");
    }
    let slots = status.table(w.emulator.username().as_str(), Table::Slot).unwrap();
    assert_eq!(slots.latency.count, r.slot.len());
    assert!(slots.latency.p99_ms.is_some() && slots.oldest_unsent_ms.is_none());
}

#[tokio::test]
async fn closing_a_subdivision_sends_one_delete_and_leaves_the_rest_to_the_cascade() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 2, 11);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;

    // The MIS deletes the subdivision with everything under it, children first, as it would.
    let closed = r.mo[0].id;
    let cascaded = close_subdivision(&handle, &r, closed).await;
    let report = w.engine.run_once().await.unwrap();
    assert_eq!(report.cascaded, cascaded, "{report:?}");
    assert_eq!(requests(&w.emulator, "DELETE", "/api/mo"), 1);
    for path in ["/api/slot", "/api/book", "/api/resource", "/api/service"] {
        assert_eq!(requests(&w.emulator, "DELETE", path), 0, "{path}: left to the cascade");
    }
    assert_eq!(w.engine.status().await.unwrap().backlog(), 0);
    assert_eq!(w.emulator.count(Table::Slot), r.slot.iter().filter(|x| x.mo_id != closed).count());
    assert!(w.emulator.get::<fer_model::Mo>(&closed).is_none());
}

#[tokio::test]
async fn a_slot_moved_onto_the_time_of_a_deleted_one_is_not_refused() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 12);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;

    // The old slot of 08:00 goes; a new slot (new id) takes its resource and time.
    let booked: Vec<Guid> = r.book.iter().map(|b| b.slot_id).collect();
    let old = r.slot.iter().find(|s| !booked.contains(&s.id)).unwrap().clone();
    let new = Slot { id: Guid::from_name(&Guid::from_u128(77), "mis-slot-moved"), ..old.clone() };
    handle.upsert(std::slice::from_ref(&new)).await.unwrap();
    handle.delete(Table::Slot, &[old.id]).await.unwrap();
    let status = drain(&w.engine).await;
    assert!(status.parked.is_empty(), "{:#?}", status.parked);
    assert!(w.emulator.get::<Slot>(&new.id).is_some() && w.emulator.get::<Slot>(&old.id).is_none());
}

#[tokio::test]
async fn a_refused_record_is_parked_with_its_reason_until_the_mis_changes_it() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 13);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;

    // A second slot at the time of a slot that stays: R-330, whatever the order.
    let taken = r.slot[0].clone();
    let twin = Slot { id: Guid::from_name(&Guid::from_u128(77), "mis-slot-twin"), ..taken.clone() };
    handle.upsert(std::slice::from_ref(&twin)).await.unwrap();
    let status = drain(&w.engine).await;
    assert_eq!(status.backlog(), 0);
    let parked = &status.parked;
    assert_eq!(parked.len(), 1, "{parked:#?}");
    assert_eq!((parked[0].table, parked[0].code.as_str()), (Table::Slot, "R-330"));
    assert_eq!(parked[0].attempts, 3, "the ordering retries, then parked");
    assert!(!parked[0].message.is_empty());
    assert_eq!(status.parked_by_code, vec![fer_sync::ParkedCount { code: "R-330".into(), count: 1 }]);
    let posts = requests(&w.emulator, "POST", "/api/slot");
    w.engine.run_once().await.unwrap();
    assert_eq!(requests(&w.emulator, "POST", "/api/slot"), posts, "a parked record is not sent again");

    // The MIS moves it to a free time: it is tried again and accepted.
    let later = taken.visit_time.naive() + chrono::Duration::hours(13);
    let moved = Slot { visit_time: Timestamp::from_naive(later), ..twin };
    handle.upsert(std::slice::from_ref(&moved)).await.unwrap();
    let status = drain(&w.engine).await;
    assert!(status.parked.is_empty(), "{:#?}", status.parked);
    assert!(status.parked_by_code.is_empty());
    assert_eq!(w.emulator.get::<Slot>(&moved.id).unwrap().visit_time, moved.visit_time);
}

#[tokio::test]
async fn a_refused_password_backs_off_for_the_whole_organisation() {
    let emulator = fer_emulator::Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let config = quick().with_retry(Duration::from_secs(5), Duration::from_secs(30));
    let engine = SyncEngine::builder(store)
        .organisation(emulator.username().clone(), client(&emulator, emulator.username(), "wrong"))
        .config(config)
        .build()
        .unwrap();
    engine.handle().snapshot(Scope::Region, &region(emulator.username(), 1, 14)).await.unwrap();
    let first = engine.run_once().await.unwrap();
    assert_eq!((first.failed_organisations, first.accepted), (1, 0));
    let logins = requests(&emulator, "POST", "/auth.svc");
    for _ in 0..5 {
        engine.run_once().await.unwrap();
    }
    assert_eq!(requests(&emulator, "POST", "/auth.svc"), logins, "no hot loop: the organisation waits");
    let status = engine.status().await.unwrap();
    let org = &status.organisations[0];
    assert!(org.failing.as_deref().is_some_and(|e| e.contains("401") || e.contains("authorisation")), "{org:?}");
    assert_eq!(org.consecutive_failures, 1);
    assert!(status.parked.is_empty(), "a refused password parks nothing: the records wait");
    assert!(status.backlog() > 0);
}

#[tokio::test]
async fn records_go_to_the_organisation_of_their_subdivision() {
    let second: Oid = "1.2.643.5.1.13.13.12.2.77.8888".parse().unwrap();
    let config =
        EmulatorConfig { other_accounts: vec![(second.clone(), "second".into())], ..EmulatorConfig::default() };
    let emulator = fer_emulator::Emulator::spawn(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let first = emulator.username().clone();
    let engine = SyncEngine::builder(store)
        .organisation(first.clone(), client(&emulator, &first, emulator.password()))
        .organisation(second.clone(), client(&emulator, &second, "second"))
        .config(quick())
        .build()
        .unwrap();
    let a = region(&first, 1, 15);
    let b = region(&second, 1, 16);
    // One snapshot of the whole region: both organisations' records, children before parents.
    let mut both = a.clone();
    for table in Table::LOAD_ORDER {
        fer_model::with_record_type!(table, R => both.records_mut::<R>().extend(b.records::<R>().iter().cloned()));
    }
    engine.handle().snapshot(Scope::Region, &both).await.unwrap();
    let status = drain(&engine).await;
    assert!(
        status.parked.is_empty(),
        "a record sent with the other organisation's token is refused 403: {:#?}",
        status.parked
    );
    assert_eq!(emulator.count(Table::Slot), a.slot.len() + b.slot.len());
    for org in [&first, &second] {
        assert!(status.table(org.as_str(), Table::Slot).is_some_and(|t| t.latency.count > 0), "{org}");
    }
}

#[tokio::test]
async fn a_change_made_while_its_record_is_on_the_wire_is_sent_after_it() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 17);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;

    // Every answer now takes 400 ms: the change below arrives while the first version is sent.
    w.emulator.set_faults(Faults { latency: Duration::from_millis(400), ..Faults::default() });
    let mut slot = r.slot.iter().find(|s| s.status == fer_model::SlotStatus::Available).unwrap().clone();
    slot.status = fer_model::SlotStatus::Blocked;
    handle.upsert(std::slice::from_ref(&slot)).await.unwrap();
    let engine = &w.engine;
    let (report, ()) = tokio::join!(engine.run_once(), async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let mut again = slot.clone();
        again.status = fer_model::SlotStatus::Canceled;
        handle.upsert(&[again]).await.unwrap();
    });
    assert_eq!(report.unwrap().accepted, 1);
    let status = handle.status().await.unwrap();
    assert_eq!(status.backlog(), 1, "the newer version is still pending after the older one's ack");
    w.emulator.set_faults(Faults::default());
    drain(&w.engine).await;
    assert_eq!(w.emulator.get::<Slot>(&slot.id).unwrap().status, fer_model::SlotStatus::Canceled);
}

#[tokio::test]
async fn the_loop_pushes_a_change_within_the_window_and_stops_on_shutdown() {
    let w = world_with(EmulatorConfig::default()).await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 18);
    let (stop, running) = spawn_running(w.engine);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    let started = Instant::now();
    while w.emulator.count(Table::Slot) < r.slot.len() {
        assert!(started.elapsed() < Duration::from_secs(30), "the region did not arrive within the window");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut slot = r.slot[1].clone();
    slot.status = fer_model::SlotStatus::Blocked;
    handle.upsert(std::slice::from_ref(&slot)).await.unwrap();
    let changed = Instant::now();
    while w.emulator.get::<Slot>(&slot.id).map(|s| s.status) != Some(fer_model::SlotStatus::Blocked) {
        assert!(changed.elapsed() < Duration::from_secs(30), "the change did not arrive within the window");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.send(()).unwrap();
    let engine = tokio::time::timeout(Duration::from_secs(10), running).await.unwrap().unwrap().unwrap();
    assert_eq!(engine.status().await.unwrap().backlog(), 0);
}
