//! Identifier newtypes: [`Guid`], [`Oid`] and [`Snils`].
//!
//! All three are parsed once at the edge (serde or `FromStr`) and are valid by construction after that.
//! Input is lenient where the spec's own examples are (surrounding spaces, upper-case GUIDs); output is
//! always the canonical form the tables declare.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Why a [`Guid`], [`Oid`] or [`Snils`] could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not a 36-character hyphenated GUID.
    #[error("invalid GUID {0:?}: expected 36 characters, lowercase hex in groups 8-4-4-4-12 separated by hyphens")]
    Guid(String),
    /// Not a dotted-decimal OID.
    #[error("invalid OID {0:?}: expected dotted decimal arcs such as 1.2.643.5.1.13.13.12.2.86.8902")]
    Oid(String),
    /// Not eleven digits.
    #[error("invalid SNILS: expected 11 digits (optionally written as XXX-XXX-XXX YY)")]
    Snils,
}

// ---------------------------------------------------------------------------------------------------
// Guid
// ---------------------------------------------------------------------------------------------------

/// A record identifier: a GUID, always emitted lowercase and hyphenated (36 characters).
///
/// Appendix 1 declares every `id` as «GUID. Формат: нижний регистр, через дефис». On input the
/// hyphenated form is also accepted in upper or mixed case and with surrounding spaces (see
/// [`spec::quirks`](crate::spec::quirks)); the raw-JSON validator of `fer-validate` still reports those as
/// non-canonical so that a vendor can fix the source.
///
/// ```
/// use fer_model::Guid;
/// let id: Guid = " 1B0AAEC1-38BA-4BF2-A82C-39F90B925A78 ".parse().unwrap();
/// assert_eq!(id.to_string(), "1b0aaec1-38ba-4bf2-a82c-39f90b925a78");
/// assert!("1b0aaec138ba4bf2a82c39f90b925a78".parse::<Guid>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(uuid::Uuid);

impl Guid {
    /// The all-zero GUID.
    pub const NIL: Guid = Guid(uuid::Uuid::nil());

    /// Parses the hyphenated form, in any letter case, ignoring surrounding white space.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = crate::wire::trim(s);
        let b = t.as_bytes();
        if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return Err(IdError::Guid(s.to_owned()));
        }
        uuid::Uuid::try_parse_ascii(b).map(Guid).map_err(|_| IdError::Guid(s.to_owned()))
    }

    /// True when `s` is exactly the canonical form: 36 characters, lowercase, hyphenated.
    pub fn is_canonical(s: &str) -> bool {
        // Hyphens at their four places, lower-case hex digits in the five groups between them;
        // each group tested without a branch per byte (a million records check three GUIDs each).
        let lower_hex = |g: &[u8]| g.iter().fold(true, |ok, &c| ok & (c.is_ascii_digit() | matches!(c, b'a'..=b'f')));
        let b = s.as_bytes();
        b.len() == 36
            && b[8] == b'-'
            && b[13] == b'-'
            && b[18] == b'-'
            && b[23] == b'-'
            && lower_hex(&b[..8])
                & lower_hex(&b[9..13])
                & lower_hex(&b[14..18])
                & lower_hex(&b[19..23])
                & lower_hex(&b[24..])
    }

    /// A new random (version 4) GUID.
    pub fn new_v4() -> Self {
        Guid(uuid::Uuid::new_v4())
    }

    /// A name-based (version 5, SHA-1) GUID: the same `namespace` and `name` always give the same
    /// GUID. Use it to derive the Vitrina id of a record from the MIS's own key (a database
    /// number, a schedule cell code), so that every upload of the record carries the same id
    /// without a mapping table. Pick one namespace per table (any GUID of your own, e.g. made once
    /// with [`Guid::new_v4`]), so that keys of two tables never collide.
    ///
    /// ```
    /// use fer_model::Guid;
    /// let slots: Guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8".parse().unwrap();
    /// let a = Guid::from_name(&slots, "cell-2024-03-28-0500-room-12");
    /// assert_eq!(a, Guid::from_name(&slots, "cell-2024-03-28-0500-room-12"));
    /// assert_ne!(a, Guid::from_name(&slots, "cell-2024-03-28-0520-room-12"));
    /// assert_eq!(a.as_uuid().get_version_num(), 5);
    /// assert!(Guid::is_canonical(&a.to_string()));
    /// ```
    pub fn from_name(namespace: &Guid, name: &str) -> Self {
        Guid(uuid::Uuid::new_v5(&namespace.0, name.as_bytes()))
    }

    /// Wraps a [`uuid::Uuid`].
    pub const fn from_uuid(u: uuid::Uuid) -> Self {
        Guid(u)
    }

    /// A GUID made from a 128-bit number; handy for deterministic test data.
    pub const fn from_u128(v: u128) -> Self {
        Guid(uuid::Uuid::from_u128(v))
    }

    /// The underlying [`uuid::Uuid`].
    pub const fn as_uuid(&self) -> &uuid::Uuid {
        &self.0
    }

    /// Writes the canonical 36-character form into `buf` and returns it as `&str`.
    pub fn encode<'a>(&self, buf: &'a mut [u8; 36]) -> &'a str {
        self.0.hyphenated().encode_lower(buf)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 36];
        f.write_str(self.encode(&mut buf))
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Guid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Guid::parse(s)
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(u: uuid::Uuid) -> Self {
        Guid(u)
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 36];
        s.serialize_str(self.encode(&mut buf))
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Guid;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a GUID string such as \"1b0aaec1-38ba-4bf2-a82c-39f90b925a78\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Guid, E> {
                Guid::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The JSON Schema pattern a GUID matches on input (any letter case, surrounding spaces allowed).
pub const GUID_INPUT_PATTERN: &str =
    r"^\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*$";

/// The JSON Schema pattern of a GUID as fer-rs writes it (lowercase, hyphenated, no spaces).
pub const GUID_OUTPUT_PATTERN: &str = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

impl JsonSchema for Guid {
    fn schema_name() -> Cow<'static, str> {
        "Guid".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        if g.contract().is_serialize() {
            return json_schema!({
                "type": "string",
                "pattern": GUID_OUTPUT_PATTERN,
                "description": "GUID. Формат: нижний регистр, через дефис (36 characters, lowercase, hyphenated). \
                                fer-rs also reads upper case and surrounding spaces.",
                "examples": ["1b0aaec1-38ba-4bf2-a82c-39f90b925a78"],
            });
        }
        json_schema!({
            "type": "string",
            "pattern": GUID_INPUT_PATTERN,
            "description": "GUID. Формат: нижний регистр, через дефис (36 characters, lowercase, hyphenated). \
                            Upper case and surrounding spaces are accepted on input and normalised on output.",
            "examples": ["1b0aaec1-38ba-4bf2-a82c-39f90b925a78"],
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// Oid
// ---------------------------------------------------------------------------------------------------

/// An ISO object identifier such as the MO OID `1.2.643.5.1.13.13.12.2.86.8902` (FRMO, NSI
/// 1.2.643.5.1.13.13.11.1461) or a subdivision OID (1.2.643.5.1.13.13.99.2.114).
///
/// Parsed from dotted decimal arcs; surrounding spaces are trimmed (the auth example of the Vitrina integration profile
/// sends `" 1.2.643.5.1.13.13.12.2.86.8902"`).
///
/// ```
/// use fer_model::Oid;
/// let oid: Oid = " 1.2.643.5.1.13.13.12.2.86.8902".parse().unwrap();
/// assert_eq!(oid.as_str(), "1.2.643.5.1.13.13.12.2.86.8902");
/// assert!("1.2..643".parse::<Oid>().is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(String);

impl Oid {
    /// Parses dotted decimal arcs, ignoring surrounding white space.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let t = s.trim();
        if Self::is_valid(t) { Ok(Oid(t.to_owned())) } else { Err(IdError::Oid(s.to_owned())) }
    }

    /// True when `s` (as is, untrimmed) is a dotted-decimal OID with at least two arcs, the first
    /// 0, 1 or 2, and no leading zeros.
    pub fn is_valid(s: &str) -> bool {
        let mut arcs = 0usize;
        for (i, arc) in s.split('.').enumerate() {
            let b = arc.as_bytes();
            if b.is_empty() || !b.iter().all(u8::is_ascii_digit) || (b.len() > 1 && b[0] == b'0') {
                return false;
            }
            if i == 0 && !(b.len() == 1 && b[0] <= b'2') {
                return false;
            }
            arcs += 1;
        }
        arcs >= 2
    }

    /// The OID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({})", self.0)
    }
}

impl FromStr for Oid {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Oid::parse(s)
    }
}

impl Serialize for Oid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Oid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Oid;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OID string such as \"1.2.643.5.1.13.13.12.2.86.8902\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Oid, E> {
                Oid::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// The JSON Schema pattern an OID matches on input.
pub const OID_INPUT_PATTERN: &str = r"^\s*[0-2](\.(0|[1-9][0-9]*))+\s*$";

impl JsonSchema for Oid {
    fn schema_name() -> Cow<'static, str> {
        "Oid".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": OID_INPUT_PATTERN,
            "description": "OID: dotted decimal arcs (ISO/IEC 8824), e.g. the MO OID from the FRMO \
                            register 1.2.643.5.1.13.13.11.1461.",
            "examples": ["1.2.643.5.1.13.13.12.2.86.8902"],
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// Snils
// ---------------------------------------------------------------------------------------------------

/// A SNILS (СНИЛС, the personal insurance account number): eleven digits.
///
/// Personal data: `Debug` shows `Snils(***)` and there is no `Display`; call [`Snils::expose`]
/// where the digits are really needed. Input may be written `XXX-XXX-XXX YY`; output is always the
/// eleven digits the tables declare (`string(11)`).
///
/// Parsing checks the form only: the check number is a validation rule (see
/// [`Snils::checksum_is_valid`]) because registry data with a wrong check number still has to be
/// readable to be reported.
///
/// ```
/// use fer_model::Snils;
/// let s: Snils = "112-233-445 95".parse().unwrap();
/// assert_eq!(s.expose(), "11223344595");
/// assert!(s.checksum_is_valid());
/// assert_eq!(format!("{s:?}"), "Snils(***)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Snils([u8; 11]);

impl Snils {
    /// Parses eleven digits; `-` and spaces between them are ignored.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let mut out = [0u8; 11];
        let mut n = 0usize;
        for c in s.trim().bytes() {
            match c {
                b'0'..=b'9' => {
                    if n == 11 {
                        return Err(IdError::Snils);
                    }
                    out[n] = c;
                    n += 1;
                }
                b'-' | b' ' if n > 0 => {}
                _ => return Err(IdError::Snils),
            }
        }
        if n == 11 { Ok(Snils(out)) } else { Err(IdError::Snils) }
    }

    /// A SNILS from its first nine digits (the account number proper), with the check number
    /// computed ([`Snils::expected_checksum`]). `-` and spaces between the digits are ignored, as
    /// in [`Snils::parse`]; anything but nine digits is [`IdError::Snils`].
    ///
    /// ```
    /// use fer_model::Snils;
    /// let s = Snils::from_nine_digits("112-233-445").unwrap();
    /// assert_eq!(s.expose(), "11223344595");
    /// assert!(s.checksum_is_valid());
    /// assert!(Snils::from_nine_digits("11223344").is_err());
    /// assert!(Snils::from_nine_digits("11223344595").is_err());
    /// ```
    pub fn from_nine_digits(s: &str) -> Result<Self, IdError> {
        let mut out = [b'0'; 11];
        let mut n = 0usize;
        for c in s.trim().bytes() {
            match c {
                b'0'..=b'9' if n < 9 => {
                    out[n] = c;
                    n += 1;
                }
                b'-' | b' ' if n > 0 => {}
                _ => return Err(IdError::Snils),
            }
        }
        if n != 9 {
            return Err(IdError::Snils);
        }
        let mut snils = Snils(out);
        let check = snils.expected_checksum();
        snils.0[9] = b'0' + check / 10;
        snils.0[10] = b'0' + check % 10;
        Ok(snils)
    }

    /// The eleven digits. Personal data: do not log.
    pub fn expose(&self) -> &str {
        // The array holds ASCII digits only (checked in `parse`).
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The control number computed from the first nine digits by the Pension Fund algorithm:
    /// each digit times its weight (9 for the first down to 1 for the ninth), summed; below 100 the
    /// sum itself, 100 and 101 give 00, above 101 the remainder modulo 101 (100 again giving 00).
    pub fn expected_checksum(&self) -> u8 {
        let sum: u32 = self.0[..9].iter().enumerate().map(|(i, d)| u32::from(d - b'0') * (9 - i as u32)).sum();
        let c = match sum {
            0..=99 => sum,
            100 | 101 => 0,
            _ => sum % 101 % 100,
        };
        c as u8
    }

    /// The control number as written (the last two digits).
    pub fn written_checksum(&self) -> u8 {
        (self.0[9] - b'0') * 10 + (self.0[10] - b'0')
    }

    /// True when the written control number matches the computed one. By the official rule numbers
    /// up to 001-001-998 are not checked and always pass.
    pub fn checksum_is_valid(&self) -> bool {
        let head: u32 = self.0[..9].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
        head <= 1_001_998 || self.expected_checksum() == self.written_checksum()
    }
}

impl fmt::Debug for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Snils(***)")
    }
}

impl FromStr for Snils {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Snils::parse(s)
    }
}

impl Serialize for Snils {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Snils {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Snils;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a SNILS of 11 digits")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Snils, E> {
                Snils::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for Snils {
    fn schema_name() -> Cow<'static, str> {
        "Snils".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^\s*\d{3}[- ]?\d{3}[- ]?\d{3}[- ]?\d{2}\s*$",
            "description": "СНИЛС: 11 digits (string(11)); `XXX-XXX-XXX YY` is accepted on input.",
        })
    }
}

// ---------------------------------------------------------------------------------------------------
// Redacted
// ---------------------------------------------------------------------------------------------------

/// A value that must never reach a log: a password, a token, or a patient's personal data.
///
/// It serializes and deserializes as the inner value (so the wire is unchanged), but `Debug`
/// prints `***` and there is no `Display`. Read it with [`Redacted::expose`].
///
/// ```
/// use fer_model::Redacted;
/// let p = Redacted::new("E837EE78350021618250663B60EF58**".to_string());
/// assert_eq!(format!("{p:?}"), "***");
/// assert_eq!(p.expose(), "E837EE78350021618250663B60EF58**");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps a sensitive value.
    pub const fn new(value: T) -> Self {
        Redacted(value)
    }

    /// The sensitive value. Do not log it.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the sensitive value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl Redacted<String> {
    /// The sensitive text as `&str`. Do not log it.
    pub fn expose_str(&self) -> &str {
        &self.0
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(v: T) -> Self {
        Redacted(v)
    }
}

impl From<&str> for Redacted<String> {
    fn from(v: &str) -> Self {
        Redacted(v.to_owned())
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl<T: Serialize> Serialize for Redacted<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Redacted<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Redacted)
    }
}

impl<T: JsonSchema> JsonSchema for Redacted<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_from_name_is_uuid_v5() {
        // The RFC 4122 DNS namespace and the well-known v5 answer for "python.org".
        let dns: Guid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8".parse().unwrap();
        assert_eq!(Guid::from_name(&dns, "python.org").to_string(), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
        let other: Guid = "6ba7b811-9dad-11d1-80b4-00c04fd430c8".parse().unwrap();
        assert_ne!(Guid::from_name(&dns, "python.org"), Guid::from_name(&other, "python.org"));
    }

    #[test]
    fn snils_from_nine_digits_computes_the_check_number() {
        // 112-233-445 95 is the official example; a sum of 100 gives 00; a sum above 101 is taken mod 101 (405 → 01).
        for (nine, full) in [("112233445", "11223344595"), ("920000003", "92000000300"), ("999999999", "99999999901")] {
            let s = Snils::from_nine_digits(nine).unwrap();
            assert_eq!(s.expose(), full, "{nine}");
            assert!(s.checksum_is_valid());
            assert_eq!(Snils::parse(full).unwrap(), s);
        }
        for bad in ["", "12345678", "1234567890", "12345678a", "-123456789"] {
            assert_eq!(Snils::from_nine_digits(bad), Err(IdError::Snils), "{bad:?}");
        }
    }

    #[test]
    fn guid_accepts_case_and_spaces_and_emits_canonical() {
        let g = Guid::parse(" AB7CBC4B-2E68-40D2-881B-6F957B044818 ").unwrap();
        assert_eq!(g.to_string(), "ab7cbc4b-2e68-40d2-881b-6f957b044818");
        assert!(Guid::is_canonical("ab7cbc4b-2e68-40d2-881b-6f957b044818"));
        assert!(!Guid::is_canonical("AB7CBC4B-2E68-40D2-881B-6F957B044818"));
        assert!(!Guid::is_canonical(" ab7cbc4b-2e68-40d2-881b-6f957b044818"));
    }

    #[test]
    fn guid_rejects_other_forms() {
        for bad in [
            "",
            "string",
            "ab7cbc4b2e6840d2881b6f957b044818",
            "{ab7cbc4b-2e68-40d2-881b-6f957b044818}",
            "urn:uuid:ab7cbc4b-2e68-40d2-881b-6f957b044818",
            "ab7cbc4b-2e68-40d2-881b-6f957b04481g",
            "ab7cbc4b-2e68-40d2-881b-6f957b0448181",
        ] {
            assert!(Guid::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn oid_rules() {
        assert!(Oid::parse("1.2.643.5.1.13.13.12.2.86.8964.0.163227").is_ok());
        for bad in ["", "1", "3.1", "1..2", "1.02", "1.2.", ".1.2", "1.2a", "1 .2"] {
            assert!(Oid::parse(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn snils_checksum_official_examples() {
        // 112-233-445 95: sum = 1*9+1*8+2*7+2*6+3*5+3*4+4*3+4*2+5*1 = 95.
        assert!(Snils::parse("11223344595").unwrap().checksum_is_valid());
        assert!(!Snils::parse("11223344596").unwrap().checksum_is_valid());
        // The masked example of seed 004 carries a wrong check number (expected 21).
        let s = Snils::parse("11147535028").unwrap();
        assert_eq!(s.expected_checksum(), 21);
        assert!(!s.checksum_is_valid());
        // Numbers up to 001-001-998 are not checked.
        assert!(Snils::parse("00100199800").unwrap().checksum_is_valid());
        // 9*9 + 2*8 + 3*1 = 100 gives 00.
        assert!(Snils::parse("92000000300").unwrap().checksum_is_valid());
        assert!(!Snils::parse("92000000399").unwrap().checksum_is_valid());
        assert!(Snils::parse("123").is_err());
        assert!(Snils::parse("1234567890a").is_err());
        assert!(Snils::parse("123456789012").is_err());
        assert!(Snils::parse("-12345678901").is_err());
    }

    #[test]
    fn snils_never_in_debug() {
        let s = Snils::parse("112-233-445 95").unwrap();
        assert!(!format!("{s:?}").contains("112"));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"11223344595\"");
    }
}
