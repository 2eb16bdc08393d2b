//! What raw JSON may hold, derived once from fer-model's JSON Schemas ([`fer_model::schema`]):
//! the fields of each table and DTO, which are required, their JSON types and value sets, and the
//! type-conditional rules (`allOf` / `if` / `then`). Nothing here restates the model by hand except
//! the two lists the schemas cannot carry: the alternative key spellings the model accepts
//! ([`ALIASES`]) and the fields the service sets ([`SERVICE_FIELDS`]).

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

/// Key spellings the spec also uses, accepted by fer-model's serde aliases, with the declared key:
/// `from_mo _id` (Appendix 1, table 8), `status_сode` with a Cyrillic `с` and `statusCode` /
/// `statusMessage` (section 7). A test checks that fer-model really accepts each.
pub(crate) const ALIASES: &[(&str, &str)] = &[
    ("from_mo _id", "from_mo_id"),
    ("status_сode", "status_code"),
    ("statusCode", "status_code"),
    ("statusMessage", "status_message"),
];

/// Fields the service sets: ignored by fer-model on input, never to be sent. `update_ts` in every
/// table, `post_name` in resource (removed from the spec).
pub(crate) const SERVICE_FIELDS: &[(&str, Option<&str>)] = &[("update_ts", None), ("post_name", Some("resource"))];

/// The JSON type and value rules of one field.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A GUID string.
    Guid,
    /// An OID string.
    Oid,
    /// A local timestamp string (three accepted forms).
    Timestamp,
    /// An RFC 3339 date and time with offset.
    DateTime,
    /// Whole minutes, a number or a string of digits.
    Duration,
    /// Eleven digits.
    Snils,
    /// A birth date (`BirthDate`: a date, or a timestamp at midnight).
    BirthDate,
    /// A comma-separated list of `TagType` values.
    TagTypes,
    /// One of the listed JSON values.
    Enum(Vec<Value>),
    /// Any string.
    String,
    /// An integer.
    Integer,
    /// Any number.
    Number,
    /// true or false.
    Boolean,
    /// An array of one kind.
    Array(Box<Kind>),
    /// A nested object.
    Object(Box<Shape>),
    /// Anything (not constrained by the schema).
    Any,
}

impl Kind {
    /// The JSON type named in messages.
    pub(crate) fn json_type(&self) -> &'static str {
        match self {
            Kind::Integer | Kind::Duration => "integer",
            Kind::Number => "number",
            Kind::Boolean => "boolean",
            Kind::Array(_) => "array",
            Kind::Object(_) => "object",
            Kind::Any => "any",
            Kind::Enum(v) if v.first().is_some_and(Value::is_number) => "integer",
            _ => "string",
        }
    }
}

/// One field of an object.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The declared key.
    pub name: String,
    /// Its rules.
    pub kind: Kind,
    /// Whether it must be present and non-null.
    pub required: bool,
}

/// A type-conditional rule: when `tag` equals `value`, `required` must be present and non-null and
/// `forbidden` absent or null.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub tag: String,
    pub value: Value,
    pub required: Vec<String>,
    pub forbidden: Vec<String>,
}

/// The fields of an object and its conditional rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    pub fields: Vec<Field>,
    pub variants: Vec<Variant>,
}

impl Shape {
    /// The declared field named `name`.
    pub(crate) fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// Every schema of [`fer_model::schema::all`], by name, computed once.
static SHAPES: LazyLock<HashMap<&'static str, Shape>> = LazyLock::new(|| {
    fer_model::schema::all()
        .into_iter()
        .map(|(name, schema)| {
            let root = schema.as_value();
            let defs = root.get("$defs").cloned().unwrap_or(Value::Null);
            (name, object_shape(root, &defs))
        })
        .collect()
});

/// The shape of the schema named `name` (`slot`, `booking_request`, …).
pub(crate) fn shape(name: &str) -> Option<&'static Shape> {
    SHAPES.get(name)
}

/// The declared key an alias stands for.
pub(crate) fn alias_of(key: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(a, _)| *a == key).map(|(_, c)| *c)
}

/// The aliases of a declared key.
pub(crate) fn aliases_of(name: &str) -> impl Iterator<Item = &'static str> + '_ {
    ALIASES.iter().filter(move |(_, c)| *c == name).map(|(a, _)| *a)
}

/// True when `key` is a field the service sets in `table`.
pub(crate) fn is_service_field(table: &str, key: &str) -> bool {
    SERVICE_FIELDS.iter().any(|(f, t)| *f == key && t.is_none_or(|t| t == table))
}

fn object_shape(node: &Value, defs: &Value) -> Shape {
    let mut required: Vec<&str> =
        node.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    // `anyOf: [{required: [a]}, {required: [alias of a]}, …]`: a is required under any spelling.
    for alt in node.get("anyOf").and_then(Value::as_array).into_iter().flatten() {
        if let Some(first) =
            alt.get("required").and_then(Value::as_array).and_then(|r| r.first()).and_then(Value::as_str)
        {
            let canonical = alias_of(first).unwrap_or(first);
            if !required.contains(&canonical) {
                required.push(canonical);
            }
        }
    }
    let fields = node
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(name, _)| alias_of(name).is_none())
        .map(|(name, prop)| Field {
            name: name.clone(),
            kind: kind(prop, defs),
            required: required.contains(&name.as_str()),
        })
        .collect();
    let variants = node.get("allOf").and_then(Value::as_array).into_iter().flatten().filter_map(variant).collect();
    Shape { fields, variants }
}

fn variant(rule: &Value) -> Option<Variant> {
    let cond = rule.get("if")?.get("properties")?.as_object()?;
    let (tag, value) = cond.iter().next()?;
    let value = value.get("const")?.clone();
    let then = rule.get("then")?;
    let required = then.get("required")?.as_array()?.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    let forbidden = then
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, p)| p.get("type").and_then(Value::as_str) == Some("null"))
        .map(|(k, _)| k.clone())
        .collect();
    Some(Variant { tag: tag.clone(), value, required, forbidden })
}

/// The pattern of `BirthDate` in the schemas: patient data is redacted and inlined, so a birth
/// date is recognised by its pattern rather than by a `$ref`.
fn birth_date_pattern() -> &'static Option<Value> {
    static PATTERN: LazyLock<Option<Value>> =
        LazyLock::new(|| fer_model::schema::schema_for::<fer_model::BirthDate>().get("pattern").cloned());
    &PATTERN
}

/// The rules of one schema node; `null` alternatives are dropped (nullability is decided by
/// `required`, as fer-model treats null as absent).
fn kind(node: &Value, defs: &Value) -> Kind {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return match name {
            "Guid" => Kind::Guid,
            "Oid" => Kind::Oid,
            "Timestamp" => Kind::Timestamp,
            "DurationMinutes" => Kind::Duration,
            "Snils" => Kind::Snils,
            "TagTypes" => Kind::TagTypes,
            _ => defs.get(name).map_or(Kind::Any, |d| kind(d, defs)),
        };
    }
    if node.get("properties").is_some() {
        return Kind::Object(Box::new(object_shape(node, defs)));
    }
    if let Some(alts) = node.get("anyOf").and_then(Value::as_array) {
        let non_null: Vec<&Value> =
            alts.iter().filter(|a| a.get("type").and_then(Value::as_str) != Some("null")).collect();
        return match non_null.as_slice() {
            [one] => kind(one, defs),
            _ => Kind::Any,
        };
    }
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return Kind::Enum(values.clone());
    }
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ => return Kind::Any,
    };
    match ty {
        "string" if node.get("format").and_then(Value::as_str) == Some("date-time") => Kind::DateTime,
        "string" if node.get("pattern") == birth_date_pattern().as_ref() => Kind::BirthDate,
        "string" => Kind::String,
        "integer" => Kind::Integer,
        "number" => Kind::Number,
        "boolean" => Kind::Boolean,
        "array" => Kind::Array(Box::new(node.get("items").map_or(Kind::Any, |i| kind(i, defs)))),
        "object" => Kind::Object(Box::new(object_shape(node, defs))),
        _ => Kind::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_shape_comes_from_the_schema() {
        let s = shape("slot").unwrap();
        assert_eq!(s.fields.len(), 9);
        assert!(matches!(s.field("id").unwrap().kind, Kind::Guid));
        assert!(matches!(s.field("duration").unwrap().kind, Kind::Duration));
        assert!(matches!(s.field("tag_type").unwrap().kind, Kind::TagTypes));
        assert!(matches!(s.field("status").unwrap().kind, Kind::Enum(_)));
        assert!(s.fields.iter().all(|f| f.required));
    }

    #[test]
    fn conditional_rules_come_from_the_schema() {
        let r = shape("resource").unwrap();
        let specialist = r.variants.iter().find(|v| v.value == "SPECIALIST").unwrap();
        assert!(specialist.required.contains(&"snils".to_owned()));
        assert!(specialist.forbidden.contains(&"machine_name".to_owned()));
        assert!(!r.field("snils").unwrap().required);
        let referral = shape("referral").unwrap();
        assert_eq!(referral.variants.len(), 2);
    }

    #[test]
    fn status_objects_require_the_code_under_any_spelling() {
        let c = shape("cancel_response").unwrap();
        let Kind::Object(status) = &c.field("status").unwrap().kind else { panic!("status is an object") };
        assert!(status.field("status_code").unwrap().required);
        assert!(status.field("statusCode").is_none(), "aliases are not separate fields");
        let b = shape("booking_request").unwrap();
        let Kind::Object(p) = &b.field("patient_data_rrp").unwrap().kind else { panic!("patient is an object") };
        assert!(matches!(p.field("snils").unwrap().kind, Kind::Snils));
        assert!(matches!(p.field("birthdate").unwrap().kind, Kind::BirthDate));
        assert!(matches!(&p.field("united_guids").unwrap().kind, Kind::Array(k) if matches!(**k, Kind::String)));
    }

    #[test]
    fn aliases_are_accepted_by_the_model() {
        // from_mo _id (referral) and the status spellings (cancel response) really parse.
        let status = |key: &str| format!(r#"{{"book_ext_id":null,"status":{{"{key}":1}}}}"#);
        for key in ["status_сode", "statusCode"] {
            let r: fer_model::CancelResponse = serde_json::from_str(&status(key)).unwrap();
            assert_eq!(r.status.code, fer_model::CancelStatusCode::AlreadyCanceled);
        }
        let msg = r#"{"status":{"status_code":1,"statusMessage":"x"}}"#;
        let r: fer_model::CancelResponse = serde_json::from_str(msg).unwrap();
        assert_eq!(r.status.message.as_deref(), Some("x"));
        assert!(aliases_of("from_mo_id").any(|a| a == "from_mo _id"));
    }
}
