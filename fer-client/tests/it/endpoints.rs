//! Every endpoint of the spec against a real emulator on 127.0.0.1: the eight tables' upsert, get
//! and delete, the list calls, webhook registration, gzip on and off.

use std::fmt::Debug;

use chrono::NaiveDate;
use fer_client::{Error, VitrinaClient};
use fer_model::{Callback, Guid, Record, Slot, SlotStatus, Table};
use fer_validate::Validate;

async fn upsert_and_read_back<T: Record + Validate + PartialEq + Debug>(client: &VitrinaClient, record: &T) {
    let report = client.upsert(std::slice::from_ref(record)).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    let back: T = client.get(&record.id()).await.unwrap().unwrap_or_else(|| panic!("{} not stored", T::TABLE));
    assert_eq!(&back, record);
}

async fn delete_and_check_gone<T: Record + Debug>(client: &VitrinaClient, record: &T) {
    assert!(client.delete::<T>(&record.id()).await.unwrap(), "{} not deleted", T::TABLE);
    assert!(client.get::<T>(&record.id()).await.unwrap().is_none(), "{} still there", T::TABLE);
    // A repeated delete is harmless: nothing left to delete.
    assert!(!client.delete::<T>(&record.id()).await.unwrap());
}

#[tokio::test]
async fn every_table_upserts_reads_back_and_deletes() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let mo = crate::common::mo(1, emulator.username());
    let doctor = crate::common::doctor(1, mo.id);
    let service = crate::common::service(1, &doctor);
    let profile = crate::common::profile(1, &doctor);
    let period = crate::common::period(1, &doctor);
    let mut slot = crate::common::slot(1, 0, &doctor);
    slot.status = SlotStatus::Recorded; // a book needs its slot RECORDED (section 5.7)
    let referral = crate::common::referral(1, &mo, &doctor);
    let book = crate::common::book(1, &slot);

    upsert_and_read_back(&client, &mo).await;
    upsert_and_read_back(&client, &doctor).await;
    upsert_and_read_back(&client, &service).await;
    upsert_and_read_back(&client, &profile).await;
    upsert_and_read_back(&client, &period).await;
    upsert_and_read_back(&client, &slot).await;
    upsert_and_read_back(&client, &referral).await;
    upsert_and_read_back(&client, &book).await;
    for table in Table::LOAD_ORDER {
        assert_eq!(emulator.count(table), 1, "{table}");
    }

    delete_and_check_gone(&client, &book).await;
    delete_and_check_gone(&client, &referral).await;
    delete_and_check_gone(&client, &slot).await;
    delete_and_check_gone(&client, &period).await;
    delete_and_check_gone(&client, &profile).await;
    delete_and_check_gone(&client, &service).await;
    delete_and_check_gone(&client, &doctor).await;
    delete_and_check_gone(&client, &mo).await;
    for table in Table::LOAD_ORDER {
        assert_eq!(emulator.count(table), 0, "{table}");
    }
}

#[tokio::test]
async fn list_calls_return_what_was_pushed() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let mut dataset = crate::common::schedule(emulator.username(), 2, 2, 6);
    let recorded: &mut Slot = &mut dataset.slot[0];
    recorded.status = SlotStatus::Recorded;
    let book = crate::common::book(1, recorded);
    dataset.book.push(book.clone());
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");

    let mos = client.mo_by_oid(emulator.username()).await.unwrap();
    assert_eq!(mos.len(), 2);
    assert!(mos.iter().all(|m| dataset.mo.contains(m)));

    let first_mo = &dataset.mo[0];
    let resources = client.resources_by_mo(&first_mo.id).await.unwrap();
    assert_eq!(resources.len(), 2);
    assert!(resources.iter().all(|r| r.mo_id == first_mo.id));

    let doctor = &dataset.resource[0];
    let day = NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    let slots = client.slots_by_resource(&doctor.id, day, day).await.unwrap();
    assert_eq!(slots.len(), 6);
    assert!(slots.iter().all(|s| s.resource_id == doctor.id));
    let next_day = day.succ_opt().unwrap();
    assert!(client.slots_by_resource(&doctor.id, next_day, next_day).await.unwrap().is_empty());

    let books = client.books_by_slot(&book.slot_id).await.unwrap();
    assert_eq!(books, vec![book.clone()]);
    assert!(client.books_by_slot(&dataset.slot[1].id).await.unwrap().is_empty());
    assert!(client.resources_by_mo(&Guid::new_v4()).await.unwrap().is_empty());

    // The thin per-table handles reach the same endpoints.
    assert_eq!(client.slots().get(&dataset.slot[1].id).await.unwrap().as_ref(), Some(&dataset.slot[1]));
    assert!(client.books().delete(&book.id).await.unwrap());
    assert!(client.books_by_slot(&book.slot_id).await.unwrap().is_empty());
}

#[tokio::test]
async fn webhook_registration_per_mo_and_per_subdivision() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let (peer, other_peer) = (crate::common::webhook_peer().await, crate::common::webhook_peer().await);
    let subdivision = crate::common::mo(1, emulator.username()).branch_oid;

    assert_eq!(client.get_callback(None).await.unwrap(), None);
    let registered = client.register_callback(&Callback::new(&peer)).await.unwrap();
    assert_eq!(registered.address, peer);
    assert_eq!(client.get_callback(None).await.unwrap().map(|c| c.address), Some(peer.clone()));

    let own = Callback::for_subdivision(&other_peer, subdivision.clone());
    client.register_callback(&own).await.unwrap();
    assert_eq!(client.get_callback(Some(&subdivision)).await.unwrap().map(|c| c.address), Some(other_peer.clone()));

    client.update_callback(&Callback::new(&other_peer)).await.unwrap();
    assert_eq!(client.get_callback(None).await.unwrap().map(|c| c.address), Some(other_peer.clone()));

    let check = client.check_callback(&peer).await.unwrap();
    assert!(check.available, "{check:?}");
    let unreachable = "http://127.0.0.1:9".to_owned();
    let check = client.check_callback(&unreachable).await.unwrap();
    assert!(!check.available && check.reason.is_some(), "{check:?}");

    // The gateway refuses to register an address whose probe fails.
    let err = client.register_callback(&Callback::new(&unreachable)).await.unwrap_err();
    assert!(matches!(err, Error::Http { status: 400, .. }), "{err:?}");

    assert!(client.delete_callback(Some(&subdivision)).await.unwrap());
    assert_eq!(client.get_callback(Some(&subdivision)).await.unwrap(), None);
    assert!(client.delete_callback(None).await.unwrap());
    assert!(!client.delete_callback(None).await.unwrap());
}

#[tokio::test]
async fn gzip_on_and_off_both_reach_the_vitrina_and_gzip_is_smaller_on_the_wire() {
    let emulator = crate::common::emulator().await;
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 30);
    let plain = crate::common::client_builder(&emulator).gzip(false).build().unwrap();
    let gzipped = crate::common::client_builder(&emulator).build().unwrap();
    assert!(plain.upload_dataset(&dataset).await.unwrap().all_accepted());
    // The same records again, gzipped (upserts are idempotent).
    let report = gzipped.upsert(&dataset.slot).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    assert_eq!(emulator.count(Table::Slot), 30);

    let sizes: Vec<usize> = emulator
        .journal()
        .into_iter()
        .filter(|e| e.method == "POST" && e.url.starts_with("/api/slot") && e.status == Some(200))
        .map(|e| e.request_bytes)
        .collect();
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    assert!(sizes[1] * 3 < sizes[0], "gzip body {} vs plain {}", sizes[1], sizes[0]);
}
