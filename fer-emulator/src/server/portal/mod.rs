//! The regional portal API (the regional portal methods, [`fer_model::spec::portal`]), served beside the Vitrina on the same address:
//!
//! | seed | route | token |
//! |---|---|---|
//! | 000 | `POST /api/v2/iemk/doctors/entry` (JSON body) → `VisitData` | RPGU |
//! | 001 | `POST /api/v2/visit/{lpuGuid}?timeTable=…` (query) → `TicketVisitWithLpu` | LPU |
//! | 002 | `POST /appointments` (JSON body) → `Appointment` | local MIS |
//! | 003 | `GET /api/v2/old/visit/tickets` → `{session}`, `GET …/tickets/{session}` → `[TicketLists]` | COD |
//!
//! Errors are the portal's: HTTP 403 with 5010 (no `Authorization: Bearer`), 5008 (a token never
//! issued, or of another kind), 5009 (a known token with a wrong signature), 5007 (expired); HTTP
//! 400 with the business codes of [`PortalStore::book`](crate::store::portal::PortalStore::book),
//! with 4036 and 4033 from `fer_validate::portal` (one rule, one place), and with 5000 for every
//! message the seeds give no code («По умолчанию пишем 5000»): a malformed body or query, an
//! unknown LPU, cell or session. The body is `{"code": 4036, "message": "…"}`
//! ([`PortalError`]).
//!
//! Patients, their tokens and the LPUs the portal serves are set up through
//! `/sandbox/portal/...` ([`sandbox`]). Fault injection (dropped connections, 503 and latency of
//! [`Faults`](crate::Faults)) applies to these routes as to the Vitrina's, never to their sandbox; the journal does not
//! record them (their query strings carry the patient's email and phone).

pub(crate) mod render;
pub(crate) mod sandbox;

use std::sync::{Arc, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use fer_model::Guid;
use fer_model::portal::{
    APPOINTMENTS_PATH, Appointment, DEFAULT_SOURCE, ENTRY_PATH, EntryRequest, PortalError, PortalErrorCode,
    TICKETS_SESSION_PATH, TicketSession, VisitData, VisitParams,
};
use fer_validate::portal::{PortalKind, validate_portal_raw, validate_visit_query};
use fer_validate::{Report, RuleCode};
use http::header::AUTHORIZATION;
use http::{HeaderMap, StatusCode};
use serde::Serialize;

use super::body::{self, BodyError, Limits};
use crate::state::Shared;
use crate::store::Tables;
use crate::store::portal::{PortalStore, Target, TokenKind, VisitRequest, portal_now};

/// The path of the visit creation («Создание записи на прием к врачу»), with its `lpuGuid` segment.
const VISIT_ROUTE: &str = "/api/v2/visit/{lpu_guid}";

/// The path of a session's tickets («Получение записей на прием и вызовов пациента через сессию»), with its `session` segment.
const SESSION_ROUTE: &str = "/api/v2/old/visit/tickets/{session}";

/// The portal routes and their sandbox, with fault injection.
pub(crate) fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route(ENTRY_PATH, post(entry))
        .route(VISIT_ROUTE, post(visit))
        .route(APPOINTMENTS_PATH, post(appointment))
        .route(TICKETS_SESSION_PATH, get(open_session))
        .route(SESSION_ROUTE, get(poll_session))
        .layer(middleware::from_fn_with_state(shared.clone(), faults))
        .merge(
            sandbox::routes()
                .route_layer(middleware::from_fn_with_state(shared, crate::server::sandbox::require_access)),
        )
}

/// A portal answer: the JSON of a success, or a [`PortalError`] with its status.
type Answer = Result<Response, Refusal>;

/// A refusal: the HTTP status and the portal's error body.
#[derive(Debug)]
pub(crate) struct Refusal {
    status: StatusCode,
    error: PortalError,
}

impl From<PortalError> for Refusal {
    fn from(error: PortalError) -> Self {
        let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        Refusal { status, error }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.error)).into_response()
    }
}

/// An uncoded refusal (5000) with our own message.
fn unclassified(message: impl Into<String>) -> Refusal {
    PortalError::with_message(PortalErrorCode::Unclassified, message).into()
}

fn ok<T: Serialize>(value: &T) -> Answer {
    Ok(axum::Json(value).into_response())
}

/// Middleware: the dropped connections, the latency and the 503 share of [`Faults`](crate::Faults);
/// a 503 is not processed.
async fn faults(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    if let Some(dropped) = crate::server::faults::drop_connection(&shared, &request) {
        return dropped;
    }
    let (unavailable, latency) = shared.draw_answer_faults();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if unavailable {
        let error = PortalError::with_message(PortalErrorCode::Unclassified, "Сервис временно недоступен");
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response();
    }
    next.run(request).await
}

/// Runs `f` on the portal's state and the Vitrina's tables (locked in that order: store, portal).
fn with_portal<R>(shared: &Shared, f: impl FnOnce(&mut PortalStore, &Tables) -> R) -> R {
    shared.read(|store| f(&mut lock_portal(shared), &store.tables))
}

pub(crate) fn lock_portal(shared: &Shared) -> MutexGuard<'_, PortalStore> {
    // Every change is one insert: a poisoned lock still holds consistent data.
    shared.portal.lock().unwrap_or_else(|p| p.into_inner())
}

/// The patient of the request's bearer token of `kind` (403 5007–5010 otherwise).
fn authorize(shared: &Shared, headers: &HeaderMap, kind: TokenKind) -> Result<Guid, Refusal> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty());
    Ok(lock_portal(shared).authorize(token, kind)?)
}

/// Reads a JSON body under the emulator's limits (413, 415 or 400 5000).
async fn read_body(shared: &Shared, headers: &HeaderMap, body: Body) -> Result<Bytes, Refusal> {
    let limits = Limits { body: shared.config.body_limit, decompressed: shared.config.decompressed_limit };
    body::read(headers, body, limits).await.map_err(|e| {
        let status = match e {
            BodyError::TooLarge { .. } | BodyError::DecompressedTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::UnsupportedEncoding(_) | BodyError::UnsupportedMediaType(_) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            BodyError::BadGzip(_) | BodyError::Read(_) => StatusCode::BAD_REQUEST,
        };
        Refusal { status, error: PortalError::with_message(PortalErrorCode::Unclassified, e.to_string()) }
    })
}

/// The refusal for a report with errors: the portal's code where the rule has one (V072 → 4036,
/// V073 → 4033, with the seed's text), else 5000 naming the field and the rule.
fn refusal_of(report: &Report) -> Option<Refusal> {
    let first = report.errors().next()?;
    let coded = report.errors().find_map(|d| match d.code {
        RuleCode::PortalVisitTarget => Some(PortalErrorCode::VisitTargetMissing),
        RuleCode::PortalDirectionPair => Some(PortalErrorCode::DirectionIncomplete),
        _ => None,
    });
    Some(match coded {
        Some(code) => PortalError::new(code).into(),
        None => unclassified(format!("{} ({}): {}", first.pointer, first.code.as_str(), first.message_ru)),
    })
}

/// `POST /api/v2/iemk/doctors/entry` («Запись на прием РПГУ»): a visit to the doctor of `doctor_id` at `day`
/// `time`; `lpu_code` must be the МКОД of the LPU of `doctor_id`.
async fn entry(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Answer {
    let patient = authorize(&shared, &headers, TokenKind::Rpgu)?;
    let bytes = read_body(&shared, &headers, body).await?;
    if let Some(refusal) = refusal_of(&validate_portal_raw(PortalKind::EntryRequest, &bytes)) {
        return Err(refusal);
    }
    let request: EntryRequest =
        serde_json::from_slice(&bytes).map_err(|e| unclassified(format!("Неверное тело запроса: {e}")))?;
    let lpu = request.doctor_id.lpu();
    let visit = VisitRequest {
        lpu,
        target: Target::Doctor {
            doctor: request.doctor_id.item(),
            at: request.day.date().and_time(request.time.naive()),
        },
        patient,
        direction_id: None,
        exam_guid: None,
    };
    let ticket = with_portal(&shared, |portal, tables| {
        if let Some(known) = portal.lpu(&lpu)
            && known.mcod != request.lpu_code.trim()
        {
            return Err(unclassified(format!("МКОД {} не соответствует ЛПУ {lpu}", request.lpu_code.trim())));
        }
        Ok(portal.book(tables, &visit, portal_now())?)
    })?;
    ok(&VisitData { entry_id: fer_model::portal::GuidPair::new(ticket.lpu, ticket.guid), ticket: ticket.num })
}

/// `POST /api/v2/visit/{lpuGuid}` («Создание записи на прием к врачу»): every input is a query parameter.
async fn visit(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(lpu_guid): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Answer {
    let patient = authorize(&shared, &headers, TokenKind::Lpu)?;
    let lpu: Guid =
        lpu_guid.parse().map_err(|e| unclassified(format!("lpuGuid {lpu_guid:?} не является GUID: {e}")))?;
    let Query(pairs) = query.map_err(|e| unclassified(format!("Неверные параметры запроса: {}", e.body_text())))?;
    if let Some(refusal) = refusal_of(&validate_visit_query(lpu, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))) {
        return Err(refusal);
    }
    let params = VisitParams::from_query(lpu, pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e| unclassified(e.to_string()))?;
    let target = match (params.time_table, params.doc_guid, params.date_time) {
        (Some(cell), _, _) => Target::Cell(cell),
        (None, Some(doctor), Some(at)) => Target::Doctor { doctor, at: at.naive() },
        // Refused above by V072 (4036); kept total.
        _ => return Err(PortalError::new(PortalErrorCode::VisitTargetMissing).into()),
    };
    let request =
        VisitRequest { lpu, target, patient, direction_id: params.direction_id.clone(), exam_guid: params.exam_guid };
    let full = params.full_response.unwrap_or(true);
    let answer = with_portal(&shared, |portal, tables| {
        let ticket = portal.book(tables, &request, portal_now())?;
        render::ticket_visit_with_lpu(portal, tables, &ticket, full).ok_or_else(|| unclassified("ЛПУ не найдена"))
    })?;
    ok(&answer)
}

/// `POST /appointments` («Создание записи на прием в локальную МИС»): a visit in the local MIS on the cell `slot`.
async fn appointment(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Answer {
    let patient = authorize(&shared, &headers, TokenKind::Mis)?;
    let bytes = read_body(&shared, &headers, body).await?;
    if let Some(refusal) = refusal_of(&validate_portal_raw(PortalKind::AppointmentRequest, &bytes)) {
        return Err(refusal);
    }
    let request: fer_model::portal::AppointmentRequest =
        serde_json::from_slice(&bytes).map_err(|e| unclassified(format!("Неверное тело запроса: {e}")))?;
    let ticket = with_portal(&shared, |portal, tables| {
        let lpu = tables
            .slot
            .get(&request.slot)
            .map(|s| s.mo_id)
            .ok_or_else(|| unclassified(format!("Ячейка расписания {} не найдена", request.slot)))?;
        let visit =
            VisitRequest { lpu, target: Target::Cell(request.slot), patient, direction_id: None, exam_guid: None };
        Ok::<_, Refusal>(portal.book(tables, &visit, portal_now())?)
    })?;
    ok(&Appointment {
        guid: ticket.guid,
        number: ticket.num,
        slot: ticket.slot,
        source: DEFAULT_SOURCE.to_owned(),
        create_time: Some(ticket.created),
        direction: None,
    })
}

/// `GET /api/v2/old/visit/tickets` («Получение записей на прием и вызовов пациента через сессию»): opens a session.
async fn open_session(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Answer {
    let patient = authorize(&shared, &headers, TokenKind::Cod)?;
    let session = lock_portal(&shared).open_session(patient);
    ok(&TicketSession { session })
}

/// `GET /api/v2/old/visit/tickets/{session}` («Получение записей на прием и вызовов пациента через сессию»): one poll of the session.
async fn poll_session(State(shared): State<Arc<Shared>>, headers: HeaderMap, Path(session): Path<String>) -> Answer {
    let patient = authorize(&shared, &headers, TokenKind::Cod)?;
    let session: Guid =
        session.parse().map_err(|e| unclassified(format!("Гуид сессии {session:?} не является GUID: {e}")))?;
    let lists = with_portal(&shared, |portal, tables| {
        let polls = portal.poll_session(patient, session)?;
        Ok::<_, Refusal>(polls.iter().filter_map(|p| render::ticket_lists(tables, p)).collect::<Vec<_>>())
    })?;
    ok(&lists)
}
