//! The MIS-side outbox: a MIS living in PostgreSQL enqueues its changes in its own transactions
//! (`fer_sync.enqueue`, here through the example trigger on a table of its own), and exactly the
//! committed ones reach the Vitrina; a change that cannot be taken is parked with its reason.

use std::collections::HashMap;
use std::time::Duration;

use fer_emulator::{Emulator, EmulatorConfig};
use fer_model::{Guid, Slot, SlotStatus, Table};
use fer_sync::{Store, SyncEngine};

use crate::common::{client, flat, quick, spawn_running, until};

/// Changes the MIS makes, by workers in transactions of up to ten changes (and a few more in
/// transactions that always roll back).
const CHANGES: usize = 10_000;
const SLOTS: usize = 2_000;
const WORKERS: usize = 8;
/// Slots each worker creates only in a transaction that rolls back.
const NEVER: usize = 7;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_committed_changes_of_concurrent_mis_transactions_reach_the_vitrina() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let url = pg.database("outbox");
    let store = Store::connect(&url).await.unwrap();
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let engine = SyncEngine::builder(store.clone())
        .organisation(emulator.username().clone(), client(&emulator, emulator.username(), emulator.password()))
        .config(quick())
        .outbox(true)
        .build()
        .unwrap();
    let handle = engine.handle();
    let (stop, running) = spawn_running(engine);

    // The subdivision and its resources come through the Rust API; the slots through the MIS's
    // own table, whose trigger enqueues every change in the MIS's transaction.
    let (mo, resources, mut slots) = flat(emulator.username(), SLOTS + WORKERS * NEVER, 77);
    let never_committed = slots.split_off(SLOTS);
    handle.upsert(&[mo]).await.unwrap();
    handle.upsert(&resources).await.unwrap();
    let mis = sqlx::postgres::PgPoolOptions::new().max_connections(WORKERS as u32).connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE mis_slot (id uuid PRIMARY KEY, record jsonb NOT NULL)").execute(&mis).await.unwrap();
    sqlx::query(
        "CREATE TRIGGER fer_sync AFTER INSERT OR UPDATE OR DELETE ON mis_slot \
         FOR EACH ROW EXECUTE FUNCTION fer_sync.enqueue_row('slot')",
    )
    .execute(&mis)
    .await
    .unwrap();

    // Worker w owns the slots i with i % WORKERS == w and changes each five times: created, its
    // status flipped, and (one in five) deleted at the end. Every seventh transaction rolls back.
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (mis, mine): (_, Vec<Slot>) =
            (mis.clone(), slots.iter().enumerate().filter(|(i, _)| i % WORKERS == w).map(|(_, s)| s.clone()).collect());
        let doomed: Vec<Slot> = never_committed[w * NEVER..(w + 1) * NEVER].to_vec();
        workers.push(tokio::spawn(async move {
            let mut committed: HashMap<Guid, Option<Slot>> = HashMap::new();
            // Slots the MIS creates and then thinks better of: the transaction rolls back.
            let mut tx = mis.begin().await.unwrap();
            for slot in &doomed {
                sqlx::query("INSERT INTO mis_slot (id, record) VALUES ($1::uuid, $2::jsonb)")
                    .bind(slot.id.to_string())
                    .bind(serde_json::to_string(slot).unwrap())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            tx.rollback().await.unwrap();
            let mut changes: Vec<(Slot, bool)> = Vec::new(); // (state, delete)
            for round in 0..CHANGES / SLOTS {
                for (k, slot) in mine.iter().enumerate() {
                    let mut s = slot.clone();
                    s.status = if round % 2 == 0 { SlotStatus::Available } else { SlotStatus::Blocked };
                    let delete = round == CHANGES / SLOTS - 1 && k % 5 == 0;
                    changes.push((s, delete));
                }
            }
            let (mut transactions, mut rolled_back, mut made) = (0usize, 0usize, 0usize);
            for batch in changes.chunks(1 + w % 10) {
                transactions += 1;
                let roll_back = transactions % 7 == 0;
                let mut tx = mis.begin().await.unwrap();
                for (slot, delete) in batch {
                    made += 1;
                    if *delete {
                        sqlx::query("DELETE FROM mis_slot WHERE id = $1::uuid")
                            .bind(slot.id.to_string())
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                    } else {
                        sqlx::query(
                            "INSERT INTO mis_slot (id, record) VALUES ($1::uuid, $2::jsonb) \
                             ON CONFLICT (id) DO UPDATE SET record = excluded.record",
                        )
                        .bind(slot.id.to_string())
                        .bind(serde_json::to_string(slot).unwrap())
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    }
                }
                if roll_back {
                    tx.rollback().await.unwrap();
                    rolled_back += 1;
                } else {
                    tx.commit().await.unwrap();
                    for (slot, delete) in batch {
                        committed.insert(slot.id, (!*delete).then(|| slot.clone()));
                    }
                }
            }
            (committed, made, rolled_back)
        }));
    }
    let mut want: HashMap<Guid, Option<Slot>> = HashMap::new();
    let (mut made, mut rolled_back) = (0, 0);
    for w in workers {
        let (committed, m, r) = w.await.unwrap();
        want.extend(committed);
        made += m;
        rolled_back += r;
    }
    assert_eq!(made, CHANGES);
    let made = made + WORKERS * NEVER;
    assert!(rolled_back > 0);

    let sql = sqlx::PgPool::connect(&url).await.unwrap();
    until(Duration::from_secs(180), "the outbox drained and pushed", async || {
        let left: i64 = sqlx::query_scalar("SELECT count(*) FROM fer_sync.outbox").fetch_one(&sql).await.unwrap();
        left == 0 && handle.status().await.unwrap().backlog() == 0
    })
    .await;
    // Exactly the committed changes: every slot as its last committed change left it, the slots
    // created only in rolled-back transactions absent.
    let present: Vec<&Slot> = want.values().flatten().collect();
    assert_eq!(emulator.count(Table::Slot), present.len());
    for (id, slot) in &want {
        assert_eq!(emulator.get::<Slot>(id).as_ref(), slot.as_ref(), "slot {id}");
    }
    let never: Vec<&Slot> = slots.iter().filter(|s| !want.contains_key(&s.id)).chain(&never_committed).collect();
    assert!(never.len() >= WORKERS * NEVER);
    assert!(never.iter().all(|s| emulator.get::<Slot>(&s.id).is_none()));
    assert!(store.outbox_parked(10).await.unwrap().is_empty());
    eprintln!(
        "{made} changes in MIS transactions, {rolled_back} transactions rolled back: {} slots on the Vitrina, {} never committed",
        present.len(),
        never.len()
    );
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running).await.unwrap().unwrap().unwrap();
}

#[tokio::test]
async fn a_change_that_cannot_be_taken_is_parked_with_its_reason_until_the_mis_changes_the_record() {
    let Some(pg) = fer_testkit::postgres::Postgres::shared() else { return };
    let url = pg.database("outbox_parked");
    let store = Store::connect(&url).await.unwrap();
    let sql = sqlx::PgPool::connect(&url).await.unwrap();
    let (_, _, slots) = flat(&"1.2.643.5.1.13.13.12.2.77.7001".parse().unwrap(), 2, 3);
    let good = serde_json::to_string(&slots[0]).unwrap();
    let mut bad: serde_json::Value = serde_json::to_value(&slots[1]).unwrap();
    bad["duration"] = serde_json::json!("forever");
    let id = slots[1].id.to_string();
    for (tbl, id, record) in [
        ("slots", "x".to_owned(), Some(good.clone())),
        ("slot", "not-a-guid".to_owned(), Some(good.clone())),
        ("slot", id.clone(), Some(bad.to_string())),
        ("slot", slots[0].id.to_string(), Some(good.clone())),
    ] {
        sqlx::query("SELECT fer_sync.enqueue($1, $2, $3::json)")
            .bind(tbl)
            .bind(id)
            .bind(record)
            .execute(&sql)
            .await
            .unwrap();
    }
    let drain = store.drain_outbox(100).await.unwrap();
    assert_eq!((drain.taken, drain.parked, drain.intake.changed), (4, 3, 1), "{drain:?}");
    let parked = store.outbox_parked(10).await.unwrap();
    let reasons: Vec<(&str, &str, &str, Option<&str>)> =
        parked.iter().map(|p| (p.table.as_str(), p.id.as_str(), p.code.as_str(), p.field.as_deref())).collect();
    assert_eq!(reasons[0], ("slots", "x", "table", None));
    assert_eq!(reasons[1], ("slot", "not-a-guid", "id", None));
    assert_eq!((reasons[2].0, reasons[2].1, reasons[2].3), ("slot", id.as_str(), Some("/duration")));
    assert!(parked[2].message.contains(&id) && parked[2].message.contains("/duration"), "{:?}", parked[2]);
    assert_eq!(store.desired(Table::Slot, &slots[0].id).await.unwrap(), Some(Some(good)));
    assert_eq!(store.desired(Table::Slot, &slots[1].id).await.unwrap(), None);

    // The MIS fixes the record: taken, and its parked change is gone.
    sqlx::query("SELECT fer_sync.enqueue('slot', $1, $2::json)")
        .bind(&id)
        .bind(serde_json::to_string(&slots[1]).unwrap())
        .execute(&sql)
        .await
        .unwrap();
    let drain = store.drain_outbox(100).await.unwrap();
    assert_eq!((drain.taken, drain.parked), (1, 0));
    assert_eq!(store.outbox_parked(10).await.unwrap().len(), 2);
    assert!(store.desired(Table::Slot, &slots[1].id).await.unwrap().is_some());
    // And a delete through the function: the record was never sent, so it is simply forgotten.
    sqlx::query("SELECT fer_sync.enqueue_delete('slot', $1)").bind(&id).execute(&sql).await.unwrap();
    let drain = store.drain_outbox(100).await.unwrap();
    assert_eq!((drain.taken, drain.intake.changed), (1, 1));
    assert_eq!(store.desired(Table::Slot, &slots[1].id).await.unwrap(), None);
}
