//! The portal client (the regional portal methods, [`fer_model::spec::portal`]) against a spawned emulator over loopback: every call, every
//! documented error the emulator produces, pre-flight validation, retries, and the session polling
//! (complete, failed, still in progress at the deadline).

use std::time::Duration;

use crate::common::{client_builder, doctor, emulator, guid, mo, profile, referral, slot};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use fer_client::portal::{LpuOutcome, PollOptions, PortalClient};
use fer_client::{Error, OutcomeKind, RetryPolicy};
use fer_emulator::{EmulatorHandle, Faults};
use fer_model::portal::{
    AppointmentRequest, ClockTime, DirectionType, EntryRequest, GuidPair, PortalDate, PortalErrorCode, TicketListState,
    VisitDateTime, VisitParams,
};
use fer_model::{AgeGroup, Guid, MoAgeGroup, Slot, SlotStatus, Timestamp};
use fer_validate::{Dataset, RuleCode};
use serde_json::{Value, json};

const MCOD: &str = "470102";
const CHILDREN_MCOD: &str = "470103";

/// Tomorrow in Moscow time: every bookable slot is on this day.
fn tomorrow() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(3)).date_naive() + chrono::Duration::days(1)
}

fn at(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    day.and_hms_opt(h, m, 0).unwrap()
}

/// The schedule: LPU 1 (all ages) with two doctors of speciality 27, LPU 2 (children's) with one.
struct World {
    emu: EmulatorHandle,
    http: reqwest::Client,
    lpu: Guid,
    children_lpu: Guid,
    doctor: Guid,
    cell_0900: Guid,
    cell_0920: Guid,
    cell_child_only: Guid,
    cell_far: Guid,
    cell_other_0900: Guid,
    cell_blocked: Guid,
    cell_pediatric: Guid,
}

fn cell(n: u32, resource: &fer_model::Resource, time: NaiveDateTime, tag_age: AgeGroup, status: SlotStatus) -> Slot {
    Slot { visit_time: Timestamp::from_naive(time), tag_age, status, ..slot(n, 0, resource) }
}

async fn world() -> World {
    let emu = emulator().await;
    let vitrina = client_builder(&emu).build().unwrap();
    let lpu = mo(1, emu.username());
    let children = fer_model::Mo { tag_age: Some(MoAgeGroup::Child), ..mo(2, emu.username()) };
    let (ivanov, petrov, pediatrician) = (doctor(101, lpu.id), doctor(102, lpu.id), doctor(201, children.id));
    let day = tomorrow();
    let cells = vec![
        cell(1, &ivanov, at(day, 9, 0), AgeGroup::All, SlotStatus::Available),
        cell(2, &ivanov, at(day, 9, 20), AgeGroup::All, SlotStatus::Available),
        cell(3, &ivanov, at(day, 10, 0), AgeGroup::Child, SlotStatus::Available),
        cell(4, &ivanov, at(day + chrono::Duration::days(30), 9, 0), AgeGroup::All, SlotStatus::Available),
        cell(5, &petrov, at(day, 9, 0), AgeGroup::All, SlotStatus::Available),
        cell(6, &petrov, at(day, 11, 0), AgeGroup::All, SlotStatus::Blocked),
        cell(7, &pediatrician, at(day, 9, 0), AgeGroup::All, SlotStatus::Available),
    ];
    let ids: Vec<Guid> = cells.iter().map(|c| c.id).collect();
    let dataset = Dataset {
        mo: vec![lpu.clone(), children.clone()],
        resource: vec![ivanov.clone(), petrov, pediatrician],
        slot: cells,
        referral: vec![referral(1, &lpu, &ivanov)],
        profilecode_resource: vec![profile(1, &ivanov)],
        ..Dataset::default()
    };
    let report = vitrina.upload_dataset(&dataset).await.unwrap();
    assert_eq!(report.count(OutcomeKind::Accepted), 14, "{report}");
    let world = World {
        emu,
        http: reqwest::Client::new(),
        lpu: lpu.id,
        children_lpu: children.id,
        doctor: ivanov.id,
        cell_0900: ids[0],
        cell_0920: ids[1],
        cell_child_only: ids[2],
        cell_far: ids[3],
        cell_other_0900: ids[4],
        cell_blocked: ids[5],
        cell_pediatric: ids[6],
    };
    world.lpu_setup(json!({"guid": world.lpu, "mcod": MCOD})).await;
    world.lpu_setup(json!({"guid": world.children_lpu, "mcod": CHILDREN_MCOD})).await;
    world
}

/// The bearer tokens of one patient.
struct Patient {
    id: Guid,
    tokens: Value,
}

impl World {
    async fn sandbox(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.emu.base_url()))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
    }

    async fn lpu_setup(&self, setup: Value) {
        self.sandbox("/sandbox/portal/lpu", setup).await;
    }

    async fn patient(&self, setup: Value) -> Patient {
        let tokens = self.sandbox("/sandbox/portal/patient", setup).await;
        Patient { id: tokens["patient"].as_str().unwrap().parse().unwrap(), tokens }
    }

    /// An adult with an MKAB in both LPUs.
    async fn adult(&self) -> Patient {
        self.patient(json!({"birthdate": "1980-05-01", "mkab": [self.lpu, self.children_lpu]})).await
    }

    /// A portal client with the patient's token of `kind` (`rpgu`, `lpu`, `cod`, `mis`).
    fn client(&self, patient: &Patient, kind: &str) -> PortalClient {
        PortalClient::builder()
            .base_url(self.emu.base_url())
            .token(patient.tokens[kind].as_str().unwrap())
            .retry(quick_retries(3))
            .build()
            .unwrap()
    }

    fn by_cell(&self, cell: Guid) -> VisitParams {
        VisitParams::by_time_table(self.lpu, cell)
    }
}

fn quick_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        max_elapsed: Duration::from_secs(30),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

/// The portal's code of a refusal, with its HTTP status.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, PortalErrorCode, String) {
    match result {
        Err(Error::Portal { status, error }) => {
            let code = error.known_code().unwrap_or_else(|| panic!("unknown code {}", error.code()));
            (status, code, error.message_ru().to_owned())
        }
        other => panic!("expected a portal error, got {other:?}"),
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, PortalErrorCode) {
    let (status, code, _) = refused(result);
    (status, code)
}

fn entry_request(w: &World, time: &str) -> EntryRequest {
    EntryRequest::new(
        MCOD,
        GuidPair::new(w.lpu, w.doctor),
        PortalDate::new(tomorrow()),
        time.parse::<ClockTime>().unwrap(),
    )
}

#[tokio::test]
async fn entry_creates_a_visit_and_refuses_the_same_cell_twice() {
    let w = world().await;
    let rpgu = w.client(&w.adult().await, "rpgu");
    let data = rpgu.entry(&entry_request(&w, "09:00")).await.unwrap();
    assert_eq!((data.entry_id.lpu(), data.ticket.as_str()), (w.lpu, "001"));
    assert_eq!(code(rpgu.entry(&entry_request(&w, "09:00")).await), (400, PortalErrorCode::DuplicateTicket));
    // No cell of the doctor at that time, and a МКОД that is not the LPU's: uncoded (5000).
    assert_eq!(code(rpgu.entry(&entry_request(&w, "13:40")).await), (400, PortalErrorCode::Unclassified));
    let mut wrong = entry_request(&w, "09:20");
    wrong.lpu_code = "999999".into();
    assert_eq!(code(rpgu.entry(&wrong).await), (400, PortalErrorCode::Unclassified));
    // A blank lpu_code never leaves the client.
    wrong.lpu_code = " ".into();
    match rpgu.entry(&wrong).await {
        Err(Error::Validation(report)) => assert_eq!(report.errors().next().unwrap().pointer, "/lpu_code"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn create_visit_answers_the_full_and_the_short_model() {
    let w = world().await;
    let patient = w.adult().await;
    let lpu = w.client(&patient, "lpu");
    let full = lpu.create_visit(&w.by_cell(w.cell_0900).with_email("a@b.ru", None)).await.unwrap();
    assert_eq!((full.lpu.guid, full.lpu.mcod.as_str(), full.visit.num.as_str()), (w.lpu, MCOD, "001"));
    assert_eq!(full.visit.common.time_table_guid, Some(w.cell_0900));
    assert_eq!(full.visit.common.doc_guid, Some(w.doctor));
    assert!(full.visit.common.begin_time.is_some());

    let other = w.client(&w.adult().await, "lpu");
    let dt = VisitDateTime::from_naive(at(tomorrow(), 9, 20));
    let short =
        other.create_visit(&VisitParams::by_doctor(w.lpu, w.doctor, dt).with_full_response(false)).await.unwrap();
    assert_eq!(short.visit.num, "002");
    assert_eq!(short.visit.common.begin_time, None, "fullResponse=false: lpu, num and ticketGuid only");
}

#[tokio::test]
async fn token_errors_are_typed_403s() {
    let w = world().await;
    let patient = w.adult().await;
    let rpgu = w.client(&patient, "rpgu");
    let request = entry_request(&w, "09:00");
    let token = patient.tokens["rpgu"].as_str().unwrap();
    let forged = format!("{}.{}", token.rsplit_once('.').unwrap().0, "0".repeat(16));
    let cases = [
        ("", PortalErrorCode::AuthorizationMissing),
        ("garbage", PortalErrorCode::TokenInvalid),
        (patient.tokens["cod"].as_str().unwrap(), PortalErrorCode::TokenInvalid),
        (forged.as_str(), PortalErrorCode::SignatureInvalid),
    ];
    for (token, expected) in cases {
        let (status, code, text) = refused(rpgu.with_token(token).entry(&request).await);
        assert_eq!((status, code, text.as_str()), (403, expected, expected.message_ru()), "{token:?}");
    }
    let expired = w.patient(json!({"birthdate": "1980-05-01", "mkab": [w.lpu], "token_lifetime_secs": 0})).await;
    assert_eq!(code(w.client(&expired, "rpgu").entry(&request).await), (403, PortalErrorCode::TokenExpired));
    assert_eq!(
        code(w.client(&expired, "lpu").create_visit(&w.by_cell(w.cell_0900)).await).1,
        PortalErrorCode::TokenExpired
    );
    let appointment = AppointmentRequest { slot: w.cell_0900, email: None };
    assert_eq!(code(w.client(&expired, "mis").create_appointment(&appointment).await).1, PortalErrorCode::TokenExpired);
    assert_eq!(code(w.client(&expired, "cod").open_ticket_session().await).1, PortalErrorCode::TokenExpired);
    let error = w.client(&expired, "cod").tickets(PollOptions::default()).await.unwrap_err();
    assert_eq!(error.status(), Some(403));
}

#[tokio::test]
async fn visit_rules_are_checked_before_sending_or_refused_by_the_portal() {
    let w = world().await;
    let patient = w.adult().await;
    let checked = w.client(&patient, "lpu");
    let unchecked = PortalClient::builder()
        .base_url(w.emu.base_url())
        .token(patient.tokens["lpu"].as_str().unwrap())
        .validate(false)
        .build()
        .unwrap();
    let no_target = VisitParams { time_table: None, ..w.by_cell(w.cell_0900) };
    match checked.create_visit(&no_target).await {
        Err(Error::Validation(report)) => assert_eq!(report.errors().next().unwrap().code, RuleCode::PortalVisitTarget),
        other => panic!("{other:?}"),
    }
    let (status, code_4036, text) = refused(unchecked.create_visit(&no_target).await);
    assert_eq!(
        (status, code_4036, text.as_str()),
        (400, PortalErrorCode::VisitTargetMissing, PortalErrorCode::VisitTargetMissing.message_ru())
    );
    let half_direction = VisitParams { direction_id: Some("NAPR-1".into()), ..w.by_cell(w.cell_0900) };
    assert!(matches!(checked.create_visit(&half_direction).await, Err(Error::Validation(_))));
    assert_eq!(code(unchecked.create_visit(&half_direction).await), (400, PortalErrorCode::DirectionIncomplete));
    // A direction that is not the patient's referral (4031); the patient of the referral may use it.
    let direction = w.by_cell(w.cell_0900).with_direction("NAPR-1", DirectionType::Consultation);
    assert_eq!(code(checked.create_visit(&direction).await), (400, PortalErrorCode::DirectionNotFound));
    let owner = w.patient(json!({"id": guid(9, 1), "birthdate": "1980-05-01", "mkab": [w.lpu]})).await;
    assert_eq!(owner.id, guid(9, 1));
    let ticket = w.client(&owner, "lpu").create_visit(&direction).await.unwrap();
    assert_eq!(ticket.visit.common.time_table_guid, Some(w.cell_0900));
}

#[tokio::test]
async fn business_refusals_carry_their_codes_and_texts() {
    let w = world().await;
    let patient = w.adult().await;
    let lpu = w.client(&patient, "lpu");

    let stranger = w.patient(json!({"birthdate": "1980-05-01", "mkab": []})).await;
    let (status, c, text) = refused(w.client(&stranger, "lpu").create_visit(&w.by_cell(w.cell_0900)).await);
    assert_eq!((status, c), (400, PortalErrorCode::MkabNotFound));
    assert_eq!(text, format!("Не найден МКАБ: {} в лпу: {MCOD}", stranger.id));

    let forbidden =
        w.patient(json!({"birthdate": "1980-05-01", "mkab": [w.lpu], "self_booking_forbidden": true})).await;
    let result = w.client(&forbidden, "lpu").create_visit(&w.by_cell(w.cell_0900)).await;
    assert_eq!(code(result), (400, PortalErrorCode::SelfBookingForbidden));

    let pediatric = VisitParams::by_time_table(w.children_lpu, w.cell_pediatric);
    assert_eq!(code(lpu.create_visit(&pediatric).await), (400, PortalErrorCode::AdultInChildrenLpu));
    assert_eq!(code(lpu.create_visit(&w.by_cell(w.cell_child_only)).await), (400, PortalErrorCode::AgeGroupRestricted));
    let (_, c, text) = refused(lpu.create_visit(&w.by_cell(w.cell_far)).await);
    assert_eq!(
        (c, text.as_str()),
        (PortalErrorCode::Unclassified, "Запись на прием доступна не ранее, чем за 14 дней.")
    );
    assert_eq!(code(lpu.create_visit(&w.by_cell(w.cell_blocked)).await), (400, PortalErrorCode::TimeTaken));
    assert_eq!(code(lpu.create_visit(&w.by_cell(Guid::from_u128(7))).await), (400, PortalErrorCode::Unclassified));

    lpu.create_visit(&w.by_cell(w.cell_0900)).await.unwrap();
    let someone_else = w.client(&w.adult().await, "lpu");
    assert_eq!(code(someone_else.create_visit(&w.by_cell(w.cell_0900)).await), (400, PortalErrorCode::TimeTaken));
    assert_eq!(code(lpu.create_visit(&w.by_cell(w.cell_0900)).await), (400, PortalErrorCode::DuplicateTicket));
    assert_eq!(
        code(lpu.create_visit(&w.by_cell(w.cell_other_0900)).await),
        (400, PortalErrorCode::ActiveBookingSameTime)
    );
    let (_, c, text) = refused(lpu.create_visit(&w.by_cell(w.cell_0920)).await);
    assert_eq!(c, PortalErrorCode::ActiveBookingSameSpeciality);
    assert!(text.starts_with("Вы уже записаны Иванов101 Пётр Сергеевич на "), "{text}");
    // The patient's name stays out of Display and Debug.
    let error = lpu.create_visit(&w.by_cell(w.cell_0920)).await.unwrap_err();
    assert!(!error.to_string().contains("Иванов101") && !format!("{error:?}").contains("Иванов101"));
}

#[tokio::test]
async fn appointments_of_the_local_mis() {
    let w = world().await;
    let mis = w.client(&w.adult().await, "mis");
    let request = AppointmentRequest { slot: w.cell_0900, email: Some("a@b.ru".into()) };
    let appointment = mis.create_appointment(&request).await.unwrap();
    assert_eq!(
        (appointment.slot, appointment.number.as_str(), appointment.source.as_str()),
        (w.cell_0900, "001", "Internet")
    );
    assert_eq!(code(mis.create_appointment(&request).await), (400, PortalErrorCode::DuplicateTicket));
    let unknown = AppointmentRequest { slot: Guid::from_u128(7), email: None };
    assert_eq!(code(mis.create_appointment(&unknown).await), (400, PortalErrorCode::Unclassified));
}

#[tokio::test]
async fn tickets_polls_until_every_host_is_complete_or_failed() {
    let w = world().await;
    w.lpu_setup(json!({"guid": w.lpu, "mcod": MCOD, "host": "answers", "polls": 2})).await;
    w.lpu_setup(json!({"guid": w.children_lpu, "mcod": CHILDREN_MCOD, "host": "fails", "polls": 1})).await;
    let patient = w.adult().await;
    w.client(&patient, "lpu").create_visit(&w.by_cell(w.cell_0900)).await.unwrap();
    let options = PollOptions { interval: Duration::from_millis(10), deadline: Duration::from_secs(30) };
    let report = w.client(&patient, "cod").tickets(options).await.unwrap();
    assert!(report.finished());
    assert_eq!(report.polls, 3, "InProgress twice, then final");
    let outcomes: Vec<(&str, TicketListState)> =
        report.lpus.iter().map(|l| (l.lpu.mcod.as_str(), l.outcome.state())).collect();
    assert_eq!(outcomes, [(MCOD, TicketListState::Complete), (CHILDREN_MCOD, TicketListState::Failed)]);
    let visits: Vec<_> = report.visits().collect();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].visit.common.time_table_guid, Some(w.cell_0900));
    assert!(matches!(&report.lpus[0].outcome, LpuOutcome::Complete(t) if t.calls.is_empty()));
}

#[tokio::test]
async fn tickets_reports_hosts_still_in_progress_at_the_deadline() {
    let w = world().await;
    w.lpu_setup(json!({"guid": w.lpu, "mcod": MCOD, "host": "silent"})).await;
    w.lpu_setup(json!({"guid": w.children_lpu, "mcod": CHILDREN_MCOD, "host": "answers"})).await;
    let patient = w.adult().await;
    let options = PollOptions { interval: Duration::from_millis(20), deadline: Duration::from_millis(300) };
    let report = w.client(&patient, "cod").tickets(options).await.unwrap();
    assert!(!report.finished());
    assert!(report.polls >= 1);
    assert_eq!(report.lpus[0].outcome, LpuOutcome::InProgressAtDeadline);
    assert!(matches!(report.lpus[1].outcome, LpuOutcome::Complete(_)));
}

#[tokio::test]
async fn a_deadline_before_any_answer_is_a_timeout() {
    let w = world().await;
    let patient = w.adult().await;
    w.emu.set_faults(Faults { latency: Duration::from_secs(5), ..Faults::default() });
    let options = PollOptions { interval: Duration::from_millis(20), deadline: Duration::from_millis(200) };
    let error = w.client(&patient, "cod").tickets(options).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
}

#[tokio::test]
async fn unavailable_answers_are_retried_and_reported_when_they_persist() {
    let w = world().await;
    let patient = w.adult().await;
    // Every answer 503: a create is retried (503 means not processed), then reported.
    w.emu.set_faults(Faults { unavailable_ratio: 1.0, ..Faults::default() });
    let error = w.client(&patient, "lpu").create_visit(&w.by_cell(w.cell_0900)).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    // Half the answers 503 (a fixed seed): retries get every call through.
    w.emu.set_faults(Faults { unavailable_ratio: 0.5, seed: 42, ..Faults::default() });
    let lpu = PortalClient::builder()
        .base_url(w.emu.base_url())
        .token(patient.tokens["lpu"].as_str().unwrap())
        .retry(quick_retries(20))
        .build()
        .unwrap();
    let ticket = lpu.create_visit(&w.by_cell(w.cell_0900)).await.unwrap();
    assert_eq!(ticket.visit.num, "001", "exactly one visit was created");
    let cod = lpu.with_token(patient.tokens["cod"].as_str().unwrap());
    let report =
        cod.tickets(PollOptions { interval: Duration::from_millis(5), ..PollOptions::default() }).await.unwrap();
    assert_eq!(report.visits().count(), 1);
}

#[tokio::test]
async fn a_wrong_base_url_or_a_closed_port_is_a_typed_error() {
    assert!(matches!(PortalClient::builder().base_url("not a url").token("t").build(), Err(Error::InvalidUrl { .. })));
    assert!(matches!(PortalClient::builder().base_url("http://127.0.0.1:1").build(), Err(Error::Config(_))));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = PortalClient::builder().base_url(closed).token("t").retry(quick_retries(2)).build().unwrap();
    let error = client.open_ticket_session().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
}
