//! «Создание записи на прием к врачу»: `POST {url}/api/v2/visit/{lpuGuid}` with an LPU
//! token; every input is a query parameter ([`VisitParams`]), the answer a [`TicketVisitWithLpu`].
//!
//! The tables of «Создание записи на прием к врачу» name the answer's fields in PascalCase (`TicketGuid`); the example and
//! every other model of the portal send camelCase (`ticketGuid`), which is what is read and written.
//! The ticket fields shared with the old session API of «Получение записей на прием и вызовов пациента через сессию» are [`TicketCommon`].

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{EmailConfirmAgree, LpuRatingWithAvg, VisitDateTime};
use crate::{Guid, Redacted};

wire_enum! {
    /// Тип направления (`directionType`, «Создание записи на прием к врачу»; marked «устар.», deprecated): sent only together
    /// with `directionId`.
    DirectionType {
        /// duvisit – диспансерное наблюдение (dispensary observation).
        Duvisit = "duvisit",
        /// diagnostic – лабораторное исследование (laboratory test).
        Diagnostic = "diagnostic",
        /// consultation – консультация.
        Consultation = "consultation",
    }
}

/// The parameters of the visit creation («Создание записи на прием к врачу», «Параметры запроса»): the path parameter
/// `lpuGuid` and the query parameters.
///
/// A visit is created either by the schedule cell (`timeTable`, recommended) or by the doctor and
/// time (`docGuid` with `dateTime`); `directionId` and `directionType` go together. Those rules are
/// the portal's business errors 4036 and 4033, so a request that breaks them can still be
/// represented and sent (the portal must be able to refuse it): the constructors
/// [`VisitParams::by_time_table`], [`VisitParams::by_doctor`] and [`VisitParams::with_direction`]
/// only build valid combinations, and `fer-validate` reports the others.
///
/// ```
/// use fer_model::Guid;
/// use fer_model::portal::VisitParams;
/// let lpu: Guid = "c3c977af-c3b4-4517-9d57-50a6844ec660".parse().unwrap();
/// let cell: Guid = "12d4329b-cbe3-4ca3-8cdc-0e7a8f23e0d5".parse().unwrap();
/// let params = VisitParams::by_time_table(lpu, cell).with_full_response(false);
/// assert_eq!(params.path(), "/api/v2/visit/c3c977af-c3b4-4517-9d57-50a6844ec660");
/// assert_eq!(params.to_query(), vec![
///     ("timeTable", "12d4329b-cbe3-4ca3-8cdc-0e7a8f23e0d5".to_string()),
///     ("fullResponse", "false".to_string()),
/// ]);
/// let back = VisitParams::from_query(lpu, params.to_query()).unwrap();
/// assert_eq!(back, params);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisitParams {
    /// Гуид ЛПУ, в которой создается запись на прием (path parameter).
    pub lpu_guid: Guid,
    /// Гуид ячейки расписания, на которую выполняется запись на прием (if `docGuid` and `dateTime`
    /// are not given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_table: Option<Guid>,
    /// Дата и время записи на прием, ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ (with `docGuid`, if `timeTable` is not
    /// given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<VisitDateTime>,
    /// Гуид врача, к которому создается запись на прием (with `dateTime`, if `timeTable` is not
    /// given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_guid: Option<Guid>,
    /// Идентификатор направления (устар.): only together with `directionType` (error 4033).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "directionID")]
    pub direction_id: Option<String>,
    /// Тип направления (устар.): only together with `directionId` (error 4033).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction_type: Option<DirectionType>,
    /// E-mail пациента; when given, it is updated in the patient's MKAB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Redacted<String>>,
    /// Согласие на получение рассылки (0/1); taken into account only when `email` is given.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "email_confirm_agree")]
    pub email_confirm_agree: Option<EmailConfirmAgree>,
    /// Телефон пациента; when given, it is updated in the patient's MKAB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Redacted<String>>,
    /// Признак полного ответа (default true): false returns only `lpu`, `num` and `ticketGuid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_response: Option<bool>,
    /// Гуид мероприятия диспансеризации: links the visit to a dispensary examination event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exam_guid: Option<Guid>,
    /// Внешний идентификатор пользователя: books for another person under one's own account.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "externalUserID")]
    pub external_user_id: Option<String>,
}

/// A query parameter of the visit creation that could not be read (see [`VisitParams::from_query`]).
///
/// The message names the parameter and the expected form; the patient's email and phone are never
/// part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VisitQueryError {
    /// A value of the wrong form.
    #[error("query parameter {name}: {reason}")]
    Invalid {
        /// The parameter as spelled in «Создание записи на прием к врачу».
        name: &'static str,
        /// What was wrong, with the expected form.
        reason: String,
    },
    /// The same parameter given twice.
    #[error("query parameter {0} is given more than once")]
    Repeated(&'static str),
}

/// The query parameter names of «Создание записи на прием к врачу», in the table's order.
pub const VISIT_QUERY_PARAMETERS: [&str; 11] = [
    "timeTable",
    "dateTime",
    "docGuid",
    "directionId",
    "directionType",
    "email",
    "email_confirm_agree",
    "phone",
    "fullResponse",
    "examGuid",
    "externalUserID",
];

impl VisitParams {
    fn empty(lpu_guid: Guid) -> Self {
        VisitParams {
            lpu_guid,
            time_table: None,
            date_time: None,
            doc_guid: None,
            direction_id: None,
            direction_type: None,
            email: None,
            email_confirm_agree: None,
            phone: None,
            full_response: None,
            exam_guid: None,
            external_user_id: None,
        }
    }

    /// A visit in the schedule cell `time_table` of the LPU `lpu_guid` (the recommended way).
    pub fn by_time_table(lpu_guid: Guid, time_table: Guid) -> Self {
        VisitParams { time_table: Some(time_table), ..Self::empty(lpu_guid) }
    }

    /// A visit to the doctor `doc_guid` at `date_time`.
    pub fn by_doctor(lpu_guid: Guid, doc_guid: Guid, date_time: VisitDateTime) -> Self {
        VisitParams { doc_guid: Some(doc_guid), date_time: Some(date_time), ..Self::empty(lpu_guid) }
    }

    /// Adds a referral (both `directionId` and `directionType`; deprecated by the portal).
    pub fn with_direction(mut self, id: impl Into<String>, kind: DirectionType) -> Self {
        self.direction_id = Some(id.into());
        self.direction_type = Some(kind);
        self
    }

    /// Adds the patient's email and whether reminders may be sent to it.
    pub fn with_email(mut self, email: impl Into<String>, confirm: Option<EmailConfirmAgree>) -> Self {
        self.email = Some(Redacted::new(email.into()));
        self.email_confirm_agree = confirm;
        self
    }

    /// Adds the patient's phone.
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(Redacted::new(phone.into()));
        self
    }

    /// Asks for the full answer (`true`, the default) or the short one (`false`).
    pub fn with_full_response(mut self, full: bool) -> Self {
        self.full_response = Some(full);
        self
    }

    /// The path of the call, relative to the portal's `{url}`: `/api/v2/visit/{lpuGuid}`.
    pub fn path(&self) -> String {
        format!("/api/v2/visit/{}", self.lpu_guid)
    }

    /// The query parameters, in the table's order, absent ones left out; values are not
    /// percent-encoded (the HTTP client does that).
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let values = [
            self.time_table.map(|g| g.to_string()),
            self.date_time.map(|t| t.to_string()),
            self.doc_guid.map(|g| g.to_string()),
            self.direction_id.clone(),
            self.direction_type.map(|t| t.as_str().to_owned()),
            self.email.as_ref().map(|e| e.expose_str().to_owned()),
            self.email_confirm_agree.map(|c| c.code().to_string()),
            self.phone.as_ref().map(|p| p.expose_str().to_owned()),
            self.full_response.map(|f| f.to_string()),
            self.exam_guid.map(|g| g.to_string()),
            self.external_user_id.clone(),
        ];
        VISIT_QUERY_PARAMETERS.into_iter().zip(values).filter_map(|(name, value)| Some((name, value?))).collect()
    }

    /// Reads decoded query parameters (as a server framework hands them over) for the LPU of the path.
    ///
    /// Names are matched as «Создание записи на прием к врачу» spells them (`directionID`, the spelling of error 4033, is
    /// accepted for `directionId`); other parameters are ignored, as the portal does. An empty value
    /// counts as absent («не должны быть пустыми»). Combination rules (4033, 4036) are not checked
    /// here: `fer-validate` reports them.
    pub fn from_query<K, V>(lpu_guid: Guid, pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, VisitQueryError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        fn set<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), VisitQueryError> {
            if slot.replace(value).is_some() { Err(VisitQueryError::Repeated(name)) } else { Ok(()) }
        }
        fn invalid(name: &'static str, reason: impl ToString) -> VisitQueryError {
            VisitQueryError::Invalid { name, reason: reason.to_string() }
        }
        let guid = |name: &'static str, v: &str| Guid::parse(v).map_err(|e| invalid(name, e));
        let mut p = Self::empty(lpu_guid);
        for (name, value) in pairs {
            let v = value.as_ref();
            if v.is_empty() {
                continue;
            }
            match name.as_ref() {
                "timeTable" => set(&mut p.time_table, "timeTable", guid("timeTable", v)?)?,
                "dateTime" => set(&mut p.date_time, "dateTime", v.parse().map_err(|e| invalid("dateTime", e))?)?,
                "docGuid" => set(&mut p.doc_guid, "docGuid", guid("docGuid", v)?)?,
                "directionId" | "directionID" => set(&mut p.direction_id, "directionId", v.to_owned())?,
                "directionType" => {
                    set(&mut p.direction_type, "directionType", v.parse().map_err(|e| invalid("directionType", e))?)?
                }
                "email" => set(&mut p.email, "email", Redacted::new(v.to_owned()))?,
                "email_confirm_agree" => {
                    let code = match v {
                        "0" => EmailConfirmAgree::No,
                        "1" => EmailConfirmAgree::Yes,
                        _ => return Err(invalid("email_confirm_agree", format!("expected 0 or 1, got {v:?}"))),
                    };
                    set(&mut p.email_confirm_agree, "email_confirm_agree", code)?
                }
                "phone" => set(&mut p.phone, "phone", Redacted::new(v.to_owned()))?,
                "fullResponse" => {
                    let full = if v.eq_ignore_ascii_case("true") {
                        true
                    } else if v.eq_ignore_ascii_case("false") {
                        false
                    } else {
                        return Err(invalid("fullResponse", format!("expected true or false, got {v:?}")));
                    };
                    set(&mut p.full_response, "fullResponse", full)?
                }
                "examGuid" => set(&mut p.exam_guid, "examGuid", guid("examGuid", v)?)?,
                "externalUserID" => set(&mut p.external_user_id, "externalUserID", v.to_owned())?,
                _ => {}
            }
        }
        Ok(p)
    }
}

// ---------------------------------------------------------------------------------------------------
// The answer
// ---------------------------------------------------------------------------------------------------

/// Who made a change of a ticket (`history[].client`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct HistoryClient {
    /// Мнемоника клиента (e.g. `Internet`).
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Mnem")]
    #[schemars(with = "Option<String>")]
    pub mnem: String,
    /// Название клиента.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
    /// Описание клиента.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Description")]
    #[schemars(with = "Option<String>")]
    pub description: String,
}

/// One entry of the ticket's history (`DocumentHistory`, «История документа», «Создание записи на прием к врачу» and «Получение записей на прием и вызовов пациента через сессию»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct DocumentHistory {
    /// Изменённый элемент.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Element")]
    #[schemars(with = "Option<String>")]
    pub element: String,
    /// Гуид изменённого элемента (the zero GUID when none).
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "ElementGuid")]
    #[schemars(with = "Option<Guid>")]
    pub element_guid: Guid,
    /// Прежнее значение.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "OldValue")]
    #[schemars(with = "Option<String>")]
    pub old_value: String,
    /// Новое значение.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "NewValue")]
    #[schemars(with = "Option<String>")]
    pub new_value: String,
    /// Кто изменил.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Editor")]
    #[schemars(with = "Option<String>")]
    pub editor: String,
    /// Дата и время изменения (RFC 3339 with offset).
    #[serde(default, alias = "Date")]
    pub date: Option<DateTime<FixedOffset>>,
    /// Клиент, через который сделано изменение.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Client")]
    #[schemars(with = "Option<HistoryClient>")]
    pub client: HistoryClient,
}

/// Тип занятости / тип приема (`busyType`, model `DocBusyType`, «Создание записи на прием к врачу» and «Получение записей на прием и вызовов пациента через сессию»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct BusyType {
    /// Название типа приема.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
    /// Числовой тип приема (the seeds list no values; the examples send 1).
    #[serde(default, rename = "type", deserialize_with = "crate::wire::null_as_default", alias = "Type")]
    #[schemars(with = "Option<i32>")]
    pub kind: i32,
    /// Код типа приема.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Code")]
    #[schemars(with = "Option<String>")]
    pub code: String,
}

/// The fields every ticket of the portal carries, visits (`TicketVisit`, «Создание записи на прием к врачу») and home-visit
/// calls (`TicketCall`, «Получение записей на прием и вызовов пациента через сессию») alike.
///
/// For calls, most of them «может отсутствовать при статусе отличным от активного» (may be absent
/// unless the call is active), and a visit created with `fullResponse=false` fills none of them:
/// they are optional, and an absent one is written back as `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct TicketCommon {
    /// Идентификатор ячейки расписания.
    #[serde(default, alias = "TimeTableGuid")]
    pub time_table_guid: Option<Guid>,
    /// ФИО врача и не только (the doctor's name as displayed).
    #[serde(default, alias = "DocFio")]
    pub doc_fio: Option<String>,
    /// Идентификатор ресурса (врача), к которому сделана запись.
    #[serde(default, alias = "DocGuid")]
    pub doc_guid: Option<Guid>,
    /// Должность ресурса (врача).
    #[serde(default, alias = "DoctorRole")]
    pub doctor_role: Option<String>,
    /// Специальность ресурса (врача).
    #[serde(default, alias = "Speciality")]
    pub speciality: Option<String>,
    /// Время начала приема (RFC 3339 with offset; `0001-01-01T00:00:00+03:00` when unknown).
    #[serde(default, alias = "BeginTime")]
    pub begin_time: Option<DateTime<FixedOffset>>,
    /// Время окончания приема.
    #[serde(default, alias = "EndTime")]
    pub end_time: Option<DateTime<FixedOffset>>,
    /// Дата и время создания записи; may be null when the ticket comes from a local LPU.
    #[serde(default, alias = "DateOfAppointment")]
    pub date_of_appointment: Option<DateTime<FixedOffset>>,
    /// Источник записи (a number; the seeds list no values).
    #[serde(default, alias = "Source")]
    pub source: Option<i32>,
    /// Логин записавшего. Personal data: [`Redacted`] in `Debug`.
    #[serde(default, alias = "Login")]
    pub login: Option<Redacted<String>>,
    /// Название источника (e.g. `Internet`).
    #[serde(default, alias = "SourceName")]
    pub source_name: Option<String>,
    /// Гуид мероприятия диспансеризации.
    #[serde(default, alias = "DispExamGuid")]
    pub disp_exam_guid: Option<Guid>,
    /// История документа.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "History")]
    #[schemars(with = "Option<Vec<DocumentHistory>>")]
    pub history: Vec<DocumentHistory>,
}

/// Запись на прием (`TicketVisit`, «Создание записи на прием к врачу»): the visit fields of [`TicketVisitWithLpu`] and of the
/// old API's `TicketVisitWithLpuBase` («Получение записей на прием и вызовов пациента через сессию»).
///
/// `ticketGuid` and `num` are always filled (also in the short answer of `fullResponse=false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct TicketVisit {
    /// Идентификатор записи на прием.
    #[serde(alias = "TicketGuid")]
    pub ticket_guid: Guid,
    /// Номер записи на прием.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Num")]
    #[schemars(with = "Option<String>")]
    pub num: String,
    /// Номер участка.
    #[serde(default, alias = "UchastokNum")]
    pub uchastok_num: Option<String>,
    /// Кабинет.
    #[serde(default, alias = "Room")]
    pub room: Option<String>,
    /// Этаж.
    #[serde(default, alias = "Flat")]
    pub flat: Option<i32>,
    /// Тип приема.
    #[serde(default, alias = "BusyType")]
    pub busy_type: Option<BusyType>,
    /// Запланированная вместимость ячейки расписания (absent in the «Получение записей на прием и вызовов пациента через сессию» list example).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "PlanCount")]
    pub plan_count: Option<i32>,
    /// Использованная вместимость ячейки расписания (absent in the «Получение записей на прием и вызовов пациента через сессию» list example).
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "UsedCount")]
    pub used_count: Option<i32>,
    /// The fields shared with home-visit calls.
    #[serde(flatten)]
    pub common: TicketCommon,
}

/// The working state of the LPU's host (`lpu.status`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct LpuStatus {
    /// Состояние (e.g. `Online`).
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
    /// Время последнего изменения состояния.
    #[serde(default, alias = "LastChangeTime")]
    pub last_change_time: Option<DateTime<FixedOffset>>,
    /// Пинг до хоста ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Ping")]
    #[schemars(with = "Option<i64>")]
    pub ping: i64,
}

/// The parent organisation of an LPU (`lpu.parent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct LpuParent {
    /// Гуид родительской ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Guid")]
    #[schemars(with = "Option<Guid>")]
    pub guid: Guid,
    /// Название родительской ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
}

/// The structured address of an LPU (`lpu.addressDetail`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct AddressDetail {
    /// Почтовый индекс.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Postcode")]
    #[schemars(with = "Option<String>")]
    pub postcode: String,
    /// Населённый пункт.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Settlement")]
    #[schemars(with = "Option<String>")]
    pub settlement: String,
    /// Улица.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Street")]
    #[schemars(with = "Option<String>")]
    pub street: String,
    /// Строение.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Building")]
    #[schemars(with = "Option<String>")]
    pub building: String,
    /// Дом.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "House")]
    #[schemars(with = "Option<String>")]
    pub house: String,
}

/// Opening hours per weekday (`lpu.worktimes`), free text such as `8:00 - 18:00`, empty when closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct Worktimes {
    /// Понедельник.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Monday")]
    #[schemars(with = "Option<String>")]
    pub monday: String,
    /// Вторник.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Tuesday")]
    #[schemars(with = "Option<String>")]
    pub tuesday: String,
    /// Среда.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Wednesday")]
    #[schemars(with = "Option<String>")]
    pub wednesday: String,
    /// Четверг.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Thursday")]
    #[schemars(with = "Option<String>")]
    pub thursday: String,
    /// Пятница.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Friday")]
    #[schemars(with = "Option<String>")]
    pub friday: String,
    /// Суббота.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Saturday")]
    #[schemars(with = "Option<String>")]
    pub saturday: String,
    /// Воскресенье.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Sunday")]
    #[schemars(with = "Option<String>")]
    pub sunday: String,
}

/// Полная информация об ЛПУ со статусом (`LpuWithStatus`, the `lpu` of a [`TicketVisitWithLpu`],
/// «Создание записи на прием к врачу»). The seed has no table for it; the fields are those of its example.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct LpuWithStatus {
    /// Состояние хоста ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Status")]
    #[schemars(with = "Option<LpuStatus>")]
    pub status: LpuStatus,
    /// Гуид ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Guid")]
    #[schemars(with = "Option<Guid>")]
    pub guid: Guid,
    /// Название.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
    /// Название ЛПУ в ФЭР.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "FerName")]
    #[schemars(with = "Option<String>")]
    pub fer_name: String,
    /// Адрес.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Address")]
    #[schemars(with = "Option<String>")]
    pub address: String,
    /// Типы учреждения (e.g. `lpu`, `smp`, `milk`).
    #[serde(default, rename = "type", deserialize_with = "crate::wire::null_as_default", alias = "Type")]
    #[schemars(with = "Option<Vec<String>>")]
    pub types: Vec<String>,
    /// Телефон.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Phone")]
    #[schemars(with = "Option<String>")]
    pub phone: String,
    /// МКОД.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Mcod")]
    #[schemars(with = "Option<String>")]
    pub mcod: String,
    /// Полное название.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "FullName")]
    #[schemars(with = "Option<String>")]
    pub full_name: String,
    /// ФКОД.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Fcod")]
    #[schemars(with = "Option<String>")]
    pub fcod: String,
    /// Признак стационара.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "StLpu")]
    #[schemars(with = "Option<bool>")]
    pub st_lpu: bool,
    /// Идентификатор хоста.
    #[serde(default, rename = "hostID", deserialize_with = "crate::wire::null_as_default", alias = "HostID")]
    #[schemars(with = "Option<i64>")]
    pub host_id: i64,
    /// Детская поликлиника.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "IsChildrenPoliclinic")]
    #[schemars(with = "Option<bool>")]
    pub is_children_policlinic: bool,
    /// Доступен вызов врача на дом.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "IsCallDoctor")]
    #[schemars(with = "Option<bool>")]
    pub is_call_doctor: bool,
    /// Доступен лист ожидания.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "IsWaitingList")]
    #[schemars(with = "Option<bool>")]
    pub is_waiting_list: bool,
    /// Доступна диспансеризация.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "IsDisp")]
    #[schemars(with = "Option<bool>")]
    pub is_disp: bool,
    /// ЛПУ активна.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "IsActive")]
    #[schemars(with = "Option<bool>")]
    pub is_active: bool,
    /// Есть расписание.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "HaveSchedule")]
    #[schemars(with = "Option<bool>")]
    pub have_schedule: bool,
    /// Родительская организация.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Parent")]
    #[schemars(with = "Option<LpuParent>")]
    pub parent: LpuParent,
    /// Почтовый индекс.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "PostIndex")]
    #[schemars(with = "Option<String>")]
    pub post_index: String,
    /// Рейтинг (null in the example).
    #[serde(default, alias = "Ratings")]
    pub ratings: Option<LpuRatingWithAvg>,
    /// Адрес по частям.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "AddressDetail")]
    #[schemars(with = "Option<AddressDetail>")]
    pub address_detail: AddressDetail,
    /// Часы работы.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Worktimes")]
    #[schemars(with = "Option<Worktimes>")]
    pub worktimes: Worktimes,
    /// Идентификатор города/района.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "CityId")]
    #[schemars(with = "Option<String>")]
    pub city_id: String,
    /// ИНН.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Inn")]
    #[schemars(with = "Option<String>")]
    pub inn: String,
    /// КПП.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Kpp")]
    #[schemars(with = "Option<String>")]
    pub kpp: String,
    /// ОГРН.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Ogrn")]
    #[schemars(with = "Option<String>")]
    pub ogrn: String,
    /// ОКАТО.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Okato")]
    #[schemars(with = "Option<String>")]
    pub okato: String,
    /// Лицензия.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Lic")]
    #[schemars(with = "Option<String>")]
    pub lic: String,
    /// Руководство.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Management")]
    #[schemars(with = "Option<String>")]
    pub management: String,
    /// Ссылка на фотографию.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Photo")]
    #[schemars(with = "Option<String>")]
    pub photo: String,
    /// Сайт.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Site")]
    #[schemars(with = "Option<String>")]
    pub site: String,
    /// Почта ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Email")]
    #[schemars(with = "Option<String>")]
    pub email: String,
    /// Координаты GPS (`широта, долгота`).
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Gps")]
    #[schemars(with = "Option<String>")]
    pub gps: String,
}

/// Запись на прием с полной информацией об ЛПУ (`TicketVisitWithLpu`, «Создание записи на прием к врачу»): the answer of the
/// visit creation. Inherits the fields of `TicketVisit` and adds `lpu`.
///
/// ```
/// use fer_model::portal::TicketVisitWithLpu;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/001/ticket_visit_with_lpu_response.json")).unwrap();
/// let t: TicketVisitWithLpu = serde_json::from_str(&json).unwrap();
/// assert_eq!(t.visit.num, "008");
/// assert_eq!(t.lpu.mcod, "330501");
/// assert_eq!(t.visit.common.history.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, Default)]
pub struct TicketVisitWithLpu {
    /// Информация об ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Lpu")]
    #[schemars(with = "Option<LpuWithStatus>")]
    pub lpu: LpuWithStatus,
    /// The visit.
    #[serde(flatten)]
    pub visit: TicketVisit,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(n: u128) -> Guid {
        Guid::from_u128(n)
    }

    #[test]
    fn query_round_trip_with_every_parameter() {
        let p = VisitParams {
            exam_guid: Some(g(4)),
            external_user_id: Some("ext-1".into()),
            ..VisitParams::by_doctor(g(1), g(2), "2023-04-05 14:00:00.000".parse().unwrap())
                .with_direction("14555-9984", DirectionType::Consultation)
                .with_email("some@mail.ru", Some(EmailConfirmAgree::Yes))
                .with_phone("79995554242")
                .with_full_response(true)
        };
        let q = p.to_query();
        let names: Vec<&str> = q.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, VISIT_QUERY_PARAMETERS[1..], "every parameter but timeTable, in order");
        assert!(q.contains(&("dateTime", "2023-04-05 14:00:00.000".into())));
        assert!(q.contains(&("email_confirm_agree", "1".into())));
        assert_eq!(VisitParams::from_query(g(1), q).unwrap(), p);
        assert!(!format!("{p:?}").contains("some@mail.ru"));
        assert!(!format!("{p:?}").contains("79995554242"));
    }

    #[test]
    fn query_reading_rules() {
        let p = VisitParams::from_query(
            g(1),
            [("timeTable", ""), ("directionID", "7"), ("fullResponse", "False"), ("utm", "x")],
        )
        .unwrap();
        assert_eq!(p.time_table, None, "an empty value is absent");
        assert_eq!(p.direction_id.as_deref(), Some("7"));
        assert_eq!(p.full_response, Some(false));
        let err = |pairs: &[(&str, &str)]| VisitParams::from_query(g(1), pairs.iter().copied()).unwrap_err();
        assert!(matches!(err(&[("timeTable", "x")]), VisitQueryError::Invalid { name: "timeTable", .. }));
        assert!(matches!(err(&[("dateTime", "05.04.2023")]), VisitQueryError::Invalid { name: "dateTime", .. }));
        assert!(matches!(err(&[("directionType", "x")]), VisitQueryError::Invalid { name: "directionType", .. }));
        assert!(matches!(err(&[("email_confirm_agree", "2")]), VisitQueryError::Invalid { .. }));
        assert!(matches!(err(&[("fullResponse", "yes")]), VisitQueryError::Invalid { name: "fullResponse", .. }));
        assert_eq!(
            err(&[("docGuid", &g(2).to_string()), ("docGuid", &g(3).to_string())]),
            VisitQueryError::Repeated("docGuid")
        );
        let e = err(&[("email", "a@b.c"), ("email", "secret@mail.ru")]);
        assert!(!e.to_string().contains("secret"));
    }
}
