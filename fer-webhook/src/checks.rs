//! From JSON bytes to a request the vendor may trust: syntax (400 when broken), shape (the typed
//! DTO of fer-model) and the spec's rules (fer-validate); the last two answer status 18 with the
//! reason («Несоответствие в переданных данных для записи», section 7). Also the sanity check of
//! the vendor's own confirmation before it goes out.

use std::panic::{AssertUnwindSafe, catch_unwind};

use fer_model::{BookingConfirmation, BookingResponse, CancelConfirmation, CancelResponse, Guid};
use fer_validate::{Diagnostic, Validate};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_path_to_error::Segment;

use crate::WebhookError;

/// The spec's description of the status 18 case "the data sent do not match".
const MISMATCH: &str = "Несоответствие в переданных данных для записи";

/// The outcome of decoding a request body.
pub(crate) enum Decoded<T> {
    /// Parsed and free of rule errors; the rules' warnings.
    Valid(T, Vec<Diagnostic>),
    /// Well-formed JSON that is not a valid request: answer status 18.
    Invalid(Reason),
    /// Not JSON at all: answer 400.
    Malformed(WebhookError),
}

/// Why a well-formed request is refused: one or more problems, each at a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reason {
    problems: Vec<Problem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    pointer: String,
    rule: &'static str,
    message_ru: String,
}

impl Reason {
    fn single(pointer: String, rule: &'static str, message_ru: String) -> Self {
        Reason { problems: vec![Problem { pointer, rule, message_ru }] }
    }

    /// fer-validate's findings, each told by its pointer, rule code and the rule's catalogue
    /// title: a diagnostic's own message may quote or derive from the value (a SNILS's check
    /// number), and the answer must not.
    fn from_diagnostics<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> Self {
        Reason {
            problems: diagnostics
                .map(|d| Problem {
                    pointer: d.pointer.clone(),
                    rule: d.code.as_str(),
                    message_ru: d.code.info().title_ru.to_owned(),
                })
                .collect(),
        }
    }

    /// The `status_message` of the answer: the spec's description, then each problem as its JSON
    /// pointer, rule and the rule's wording; never a value of the request.
    pub(crate) fn message(&self) -> String {
        let details: Vec<String> = self
            .problems
            .iter()
            .map(|p| {
                let at = if p.pointer.is_empty() { String::new() } else { format!("{} ", p.pointer) };
                format!("{at}[{}]: {}", p.rule, p.message_ru)
            })
            .collect();
        format!("{MISMATCH}: {}", details.join("; "))
    }

    /// Pointers and rule codes only, never values: safe to log.
    pub(crate) fn for_log(&self) -> String {
        let items: Vec<String> = self.problems.iter().map(|p| format!("{} [{}]", p.pointer, p.rule)).collect();
        items.join(", ")
    }
}

/// Parses and validates a request body.
///
/// A well-formed valid body is parsed once, straight into `T`. Only when that fails is the body
/// read again: first for its syntax (a syntax error anywhere, even after a shape error, answers
/// 400), then with the path of the shape error for the status 18 message.
pub(crate) fn decode<T: DeserializeOwned + Validate>(json: &[u8]) -> Decoded<T> {
    // One UTF-8 check for the whole body, then the typed parse of the text.
    let value: T = match fer_model::wire::from_json_slice(json) {
        Ok(value) => value,
        Err(_) => return Decoded::from_parse_failure(json),
    };
    match catch_unwind(AssertUnwindSafe(|| value.validate())) {
        Ok(report) if report.has_errors() => Decoded::Invalid(Reason::from_diagnostics(report.errors())),
        Ok(report) => Decoded::Valid(value, report.diagnostics),
        Err(_) => {
            // Never lose a booking to our own checker: the request parsed, so it goes through.
            tracing::error!("fer-validate panicked on a request: passing it on unchecked");
            Decoded::Valid(value, Vec::new())
        }
    }
}

/// The `slot_id` of a request that could not be parsed whole, when it is there and a GUID: the
/// refusal names it (the answer's table marks `slot_id` mandatory).
pub(crate) fn slot_hint(json: &[u8]) -> Option<Guid> {
    #[derive(serde::Deserialize)]
    struct Hint {
        slot_id: Option<serde_json::Value>,
    }
    let hint: Hint = serde_json::from_slice(json).ok()?;
    hint.slot_id.as_ref().and_then(serde_json::Value::as_str).and_then(|s| Guid::parse(s).ok())
}

/// Checks the vendor's cancel confirmation before it is sent: it must be for the requested
/// booking and pass fer-validate's rules for a cancel answer.
pub(crate) fn cancel_confirmation(
    book_ext_id: Guid,
    confirmation: &CancelConfirmation,
) -> Result<CancelResponse, Reason> {
    if confirmation.book_ext_id != book_ext_id {
        return Err(Reason::single(
            "/book_ext_id".to_owned(),
            "booking_mismatch",
            "подтверждена отмена другой записи".to_owned(),
        ));
    }
    let response = CancelResponse::confirmed(confirmation);
    match catch_unwind(AssertUnwindSafe(|| response.validate())) {
        Ok(report) if report.has_errors() => Err(Reason::from_diagnostics(report.errors())),
        Ok(_) => Ok(response),
        Err(_) => Ok(response),
    }
}

impl<T: DeserializeOwned> Decoded<T> {
    /// Why the typed parse of `json` failed: broken syntax (400), else the shape error with its
    /// JSON pointer (status 18).
    fn from_parse_failure(json: &[u8]) -> Self {
        if let Err(e) = serde_json::from_slice::<IgnoredAny>(json) {
            return Decoded::Malformed(malformed(&e));
        }
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Err(e) => Decoded::Invalid(shape_problem(&e)),
            // Unreachable unless serde disagrees with itself; refuse rather than trust it.
            Ok(_) => {
                Decoded::Invalid(Reason::single(String::new(), "format", "запрос не удалось разобрать".to_owned()))
            }
        }
    }
}

fn malformed(e: &serde_json::Error) -> WebhookError {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let reason = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
    WebhookError::MalformedJson { line: e.line(), column: e.column(), reason }
}

/// A typed-parse failure: where (as a JSON pointer) and which rule it broke, in words that never
/// quote the value ([`shape_rule`]).
fn shape_problem(e: &serde_path_to_error::Error<serde_json::Error>) -> Reason {
    let mut pointer = String::new();
    for segment in e.path().iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1"))),
            Segment::Enum { variant } => pointer.push_str(&format!("/{variant}")),
            Segment::Unknown => pointer.push_str("/?"),
        }
    }
    let inner = e.inner();
    let text = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    let (rule, message) = shape_rule(text.strip_suffix(&suffix).unwrap_or(&text));
    Reason::single(pointer, rule, message)
}

/// The rule code and wording of a serde message, with the offending value left out: serde's own
/// messages quote it (``invalid type: integer `11147535028`, expected a SNILS``) and so do the
/// `FromStr` errors of fer-model's types (`invalid date "1999-13-45"`). Only what comes from the
/// types themselves is kept: a field name of the request, and what was expected.
fn shape_rule(serde: &str) -> (&'static str, String) {
    /// A field name of the request types (serde names only known fields in these messages).
    fn field(text: &str) -> Option<&str> {
        let name = text.strip_prefix('`')?.strip_suffix('`')?;
        name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_').then_some(name)
    }
    /// What serde expected, when the message is one of its own: the text after `, expected `.
    fn expected(text: &str) -> Option<&str> {
        text.split_once(", expected ").map(|(_, expected)| expected)
    }
    if let Some(name) = serde.strip_prefix("missing field ").and_then(field) {
        return ("V007", format!("обязательное поле `{name}` отсутствует"));
    }
    if let Some(name) = serde.strip_prefix("duplicate field ").and_then(field) {
        return ("format", format!("поле `{name}` повторяется (duplicate field `{name}`)"));
    }
    if let Some(rest) = serde.strip_prefix("invalid type: ")
        && let Some(expected) = expected(rest)
    {
        return ("V009", format!("неверный тип значения, ожидается {expected}"));
    }
    if let Some(rest) = serde.strip_prefix("unknown variant ")
        && let Some(expected) = expected(rest)
    {
        return ("V008", format!("значение не из допустимого списка, ожидается {expected}"));
    }
    if (serde.starts_with("invalid value: ") || serde.starts_with("invalid length "))
        && let Some(expected) = expected(serde)
    {
        return ("format", format!("недопустимое значение, ожидается {expected}"));
    }
    ("format", "значение не в ожидаемом формате".to_owned())
}

/// Checks the vendor's confirmation before it is sent: it must be for the requested slot and
/// pass fer-validate's rules for a booking answer; the gateway would refuse it otherwise.
pub(crate) fn confirmation(slot_id: Guid, confirmation: BookingConfirmation) -> Result<BookingResponse, Reason> {
    if confirmation.slot_id != slot_id {
        return Err(Reason::single(
            "/slot_id".to_owned(),
            "slot_mismatch",
            "подтверждена запись на другой слот".to_owned(),
        ));
    }
    let response = BookingResponse::Confirmed(confirmation);
    match catch_unwind(AssertUnwindSafe(|| response.validate())) {
        Ok(report) if report.has_errors() => Err(Reason::from_diagnostics(report.errors())),
        Ok(_) => Ok(response),
        Err(_) => {
            tracing::error!("fer-validate panicked on a booking answer: sending it unchecked");
            Ok(response)
        }
    }
}

#[cfg(test)]
mod tests {
    use fer_model::{BookingRequest, CancelRequest};

    use super::*;

    const BOOKING: &str = include_str!("../../fixtures/spec/004/booking_request.json");

    #[test]
    fn spec_example_is_valid() {
        assert!(matches!(decode::<BookingRequest>(BOOKING.as_bytes()), Decoded::Valid(..)));
        let cancel = include_str!("../../fixtures/spec/004/cancel_request.json");
        assert!(matches!(decode::<CancelRequest>(cancel.as_bytes()), Decoded::Valid(..)));
    }

    #[test]
    fn syntax_errors_are_malformed_with_position() {
        let Decoded::Malformed(WebhookError::MalformedJson { line, column, reason }) =
            decode::<BookingRequest>(b"{\n  \"slot_id\" 1}")
        else {
            panic!("expected malformed")
        };
        assert_eq!((line, column), (2, 13));
        assert_eq!(reason, "expected `:`");
        assert!(matches!(decode::<BookingRequest>(b""), Decoded::Malformed(_)));
        assert!(matches!(decode::<BookingRequest>(b"{} x"), Decoded::Malformed(_)));
    }

    #[test]
    fn a_syntax_error_after_a_shape_error_is_still_malformed() {
        // The typed parse stops at the bad gender; the broken end of the body must still be 400.
        let json = BOOKING.replace("\"gender\": \"2\"", "\"gender\": 3");
        let broken = format!("{},", json.trim_end().trim_end_matches('}'));
        assert!(matches!(decode::<BookingRequest>(broken.as_bytes()), Decoded::Malformed(_)));
        let trailing = format!("{json} x");
        assert!(matches!(decode::<BookingRequest>(trailing.as_bytes()), Decoded::Malformed(_)));
        let trailing_after_valid = format!("{BOOKING} {{}}");
        assert!(matches!(decode::<BookingRequest>(trailing_after_valid.as_bytes()), Decoded::Malformed(_)));
    }

    #[test]
    fn duplicate_fields_are_invalid_not_malformed() {
        let json = BOOKING.replacen('{', "{\"slot_id\": \"b10902d0-e331-11ed-8d9e-60123c4747d1\",", 1);
        let Decoded::Invalid(reason) = decode::<BookingRequest>(json.as_bytes()) else { panic!("expected invalid") };
        assert!(reason.message().contains("duplicate field `slot_id`"), "{}", reason.message());
    }

    #[test]
    fn lenient_forms_are_valid_with_warnings() {
        let json = BOOKING
            .replace("\"gender\": \"2\"", "\"gender\": \"3\"")
            .replace("\"patient_id\": \"953f8666-21ce-478f-8351-389f27ce8cde\"", "\"patient_id\": \"11234455\"")
            .replace("\"preliminary_reservation\": false", "\"preliminary_reservation\": null")
            .replace("\"snils\": \"11147535028\"", "\"snils\": \"\"")
            .replace("\"birthdate\": \"1999-10-10T00:00:00\"", "\"birthdate\": null")
            .replace("\"united_guids\": []", "\"united_guids\": [\"x\"]");
        let Decoded::Valid(request, warnings) = decode::<BookingRequest>(json.as_bytes()) else {
            panic!("lenient forms must be accepted")
        };
        assert_eq!(request.patient_id, "11234455");
        let at: Vec<&str> = warnings.iter().map(|w| w.pointer.as_str()).collect();
        assert_eq!(
            at,
            [
                "/patient_id",
                "/patient_data_rrp/birthdate",
                "/patient_data_rrp/gender",
                "/patient_data_rrp/united_guids/0"
            ]
        );
    }

    #[test]
    fn slot_hint_reads_the_slot_of_a_broken_request() {
        let json = BOOKING.replace("\"APPOINTMENT\"", "\"NOPE\"");
        assert!(matches!(decode::<BookingRequest>(json.as_bytes()), Decoded::Invalid(_)));
        assert_eq!(slot_hint(json.as_bytes()).unwrap().to_string(), "b10902d0-e331-11ed-8d9e-60123c4747d1");
        assert_eq!(slot_hint(b"{\"slot_id\": 5}"), None);
    }

    #[test]
    fn shape_errors_name_the_field() {
        let json = BOOKING.replace("\"gender\": \"2\"", "\"gender\": 3");
        let Decoded::Invalid(reason) = decode::<BookingRequest>(json.as_bytes()) else { panic!("expected invalid") };
        assert!(
            reason
                .message()
                .starts_with("Несоответствие в переданных данных для записи: /patient_data_rrp/gender [V009]: ")
        );
        assert_eq!(reason.for_log(), "/patient_data_rrp/gender [V009]");

        let json = BOOKING.replace("\"slot_id\": \"b10902d0-e331-11ed-8d9e-60123c4747d1\",", "");
        let Decoded::Invalid(reason) = decode::<BookingRequest>(json.as_bytes()) else { panic!("expected invalid") };
        assert!(reason.message().contains("[V007]: обязательное поле `slot_id` отсутствует"), "{}", reason.message());
    }

    /// A malformed SNILS, birth date or other patient value is named by its pointer and rule,
    /// never repeated.
    #[test]
    fn messages_never_repeat_the_value() {
        for (from, to, value, rule) in [
            ("\"snils\": \"11147535028\"", "\"snils\": \"1114753X028\"", "1114753X028", "[format]"),
            ("\"snils\": \"11147535028\"", "\"snils\": 11147535028", "11147535028", "[V009]"),
            (
                "\"birthdate\": \"1999-10-10T00:00:00\"",
                "\"birthdate\": \"1999-13-45T00:00:00\"",
                "1999-13-45",
                "[format]",
            ),
            ("\"birthdate\": \"1999-10-10T00:00:00\"", "\"birthdate\": 19991010", "19991010", "[V009]"),
            ("\"lastname\": \"***\"", "\"lastname\": 4242", "4242", "[V009]"),
            ("\"APPOINTMENT\"", "\"PRIVATEVALUE\"", "PRIVATEVALUE", "[V008]"),
            (
                "\"slot_id\": \"b10902d0-e331-11ed-8d9e-60123c4747d1\"",
                "\"slot_id\": \"b10902d0-XYZ\"",
                "XYZ",
                "[format]",
            ),
        ] {
            let json = BOOKING.replace(from, to);
            let Decoded::Invalid(reason) = decode::<BookingRequest>(json.as_bytes()) else {
                panic!("{to}: expected invalid")
            };
            let message = reason.message();
            assert!(!message.contains(value), "{to}: {message}");
            assert!(message.contains(rule), "{to}: {message}");
        }
    }

    #[test]
    fn rule_errors_come_from_fer_validate() {
        let json = BOOKING.replace("\"APPOINTMENT\"", "\"VACCINATION\"");
        let Decoded::Invalid(reason) = decode::<BookingRequest>(json.as_bytes()) else { panic!("expected invalid") };
        assert!(reason.for_log().contains("/service_id"), "{}", reason.for_log());
        assert!(reason.message().contains("/service_id [V"), "{}", reason.message());
    }

    #[test]
    fn confirmation_for_another_slot_is_refused() {
        let conf = BookingConfirmation {
            book_ext_id: Guid::from_u128(1),
            slot_id: Guid::from_u128(2),
            visit_time: "2022-12-14T08:00:00+05:00".parse().unwrap(),
            duration: fer_model::DurationMinutes(40),
            details: Default::default(),
            message: None,
        };
        assert!(confirmation(Guid::from_u128(3), conf.clone()).is_err());
        assert!(confirmation(Guid::from_u128(2), conf.clone()).is_ok());
        let zero = BookingConfirmation { duration: fer_model::DurationMinutes(0), ..conf };
        let reason = confirmation(Guid::from_u128(2), zero).unwrap_err();
        assert!(reason.for_log().starts_with("/duration ["), "{}", reason.for_log());
    }
}
