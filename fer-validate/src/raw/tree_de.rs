//! The typed record from the tree already read ([`Json`]), without reading its text again: a serde
//! `Deserializer` over `&Json`, as `serde_json::Value`'s own. Errors are serde's messages
//! (`invalid type: string "x", expected u32`, `missing field `id``), the words serde_json uses
//! too.

use std::borrow::Cow;

use serde::de::value::{BorrowedStrDeserializer, Error};
use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::json::Json;

/// Deserializes `T` from a tree.
pub(crate) fn from_json<T: de::DeserializeOwned>(v: &Json<'_>) -> Result<T, Error> {
    T::deserialize(De(v))
}

struct De<'j, 'a>(&'j Json<'a>);

fn unexpected<'j>(v: &'j Json<'_>) -> de::Unexpected<'j> {
    match v {
        Json::Null => de::Unexpected::Unit,
        Json::Bool(b) => de::Unexpected::Bool(*b),
        Json::Number(n) => {
            if let Some(u) = n.as_u64() {
                de::Unexpected::Unsigned(u)
            } else if let Some(i) = n.as_i64() {
                de::Unexpected::Signed(i)
            } else {
                de::Unexpected::Float(n.as_f64().unwrap_or_default())
            }
        }
        Json::String(s) => de::Unexpected::Str(s),
        Json::Array(_) => de::Unexpected::Seq,
        Json::Object(_) => de::Unexpected::Map,
    }
}

impl<'j, 'a: 'j> Deserializer<'j> for De<'j, 'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'j>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or_default())
                }
            }
            Json::String(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Json::String(Cow::Owned(s)) => visitor.visit_borrowed_str(s.as_str()),
            Json::Array(items) => {
                let mut seq = Seq { items: items.iter() };
                let v = visitor.visit_seq(&mut seq)?;
                if seq.items.as_slice().is_empty() {
                    Ok(v)
                } else {
                    Err(de::Error::invalid_length(items.len(), &"fewer elements"))
                }
            }
            Json::Object(map) => visitor.visit_map(Map { members: map.members().iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'j>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'j>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'j>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Json::String(s) => visitor.visit_enum(BorrowedStrDeserializer::<Error>::new(s)),
            Json::Object(map) if map.members().len() == 1 => {
                let (key, value) = &map.members()[0];
                visitor.visit_enum(Variant { key, value })
            }
            other => Err(de::Error::invalid_type(unexpected(other), &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'j>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        <W: Visitor<'j>>
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct Seq<'j, 'a> {
    items: std::slice::Iter<'j, Json<'a>>,
}

impl<'j, 'a: 'j> de::SeqAccess<'j> for &mut Seq<'j, 'a> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'j>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(v) => seed.deserialize(De(v)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'j, 'a> {
    members: std::slice::Iter<'j, (Cow<'a, str>, Json<'a>)>,
    value: Option<&'j Json<'a>>,
}

impl<'j, 'a: 'j> de::MapAccess<'j> for Map<'j, 'a> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'j>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.members.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(BorrowedStrDeserializer::<Error>::new(k)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'j>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(De(v)),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

struct Variant<'j, 'a> {
    key: &'j str,
    value: &'j Json<'a>,
}

impl<'j, 'a: 'j> de::EnumAccess<'j> for Variant<'j, 'a> {
    type Error = Error;
    type Variant = De<'j, 'a>;

    fn variant_seed<V: DeserializeSeed<'j>>(self, seed: V) -> Result<(V::Value, De<'j, 'a>), Error> {
        Ok((seed.deserialize(BorrowedStrDeserializer::<Error>::new(self.key))?, De(self.value)))
    }
}

impl<'j, 'a: 'j> de::VariantAccess<'j> for De<'j, 'a> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            Json::Null => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'j>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'j>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }

    fn struct_variant<V: Visitor<'j>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        self.deserialize_any(visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_records_read_from_the_tree_as_from_text() {
        let text = r#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
            "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
            "visit_time":"2024-03-28T05:00:00","duration":"20","create_ts":"2023-10-01T09:00:00","status":"CANCELED"}"#;
        let tree: Json = serde_json::from_str(text).unwrap();
        let ours: fer_model::Slot = from_json(&tree).unwrap();
        let theirs: fer_model::Slot = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        let bad: Json = serde_json::from_str(r#"{"id": 5}"#).unwrap();
        let e = from_json::<fer_model::Slot>(&bad).unwrap_err().to_string();
        let text_e = serde_json::from_str::<fer_model::Slot>(r#"{"id": 5}"#).unwrap_err().to_string();
        assert!(text_e.starts_with(&e), "{e} / {text_e}");
    }
}
