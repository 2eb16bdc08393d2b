//! JSON Schema export: one schema per model, generated from the types (their doc comments are the
//! descriptions), with the spec's conditional rules.
//!
//! The schemas describe what the SDK **accepts** (the lenient input forms of [`crate::wire`]
//! included), so that every example of the spec validates; each description states the canonical
//! form that is emitted. Draft 2020-12.
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

/// The schema of `T` as a stand-alone document (draft 2020-12, `$defs` for shared types).
pub fn schema_for<T: JsonSchema>() -> Schema {
    SchemaGenerator::new(SchemaSettings::draft2020_12().for_deserialize()).into_root_schema_for::<T>()
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

/// Every exported schema with its file name (without `.schema.json`).
pub fn all() -> Vec<(&'static str, Schema)> {
    let tables = Table::ALL.iter().map(|t| (t.as_str(), crate::with_record_type!(*t, R => schema_for::<R>())));
    let others = [
        schema_for::<BookingRequest>(),
        schema_for::<BookingResponse>(),
        schema_for::<CancelRequest>(),
        schema_for::<CancelResponse>(),
        schema_for::<AuthRequest>(),
        schema_for::<AuthResponse>(),
        schema_for::<VitrinaResponse>(),
        schema_for::<Callback>(),
    ];
    tables.chain(OTHER_NAMES.into_iter().zip(others)).collect()
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
