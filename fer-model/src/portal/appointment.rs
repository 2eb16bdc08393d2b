//! «Создание записи на прием в локальную МИС»: an integrating service creates a visit in
//! the local MIS with `POST /appointments` ([`AppointmentRequest`]) and gets an [`Appointment`].

use chrono::{DateTime, FixedOffset};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Guid, Redacted};

/// The path of the call on the local MIS («Создание записи на прием в локальную МИС», «Адрес запроса»).
pub const APPOINTMENTS_PATH: &str = "/appointments";

/// The body of `POST /appointments` («Создание записи на прием в локальную МИС», «Тело запроса»).
///
/// ```
/// use fer_model::portal::AppointmentRequest;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/002/appointment_request.json")).unwrap();
/// let req: AppointmentRequest = serde_json::from_str(&json).unwrap();
/// assert_eq!(req.slot.to_string(), "766998fb-1915-4d54-a3f3-934f60125aac");
/// assert_eq!(req.email, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AppointmentRequest {
    /// Гуид ячейки расписания.
    pub slot: Guid,
    /// E-mail пациента, указанный при создании записи. Personal data: [`Redacted`] in `Debug`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Redacted<String>>,
}

/// A code with its name (`speciality` and `diagnosis` of a [`ConsultDirection`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
pub struct CodeName {
    /// Код (e.g. a speciality code, an ICD-10 code `A01.0`).
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Code")]
    #[schemars(with = "Option<String>")]
    pub code: String,
    /// Наименование.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Name")]
    #[schemars(with = "Option<String>")]
    pub name: String,
}

/// Направление (`ConsultDirection`, the `direction` of an [`Appointment`], «Создание записи на прием в локальную МИС»). The seed has
/// no table for it; the fields are those of its example.
///
/// The reason and the diagnosis are the patient's medical data: [`Redacted`] in `Debug`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConsultDirection {
    /// Гуид направления.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Guid")]
    #[schemars(with = "Option<Guid>")]
    pub guid: Guid,
    /// Номер направления.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Number")]
    #[schemars(with = "Option<String>")]
    pub number: String,
    /// Причина направления.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Reason")]
    #[schemars(with = "Option<Redacted<String>>")]
    pub reason: Redacted<String>,
    /// Специальность, к которой направлен пациент.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Speciality")]
    #[schemars(with = "Option<CodeName>")]
    pub speciality: CodeName,
    /// Гуид направившей ЛПУ.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "LpuFromGuid")]
    #[schemars(with = "Option<Guid>")]
    pub lpu_from_guid: Guid,
    /// Дата направления (RFC 3339 with offset).
    #[serde(default, alias = "DateDirection")]
    pub date_direction: Option<DateTime<FixedOffset>>,
    /// Диагноз по МКБ-10.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Diagnosis")]
    #[schemars(with = "Option<Redacted<CodeName>>")]
    pub diagnosis: Redacted<CodeName>,
}

/// Данные записи на прием (model `Appointment`, «Создание записи на прием в локальную МИС»): the answer of `POST /appointments`.
///
/// ```
/// use fer_model::portal::Appointment;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/002/appointment_response.json")).unwrap();
/// let a: Appointment = serde_json::from_str(&json).unwrap();
/// assert_eq!(a.number, "01");
/// assert_eq!(a.source, "Internet");
/// assert_eq!(a.direction.unwrap().number, "14555-9984");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Default)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// Гуид записи: идентификатор записи.
    #[serde(alias = "Guid")]
    pub guid: Guid,
    /// Номер записи: тот, что печатается на талоне.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Number")]
    #[schemars(with = "Option<String>")]
    pub number: String,
    /// Гуид слота расписания, на который произведена запись.
    #[serde(default, deserialize_with = "crate::wire::null_as_default", alias = "Slot")]
    #[schemars(with = "Option<Guid>")]
    pub slot: Guid,
    /// Источник записи (`SourceEnum`): the system using the API, `Internet` by default. The seed
    /// lists no other value, so any text is kept.
    #[serde(default = "default_source", deserialize_with = "source_or_default", alias = "Source")]
    pub source: String,
    /// Время создания записи (RFC 3339 with offset).
    #[serde(default, alias = "CreateTime")]
    pub create_time: Option<DateTime<FixedOffset>>,
    /// Направление: present when the visit is linked to a referral, otherwise null.
    #[serde(default, alias = "Direction")]
    pub direction: Option<ConsultDirection>,
}

/// The default `source` of an [`Appointment`]: «По умолчанию Internet».
pub const DEFAULT_SOURCE: &str = "Internet";

fn default_source() -> String {
    DEFAULT_SOURCE.to_owned()
}

/// `null` reads as the default source, like an absent one.
fn source_or_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_else(default_source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_defaults_to_internet_and_direction_to_null() {
        let json = r#"{"guid":"ee5ae221-ddc8-40cf-a61b-4e7926a2501c","number":"01",
            "slot":"766998fb-1915-4d54-a3f3-934f60125aac","createTime":"2019-07-23T12:50:00+03:00"}"#;
        let a: Appointment = serde_json::from_str(json).unwrap();
        assert_eq!(a.source, DEFAULT_SOURCE);
        let out = serde_json::to_value(&a).unwrap();
        assert_eq!(out["direction"], serde_json::Value::Null);
        assert_eq!(out["createTime"], "2019-07-23T12:50:00+03:00");
    }
}
