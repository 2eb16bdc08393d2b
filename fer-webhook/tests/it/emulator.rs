//! The full loop with fer-emulator: register the webhook (the emulator probes it), book and cancel
//! through the emulator's gateway side, and check the Vitrina's slot and book afterwards (UC-1,
//! UC-1.1).

use crate::common::*;
use fer_emulator::{Emulator, EmulatorConfig, EmulatorHandle, GatewayAnswer};
use fer_model::*;
use fer_webhook::*;
use serde_json::{Value, json};

const MO_ID: Guid = Guid::from_u128(0x0a7cbc4b_2e68_40d2_881b_6f957b044818);
const RESOURCE_ID: Guid = Guid::from_u128(0x1919135c_7c9e_4564_a8b4_29aff7adfe72);

/// A client of the emulator's Vitrina side, authenticated.
struct Vitrina {
    emu: EmulatorHandle,
    http: reqwest::Client,
    token: String,
}

impl Vitrina {
    async fn start() -> Vitrina {
        let emu = Emulator::spawn(EmulatorConfig::default()).await.unwrap();
        let http = reqwest::Client::new();
        let auth = AuthRequest { username: emu.username().clone(), password: Redacted::new(emu.password().to_owned()) };
        let answer = http.post(format!("{}/auth.svc", emu.base_url())).json_body(&auth).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        let answer: AuthResponse = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
        let token = answer.result.expect("a token").value.expose_str().to_owned();
        Vitrina { emu, http, token }
    }

    async fn post(&self, path: &str, body: &impl serde::Serialize) -> (u16, Value) {
        let request = self.http.post(format!("{}{path}", self.emu.base_url())).bearer_auth(&self.token).json_body(body);
        send(request).await
    }

    async fn upload<T: Record + serde::Serialize>(&self, records: &[T]) {
        let (status, answer) = self.post(T::TABLE.path(), &BatchRef::new(records)).await;
        assert_eq!(status, 200, "{}: {answer}", T::TABLE.path());
    }
}

/// `reqwest`'s `json` needs a feature this workspace leaves off; this is the same by hand.
trait JsonBody {
    fn json_body(self, body: &impl serde::Serialize) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &impl serde::Serialize) -> Self {
        self.header("content-type", "application/json").body(serde_json::to_vec(body).unwrap())
    }
}

fn schedule(emu: &EmulatorHandle, slot_id: Guid) -> (Mo, Resource, Slot) {
    let created: Timestamp = "2023-10-01T09:00:00".parse().unwrap();
    let mo = Mo {
        id: MO_ID,
        parent_id: emu.username().clone(),
        branch_oid: format!("{}.0.163227", emu.username()).parse().unwrap(),
        name: "Поликлиника №1".into(),
        address: "г. Москва, ул. Тестовая, д. 1".into(),
        address_fias_guid: None,
        region_okato: None,
        phone: None,
        enabled: Enabled::All,
        create_ts: created,
        tag_age: None,
    };
    let resource = Resource {
        id: RESOURCE_ID,
        mo_id: MO_ID,
        enabled: Enabled::All,
        create_ts: created,
        description: None,
        kind: ResourceKind::Room { room_number: "101".into(), room_name: "Кабинет терапевта".into() },
    };
    let slot = Slot {
        id: slot_id,
        mo_id: MO_ID,
        resource_id: RESOURCE_ID,
        tag_type: TagTypes::only(TagType::Epgu),
        tag_age: AgeGroup::Adult,
        visit_time: "2024-03-28T08:00:00".parse().unwrap(),
        duration: DurationMinutes(20),
        status: SlotStatus::Available,
        create_ts: created,
    };
    (mo, resource, slot)
}

#[tokio::test]
async fn register_book_and_cancel_through_the_emulator_gateway() {
    let vitrina = Vitrina::start().await;
    let slot_id: Guid = FIXTURE_SLOT.parse().unwrap();
    let (mo, resource, slot) = schedule(&vitrina.emu, slot_id);
    vitrina.upload(&[mo]).await;
    vitrina.upload(&[resource]).await;
    vitrina.upload(&[slot]).await;

    // The MIS: the same slot in its own schedule, behind the idempotency wrapper, on hyper.
    let mis = TestMis::new(Mode::Normal);
    let webhook = Server::start(WebhookService::new(Idempotent::in_memory(mis))).await;

    // Registration: the emulator probes GET <address>/booking/book first.
    let (status, answer) = vitrina.post("/api/callback", &Callback::new(webhook.url.clone())).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["isSuccess"], true);

    // Book (UC-1): the spec's own request.
    let request: BookingRequest = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    let outcome = vitrina.emu.book(&request).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    let GatewayAnswer::Book(BookingResponse::Confirmed(confirmation)) = &outcome.answer else {
        panic!("not a confirmation: {outcome:?}")
    };
    let slot: Slot = vitrina.emu.get(&slot_id).unwrap();
    assert_eq!(slot.status, SlotStatus::Recorded);
    let book: Book = vitrina.emu.get(&confirmation.book_ext_id).expect("the gateway wrote the book");
    assert_eq!(book.status_code, BookStatus::Recorded);
    assert_eq!(book.slot_id, slot_id);

    // The same booking again: the same confirmation, nothing new on the Vitrina.
    let again = vitrina.emu.book(&request).await.unwrap();
    let GatewayAnswer::Book(BookingResponse::Confirmed(repeated)) = &again.answer else { panic!("{again:?}") };
    assert_eq!(repeated, confirmation);
    assert_eq!(vitrina.emu.count(Table::Book), 1);

    // Cancel (UC-1.1).
    let cancel = CancelRequest {
        book_ext_id: confirmation.book_ext_id,
        patient_id: request.patient_id.clone(),
        united_guids: vec![],
    };
    let outcome = vitrina.emu.cancel(&cancel).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    let slot: Slot = vitrina.emu.get(&slot_id).unwrap();
    assert_eq!(slot.status, SlotStatus::Available);
    let book: Book = vitrina.emu.get(&confirmation.book_ext_id).unwrap();
    assert_eq!(book.status_code, BookStatus::Canceled);

    // A repeated cancel answers code 1 and changes nothing.
    let outcome = vitrina.emu.cancel(&cancel).await.unwrap();
    let GatewayAnswer::Cancel(answer) = &outcome.answer else { panic!("{outcome:?}") };
    assert_eq!(answer.status.code, CancelStatusCode::AlreadyCanceled);
    assert!(outcome.applied.is_empty());
    let book: Book = vitrina.emu.get(&confirmation.book_ext_id).unwrap();
    assert_eq!(book.status_code, BookStatus::Canceled);

    vitrina.emu.shutdown().await;
}

#[tokio::test]
async fn a_refusal_changes_nothing_on_the_vitrina() {
    let vitrina = Vitrina::start().await;
    let slot_id: Guid = FIXTURE_SLOT.parse().unwrap();
    let (mo, resource, slot) = schedule(&vitrina.emu, slot_id);
    vitrina.upload(&[mo]).await;
    vitrina.upload(&[resource]).await;
    vitrina.upload(&[slot]).await;
    let mis = TestMis::new(Mode::Refuse(BookingRejectionCode::PatientNotFound));
    let webhook = Server::start(WebhookService::new(mis)).await;
    let (status, answer) = vitrina.post("/api/callback", &json!({ "address": webhook.url })).await;
    assert_eq!(status, 200, "{answer}");

    let request: BookingRequest = serde_json::from_slice(&fixture("booking_request.json")).unwrap();
    let outcome = vitrina.emu.book(&request).await.unwrap();
    let GatewayAnswer::Book(BookingResponse::Rejected(rejection)) = &outcome.answer else { panic!("{outcome:?}") };
    assert_eq!(rejection.code, BookingRejectionCode::PatientNotFound);
    assert_eq!(rejection.message.as_deref(), Some("Пользователь не найден"));
    assert!(outcome.applied.is_empty());
    let slot: Slot = vitrina.emu.get(&slot_id).unwrap();
    assert_eq!(slot.status, SlotStatus::Available);
    assert_eq!(vitrina.emu.count(Table::Book), 0);
    vitrina.emu.shutdown().await;
}
