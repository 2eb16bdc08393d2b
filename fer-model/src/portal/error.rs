//! The error answers of the portal API («Возможные ошибки» of «Запись на прием РПГУ» and «Создание записи на прием к врачу»): an HTTP status
//! (403 for the token, 400 for the rest), a numeric message code and a Russian message.
//!
//! The seeds refer to a «стандартный ответ сервера» for the body but never print it. This SDK
//! writes `{"code": 4036, "message": "…"}` and reads `code` / `Code` / `errorCode` / `ErrorCode`
//! (a number or a string of digits) and `message` / `Message` / `errorMessage` / `ErrorMessage`.
//! «Для части сообщений не выделен числовой код ошибки. По умолчанию пишем 5000»: a body without a
//! code reads as 5000.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::Redacted;

code_enum! {
    /// Код сообщения of a portal error answer («Запись на прием РПГУ» and «Создание записи на прием к врачу», «Возможные ошибки»).
    PortalErrorCode {
        /// 5007 (403): Время действия токена истекло.
        TokenExpired = 5007,
        /// 5008 (403): Токен некорректен.
        TokenInvalid = 5008,
        /// 5009 (403): Подпись запроса некорректна.
        SignatureInvalid = 5009,
        /// 5010 (403): Запрос должен содержать 'Authorization: Bearer ...'.
        AuthorizationMissing = 5010,
        /// 4000 (400): Не найден МКАБ пациента в ЛПУ.
        MkabNotFound = 4000,
        /// 4005 (400): запись пациентов старше 18 лет в детское учреждение запрещена.
        AdultInChildrenLpu = 4005,
        /// 4007 (400): самостоятельная запись запрещена, или пациент не состоит на диспансерном учете
        /// у данного специалиста.
        SelfBookingForbidden = 4007,
        /// 4008 (400): уже есть активная запись на эту специальность.
        ActiveBookingSameSpeciality = 4008,
        /// 4009 (400): это время уже занято.
        TimeTaken = 4009,
        /// 4011 (400): уже есть активная запись на это время.
        ActiveBookingSameTime = 4011,
        /// 4029 (400): запись недоступна для данной возрастной группы.
        AgeGroupRestricted = 4029,
        /// 4031 (400): направление не существует или принадлежит другому пациенту.
        DirectionNotFound = 4031,
        /// 4033 (400): directionID и directionType не могут быть указаны отдельно.
        DirectionIncomplete = 4033,
        /// 4036 (400): нужны время и гвид врача или гвид ячейки расписания.
        VisitTargetMissing = 4036,
        /// 4848 (400): уже есть активная запись на данную ячейку расписания.
        DuplicateTicket = 4848,
        /// 5000 (400): запись доступна не ранее, чем за N дней; also the code of every message that has
        /// no code of its own.
        Unclassified = 5000,
        /// 5066 (400): недопустимый период расписания.
        SchedulePeriodTooLong = 5066,
    }
}

impl PortalErrorCode {
    /// The HTTP status the portal answers with: 403 for the token codes 5007–5010, 400 otherwise.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::TokenExpired | Self::TokenInvalid | Self::SignatureInvalid | Self::AuthorizationMissing => 403,
            _ => 400,
        }
    }

    /// Every Russian text of the code as the seeds print it, placeholders (`{guid}`, `{ФИО}`,
    /// `{Время}`, `{ScheduleDays}`, `N`) included. 4007 has two texts; the others one.
    pub const fn texts_ru(self) -> &'static [&'static str] {
        match self {
            Self::TokenExpired => &["Время действия токена истекло"],
            Self::TokenInvalid => &["Токен некорректен"],
            Self::SignatureInvalid => &["Подпись запроса некорректна"],
            Self::AuthorizationMissing => &["Запрос должен содержать 'Authorization: Bearer ...'"],
            Self::MkabNotFound => &["Не найден МКАБ: {guid} в лпу: {lpu}"],
            Self::AdultInChildrenLpu => {
                &["Вы пытаетесь записаться в детское учреждение. Запись пациентов старше 18 лет запрещена."]
            }
            Self::SelfBookingForbidden => &[
                "Вам запрещена самостоятельная запись на прием через интернет или инфомат. Для записи на прием \
                 обратитесь в регистратуру медицинского учреждения лично или по телефону.",
                "Вы не состоите на диспансерном учете у данного специалиста. Запись невозможна.",
            ],
            Self::ActiveBookingSameSpeciality => {
                &["Вы уже записаны {ФИО} на {Время}. Запрещено иметь более одной активной записи на прием на одну \
                 специальность."]
            }
            Self::TimeTaken => &["Это время уже занято. Выберите другое свободное время приема."],
            Self::ActiveBookingSameTime => {
                &["Вы записаны в это время {Время}. Запрещено иметь более одной активной записи на прием в одно время."]
            }
            Self::AgeGroupRestricted => {
                &["Запись недоступна для данной возрастной группы. Сотрудниками МО было установлено ограничение по \
                 возрасту при записи на прием."]
            }
            Self::DirectionNotFound => {
                &["Направление с таким номером не существует, либо принадлежит другому пациенту"]
            }
            Self::DirectionIncomplete => &["directionID и directionType не могут быть указаны отдельно"],
            Self::VisitTargetMissing => &["Время и гвид врача или гвид ячейки расписания не должны быть пустыми"],
            Self::DuplicateTicket => {
                &["У вас уже есть активная запись на данную ячейку расписания. Совершить повторную запись невозможно"]
            }
            Self::Unclassified => &["Запись на прием доступна не ранее, чем за {ScheduleDays} дней."],
            Self::SchedulePeriodTooLong => &["Недопустимый период расписания. Максимальный период N дней"],
        }
    }

    /// The (first) Russian text of the code, placeholders included.
    pub const fn message_ru(self) -> &'static str {
        self.texts_ru()[0]
    }

    /// The first text with its `{placeholder}`s replaced: `render_ru(&[("guid", g), ("lpu", l)])`.
    /// Placeholders without a value stay as they are.
    ///
    /// ```
    /// use fer_model::portal::PortalErrorCode;
    /// let text = PortalErrorCode::MkabNotFound.render_ru(&[("guid", "G"), ("lpu", "470102")]);
    /// assert_eq!(text, "Не найден МКАБ: G в лпу: 470102");
    /// ```
    pub fn render_ru(self, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.message_ru().to_owned(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
    }
}

/// The code of an error answer: one of the seeds' codes, or any other number the portal sends (kept
/// so that nothing it says is lost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortalCode {
    /// A code of the seeds.
    Known(PortalErrorCode),
    /// Any other code.
    Other(u32),
}

impl PortalCode {
    /// The numeric code.
    pub const fn number(self) -> u32 {
        match self {
            PortalCode::Known(c) => c.code() as u32,
            PortalCode::Other(n) => n,
        }
    }

    /// Reads a number: a known code or [`PortalCode::Other`].
    pub fn from_number(n: u32) -> Self {
        u16::try_from(n).ok().and_then(PortalErrorCode::from_code).map_or(PortalCode::Other(n), PortalCode::Known)
    }

    /// The known code, if it is one.
    pub const fn known(self) -> Option<PortalErrorCode> {
        match self {
            PortalCode::Known(c) => Some(c),
            PortalCode::Other(_) => None,
        }
    }
}

impl From<PortalErrorCode> for PortalCode {
    fn from(c: PortalErrorCode) -> Self {
        PortalCode::Known(c)
    }
}

impl Default for PortalCode {
    /// 5000: «По умолчанию пишем 5000».
    fn default() -> Self {
        PortalCode::Known(PortalErrorCode::Unclassified)
    }
}

impl fmt::Display for PortalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

impl Serialize for PortalCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.number())
    }
}

impl<'de> Deserialize<'de> for PortalCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = PortalCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a numeric message code such as 4036, as a number or a string of digits")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PortalCode, E> {
                u32::try_from(v)
                    .map(PortalCode::from_number)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PortalCode, E> {
                u32::try_from(v)
                    .map(PortalCode::from_number)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PortalCode, E> {
                let t = v.trim();
                match t.parse::<u32>() {
                    Ok(n) if t.bytes().all(|b| b.is_ascii_digit()) => Ok(PortalCode::from_number(n)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for PortalCode {
    fn schema_name() -> Cow<'static, str> {
        "PortalCode".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let known = PortalErrorCode::json_schema(g);
        let description = known.get("description").and_then(|d| d.as_str()).unwrap_or_default().to_owned();
        json_schema!({
            "description": format!("{description}\n\nAny other number is accepted and kept; a string of digits is \
                                    accepted on input."),
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": r"^\s*\d+\s*$" }
            ],
            "examples": PortalErrorCode::CODES,
        })
    }
}

/// An error answer of the portal («Запись на прием РПГУ» and «Создание записи на прием к врачу», «Возможные ошибки»): the message code and the
/// message.
///
/// The message may carry the patient's data (`{ФИО}` of 4008, the MKAB GUID of 4000), so it is
/// [`Redacted`] in `Debug`, and `Display` shows the code with the seed's text, never the message.
///
/// ```
/// use fer_model::portal::{PortalCode, PortalError, PortalErrorCode};
/// let e: PortalError = serde_json::from_str(r#"{"code": 4036, "message": "Время и гвид врача или гвид ячейки расписания не должны быть пустыми"}"#).unwrap();
/// assert_eq!(e.code(), PortalCode::Known(PortalErrorCode::VisitTargetMissing));
/// assert_eq!(e.http_status(), 400);
/// assert_eq!(e.message_ru(), PortalErrorCode::VisitTargetMissing.message_ru());
/// // No code: 5000.
/// let e: PortalError = serde_json::from_str(r#"{"message": "Что-то пошло не так"}"#).unwrap();
/// assert_eq!(e.known_code(), Some(PortalErrorCode::Unclassified));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PortalError {
    /// Код сообщения; 5000 when the portal sends none.
    #[serde(default, alias = "Code", alias = "errorCode", alias = "ErrorCode")]
    pub code: PortalCode,
    /// Сообщение, in Russian.
    #[serde(default, alias = "Message", alias = "errorMessage", alias = "ErrorMessage")]
    pub message: Redacted<String>,
}

impl PortalError {
    /// The answer with `code` and the seed's (first) text for it.
    pub fn new(code: PortalErrorCode) -> Self {
        PortalError { code: PortalCode::Known(code), message: Redacted::new(code.message_ru().to_owned()) }
    }

    /// The answer with `code` and a message of one's own (e.g. a rendered template).
    pub fn with_message(code: impl Into<PortalCode>, message: impl Into<String>) -> Self {
        PortalError { code: code.into(), message: Redacted::new(message.into()) }
    }

    /// The message code.
    pub const fn code(&self) -> PortalCode {
        self.code
    }

    /// The message code, if it is one of the seeds.
    pub const fn known_code(&self) -> Option<PortalErrorCode> {
        self.code.known()
    }

    /// The message as sent; the seed's text for the code when the portal sent an empty one.
    pub fn message_ru(&self) -> &str {
        match (self.message.expose_str(), self.code) {
            ("", PortalCode::Known(c)) => c.message_ru(),
            (m, _) => m,
        }
    }

    /// The HTTP status of the answer: the code's ([`PortalErrorCode::http_status`]), 400 for an
    /// unknown code.
    pub const fn http_status(&self) -> u16 {
        match self.code {
            PortalCode::Known(c) => c.http_status(),
            PortalCode::Other(_) => 400,
        }
    }
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            PortalCode::Known(c) => {
                write!(f, "portal error {} (HTTP {}): {}", c.code(), c.http_status(), c.message_ru())
            }
            PortalCode::Other(n) => write!(f, "portal error {n}"),
        }
    }
}

impl std::error::Error for PortalError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_defaults() {
        for c in PortalErrorCode::ALL {
            let want = if (5007..=5010).contains(&c.code()) { 403 } else { 400 };
            assert_eq!(c.http_status(), want, "{c}");
            assert!(!c.message_ru().is_empty());
        }
        assert_eq!(PortalErrorCode::SelfBookingForbidden.texts_ru().len(), 2);
        let e: PortalError = serde_json::from_str(r#"{"ErrorCode":"4848","ErrorMessage":""}"#).unwrap();
        assert_eq!(e.known_code(), Some(PortalErrorCode::DuplicateTicket));
        assert_eq!(e.message_ru(), PortalErrorCode::DuplicateTicket.message_ru(), "empty message: the seed's text");
        let e: PortalError = serde_json::from_str(r#"{"code":4999,"message":"x"}"#).unwrap();
        assert_eq!((e.code(), e.http_status(), e.message_ru()), (PortalCode::Other(4999), 400, "x"));
        for bad in [r#"{"code":"40x"}"#, r#"{"code":-1}"#, r#"{"code":true}"#] {
            assert!(serde_json::from_str::<PortalError>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_message_never_reaches_debug_or_display() {
        let e = PortalError::with_message(
            PortalErrorCode::ActiveBookingSameSpeciality,
            PortalErrorCode::ActiveBookingSameSpeciality.render_ru(&[("ФИО", "Иванова Анна"), ("Время", "09:00")]),
        );
        assert!(e.message_ru().contains("Иванова Анна на 09:00"));
        assert!(!format!("{e:?}").contains("Иванова"));
        assert!(!e.to_string().contains("Иванова"));
        assert!(e.to_string().starts_with("portal error 4008 (HTTP 400)"));
        assert_eq!(serde_json::to_value(&e).unwrap()["code"], 4008);
    }
}
