//! Intake: durable, coalescing, and the snapshot diff.

use fer_model::{SlotStatus, Table};
use fer_sync::{IntakeCounts, Scope, Store, SyncEngine};

use crate::common::{client, drain, quick, region, region_over, requests, world};

#[tokio::test]
async fn writes_coalesce_per_record_and_a_change_back_needs_no_push() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 1);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    assert!(drain(&w.engine).await.backlog() == 0);
    let posts = requests(&w.emulator, "POST", "/api/slot");

    let mut slot = r.slot[0].clone();
    let same = handle.upsert(std::slice::from_ref(&slot)).await.unwrap();
    assert_eq!(same, IntakeCounts { changed: 0, unchanged: 1, deleted: 0 }, "the content the store already has");

    slot.status = SlotStatus::Blocked;
    handle.upsert(std::slice::from_ref(&slot)).await.unwrap();
    slot.status = SlotStatus::Canceled;
    handle.upsert(std::slice::from_ref(&slot)).await.unwrap();
    let status = handle.status().await.unwrap();
    assert_eq!(status.table(w.emulator.username().as_str(), Table::Slot).unwrap().pending, 1, "two writes, one change");

    // Back to what the Vitrina holds: nothing left to send.
    handle.upsert(std::slice::from_ref(&r.slot[0])).await.unwrap();
    assert_eq!(handle.status().await.unwrap().backlog(), 0);
    w.engine.run_once().await.unwrap();
    assert_eq!(requests(&w.emulator, "POST", "/api/slot"), posts, "no request for a change undone");
}

#[tokio::test]
async fn what_was_handed_over_survives_a_restart() {
    let w = world().await;
    let path = w.dir.path().join("sync.db");
    let r = region(w.emulator.username(), 1, 2);
    w.engine.handle().snapshot(Scope::Region, &r).await.unwrap();
    let before = w.engine.status().await.unwrap().backlog();
    assert_eq!(before as usize, r.total());
    drop(w.engine);

    // A new process: the same file, a new engine.
    let store = Store::open(&path).await.unwrap();
    let engine = SyncEngine::builder(store)
        .organisation(w.emulator.username().clone(), client(&w.emulator, w.emulator.username(), w.emulator.password()))
        .config(quick())
        .build()
        .unwrap();
    assert_eq!(engine.status().await.unwrap().backlog(), before);
    assert_eq!(drain(&engine).await.backlog(), 0);
    assert_eq!(w.emulator.count(Table::Slot), r.slot.len());
}

#[tokio::test]
async fn a_snapshot_deletes_what_its_scope_no_longer_holds() {
    let w = world().await;
    let handle = w.engine.handle();
    let mut r = region(w.emulator.username(), 2, 3);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;
    let slots = w.emulator.count(Table::Slot);

    // The second subdivision's snapshot without one of its free slots.
    let other = r.mo[1].id;
    let gone = r.slot.iter().position(|s| s.mo_id == other && s.status == SlotStatus::Available).unwrap();
    let gone = r.slot.remove(gone);
    let resources: Vec<_> = r.resource.iter().filter(|x| x.mo_id == other).map(|x| x.id).collect();
    let slot_ids: Vec<_> = r.slot.iter().filter(|x| x.mo_id == other).map(|x| x.id).collect();
    let part = fer_model::Dataset {
        mo: r.mo.iter().filter(|m| m.id == other).cloned().collect(),
        resource: r.resource.iter().filter(|x| x.mo_id == other).cloned().collect(),
        service: r.service.iter().filter(|x| resources.contains(&x.resource_id)).cloned().collect(),
        profilecode_resource: r
            .profilecode_resource
            .iter()
            .filter(|x| resources.contains(&x.resource_id))
            .cloned()
            .collect(),
        unaccessable_period: r
            .unaccessable_period
            .iter()
            .filter(|x| resources.contains(&x.resource_id))
            .cloned()
            .collect(),
        slot: r.slot.iter().filter(|x| x.mo_id == other).cloned().collect(),
        book: r.book.iter().filter(|b| slot_ids.contains(&b.slot_id)).cloned().collect(),
        referral: r.referral.iter().filter(|x| x.to_mo_id == other).cloned().collect(),
    };

    let counts = handle.snapshot(Scope::Subdivision(other), &part).await.unwrap();
    assert_eq!((counts.changed, counts.deleted), (0, 1), "{counts:?}");
    drain(&w.engine).await;
    assert_eq!(w.emulator.count(Table::Slot), slots - 1);
    assert!(w.emulator.get::<fer_model::Slot>(&gone.id).is_none());
}

/// A resource's fortnight regenerated: a [`Scope::Schedule`] snapshot deletes the slots (and books)
/// of that resource on those days that it lacks, and leaves its other days, the other resources and
/// the rest of the region alone.
#[tokio::test]
async fn a_schedule_snapshot_touches_one_resource_over_its_days_only() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region_over(w.emulator.username(), 1, 8, 4);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;
    let (slots, books) = (w.emulator.count(Table::Slot), w.emulator.count(Table::Book));

    // The first resource that has slots (some sample resources carry none).
    let resource = r.slot[0].resource_id;
    let mut days: Vec<_> =
        r.slot.iter().filter(|s| s.resource_id == resource).map(|s| s.visit_time.naive().date()).collect();
    days.sort();
    days.dedup();
    assert!(days.len() >= 3, "the sample has several days: {days:?}");
    let (from, to) = (days[1], days[days.len() - 1]);
    let in_scope =
        |s: &fer_model::Slot| s.resource_id == resource && (from..=to).contains(&s.visit_time.naive().date());
    let mut part = fer_model::Dataset {
        slot: r.slot.iter().filter(|s| in_scope(s)).cloned().collect(),
        unaccessable_period: r.unaccessable_period.iter().filter(|p| p.resource_id == resource).cloned().collect(),
        ..Default::default()
    };
    part.book = r.book.iter().filter(|b| part.slot.iter().any(|s| s.id == b.slot_id)).cloned().collect();
    // The regenerated schedule lacks one free slot and one booking of the range.
    let free = part.slot.iter().position(|s| s.status == SlotStatus::Available).unwrap();
    let gone_slot = part.slot.remove(free);
    let gone_book = (!part.book.is_empty()).then(|| part.book.remove(0));
    let outside = r.slot.iter().find(|s| s.resource_id == resource && !in_scope(s)).unwrap();

    let counts = handle.snapshot(Scope::Schedule { resource, from, to }, &part).await.unwrap();
    let expected = 1 + u64::from(gone_book.is_some());
    assert_eq!((counts.changed, counts.deleted), (0, expected), "{counts:?}");
    drain(&w.engine).await;
    assert!(w.emulator.get::<fer_model::Slot>(&gone_slot.id).is_none());
    assert!(w.emulator.get::<fer_model::Slot>(&outside.id).is_some(), "a day outside the range is untouched");
    assert_eq!(w.emulator.count(Table::Slot), slots - 1);
    if let Some(book) = gone_book {
        assert!(w.emulator.get::<fer_model::Book>(&book.id).is_none());
        assert_eq!(w.emulator.count(Table::Book), books - 1);
    }
    assert_eq!(w.emulator.count(Table::Resource), r.resource.len(), "the resource itself is not in the scope");
}

/// A store written by the layout before the key was (id, tbl) and the two scope indexes became
/// one: opening it copies every row into the new layout, pending and sent state included.
#[tokio::test]
async fn a_store_of_the_previous_layout_is_upgraded_with_its_records() {
    use std::borrow::Cow;

    use sqlx::migrate::{Migration, MigrationType, Migrator};

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sync.db");
    let previous = Migrator {
        migrations: Cow::Owned(
            [
                (1, "outbox", include_str!("../../migrations/0001_outbox.sql")),
                (2, "schedule scope", include_str!("../../migrations/0002_schedule_scope.sql")),
                (3, "indexes for the cycle", include_str!("../../migrations/0003_indexes_for_the_cycle.sql")),
            ]
            .into_iter()
            .map(|(v, name, sql)| {
                Migration::new(v, Cow::Borrowed(name), MigrationType::Simple, Cow::Borrowed(sql), false)
            })
            .collect(),
        ),
        ..Migrator::DEFAULT
    };
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    previous.run(&pool).await.unwrap();
    let pending = fer_model::Guid::from_u128(7);
    let sent = fer_model::Guid::from_u128(8);
    sqlx::query(
        "INSERT INTO fer_sync_record (tbl, id, org, desired, desired_hash, sent_hash, pending, pending_since_ms, changed_ms) \
         VALUES ('slot', ?1, 'org', '{\"a\":1}', 11, NULL, 1, 5, 5), ('slot', ?2, 'org', '{\"b\":2}', 12, 12, 0, NULL, 5)",
    )
    .bind(pending.to_string())
    .bind(sent.to_string())
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.desired(Table::Slot, &pending).await.unwrap(), Some(Some("{\"a\":1}".to_owned())));
    assert_eq!(store.desired(Table::Slot, &sent).await.unwrap(), Some(Some("{\"b\":2}".to_owned())));
    let status = store.status().await.unwrap();
    assert_eq!(status.table("org", Table::Slot).unwrap().pending, 1, "the sent one is not pending again");
}

/// Committed pages reach the database file without the writer copying them (the writer's own
/// checkpoint comes only past a bound far above this intake).
#[tokio::test]
async fn committed_pages_are_checkpointed_in_the_background() {
    let w = world().await;
    let path = w.dir.path().join("sync.db");
    let before = std::fs::metadata(&path).unwrap().len();
    let r = region(w.emulator.username(), 2, 3);
    w.engine.handle().snapshot(Scope::Region, &r).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::fs::metadata(&path).unwrap().len() <= before {
        assert!(std::time::Instant::now() < deadline, "the database file never took the committed pages");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
