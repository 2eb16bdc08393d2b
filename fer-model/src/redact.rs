//! The JSON keys whose values are secrets or patient data, declared once for every crate that logs,
//! journals or quotes a body (the webhook's logs, the emulator's journal, the client's error
//! excerpts).
//!
//! [`KEYS`] holds the wire name of every field this crate marks [`Redacted`](crate::Redacted) or
//! types as a [`Snils`](crate::Snils) (a unit test reads the crate's sources and fails when one is
//! missing), plus the few keys of the same nature that are not typed fields here: the bearer token
//! and `Authorization`, the booking's `patient_id` and `cards_id`, the portal's name fields.
//!
//! Matching is one rule everywhere ([`is_redacted_key`]): a JSON object key, at any depth, equal to
//! one of [`KEYS`] ignoring ASCII case. Aliases a field also accepts on input are not keys here:
//! only the name the field is written under (an alias such as `ErrorMessage` would hide the
//! Vitrina's own error texts from every journal).
//!
//! A redacted value keeps its shape ([`redact_value`]): a string or number becomes `"***"`, `null`
//! stays `null` (its absence is no secret), and in an object or array (`patient_data_rrp`,
//! `united_guids`) every scalar becomes `"***"` while the keys stay, so a reader still sees which
//! fields were sent.
//!
//! ```
//! use fer_model::redact::{is_redacted_key, redact_value};
//! use serde_json::json;
//!
//! assert!(is_redacted_key("SNILS") && is_redacted_key("Value") && !is_redacted_key("slot_id"));
//! let mut body = json!({"slot_id": "s1", "patient_data_rrp": {"snils": "11147535028", "gender": 1}});
//! redact_value(&mut body);
//! assert_eq!(body, json!({"slot_id": "s1", "patient_data_rrp": {"snils": "***", "gender": "***"}}));
//! ```

use serde_json::Value;

/// What a redacted value is replaced with.
pub const MASK: &str = "***";

/// The keys whose values never reach a log, a journal or an error message, lowercase.
///
/// Where each comes from: `password` ([`AuthRequest`](crate::AuthRequest)); `value`, the token of
/// [`AuthToken`](crate::AuthToken) (written `Value`), with `token` and `authorization` for the
/// bearer token elsewhere; the booking request's `patient_id`, `cards_id`, `email`, `mobile_phone`
/// and `patient_data_rrp` with every field of [`PatientData`](crate::PatientData) (`united_guids`,
/// `firstname`, `lastname`, `middlename`, `snils`, `oms_number`, `birthdate`, `phone`, `email`);
/// the portal's patient fields (`last_name`, `first_name`, `middle_name`, `number` of a policy or
/// referral, `login`, `address`, `reason`, `diagnosis`, and `message`, which may name the patient).
pub const KEYS: &[&str] = &[
    "password",
    "value",
    "token",
    "authorization",
    "patient_id",
    "patient_data_rrp",
    "united_guids",
    "snils",
    "last_name",
    "first_name",
    "middle_name",
    "lastname",
    "firstname",
    "middlename",
    "birthdate",
    "oms_number",
    "phone",
    "email",
    "mobile_phone",
    "cards_id",
    "number",
    "login",
    "address",
    "reason",
    "diagnosis",
    "message",
];

/// The longest key of [`KEYS`], in bytes: a longer string is no key.
pub const LONGEST_KEY: usize = {
    let mut i = 0;
    let mut max = 0;
    while i < KEYS.len() {
        if KEYS[i].len() > max {
            max = KEYS[i].len();
        }
        i += 1;
    }
    max
};

/// Whether a JSON object key holds a secret or patient data: equal to one of [`KEYS`] ignoring
/// ASCII case.
///
/// ```
/// assert!(fer_model::redact::is_redacted_key("Mobile_Phone"));
/// assert!(!fer_model::redact::is_redacted_key("phones"));
/// ```
pub fn is_redacted_key(key: &str) -> bool {
    key.len() <= LONGEST_KEY && KEYS.iter().any(|k| k.len() == key.len() && key.eq_ignore_ascii_case(k))
}

/// Replaces, at any depth, the value of every key that [`is_redacted_key`] names: scalars become
/// [`MASK`], `null` stays, objects and arrays keep their shape with every scalar masked.
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_redacted_key(key) { mask(v) } else { redact_value(v) }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Masks every scalar of `value`, keeping `null`s, keys and the shape.
fn mask(value: &mut Value) {
    match value {
        Value::Null => {}
        Value::Object(map) => map.values_mut().for_each(mask),
        Value::Array(items) => items.iter_mut().for_each(mask),
        other => *other = Value::String(MASK.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_lowercase_and_unique() {
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(*k, k.to_ascii_lowercase());
            assert!(!KEYS[..i].contains(k), "{k} twice");
        }
        assert_eq!(LONGEST_KEY, "patient_data_rrp".len());
    }

    #[test]
    fn redaction_at_any_depth_keeps_nulls_and_shape() {
        let mut v = json!([{"a": {"Password": "p", "email": null, "united_guids": ["g1", "g2"], "n": 5}}]);
        redact_value(&mut v);
        assert_eq!(v, json!([{"a": {"Password": "***", "email": null, "united_guids": ["***", "***"], "n": 5}}]));
    }

    /// The spec's own booking request keeps nothing of the patient.
    #[test]
    fn the_spec_booking_request_loses_its_patient_data() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/004/booking_request.json");
        let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        redact_value(&mut v);
        let text = v.to_string();
        for secret in ["11147535028", "1999-10-10"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("slot_id"), "{text}");
    }

    /// One field declaration of the crate's sources that holds a secret or patient data.
    #[derive(Debug)]
    struct Marked {
        file: String,
        field: String,
        wire: String,
    }

    /// Every field of this crate's sources typed `Redacted<…>` or `Snils` (possibly in an `Option`),
    /// with the name it is written under: its `rename`, else its name under the container's
    /// `rename_all`.
    fn marked_fields(dir: &Path, out: &mut Vec<Marked>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                marked_fields(&path, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("ids.rs") || path.ends_with("redact.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let (mut pending_all, mut rename_all, mut rename) = (None::<String>, None::<String>, None::<String>);
            for line in text.lines().map(str::trim) {
                if line.starts_with("//") {
                    continue;
                }
                if line.starts_with("#[serde(") {
                    if let Some(v) = quoted_after(line, "rename_all = \"") {
                        pending_all = Some(v);
                    } else if let Some(v) = quoted_after(line, "rename = \"") {
                        rename = Some(v);
                    }
                    continue;
                }
                if line.contains("struct ") || line.contains("enum ") {
                    rename_all = pending_all.take();
                    rename = None;
                    continue;
                }
                let decl = line.strip_prefix("pub(crate) ").or_else(|| line.strip_prefix("pub ")).unwrap_or(line);
                let Some((name, ty)) = decl.split_once(':') else {
                    rename = None;
                    continue;
                };
                let name = name.trim();
                let ty = ty.trim();
                let field_like = !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if field_like
                    && (ty.contains("Redacted<")
                        || ty.trim_end_matches(',').ends_with("Snils>")
                        || ty.trim_end_matches(',') == "Snils")
                {
                    let wire = rename.take().unwrap_or_else(|| apply_rename_all(name, rename_all.as_deref()));
                    out.push(Marked { file: path.display().to_string(), field: name.to_owned(), wire });
                }
                rename = None;
            }
        }
    }

    fn quoted_after(line: &str, prefix: &str) -> Option<String> {
        let start = line.find(prefix)? + prefix.len();
        let end = line[start..].find('"')?;
        Some(line[start..start + end].to_owned())
    }

    /// The wire name of a snake_case field under serde's `rename_all`.
    fn apply_rename_all(field: &str, rule: Option<&str>) -> String {
        let words: Vec<&str> = field.split('_').collect();
        let cap = |w: &str| w[..1].to_ascii_uppercase() + &w[1..];
        match rule {
            Some("PascalCase") => words.iter().map(|w| cap(w)).collect(),
            Some("camelCase") => words[0].to_owned() + &words[1..].iter().map(|w| cap(w)).collect::<String>(),
            Some("lowercase") => words.concat(),
            Some("UPPERCASE") => words.concat().to_ascii_uppercase(),
            Some("SCREAMING_SNAKE_CASE") => field.to_ascii_uppercase(),
            Some("kebab-case") => field.replace('_', "-"),
            _ => field.to_owned(),
        }
    }

    /// The list is derived from the model: a field marked `Redacted` (or typed `Snils`) whose wire
    /// name is not redacted fails here.
    #[test]
    fn every_redacted_field_of_the_model_is_on_the_list() {
        let mut found = Vec::new();
        marked_fields(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        // The scan must see the fields it is meant to police (so that it cannot pass by finding
        // nothing): the password, the token written `Value`, the patient's name and SNILS.
        for (field, wire) in
            [("password", "password"), ("value", "Value"), ("firstname", "firstname"), ("snils", "snils")]
        {
            assert!(found.iter().any(|m| m.field == field && m.wire == wire), "{field} not found: {found:#?}");
        }
        let missing: Vec<String> = found
            .iter()
            .filter(|m| !is_redacted_key(&m.wire))
            .map(|m| format!("{}: field {} written {:?}", m.file, m.field, m.wire))
            .collect();
        assert!(missing.is_empty(), "marked fields missing from redact::KEYS: {missing:#?}");
    }
}
