//! «Получение записей на прием и вызовов пациента через сессию»: the deprecated session
//! API, still used by mobile apps through the `old` path.
//!
//! 1. `GET {url}/api/v2/old/visit/tickets` (COD token) opens a session: [`TicketSession`].
//! 2. `GET {url}/api/v2/old/visit/tickets/{session}` answers an array of [`TicketLists`], one per LPU
//!    host; poll it until no list is [`TicketListState::InProgress`] ([`TicketLists::polling_finished`]).
//!
//! The session lives on a single replica of the portal, which is why the method is deprecated.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize, Serializer};

use super::{TicketCommon, TicketVisit};
use crate::{Guid, Redacted};

/// The path that opens a session, relative to the portal's `{url}` («Получение записей на прием и вызовов пациента через сессию»).
pub const TICKETS_SESSION_PATH: &str = "/api/v2/old/visit/tickets";

/// The answer of `GET {url}/api/v2/old/visit/tickets` («Получение записей на прием и вызовов пациента через сессию», «Создание сессии получения талонов»).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TicketSession {
    /// Гуид сессии получения записей.
    pub session: Guid,
}

impl TicketSession {
    /// The path that lists the tickets of this session: `/api/v2/old/visit/tickets/{session}`.
    pub fn tickets_path(&self) -> String {
        format!("{TICKETS_SESSION_PATH}/{}", self.session)
    }
}

wire_enum! {
    /// Статус опроса хоста ЛПУ (`state` of a [`TicketLists`], «Получение записей на прием и вызовов пациента через сессию»).
    TicketListState {
        /// InProgress – все еще в процессе получения информации от ЛПУ: poll again.
        InProgress = "InProgress",
        /// Complete – информация получена.
        Complete = "Complete",
        /// Failed – опрос завершился с неудачей (связь, ошибки формата и т. д.).
        Failed = "Failed",
    }
}

impl TicketListState {
    /// True when the host's answer is final (complete or failed): nothing more will come.
    pub const fn is_final(self) -> bool {
        !matches!(self, TicketListState::InProgress)
    }
}

wire_enum! {
    /// Режим отображения времени обхода врача (`displayTimeMode` of a home-visit call, «Получение записей на прием и вызовов пациента через сессию»):
    /// how much of `beginTime` / `endTime` to show.
    DisplayTimeMode {
        /// Full – отображать полностью дату и время.
        Full = "Full",
        /// OnlyDate – отображать только дату.
        OnlyDate = "OnlyDate",
        /// Hide – скрывать совсем.
        Hide = "Hide",
        /// Message – отображать сообщение из поля StubMessage вместо времени.
        Message = "Message",
    }
}

code_enum! {
    /// Статус вызова врача на дом (`status` of a [`TicketCall`], «Получение записей на прием и вызовов пациента через сессию»).
    CallStatus {
        /// 0 – Новый.
        New = 0,
        /// 1 – Активный.
        Active = 1,
        /// 2 – Завершенный.
        Completed = 2,
        /// 3 – Отмененный.
        Cancelled = 3,
        /// 4 – Передан в другую МО.
        TransferredToAnotherMo = 4,
        /// 5 – Обслуженный.
        Served = 5,
    }
}

code_enum! {
    /// Тип вызова врача на дом (`type` of a [`TicketCall`], «Получение записей на прием и вызовов пациента через сессию»).
    CallType {
        /// 1 – Первичный.
        Primary = 1,
        /// 2 – Повторный.
        Repeat = 2,
        /// 3 – Активное посещение.
        ActiveVisit = 3,
        /// 4 – Неотложный.
        Urgent = 4,
    }
}

/// Writes a rating that is a whole number as an integer (`4`) and any other as a float (`4.5`), the
/// way the example mixes them.
fn compact_number<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 { s.serialize_i64(*v as i64) } else { s.serialize_f64(*v) }
}

/// The votes of one rating criterion (`ratings.item.<criterion>`). The keys are snake_case inside
/// the otherwise camelCase model, as the example sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RatingDetail {
    /// Средняя оценка.
    #[serde(serialize_with = "compact_number")]
    pub avg: f64,
    /// Число голосов.
    pub vote_count: u32,
    /// Сумма оценок.
    pub summa: u32,
    /// Число оценок «1».
    pub detail_1: u32,
    /// Число оценок «2».
    pub detail_2: u32,
    /// Число оценок «3».
    pub detail_3: u32,
    /// Число оценок «4».
    pub detail_4: u32,
    /// Число оценок «5».
    pub detail_5: u32,
}

/// Рейтинг ЛПУ со средней оценкой (`LPURatingWithAvg`, «Создание записи на прием к врачу» and «Получение записей на прием и вызовов пациента через сессию»).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LpuRatingWithAvg {
    /// МКОД ЛПУ (kept as sent: the example pads it with a trailing space).
    pub mcod: String,
    /// Средняя оценка по всем критериям.
    #[serde(serialize_with = "compact_number")]
    pub avg: f64,
    /// Оценки по критериям: the example sends `queue`, `result`, `attitude` and `cleanliness`; any
    /// other criterion is kept.
    pub item: BTreeMap<String, RatingDetail>,
}

/// Краткая информация об ЛПУ (`LpuBase`, the `lpu` of a ticket in «Получение записей на прием и вызовов пациента через сессию»).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct LpuBase {
    /// Гуид ЛПУ.
    pub guid: Guid,
    /// Название.
    pub name: String,
    /// Адрес.
    pub address: String,
    /// Телефон.
    pub phone: String,
    /// МКОД.
    pub mcod: String,
}

/// Информация об ЛПУ, из которой получали данные (`LpuInfo`, «Получение записей на прием и вызовов пациента через сессию»): the LPU of the patient's
/// MKAB, **not** necessarily the LPU of the tickets (each ticket names its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LpuInfo {
    /// Гуид ЛПУ.
    pub guid: Guid,
    /// Название.
    pub name: String,
    /// Адрес.
    pub address: String,
    /// Почта.
    pub email: String,
    /// GPS.
    pub gps: String,
    /// Сайт.
    pub site: String,
    /// Телефон.
    pub phone: String,
    /// Мкод.
    pub mcod: String,
    /// Фкод.
    pub fcod: String,
    /// Идентификатор города/района.
    pub city_id: String,
    /// Рейтинг.
    #[serde(default)]
    pub ratings: Option<LpuRatingWithAvg>,
}

/// Запись на прием с информацией об ЛПУ (`TicketVisitWithLpuBase`, «Получение записей на прием и вызовов пациента через сессию»): a visit with a short
/// LPU.
///
/// ```
/// use fer_model::portal::TicketVisitWithLpuBase;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/003/ticket_visit_with_lpu_base.json")).unwrap();
/// let t: TicketVisitWithLpuBase = serde_json::from_str(&json).unwrap();
/// assert_eq!(t.lpu.mcod, "470102");
/// assert_eq!(t.visit.busy_type.unwrap().kind, 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TicketVisitWithLpuBase {
    /// Краткая информация об ЛПУ.
    pub lpu: LpuBase,
    /// The visit.
    #[serde(flatten)]
    pub visit: TicketVisit,
}

/// Вызов врача на дом (`TicketCall`, «Получение записей на прием и вызовов пациента через сессию», «Базовые поля»).
///
/// The patient's address and diagnosis are [`Redacted`] in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketCall {
    /// Идентификатор(Гуид) вызова врача на дом.
    pub call_doctor_guid: Guid,
    /// Идентификатор (id в БД) вызова врача на дом.
    pub call_doctor_id: i64,
    /// Адрес вызова.
    pub address: Redacted<String>,
    /// Кем сделан вызов.
    #[serde(default)]
    pub created_by: Option<String>,
    /// Статус вызова.
    pub status: CallStatus,
    /// Тип вызова.
    #[serde(rename = "type")]
    pub kind: CallType,
    /// Дата и время изменения статуса вызова.
    #[serde(default)]
    pub date_status: Option<DateTime<FixedOffset>>,
    /// Диагноз по МКБ-10.
    #[serde(default)]
    pub diagnosis: Option<Redacted<String>>,
    /// Идентификатор записи; may be absent (or the zero GUID) unless the call is active.
    #[serde(default)]
    pub ticket_guid: Option<Guid>,
    /// Режим отображения времени обхода врача (absent in the example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_time_mode: Option<DisplayTimeMode>,
    /// Сообщение для отображения вместо времени обхода, when `displayTimeMode` is `Message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stub_message: Option<String>,
    /// The fields shared with visits.
    #[serde(flatten)]
    pub common: TicketCommon,
}

/// Вызов врача на дом с информацией об ЛПУ (`TicketCallWithLpuBase`, «Получение записей на прием и вызовов пациента через сессию»).
///
/// ```
/// use fer_model::portal::{CallStatus, CallType, TicketCallWithLpuBase};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/003/ticket_call_with_lpu_base.json")).unwrap();
/// let c: TicketCallWithLpuBase = serde_json::from_str(&json).unwrap();
/// assert_eq!((c.call.status, c.call.kind), (CallStatus::New, CallType::Primary));
/// assert!(!format!("{c:?}").contains("48 22")); // the patient's address
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TicketCallWithLpuBase {
    /// Краткая информация об ЛПУ.
    pub lpu: LpuBase,
    /// The call.
    #[serde(flatten)]
    pub call: TicketCall,
}

/// Списки записей по ЛПУ (хостам) (`TicketLists`, «Получение записей на прием и вызовов пациента через сессию»): one element of the answer of
/// `GET .../tickets/{session}`.
///
/// ```
/// use fer_model::portal::{TicketListState, TicketLists};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/003/ticket_lists_response.json")).unwrap();
/// let lists: Vec<TicketLists> = serde_json::from_str(&json).unwrap();
/// assert_eq!(lists[0].state, TicketListState::Complete);
/// assert!(TicketLists::polling_finished(&lists));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TicketLists {
    /// Статус опроса хоста ЛПУ.
    pub state: TicketListState,
    /// ЛПУ, из которой получали данные (the LPU of the patient's MKAB).
    pub lpu: LpuInfo,
    /// Записи на прием.
    #[serde(default)]
    pub visits: Vec<TicketVisitWithLpuBase>,
    /// Вызовы на дом.
    #[serde(default)]
    pub calls: Vec<TicketCallWithLpuBase>,
    /// Диспансеризации (`Array of DispItem`; the seed does not describe the item, so each is kept as
    /// raw JSON).
    #[serde(default)]
    pub disps: Vec<serde_json::Value>,
}

impl TicketLists {
    /// True when no list is still [`TicketListState::InProgress`]: polling can stop.
    pub fn polling_finished(lists: &[TicketLists]) -> bool {
        lists.iter().all(|l| l.state.is_final())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_keep_integer_and_float_forms() {
        let json =
            r#"{"avg":4,"vote_count":1,"summa":4,"detail_1":0,"detail_2":1,"detail_3":0,"detail_4":0,"detail_5":0}"#;
        let d: RatingDetail = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), json);
        let half = RatingDetail { avg: 4.5, ..d };
        assert!(serde_json::to_string(&half).unwrap().starts_with(r#"{"avg":4.5,"#));
    }

    #[test]
    fn states_and_codes() {
        assert!(!TicketListState::InProgress.is_final());
        assert!(TicketListState::Failed.is_final());
        assert!(serde_json::from_str::<TicketListState>("\"inprogress\"").is_err());
        assert_eq!(CallStatus::from_code(4), Some(CallStatus::TransferredToAnotherMo));
        assert_eq!(CallType::from_code(0), None);
        let s = TicketSession { session: Guid::from_u128(1) };
        assert_eq!(s.tickets_path(), "/api/v2/old/visit/tickets/00000000-0000-0000-0000-000000000001");
    }
}
