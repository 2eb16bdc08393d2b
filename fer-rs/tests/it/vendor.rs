//! Push a tiny sample region to the emulator, serve a `BookingHandler` written with
//! `#[fer::async_trait]`, register it, and book and cancel through the gateway.

use fer::DatasetExt as _;
use std::collections::HashMap;
use std::sync::Mutex;

use fer::chrono::{DateTime, Datelike, Duration, FixedOffset, Local, NaiveDate, Weekday};
use fer::client::{OutcomeKind, VitrinaClient};
use fer::emulator::{Emulator, EmulatorConfig, GatewayAnswer};
use fer::sample::RegionSpec;
use fer::webhook::{BookRejection, BookingHandler, CancelRejection, RequestContext, WebhookService};
use fer::{
    AgeGroup, Book, BookStatus, BookingConfirmation, BookingDetails, BookingRejectionCode, BookingRequest,
    BookingResponse, Callback, CancelConfirmation, CancelRequest, Guid, Slot, SlotStatus, Table,
};

/// The vendor's MIS: its free slots, with their local time and length.
struct Mis {
    free: Mutex<HashMap<Guid, (DateTime<FixedOffset>, fer::DurationMinutes)>>,
    /// Live bookings by `book_ext_id`: a cancel answers with the booking's slot, time and duration.
    booked: Mutex<HashMap<Guid, BookingConfirmation>>,
}

#[fer::async_trait]
impl BookingHandler for Mis {
    async fn book(&self, request: BookingRequest, _ctx: RequestContext) -> Result<BookingConfirmation, BookRejection> {
        let mut free = self.free.lock().unwrap();
        let Some((visit_time, duration)) = free.remove(&request.slot_id) else {
            return Err(BookRejection::new(BookingRejectionCode::SlotUnavailable));
        };
        let confirmation = BookingConfirmation {
            book_ext_id: Guid::new_v4(),
            slot_id: request.slot_id,
            visit_time,
            duration,
            details: BookingDetails::default(),
            message: None,
        };
        self.booked.lock().unwrap().insert(confirmation.book_ext_id, confirmation.clone());
        Ok(confirmation)
    }

    async fn cancel(
        &self,
        request: CancelRequest,
        _ctx: RequestContext,
    ) -> Result<CancelConfirmation, CancelRejection> {
        match self.booked.lock().unwrap().remove(&request.book_ext_id) {
            Some(booking) => Ok(CancelConfirmation::of(&booking)),
            None => Err(CancelRejection::already_canceled()),
        }
    }
}

/// The next Monday after today: the sample region puts slots on working days.
fn next_monday() -> NaiveDate {
    let mut day = Local::now().date_naive() + Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

/// An adult patient's booking of `slot_id`: the profile's example request, for a new patient.
fn adult(slot_id: Guid) -> BookingRequest {
    BookingRequest::example().with_slot(slot_id).with_patient(Guid::new_v4())
}

#[tokio::test]
async fn a_vendor_pushes_serves_and_books_through_fer_paths_only() {
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();

    // A tiny region: one subdivision, one doctor, one day of two slots per resource, none booked.
    let spec = RegionSpec {
        mos: 1,
        doctors_per_mo: 1,
        first_day: next_monday(),
        days: 1,
        slots_per_day: 2,
        booked_share: 0.0,
        organisation: Some(emulator.username().clone()),
        ..RegionSpec::default()
    };
    let region = fer::sample::generate(&spec).expect("the spec is in range");
    assert!(!region.validate().has_errors(), "the sample passes every rule");

    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), emulator.password())
        .build()
        .unwrap();
    let uploaded = client.upload_dataset(&region).await.unwrap();
    assert!(uploaded.all_accepted(), "{uploaded:#}");
    assert_eq!(uploaded.count(OutcomeKind::Failed), 0);
    assert_eq!(emulator.count(Table::Slot), region.slot.len());
    assert_eq!(emulator.count(Table::Mo), 1);

    // The vendor's webhook on a free port, registered with the gateway (which probes it first).
    let slot = region
        .slot
        .iter()
        .find(|s| s.status == SlotStatus::Available && matches!(s.tag_age, AgeGroup::All | AgeGroup::Adult))
        .expect("the sample has a free adult slot")
        .clone();
    let offset = FixedOffset::east_opt(3 * 3600).unwrap();
    let local = slot.visit_time.naive().and_local_timezone(offset).single().unwrap();
    let mis = Mis { free: Mutex::new(HashMap::from([(slot.id, (local, slot.duration))])), booked: Mutex::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(fer::webhook::serve(listener, WebhookService::new(mis)));
    let registered = client.register_callback(&Callback::new(&address)).await.unwrap();
    assert_eq!(registered.address, address);

    // The gateway books the slot: the MIS confirms, the Vitrina records it.
    let request = adult(slot.id);
    let booked = emulator.book(&request).await.unwrap();
    let GatewayAnswer::Book(BookingResponse::Confirmed(confirmation)) = &booked.answer else {
        panic!("the MIS did not book: {:?}", booked.answer);
    };
    assert_eq!(confirmation.slot_id, slot.id);
    let on_vitrina: Slot = emulator.get(&slot.id).unwrap();
    assert_eq!(on_vitrina.status, SlotStatus::Recorded);
    let book: Book = emulator.get(&confirmation.book_ext_id).unwrap();
    assert_eq!(book.status_code, BookStatus::Recorded);

    // The same slot again: the MIS has no such free slot and says so with code 11.
    let again = emulator.book(&adult(slot.id)).await.unwrap();
    let GatewayAnswer::Book(BookingResponse::Rejected(rejection)) = &again.answer else {
        panic!("a taken slot was booked twice: {:?}", again.answer);
    };
    assert_eq!(rejection.code, BookingRejectionCode::SlotUnavailable);

    // The gateway cancels: the Vitrina frees the slot.
    let cancel = CancelRequest {
        book_ext_id: confirmation.book_ext_id,
        patient_id: request.patient_id.clone(),
        united_guids: Vec::new(),
    };
    emulator.cancel(&cancel).await.unwrap();
    let on_vitrina: Slot = emulator.get(&slot.id).unwrap();
    assert_eq!(on_vitrina.status, SlotStatus::Available);
    emulator.shutdown().await;
}

/// `fer::sync` alone keeps a region on the Vitrina: the vendor hands over changes and reads the
/// freshness figures.
#[tokio::test]
async fn a_vendor_keeps_a_region_fresh_with_fer_sync() {
    use fer::sync::{Scope, Store, SyncEngine};
    let emulator = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
    let client = VitrinaClient::builder()
        .base_url(emulator.base_url())
        .credentials(emulator.username().clone(), emulator.password())
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("sync.db")).await.unwrap();
    let engine = SyncEngine::builder(store).organisation(emulator.username().clone(), client).build().unwrap();
    let spec = RegionSpec { mos: 1, days: 3, organisation: Some(emulator.username().clone()), ..RegionSpec::default() };
    let region = fer::sample::generate(&spec).unwrap();
    engine.handle().snapshot(Scope::Region, &region).await.unwrap();
    engine.run_once().await.unwrap();
    let status = engine.status().await.unwrap();
    assert_eq!(status.backlog(), 0);
    assert_eq!(emulator.count(fer::Table::Slot), region.slot.len());
}
