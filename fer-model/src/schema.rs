//! JSON Schema export: one schema per model, generated from the types (their doc comments are the
//! descriptions), with the spec's conditional rules.
//!
//! The schemas of [`all`] (the files under `schemas/`) describe what the SDK **accepts** from a
//! peer (the lenient input forms of [`crate::wire`] included, such as the status key spelled
//! `status_сode`), so that every example of the spec validates; each description states the
//! canonical form that is emitted. [`canonical`] gives the same types in that emitted form only,
//! for the OpenAPI documents. Both are draft 2020-12, with only standard formats, a `maxLength` for
//! every `string(N)` ([`crate::limits`]) and descriptions in prose.
//!
//! ```
//! let schemas = fer_model::schema::all();
//! assert_eq!(schemas.len(), 16);
//! let (name, slot) = &schemas[3];
//! assert_eq!(*name, "slot");
//! assert_eq!(slot.get("title").and_then(|t| t.as_str()), Some("Slot"));
//! ```

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde_json::{Map, Value, json};

use crate::*;

/// The schema of `T` as a stand-alone document (draft 2020-12, `$defs` for shared types): what
/// fer-rs **accepts**, the lenient input forms included.
pub fn schema_for<T: JsonSchema>() -> Schema {
    generate::<T>(SchemaSettings::draft2020_12().for_deserialize())
}

/// The schema of `T` in the one form fer-rs **emits** (the serialize contract): what the OpenAPI
/// documents show, so that code generators get a single member per field. The lenient spellings
/// that [`schema_for`] accepts are named in the descriptions.
pub fn canonical_schema_for<T: JsonSchema>() -> Schema {
    generate::<T>(SchemaSettings::draft2020_12().for_serialize())
}

fn generate<T: JsonSchema>(settings: SchemaSettings) -> Schema {
    let mut value = SchemaGenerator::new(settings).into_root_schema_for::<T>().to_value();
    standardize(&mut value);
    Schema::try_from(value).unwrap_or_default()
}

/// The formats JSON Schema 2020-12 defines and those the OpenAPI format registry adds for numbers.
const STANDARD_FORMATS: [&str; 23] = [
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
    "int32",
    "int64",
    "float",
    "double",
];

/// Makes a generated schema portable: only formats that JSON Schema or OpenAPI define (the bounded
/// integer formats of schemars become `minimum`/`maximum`), and descriptions in prose (the doc
/// comments' code examples and rustdoc link targets are dropped).
fn standardize(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(format)) = map.get("format") {
                let max = match format.as_str() {
                    "uint32" => Some(u64::from(u32::MAX)),
                    _ => None,
                };
                if !STANDARD_FORMATS.contains(&format.as_str()) {
                    map.remove("format");
                    if let Some(max) = max {
                        map.entry("maximum").or_insert(json!(max));
                    }
                }
            }
            if let Some(Value::String(text)) = map.get_mut("description") {
                *text = prose(text);
            }
            for (key, child) in map.iter_mut() {
                // `properties` and `$defs` hold names, not keywords: a property may be called `format`.
                if key != "description" {
                    standardize(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(standardize),
        _ => {}
    }
}

/// A doc comment as prose: fenced code blocks removed, `[`X`](path)` and `[`X`]` as `` `X` ``.
pub(crate) fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push_str(line);
            out.push('\n');
        }
    }
    // Rustdoc links: keep the code span, drop the target.
    let mut text = String::with_capacity(out.len());
    let mut rest = out.as_str();
    while let Some(start) = rest.find("[`") {
        text.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find("`]") {
            Some(end) if !after[1..end].contains('`') => {
                text.push_str(&after[..end + 1]);
                rest = &after[end + 2..];
                if let Some(target) = rest.strip_prefix('(')
                    && let Some(close) = target.find(')')
                    && !target[..close].contains(char::is_whitespace)
                {
                    rest = &target[close + 1..];
                }
            }
            _ => {
                text.push('[');
                rest = after;
            }
        }
    }
    text.push_str(rest);
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_owned()
}

/// The names of the exported schemas that are not a table's, in the order of [`all`] after the
/// tables; each is saved as `schemas/<name>.schema.json`.
pub const OTHER_NAMES: [&str; 8] = [
    "booking_request",
    "booking_response",
    "cancel_request",
    "cancel_response",
    "auth_request",
    "auth_response",
    "vitrina_response",
    "callback",
];

/// The names of the exported schemas, in the order of [`all`]: every table's (named as its address,
/// [`Table::ALL`]'s order), then [`OTHER_NAMES`].
pub fn names() -> Vec<&'static str> {
    Table::ALL.iter().map(|t| t.as_str()).chain(OTHER_NAMES).collect()
}

/// Every exported schema with its file name (without `.schema.json`): what fer-rs accepts.
pub fn all() -> Vec<(&'static str, Schema)> {
    build::<Accept>()
}

/// Every exported schema in its canonical form ([`canonical_schema_for`]), named as in [`all`]:
/// the components of the OpenAPI documents.
pub fn canonical() -> Vec<(&'static str, Schema)> {
    build::<Emit>()
}

/// Which of the two contracts a schema is generated for.
trait Contract {
    fn schema<T: JsonSchema>() -> Schema;
}
enum Accept {}
enum Emit {}
impl Contract for Accept {
    fn schema<T: JsonSchema>() -> Schema {
        schema_for::<T>()
    }
}
impl Contract for Emit {
    fn schema<T: JsonSchema>() -> Schema {
        canonical_schema_for::<T>()
    }
}

fn build<C: Contract>() -> Vec<(&'static str, Schema)> {
    let tables = Table::ALL.iter().map(|t| {
        let mut schema = crate::with_record_type!(*t, R => C::schema::<R>());
        with_limits(&mut schema, crate::limits::of(*t));
        (t.as_str(), schema)
    });
    let others = [
        C::schema::<BookingRequest>(),
        C::schema::<BookingResponse>(),
        C::schema::<CancelRequest>(),
        C::schema::<CancelResponse>(),
        C::schema::<AuthRequest>(),
        C::schema::<AuthResponse>(),
        C::schema::<VitrinaResponse>(),
        C::schema::<Callback>(),
    ];
    tables.chain(OTHER_NAMES.into_iter().zip(others)).collect()
}

/// Adds `maxLength` (the table's `string(N)`, [`crate::limits`]) to the fields of a table's schema.
fn with_limits(schema: &mut Schema, limits: crate::limits::Limits) {
    let Some(Value::Object(props)) = schema.as_object_mut().and_then(|o| o.get_mut("properties")) else { return };
    for (field, max) in limits {
        if let Some(Value::Object(prop)) = props.get_mut(*field) {
            prop.insert("maxLength".into(), json!(max));
            // A `string(N)` field is a string; say so next to a reference, for strict validators.
            if !prop.contains_key("type") && prop.contains_key("$ref") {
                prop.insert("type".into(), json!("string"));
            }
        }
    }
}

/// The schema named `name` (one of [`names`]).
pub fn by_name(name: &str) -> Option<Schema> {
    all().into_iter().find(|(n, _)| *n == name).map(|(_, s)| s)
}

/// The text of a schema file: pretty JSON with a final newline, as checked in under `schemas/`.
pub fn to_file_text(schema: &Schema) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

/// Adds the rules of a type-tagged record ([`variant_rules`]) to its schema: as `allOf` where the
/// schema states what is accepted, as prose in the canonical form (the `if`/`then` rules break
/// code generators, which turn them into members of their own).
pub(crate) fn add_variant_rules(
    g: &SchemaGenerator,
    schema: &mut Schema,
    tag: &str,
    variants: &[(&str, &[&str], &[&str])],
    conditional: &[&str],
) {
    if !g.contract().is_serialize() {
        schema.insert("allOf".into(), variant_rules(tag, variants, conditional));
        return;
    }
    let mut text = schema.get("description").and_then(Value::as_str).unwrap_or_default().to_owned();
    text.push_str(&format!(
        "\n\nBy `{tag}` (the stand-alone schemas and fer-validate check it; this document states it only here):"
    ));
    for (value, required, allowed) in variants {
        let absent: Vec<&str> = conditional.iter().filter(|f| !allowed.contains(f)).copied().collect();
        text.push_str(&format!("\n- `{value}`: `{}` required, not null", required.join("`, `")));
        if !absent.is_empty() {
            text.push_str(&format!("; `{}` absent or null", absent.join("`, `")));
        }
        text.push('.');
    }
    schema.insert("description".into(), Value::String(text));
}

/// `allOf` rules for a type-tagged record: for each `(tag value, required fields, allowed fields)`,
/// if the tag has that value then the required fields must be present and non-null, and every field
/// of `conditional` outside `allowed` must be absent (or null, which parsing treats as absent).
pub(crate) fn variant_rules(tag: &str, variants: &[(&str, &[&str], &[&str])], conditional: &[&str]) -> Value {
    let rules: Vec<Value> = variants
        .iter()
        .map(|(value, required, allowed)| {
            let mut props = Map::new();
            for f in *required {
                props.insert((*f).to_owned(), json!({ "not": { "type": "null" } }));
            }
            for f in conditional.iter().filter(|f| !allowed.contains(f)) {
                props.insert((*f).to_owned(), json!({ "type": "null" }));
            }
            json!({
                "if": { "properties": { tag: { "const": value } }, "required": [tag] },
                "then": { "required": required, "properties": props },
            })
        })
        .collect();
    Value::Array(rules)
}
