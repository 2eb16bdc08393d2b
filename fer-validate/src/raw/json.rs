//! The JSON tree the raw checks read: borrowed from the body.
//!
//! `serde_json::Value` owns every string and keeps every object in a hash map (an `IndexMap` with
//! the workspace's `preserve_order`): building and freeing it was three quarters of
//! [`validate_raw`](crate::validate_raw)'s time (`BENCHMARKS.md`). [`Json`] borrows strings and
//! keys from the body whenever they hold no escape, and keeps an object's members in a vector, in
//! body order: records have a dozen keys, a linear look-up is faster than hashing them.
//!
//! A key written twice is kept twice: both values are checked, and [`Object::get`] gives the last,
//! as serde_json does (the typed parse then refuses the record: "duplicate field").

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Number;

/// A JSON value borrowed from the text it was read from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// A string, borrowed unless it held escapes.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object.
    Object(Object<'a>),
}

/// The members of a JSON object, in body order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Object<'a>(Vec<(Cow<'a, str>, Json<'a>)>);

impl<'a> Object<'a> {
    /// An object of these members, in body order.
    pub(crate) fn from_members(members: Vec<(Cow<'a, str>, Json<'a>)>) -> Self {
        Object(members)
    }

    /// The members with their keys as stored.
    pub(crate) fn members(&self) -> &[(Cow<'a, str>, Json<'a>)] {
        &self.0
    }

    /// The value of `key` (the last one when the key is repeated).
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// True when `key` is present (even as `null`).
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// The members, in body order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Json<'a>)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }
}

impl<'a> Json<'a> {
    /// The value of `key` when this is an object.
    pub(crate) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(map) => map.get(key),
            _ => None,
        }
    }

    /// True for `null`.
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }

    /// The text of a string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// The JSON Schema type name of the value (`integer` for whole numbers).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(n) if n.is_f64() => "number",
            Json::Number(_) => "integer",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// True when this is the same JSON as `other` (a value read from fer-model's schemas: an enum
    /// member, a variant's tag).
    pub(crate) fn same_as(&self, other: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (self, other) {
            (Json::Null, Value::Null) => true,
            (Json::Bool(a), Value::Bool(b)) => a == b,
            (Json::Number(a), Value::Number(b)) => a == b,
            (Json::String(a), Value::String(b)) => a == b,
            (Json::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.same_as(b)),
            (Json::Object(a), Value::Object(b)) => {
                a.0.len() == b.len() && b.iter().all(|(k, v)| a.get(k).is_some_and(|a| a.same_as(v)))
            }
            _ => false,
        }
    }
}

/// The value as compact JSON text (strings quoted and escaped), as `serde_json::Value` writes it.
impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = |f: &mut fmt::Formatter<'_>, s: &str| match serde_json::to_string(s) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        };
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(b) => write!(f, "{b}"),
            Json::Number(n) => write!(f, "{n}"),
            Json::String(s) => quoted(f, s),
            Json::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Json::Object(map) => {
                f.write_str("{")?;
                for (i, (key, value)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    quoted(f, key)?;
                    write!(f, ":{value}")?;
                }
                f.write_str("}")
            }
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Json<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json<'de>, D::Error> {
        Json::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json<'de>, E> {
        Ok(Json::Bool(b))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json<'de>, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json<'de>, E> {
        // JSON text has no NaN or infinity; serde_json turns out-of-range numbers into errors.
        Number::from_f64(n).map(Json::Number).ok_or_else(|| E::custom("a number JSON cannot hold"))
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json<'de>, E> {
        Ok(Json::String(Cow::Owned(s)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(key) = map.next_key_seed(Key)? {
            members.push((key, map.next_value()?));
        }
        Ok(Json::Object(Object(members)))
    }
}

/// An object key, borrowed when it holds no escape (`Cow<str>`'s own `Deserialize` always copies).
struct Key;

impl<'de> de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(s))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(s))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_every_kind_and_borrows_plain_strings() {
        let text = r#"{"a": null, "b": true, "c": 7, "d": -2, "e": 2.5, "f": "plain", "g": "esc\"aped",
                       "h": [1, "x"], "i": {"j": {}}, "a": 1}"#;
        let v: Json = serde_json::from_str(text).unwrap();
        let Json::Object(map) = &v else { panic!("not an object: {v:?}") };
        assert_eq!(map.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b", "c", "d", "e", "f", "g", "h", "i", "a"]);
        assert!(map.0.iter().all(|(k, _)| matches!(k, Cow::Borrowed(_))), "plain keys are borrowed");
        let escaped: Json = serde_json::from_str(r#"{"k\u0065y": 1}"#).unwrap();
        assert_eq!(escaped.get("key"), Some(&Json::Number(1.into())));
        assert_eq!(v.get("a"), Some(&Json::Number(1.into())), "the last of a repeated key");
        assert!(map.contains_key("b") && !map.contains_key("z"));
        assert!(matches!(v.get("f"), Some(Json::String(Cow::Borrowed("plain")))));
        assert_eq!(v.get("g").and_then(Json::as_str), Some("esc\"aped"));
        let types: Vec<_> = ["b", "c", "d", "e", "f", "h", "i"].iter().map(|k| v.get(k).unwrap().type_name()).collect();
        assert_eq!(types, ["boolean", "integer", "integer", "number", "string", "array", "object"]);
        assert_eq!(Json::Null.type_name(), "null");
    }

    #[test]
    fn displays_and_compares_as_serde_json_does() {
        let text = r#"{"k":"a\"b","n":[1,-2,2.5,null,true],"o":{"x":"Запись"}}"#;
        let ours: Json = serde_json::from_str(text).unwrap();
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours.to_string(), theirs.to_string());
        assert!(ours.same_as(&theirs));
        assert!(!ours.same_as(&json!({"k": "other"})));
        assert!(Json::String("SLOT".into()).same_as(&json!("SLOT")));
        assert!(!Json::String("1".into()).same_as(&json!(1)));
        assert!(Json::Number(1.into()).same_as(&json!(1)));
    }

    #[test]
    fn malformed_text_is_an_error() {
        for text in ["{", "[1,]", r#"{"a" 1}"#, "nul"] {
            assert!(serde_json::from_str::<Json>(text).is_err(), "{text}");
        }
    }
}
