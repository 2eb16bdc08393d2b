//! The booking webhook the MIS serves (section 7, «Сервис бронирования и отмены записи на прием»):
//! `POST /booking/book` and `POST /booking/cancel`, each answered within 10 seconds.
//!
//! # Decisions where the profile is silent or loose
//!
//! * **Lenient requests.** The gateway's booking request is read as leniently as the profile
//!   allows («Описание параметров в запросе» of the booking method): `patient_id` is any string
//!   ([`PatientId`]; the cancel example sends `"11234455"`), `gender` any string ([`GenderCode`]:
//!   the table lists no values), `preliminary_reservation: null` is `false` (its default), and the
//!   `patient_data_rrp` fields, whose obligation column is empty, may be null or empty (`snils` and
//!   `birthdate` then read as absent, names as empty). fer-validate reports such forms as warnings.
//!   Only what truly cannot be processed (no slot, an unknown `booking_type`, a wrong JSON type)
//!   fails parsing.
//! * **Answer times.** The answers' `visit_time` is written with its UTC offset, as in the
//!   booking method's «Пример ответа»; the tables give no format, so a time without offset is
//!   accepted when read and kept with offset `+00:00` (its digits unchanged; fer-validate warns).
//!   Use [`MisTimeZone`] to give the schedule's local times their offset.
//! * **Cancel answer.** «Описание параметров в ответе» of the cancel method marks `book_ext_id`,
//!   `slot_id`, `visit_time`, `duration` and `status` mandatory, while its «Пример успешного
//!   ответа» (marked «ДОПОЛНИТЬ») carries only `book_ext_id` and `status`: [`CancelResponse`]
//!   reads both shapes and writes the table's fields whenever they are known.
//! * **Texts.** Every user-facing text is the profile's own (the tables «Коды ошибок в ответе на
//!   запрос бронирования слота» and «… отмены бронирования»).

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wire::{duration_as_string, trimmed};
use crate::{BirthDate, DurationMinutes, Guid, Redacted, Snils};

/// The time limit the gateway gives the MIS for each call: «Метод должен отрабатывать не более 10
/// секунд».
pub const GATEWAY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

wire_enum! {
    /// Тип записи of a booking request (`booking_type`). Not the same set as `book.type`
    /// ([`BookType`](crate::BookType)).
    BookingType {
        /// APPOINTMENT – прием к врачу.
        Appointment = "APPOINTMENT",
        /// VACCINATION – вакцинация (needs `service_id` and `dictionary_nsi_code`).
        Vaccination = "VACCINATION",
        /// DISPENSARY – диспансеризация.
        Dispensary = "DISPENSARY",
        /// PROPHYLACTIC_ADULT – профилактический осмотр взрослых.
        ProphylacticAdult = "PROPHYLACTIC_ADULT",
        /// PROPHYLACTIC_CHILD – профилактический осмотр детей.
        ProphylacticChild = "PROPHYLACTIC_CHILD",
        /// D_OBSERVATION – запись по карте диспансерного наблюдения.
        DObservation = "D_OBSERVATION",
        /// ONLINE_CONSULTING – консультация онлайн.
        OnlineConsulting = "ONLINE_CONSULTING",
        /// PAID_APPOINTMENT – запись на платную услугу.
        PaidAppointment = "PAID_APPOINTMENT",
    }
}

wire_enum! {
    /// Пол пациента (`patient_data_rrp.gender`).
    Gender {
        /// "1" – мужской (male).
        Male = "1",
        /// "2" – женский (female).
        Female = "2",
    }
}

/// Пол пациента as sent (`patient_data_rrp.gender`): the table lists no values, the example sends
/// `"2"`; "1" and "2" are read as [`Gender`], anything else is kept as sent (fer-validate warns).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GenderCode {
    /// "1" or "2".
    Known(Gender),
    /// Any other text, kept as sent.
    Other(String),
}

impl GenderCode {
    /// The gender when the code is "1" or "2".
    pub fn gender(&self) -> Option<Gender> {
        match self {
            GenderCode::Known(g) => Some(*g),
            GenderCode::Other(_) => None,
        }
    }

    /// The text as sent.
    pub fn as_str(&self) -> &str {
        match self {
            GenderCode::Known(g) => g.as_str(),
            GenderCode::Other(s) => s,
        }
    }
}

impl From<Gender> for GenderCode {
    fn from(g: Gender) -> Self {
        GenderCode::Known(g)
    }
}

impl PartialEq<Gender> for GenderCode {
    fn eq(&self, other: &Gender) -> bool {
        self.gender() == Some(*other)
    }
}

impl Serialize for GenderCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `null` and blank text read as absent; "1"/"2" as [`Gender`]; anything else kept.
fn lenient_gender<'de, D: Deserializer<'de>>(d: D) -> Result<Option<GenderCode>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|s| {
        let t = s.trim();
        if t.is_empty() {
            None
        } else {
            Some(Gender::from_wire(t).map_or_else(|| GenderCode::Other(s.clone()), GenderCode::Known))
        }
    }))
}

/// Идентификатор пациента as sent: any text, trimmed. The booking table types it `string` and the
/// cancel example sends `"11234455"`, so a value that is not a GUID is kept (fer-validate warns)
/// and [`PatientId::as_guid`] says whether it is one.
///
/// ```
/// use fer_model::PatientId;
/// let id: PatientId = serde_json::from_str("\" 11234455 \"").unwrap();
/// assert_eq!(id, "11234455");
/// assert!(id.as_guid().is_none());
/// let g = PatientId::from("953F8666-21CE-478F-8351-389F27CE8CDE");
/// assert_eq!(g.as_guid().unwrap().to_string(), "953f8666-21ce-478f-8351-389f27ce8cde");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
#[serde(transparent)]
pub struct PatientId(String);

impl PatientId {
    /// Wraps an id (trimmed).
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        let t = id.trim();
        PatientId(if t.len() == id.len() { id } else { t.to_owned() })
    }

    /// The id as sent (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id as a GUID, when it is one (any case).
    pub fn as_guid(&self) -> Option<Guid> {
        Guid::parse(&self.0).ok()
    }

    /// Whether the id is a GUID.
    pub fn is_guid(&self) -> bool {
        self.as_guid().is_some()
    }
}

impl fmt::Display for PatientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for PatientId {
    fn from(s: &str) -> Self {
        PatientId::new(s)
    }
}

impl From<String> for PatientId {
    fn from(s: String) -> Self {
        PatientId::new(s)
    }
}

impl From<Guid> for PatientId {
    fn from(g: Guid) -> Self {
        PatientId(g.to_string())
    }
}

impl PartialEq<&str> for PatientId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<str> for PatientId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl<'de> Deserialize<'de> for PatientId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        trimmed(d).map(PatientId)
    }
}

impl JsonSchema for PatientId {
    fn schema_name() -> Cow<'static, str> {
        "PatientId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "Идентификатор пациента: any text (a GUID from the regional register, or another id such as \"11234455\")",
        })
    }
}

/// Данные пациента из РРП (`patient_data_rrp`): the patient as the regional patient register knows
/// them. Every personal field is [`Redacted`] in `Debug`.
///
/// The table's obligation column is empty for every field here, so each may be null or empty:
/// names read as empty text, `snils`, `birthdate` and `gender` as absent; fer-validate warns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PatientData {
    /// Идентификатор пациента из РРП. Surrounding spaces are trimmed (the spec's example pads it);
    /// `null` reads as empty.
    #[serde(default, deserialize_with = "trimmed_or_empty")]
    #[schemars(schema_with = "nullable_string_schema")]
    pub id: String,
    /// Объединенные guid с РРП: ids of records merged into this patient (GUIDs expected; other
    /// text is kept, fer-validate warns).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub united_guids: Vec<String>,
    /// Имя пациента (`null` reads as empty).
    #[serde(default, deserialize_with = "redacted_or_empty")]
    #[schemars(schema_with = "nullable_string_schema")]
    pub firstname: Redacted<String>,
    /// Фамилия пациента (`null` reads as empty).
    #[serde(default, deserialize_with = "redacted_or_empty")]
    #[schemars(schema_with = "nullable_string_schema")]
    pub lastname: Redacted<String>,
    /// Отчество пациента.
    #[serde(default)]
    pub middlename: Option<Redacted<String>>,
    /// СНИЛС; empty text reads as absent.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub snils: Option<Snils>,
    /// ENP / номер полиса ОМС.
    #[serde(default)]
    pub oms_number: Option<Redacted<String>>,
    /// Дата рождения (a date, or a timestamp at midnight); empty text reads as absent.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub birthdate: Option<Redacted<BirthDate>>,
    /// Пол пациента: "1" or "2" expected, any text kept; empty reads as absent.
    #[serde(default, deserialize_with = "lenient_gender")]
    #[schemars(schema_with = "gender_schema")]
    pub gender: Option<GenderCode>,
    /// Номер телефона пациента из РРП.
    #[serde(default)]
    pub phone: Option<Redacted<String>>,
    /// Электронная почта пациента из РРП.
    #[serde(default)]
    pub email: Option<Redacted<String>>,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn null_as_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

fn trimmed_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| s.trim().to_owned()).unwrap_or_default())
}

fn redacted_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Redacted<String>, D::Error> {
    Ok(Redacted::new(Option::<String>::deserialize(d)?.unwrap_or_default()))
}

/// `null` and blank text read as absent, anything else as `T` (whose own parse may still fail).
fn blank_as_none<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => T::deserialize(v).map(Some).map_err(serde::de::Error::custom),
    }
}

fn nullable_string_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["string", "null"] })
}

fn gender_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "description": "Пол пациента: \"1\" – мужской, \"2\" – женский (other text is accepted with a warning)",
    })
}

/// The body of `POST /booking/book`: the gateway asks the MIS to book a slot for a patient.
///
/// Keys are emitted in the example's order, absent values as `null`, as the gateway sends them.
///
/// ```
/// use fer_model::{BookingRequest, BookingType};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/booking_request.json")).unwrap();
/// let req: BookingRequest = serde_json::from_str(&json).unwrap();
/// assert_eq!(req.booking_type, BookingType::Appointment);
/// assert_eq!(req.patient_data_rrp.id, "953f8666-21ce-478f-8351-389f27ce8cde"); // trimmed
/// assert!(!format!("{req:?}").contains("11147535028")); // no SNILS in Debug
/// ```
///
/// For a vendor's own tests, [`BookingRequest::example`] builds the profile's example:
///
/// ```
/// use fer_model::{BookingRequest, Guid};
/// let slot = Guid::new_v4();
/// let req = BookingRequest::example().with_slot(slot).with_patient(Guid::from_u128(7));
/// assert_eq!(req.slot_id, slot);
/// assert_eq!(req.patient_id, "00000000-0000-0000-0000-000000000007");
/// assert_eq!(req.patient_data_rrp.id, "00000000-0000-0000-0000-000000000007");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BookingRequest {
    /// Идентификатор слота.
    pub slot_id: Guid,
    /// Идентификатор пациента (any text; see [`PatientId`]).
    pub patient_id: PatientId,
    /// Тип записи.
    pub booking_type: BookingType,
    /// Идентификатор заявления в ЕПГУ.
    #[serde(default)]
    pub case_number: Option<String>,
    /// Переключатель на бронирование / предварительное бронирование (по умолчанию всегда false);
    /// `null` reads as `false`.
    #[serde(default, deserialize_with = "null_as_false")]
    #[schemars(schema_with = "nullable_bool_schema")]
    pub preliminary_reservation: bool,
    /// Идентификатор направления; обязательно при записи по направлению.
    #[serde(default)]
    pub referral_id: Option<Guid>,
    /// Идентификатор медицинской карты.
    #[serde(default)]
    pub cards_id: Option<String>,
    /// Электронная почта пациента из ЕПГУ.
    #[serde(default)]
    pub email: Option<Redacted<String>>,
    /// Номер телефона пациента из ЕПГУ.
    #[serde(default)]
    pub mobile_phone: Option<Redacted<String>>,
    /// Идентификатор услуги из табл. service; обязательно для записи на вакцинацию.
    #[serde(default)]
    pub service_id: Option<Guid>,
    /// Код услуги согласно справочнику; обязательно для записи на вакцинацию.
    #[serde(default)]
    pub dictionary_nsi_code: Option<String>,
    /// Данные пациента из РРП.
    pub patient_data_rrp: PatientData,
}

fn nullable_bool_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": ["boolean", "null"], "default": false })
}

impl BookingRequest {
    /// The profile's example request («Пример запроса» of the booking method), with a SNILS whose
    /// check number is right (the example's is not) and real-looking names: a request the SDK's
    /// rules accept without warnings. Change what a test needs with [`with_slot`](Self::with_slot),
    /// [`with_patient`](Self::with_patient) or the public fields.
    pub fn example() -> Self {
        let patient = Guid::from_u128(0x953f8666_21ce_478f_8351_389f27ce8cde);
        BookingRequest {
            slot_id: Guid::from_u128(0xb10902d0_e331_11ed_8d9e_60123c4747d1),
            patient_id: patient.into(),
            booking_type: BookingType::Appointment,
            case_number: None,
            preliminary_reservation: false,
            referral_id: None,
            cards_id: None,
            email: None,
            mobile_phone: None,
            service_id: None,
            dictionary_nsi_code: None,
            patient_data_rrp: PatientData {
                id: patient.to_string(),
                united_guids: Vec::new(),
                firstname: "Мария".into(),
                lastname: "Проверкина".into(),
                middlename: Some("Ивановна".into()),
                snils: Some(Snils::parse("11223344595").expect("a valid SNILS")),
                oms_number: Some("7700000000000001".into()),
                birthdate: Some(Redacted::new(BirthDate::new(
                    chrono::NaiveDate::from_ymd_opt(1985, 4, 12).expect("a valid date"),
                ))),
                gender: Some(GenderCode::Known(Gender::Female)),
                phone: None,
                email: None,
            },
        }
    }

    /// The same request for another slot.
    pub fn with_slot(mut self, slot_id: Guid) -> Self {
        self.slot_id = slot_id;
        self
    }

    /// The same request for another patient (`patient_id` and `patient_data_rrp.id`).
    pub fn with_patient(mut self, patient_id: impl Into<PatientId>) -> Self {
        let id = patient_id.into();
        self.patient_data_rrp.id = id.as_str().to_owned();
        self.patient_id = id;
        self
    }
}

/// The time zone of the MIS's schedule, as a fixed UTC offset: the tables («Описание таблиц»,
/// `slot.visit_time`) carry local times without offset, while the booking answer's `visit_time`
/// carries one («Пример ответа»: `2022-12-14T08:00:00+05:00`). A fixed offset is exact: Russia has
/// kept no daylight saving time since 2014.
///
/// ```
/// use fer_model::MisTimeZone;
/// let tz = MisTimeZone::from_hours(5).unwrap(); // Yekaterinburg, Khanty-Mansiysk
/// let local = "2022-12-14T08:00:00".parse().unwrap();
/// assert_eq!(tz.to_answer_time(local).to_rfc3339(), "2022-12-14T08:00:00+05:00");
/// assert_eq!(MisTimeZone::MOSCOW.to_answer_time(local).to_rfc3339(), "2022-12-14T08:00:00+03:00");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MisTimeZone(FixedOffset);

impl MisTimeZone {
    /// Moscow time, UTC+3.
    pub const MOSCOW: MisTimeZone = MisTimeZone(match FixedOffset::east_opt(3 * 3600) {
        Some(o) => o,
        None => unreachable!(),
    });

    /// A zone `hours` east of UTC (Russia spans +2 to +12); `None` outside -23..=23.
    pub fn from_hours(hours: i32) -> Option<Self> {
        FixedOffset::east_opt(hours.checked_mul(3600)?).map(MisTimeZone)
    }

    /// A zone with the given offset.
    pub const fn new(offset: FixedOffset) -> Self {
        MisTimeZone(offset)
    }

    /// The offset.
    pub const fn offset(self) -> FixedOffset {
        self.0
    }

    /// A schedule's local time (a slot's `visit_time`) as the booking answer's `visit_time`: the
    /// same wall-clock time with this zone's offset.
    pub fn to_answer_time(self, local: NaiveDateTime) -> DateTime<FixedOffset> {
        use chrono::TimeZone;
        match self.0.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) => t,
            // A fixed offset maps every local time to exactly one instant.
            _ => local.and_utc().with_timezone(&self.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Status codes and their texts
// ---------------------------------------------------------------------------------------------------

code_enum! {
    /// Why the MIS refused a booking (`status.status_code` other than 0; «Коды ошибок в ответе на
    /// запрос бронирования слота»).
    BookingRejectionCode {
        /// 11: Бирка к врачу занята или заблокирована; слот занят или заблокирован другим пациентом.
        SlotUnavailable = 11,
        /// 12: Есть бирка на то же время (the patient is booked elsewhere at the same time).
        OverlappingBooking = 12,
        /// 13: Пациент имеет предстоящую запись к данному врачу или врачу данной специальности; есть
        /// бирка на тот же день к тому же врачу.
        ActiveBookingSameSpecialist = 13,
        /// 14: Бирка только для пациентов другой возрастной группы (age group does not match).
        AgeMismatch = 14,
        /// 15: Слот аннулирован.
        SlotAnnulled = 15,
        /// 17: Пациент не найден.
        PatientNotFound = 17,
        /// 18: Любая другая ошибка: бирка не соответствующего типа, неверное направление, слот не
        /// найден, несоответствие в переданных данных, ошибка снятия блокировки.
        Other = 18,
    }
}

impl BookingRejectionCode {
    /// Описание ошибки: what the code means, in the profile's words: one line of the table's
    /// «Описание ошибки» cell (all of them: [`descriptions_ru`](Self::descriptions_ru)). For 14
    /// the cell lists four age-specific lines («Бирка только для пациентов ДО ГОДА», …), none of
    /// which fits every slot, so the general text is the table's user-facing title.
    pub const fn description_ru(self) -> &'static str {
        match self {
            Self::SlotUnavailable => "Слот занят или заблокирован",
            Self::OverlappingBooking => "Есть бирка на то же время",
            Self::ActiveBookingSameSpecialist => {
                "Пациент имеет предстоящую запись к данному врачу или врачу данной специальности"
            }
            Self::AgeMismatch => "Слот не соответствует по возрасту",
            Self::SlotAnnulled => "Слот аннулирован",
            Self::PatientNotFound => "Пациент не найден",
            Self::Other => "Извините, запись невозможна",
        }
    }

    /// Every line of the table's «Описание ошибки» cell for the code, as the profile writes them
    /// (a vendor may send the one that fits as its own `status_message`).
    pub const fn descriptions_ru(self) -> &'static [&'static str] {
        match self {
            Self::SlotUnavailable => &[
                "Бирка к врачу занята или заблокирована",
                "Слот заблокирован другим пациентом",
                "Слот занят или заблокирован",
            ],
            Self::OverlappingBooking => &["Есть бирка на то же время"],
            Self::ActiveBookingSameSpecialist => &[
                "Пациент имеет предстоящую запись к данному врачу или врачу данной специальности",
                "Есть бирка на тот же день к тому же врачу",
            ],
            Self::AgeMismatch => &[
                "Бирка только для пациентов ДО ГОДА",
                "Бирка только для пациентов СТАРШЕ ГОДА",
                "Бирка только для детей до 18 лет",
                "Бирка только для пациентов от 18 лет",
            ],
            Self::SlotAnnulled => &["Слот аннулирован"],
            Self::PatientNotFound => &["Пациент не найден"],
            Self::Other => &[
                "Бирка не соответствующего типа",
                "Извините, запись невозможна",
                "Передано неверное направление.",
                "Слот не найден",
                "Несоответствие в переданных данных для записи",
                "Ошибка снятия блокировки",
            ],
        }
    }

    /// Отображаемый текст для пользователя: the title the EPGU shows.
    pub const fn user_title_ru(self) -> &'static str {
        match self {
            Self::SlotUnavailable => "Выбранное время занято",
            Self::OverlappingBooking => "У вас есть запись к другому специалисту на то же время",
            Self::ActiveBookingSameSpecialist => "У вас есть активная запись к специалисту на тот же день",
            Self::AgeMismatch => "Слот не соответствует по возрасту",
            Self::SlotAnnulled => "Выбранное время недоступно",
            Self::PatientNotFound => "Пользователь не найден",
            Self::Other => "Внутренняя ошибка сервиса",
        }
    }

    /// Отображаемый текст для пользователя: the explanation under the title.
    pub const fn user_text_ru(self) -> &'static str {
        match self {
            Self::SlotUnavailable => "Вы не успели подтвердить бронирование. Выберите другое время",
            Self::OverlappingBooking => {
                "У вас уже есть запись к другому специалисту на то же время. Отмените ее или выберите \
                 другое время для записи"
            }
            Self::ActiveBookingSameSpecialist => {
                "Записаться снова можно после того, как эта запись станет недействительна. Вы можете \
                 отменить её или записаться на другой день"
            }
            Self::AgeMismatch => {
                "Вы не можете записаться к этому специалисту, так как он ведет прием для другой \
                 возрастной категории пациентов"
            }
            Self::SlotAnnulled => "Данный слот был аннулирован. Пожалуйста, выберите другое время",
            Self::PatientNotFound => "Проверьте правильность указанных данных в личном кабинете",
            Self::Other => "Ошибка при получении данных из медицинской организации",
        }
    }
}

code_enum! {
    /// The status of a cancel answer («Коды ошибок в ответе на запрос отмены бронирования»).
    CancelStatusCode {
        /// 0: запись отменена.
        Success = 0,
        /// 1: Запись с таким ИД уже отменена.
        AlreadyCanceled = 1,
        /// 18: Произошла техническая ошибка при отмене в МИС.
        TechnicalError = 18,
    }
}

impl CancelStatusCode {
    /// Описание ошибки, in the profile's words. The table leaves it empty for 0 (the EPGU shows
    /// nothing: «не отображается пользователю»); the text for 0 is the `status_message` of the
    /// method's «Пример успешного ответа».
    pub const fn description_ru(self) -> &'static str {
        match self {
            Self::Success => "Вы отменили своё заявление",
            Self::AlreadyCanceled => "Запись с таким ИД уже отменена",
            Self::TechnicalError => "Произошла техническая ошибка при отмене в МИС",
        }
    }

    /// Отображаемый текст для пользователя (title); none for success.
    pub const fn user_title_ru(self) -> Option<&'static str> {
        match self {
            Self::Success => None,
            Self::AlreadyCanceled | Self::TechnicalError => Some("Ошибка при отмене записи"),
        }
    }

    /// Отображаемый текст для пользователя (explanation); none for success.
    pub const fn user_text_ru(self) -> Option<&'static str> {
        match self {
            Self::Success => None,
            Self::AlreadyCanceled | Self::TechnicalError => Some(
                "Произошла ошибка. Попробуйте снова или зайдите позже. Если ничего не изменится, \
                 напишите в службу поддержки",
            ),
        }
    }
}

/// The `status` object of booking and cancel answers: `status_code` and `status_message`.
///
/// The spec also spells the keys `status_сode` (with a Cyrillic `с`) and `statusCode` /
/// `statusMessage`; all are accepted, `status_code` / `status_message` are emitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status<C> {
    /// Код статуса.
    #[serde(rename = "status_code", alias = "status_сode", alias = "statusCode")]
    pub code: C,
    /// Информационное сообщение статуса («лучше отправлять»: better sent).
    #[serde(rename = "status_message", alias = "statusMessage", default)]
    pub message: Option<String>,
}

/// The schema of a `status` object. Accepting (the stand-alone schemas), every spelling a peer may
/// send is a property; emitting (the OpenAPI documents), only `status_code` / `status_message`, so
/// that generated code has one member per field, and the other spellings are named in the text.
fn status_schema(g: &SchemaGenerator, code: Schema, name: &str) -> Schema {
    let message = json_schema!({ "type": ["string", "null"], "description": "Информационное сообщение статуса" });
    if g.contract().is_serialize() {
        return json_schema!({
            "type": "object",
            "description": format!("Статус ответа ({name}). Send `status_code` and `status_message`. fer-rs also \
                                    reads the code key spelled `status_сode` (with a Cyrillic с, as in the \
                                    profile's cancel examples) or `statusCode`, and the message key \
                                    `statusMessage`, but never writes them."),
            "properties": { "status_code": code, "status_message": message },
            "required": ["status_code"],
        });
    }
    json_schema!({
        "type": "object",
        "description": format!("Статус ответа ({name}). The code key is also accepted as `status_сode` \
                                (Cyrillic с, as in the profile's cancel examples) or `statusCode`, the message \
                                key as `statusMessage`: a peer may send them. Send `status_code` and \
                                `status_message`, the form fer-rs writes."),
        "properties": {
            "status_code": code.clone(),
            "status_сode": code.clone(),
            "statusCode": code,
            "status_message": message.clone(),
            "statusMessage": message,
        },
        "anyOf": [
            { "properties": { "status_code": true }, "required": ["status_code"] },
            { "properties": { "status_сode": true }, "required": ["status_сode"] },
            { "properties": { "statusCode": true }, "required": ["statusCode"] },
        ],
    })
}

impl JsonSchema for Status<CancelStatusCode> {
    fn schema_name() -> Cow<'static, str> {
        "CancelStatus".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let code = CancelStatusCode::json_schema(g);
        status_schema(g, code, "отмена")
    }
}

/// The wire code of a booking answer: 0 or a [`BookingRejectionCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
struct BookingStatusCode(u16);

impl JsonSchema for Status<BookingStatusCode> {
    fn schema_name() -> Cow<'static, str> {
        "BookingStatus".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut codes = vec![0u16];
        codes.extend_from_slice(BookingRejectionCode::CODES);
        status_schema(
            g,
            json_schema!({
                "type": "integer",
                "enum": codes,
                "description": "Код статуса: 0 – успешно; 11 слот занят или заблокирован; 12 есть бирка на то же \
                                время; 13 активная запись к специалисту на тот же день; 14 не соответствует \
                                по возрасту; 15 слот аннулирован; 17 пациент не найден; 18 иная ошибка.",
            }),
            "бронирование",
        )
    }
}

// ---------------------------------------------------------------------------------------------------
// Booking answer
// ---------------------------------------------------------------------------------------------------

/// Optional details of a booking answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingDetails {
    /// Идентификатор цели услуги.
    pub service_id: Option<String>,
    /// Идентификатор подразделения.
    pub organization_id: Option<String>,
    /// Идентификатор помещения.
    pub area_id: Option<String>,
    /// Номер очереди.
    pub queue_number: Option<String>,
}

/// A successful booking (status code 0). The gateway then sends the slot as RECORDED and a book with
/// `id = book_ext_id`, status 5000, to the Vitrina (UC-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingConfirmation {
    /// Идентификатор записи на стороне РМИС: becomes the book's `id` on the Vitrina.
    pub book_ext_id: Guid,
    /// Идентификатор слота.
    pub slot_id: Guid,
    /// Время посещения, with its UTC offset (`2022-12-14T08:00:00+05:00`).
    pub visit_time: DateTime<FixedOffset>,
    /// Длительность посещения (sent as a string, `"40"`).
    pub duration: DurationMinutes,
    /// Optional details.
    pub details: BookingDetails,
    /// Информационное сообщение статуса.
    pub message: Option<String>,
}

/// A refused booking (status code other than 0). Fields the MIS echoes are kept, all optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRejection {
    /// Why the booking was refused.
    pub code: BookingRejectionCode,
    /// Информационное сообщение статуса; the spec's text for the code when the MIS sends none.
    pub message: Option<String>,
    /// Идентификатор записи на стороне РМИС, if the MIS sent one.
    pub book_ext_id: Option<Guid>,
    /// Идентификатор слота, if echoed.
    pub slot_id: Option<Guid>,
    /// Время посещения, if echoed.
    pub visit_time: Option<DateTime<FixedOffset>>,
    /// Длительность посещения, if echoed.
    pub duration: Option<DurationMinutes>,
    /// Optional details.
    pub details: BookingDetails,
}

impl BookingRejection {
    /// A rejection with the given code and no message or echoed fields.
    pub fn new(code: BookingRejectionCode) -> Self {
        BookingRejection {
            code,
            message: None,
            book_ext_id: None,
            slot_id: None,
            visit_time: None,
            duration: None,
            details: BookingDetails::default(),
        }
    }

    /// The message to show: the MIS's own, or the spec's user-facing title for the code.
    pub fn message_or_default(&self) -> &str {
        self.message.as_deref().unwrap_or(self.code.user_title_ru())
    }
}

/// The answer to `POST /booking/book`: a confirmation (code 0) or a rejection.
///
/// On the wire both are one object (`book_ext_id`, `slot_id`, `visit_time`, `duration`, …, `status`).
/// A confirmation must carry `book_ext_id`, `slot_id`, `visit_time` and `duration`: the gateway
/// checks them (UC-1 step 4), and so does parsing here.
///
/// ```
/// use fer_model::BookingResponse;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/booking_response.json")).unwrap();
/// let BookingResponse::Confirmed(c) = serde_json::from_str(&json).unwrap() else { panic!() };
/// assert_eq!(c.duration.minutes(), 40);
/// assert_eq!(c.visit_time.to_rfc3339(), "2022-12-14T08:00:00+05:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingResponse {
    /// Status code 0: booked.
    Confirmed(BookingConfirmation),
    /// Any other status code: refused.
    Rejected(BookingRejection),
}

/// The flat wire form of the booking answer.
#[derive(Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "BookingResponseWire")]
struct BookingResponseWire {
    /// Идентификатор записи на стороне РМИС; used as the book's id on the Vitrina. Mandatory on success.
    #[serde(default)]
    book_ext_id: Option<Guid>,
    /// Идентификатор слота. Mandatory on success.
    #[serde(default)]
    slot_id: Option<Guid>,
    /// Время посещения, RFC 3339 with offset. Mandatory on success.
    #[serde(default, serialize_with = "crate::wire::opt_rfc3339", deserialize_with = "lenient_answer_time")]
    #[schemars(schema_with = "answer_time_schema")]
    visit_time: Option<DateTime<FixedOffset>>,
    /// Длительность посещения, in minutes, as a string. Mandatory on success.
    #[serde(default, serialize_with = "opt_duration_as_string")]
    #[schemars(schema_with = "answer_duration_schema")]
    duration: Option<DurationMinutes>,
    /// Идентификатор цели услуги.
    #[serde(default)]
    service_id: Option<String>,
    /// Идентификатор подразделения.
    #[serde(default)]
    organization_id: Option<String>,
    /// Идентификатор помещения.
    #[serde(default)]
    area_id: Option<String>,
    /// Номер очереди.
    #[serde(default)]
    queue_number: Option<String>,
    /// Статус ответа.
    status: Status<BookingStatusCode>,
}

/// An answer's `visit_time`: RFC 3339 with offset, or (the tables give no format) a time without
/// offset, kept at `+00:00` with its digits unchanged.
fn lenient_answer_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    let Some(s) = Option::<String>::deserialize(d)? else { return Ok(None) };
    parse_answer_time(&s).map(Some).map_err(serde::de::Error::custom)
}

/// Reads an answer's `visit_time`: RFC 3339 with offset, else one of the naive forms of
/// [`Timestamp`](crate::Timestamp), kept at offset `+00:00`.
///
/// ```
/// use fer_model::booking::parse_answer_time;
/// assert_eq!(parse_answer_time("2022-12-14T08:00:00+05:00").unwrap().to_rfc3339(), "2022-12-14T08:00:00+05:00");
/// assert_eq!(parse_answer_time("2022-12-14T08:00:00").unwrap().to_rfc3339(), "2022-12-14T08:00:00+00:00");
/// assert!(parse_answer_time("в 8 утра").is_err());
/// ```
pub fn parse_answer_time(s: &str) -> Result<DateTime<FixedOffset>, crate::wire::WireError> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt);
    }
    crate::Timestamp::parse(t).map(|ts| ts.naive().and_utc().fixed_offset())
}

fn answer_time_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": ["string", "null"],
        "description": "Время посещения: RFC 3339 with offset, e.g. 2022-12-14T08:00:00+05:00 (a time without offset is accepted with a warning)",
    })
}

/// The answers' `duration`: written as a string of digits (the table declares `string`), read as a
/// string or a number.
fn answer_duration_schema(g: &mut SchemaGenerator) -> Schema {
    if g.contract().is_serialize() {
        return json_schema!({
            "type": ["string", "null"],
            "pattern": r"^\d+$",
            "description": "Длительность посещения в минутах, строкой (\"40\"). fer-rs also reads a number.",
        });
    }
    g.subschema_for::<Option<DurationMinutes>>()
}

fn opt_duration_as_string<S: Serializer>(d: &Option<DurationMinutes>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => duration_as_string(d, s),
        None => s.serialize_none(),
    }
}

impl TryFrom<BookingResponseWire> for BookingResponse {
    type Error = String;
    fn try_from(w: BookingResponseWire) -> Result<Self, String> {
        let details = BookingDetails {
            service_id: w.service_id,
            organization_id: w.organization_id,
            area_id: w.area_id,
            queue_number: w.queue_number,
        };
        if w.status.code.0 == 0 {
            let need = |f: &str| format!("a successful booking answer (status_code 0) requires {f}");
            return Ok(BookingResponse::Confirmed(BookingConfirmation {
                book_ext_id: w.book_ext_id.ok_or_else(|| need("book_ext_id"))?,
                slot_id: w.slot_id.ok_or_else(|| need("slot_id"))?,
                visit_time: w.visit_time.ok_or_else(|| need("visit_time"))?,
                duration: w.duration.ok_or_else(|| need("duration"))?,
                details,
                message: w.status.message,
            }));
        }
        let code = BookingRejectionCode::from_code(w.status.code.0).ok_or_else(|| {
            format!("unknown booking status_code {}: expected 0, 11, 12, 13, 14, 15, 17 or 18", w.status.code.0)
        })?;
        Ok(BookingResponse::Rejected(BookingRejection {
            code,
            message: w.status.message,
            book_ext_id: w.book_ext_id,
            slot_id: w.slot_id,
            visit_time: w.visit_time,
            duration: w.duration,
            details,
        }))
    }
}

impl Serialize for BookingResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let wire = match self.clone() {
            BookingResponse::Confirmed(c) => BookingResponseWire {
                book_ext_id: Some(c.book_ext_id),
                slot_id: Some(c.slot_id),
                visit_time: Some(c.visit_time),
                duration: Some(c.duration),
                service_id: c.details.service_id,
                organization_id: c.details.organization_id,
                area_id: c.details.area_id,
                queue_number: c.details.queue_number,
                status: Status { code: BookingStatusCode(0), message: c.message },
            },
            BookingResponse::Rejected(r) => BookingResponseWire {
                book_ext_id: r.book_ext_id,
                slot_id: r.slot_id,
                visit_time: r.visit_time,
                duration: r.duration,
                service_id: r.details.service_id,
                organization_id: r.details.organization_id,
                area_id: r.details.area_id,
                queue_number: r.details.queue_number,
                status: Status { code: BookingStatusCode(r.code.code()), message: r.message },
            },
        };
        wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BookingResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BookingResponse::try_from(BookingResponseWire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for BookingResponse {
    fn schema_name() -> Cow<'static, str> {
        "BookingResponse".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut schema = BookingResponseWire::json_schema(g);
        schema.insert(
            "description".into(),
            "Ответ МИС на запрос бронирования слота (POST /booking/book). On success (status_code 0) \
             book_ext_id, slot_id, visit_time and duration are mandatory."
                .into(),
        );
        let non_null = serde_json::json!({ "not": { "type": "null" } });
        let success = |key: &str| {
            serde_json::json!({ "properties": { "status": {
                "type": "object", "properties": { key: { "const": 0 } }, "required": [key],
            } } })
        };
        let keys: &[&str] =
            if g.contract().is_serialize() { &["status_code"] } else { &["status_code", "status_сode", "statusCode"] };
        let condition = match keys {
            [key] => success(key),
            _ => serde_json::json!({ "anyOf": keys.iter().map(|k| success(k)).collect::<Vec<_>>() }),
        };
        schema.insert("if".into(), condition);
        schema.insert(
            "then".into(),
            serde_json::json!({
                "required": ["book_ext_id", "slot_id", "visit_time", "duration"],
                "properties": {
                    "book_ext_id": non_null, "slot_id": non_null, "visit_time": non_null, "duration": non_null,
                }
            }),
        );
        schema
    }
}

// ---------------------------------------------------------------------------------------------------
// Cancel
// ---------------------------------------------------------------------------------------------------

/// The body of `POST /booking/cancel`: the gateway asks the MIS to cancel a booking.
///
/// ```
/// use fer_model::CancelRequest;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/cancel_request.json")).unwrap();
/// let req: CancelRequest = serde_json::from_str(&json).unwrap();
/// assert_eq!(req.patient_id, "11234455");
/// assert_eq!(req, CancelRequest::example());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelRequest {
    /// Идентификатор записи на стороне РМИС (the `book_ext_id` of the booking answer).
    pub book_ext_id: Guid,
    /// Идентификатор пациента в РРП (not necessarily a GUID: the example sends `"11234455"`).
    pub patient_id: PatientId,
    /// Объединенные guid с РРП.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub united_guids: Vec<String>,
}

impl CancelRequest {
    /// A cancel of `book_ext_id` for `patient_id`, with no merged ids.
    pub fn new(book_ext_id: Guid, patient_id: impl Into<PatientId>) -> Self {
        CancelRequest { book_ext_id, patient_id: patient_id.into(), united_guids: Vec::new() }
    }

    /// The profile's example («Пример запроса» of the cancel method): book
    /// `597bc82e-88a5-4be5-8bd2-51a54312dbef`, patient `"11234455"`.
    pub fn example() -> Self {
        Self::new(Guid::from_u128(0x597bc82e_88a5_4be5_8bd2_51a54312dbef), "11234455")
    }
}

/// A successful cancel (status 0) with the fields «Описание параметров в ответе» of the cancel
/// method marks mandatory: the booking, its slot, time and duration. The MIS knows them from its
/// booking; [`CancelConfirmation::of`] builds one from the booking's confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelConfirmation {
    /// Идентификатор записи на стороне РМИС: the cancelled booking.
    pub book_ext_id: Guid,
    /// Идентификатор слота.
    pub slot_id: Guid,
    /// Время посещения, with its UTC offset.
    pub visit_time: DateTime<FixedOffset>,
    /// Длительность посещения.
    pub duration: DurationMinutes,
    /// Optional details.
    pub details: BookingDetails,
    /// Информационное сообщение статуса; the profile's example text («Вы отменили своё
    /// заявление») when none.
    pub message: Option<String>,
}

impl CancelConfirmation {
    /// The cancel of the booking `confirmation` confirmed.
    pub fn of(confirmation: &BookingConfirmation) -> Self {
        CancelConfirmation {
            book_ext_id: confirmation.book_ext_id,
            slot_id: confirmation.slot_id,
            visit_time: confirmation.visit_time,
            duration: confirmation.duration,
            details: confirmation.details.clone(),
            message: None,
        }
    }
}

/// The answer to `POST /booking/cancel`. On success the gateway sends the slot as AVAILABLE and the
/// book with status 5010 to the Vitrina (UC-1.1).
///
/// «Описание параметров в ответе» of the cancel method marks `book_ext_id`, `slot_id`,
/// `visit_time`, `duration` and `status` mandatory; the method's examples carry only `book_ext_id`
/// and `status`. Both shapes are read; the table's fields are written whenever known (absent ones
/// are left out, giving the example's shape).
///
/// ```
/// use fer_model::{CancelResponse, CancelStatusCode};
/// // The spec's example spells the key with a Cyrillic "с": status_сode.
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/cancel_response_already_cancelled.json")).unwrap();
/// let r: CancelResponse = serde_json::from_str(&json).unwrap();
/// assert_eq!(r.status.code, CancelStatusCode::AlreadyCanceled);
/// assert!(serde_json::to_string(&r).unwrap().contains("\"status_code\":1"));
///
/// // The table's shape.
/// let table = r#"{"book_ext_id": "597bc82e-88a5-4be5-8bd2-51a54312dbef",
///     "slot_id": "ac46c807-9d59-4f56-b30c-2d165ab21753", "visit_time": "2022-12-14T08:00:00+05:00",
///     "duration": "40", "service_id": null, "organization_id": null, "area_id": null,
///     "queue_number": null, "status": {"status_code": 0, "status_message": null}}"#;
/// let r: CancelResponse = serde_json::from_str(table).unwrap();
/// assert_eq!(r.duration.unwrap().minutes(), 40);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResponse {
    /// Идентификатор записи на стороне РМИС.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub book_ext_id: Option<Guid>,
    /// Идентификатор слота.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slot_id: Option<Guid>,
    /// Время посещения, RFC 3339 with offset (read also without one).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::wire::opt_rfc3339",
        deserialize_with = "lenient_answer_time"
    )]
    #[schemars(schema_with = "answer_time_schema")]
    pub visit_time: Option<DateTime<FixedOffset>>,
    /// Длительность посещения, in minutes, as a string.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "opt_duration_as_string")]
    #[schemars(schema_with = "answer_duration_schema")]
    pub duration: Option<DurationMinutes>,
    /// Идентификатор цели услуги.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
    /// Идентификатор подразделения.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// Идентификатор помещения.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_id: Option<String>,
    /// Номер очереди.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_number: Option<String>,
    /// Статус ответа.
    pub status: Status<CancelStatusCode>,
}

impl CancelResponse {
    /// An answer with the given code and the profile's description as message, naming only the
    /// booking (the examples' shape).
    pub fn new(book_ext_id: Guid, code: CancelStatusCode) -> Self {
        CancelResponse {
            book_ext_id: Some(book_ext_id),
            slot_id: None,
            visit_time: None,
            duration: None,
            service_id: None,
            organization_id: None,
            area_id: None,
            queue_number: None,
            status: Status { code, message: Some(code.description_ru().to_owned()) },
        }
    }

    /// The same answer carrying the booking's fields (slot, time, duration, details).
    pub fn with_booking(mut self, booking: &CancelConfirmation) -> Self {
        self.book_ext_id = Some(booking.book_ext_id);
        self.slot_id = Some(booking.slot_id);
        self.visit_time = Some(booking.visit_time);
        self.duration = Some(booking.duration);
        self.service_id.clone_from(&booking.details.service_id);
        self.organization_id.clone_from(&booking.details.organization_id);
        self.area_id.clone_from(&booking.details.area_id);
        self.queue_number.clone_from(&booking.details.queue_number);
        self
    }

    /// The status 0 answer of `confirmation`, with its fields and its message (or the profile's).
    pub fn confirmed(confirmation: &CancelConfirmation) -> Self {
        let mut r = Self::new(confirmation.book_ext_id, CancelStatusCode::Success).with_booking(confirmation);
        if let Some(m) = &confirmation.message {
            r.status.message = Some(m.clone());
        }
        r
    }
}
