//! The response envelope of every Vitrina call (Приложение 2, «Структура ответа сервиса
//! взаимодействия с ПО «Витрина данных»»).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Guid;

/// A Vitrina error code such as `R-310`.
///
/// The known codes are variants; any other code the gateway sends is kept as
/// [`ErrorCode::Other`] so that nothing it says is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// R-310: a record's id repeats inside one request; also the summary code of a 422 answer.
    R310,
    /// R-330: a record duplicates one already on the Vitrina (a slot with the same `resource_id` and
    /// `visit_time`, a subdivision with the same `name`) under another id.
    R330,
    /// Any other code, kept verbatim.
    Other(String),
}

impl ErrorCode {
    /// The wire text of the code.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::R310 => "R-310",
            ErrorCode::R330 => "R-330",
            ErrorCode::Other(s) => s,
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        match s {
            "R-310" => ErrorCode::R310,
            "R-330" => ErrorCode::R330,
            other => ErrorCode::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Codes are strings in every example; a number is accepted and kept as its text.
        let v = serde_json::Value::deserialize(d)?;
        Ok(match v {
            serde_json::Value::String(s) => ErrorCode::from(s.as_str()),
            other => ErrorCode::Other(other.to_string()),
        })
    }
}

impl JsonSchema for ErrorCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Код ошибки. Known: R-310 (дубликат идентификатора внутри запроса; also the \
                            summary code), R-330 (дублирует ранее загруженную в витрину запись).",
            "examples": ["R-310", "R-330"],
        })
    }
}

/// The summary error of an answer (`error`): null on success.
///
/// Appendix 2 spells the inner keys both `errorCode` and `ErrorCode`: both are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInfo {
    /// Описание ошибки.
    #[serde(alias = "ErrorMessage", default)]
    pub error_message: String,
    /// Код ошибки.
    #[serde(alias = "ErrorCode")]
    pub error_code: ErrorCode,
}

/// The error of one record (`errors[]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordError {
    /// Идентификатор записи с ошибкой. Kept as text: a record may be refused precisely because its
    /// id is not a GUID.
    #[serde(alias = "Id", default)]
    pub id: Option<String>,
    /// Описание ошибки.
    #[serde(alias = "ErrorMessage", default)]
    pub error_message: String,
    /// Код ошибки.
    #[serde(alias = "ErrorCode")]
    pub error_code: ErrorCode,
}

/// The answer of every Vitrina call (Appendix 2).
///
/// A 422 answer may be a partial success: `sended_guids` lists the records accepted, `errors` those
/// refused. An id may appear in both when it was repeated inside the request (the spec's R-310
/// example): the first copy was accepted and the repeat refused.
///
/// `T` is the type of `result` (the record or list a GET returns); it defaults to raw JSON.
///
/// ```
/// use fer_model::{VitrinaResponse, ErrorCode};
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/004/slot_duplicate_time_response.json")).unwrap();
/// let r: VitrinaResponse = serde_json::from_str(&json).unwrap();
/// assert_eq!(r.status_code, 422);
/// assert_eq!(r.errors.unwrap()[0].error_code, ErrorCode::R330);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VitrinaResponse<T = serde_json::Value> {
    /// Результат ответа: the record or records a GET returns. Read from `Result` too, like every
    /// other key of the envelope (the auth answer of section «Сервис авторизации» is PascalCase).
    #[serde(alias = "Result", skip_serializing_if = "Option::is_none")]
    pub result: Option<T>,
    /// Статус результата.
    #[serde(alias = "IsSuccess", default)]
    pub is_success: bool,
    /// Описание ошибки: null on success, otherwise `errorCode` and `errorMessage`.
    #[serde(alias = "Error", default)]
    pub error: Option<ErrorInfo>,
    /// Ошибки по записям: null on success, otherwise `id`, `errorCode`, `errorMessage` per record.
    #[serde(alias = "Errors", default)]
    pub errors: Option<Vec<RecordError>>,
    /// Идентификаторы записей без ошибок (accepted records).
    #[serde(alias = "SendedGuids", default, deserialize_with = "null_as_empty")]
    pub sended_guids: Vec<Guid>,
    /// Identifiers passed on to the contact centre; null when none.
    #[serde(alias = "SendedGuidsToContactCenter", default)]
    pub sended_guids_to_contact_center: Option<Vec<Guid>>,
    /// Код ответа: 200, 400, 401, 403, 404, 405, 406, 422, 500, 503.
    #[serde(alias = "StatusCode")]
    pub status_code: u16,
}

fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl<T> VitrinaResponse<T> {
    /// The same envelope with another `result` (of any type): e.g. one decoded with its `result`
    /// left as raw text, handed on without it.
    ///
    /// ```
    /// use fer_model::VitrinaResponse;
    /// let listed: VitrinaResponse<Vec<u8>> = VitrinaResponse { result: Some(vec![1]), ..VitrinaResponse::ok(Vec::new()) };
    /// let bare: VitrinaResponse = listed.replace_result(None);
    /// assert_eq!((bare.result, bare.status_code), (None, 200));
    /// ```
    pub fn replace_result<U>(self, result: Option<U>) -> VitrinaResponse<U> {
        VitrinaResponse {
            result,
            is_success: self.is_success,
            error: self.error,
            errors: self.errors,
            sended_guids: self.sended_guids,
            sended_guids_to_contact_center: self.sended_guids_to_contact_center,
            status_code: self.status_code,
        }
    }

    /// A successful answer (200) accepting the given ids.
    pub fn ok(sended_guids: Vec<Guid>) -> Self {
        VitrinaResponse {
            result: None,
            is_success: true,
            error: None,
            errors: None,
            sended_guids,
            sended_guids_to_contact_center: None,
            status_code: 200,
        }
    }

    /// A successful answer (200) carrying a result.
    pub fn with_result(result: T) -> Self {
        VitrinaResponse { result: Some(result), ..Self::ok(Vec::new()) }
    }

    /// A failed answer with a summary error and no per-record errors.
    pub fn failure(status_code: u16, code: impl Into<ErrorCode>, message: impl Into<String>) -> Self {
        VitrinaResponse {
            result: None,
            is_success: false,
            error: Some(ErrorInfo { error_message: message.into(), error_code: code.into() }),
            errors: None,
            sended_guids: Vec::new(),
            sended_guids_to_contact_center: None,
            status_code,
        }
    }
}

impl From<&String> for ErrorCode {
    fn from(s: &String) -> Self {
        ErrorCode::from(s.as_str())
    }
}
