//! Declarative macros for the closed value sets of the spec.
//!
//! Every closed set of the spec (enum strings such as `AVAILABLE`, integer codes such as `5000`) is
//! declared once with [`wire_enum!`] or [`code_enum!`]. The macros generate the Rust enum, its exact
//! wire spelling, `Display`/`FromStr`, serde impls that name the allowed values in their error, and a
//! JSON Schema `enum` whose description lists every value with the spec's meaning.

/// Declares a closed set of string values that travel by their exact wire name.
macro_rules! wire_enum {
    (
        $(#[doc = $doc:literal])+
        $name:ident {
            $( $(#[doc = $vdoc:literal])+ $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[doc = $vdoc])+ $variant, )+
        }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The exact wire names, in the order the spec lists them.
            pub const WIRE_NAMES: &'static [&'static str] = &[$($wire),+];

            /// The exact wire name of this value.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)+ }
            }

            /// Looks a value up by its exact (case-sensitive) wire name.
            pub fn from_wire(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_wire(s).ok_or_else(|| $crate::UnknownValue::new(stringify!($name), s, Self::WIRE_NAMES))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        write!(f, "one of {}", $name::WIRE_NAMES.join(", "))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        $name::from_wire(v).ok_or_else(|| E::unknown_variant(v, $name::WIRE_NAMES))
                    }
                }
                d.deserialize_str(V)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut description = String::new();
                $( description.push_str($doc.trim()); description.push(' '); )+
                description.push_str("\n\nValues:");
                $(
                    description.push_str(concat!("\n- `", $wire, "`:"));
                    $( description.push(' '); description.push_str($vdoc.trim()); )+
                )+
                ::schemars::json_schema!({
                    "type": "string",
                    "enum": $name::WIRE_NAMES,
                    "description": description,
                })
            }
        }
    };
}

/// Declares a closed set of integer codes that travel as JSON numbers.
macro_rules! code_enum {
    (
        $(#[doc = $doc:literal])+
        $name:ident {
            $( $(#[doc = $vdoc:literal])+ $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[doc = $vdoc])+ $variant, )+
        }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The wire codes, in the order the spec lists them.
            pub const CODES: &'static [u16] = &[$($code),+];

            /// The numeric wire code.
            pub const fn code(self) -> u16 {
                match self { $($name::$variant => $code,)+ }
            }

            /// Looks a value up by its numeric wire code.
            pub const fn from_code(code: u16) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, "{}", self.code())
            }
        }

        impl TryFrom<u16> for $name {
            type Error = $crate::UnknownValue;
            fn try_from(code: u16) -> Result<Self, Self::Error> {
                Self::from_code(code).ok_or_else(|| {
                    $crate::UnknownValue::new(stringify!($name), &code.to_string(), &[$(stringify!($code)),+])
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_u16(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                        f.write_str(concat!("one of the codes" $(, " ", stringify!($code))+))
                    }
                    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        u16::try_from(v).ok().and_then($name::from_code).ok_or_else(|| {
                            E::invalid_value(::serde::de::Unexpected::Unsigned(v), &self)
                        })
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        u16::try_from(v).ok().and_then($name::from_code).ok_or_else(|| {
                            E::invalid_value(::serde::de::Unexpected::Signed(v), &self)
                        })
                    }
                }
                d.deserialize_u64(V)
            }
        }

        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                let mut description = String::new();
                $( description.push_str($doc.trim()); description.push(' '); )+
                description.push_str("\n\nValues:");
                $(
                    description.push_str(concat!("\n- `", stringify!($code), "`:"));
                    $( description.push(' '); description.push_str($vdoc.trim()); )+
                )+
                ::schemars::json_schema!({
                    "type": "integer",
                    "enum": $name::CODES,
                    "description": description,
                })
            }
        }
    };
}
