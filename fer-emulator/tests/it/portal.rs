//! The regional portal routes (the regional portal methods, [`fer_model::spec::portal`]) over loopback with reqwest: every call, every
//! documented error the emulator produces, and the ticket sessions' polling states.

use crate::common::{Env, send};
use chrono::{Duration, NaiveDate, Utc};
use fer_emulator::{EmulatorConfig, Faults};
use fer_model::portal::{
    Appointment, PortalError, PortalErrorCode, TicketListState, TicketLists, TicketSession, TicketVisitWithLpu,
    VisitData,
};
use serde_json::{Value, json};

const LPU: &str = "10000000-0000-4000-8000-000000000001";
const CHILDREN_LPU: &str = "10000000-0000-4000-8000-000000000002";
const DOCTOR: &str = "20000000-0000-4000-8000-000000000001";
const OTHER_DOCTOR: &str = "20000000-0000-4000-8000-000000000002";
const PEDIATRICIAN: &str = "20000000-0000-4000-8000-000000000003";
const SLOT_0900: &str = "30000000-0000-4000-8000-000000000001";
const SLOT_0920: &str = "30000000-0000-4000-8000-000000000002";
const SLOT_CHILD: &str = "30000000-0000-4000-8000-000000000003";
const SLOT_FAR: &str = "30000000-0000-4000-8000-000000000004";
const SLOT_OTHER_0900: &str = "30000000-0000-4000-8000-000000000005";
const SLOT_RECORDED: &str = "30000000-0000-4000-8000-000000000006";
const SLOT_PEDIATRIC: &str = "30000000-0000-4000-8000-000000000007";
const SLOT_PAST: &str = "30000000-0000-4000-8000-000000000008";
const MCOD: &str = "470102";

/// JSON bodies without reqwest's `json` feature.
trait JsonBody {
    fn json_body(self, body: &Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, body: &Value) -> Self {
        self.header("content-type", "application/json").body(body.to_string())
    }
}

/// Tomorrow in Moscow time: every bookable slot is on this day.
fn tomorrow() -> NaiveDate {
    (Utc::now() + Duration::hours(3)).date_naive() + Duration::days(1)
}

fn at(day: NaiveDate, hm: &str) -> String {
    format!("{}T{hm}:00", day.format("%Y-%m-%d"))
}

fn mo(id: &str, n: u32, tag_age: &str) -> Value {
    json!({
        "id": id,
        "parent_id": fer_emulator::DEFAULT_USERNAME,
        "branch_oid": format!("1.2.643.5.1.13.13.12.2.77.7777.0.{n}"),
        "name": format!("Поликлиника № {n}"),
        "address": "г. Москва, ул. Тестовая, д. 1",
        "phone": "8 (495) 000-00-00",
        "enabled": "ALL",
        "create_ts": "2023-10-01T09:00:00",
        "tag_age": tag_age
    })
}

fn specialist(id: &str, mo_id: &str, speciality: &str, last_name: &str) -> Value {
    json!({
        "id": id, "type": "SPECIALIST", "mo_id": mo_id, "enabled": "ALL", "create_ts": "2023-10-01T09:00:00",
        "post_id": "110", "speciality_id": speciality, "snils": "11223344595",
        "last_name": last_name, "first_name": "Пётр", "middle_name": "Сергеевич"
    })
}

fn slot(id: &str, mo_id: &str, doctor: &str, visit_time: &str, tag_age: &str, status: &str) -> Value {
    json!({
        "id": id, "mo_id": mo_id, "resource_id": doctor, "tag_type": "EPGU", "tag_age": tag_age,
        "visit_time": visit_time, "duration": 20, "status": status, "create_ts": "2023-10-01T09:00:00"
    })
}

/// The Vitrina's schedule and the portal's LPUs.
async fn start_with(config: EmulatorConfig) -> Env {
    let env = Env::with(config).await;
    let day = tomorrow();
    let batches = [
        ("/api/mo", vec![mo(LPU, 1, "ALL"), mo(CHILDREN_LPU, 2, "CHILD")]),
        (
            "/api/resource",
            vec![
                specialist(DOCTOR, LPU, "27", "Иванов"),
                specialist(OTHER_DOCTOR, LPU, "27", "Петров"),
                specialist(PEDIATRICIAN, CHILDREN_LPU, "49", "Сидоров"),
            ],
        ),
        (
            "/api/slot",
            vec![
                slot(SLOT_0900, LPU, DOCTOR, &at(day, "09:00"), "ALL", "AVAILABLE"),
                slot(SLOT_0920, LPU, DOCTOR, &at(day, "09:20"), "ALL", "AVAILABLE"),
                slot(SLOT_CHILD, LPU, DOCTOR, &at(day, "10:00"), "CHILD", "AVAILABLE"),
                slot(SLOT_FAR, LPU, DOCTOR, &at(day + Duration::days(30), "09:00"), "ALL", "AVAILABLE"),
                slot(SLOT_OTHER_0900, LPU, OTHER_DOCTOR, &at(day, "09:00"), "ALL", "AVAILABLE"),
                slot(SLOT_RECORDED, LPU, OTHER_DOCTOR, &at(day, "11:00"), "ALL", "BLOCKED"),
                slot(SLOT_PEDIATRIC, CHILDREN_LPU, PEDIATRICIAN, &at(day, "09:00"), "ALL", "AVAILABLE"),
                slot(SLOT_PAST, LPU, DOCTOR, "2024-03-28T09:00:00", "ALL", "AVAILABLE"),
            ],
        ),
    ];
    for (path, data) in batches {
        let (status, body) = env.post(path, &json!({ "data": data })).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    register_lpu(&env, json!({"guid": LPU, "mcod": MCOD})).await;
    register_lpu(&env, json!({"guid": CHILDREN_LPU, "mcod": "470103"})).await;
    env
}

async fn start() -> Env {
    start_with(EmulatorConfig::default()).await
}

async fn register_lpu(env: &Env, setup: Value) {
    let (status, body) = send(env.http.post(env.url("/sandbox/portal/lpu")).json_body(&setup)).await;
    assert_eq!(status, 200, "{body}");
}

/// The tokens of a new patient: `{"patient", "rpgu", "lpu", "cod", "mis"}`.
async fn patient(env: &Env, setup: Value) -> Value {
    let (status, body) = send(env.http.post(env.url("/sandbox/portal/patient")).json_body(&setup)).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// An adult with an MKAB in both LPUs.
async fn adult(env: &Env) -> Value {
    patient(env, json!({"birthdate": "1980-05-01", "mkab": [LPU, CHILDREN_LPU]})).await
}

fn token<'a>(tokens: &'a Value, kind: &str) -> &'a str {
    tokens[kind].as_str().unwrap()
}

async fn entry(env: &Env, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = env.http.post(env.url("/api/v2/iemk/doctors/entry")).json_body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    send(req).await
}

async fn visit(env: &Env, token: &str, lpu: &str, query: &[(&str, &str)]) -> (u16, Value) {
    send(env.http.post(env.url(&format!("/api/v2/visit/{lpu}"))).query(query).bearer_auth(token)).await
}

async fn appointment(env: &Env, token: &str, body: &Value) -> (u16, Value) {
    send(env.http.post(env.url("/appointments")).json_body(body).bearer_auth(token)).await
}

fn entry_body(day: NaiveDate, time: &str) -> Value {
    // The spec's example (seed 000), with our LPU, doctor and day.
    let text = fer_testkit::fixture::text(fer_testkit::Doc::PortalEntry, "entry_request.json");
    let mut body: Value = serde_json::from_str(&text).unwrap();
    body["lpu_code"] = json!(MCOD);
    body["doctor_id"] = json!(format!("{LPU}{DOCTOR}"));
    body["day"] = json!(format!("{}T00:00:00.000Z", day.format("%Y-%m-%d")));
    body["time"] = json!(time);
    body
}

/// Asserts a portal error answer: the status, the code and (unless `text` is None) the seed's text.
fn assert_refused(answer: &(u16, Value), status: u16, code: PortalErrorCode) -> PortalError {
    let (got, body) = answer;
    let error: PortalError = serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!((*got, error.known_code()), (status, Some(code)), "{body}");
    error
}

#[tokio::test]
async fn entry_books_the_doctor_at_the_time_and_refuses_a_second_visit_on_the_cell() {
    let env = start().await;
    let tokens = adult(&env).await;
    let answer = entry(&env, Some(token(&tokens, "rpgu")), &entry_body(tomorrow(), "09:00")).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let data: VisitData = serde_json::from_value(answer.1.clone()).unwrap();
    assert_eq!(data.entry_id.lpu().to_string(), LPU);
    assert_eq!(data.ticket, "001");
    assert!(answer.1.get("Entry_id").is_some(), "keys as the seed's table: {}", answer.1);

    let again = entry(&env, Some(token(&tokens, "rpgu")), &entry_body(tomorrow(), "09:00")).await;
    assert_refused(&again, 400, PortalErrorCode::DuplicateTicket);
    // No cell at that time: an uncoded message (5000).
    let none = entry(&env, Some(token(&tokens, "rpgu")), &entry_body(tomorrow(), "13:40")).await;
    assert_refused(&none, 400, PortalErrorCode::Unclassified);
    // lpu_code that is not the LPU's МКОД.
    let mut body = entry_body(tomorrow(), "09:20");
    body["lpu_code"] = json!("999999");
    let wrong =
        assert_refused(&entry(&env, Some(token(&tokens, "rpgu")), &body).await, 400, PortalErrorCode::Unclassified);
    assert!(wrong.message_ru().contains("999999"));
}

#[tokio::test]
async fn token_errors_are_403_with_the_seed_codes_and_texts() {
    let env = start().await;
    let tokens = adult(&env).await;
    let body = entry_body(tomorrow(), "09:00");
    let rpgu = token(&tokens, "rpgu");
    let cases = [
        (None, PortalErrorCode::AuthorizationMissing),
        (Some("garbage".to_owned()), PortalErrorCode::TokenInvalid),
        // A token of another kind (the LPU token of seed 001) does not open seed 000.
        (Some(token(&tokens, "lpu").to_owned()), PortalErrorCode::TokenInvalid),
        // The right token with another signature.
        (Some(format!("{}.{}", rpgu.rsplit_once('.').unwrap().0, "0".repeat(16))), PortalErrorCode::SignatureInvalid),
    ];
    for (token, code) in cases {
        let error = assert_refused(&entry(&env, token.as_deref(), &body).await, 403, code);
        assert_eq!(error.message_ru(), code.message_ru());
    }
    let expired = patient(&env, json!({"birthdate": "1980-05-01", "mkab": [LPU], "token_lifetime_secs": 0})).await;
    for (path, kind) in [("/api/v2/old/visit/tickets", "cod")] {
        let answer = send(env.http.get(env.url(path)).bearer_auth(token(&expired, kind))).await;
        assert_refused(&answer, 403, PortalErrorCode::TokenExpired);
    }
    let answer = entry(&env, Some(token(&expired, "rpgu")), &body).await;
    assert_refused(&answer, 403, PortalErrorCode::TokenExpired);
    let answer = visit(&env, token(&expired, "lpu"), LPU, &[("timeTable", SLOT_0900)]).await;
    assert_refused(&answer, 403, PortalErrorCode::TokenExpired);
    let answer = appointment(&env, token(&expired, "mis"), &json!({"slot": SLOT_0900})).await;
    assert_refused(&answer, 403, PortalErrorCode::TokenExpired);
    // The token check comes before any body check.
    let answer = entry(&env, None, &json!({})).await;
    assert_refused(&answer, 403, PortalErrorCode::AuthorizationMissing);
}

#[tokio::test]
async fn malformed_entry_bodies_are_5000_naming_field_and_rule() {
    let env = start().await;
    let tokens = adult(&env).await;
    let mut body = entry_body(tomorrow(), "09:00");
    body["doctor_id"] = json!(LPU);
    let error =
        assert_refused(&entry(&env, Some(token(&tokens, "rpgu")), &body).await, 400, PortalErrorCode::Unclassified);
    assert!(error.message_ru().contains("/doctor_id") && error.message_ru().contains("V070"), "{}", error.message_ru());
    let raw = env
        .http
        .post(env.url("/api/v2/iemk/doctors/entry"))
        .bearer_auth(token(&tokens, "rpgu"))
        .body("{\"lpu_code\": ");
    let error = assert_refused(&send(raw).await, 400, PortalErrorCode::Unclassified);
    assert!(error.message_ru().contains("V014"), "{}", error.message_ru());
}

#[tokio::test]
async fn visit_by_cell_answers_the_full_or_the_short_model() {
    let env = start().await;
    let tokens = adult(&env).await;
    let lpu = token(&tokens, "lpu");
    let answer =
        visit(&env, lpu, LPU, &[("timeTable", SLOT_0900), ("email", "a@b.ru"), ("email_confirm_agree", "1")]).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let ticket: TicketVisitWithLpu = serde_json::from_value(answer.1).unwrap();
    assert_eq!((ticket.lpu.guid.to_string(), ticket.lpu.mcod.as_str()), (LPU.to_owned(), MCOD));
    assert_eq!(ticket.visit.num, "001");
    assert_eq!(ticket.visit.common.time_table_guid.unwrap().to_string(), SLOT_0900);
    assert_eq!(ticket.visit.common.doc_guid.unwrap().to_string(), DOCTOR);
    assert_eq!(ticket.visit.common.doc_fio.as_deref(), Some("Иванов Пётр Сергеевич"));
    let begin = ticket.visit.common.begin_time.unwrap();
    assert_eq!(begin.to_rfc3339(), format!("{}+03:00", at(tomorrow(), "09:00")));
    assert_eq!(ticket.visit.common.end_time.unwrap() - begin, Duration::minutes(20));

    // Another patient (the first one may not book the same speciality twice a day: 4008).
    let other = adult(&env).await;
    let by_doctor = visit(
        &env,
        token(&other, "lpu"),
        LPU,
        &[
            ("docGuid", DOCTOR),
            ("dateTime", &format!("{} 09:20:00.000", tomorrow().format("%Y-%m-%d"))),
            ("fullResponse", "false"),
        ],
    )
    .await;
    assert_eq!(by_doctor.0, 200, "{}", by_doctor.1);
    let short: TicketVisitWithLpu = serde_json::from_value(by_doctor.1).unwrap();
    assert_eq!(short.visit.num, "002");
    assert_eq!(short.visit.common.begin_time, None, "fullResponse=false fills only lpu, num, ticketGuid");
    assert_eq!(short.visit.common.doc_guid, None);
}

#[tokio::test]
async fn visit_parameter_rules_answer_4036_4033_and_5000() {
    let env = start().await;
    let tokens = adult(&env).await;
    let lpu = token(&tokens, "lpu");
    let error = assert_refused(
        &visit(&env, lpu, LPU, &[("fullResponse", "true")]).await,
        400,
        PortalErrorCode::VisitTargetMissing,
    );
    assert_eq!(error.message_ru(), PortalErrorCode::VisitTargetMissing.message_ru());
    assert_refused(&visit(&env, lpu, LPU, &[("docGuid", DOCTOR)]).await, 400, PortalErrorCode::VisitTargetMissing);
    let error = assert_refused(
        &visit(&env, lpu, LPU, &[("timeTable", SLOT_0900), ("directionId", "14555-9984")]).await,
        400,
        PortalErrorCode::DirectionIncomplete,
    );
    assert_eq!(error.message_ru(), PortalErrorCode::DirectionIncomplete.message_ru());
    assert_refused(&visit(&env, lpu, LPU, &[("timeTable", "12")]).await, 400, PortalErrorCode::Unclassified);
    assert_refused(
        &visit(&env, lpu, "not-a-guid", &[("timeTable", SLOT_0900)]).await,
        400,
        PortalErrorCode::Unclassified,
    );
    // A direction of both parameters that names no referral of the patient.
    let answer =
        visit(&env, lpu, LPU, &[("timeTable", SLOT_0900), ("directionId", "1"), ("directionType", "consultation")])
            .await;
    assert_refused(&answer, 400, PortalErrorCode::DirectionNotFound);
    // A cell of another LPU is not found in this one.
    assert_refused(&visit(&env, lpu, LPU, &[("timeTable", SLOT_PEDIATRIC)]).await, 400, PortalErrorCode::Unclassified);
}

#[tokio::test]
async fn business_rules_answer_their_codes() {
    let env = start().await;
    let tokens = adult(&env).await;
    let lpu = token(&tokens, "lpu");

    // 4000: no MKAB in the LPU; the text names the patient and the LPU's МКОД.
    let stranger = patient(&env, json!({"birthdate": "1980-05-01", "mkab": []})).await;
    let error = assert_refused(
        &visit(&env, token(&stranger, "lpu"), LPU, &[("timeTable", SLOT_0900)]).await,
        400,
        PortalErrorCode::MkabNotFound,
    );
    let patient_id = stranger["patient"].as_str().unwrap();
    assert_eq!(error.message_ru(), format!("Не найден МКАБ: {patient_id} в лпу: {MCOD}"));

    // 4007: self-booking forbidden.
    let forbidden =
        patient(&env, json!({"birthdate": "1980-05-01", "mkab": [LPU], "self_booking_forbidden": true})).await;
    assert_refused(
        &visit(&env, token(&forbidden, "lpu"), LPU, &[("timeTable", SLOT_0900)]).await,
        400,
        PortalErrorCode::SelfBookingForbidden,
    );

    // 4005: an adult in a children's LPU.
    assert_refused(
        &visit(&env, lpu, CHILDREN_LPU, &[("timeTable", SLOT_PEDIATRIC)]).await,
        400,
        PortalErrorCode::AdultInChildrenLpu,
    );
    // 4029: a CHILD slot for an adult; a child may book it.
    assert_refused(
        &visit(&env, lpu, LPU, &[("timeTable", SLOT_CHILD)]).await,
        400,
        PortalErrorCode::AgeGroupRestricted,
    );
    let child =
        patient(&env, json!({"birthdate": (tomorrow() - Duration::days(365 * 8)).to_string(), "mkab": [LPU]})).await;
    assert_eq!(visit(&env, token(&child, "lpu"), LPU, &[("timeTable", SLOT_CHILD)]).await.0, 200);

    // 5000: beyond the LPU's schedule horizon, with {ScheduleDays} filled in.
    let error =
        assert_refused(&visit(&env, lpu, LPU, &[("timeTable", SLOT_FAR)]).await, 400, PortalErrorCode::Unclassified);
    assert_eq!(error.message_ru(), "Запись на прием доступна не ранее, чем за 14 дней.");
    let error =
        assert_refused(&visit(&env, lpu, LPU, &[("timeTable", SLOT_PAST)]).await, 400, PortalErrorCode::Unclassified);
    assert_eq!(error.message_ru(), "Время приема 28.03.2024 09:00 уже прошло");

    // 4009: a cell that is not AVAILABLE on the Vitrina, or taken by someone else.
    assert_refused(&visit(&env, lpu, LPU, &[("timeTable", SLOT_RECORDED)]).await, 400, PortalErrorCode::TimeTaken);
    assert_eq!(visit(&env, lpu, LPU, &[("timeTable", SLOT_0900)]).await.0, 200);
    let other = adult(&env).await;
    assert_refused(
        &visit(&env, token(&other, "lpu"), LPU, &[("timeTable", SLOT_0900)]).await,
        400,
        PortalErrorCode::TimeTaken,
    );
    // 4848: the same patient on the same cell.
    assert_refused(&visit(&env, lpu, LPU, &[("timeTable", SLOT_0900)]).await, 400, PortalErrorCode::DuplicateTicket);
    // 4011: another doctor at the same time.
    let error = assert_refused(
        &visit(&env, lpu, LPU, &[("timeTable", SLOT_OTHER_0900)]).await,
        400,
        PortalErrorCode::ActiveBookingSameTime,
    );
    assert!(error.message_ru().contains("09:00"), "{}", error.message_ru());
    // 4008: the same speciality on the same day (another time, another doctor of speciality 27).
    let error = assert_refused(
        &visit(&env, lpu, LPU, &[("timeTable", SLOT_0920)]).await,
        400,
        PortalErrorCode::ActiveBookingSameSpeciality,
    );
    assert!(error.message_ru().contains("Иванов Пётр Сергеевич"), "{}", error.message_ru());
}

#[tokio::test]
async fn appointments_of_the_local_mis() {
    let env = start().await;
    let tokens = adult(&env).await;
    let mis = token(&tokens, "mis");
    let text = fer_testkit::fixture::text(fer_testkit::Doc::PortalAppointment, "appointment_request.json");
    let mut body: Value = serde_json::from_str(&text).unwrap();
    body["slot"] = json!(SLOT_0900);
    let answer = appointment(&env, mis, &body).await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    let a: Appointment = serde_json::from_value(answer.1).unwrap();
    assert_eq!(
        (a.slot.to_string(), a.number.as_str(), a.source.as_str(), a.direction),
        (SLOT_0900.to_owned(), "001", "Internet", None)
    );

    assert_refused(&appointment(&env, mis, &body).await, 400, PortalErrorCode::DuplicateTicket);
    // The spec's own example slot is not on this Vitrina.
    let unknown: Value = serde_json::from_str(&text).unwrap();
    assert_refused(&appointment(&env, mis, &unknown).await, 400, PortalErrorCode::Unclassified);
    let error =
        assert_refused(&appointment(&env, mis, &json!({"slot": "12"})).await, 400, PortalErrorCode::Unclassified);
    assert!(error.message_ru().contains("/slot"), "{}", error.message_ru());
    // Another kind of token.
    assert_refused(&appointment(&env, token(&tokens, "rpgu"), &body).await, 403, PortalErrorCode::TokenInvalid);
}

async fn open(env: &Env, cod: &str) -> String {
    let (status, body) = send(env.http.get(env.url("/api/v2/old/visit/tickets")).bearer_auth(cod)).await;
    assert_eq!(status, 200, "{body}");
    let session: TicketSession = serde_json::from_value(body).unwrap();
    session.session.to_string()
}

async fn poll(env: &Env, cod: &str, session: &str) -> (u16, Value) {
    send(env.http.get(env.url(&format!("/api/v2/old/visit/tickets/{session}"))).bearer_auth(cod)).await
}

#[tokio::test]
async fn sessions_move_from_in_progress_to_complete_or_failed() {
    let env = start().await;
    register_lpu(&env, json!({"guid": LPU, "mcod": MCOD, "host": "answers", "polls": 2})).await;
    register_lpu(&env, json!({"guid": CHILDREN_LPU, "mcod": "470103", "host": "fails", "polls": 1})).await;
    let tokens = adult(&env).await;
    assert_eq!(visit(&env, token(&tokens, "lpu"), LPU, &[("timeTable", SLOT_0900)]).await.0, 200);
    let cod = token(&tokens, "cod");
    let session = open(&env, cod).await;
    let states = |lists: &[TicketLists]| lists.iter().map(|l| (l.lpu.mcod.clone(), l.state)).collect::<Vec<_>>();
    use TicketListState::{Complete, Failed, InProgress};
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (status, body) = poll(&env, cod, &session).await;
        assert_eq!(status, 200, "{body}");
        let lists: Vec<TicketLists> = serde_json::from_value(body).unwrap();
        seen.push(states(&lists));
        if TicketLists::polling_finished(&lists) {
            let complete = lists.iter().find(|l| l.state == Complete).unwrap();
            assert_eq!(complete.visits.len(), 1);
            assert_eq!(complete.visits[0].visit.common.time_table_guid.unwrap().to_string(), SLOT_0900);
            assert_eq!(complete.visits[0].lpu.mcod, MCOD);
            break;
        }
    }
    let (a, b) = (MCOD.to_owned(), "470103".to_owned());
    assert_eq!(
        seen,
        [
            vec![(a.clone(), InProgress), (b.clone(), InProgress)],
            vec![(a.clone(), InProgress), (b.clone(), Failed)],
            vec![(a, Complete), (b, Failed)],
        ]
    );
}

#[tokio::test]
async fn a_silent_host_stays_in_progress_and_sessions_are_private() {
    let env = start().await;
    register_lpu(&env, json!({"guid": LPU, "mcod": MCOD, "host": "silent"})).await;
    let tokens = patient(&env, json!({"birthdate": "1980-05-01", "mkab": [LPU]})).await;
    let session = open(&env, token(&tokens, "cod")).await;
    for _ in 0..3 {
        let (status, body) = poll(&env, token(&tokens, "cod"), &session).await;
        assert_eq!(status, 200);
        let lists: Vec<TicketLists> = serde_json::from_value(body).unwrap();
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].state, TicketListState::InProgress);
    }
    let other = adult(&env).await;
    assert_refused(&poll(&env, token(&other, "cod"), &session).await, 400, PortalErrorCode::Unclassified);
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_refused(&poll(&env, token(&tokens, "cod"), unknown).await, 400, PortalErrorCode::Unclassified);
    assert_refused(&poll(&env, token(&tokens, "cod"), "x").await, 400, PortalErrorCode::Unclassified);
    assert_refused(&poll(&env, token(&tokens, "rpgu"), &session).await, 403, PortalErrorCode::TokenInvalid);
}

#[tokio::test]
async fn sandbox_refuses_an_lpu_that_is_not_on_the_vitrina() {
    let env = start().await;
    let setup = json!({"guid": "90000000-0000-4000-8000-000000000009", "mcod": "1"});
    let (status, body) = send(env.http.post(env.url("/sandbox/portal/lpu")).json_body(&setup)).await;
    assert_eq!((status, body["error"]["kind"].as_str()), (404, Some("subdivision_not_found")), "{body}");
    let (status, _) =
        send(env.http.post(env.url("/sandbox/portal/lpu")).json_body(&json!({"guid": LPU, "mcod": " "}))).await;
    assert_eq!(status, 400);
    let (status, _) = send(env.http.post(env.url("/sandbox/portal/patient")).body("{}")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn fault_injection_answers_503_in_the_portal_format() {
    let env = start_with(EmulatorConfig::default()).await;
    let tokens = adult(&env).await;
    env.emu.set_faults(Faults { unavailable_ratio: 1.0, ..Faults::default() });
    let answer = send(env.http.get(env.url("/api/v2/old/visit/tickets")).bearer_auth(token(&tokens, "cod"))).await;
    assert_refused(&answer, 503, PortalErrorCode::Unclassified);
}
