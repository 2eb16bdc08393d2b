//! The regional portal's side of the emulator (the regional portal methods, [`fer_model::spec::portal`]): which LPUs the portal serves, its
//! patients and their tokens, the visits it created, and the ticket sessions of the old API.
//!
//! The portal books on the schedule the MIS pushed to the Vitrina: an LPU is a subdivision (`mo.id`),
//! a doctor a resource, a schedule cell (`timeTable`) a slot. The portal keeps its own visits and
//! never changes the Vitrina's tables (those belong to the MIS and to the gateway's UC-1).
//!
//! Every business refusal is a [`PortalError`] with the seed's code and text; the rules are checked
//! in the order of [`PortalStore::book`]. The state is in memory only (like Vitrina tokens, it is
//! not written to the state file).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration as ChronoDuration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use fer_model::portal::{PortalError, PortalErrorCode, TicketListState};
use fer_model::{AgeGroup, Guid, MoAgeGroup, Redacted, ResourceKind, Slot, SlotStatus};
use fer_validate::{age_group, slot_accepts};
use serde::{Deserialize, Serialize};

use super::Tables;

/// The schedule horizon of an LPU when its setup names none: «Запись на прием доступна не ранее, чем
/// за {ScheduleDays} дней» («Создание записи на прием к врачу», error 5000).
pub const DEFAULT_SCHEDULE_DAYS: u32 = 14;

/// The UTC offset of the portal's times (Moscow time): slots carry local wall-clock time without an
/// offset (Appendix 1), the portal's answers carry one (`2019-04-18T08:45:00+03:00`).
pub const PORTAL_UTC_OFFSET_SECS: i32 = 3 * 3600;

/// How an LPU's host answers a ticket session of the old API («Получение записей на прием и вызовов пациента через сессию», `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LpuHost {
    /// `InProgress` for [`PortalLpuSetup::polls`] polls, then `Complete` with the patient's visits.
    #[default]
    Answers,
    /// `InProgress` for [`PortalLpuSetup::polls`] polls, then `Failed` («неполадки связи»).
    Fails,
    /// `InProgress` for ever: the host never answers.
    Silent,
}

fn default_schedule_days() -> u32 {
    DEFAULT_SCHEDULE_DAYS
}

/// An LPU the portal serves (body of `POST /sandbox/portal/lpu`). Its GUID is the id of a
/// subdivision already on the Vitrina (`POST /api/mo`), whose name, address and phone the portal
/// shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalLpuSetup {
    /// The LPU's GUID: a `mo.id` of the Vitrina.
    pub guid: Guid,
    /// МКОД ЛПУ (`lpu_code` of «Запись на прием РПГУ», `mcod` of the answers).
    pub mcod: String,
    /// How the LPU's host answers ticket sessions (default: answers).
    #[serde(default)]
    pub host: LpuHost,
    /// Polls of a ticket session answered `InProgress` before the host's final state (default 0).
    #[serde(default)]
    pub polls: u32,
    /// How many days ahead visits can be booked (default [`DEFAULT_SCHEDULE_DAYS`]).
    #[serde(default = "default_schedule_days")]
    pub schedule_days: u32,
}

/// A patient of the portal (body of `POST /sandbox/portal/patient`).
///
/// `Debug` hides the birth date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalPatientSetup {
    /// The patient's GUID; a new one when absent.
    #[serde(default)]
    pub id: Option<Guid>,
    /// Date of birth: decides the age rules (4005, 4029).
    pub birthdate: Redacted<NaiveDate>,
    /// The LPUs where the patient has an MKAB (medical card); booking elsewhere answers 4000.
    #[serde(default)]
    pub mkab: Vec<Guid>,
    /// True when the patient may not book by himself (error 4007).
    #[serde(default)]
    pub self_booking_forbidden: bool,
    /// Lifetime of the issued tokens in seconds (default: the emulator's token lifetime); 0 issues
    /// tokens that are already expired (error 5007).
    #[serde(default)]
    pub token_lifetime_secs: Option<u64>,
}

/// The answer of `POST /sandbox/portal/patient`: the patient and one token of each kind.
///
/// `Debug` never shows a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalPatientTokens {
    /// The patient's GUID.
    pub patient: Guid,
    /// RPGU token: `POST /api/v2/iemk/doctors/entry` («Запись на прием РПГУ»).
    pub rpgu: Redacted<String>,
    /// LPU token: `POST /api/v2/visit/{lpuGuid}` («Создание записи на прием к врачу»).
    pub lpu: Redacted<String>,
    /// COD token: `GET /api/v2/old/visit/tickets[/{session}]` («Получение записей на прием и вызовов пациента через сессию»).
    pub cod: Redacted<String>,
    /// Token of the local MIS: `POST /appointments` («Создание записи на прием в локальную МИС»).
    pub mis: Redacted<String>,
}

/// Why an LPU setup was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SetupError {
    /// The LPU is not a subdivision of the Vitrina.
    #[error("no subdivision {0} on the Vitrina: push it with POST /api/mo first")]
    NoSubdivision(Guid),
    /// An empty МКОД.
    #[error("mcod must not be blank")]
    BlankMcod,
}

/// The kind of a portal token: each call takes one kind (the regional portal methods, «Заголовки запроса»).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TokenKind {
    /// RPGU token («Запись на прием РПГУ»).
    Rpgu,
    /// LPU token («Создание записи на прием к врачу»).
    Lpu,
    /// COD token («Получение записей на прием и вызовов пациента через сессию»).
    Cod,
    /// Token of the local MIS («Создание записи на прием в локальную МИС»).
    Mis,
}

impl TokenKind {
    const ALL: [TokenKind; 4] = [TokenKind::Rpgu, TokenKind::Lpu, TokenKind::Cod, TokenKind::Mis];

    fn prefix(self) -> &'static str {
        match self {
            TokenKind::Rpgu => "rpgu",
            TokenKind::Lpu => "lpu",
            TokenKind::Cod => "cod",
            TokenKind::Mis => "mis",
        }
    }
}

/// An issued token: `<kind>.<id>.<signature>`. The id finds it; a wrong signature is error 5009.
#[derive(Debug, Clone)]
struct IssuedToken {
    kind: TokenKind,
    signature: String,
    patient: Guid,
    valid_to: DateTime<Utc>,
}

/// A visit the portal created («Запись на прием РПГУ», «Создание записи на прием к врачу» and «Создание записи на прием в локальную МИС» all create one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortalTicket {
    /// Гуид записи (`ticketGuid`, the second half of `Entry_id`, `guid` of an appointment).
    pub guid: Guid,
    /// The LPU (subdivision) of the visit.
    pub lpu: Guid,
    /// The schedule cell (slot).
    pub slot: Guid,
    /// The patient.
    pub patient: Guid,
    /// Номер записи на прием (`num`, `Ticket`, `number`): a per-LPU sequence, `001`, `002`, ….
    pub num: String,
    /// When the visit was created.
    pub created: DateTime<FixedOffset>,
    /// Гуид мероприятия диспансеризации (`examGuid`).
    pub exam_guid: Option<Guid>,
}

/// What a visit is booked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A schedule cell (`timeTable`, the slot's id).
    Cell(Guid),
    /// A doctor (resource) at a wall-clock time.
    Doctor {
        /// The resource's id.
        doctor: Guid,
        /// The slot's `visit_time`.
        at: NaiveDateTime,
    },
}

/// A request to create a visit, whichever call it came through.
#[derive(Debug, Clone)]
pub(crate) struct VisitRequest {
    /// The LPU of the path (001), of `doctor_id` (000) or of the slot (002).
    pub lpu: Guid,
    /// The cell or the doctor and time.
    pub target: Target,
    /// The patient of the token.
    pub patient: Guid,
    /// `directionId` (001): must be a referral of this patient on the Vitrina (4031).
    pub direction_id: Option<String>,
    /// `examGuid` (001).
    pub exam_guid: Option<Guid>,
}

/// One LPU of a ticket session: its host's behaviour, frozen when the session opened.
#[derive(Debug, Clone)]
struct SessionLpu {
    lpu: Guid,
    host: LpuHost,
    polls_in_progress: u32,
}

/// A ticket session of the old API («Получение записей на прием и вызовов пациента через сессию»).
#[derive(Debug, Clone)]
struct Session {
    patient: Guid,
    lpus: Vec<SessionLpu>,
    polls: u32,
}

/// One LPU's list in a poll of a session: what the portal tells about it.
#[derive(Debug, Clone)]
pub(crate) struct LpuPoll {
    /// The LPU (its registry entry).
    pub lpu: PortalLpuSetup,
    /// `state` of the list.
    pub state: TicketListState,
    /// The patient's visits in this LPU (empty unless `Complete`).
    pub visits: Vec<PortalTicket>,
}

/// Why a token was not accepted: always HTTP 403 («Запись на прием РПГУ» and «Создание записи на прием к врачу», «Возможные ошибки»).
pub(crate) fn token_refusal(code: PortalErrorCode) -> PortalError {
    PortalError::new(code)
}

/// The portal's whole state.
#[derive(Debug, Default)]
pub(crate) struct PortalStore {
    lpus: BTreeMap<Guid, PortalLpuSetup>,
    patients: BTreeMap<Guid, PortalPatientSetup>,
    tokens: HashMap<String, IssuedToken>,
    tickets: BTreeMap<Guid, PortalTicket>,
    sessions: HashMap<Guid, Session>,
    numbers: BTreeMap<Guid, u32>,
}

/// The Moscow offset of the portal's answers.
pub(crate) fn portal_offset() -> FixedOffset {
    // The constant is within ±24 h, so `east_opt` always succeeds; UTC is the harmless fallback.
    FixedOffset::east_opt(PORTAL_UTC_OFFSET_SECS).unwrap_or_else(|| Utc::now().fixed_offset().timezone())
}

/// A slot's local wall-clock time with the portal's offset.
pub(crate) fn with_offset(at: NaiveDateTime) -> DateTime<FixedOffset> {
    portal_offset().from_local_datetime(&at).single().unwrap_or_else(|| Utc.from_utc_datetime(&at).fixed_offset())
}

fn not_found(what: String) -> PortalError {
    PortalError::with_message(PortalErrorCode::Unclassified, what)
}

/// The doctor's name as the portal prints it (`docFio`), for a specialist; the machine or room
/// otherwise.
pub(crate) fn doctor_name(kind: &ResourceKind) -> String {
    match kind {
        ResourceKind::Specialist(s) => {
            let middle = s.middle_name.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
            format!("{} {}{middle}", s.last_name, s.first_name)
        }
        ResourceKind::Machine { machine_name } => machine_name.clone(),
        ResourceKind::Room { room_number, room_name } => format!("{room_number} {room_name}"),
    }
}

/// The speciality of a specialist (`speciality_id`, NSI 1.2.643.5.1.13.13.11.1066).
pub(crate) fn speciality(kind: &ResourceKind) -> Option<&str> {
    match kind {
        ResourceKind::Specialist(s) => Some(&s.speciality_id),
        _ => None,
    }
}

impl PortalStore {
    /// Registers (or replaces) an LPU. Its subdivision must be on the Vitrina.
    pub fn register_lpu(&mut self, tables: &Tables, setup: PortalLpuSetup) -> Result<(), SetupError> {
        if !tables.mo.contains_key(&setup.guid) {
            return Err(SetupError::NoSubdivision(setup.guid));
        }
        if setup.mcod.trim().is_empty() {
            return Err(SetupError::BlankMcod);
        }
        self.lpus.insert(setup.guid, setup);
        Ok(())
    }

    /// Registers (or replaces) a patient and issues one token of each kind.
    pub fn register_patient(
        &mut self,
        mut setup: PortalPatientSetup,
        default_lifetime: std::time::Duration,
    ) -> PortalPatientTokens {
        let patient = *setup.id.get_or_insert_with(Guid::new_v4);
        let lifetime = setup.token_lifetime_secs.map_or(default_lifetime, std::time::Duration::from_secs);
        let valid_to = Utc::now() + ChronoDuration::from_std(lifetime).unwrap_or(ChronoDuration::MAX);
        self.patients.insert(patient, setup);
        let [rpgu, lpu, cod, mis] = TokenKind::ALL.map(|kind| Redacted::new(self.issue(kind, patient, valid_to)));
        PortalPatientTokens { patient, rpgu, lpu, cod, mis }
    }

    fn issue(&mut self, kind: TokenKind, patient: Guid, valid_to: DateTime<Utc>) -> String {
        let id: [u8; 16] = rand::random();
        let signature: [u8; 8] = rand::random();
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let (id, signature) = (hex(&id), hex(&signature));
        let token = format!("{}.{id}.{signature}", kind.prefix());
        self.tokens.insert(id, IssuedToken { kind, signature, patient, valid_to });
        token
    }

    /// The patient of a bearer token for a call that takes `kind`, or the portal's refusal: 5010
    /// without a token, 5008 for one never issued or of another kind, 5009 for a wrong signature,
    /// 5007 for an expired one.
    pub fn authorize(&self, token: Option<&str>, kind: TokenKind) -> Result<Guid, PortalError> {
        let token = token.ok_or_else(|| token_refusal(PortalErrorCode::AuthorizationMissing))?;
        let invalid = || token_refusal(PortalErrorCode::TokenInvalid);
        let mut parts = token.split('.');
        let (Some(prefix), Some(id), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let issued = self.tokens.get(id).ok_or_else(invalid)?;
        if issued.signature != signature {
            return Err(token_refusal(PortalErrorCode::SignatureInvalid));
        }
        if issued.kind != kind || prefix != kind.prefix() || !self.patients.contains_key(&issued.patient) {
            return Err(invalid());
        }
        if issued.valid_to <= Utc::now() {
            return Err(token_refusal(PortalErrorCode::TokenExpired));
        }
        Ok(issued.patient)
    }

    /// The LPU registered with `guid`.
    pub fn lpu(&self, guid: &Guid) -> Option<&PortalLpuSetup> {
        self.lpus.get(guid)
    }

    /// Creates a visit, or answers the portal's refusal. The rules, in order:
    ///
    /// 1. the LPU is served by the portal and the cell (or the doctor's cell at that time) exists
    ///    in it (5000 otherwise, an uncoded message);
    /// 2. 4000: the patient has an MKAB in the LPU;
    /// 3. 4007: the patient may book by himself;
    /// 4. 4005: no adult in a children's LPU (`mo.tag_age = CHILD`);
    /// 5. 4029: the slot's `tag_age` admits the patient's age on the visit day
    ///    ([`fer_validate::slot_accepts`]);
    /// 6. 4031: a `directionId` is a referral of this patient;
    /// 7. 5000: the visit is not in the past, and within the LPU's `schedule_days`;
    /// 8. 4848: the patient has no visit on this cell yet; 4009: nobody else has, and the slot is
    ///    AVAILABLE; 4011: the patient has no other visit at the same time; 4008: nor with a doctor
    ///    of the same speciality on the same day.
    pub fn book(
        &mut self,
        tables: &Tables,
        request: &VisitRequest,
        now: NaiveDateTime,
    ) -> Result<PortalTicket, PortalError> {
        let lpu = self.lpus.get(&request.lpu).ok_or_else(|| not_found(format!("ЛПУ {} не найдена", request.lpu)))?;
        let mo = tables.mo.get(&lpu.guid).ok_or_else(|| not_found(format!("ЛПУ {} не найдена", lpu.guid)))?;
        let slot = find_slot(tables, request.lpu, request.target)?;
        let patient =
            self.patients.get(&request.patient).ok_or_else(|| token_refusal(PortalErrorCode::TokenInvalid))?;
        if !patient.mkab.contains(&lpu.guid) {
            let (guid, mcod) = (request.patient.to_string(), lpu.mcod.clone());
            let text = PortalErrorCode::MkabNotFound.render_ru(&[("guid", &guid), ("lpu", &mcod)]);
            return Err(PortalError::with_message(PortalErrorCode::MkabNotFound, text));
        }
        if patient.self_booking_forbidden {
            return Err(PortalError::new(PortalErrorCode::SelfBookingForbidden));
        }
        let visit_time = slot.visit_time.naive();
        let born = *patient.birthdate.expose();
        if mo.tag_age == Some(MoAgeGroup::Child) && age_group(born, visit_time.date()) == AgeGroup::Adult {
            return Err(PortalError::new(PortalErrorCode::AdultInChildrenLpu));
        }
        if !slot_accepts(slot.tag_age, born, visit_time) {
            return Err(PortalError::new(PortalErrorCode::AgeGroupRestricted));
        }
        if let Some(number) = &request.direction_id {
            let patient_id = request.patient.to_string();
            let known = tables.referral.values().any(|r| r.number == *number && r.patient_id == patient_id);
            if !known {
                return Err(PortalError::new(PortalErrorCode::DirectionNotFound));
            }
        }
        let horizon = now.date() + ChronoDuration::days(i64::from(lpu.schedule_days));
        if visit_time < now {
            let text = format!("Время приема {} уже прошло", with_offset(visit_time).format("%d.%m.%Y %H:%M"));
            return Err(PortalError::with_message(PortalErrorCode::Unclassified, text));
        }
        if visit_time.date() > horizon {
            let days = lpu.schedule_days.to_string();
            let text = PortalErrorCode::Unclassified.render_ru(&[("ScheduleDays", &days)]);
            return Err(PortalError::with_message(PortalErrorCode::Unclassified, text));
        }
        self.check_conflicts(tables, request.patient, slot)?;
        let number = self.numbers.entry(lpu.guid).or_insert(0);
        *number += 1;
        let ticket = PortalTicket {
            guid: Guid::new_v4(),
            lpu: lpu.guid,
            slot: slot.id,
            patient: request.patient,
            num: format!("{number:03}"),
            created: with_offset(now),
            exam_guid: request.exam_guid,
        };
        self.tickets.insert(ticket.guid, ticket.clone());
        Ok(ticket)
    }

    /// Rules 8 of [`PortalStore::book`]: 4848, 4009, 4011, 4008.
    fn check_conflicts(&self, tables: &Tables, patient: Guid, slot: &Slot) -> Result<(), PortalError> {
        if self.tickets.values().any(|t| t.slot == slot.id && t.patient == patient) {
            return Err(PortalError::new(PortalErrorCode::DuplicateTicket));
        }
        if slot.status != SlotStatus::Available || self.tickets.values().any(|t| t.slot == slot.id) {
            return Err(PortalError::new(PortalErrorCode::TimeTaken));
        }
        let doctor = tables.resource.get(&slot.resource_id);
        let wanted = doctor.and_then(|d| speciality(&d.kind));
        for ticket in self.tickets.values().filter(|t| t.patient == patient) {
            let Some(other) = tables.slot.get(&ticket.slot) else { continue };
            let time = with_offset(other.visit_time.naive()).format("%d.%m.%Y %H:%M").to_string();
            if other.visit_time == slot.visit_time {
                let text = PortalErrorCode::ActiveBookingSameTime.render_ru(&[("Время", &time)]);
                return Err(PortalError::with_message(PortalErrorCode::ActiveBookingSameTime, text));
            }
            let other_doctor = tables.resource.get(&other.resource_id);
            let same_speciality = wanted.is_some() && other_doctor.and_then(|d| speciality(&d.kind)) == wanted;
            if same_speciality && other.visit_time.date() == slot.visit_time.date() {
                let name = other_doctor.map(|d| doctor_name(&d.kind)).unwrap_or_default();
                let text = PortalErrorCode::ActiveBookingSameSpeciality.render_ru(&[("ФИО", &name), ("Время", &time)]);
                return Err(PortalError::with_message(PortalErrorCode::ActiveBookingSameSpeciality, text));
            }
        }
        Ok(())
    }

    /// Opens a ticket session for the patient: one list per LPU of the portal where the patient has
    /// an MKAB («Получение записей на прием и вызовов пациента через сессию»: «ЛПУ к которой принадлежит Мкаб пациента»).
    pub fn open_session(&mut self, patient: Guid) -> Guid {
        let lpus = self
            .patients
            .get(&patient)
            .map(|p| p.mkab.iter().filter_map(|g| self.lpus.get(g)).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|l| SessionLpu { lpu: l.guid, host: l.host, polls_in_progress: l.polls })
            .collect();
        let session = Guid::new_v4();
        self.sessions.insert(session, Session { patient, lpus, polls: 0 });
        session
    }

    /// One poll of a session of the patient: each LPU is `InProgress` for its first `polls` polls,
    /// then `Complete` (with the patient's visits in it) or `Failed`; a silent host stays
    /// `InProgress`. A session of another patient is not found (5000).
    pub fn poll_session(&mut self, patient: Guid, session: Guid) -> Result<Vec<LpuPoll>, PortalError> {
        let missing = || not_found(format!("Сессия получения записей {session} не найдена"));
        let s = self.sessions.get_mut(&session).filter(|s| s.patient == patient).ok_or_else(missing)?;
        s.polls += 1;
        let poll = s.polls;
        let lists = s.lpus.clone();
        let mut out = Vec::with_capacity(lists.len());
        for l in lists {
            let Some(lpu) = self.lpus.get(&l.lpu) else { continue };
            let state = match l.host {
                _ if poll <= l.polls_in_progress => TicketListState::InProgress,
                LpuHost::Silent => TicketListState::InProgress,
                LpuHost::Answers => TicketListState::Complete,
                LpuHost::Fails => TicketListState::Failed,
            };
            let visits = if state == TicketListState::Complete {
                self.tickets.values().filter(|t| t.patient == patient && t.lpu == l.lpu).cloned().collect()
            } else {
                Vec::new()
            };
            out.push(LpuPoll { lpu: lpu.clone(), state, visits });
        }
        Ok(out)
    }
}

/// The slot a visit is booked on, in the LPU `lpu`: the cell itself, or the doctor's cell at that
/// time. Not found: 5000 (the seeds give no code).
fn find_slot(tables: &Tables, lpu: Guid, target: Target) -> Result<&Slot, PortalError> {
    match target {
        Target::Cell(id) => tables
            .slot
            .get(&id)
            .filter(|s| s.mo_id == lpu)
            .ok_or_else(|| not_found(format!("Ячейка расписания {id} не найдена в ЛПУ {lpu}"))),
        Target::Doctor { doctor, at } => tables
            .slot
            .values()
            .find(|s| s.mo_id == lpu && s.resource_id == doctor && s.visit_time.naive() == at)
            .ok_or_else(|| {
                not_found(format!("У врача {doctor} нет ячейки расписания на {}", at.format("%Y-%m-%d %H:%M")))
            }),
    }
}

/// The ticket's slot's time with the portal's offset, and its end.
pub(crate) fn ticket_times(slot: &Slot) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    let begin = with_offset(slot.visit_time.naive());
    (begin, begin + slot.duration.to_chrono())
}

/// The date of `now` in the portal's time zone, as naive wall-clock time (slots are local time).
pub(crate) fn portal_now() -> NaiveDateTime {
    Utc::now().with_timezone(&portal_offset()).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_patient() -> (PortalStore, PortalPatientTokens) {
        let mut store = PortalStore::default();
        let setup = PortalPatientSetup {
            id: None,
            birthdate: Redacted::new(NaiveDate::from_ymd_opt(1980, 5, 1).unwrap()),
            mkab: Vec::new(),
            self_booking_forbidden: false,
            token_lifetime_secs: None,
        };
        let tokens = store.register_patient(setup, std::time::Duration::from_secs(60));
        (store, tokens)
    }

    #[test]
    fn tokens_are_checked_in_the_seed_order() {
        let (store, tokens) = store_with_patient();
        let code = |token: Option<&str>, kind| store.authorize(token, kind).unwrap_err().known_code();
        assert_eq!(store.authorize(Some(tokens.rpgu.expose()), TokenKind::Rpgu), Ok(tokens.patient));
        assert_eq!(code(None, TokenKind::Rpgu), Some(PortalErrorCode::AuthorizationMissing));
        for malformed in ["", "rpgu", "rpgu.x", "rpgu.x.y.z", "я.я.я"] {
            assert_eq!(code(Some(malformed), TokenKind::Rpgu), Some(PortalErrorCode::TokenInvalid), "{malformed}");
        }
        assert_eq!(code(Some(tokens.cod.expose()), TokenKind::Rpgu), Some(PortalErrorCode::TokenInvalid));
        let (prefix_and_id, _) = tokens.mis.expose().rsplit_once('.').unwrap();
        let forged = format!("{prefix_and_id}.forged");
        assert_eq!(code(Some(&forged), TokenKind::Mis), Some(PortalErrorCode::SignatureInvalid));
        assert!(!format!("{tokens:?}").contains(tokens.rpgu.expose()), "tokens never in Debug");
    }

    #[test]
    fn a_session_without_lpus_is_finished_at_once() {
        let (mut store, tokens) = store_with_patient();
        let session = store.open_session(tokens.patient);
        assert!(store.poll_session(tokens.patient, session).unwrap().is_empty());
        let stranger = Guid::new_v4();
        assert_eq!(
            store.poll_session(stranger, session).unwrap_err().known_code(),
            Some(PortalErrorCode::Unclassified)
        );
    }
}
