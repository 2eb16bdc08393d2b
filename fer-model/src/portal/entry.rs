//! «Запись на прием РПГУ»: `POST {url}/api/v2/iemk/doctors/entry` with an RPGU token
//! (`Authorization: Bearer {rpguToken}`); the body is an [`EntryRequest`], the answer a [`VisitData`].

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::{ClockTime, PortalDate};
use crate::{Guid, IdError, Redacted};

/// The path of the RPGU entry call, relative to the portal's `{url}` («Запись на прием РПГУ», «Адрес запроса»).
pub const ENTRY_PATH: &str = "/api/v2/iemk/doctors/entry";

/// Two GUIDs glued without a separator, 72 characters: `doctor_id` of the entry request («склейка
/// гида лпу и гида ресурса») and `Entry_id` of its answer («склейка гида лпу и гида записи на
/// прием»).
///
/// Parsed strictly: each half must be a hyphenated GUID (any letter case; surrounding white space
/// of the whole value is trimmed); emitted lowercase.
///
/// ```
/// use fer_model::portal::GuidPair;
/// let id: GuidPair = "1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148".parse().unwrap();
/// assert_eq!(id.lpu().to_string(), "1dadf64c-f34a-4023-98a6-3e7b7be4f243");
/// assert_eq!(id.item().to_string(), "2f171143-aa11-4248-bd42-b1cfc4c03148");
/// assert_eq!(id.to_string().len(), 72);
/// assert!("1dadf64c-f34a-4023-98a6-3e7b7be4f243".parse::<GuidPair>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GuidPair {
    lpu: Guid,
    item: Guid,
}

/// Why a glued GUID pair could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuidPairError {
    /// Not 72 characters.
    #[error("invalid glued GUID pair: expected 72 characters (two 36-character GUIDs without a separator), got {0}")]
    Length(usize),
    /// One half is not a GUID.
    #[error("invalid glued GUID pair: the {half} half is not a GUID ({source})")]
    Half {
        /// `first` (the LPU GUID) or `second` (the resource or ticket GUID).
        half: &'static str,
        /// Why the half was refused.
        source: IdError,
    },
}

impl GuidPair {
    /// Glues the LPU GUID and the resource (or ticket) GUID.
    pub const fn new(lpu: Guid, item: Guid) -> Self {
        GuidPair { lpu, item }
    }

    /// Parses 72 characters: two hyphenated GUIDs.
    pub fn parse(s: &str) -> Result<Self, GuidPairError> {
        let t = s.trim();
        let count = t.chars().count();
        if count != 72 {
            return Err(GuidPairError::Length(count));
        }
        let first: String = t.chars().take(36).collect();
        let second: String = t.chars().skip(36).collect();
        let lpu = Guid::parse(&first).map_err(|source| GuidPairError::Half { half: "first", source })?;
        let item = Guid::parse(&second).map_err(|source| GuidPairError::Half { half: "second", source })?;
        Ok(GuidPair { lpu, item })
    }

    /// The first half: the LPU's GUID.
    pub const fn lpu(&self) -> Guid {
        self.lpu
    }

    /// The second half: the resource's GUID (`doctor_id`) or the ticket's GUID (`Entry_id`).
    pub const fn item(&self) -> Guid {
        self.item
    }
}

impl fmt::Display for GuidPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.lpu, self.item)
    }
}

impl fmt::Debug for GuidPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for GuidPair {
    type Err = GuidPairError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GuidPair::parse(s)
    }
}

impl Serialize for GuidPair {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for GuidPair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = GuidPair;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("two GUIDs glued without a separator (72 characters)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<GuidPair, E> {
                GuidPair::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The JSON Schema pattern of a [`GuidPair`].
pub const GUID_PAIR_PATTERN: &str =
    r"^\s*([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}){2}\s*$";

impl JsonSchema for GuidPair {
    fn schema_name() -> Cow<'static, str> {
        "GuidPair".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": GUID_PAIR_PATTERN,
            "description": "Склейка гида ЛПУ и гида ресурса (или записи на прием): two hyphenated GUIDs glued \
                            without a separator, 72 characters; emitted lowercase.",
            "examples": ["1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148"],
        })
    }
}

code_enum! {
    /// Согласие на рассылку с напоминаниями о посещении (`email_confirm_agree`, «Запись на прием РПГУ» and «Создание записи на прием к врачу»):
    /// 0 or 1. «Создание записи на прием к врачу»: taken into account only when an email is given.
    EmailConfirmAgree {
        /// 0: no reminders.
        No = 0,
        /// 1: send reminders to the email.
        Yes = 1,
    }
}

/// The body of `POST {url}/api/v2/iemk/doctors/entry` («Запись на прием РПГУ», «Тело запроса»): book a visit for
/// the patient of the RPGU token.
///
/// Email and phone are the patient's personal data: [`Redacted`] in `Debug`. Optional fields are
/// left out of the JSON when absent.
///
/// ```
/// use fer_model::portal::EntryRequest;
/// let json = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../fixtures/spec/000/entry_request.json")).unwrap();
/// let req: EntryRequest = serde_json::from_str(&json).unwrap();
/// assert_eq!(req.day.to_string(), "2022-12-08"); // the example's ISO datetime, read as a day
/// assert_eq!(req.time.to_string(), "09:00");
/// assert!(!format!("{req:?}").contains("some@mail.ru"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EntryRequest {
    /// МКОД ЛПУ, в которую происходит запись (the LPU's code, e.g. `470102`).
    pub lpu_code: String,
    /// Идентификатор ресурса: склейка гида ЛПУ и гида ресурса (72 characters).
    pub doctor_id: GuidPair,
    /// День, на который выполняется запись (ГГГГ-ММ-ДД).
    pub day: PortalDate,
    /// Время записи на прием (ЧЧ:ММ).
    pub time: ClockTime,
    /// Email пациента.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Redacted<String>>,
    /// Номер телефона пациента.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Redacted<String>>,
    /// Согласие на рассылку с напоминаниями о посещении (0/1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirm_agree: Option<EmailConfirmAgree>,
}

impl EntryRequest {
    /// A request for `day` at `time` with the doctor `doctor_id` of the LPU `lpu_code`, without
    /// contact data.
    pub fn new(lpu_code: impl Into<String>, doctor_id: GuidPair, day: PortalDate, time: ClockTime) -> Self {
        EntryRequest {
            lpu_code: lpu_code.into(),
            doctor_id,
            day,
            time,
            email: None,
            phone: None,
            email_confirm_agree: None,
        }
    }
}

/// The answer of the RPGU entry call («Запись на прием РПГУ», model `VisitData`): the created visit.
///
/// The keys are spelled as the table declares (`Entry_id`, `Ticket`); `entry_id`/`entryId` and
/// `ticket` are accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct VisitData {
    /// Идентификатор созданной записи: склейка гида ЛПУ и гида записи на прием (72 characters).
    #[serde(rename = "Entry_id", alias = "entry_id", alias = "entryId")]
    pub entry_id: GuidPair,
    /// Номер талона записи на прием.
    #[serde(rename = "Ticket", alias = "ticket", default, deserialize_with = "crate::wire::null_as_default")]
    #[schemars(with = "Option<String>")]
    pub ticket: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAIR: &str = "1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148";

    #[test]
    fn guid_pairs() {
        let p = GuidPair::parse(&format!(" {} ", PAIR.to_uppercase())).unwrap();
        assert_eq!(p.to_string(), PAIR);
        assert_eq!(GuidPair::new(p.lpu(), p.item()), p);
        assert_eq!(GuidPair::parse(&PAIR[..71]), Err(GuidPairError::Length(71)));
        assert_eq!(GuidPair::parse(&format!("{PAIR}0")), Err(GuidPairError::Length(73)));
        assert!(matches!(GuidPair::parse(&PAIR.replacen('-', "x", 1)), Err(GuidPairError::Half { half: "first", .. })));
        let bad_second = format!("{}{}", &PAIR[..36], "2f171143_aa11-4248-bd42-b1cfc4c03148");
        assert!(matches!(GuidPair::parse(&bad_second), Err(GuidPairError::Half { half: "second", .. })));
        // Multi-byte characters never panic on slicing.
        assert!(GuidPair::parse(&"я".repeat(72)).is_err());
        assert!(GuidPair::parse(&format!("{}я{}", &PAIR[..35], &PAIR[37..])).is_err());
    }

    #[test]
    fn visit_data_key_spellings() {
        for key in ["Entry_id", "entry_id", "entryId"] {
            let json = format!(r#"{{"{key}":"{PAIR}","Ticket":"008"}}"#);
            let v: VisitData = serde_json::from_str(&json).unwrap();
            assert_eq!(v.entry_id.to_string(), PAIR, "{key}");
        }
        let v = VisitData { entry_id: PAIR.parse().unwrap(), ticket: "008".into() };
        assert_eq!(serde_json::to_string(&v).unwrap(), format!(r#"{{"Entry_id":"{PAIR}","Ticket":"008"}}"#));
    }

    #[test]
    fn email_confirm_agree_is_zero_or_one() {
        assert_eq!(serde_json::from_str::<EmailConfirmAgree>("1").unwrap(), EmailConfirmAgree::Yes);
        assert!(serde_json::from_str::<EmailConfirmAgree>("2").is_err());
        assert!(serde_json::from_str::<EmailConfirmAgree>("\"1\"").is_err());
    }
}
