//! Uploads against a real emulator: partial 422 answers, datasets with a rejected parent,
//! pre-flight validation and batching.

use fer_client::{Error, Outcome, OutcomeKind, Preflight};
use fer_model::{ErrorCode, Guid, Table};

#[tokio::test]
async fn a_partial_422_names_exactly_the_rejected_ids() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).batch_size(4).build().unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 10);
    assert!(client.upload_dataset(&dataset).await.unwrap().all_accepted());

    // Ten new slots: three of them at the time of a slot already on the Vitrina.
    let doctor = &dataset.resource[0];
    let mut fresh: Vec<_> = (10..17).map(|k| crate::common::slot(101, k, doctor)).collect();
    let clashing: Vec<Guid> = (0..3)
        .map(|k| {
            let mut s = crate::common::slot(101, k, doctor);
            s.id = crate::common::guid(30, k);
            fresh.push(s);
            crate::common::guid(30, k)
        })
        .collect();
    let report = client.upsert(&fresh).await.unwrap();
    assert_eq!(report.len(), 10);
    let rejected: Vec<Guid> = report.ids(OutcomeKind::Rejected).copied().collect();
    assert_eq!(rejected, clashing, "{report:#}");
    for id in &clashing {
        assert!(matches!(report.get(id), Some(Outcome::Rejected { code: ErrorCode::R330, .. })), "{report:#}");
    }
    assert_eq!(report.count(OutcomeKind::Accepted), 7);
    assert_eq!(emulator.count(Table::Slot), 17);
    // The answers really were 422 partial successes.
    let statuses: Vec<_> = crate::common::inbound(&emulator).into_iter().filter(|(_, p, _)| p == "/api/slot").collect();
    assert!(statuses.iter().any(|(_, _, s)| *s == Some(422)), "{statuses:?}");
}

#[tokio::test]
async fn a_rejected_subdivision_skips_its_resources_and_slots() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let parent = emulator.username().clone();
    // A subdivision already on the Vitrina under the name "Поликлиника № 1".
    let existing = crate::common::mo(1, &parent);
    assert!(client.upsert(std::slice::from_ref(&existing)).await.unwrap().all_accepted());

    // The dataset: subdivision 1 again under another id (R-330 by name), and subdivision 2.
    let mut dataset = crate::common::schedule(&parent, 2, 2, 3);
    let clash = crate::common::guid(10, 1);
    for id in dataset.mo.iter_mut().filter(|m| m.id == existing.id).map(|m| &mut m.id) {
        *id = clash;
    }
    for r in dataset.resource.iter_mut().filter(|r| r.mo_id == existing.id) {
        r.mo_id = clash;
    }
    for s in dataset.slot.iter_mut().filter(|s| s.mo_id == existing.id) {
        s.mo_id = clash;
    }
    let report = client.upload_dataset(&dataset).await.unwrap();

    assert!(
        matches!(report.outcome(Table::Mo, &clash), Some(Outcome::Rejected { code: ErrorCode::R330, .. })),
        "{report:#}"
    );
    for r in dataset.resource.iter() {
        let outcome = report.outcome(Table::Resource, &r.id).unwrap();
        if r.mo_id == clash {
            assert!(
                matches!(outcome, Outcome::Skipped { reason } if reason.parent_table == Table::Mo && reason.parent_id == clash
                    && reason.parent_outcome == OutcomeKind::Rejected),
                "{outcome}"
            );
        } else {
            assert!(outcome.is_accepted(), "{outcome}");
        }
    }
    for s in dataset.slot.iter() {
        let outcome = report.outcome(Table::Slot, &s.id).unwrap();
        assert_eq!(outcome.kind(), if s.mo_id == clash { OutcomeKind::Skipped } else { OutcomeKind::Accepted });
    }
    assert_eq!(report.count(OutcomeKind::Skipped), 2 + 6);
    assert_eq!(report.len(), 2 + 4 + 12);
    // Nothing of the rejected subdivision reached the Vitrina.
    assert_eq!(emulator.count(Table::Resource), 2);
    assert_eq!(emulator.count(Table::Slot), 6);
    let text = format!("{report:#}");
    assert!(text.contains("skipped: mo") && text.contains("R-330"), "{text}");
}

#[tokio::test]
async fn preflight_withholds_invalid_records_or_refuses_the_upload() {
    let emulator = crate::common::emulator().await;
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 3);
    let client = crate::common::client_builder(&emulator).build().unwrap();
    assert!(
        client.upload_dataset(&crate::common::schedule(emulator.username(), 1, 1, 0)).await.unwrap().all_accepted()
    );

    // Two slots with one id in one request, and a good one.
    let mut slots = dataset.slot.clone();
    slots[1].id = slots[0].id;
    let report = client.upsert(&slots).await.unwrap();
    assert_eq!(report.len(), 2, "{report:#}");
    assert!(matches!(report.get(&slots[0].id), Some(Outcome::Invalid { diagnostics }) if !diagnostics.is_empty()));
    assert!(report.get(&slots[2].id).unwrap().is_accepted());
    assert_eq!(emulator.count(Table::Slot), 1);

    let strict = crate::common::client_builder(&emulator).preflight(Preflight::Strict).build().unwrap();
    let before = crate::common::inbound(&emulator).len();
    let err = strict.upsert(&slots).await.unwrap_err();
    assert!(matches!(&err, Error::Validation(report) if report.has_errors()), "{err:?}");
    assert_eq!(crate::common::inbound(&emulator).len(), before, "strict mode sent something");
}

#[tokio::test]
async fn large_uploads_are_split_into_batches() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 25, 100);
    let report = client.upload_dataset(&dataset).await.unwrap();
    assert!(report.all_accepted(), "{report}");
    assert_eq!(report.table(Table::Slot).unwrap().count(OutcomeKind::Accepted), 2500);
    let posts =
        crate::common::inbound(&emulator).into_iter().filter(|(m, p, _)| m == "POST" && p == "/api/slot").count();
    assert_eq!(posts, 3, "2500 slots in batches of {}", fer_client::DEFAULT_BATCH_SIZE);
    assert_eq!(emulator.count(Table::Slot), 2500);
}

#[tokio::test]
async fn rows_of_a_blocked_subdivision_are_rejected_with_the_405_reason() {
    let emulator = crate::common::emulator().await;
    let client = crate::common::client_builder(&emulator).build().unwrap();
    let mut blocked = crate::common::mo(1, emulator.username());
    blocked.enabled = fer_model::Enabled::None;
    let open = crate::common::mo(2, emulator.username());
    assert!(client.upsert(&[blocked.clone(), open.clone()]).await.unwrap().all_accepted());

    let doctors = [crate::common::doctor(1, blocked.id), crate::common::doctor(2, open.id)];
    let report = client.upsert(&doctors).await.unwrap();
    assert!(matches!(report.get(&doctors[0].id), Some(Outcome::Rejected { .. })), "{report:#}");
    assert!(report.get(&doctors[1].id).unwrap().is_accepted(), "{report:#}");
    let statuses: Vec<_> =
        crate::common::inbound(&emulator).into_iter().filter(|(_, p, _)| p == "/api/resource").collect();
    assert_eq!(statuses.last().and_then(|(_, _, s)| *s), Some(405));
    assert_eq!(emulator.count(Table::Resource), 1);
}
