//! The booking webhook the MIS serves (section 7, «Сервис бронирования и отмены записи на прием»):
//! `POST /booking/book` and `POST /booking/cancel`, each answered within 10 seconds.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
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

/// Данные пациента из РРП (`patient_data_rrp`): the patient as the regional patient register knows
/// them. Every personal field is [`Redacted`] in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PatientData {
    /// Идентификатор пациента из РРП. Surrounding spaces are trimmed (the spec's example pads it).
    #[serde(deserialize_with = "trimmed")]
    pub id: String,
    /// Объединенные guid с РРП: ids of records merged into this patient.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub united_guids: Vec<String>,
    /// Имя пациента.
    pub firstname: Redacted<String>,
    /// Фамилия пациента.
    pub lastname: Redacted<String>,
    /// Отчество пациента.
    #[serde(default)]
    pub middlename: Option<Redacted<String>>,
    /// СНИЛС.
    #[serde(default)]
    pub snils: Option<Snils>,
    /// ENP / номер полиса ОМС.
    #[serde(default)]
    pub oms_number: Option<Redacted<String>>,
    /// Дата рождения.
    pub birthdate: Redacted<BirthDate>,
    /// Пол пациента: "1" or "2".
    pub gender: Gender,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct BookingRequest {
    /// Идентификатор слота.
    pub slot_id: Guid,
    /// Идентификатор пациента.
    pub patient_id: Guid,
    /// Тип записи.
    pub booking_type: BookingType,
    /// Идентификатор заявления в ЕПГУ.
    #[serde(default)]
    pub case_number: Option<String>,
    /// Переключатель на бронирование / предварительное бронирование (по умолчанию всегда false).
    #[serde(default)]
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
    /// Описание ошибки: what the code means, in the spec's words.
    pub const fn description_ru(self) -> &'static str {
        match self {
            Self::SlotUnavailable => "Слот занят или заблокирован",
            Self::OverlappingBooking => "Есть бирка на то же время",
            Self::ActiveBookingSameSpecialist => {
                "Пациент имеет предстоящую запись к данному врачу или врачу данной специальности"
            }
            Self::AgeMismatch => "Бирка не соответствует возрасту пациента",
            Self::SlotAnnulled => "Слот аннулирован",
            Self::PatientNotFound => "Пациент не найден",
            Self::Other => "Извините, запись невозможна",
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
    /// Описание ошибки, in the spec's words.
    pub const fn description_ru(self) -> &'static str {
        match self {
            Self::Success => "Запись отменена",
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

fn status_schema(code: Schema, name: &str) -> Schema {
    json_schema!({
        "type": "object",
        "description": format!("Статус ответа ({name}). The code key is also accepted as `status_сode` \
                                (Cyrillic с) or `statusCode`, the message key as `statusMessage`."),
        "properties": {
            "status_code": code.clone(),
            "status_сode": code.clone(),
            "statusCode": code,
            "status_message": { "type": ["string", "null"], "description": "Информационное сообщение статуса" },
            "statusMessage": { "type": ["string", "null"], "description": "Информационное сообщение статуса" },
        },
        "anyOf": [
            { "required": ["status_code"] },
            { "required": ["status_сode"] },
            { "required": ["statusCode"] },
        ],
    })
}

impl JsonSchema for Status<CancelStatusCode> {
    fn schema_name() -> Cow<'static, str> {
        "CancelStatus".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        status_schema(CancelStatusCode::json_schema(g), "отмена")
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
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut codes = vec![0u16];
        codes.extend_from_slice(BookingRejectionCode::CODES);
        status_schema(
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
    #[serde(default, serialize_with = "crate::wire::opt_rfc3339")]
    visit_time: Option<DateTime<FixedOffset>>,
    /// Длительность посещения, in minutes, as a string. Mandatory on success.
    #[serde(default, serialize_with = "opt_duration_as_string")]
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
        schema.insert(
            "if".into(),
            serde_json::json!({
                "anyOf": [
                    { "properties": { "status": { "properties": { "status_code": { "const": 0 } }, "required": ["status_code"] } } },
                    { "properties": { "status": { "properties": { "status_сode": { "const": 0 } }, "required": ["status_сode"] } } },
                    { "properties": { "status": { "properties": { "statusCode": { "const": 0 } }, "required": ["statusCode"] } } },
                ]
            }),
        );
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
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelRequest {
    /// Идентификатор записи на стороне РМИС (the `book_ext_id` of the booking answer).
    pub book_ext_id: Guid,
    /// Идентификатор пациента в РРП (not necessarily a GUID: the example sends `"11234455"`).
    #[serde(deserialize_with = "trimmed")]
    pub patient_id: String,
    /// Объединенные guid с РРП.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub united_guids: Vec<String>,
}

/// The answer to `POST /booking/cancel`. On success the gateway sends the slot as AVAILABLE and the
/// book with status 5010 to the Vitrina (UC-1.1).
///
/// ```
/// use fer_model::{CancelResponse, CancelStatusCode};
/// // The spec's example spells the key with a Cyrillic "с": status_сode.
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/cancel_response_already_cancelled.json")).unwrap();
/// let r: CancelResponse = serde_json::from_str(&json).unwrap();
/// assert_eq!(r.status.code, CancelStatusCode::AlreadyCanceled);
/// assert!(serde_json::to_string(&r).unwrap().contains("\"status_code\":1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CancelResponse {
    /// Идентификатор записи на стороне РМИС.
    #[serde(default)]
    pub book_ext_id: Option<Guid>,
    /// Статус ответа.
    pub status: Status<CancelStatusCode>,
}

impl CancelResponse {
    /// An answer with the given code and the spec's description as message.
    pub fn new(book_ext_id: Guid, code: CancelStatusCode) -> Self {
        CancelResponse {
            book_ext_id: Some(book_ext_id),
            status: Status { code, message: Some(code.description_ru().to_owned()) },
        }
    }
}
