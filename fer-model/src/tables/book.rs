//! Table 7 – Book: bookings of slots (Приложение 1, «Book - записи на бирку пациентов»).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::table::impl_record;
use crate::{BookingType, Guid, Table, Timestamp};

code_enum! {
    /// Статус записи, код (`book.status_code`).
    BookStatus {
        /// 5000 (RECORDED) – пациент записан.
        Recorded = 5000,
        /// 5010 (CANCELED) – запись отменена.
        Canceled = 5010,
        /// 5020 (SUCCESS) – услуга оказана.
        Success = 5020,
        /// 5030 (PATIENT_NOT_ARRIVED) – пациент не явился.
        PatientNotArrived = 5030,
        /// 5040 (PATIENT_CANCELED) – запись отменена пациентом в МО.
        PatientCanceled = 5040,
    }
}

impl BookStatus {
    /// True for a booking that still holds its slot (5000 RECORDED).
    pub const fn is_active(self) -> bool {
        matches!(self, BookStatus::Recorded)
    }
}

wire_enum! {
    /// Источник записи (`book.tag_source`).
    TagSource {
        /// EPGU – ЕПГУ.
        Epgu = "EPGU",
        /// INFOMAT – инфомат.
        Infomat = "INFOMAT",
        /// DOCTOR – врач.
        Doctor = "DOCTOR",
        /// REG – регистратура.
        Reg = "REG",
        /// OTHER_WEB – другой источник записи.
        OtherWeb = "OTHER_WEB",
    }
}

wire_enum! {
    /// Тип записи (`book.type`). Not the same set as the booking request's
    /// [`BookingType`]; see `From<BookingType>`.
    BookType {
        /// APPOINTMENT – прием к врачу.
        Appointment = "APPOINTMENT",
        /// VACCINATION – вакцинация.
        Vaccination = "VACCINATION",
        /// COVID_VACCINATION – вакцинация от COVID-19.
        CovidVaccination = "COVID_VACCINATION",
        /// UDVN_DISPENSARY – усиленная диспансеризация.
        UdvnDispensary = "UDVN_DISPENSARY",
        /// DISPENSARY – диспансеризация.
        Dispensary = "DISPENSARY",
        /// PROPHYLACTIC – профилактический осмотр.
        Prophylactic = "PROPHYLACTIC",
        /// D_OBSERVATION – запись по карте диспансерного наблюдения.
        DObservation = "D_OBSERVATION",
        /// ONLINE_CONSULTING – консультация онлайн.
        OnlineConsulting = "ONLINE_CONSULTING",
        /// PAID_APPOINTMENT – запись на платную услугу.
        PaidAppointment = "PAID_APPOINTMENT",
    }
}

impl From<BookingType> for BookType {
    /// UC-1: the gateway writes the request's `booking_type` into `book.type`. The two sets differ
    /// only in the prophylactic examination, split by age in the request and single in the table.
    fn from(t: BookingType) -> Self {
        match t {
            BookingType::Appointment => BookType::Appointment,
            BookingType::Vaccination => BookType::Vaccination,
            BookingType::Dispensary => BookType::Dispensary,
            BookingType::ProphylacticAdult | BookingType::ProphylacticChild => BookType::Prophylactic,
            BookingType::DObservation => BookType::DObservation,
            BookingType::OnlineConsulting => BookType::OnlineConsulting,
            BookingType::PaidAppointment => BookType::PaidAppointment,
        }
    }
}

impl Book {
    /// The book the gateway writes on the Vitrina after the MIS confirmed a booking through the
    /// webhook (UC-1 of «Сценарии взаимодействия»: the slot turns RECORDED and a book 5000 with
    /// `id` = the `book_ext_id` the MIS answered, of the request's `booking_type`, source EPGU,
    /// with the request's referral). `create_ts` is `now`.
    ///
    /// The booking request names the patient as the EPGU does, which need not be a GUID (the
    /// cancel example sends "11234455"), where the book's `patient_id` is one: a GUID is kept, any
    /// other id is mapped to a name-based GUID (UUID v5 in a fixed namespace), the same for the
    /// same id every time.
    pub fn written_by_gateway(
        request: &crate::BookingRequest,
        confirmation: &crate::BookingConfirmation,
        now: Timestamp,
    ) -> Book {
        Book {
            id: confirmation.book_ext_id,
            patient_id: Book::patient_guid(&request.patient_id),
            slot_id: request.slot_id,
            status_code: BookStatus::Recorded,
            tag_source: TagSource::Epgu,
            kind: BookType::from(request.booking_type),
            referral_id: request.referral_id,
            create_ts: now,
        }
    }

    /// The book's `patient_id` for a booking request's patient id: the GUID itself, or a
    /// name-based GUID for any other form (see [`Book::written_by_gateway`]).
    pub fn patient_guid(id: &crate::PatientId) -> Guid {
        /// The namespace of the name-based patient GUIDs.
        const NAMESPACE: Guid = Guid::from_u128(0x5f3c_1b2a_9e47_4d6b_8a10_f3e2_d1c0_b9a8);
        id.as_guid().unwrap_or_else(|| Guid::from_name(&NAMESPACE, id.as_str()))
    }
}

/// A patient's booking of a slot (бирка).
///
/// Endpoints: `POST/GET/DELETE /api/book`, `GET /api/slot/{slot_id}/books`. «Перед выгрузкой бирки,
/// необходимо выгрузить слот со статусом RECORDED»: the Vitrina refuses a book whose slot is not
/// there with that status. When booked through EPGU, `id` must equal the `book_ext_id` the MIS
/// answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Book {
    /// Уникальный идентификатор записи на бирку (GUID; equals `book_ext_id` for EPGU bookings).
    pub id: Guid,
    /// Уникальный идентификатор пациента (GUID).
    pub patient_id: Guid,
    /// Уникальный идентификатор слота (slot.id).
    pub slot_id: Guid,
    /// Статус записи, код.
    pub status_code: BookStatus,
    /// Источник записи.
    pub tag_source: TagSource,
    /// Тип записи.
    #[serde(rename = "type")]
    pub kind: BookType,
    /// Идентификатор направления (referral.id), when booked by referral.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_id: Option<Guid>,
    /// Дата создания записи.
    pub create_ts: Timestamp,
}

impl_record!(
    Book,
    Table::Book,
    id = id,
    parents = [slot_id => Table::Slot],
    optional = [referral_id => Table::Referral]
);
