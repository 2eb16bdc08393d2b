//! What the profile says the Vitrina answers, read as it says: 403 is its own refusal, a delta is
//! uploaded with the default pre-flight, an upload that nothing gets through is an error, and a
//! 404 without the envelope is not an empty list. Real servers on 127.0.0.1 only.

use crate::common::Canned;
use fer_client::{Error, Outcome, VitrinaClient};
use fer_model::{BookStatus, SlotStatus, Table};
use fer_validate::{Dataset, RuleCode};

const FORBIDDEN: &str = r#"{"result":null,"isSuccess":false,"error":{"errorCode":"403","errorMessage":"Нет полномочий на выполнение запроса"},"errors":null,"sendedGuids":[],"statusCode":403}"#;

#[tokio::test]
async fn a_403_is_forbidden_and_marks_every_record_of_the_refused_batches() {
    let peer =
        crate::common::canned_peer(Canned { status: 403, content_type: "application/json", body: FORBIDDEN.into() })
            .await;
    let client = crate::common::peer_client(&peer);
    let err = client.get::<fer_model::Slot>(&crate::common::guid(3, 1)).await.unwrap_err();
    assert!(matches!(&err, Error::Forbidden { message } if message.contains("Нет полномочий")), "{err:?}");
    assert_eq!(err.status(), Some(403));

    // Three batches: a 403 is about the rows sent, so it neither stops the upload nor makes it an
    // error of the call; every record carries it.
    let slots = crate::common::schedule(&fer_emulator::DEFAULT_USERNAME.parse().unwrap(), 1, 1, 3).slot;
    let client = VitrinaClient::builder()
        .base_url(&peer)
        .credentials(fer_emulator::DEFAULT_USERNAME.parse().unwrap(), "pw")
        .batch_size(1)
        .concurrency(1)
        .build()
        .unwrap();
    let report = client.upsert(&slots).await.unwrap();
    assert_eq!(report.len(), 3);
    for (id, outcome) in report.iter() {
        assert!(
            matches!(outcome, Outcome::Failed { error } if matches!(**error, Error::Forbidden { .. })),
            "{id}: {outcome}"
        );
    }
    assert!(format!("{report:#}").contains("403"), "{report:#}");
}

#[tokio::test]
async fn a_delta_whose_parents_are_on_the_vitrina_uploads_with_the_default_preflight() {
    let emulator = crate::common::emulator().await;
    // The default pre-flight (per record), not the test builder's explicit one.
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), emulator.password())
        .build()
        .unwrap();
    let full = crate::common::schedule(emulator.username(), 1, 1, 3);
    assert!(client.upload_dataset(&full).await.unwrap().all_accepted());

    // The delta: slot 0 booked (RECORDED, with its 5000 book), slot 1 blocked. Their subdivision
    // and resource are on the Vitrina, not in the delta.
    let mut booked = full.slot[0].clone();
    booked.status = SlotStatus::Recorded;
    let mut blocked = full.slot[1].clone();
    blocked.status = SlotStatus::Blocked;
    let book = crate::common::book(1, &booked);
    let delta = Dataset { slot: vec![booked.clone(), blocked.clone()], book: vec![book.clone()], ..Dataset::default() };
    let report = client.upload_dataset(&delta).await.unwrap();
    assert!(report.all_accepted(), "{report:#}");
    assert_eq!(report.len(), 3);
    assert_eq!(emulator.get::<fer_model::Slot>(&booked.id).map(|s| s.status), Some(SlotStatus::Recorded));
    assert_eq!(emulator.get::<fer_model::Book>(&book.id).map(|b| b.status_code), Some(BookStatus::Recorded));
    assert_eq!(emulator.get::<fer_model::Slot>(&blocked.id).map(|s| s.status), Some(SlotStatus::Blocked));
    // The absent parents are reported, as warnings.
    assert!(report.warnings().iter().any(|d| d.code == RuleCode::Unresolved), "{:?}", report.warnings());

    // A conflict between records that are both in the delta stays an error: a 5000 book of a slot
    // the same delta sends as AVAILABLE.
    let mut freed = full.slot[2].clone();
    freed.status = SlotStatus::Available;
    let wrong_book = crate::common::book(2, &freed);
    let delta = Dataset { slot: vec![freed], book: vec![wrong_book.clone()], ..Dataset::default() };
    let report = client.upload_dataset(&delta).await.unwrap();
    assert!(
        matches!(report.outcome(Table::Book, &wrong_book.id), Some(Outcome::Invalid { diagnostics })
            if diagnostics.iter().any(|d| d.code == RuleCode::BookSlotNotRecorded)),
        "{report:#}"
    );
    assert!(emulator.get::<fer_model::Book>(&wrong_book.id).is_none());
}

#[tokio::test]
async fn an_upload_that_nothing_gets_through_is_an_error_with_its_cause() {
    // A wrong password: every batch would fail, so the upload is the error.
    let emulator = crate::common::emulator().await;
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), "wrong password")
        .batch_size(2)
        .build()
        .unwrap();
    let dataset = crate::common::schedule(emulator.username(), 1, 1, 5);
    let err = client.upsert(&dataset.slot).await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");
    let err = client.upload_dataset(&dataset).await.unwrap_err();
    assert!(matches!(err, Error::Auth { status: 401, .. }), "{err:?}");

    // An address where nothing listens: a transport error whose source chain holds the refusal.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = crate::common::peer_client(&format!("http://{addr}"));
    let err = client.upsert(&dataset.slot).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&err);
    let mut refused = false;
    while let Some(e) = cause {
        refused |=
            e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        cause = e.source();
    }
    assert!(refused, "no ConnectionRefused in the source chain of {err:?}");
}

#[tokio::test]
async fn a_404_without_the_envelope_is_an_error_not_an_empty_list() {
    let slot = crate::common::guid(3, 1);
    for (content_type, body) in
        [("text/plain", ""), ("text/plain", "Not Found"), ("text/html", "<html><h1>404</h1></html>")]
    {
        let peer = crate::common::canned_peer(Canned { status: 404, content_type, body: body.into() }).await;
        let client = crate::common::peer_client(&peer);
        let err = client.books_by_slot(&slot).await.unwrap_err();
        assert!(matches!(err, Error::Decode { status: 404, .. }), "{body:?}: {err:?}");
        let err = client.get::<fer_model::Slot>(&slot).await.unwrap_err();
        assert!(matches!(err, Error::Decode { status: 404, .. }), "{body:?}: {err:?}");
        let err = client.delete::<fer_model::Slot>(&slot).await.unwrap_err();
        assert!(matches!(err, Error::Decode { status: 404, .. }), "{body:?}: {err:?}");
    }
    // The Vitrina's own 404 carries the envelope: that one is «not found».
    let envelope = r#"{"result":null,"isSuccess":false,"error":{"errorCode":"404","errorMessage":"Результат не найден"},"statusCode":404}"#;
    let peer =
        crate::common::canned_peer(Canned { status: 404, content_type: "application/json", body: envelope.into() })
            .await;
    let client = crate::common::peer_client(&peer);
    assert!(client.books_by_slot(&slot).await.unwrap().is_empty());
    assert_eq!(client.get::<fer_model::Slot>(&slot).await.unwrap(), None);
    assert!(!client.delete::<fer_model::Slot>(&slot).await.unwrap());
}

/// A create the portal answered 2xx has happened: the client must return it, whatever spelling and
/// nulls the answer uses, or the caller would retry and book twice.
#[cfg(feature = "portal")]
#[tokio::test]
async fn portal_creates_answered_in_pascal_case_with_nulls_still_return_the_visit() {
    use fer_client::portal::PortalClient;
    use fer_model::portal::{AppointmentRequest, ClockTime, EntryRequest, GuidPair, VisitParams};

    let visit = r#"{"Lpu": {"Guid": "c3c977af-c3b4-4517-9d57-50a6844ec660", "Name": null, "Status": null,
        "Worktimes": null, "Ratings": null}, "Num": null, "TicketGuid": "9d8ea16f-205b-4bc7-92e5-752cd84cb0db",
        "BeginTime": null, "History": null, "BusyType": {"Name": null, "Type": 7, "Code": null}, "Source": 42}"#;
    let url =
        crate::common::canned_peer(Canned { status: 200, content_type: "application/json", body: visit.into() }).await;
    let portal = PortalClient::builder().base_url(&url).token("t").build().unwrap();
    let lpu = fer_model::Guid::from_u128(1);
    let t = portal.create_visit(&VisitParams::by_time_table(lpu, fer_model::Guid::from_u128(2))).await.unwrap();
    assert_eq!(t.visit.ticket_guid.to_string(), "9d8ea16f-205b-4bc7-92e5-752cd84cb0db");
    assert_eq!(t.visit.busy_type.map(|b| b.kind), Some(7), "a code the seeds do not list is kept");
    assert_eq!(t.visit.common.source, Some(42));

    let pair = "1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148";
    let entry = format!(r#"{{"Entry_id": "{pair}", "Ticket": null}}"#);
    let url = crate::common::canned_peer(Canned { status: 200, content_type: "application/json", body: entry }).await;
    let portal = PortalClient::builder().base_url(&url).token("t").build().unwrap();
    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string().parse().unwrap();
    let request =
        EntryRequest::new("470102", pair.parse::<GuidPair>().unwrap(), day, "09:00".parse::<ClockTime>().unwrap());
    assert_eq!(portal.entry(&request).await.unwrap().entry_id.to_string(), pair);

    let appointment = r#"{"Guid": "ee5ae221-ddc8-40cf-a61b-4e7926a2501c", "Number": null, "Slot": null,
        "Source": null, "CreateTime": null, "Direction": {"Number": "7", "Diagnosis": null}}"#;
    let url =
        crate::common::canned_peer(Canned { status: 201, content_type: "application/json", body: appointment.into() })
            .await;
    let portal = PortalClient::builder().base_url(&url).token("t").build().unwrap();
    let a = portal.create_appointment(&AppointmentRequest { slot: lpu, email: None }).await.unwrap();
    assert_eq!((a.guid.to_string().as_str(), a.source.as_str()), ("ee5ae221-ddc8-40cf-a61b-4e7926a2501c", "Internet"));
    assert_eq!(a.direction.unwrap().number, "7");
}
