//! Wire quirks: every lenient input form of the spec lives here, in one place.
//!
//! | quirk ([`spec::quirks`](crate::spec::quirks)) | accepted on input | emitted |
//! |---|---|---|
//! | timestamps | `2023-10-01T09:00:00`, `2023-10-01 09:00:00`, `20.10.2023 08:00:00`, and RFC 3339 with fractional seconds and an offset (`2023-10-01T09:00:00.123+05:00`, `…Z`) | `2023-10-01T09:00:00` |
//! | the auth answer's `ValidTo` | RFC 3339 with an offset, or without one (taken as UTC) | RFC 3339 in UTC (`…Z`) |
//! | `duration` | `20` or `"20"` | `20` (tables), `"20"` (booking response) |
//! | ids with stray spaces | `" 953f…8cde "` | `"953f…8cde"` |
//! | birth dates | `1999-10-10T00:00:00`, `1999-10-10`, any timestamp form | `1999-10-10T00:00:00` |
//!
//! The remaining quirks are key spellings and are handled by serde aliases where the key is declared:
//! `status_сode` (Cyrillic `с`) / `statusCode` in [`crate::booking`], `ErrorCode` / `errorCode` in
//! [`crate::envelope`], `from_mo _id` in [`crate::tables::referral`].
//!
//! Also here, because every crate's hot path goes through them: [`from_json_slice`] (how the SDK
//! reads a JSON body: one UTF-8 check, then a text parse) and [`rfc3339`] (the booking answer's
//! `visit_time`, written without `core::fmt`).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Why a timestamp, birth date or duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Not one of the three timestamp forms.
    #[error(
        "invalid timestamp {0:?}: expected YYYY-MM-DDTHH:MI:SS (also accepted: \"YYYY-MM-DD HH:MI:SS\", \"DD.MM.YYYY HH:MI:SS\")"
    )]
    Timestamp(String),
    /// Not a date.
    #[error("invalid date {0:?}: expected YYYY-MM-DD or YYYY-MM-DDTHH:MI:SS")]
    Date(String),
    /// Not a whole number of minutes.
    #[error("invalid duration {0:?}: expected a whole number of minutes, as a number or a string of digits")]
    Duration(String),
}

// ---------------------------------------------------------------------------------------------------
// Timestamp
// ---------------------------------------------------------------------------------------------------

/// A local date and time without offset, as the tables declare: `YYYY-MM-DDTHH:MI:SS`.
///
/// Used for `create_ts`, `visit_time`, `start_date`, `end_date`, `beg_date`. The spec's examples also
/// send `2023-10-01 09:00:00` and `20.10.2023 08:00:00`; both are accepted, and every timestamp is
/// emitted in the declared form.
///
/// The tables also say «ФОРМАТ RFC3339 (ISO8601)», so the RFC 3339 extras are accepted on input
/// too: fractional seconds (`09:00:00.250`) and an offset (`Z`, `+05:00`, `-03:00`), as a Vitrina
/// may write them in its GET answers. The value kept is the **wall-clock date and time as
/// written**: the fraction and the offset are dropped, never applied. The Vitrina's times are local
/// times of the organisation (a visit at 09:00 is at 09:00 on the clinic's clock), and converting
/// them to another zone would move an appointment; fer-validate still reports the extras on what
/// an MIS sends (an offset on `visit_time`, which table 4 declares without «RFC3339», is an error
/// there).
///
/// ```
/// use fer_model::Timestamp;
/// let a: Timestamp = "20.10.2023 08:00:00".parse().unwrap();
/// let b: Timestamp = "2023-10-20 08:00:00".parse().unwrap();
/// let c: Timestamp = "2023-10-20T08:00:00.5+05:00".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a, c);
/// assert_eq!(c.to_string(), "2023-10-20T08:00:00");
/// assert!(Timestamp::has_rfc3339_extras("2023-10-20T08:00:00Z"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(NaiveDateTime);

/// `s` without surrounding white space, as `str::trim` gives it, without its Unicode search when
/// both ends are ASCII and not white space (the common case: every GUID and timestamp of a body).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z))
            if a.is_ascii() && z.is_ascii() && !(a as char).is_whitespace() && !(z as char).is_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

#[inline]
fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in b.get(..N)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

impl Timestamp {
    /// Parses one of the three accepted forms (surrounding white space ignored).
    pub fn parse(s: &str) -> Result<Self, WireError> {
        Self::parse_bytes(trim(s).as_bytes()).ok_or_else(|| WireError::Timestamp(s.to_owned()))
    }

    fn parse_bytes(b: &[u8]) -> Option<Self> {
        if b.len() > 19 && b[4] == b'-' {
            // The wall-clock time as written: the fraction and the offset are read and dropped.
            Self::rfc3339_tail(&b[19..])?;
            return Self::parse_bytes(&b[..19]);
        }
        if b.len() != 19 || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (y, m, d) = if b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') {
            (digits::<4>(b)?, digits::<2>(&b[5..])?, digits::<2>(&b[8..])?)
        } else if b[2] == b'.' && b[5] == b'.' && b[10] == b' ' {
            (digits::<4>(&b[6..])?, digits::<2>(&b[3..])?, digits::<2>(b)?)
        } else {
            return None;
        };
        let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
        let time = NaiveTime::from_hms_opt(digits::<2>(&b[11..])?, digits::<2>(&b[14..])?, digits::<2>(&b[17..])?)?;
        Some(Timestamp(NaiveDateTime::new(date, time)))
    }

    /// Reads what RFC 3339 may add after the seconds: an optional fraction `.d…` and an optional
    /// offset `Z` / `z` / `±HH:MM`, one of them at least. Returns whether each was there.
    fn rfc3339_tail(t: &[u8]) -> Option<(bool, bool)> {
        let mut rest = t;
        let fraction = rest.first() == Some(&b'.');
        if fraction {
            let digits = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            rest = &rest[1 + digits..];
        }
        let offset = match rest {
            [] => false,
            [b'Z' | b'z'] => true,
            [b'+' | b'-', h1, h2, b':', m1, m2] => {
                let h = digits::<2>(&[*h1, *h2])?;
                let m = digits::<2>(&[*m1, *m2])?;
                if h > 23 || m > 59 {
                    return None;
                }
                true
            }
            _ => return None,
        };
        Some((fraction, offset))
    }

    /// True when `s` is a timestamp written with RFC 3339's fraction of a second or offset
    /// (accepted, not the declared form).
    pub fn has_rfc3339_extras(s: &str) -> bool {
        let b = s.trim().as_bytes();
        b.len() > 19 && Self::parse_bytes(b).is_some()
    }

    /// True when `s` is a timestamp written with an offset (`Z`, `±HH:MM`).
    pub fn has_offset(s: &str) -> bool {
        let b = s.trim().as_bytes();
        b.len() > 19 && Self::parse_bytes(b).is_some() && Self::rfc3339_tail(&b[19..]).is_some_and(|(_, offset)| offset)
    }

    /// True when `s` is exactly the declared form `YYYY-MM-DDTHH:MI:SS`.
    pub fn is_canonical(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 19 && b[10] == b'T' && b[4] == b'-' && Self::parse_bytes(b).is_some()
    }

    /// Wraps a chrono value, dropping any fraction of a second.
    pub fn from_naive(dt: NaiveDateTime) -> Self {
        Timestamp(dt.with_nanosecond(0).unwrap_or(dt))
    }

    /// A timestamp from its parts; `None` when they do not form a valid date and time.
    pub fn from_ymd_hms(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, s).map(Timestamp)
    }

    /// The chrono value.
    pub const fn naive(&self) -> NaiveDateTime {
        self.0
    }

    /// The calendar date.
    pub fn date(&self) -> NaiveDate {
        self.0.date()
    }

    /// Writes the declared form into `buf`.
    pub fn encode<'a>(&self, buf: &'a mut [u8; 19]) -> &'a str {
        let (d, t) = (self.0.date(), self.0.time());
        let year = d.year().clamp(0, 9999) as u32;
        let parts = [
            (0, year / 100),
            (2, year % 100),
            (5, d.month()),
            (8, d.day()),
            (11, t.hour()),
            (14, t.minute()),
            (17, t.second()),
        ];
        for (at, v) in parts {
            buf[at] = b'0' + (v / 10) as u8;
            buf[at + 1] = b'0' + (v % 10) as u8;
        }
        buf[4] = b'-';
        buf[7] = b'-';
        buf[10] = b'T';
        buf[13] = b':';
        buf[16] = b':';
        // Only ASCII digits and separators were written.
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

impl From<NaiveDateTime> for Timestamp {
    fn from(dt: NaiveDateTime) -> Self {
        Timestamp::from_naive(dt)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode(&mut [0u8; 19]))
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.encode(&mut [0u8; 19]))
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a timestamp YYYY-MM-DDTHH:MI:SS")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The JSON Schema pattern of the accepted timestamp forms: the three of the spec's examples, and
/// RFC 3339's fraction of a second and offset after the ISO ones.
pub const TIMESTAMP_INPUT_PATTERN: &str = r"^\s*(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2})\s*$";

impl JsonSchema for Timestamp {
    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        if g.contract().is_serialize() {
            return json_schema!({
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$",
                "description": "Формат: YYYY-MM-DDTHH:MI:SS, ФОРМАТ RFC3339 (ISO8601), local time without offset. \
                                fer-rs also reads \"YYYY-MM-DD HH:MI:SS\", \"DD.MM.YYYY HH:MI:SS\", and RFC 3339 \
                                fractional seconds and offset.",
                "examples": ["2024-03-28T05:00:00"],
            });
        }
        json_schema!({
            "type": "string",
            "pattern": TIMESTAMP_INPUT_PATTERN,
            "description": "Формат: YYYY-MM-DDTHH:MI:SS, ФОРМАТ RFC3339 (ISO8601), local time without offset. \
                            Also accepted on input: \"YYYY-MM-DD HH:MI:SS\", \"DD.MM.YYYY HH:MI:SS\", and RFC 3339 \
                            fractional seconds and offset (kept as the wall-clock time written, offset dropped).",
            "examples": ["2024-03-28T05:00:00"],
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// BirthDate
// ---------------------------------------------------------------------------------------------------

/// A patient's birth date (`patient_data_rrp.birthdate`).
///
/// The booking example sends `1999-10-10T00:00:00`; a bare `1999-10-10`, the other timestamp forms
/// and a trailing offset (`Z`, `+03:00`) are accepted too. A birth date is a calendar date: the time
/// of day and offset are ignored. Emitted as `YYYY-MM-DDT00:00:00`, the example's form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// Wraps a date.
    pub const fn new(d: NaiveDate) -> Self {
        BirthDate(d)
    }

    /// The date.
    pub const fn date(&self) -> NaiveDate {
        self.0
    }

    /// Parses any accepted form.
    pub fn parse(s: &str) -> Result<Self, WireError> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && let Some(d) = digits::<4>(b)
                .zip(digits::<2>(&b[5..]))
                .zip(digits::<2>(&b[8..]))
                .and_then(|((y, m), d)| NaiveDate::from_ymd_opt(y as i32, m, d))
        {
            return Ok(BirthDate(d));
        }
        // A timestamp, possibly with fraction and offset after the seconds.
        if b.len() >= 19
            && let Some(ts) = Timestamp::parse_bytes(&b[..19])
        {
            let rest = &t[19..];
            let rest_ok = rest.is_empty()
                || rest == "Z"
                || rest.starts_with('.')
                || rest.starts_with('+')
                || rest.starts_with('-');
            if rest_ok {
                return Ok(BirthDate(ts.date()));
            }
        }
        Err(WireError::Date(s.to_owned()))
    }
}

impl fmt::Debug for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for BirthDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ts = Timestamp(self.0.and_time(NaiveTime::MIN));
        ts.serialize(s)
    }
}

impl<'de> Deserialize<'de> for BirthDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = BirthDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a birth date YYYY-MM-DD or YYYY-MM-DDTHH:MI:SS")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<BirthDate, E> {
                BirthDate::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for BirthDate {
    fn schema_name() -> Cow<'static, str> {
        "BirthDate".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        if g.contract().is_serialize() {
            return json_schema!({
                "type": "string",
                "pattern": r"^\d{4}-\d{2}-\d{2}T00:00:00$",
                "description": "Дата рождения, YYYY-MM-DDT00:00:00. fer-rs also reads a bare date and the other \
                                timestamp forms.",
            });
        }
        json_schema!({
            "type": "string",
            "pattern": r"^\s*(\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2})\s*$",
            "description": "Дата рождения. Emitted as YYYY-MM-DDT00:00:00; a bare date is accepted.",
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// Duration
// ---------------------------------------------------------------------------------------------------

/// A duration in whole minutes (`slot.duration`, the booking response's `duration`).
///
/// The slot table declares `integer`; the spec's slot examples send `"20"`. Both are accepted.
/// Tables emit a number; the booking response, which declares `string`, emits a string through
/// [`duration_as_string`].
///
/// ```
/// use fer_model::DurationMinutes;
/// let a: DurationMinutes = serde_json::from_str("\"20\"").unwrap();
/// let b: DurationMinutes = serde_json::from_str("20").unwrap();
/// assert_eq!(a, b);
/// assert_eq!(serde_json::to_string(&a).unwrap(), "20");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DurationMinutes(pub u32);

impl DurationMinutes {
    /// The number of minutes.
    pub const fn minutes(self) -> u32 {
        self.0
    }

    /// As a chrono duration.
    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.0))
    }
}

impl fmt::Debug for DurationMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}min", self.0)
    }
}

impl fmt::Display for DurationMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for DurationMinutes {
    type Err = WireError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(WireError::Duration(s.to_owned()));
        }
        t.parse().map(DurationMinutes).map_err(|_| WireError::Duration(s.to_owned()))
    }
}

impl Serialize for DurationMinutes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

impl<'de> Deserialize<'de> for DurationMinutes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = DurationMinutes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number of minutes, as a number or a string of digits")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DurationMinutes, E> {
                u32::try_from(v).map(DurationMinutes).map_err(|_| E::custom(WireError::Duration(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DurationMinutes, E> {
                u32::try_from(v).map(DurationMinutes).map_err(|_| E::custom(WireError::Duration(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DurationMinutes, E> {
                if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                    Ok(DurationMinutes(v as u32))
                } else {
                    Err(E::custom(WireError::Duration(v.to_string())))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationMinutes, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for DurationMinutes {
    fn schema_name() -> Cow<'static, str> {
        "DurationMinutes".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        if g.contract().is_serialize() {
            return json_schema!({
                "description": "Продолжительность в минутах (whole minutes), a number. fer-rs also reads a string \
                                of digits such as \"20\", as the profile's slot examples send.",
                "type": "integer",
                "minimum": 0,
            });
        }
        json_schema!({
            "description": "Продолжительность в минутах (whole minutes). A number; a string of digits such as \"20\" is accepted on input.",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": r"^\s*\d+\s*$" }
            ]
        })
    }
}

/// Serializes a [`DurationMinutes`] as a string, as the booking response declares (`"40"`).
pub fn duration_as_string<S: Serializer>(d: &DurationMinutes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(itoa::Buffer::new().format(d.0))
}

// ---------------------------------------------------------------------------------------------------
// Date and time with offset (booking answers)
// ---------------------------------------------------------------------------------------------------

/// Writes `dt` as RFC 3339 with its offset (`2022-12-14T08:00:00+05:00`; `Z` for UTC) into `buf`,
/// byte for byte what chrono's serde form writes, or `None` for the forms this fast path leaves to
/// chrono: fractions of a second, a year outside 0000–9999, an offset with seconds.
///
/// chrono formats through `core::fmt`, a few thousand instructions per value; the booking answer
/// carries one such value on every call (measured in `BENCHMARKS.md` in the repository).
///
/// ```
/// use chrono::DateTime;
/// let mut buf = [0u8; 25];
/// let dt = DateTime::parse_from_rfc3339("2022-12-14T08:00:00+05:00").unwrap();
/// assert_eq!(fer_model::wire::encode_rfc3339(&dt, &mut buf), Some("2022-12-14T08:00:00+05:00"));
/// let utc = DateTime::parse_from_rfc3339("2022-12-14T03:00:00+00:00").unwrap();
/// assert_eq!(fer_model::wire::encode_rfc3339(&utc, &mut buf), Some("2022-12-14T03:00:00Z"));
/// ```
pub fn encode_rfc3339<'a>(dt: &DateTime<FixedOffset>, buf: &'a mut [u8; 25]) -> Option<&'a str> {
    let local = dt.naive_local();
    let offset = dt.offset().local_minus_utc();
    if local.nanosecond() != 0 || !(0..=9999).contains(&local.year()) || offset % 60 != 0 {
        return None;
    }
    let head: &mut [u8; 19] = (&mut buf[..19]).try_into().ok()?;
    Timestamp::from_naive(local).encode(head);
    let len = if offset == 0 {
        buf[19] = b'Z';
        20
    } else {
        buf[19] = if offset < 0 { b'-' } else { b'+' };
        let minutes = offset.unsigned_abs() / 60;
        let (h, m) = (minutes / 60, minutes % 60);
        buf[20] = b'0' + (h / 10) as u8;
        buf[21] = b'0' + (h % 10) as u8;
        buf[22] = b':';
        buf[23] = b'0' + (m / 10) as u8;
        buf[24] = b'0' + (m % 10) as u8;
        25
    };
    // Only ASCII digits and separators were written (a FixedOffset is less than 24 hours).
    std::str::from_utf8(&buf[..len]).ok()
}

/// Serializes a date and time with offset as chrono does (RFC 3339), through [`encode_rfc3339`]'s
/// fast path where it applies.
pub fn rfc3339<S: Serializer>(dt: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    match encode_rfc3339(dt, &mut [0u8; 25]) {
        Some(text) => s.serialize_str(text),
        None => dt.serialize(s),
    }
}

/// [`rfc3339`] for an optional value (`None` as `null`).
pub fn opt_rfc3339<S: Serializer>(dt: &Option<DateTime<FixedOffset>>, s: S) -> Result<S::Ok, S::Error> {
    match dt {
        Some(dt) => rfc3339(dt, s),
        None => s.serialize_none(),
    }
}

/// Reads the auth answer's `ValidTo` (section «Сервис авторизации»): RFC 3339 with an offset, as
/// in the example (`2019-10-08T19:12:19Z`), or a date and time without one, in any
/// [`Timestamp`] form, which is taken as **UTC**. The example's `ValidTo` is in UTC and equals the
/// `exp` claim of its token (1570561939, i.e. 2019-10-08T19:12:19Z), and a token's expiry is an
/// instant, not a clinic's wall-clock time: a server that leaves the `Z` off is read the way its
/// own example writes it. A client refreshing early by a margin loses nothing if it was not.
///
/// ```
/// let utc = fer_model::wire::parse_valid_to("2019-10-08T19:12:19").unwrap();
/// assert_eq!(utc, fer_model::wire::parse_valid_to("2019-10-08T19:12:19Z").unwrap());
/// assert_eq!(utc.to_rfc3339(), "2019-10-08T19:12:19+00:00");
/// let east = fer_model::wire::parse_valid_to("2019-10-08T22:12:19.5+03:00").unwrap();
/// assert_eq!(east.timestamp(), utc.timestamp());
/// ```
pub fn parse_valid_to(s: &str) -> Result<DateTime<chrono::Utc>, WireError> {
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&chrono::Utc));
    }
    if Timestamp::has_offset(t) {
        // An offset RFC 3339 refused (e.g. a space separator): read it with chrono's looser form.
        if let Ok(dt) = DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%:z") {
            return Ok(dt.with_timezone(&chrono::Utc));
        }
    }
    let naive = Timestamp::parse(t).map_err(|_| WireError::Timestamp(s.to_owned()))?;
    Ok(naive.naive().and_utc())
}

/// Serde adapter of the auth answer's `ValidTo`: reads with [`parse_valid_to`], writes RFC 3339
/// in UTC as chrono does.
pub mod valid_to {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes RFC 3339 in UTC.
    pub fn serialize<S: Serializer>(dt: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        dt.serialize(s)
    }

    /// Reads RFC 3339, or a date and time without offset taken as UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        super::parse_valid_to(&text).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------------
// Reading JSON bodies
// ---------------------------------------------------------------------------------------------------

/// `serde_json::from_slice`, faster: the body is checked for UTF-8 once, as a whole, and then read
/// as text. Reading bytes, serde_json checks each string it meets on its own, which costs several
/// times more on bodies made of many short strings (GUIDs, codes, names): 23 % of a typed
/// 100,000-slot parse, 10 % of the webhook's whole work on a booking call (`BENCHMARKS.md`).
/// A body that is not UTF-8 is read as bytes, so that the error is the one serde_json gives,
/// with its line and column.
///
/// ```
/// let slots: fer_model::Batch<fer_model::Slot> = fer_model::wire::from_json_slice(br#"{"data":[]}"#).unwrap();
/// assert!(slots.data.is_empty());
/// let e = fer_model::wire::from_json_slice::<serde_json::Value>(b"{\"a\": \"\xff\"}").unwrap_err();
/// assert_eq!((e.line(), e.column()), (1, 8));
/// ```
pub fn from_json_slice<T: de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

// ---------------------------------------------------------------------------------------------------
// Trimmed strings
// ---------------------------------------------------------------------------------------------------

/// Deserializes a string with surrounding white space removed (the booking example pads
/// `patient_data_rrp.id` with a trailing space).
pub fn trimmed<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = Cow::<'de, str>::deserialize(d)?;
    let t = s.trim();
    Ok(if t.len() == s.len() { s.into_owned() } else { t.to_owned() })
}

/// Deserializes `null` as `T::default()` (empty text, zero, `false`, the nil GUID), anything else
/// as `T`. The portal's answers write `null` where their tables promise a value; with
/// `#[serde(default)]` beside it an absent field reads the same.
pub fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_is_str_trim() {
        for t in ["", " ", "a", " a", "a ", "\u{b}a", "a\u{b}", "\u{a0}a", "a\u{2003}", "\ta\n", "ab", "é"] {
            assert_eq!(trim(t), t.trim(), "{t:?}");
        }
    }

    #[test]
    fn timestamps_with_rfc3339_extras() {
        let t: Timestamp = "2024-03-28T05:00:00".parse().unwrap();
        for ok in [
            "2024-03-28T05:00:00Z",
            "2024-03-28T05:00:00.123456789+05:00",
            "2024-03-28T05:00:00-03:30",
            "2024-03-28 05:00:00.1",
            " 2024-03-28T05:00:00+00:00 ",
        ] {
            assert_eq!(Timestamp::parse(ok), Ok(t), "{ok}");
            assert!(Timestamp::has_rfc3339_extras(ok) && !Timestamp::is_canonical(ok), "{ok}");
        }
        for bad in [
            "2024-03-28T05:00:00.",
            "2024-03-28T05:00:00.1234567890",
            "2024-03-28T05:00:00+5:00",
            "2024-03-28T05:00:00+24:00",
            "2024-03-28T05:00:00+05:60",
            "2024-03-28T05:00:00+0500",
            "2024-03-28T05:00:00ZZ",
            "28.03.2024 05:00:00Z",
            "2024-03-28T05:00:60Z",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert!(Timestamp::has_offset("2024-03-28T05:00:00.5Z"));
        assert!(!Timestamp::has_offset("2024-03-28T05:00:00.5"));
    }

    #[test]
    fn valid_to_forms() {
        let utc = parse_valid_to("2019-10-08T19:12:19Z").unwrap();
        assert_eq!(utc.timestamp(), 1_570_561_939);
        for same in ["2019-10-08T19:12:19", "2019-10-08 19:12:19", "08.10.2019 19:12:19", "2019-10-08T22:12:19+03:00"] {
            assert_eq!(parse_valid_to(same).unwrap(), utc, "{same}");
        }
        assert!(parse_valid_to("tomorrow").is_err());
    }

    #[test]
    fn three_timestamp_forms() {
        let want = Timestamp::from_ymd_hms(2023, 10, 1, 9, 0, 0).unwrap();
        for s in ["2023-10-01T09:00:00", "2023-10-01 09:00:00", "01.10.2023 09:00:00", " 2023-10-01T09:00:00 "] {
            assert_eq!(Timestamp::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(want.to_string(), "2023-10-01T09:00:00");
        assert!(Timestamp::is_canonical("2023-10-01T09:00:00"));
        assert!(!Timestamp::is_canonical("2023-10-01 09:00:00"));
    }

    #[test]
    fn timestamp_rejects_everything_else() {
        for s in [
            "",
            "2023-10-01",
            "2023-10-01T09:00",
            "2023-13-01T09:00:00",
            "2023-02-30T09:00:00",
            "2023-10-01T24:00:00",
            "2023/10/01 09:00:00",
            "10.01.2023T09:00:00",
            "string",
            "2023-10-01T09:00:0x",
        ] {
            assert!(Timestamp::parse(s).is_err(), "{s:?} must be rejected");
        }
    }

    #[test]
    fn timestamp_encoding_pads() {
        let t = Timestamp::from_ymd_hms(987, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(t.to_string(), "0987-01-02T03:04:05");
        assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
    }

    #[test]
    fn birth_dates() {
        let want = NaiveDate::from_ymd_opt(1999, 10, 10).unwrap();
        for s in [
            "1999-10-10T00:00:00",
            "1999-10-10",
            "1999-10-10T00:00:00Z",
            "1999-10-10T00:00:00+03:00",
            "10.10.1999 00:00:00",
        ] {
            assert_eq!(BirthDate::parse(s).unwrap().date(), want, "{s}");
        }
        assert!(BirthDate::parse("1999-10-10x").is_err());
        assert!(BirthDate::parse("1999-10-10T00:00:00 junk").is_err());
        assert_eq!(serde_json::to_string(&BirthDate::new(want)).unwrap(), "\"1999-10-10T00:00:00\"");
    }

    #[test]
    fn durations() {
        for (s, v) in [("20", 20), ("\"20\"", 20), ("\" 5 \"", 5), ("20.0", 20)] {
            assert_eq!(serde_json::from_str::<DurationMinutes>(s).unwrap().0, v, "{s}");
        }
        for s in ["-5", "\"-5\"", "\"\"", "\"20min\"", "20.5", "null", "true", "\"1e3\""] {
            assert!(serde_json::from_str::<DurationMinutes>(s).is_err(), "{s} must be rejected");
        }
    }

    #[test]
    fn duration_strings() {
        for n in [0, 7, 40, 1_440, u32::MAX] {
            let mut out = Vec::new();
            duration_as_string(&DurationMinutes(n), &mut serde_json::Serializer::new(&mut out)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("\"{n}\""));
        }
    }

    /// What chrono's serde writes, the form [`rfc3339`] must reproduce byte for byte.
    fn by_chrono(dt: &DateTime<FixedOffset>) -> String {
        serde_json::to_string(dt).unwrap()
    }

    fn ours(dt: &DateTime<FixedOffset>) -> String {
        let mut out = Vec::new();
        rfc3339(dt, &mut serde_json::Serializer::new(&mut out)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rfc3339_is_chronos_form() {
        for text in [
            "2022-12-14T08:00:00+05:00",
            "2024-03-28T08:00:00+03:00",
            "2024-03-28T08:00:00Z",
            "2024-03-28T23:59:59-09:30",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
        ] {
            let dt = DateTime::parse_from_rfc3339(text).unwrap();
            assert!(encode_rfc3339(&dt, &mut [0u8; 25]).is_some(), "{text} takes the fast path");
            assert_eq!(ours(&dt), by_chrono(&dt), "{text}");
        }
        // Left to chrono: fractions, a leap second, an offset with seconds.
        let fraction = DateTime::parse_from_rfc3339("2024-03-28T08:00:00.250+03:00").unwrap();
        let leap = DateTime::parse_from_rfc3339("2016-12-31T23:59:60+00:00").unwrap();
        let odd = NaiveDate::from_ymd_opt(2024, 3, 28)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .and_then(|t| t.and_local_timezone(FixedOffset::east_opt(3 * 3600 + 17).unwrap()).single())
            .unwrap();
        for dt in [fraction, leap, odd] {
            assert_eq!(encode_rfc3339(&dt, &mut [0u8; 25]), None, "{dt:?}");
            assert_eq!(ours(&dt), by_chrono(&dt));
        }
        let mut out = Vec::new();
        opt_rfc3339(&None, &mut serde_json::Serializer::new(&mut out)).unwrap();
        assert_eq!(out, b"null");
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn rfc3339_matches_chrono_everywhere(
            secs in -62_135_596_800i64..253_402_300_799,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
            offset in prop_oneof![Just(0i32), (-14 * 60..=14 * 60i32).prop_map(|m| m * 60), -86_399..86_400i32],
        ) {
            let Some(offset) = FixedOffset::east_opt(offset) else { return Ok(()) };
            let Some(utc) = DateTime::from_timestamp(secs, nanos) else { return Ok(()) };
            let dt = utc.with_timezone(&offset);
            prop_assert_eq!(ours(&dt), by_chrono(&dt));
        }
    }
}
