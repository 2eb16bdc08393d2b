//! Reconciliation: drift made behind the engine's back is found and repaired; the gateway's own
//! writes, once adopted, are left alone.

use fer_model::{Book, BookStatus, Guid, Slot, SlotStatus, Table};
use fer_sync::Scope;

use crate::common::{client, drain, region, world};

#[tokio::test]
async fn a_record_deleted_and_one_altered_behind_the_engines_back_are_repaired() {
    let w = world().await;
    let r = region(w.emulator.username(), 1, 30);
    w.engine.handle().snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;
    assert_eq!(w.engine.reconcile().await.unwrap().repaired(), 0, "nothing drifted yet");

    // Someone else writes to the Vitrina with the same organisation's credentials.
    let other = client(&w.emulator, w.emulator.username(), w.emulator.password());
    let free: Vec<&Slot> = r.slot.iter().filter(|s| s.status == SlotStatus::Available).collect();
    let (deleted, altered) = (free[0].clone(), free[1].clone());
    assert!(other.delete::<Slot>(&deleted.id).await.unwrap());
    other.upsert(&[Slot { status: SlotStatus::Blocked, ..altered.clone() }]).await.unwrap();
    let stranger = Slot {
        id: Guid::from_u128(0xdead),
        visit_time: fer_model::Timestamp::from_naive(altered.visit_time.naive() + chrono::Duration::hours(12)),
        ..altered.clone()
    };
    other.upsert(std::slice::from_ref(&stranger)).await.unwrap();
    let period = &r.unaccessable_period[0];
    assert!(other.delete::<fer_model::UnaccessablePeriod>(&period.period_id).await.unwrap());

    let report = w.engine.reconcile().await.unwrap();
    assert_eq!((report.missing, report.altered, report.unwanted), (2, 1, 1), "{report:?}");
    assert_eq!(w.engine.status().await.unwrap().last_reconciliation.unwrap().report, report);
    drain(&w.engine).await;
    assert_eq!(w.emulator.get::<Slot>(&deleted.id).as_ref(), Some(&deleted));
    assert_eq!(w.emulator.get::<Slot>(&altered.id).as_ref(), Some(&altered));
    assert!(w.emulator.get::<Slot>(&stranger.id).is_none());
    assert!(w.emulator.get::<fer_model::UnaccessablePeriod>(&period.period_id).is_some());
    assert_eq!(w.engine.reconcile().await.unwrap().repaired(), 0, "repaired for good");
}

#[tokio::test]
async fn a_booking_the_gateway_wrote_is_not_repaired_away_once_adopted() {
    let w = world().await;
    let handle = w.engine.handle();
    let r = region(w.emulator.username(), 1, 31);
    handle.snapshot(Scope::Region, &r).await.unwrap();
    drain(&w.engine).await;
    let free = r.slot.iter().find(|s| s.status == SlotStatus::Available).unwrap().clone();
    let recorded = Slot { status: SlotStatus::Recorded, ..free.clone() };
    let book = Book {
        id: Guid::from_u128(0xb00c),
        patient_id: Guid::from_u128(0xfeed),
        slot_id: free.id,
        status_code: BookStatus::Recorded,
        tag_source: fer_model::TagSource::Epgu,
        kind: fer_model::BookType::Appointment,
        referral_id: None,
        create_ts: free.create_ts,
    };

    // UC-1: the webhook handler books in the MIS and tells the engine before it answers; the
    // gateway writes the slot and the book afterwards. A reconciliation in between pushes the
    // same state the gateway is about to write, which is harmless.
    handle.adopt(std::slice::from_ref(&recorded)).await.unwrap();
    handle.adopt(std::slice::from_ref(&book)).await.unwrap();
    assert_eq!(handle.status().await.unwrap().backlog(), 0, "adopted records are not sent");
    let early = w.engine.reconcile().await.unwrap();
    assert_eq!(
        (early.altered, early.missing),
        (1, 1),
        "neither the RECORDED slot nor the book is there yet: {early:?}"
    );
    drain(&w.engine).await;
    let gateway = client(&w.emulator, w.emulator.username(), w.emulator.password());
    gateway.upsert(std::slice::from_ref(&recorded)).await.unwrap();
    gateway.upsert(std::slice::from_ref(&book)).await.unwrap();
    assert_eq!(w.engine.reconcile().await.unwrap().repaired(), 0);
    assert_eq!(w.emulator.get::<Slot>(&free.id).unwrap().status, SlotStatus::Recorded);
    assert_eq!(w.emulator.get::<Book>(&book.id).unwrap().status_code, BookStatus::Recorded);
    assert_eq!(w.emulator.count(Table::Book), r.book.len() + 1);

    // Without adopting, the same write would look like drift and be put back: the reason to adopt.
    let other = r.slot.iter().filter(|s| s.status == SlotStatus::Available).nth(1).unwrap().clone();
    gateway.upsert(&[Slot { status: SlotStatus::Recorded, ..other.clone() }]).await.unwrap();
    assert_eq!(w.engine.reconcile().await.unwrap().altered, 1);
    drain(&w.engine).await;
    assert_eq!(w.emulator.get::<Slot>(&other.id).unwrap().status, SlotStatus::Available);
}
