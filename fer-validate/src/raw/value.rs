//! Field-by-field checks of one raw JSON object against its [`Shape`].

use super::fields::{self, Kind, Shape};
use super::json::{Json, Object};
use crate::RuleCode;
use crate::check::{Checker, escape_token};
use fer_model::{BirthDate, Guid, MoAgeGroup, Oid, Snils, TagType, Timestamp};

/// Checks a record (or DTO) at the checker's prefix.
pub(crate) fn check_record(c: &mut Checker<'_>, table: &str, shape: &Shape, value: &Json<'_>) {
    match value {
        Json::Object(map) => {
            check_object(c, table, shape, map, "");
            if table == "referral" {
                referral_other_type(c, map);
            }
        }
        other => c.report(
            RuleCode::BodyShape,
            "",
            &format!("ожидается объект, получено: {}", other.type_name()),
            &format!("expected an object, found {}", other.type_name()),
        ),
    }
}

/// A referral's fields of the other type: accepted and not kept (table 8 never says they must be
/// absent, unlike table 2 for resources), so a warning.
fn referral_other_type(c: &mut Checker<'_>, map: &Object<'_>) {
    use fer_model::ReferralType;
    let kind = match map.get("type").and_then(Json::as_str) {
        Some("CONSULTATION") => ReferralType::Consultation,
        Some("RESEARCH") => ReferralType::Research,
        _ => return,
    };
    let other = match kind {
        ReferralType::Consultation => ReferralType::Research,
        ReferralType::Research => ReferralType::Consultation,
    };
    for name in other.own_fields().iter().filter(|f| map.get(f).is_some_and(|v| !v.is_null())) {
        c.report(
            RuleCode::ReferralOtherTypeField,
            &format!("/{name}"),
            &format!("{name} относится к направлениям {other}; при type = {kind} Витрина его не использует"),
            &format!("{name} belongs to {other} referrals; with type {kind} it is not used"),
        );
    }
}

fn check_object(c: &mut Checker<'_>, table: &str, shape: &Shape, map: &Object<'_>, at: &str) {
    // One buffer for every key's pointer: no allocation per field of a valid record.
    let mut pointer = String::with_capacity(at.len() + 32);
    // Bit k: the last value of declared field k's own key is not null (exact when the shape has
    // at most 64 fields and no alias key is used; otherwise `present` looks the keys up).
    let (mut set, mut exact, mut next) = (0u64, shape.fields.len() <= 64, 0usize);
    for (key, v) in map.iter() {
        pointer.clear();
        pointer.push_str(at);
        pointer.push('/');
        if key.bytes().any(|b| b == b'~' || b == b'/') {
            pointer.push_str(&escape_token(key));
        } else {
            pointer.push_str(key);
        }
        let pointer = pointer.as_str();
        // Records mostly list their keys in the schema's order: the field after the last one
        // found is tried first.
        let found = match shape.fields.get(next) {
            Some(f) if f.name == key => Some((next, f)),
            _ => shape.fields.iter().enumerate().find(|(_, f)| f.name == key),
        };
        if let Some((k, field)) = found {
            next = k + 1;
            let bit = 1u64.checked_shl(k as u32).unwrap_or(0);
            if v.is_null() {
                set &= !bit;
            } else {
                set |= bit;
                check_value(c, table, key, &field.kind, v, pointer);
            }
        } else if let Some(canonical) = fields::alias_of(key).filter(|k| shape.field(k).is_some()) {
            exact = false;
            c.report(
                RuleCode::AliasField,
                pointer,
                &format!("принято, но объявлено поле {canonical}; передавайте {canonical}"),
                &format!("accepted, but the declared key is {canonical}; send {canonical}"),
            );
            if let (Some(field), false) = (shape.field(canonical), v.is_null()) {
                check_value(c, table, canonical, &field.kind, v, pointer);
            }
        } else if at.is_empty() && fields::is_service_field(table, key) {
            c.report(
                RuleCode::ServiceField,
                pointer,
                &format!("{key} заполняется сервисом и игнорируется; удалите поле"),
                &format!("{key} is set by the service and ignored; remove it"),
            );
        } else {
            let (ru, en) = match closest(key, shape) {
                Some(near) => (
                    format!("поле {key} не существует; возможно, имелось в виду {near}?"),
                    format!("no field {key}; did you mean {near}?"),
                ),
                None => (
                    format!("поле {key} не существует и будет проигнорировано"),
                    format!("no field {key}; it would be ignored"),
                ),
            };
            c.report(RuleCode::UnknownField, pointer, &ru, &en);
        }
    }
    let present = |name: &str| {
        map.get(name).is_some_and(|v| !v.is_null())
            || fields::aliases_of(name).any(|a| map.get(a).is_some_and(|v| !v.is_null()))
    };
    let required = shape.fields.iter().enumerate().filter(|(_, f)| f.required);
    for (_, field) in required.filter(|(k, f)| if exact { set & (1u64 << k) == 0 } else { !present(&f.name) }) {
        let what = if map.contains_key(&field.name) {
            ("равно null", "is null")
        } else {
            ("отсутствует", "is missing")
        };
        c.report(
            RuleCode::Required,
            &format!("{at}/{}", escape_token(&field.name)),
            &format!("{} {}; укажите значение", field.name, what.0),
            &format!("{} {}; send a value", field.name, what.1),
        );
    }
    for variant in &shape.variants {
        if !map.get(&variant.tag).is_some_and(|v| v.same_as(&variant.value)) {
            continue;
        }
        let tag_value = variant.value.as_str().unwrap_or_default();
        for name in variant.required.iter().filter(|f| !present(f)) {
            c.report(
                RuleCode::ConditionalRequired,
                &format!("{at}/{}", escape_token(name)),
                &format!("{name} обязательно при {} = {tag_value}", variant.tag),
                &format!("{name} is required when {} is {tag_value}", variant.tag),
            );
        }
        for name in variant.forbidden.iter().filter(|f| present(f)) {
            c.report(
                RuleCode::ConditionalForbidden,
                &format!("{at}/{}", escape_token(name)),
                &format!("{name} не указывается при {} = {tag_value}; удалите поле", variant.tag),
                &format!("{name} must be absent when {} is {tag_value}; remove it", variant.tag),
            );
        }
    }
}

/// A GUID written as text: it must parse (V001) and be canonical (V002).
pub(crate) fn guid_text(c: &mut Checker<'_>, pointer: &str, s: &str) {
    if Guid::parse(s).is_err() {
        c.report(
            RuleCode::GuidFormat,
            pointer,
            &format!("{s:?}: ожидается GUID вида 1b0aaec1-38ba-4bf2-a82c-39f90b925a78"),
            &format!("{s:?}: expected a GUID such as 1b0aaec1-38ba-4bf2-a82c-39f90b925a78"),
        );
    } else if !Guid::is_canonical(s) {
        c.report(
            RuleCode::GuidNotCanonical,
            pointer,
            &format!("{s:?}: передавайте {} (нижний регистр, без пробелов)", s.trim().to_ascii_lowercase()),
            &format!("{s:?}: send {} (lower case, no spaces)", s.trim().to_ascii_lowercase()),
        );
    }
}

fn check_value(c: &mut Checker<'_>, table: &str, name: &str, kind: &Kind, v: &Json<'_>, pointer: &str) {
    match (kind, v) {
        (Kind::Guid, Json::String(s)) => guid_text(c, pointer, s),
        (Kind::Oid, Json::String(s)) => {
            if Oid::parse(s).is_err() {
                c.report(
                    RuleCode::OidFormat,
                    pointer,
                    &format!("{s:?}: ожидается OID вида 1.2.643.5.1.13.13.12.2.86.8902"),
                    &format!("{s:?}: expected an OID such as 1.2.643.5.1.13.13.12.2.86.8902"),
                );
            } else if s.trim() != s {
                non_declared(c, pointer, "OID без пробелов вокруг", "the OID without surrounding spaces");
            }
        }
        (Kind::Timestamp, Json::String(s)) => {
            if Timestamp::parse(s).is_err() {
                c.report(
                    RuleCode::TimestampFormat,
                    pointer,
                    &format!("{s:?}: ожидается YYYY-MM-DDTHH:MI:SS"),
                    &format!("{s:?}: expected YYYY-MM-DDTHH:MI:SS"),
                );
            } else if name == "visit_time" && Timestamp::has_offset(s) {
                // Table 4 declares visit_time as «YYYY-MM-DDTHH:MI:SS» without «ФОРМАТ RFC3339»:
                // the clinic's local time. An offset would be dropped, and if the MIS meant UTC the
                // visit would move by hours.
                c.report(
                    RuleCode::TimestampFormat,
                    pointer,
                    &format!("{s:?}: время приема – местное время без смещения, YYYY-MM-DDTHH:MI:SS"),
                    &format!("{s:?}: visit_time is local time without offset, YYYY-MM-DDTHH:MI:SS"),
                );
            } else if !Timestamp::is_canonical(s) {
                non_declared(c, pointer, "YYYY-MM-DDTHH:MI:SS", "YYYY-MM-DDTHH:MI:SS");
            }
        }
        (Kind::DateTime, Json::String(s)) => {
            if chrono::DateTime::parse_from_rfc3339(s.trim()).is_err() {
                c.report(
                    RuleCode::TimestampFormat,
                    pointer,
                    &format!("{s:?}: ожидается RFC 3339 со смещением, например 2022-12-14T08:00:00+05:00"),
                    &format!("{s:?}: expected RFC 3339 with offset, e.g. 2022-12-14T08:00:00+05:00"),
                );
            }
        }
        (Kind::Duration, Json::Number(n)) => {
            if n.as_u64().is_none_or(|m| m > u64::from(u32::MAX)) {
                wrong_type(
                    c,
                    pointer,
                    "целое неотрицательное число минут",
                    "a whole non-negative number of minutes",
                    v,
                );
            }
        }
        (Kind::Duration, Json::String(s)) => {
            if s.trim().is_empty() || !s.trim().bytes().all(|b| b.is_ascii_digit()) || s.trim().parse::<u32>().is_err()
            {
                wrong_type(c, pointer, "целое число минут", "a whole number of minutes", v);
            } else if !matches!(table, "booking_response" | "cancel_response") {
                non_declared(c, pointer, "число (integer), а не строку", "a number (integer), not a string");
            }
        }
        (Kind::Snils, Json::String(s)) => {
            // Personal data: the value never appears in the message.
            if Snils::parse(s).is_err() {
                c.report(RuleCode::SnilsFormat, pointer, "ожидается 11 цифр", "expected 11 digits");
            } else if s.len() != 11 {
                non_declared(c, pointer, "11 цифр без разделителей", "11 digits without separators");
            }
        }
        (Kind::TagTypes, Json::String(s)) => tag_types(c, pointer, s),
        (Kind::Enum(values), _) => {
            if !values.iter().any(|allowed| v.same_as(allowed)) {
                if v.type_name() != kind.json_type() {
                    wrong_type(c, pointer, kind.json_type(), kind.json_type(), v);
                } else if table == "mo" && name == "tag_age" && v.as_str() == Some("BABY") {
                    c.report(
                        RuleCode::MoTagAgeBaby,
                        pointer,
                        &format!("допустимо: {}", MoAgeGroup::WIRE_NAMES.join(", ")),
                        &format!("allowed: {}", MoAgeGroup::WIRE_NAMES.join(", ")),
                    );
                } else {
                    let allowed = values.iter().map(serde_json::Value::to_string).collect::<Vec<_>>().join(", ");
                    c.report(
                        RuleCode::EnumValue,
                        pointer,
                        &format!("{v}; допустимо: {allowed}"),
                        &format!("{v}; allowed: {allowed}"),
                    );
                }
            }
        }
        (Kind::BirthDate, Json::String(s)) => {
            if BirthDate::parse(s).is_err() {
                // Personal data: the value never appears in the message.
                c.report(RuleCode::TimestampFormat, pointer, "ожидается дата YYYY-MM-DD", "expected a date YYYY-MM-DD");
            }
        }
        (Kind::String, Json::String(_)) => {}
        (Kind::Integer, Json::Number(n)) if n.is_i64() || n.is_u64() => {}
        (Kind::Number, Json::Number(_)) | (Kind::Boolean, Json::Bool(_)) | (Kind::Any, _) => {}
        (Kind::Array(item), Json::Array(items)) => {
            for (i, it) in items.iter().enumerate() {
                check_value(c, table, name, item, it, &format!("{pointer}/{i}"));
            }
        }
        (Kind::Object(shape), Json::Object(map)) => check_object(c, table, shape, map, pointer),
        _ => wrong_type(c, pointer, kind.json_type(), kind.json_type(), v),
    }
}

fn tag_types(c: &mut Checker<'_>, pointer: &str, s: &str) {
    if s.trim().is_empty() {
        c.report(
            RuleCode::TagTypeEmpty,
            pointer,
            "укажите хотя бы одно значение, например EPGU",
            "send at least one value, e.g. EPGU",
        );
        return;
    }
    let mut seen = fer_model::TagTypes::EMPTY;
    for part in s.split(',').map(str::trim) {
        match TagType::from_wire(part) {
            Some(t) if !seen.insert(t) => c.report(
                RuleCode::TagTypeRepeat,
                pointer,
                &format!("{part} указан дважды"),
                &format!("{part} is listed twice"),
            ),
            Some(_) => {}
            None => c.report(
                RuleCode::EnumValue,
                pointer,
                &format!("{part:?}; допустимо через запятую: {}", TagType::WIRE_NAMES.join(", ")),
                &format!("{part:?}; allowed, comma-separated: {}", TagType::WIRE_NAMES.join(", ")),
            ),
        }
    }
}

fn non_declared(c: &mut Checker<'_>, pointer: &str, ru: &str, en: &str) {
    c.report(
        RuleCode::NonDeclaredForm,
        pointer,
        &format!("принято; передавайте {ru}"),
        &format!("accepted; send {en}"),
    );
}

fn wrong_type(c: &mut Checker<'_>, pointer: &str, ru: &str, en: &str, found: &Json<'_>) {
    c.report(
        RuleCode::JsonType,
        pointer,
        &format!("ожидается {ru}, получено: {}", found.type_name()),
        &format!("expected {en}, found {}", found.type_name()),
    );
}

/// The declared field closest to a misspelled key, when it is close enough to be a typo.
fn closest<'s>(key: &str, shape: &'s Shape) -> Option<&'s str> {
    let key_l = key.to_lowercase();
    shape
        .fields
        .iter()
        .map(|f| (edit_distance(&key_l, &f.name), f.name.as_str()))
        .filter(|(d, name)| *d <= 2.max(name.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("duraton", "duration"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("visittime", "visit_time"), 1);
    }

    #[test]
    fn suggestions() {
        let slot = fields::shape("slot").unwrap();
        assert_eq!(closest("Visit_Time", slot), Some("visit_time"));
        assert_eq!(closest("statsu", slot), Some("status"));
        assert_eq!(closest("completely_else", slot), None);
    }
}
