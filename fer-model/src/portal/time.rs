//! The date and time forms of the portal API («Запись на прием РПГУ» and «Создание записи на прием к врачу»), each a small newtype with lenient
//! input and one canonical output, like [`crate::wire`] does for the Vitrina.
//!
//! | type | declared form | also accepted | emitted |
//! |---|---|---|---|
//! | [`ClockTime`] (`time`, «Запись на прием РПГУ») | `ЧЧ:ММ` (`09:00`) | nothing else | `09:00` |
//! | [`PortalDate`] (`day`, «Запись на прием РПГУ») | `ГГГГ-ММ-ДД` | the example's ISO datetime `2022-12-08T00:00:00.000Z` | `2022-12-08` |
//! | [`VisitDateTime`] (`dateTime`, «Создание записи на прием к врачу») | `ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ` | without milliseconds, `T` instead of the space | `2023-04-05 14:00:00.000` |
//!
//! Answers of the portal carry RFC 3339 timestamps with an offset (`2019-04-18T08:45:00+03:00`);
//! those are plain [`chrono::DateTime<FixedOffset>`](chrono::DateTime) values.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::BirthDate;

/// Why a portal date or time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortalTimeError {
    /// Not `HH:MM`.
    #[error("invalid time {0:?}: expected HH:MM (ЧЧ:ММ), e.g. \"09:00\"")]
    ClockTime(String),
    /// Not a date.
    #[error("invalid day {0:?}: expected YYYY-MM-DD (ГГГГ-ММ-ДД), e.g. \"2022-12-08\"")]
    Date(String),
    /// Not `YYYY-MM-DD HH:MM:SS.mmm`.
    #[error("invalid dateTime {0:?}: expected YYYY-MM-DD HH:MM:SS.mmm, e.g. \"2023-04-05 14:00:00.000\"")]
    DateTime(String),
}

/// Implements `Display`-based `Serialize` and `FromStr`-based `Deserialize` for a portal newtype.
macro_rules! string_serde {
    ($ty:ident, $expecting:literal) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => Some(u32::from(a - b'0') * 10 + u32::from(b - b'0')),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------------
// ClockTime
// ---------------------------------------------------------------------------------------------------

/// Время записи на прием (`time` of the RPGU entry request, «Запись на прием РПГУ»): `ЧЧ:ММ`, hours and minutes
/// of the local wall clock, exactly five characters.
///
/// ```
/// use fer_model::portal::ClockTime;
/// let t: ClockTime = "09:00".parse().unwrap();
/// assert_eq!(t.to_string(), "09:00");
/// assert!("9:00".parse::<ClockTime>().is_err());
/// assert!("09:00:00".parse::<ClockTime>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClockTime(NaiveTime);

impl ClockTime {
    /// A time from hours (0–23) and minutes (0–59); `None` outside those ranges.
    pub fn from_hm(hour: u32, minute: u32) -> Option<Self> {
        NaiveTime::from_hms_opt(hour, minute, 0).map(ClockTime)
    }

    /// Parses exactly `HH:MM` (surrounding white space ignored).
    pub fn parse(s: &str) -> Result<Self, PortalTimeError> {
        let b = s.trim().as_bytes();
        let parsed = match b {
            [h @ .., b':', _, _] if h.len() == 2 => {
                two_digits(&b[..2]).zip(two_digits(&b[3..])).and_then(|(h, m)| Self::from_hm(h, m))
            }
            _ => None,
        };
        parsed.ok_or_else(|| PortalTimeError::ClockTime(s.to_owned()))
    }

    /// True when `s` is exactly the declared form (no surrounding white space).
    pub fn is_declared_form(s: &str) -> bool {
        s.len() == 5 && Self::parse(s).is_ok()
    }

    /// The chrono value (seconds are always zero).
    pub const fn naive(&self) -> NaiveTime {
        self.0
    }
}

impl fmt::Display for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl fmt::Debug for ClockTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for ClockTime {
    type Err = PortalTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClockTime::parse(s)
    }
}

string_serde!(ClockTime, "a time HH:MM");

/// The JSON Schema pattern of [`ClockTime`].
pub const CLOCK_TIME_PATTERN: &str = r"^\s*([01][0-9]|2[0-3]):[0-5][0-9]\s*$";

impl JsonSchema for ClockTime {
    fn schema_name() -> Cow<'static, str> {
        "ClockTime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": CLOCK_TIME_PATTERN,
            "description": "Время в формате ЧЧ:ММ (hours and minutes, local time), e.g. 09:00.",
            "examples": ["09:00"],
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// PortalDate
// ---------------------------------------------------------------------------------------------------

/// День, на который выполняется запись (`day` of the RPGU entry request, «Запись на прием РПГУ»).
///
/// The table declares `ГГГГ-ММ-ДД`; the seed's own example sends an ISO datetime
/// (`2022-12-08T00:00:00.000Z`). Both are accepted (the date part is taken as written; the time of
/// day and offset are ignored) through the same lenient date reader as [`BirthDate`]; the declared
/// form is emitted.
///
/// ```
/// use fer_model::portal::PortalDate;
/// let a: PortalDate = "2022-12-08T00:00:00.000Z".parse().unwrap();
/// let b: PortalDate = "2022-12-08".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.to_string(), "2022-12-08");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortalDate(NaiveDate);

impl PortalDate {
    /// Wraps a date.
    pub const fn new(date: NaiveDate) -> Self {
        PortalDate(date)
    }

    /// Parses `YYYY-MM-DD` or an ISO datetime whose date part is taken.
    pub fn parse(s: &str) -> Result<Self, PortalTimeError> {
        BirthDate::parse(s).map(|d| PortalDate(d.date())).map_err(|_| PortalTimeError::Date(s.to_owned()))
    }

    /// True when `s` is exactly the declared form `YYYY-MM-DD`.
    pub fn is_declared_form(s: &str) -> bool {
        s.len() == 10 && Self::parse(s).is_ok()
    }

    /// The date.
    pub const fn date(&self) -> NaiveDate {
        self.0
    }
}

impl fmt::Display for PortalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl fmt::Debug for PortalDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for PortalDate {
    type Err = PortalTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PortalDate::parse(s)
    }
}

string_serde!(PortalDate, "a day YYYY-MM-DD");

impl JsonSchema for PortalDate {
    fn schema_name() -> Cow<'static, str> {
        "PortalDate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?\s*$",
            "description": "Дата в формате ГГГГ-ММ-ДД. An ISO datetime such as 2022-12-08T00:00:00.000Z (the \
                            seed's example) is accepted on input; its date part is used.",
            "examples": ["2022-12-08"],
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// VisitDateTime
// ---------------------------------------------------------------------------------------------------

/// Дата и время записи на прием (`dateTime` of the visit creation, «Создание записи на прием к врачу»): local wall-clock time
/// `ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ`, e.g. `2023-04-05 14:00:00.000`.
///
/// Also accepted: no milliseconds, and `T` in place of the space. Emitted with milliseconds.
///
/// ```
/// use fer_model::portal::VisitDateTime;
/// let t: VisitDateTime = "2023-04-05T14:00:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2023-04-05 14:00:00.000");
/// assert!("05.04.2023 14:00".parse::<VisitDateTime>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VisitDateTime(NaiveDateTime);

impl VisitDateTime {
    /// Wraps a chrono value, keeping milliseconds and dropping finer fractions.
    pub fn from_naive(dt: NaiveDateTime) -> Self {
        let millis = dt.nanosecond() / 1_000_000 * 1_000_000;
        VisitDateTime(dt.with_nanosecond(millis).unwrap_or(dt))
    }

    /// Parses the declared form or one of the accepted variants.
    pub fn parse(s: &str) -> Result<Self, PortalTimeError> {
        let t = s.trim();
        let b = t.as_bytes();
        // The date and the time must be the fixed-width fields of the declared form.
        let shape_ok = b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && matches!(b[10], b' ' | b'T');
        let fraction_ok = match &b[b.len().min(19)..] {
            [] => true,
            [b'.', digits @ ..] => (1..=3).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit),
            _ => false,
        };
        let parsed = if shape_ok && fraction_ok {
            let fmt = if b[10] == b'T' { "%Y-%m-%dT%H:%M:%S%.f" } else { "%Y-%m-%d %H:%M:%S%.f" };
            NaiveDateTime::parse_from_str(t, fmt).ok()
        } else {
            None
        };
        parsed.map(Self::from_naive).ok_or_else(|| PortalTimeError::DateTime(s.to_owned()))
    }

    /// True when `s` is exactly the declared form `YYYY-MM-DD HH:MM:SS.mmm`.
    pub fn is_declared_form(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 23 && b[10] == b' ' && b[19] == b'.' && Self::parse(s).is_ok()
    }

    /// The chrono value.
    pub const fn naive(&self) -> NaiveDateTime {
        self.0
    }
}

impl fmt::Display for VisitDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d %H:%M:%S%.3f"))
    }
}

impl fmt::Debug for VisitDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for VisitDateTime {
    type Err = PortalTimeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        VisitDateTime::parse(s)
    }
}

string_serde!(VisitDateTime, "a date and time YYYY-MM-DD HH:MM:SS.mmm");

impl JsonSchema for VisitDateTime {
    fn schema_name() -> Cow<'static, str> {
        "VisitDateTime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,3})?\s*$",
            "description": "Дата и время записи на прием формата ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ (local time). Accepted on \
                            input also without milliseconds and with T between date and time.",
            "examples": ["2023-04-05 14:00:00.000"],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_times() {
        for (s, h, m) in [("09:00", 9, 0), ("23:59", 23, 59), (" 00:00 ", 0, 0)] {
            assert_eq!(ClockTime::parse(s).unwrap(), ClockTime::from_hm(h, m).unwrap(), "{s}");
        }
        for bad in ["", "9:00", "09:0", "24:00", "12:60", "09-00", "09:00:00", "0900", "ab:cd", "+9:00", "09:+0"] {
            assert!(ClockTime::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(ClockTime::is_declared_form("09:00"));
        assert!(!ClockTime::is_declared_form(" 09:00"));
    }

    #[test]
    fn portal_dates() {
        let want = PortalDate::new(NaiveDate::from_ymd_opt(2022, 12, 8).unwrap());
        for s in ["2022-12-08", "2022-12-08T00:00:00.000Z", "2022-12-08T00:00:00", "2022-12-08T10:00:00+03:00"] {
            assert_eq!(PortalDate::parse(s).unwrap(), want, "{s}");
        }
        for bad in ["", "2022-13-08", "08-12-2022", "2022-12-08x", "string"] {
            assert!(PortalDate::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(PortalDate::is_declared_form("2022-12-08"));
        assert!(!PortalDate::is_declared_form("2022-12-08T00:00:00.000Z"));
    }

    #[test]
    fn visit_date_times() {
        let want = VisitDateTime::parse("2023-04-05 14:00:00.000").unwrap();
        for s in ["2023-04-05 14:00:00", "2023-04-05T14:00:00.000", "2023-04-05T14:00:00", "2023-04-05 14:00:00.0"] {
            assert_eq!(VisitDateTime::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(VisitDateTime::parse("2023-04-05 14:00:00.5").unwrap().to_string(), "2023-04-05 14:00:00.500");
        for bad in [
            "",
            "2023-04-05",
            "2023-04-05 14:00",
            "2023-04-05 14:00:00.0000",
            "2023-04-05 14:00:00Z",
            "2023-04-05 14:00:00+03:00",
            "05.04.2023 14:00:00",
            "2023-04-31 14:00:00",
        ] {
            assert!(VisitDateTime::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert!(VisitDateTime::is_declared_form("2023-04-05 14:00:00.000"));
        assert!(!VisitDateTime::is_declared_form("2023-04-05 14:00:00"));
    }
}
