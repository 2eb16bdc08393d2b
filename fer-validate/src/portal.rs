//! Rules of the regional portal API (`fer_model::portal`, the methods of [`fer_model::spec::portal`]).
//!
//! * Typed: [`Validate`] for [`EntryRequest`] («Запись на прием РПГУ») and [`VisitParams`] («Создание записи на прием к врачу»). The
//!   combinations the portal refuses with a business error are checked here: a visit needs
//!   `timeTable`, or `docGuid` with `dateTime` (V072, the portal's error 4036); `directionId` and
//!   `directionType` go together (V073, error 4033). Pointers name the JSON / query keys
//!   (`/dateTime`).
//! * Raw: [`validate_portal_raw`] for the JSON bodies of «Запись на прием РПГУ» and «Создание записи на прием в локальную МИС» and
//!   [`validate_visit_query`] for the query string of «Создание записи на прием к врачу» see what typed parsing refuses:
//!   `doctor_id` that is not two glued GUIDs (V070), `time` that is not `HH:MM` (V071),
//!   `email_confirm_agree` other than 0 or 1 (V074), wrong types, unknown keys; then the typed rules.
//!
//! Messages name the portal's own error code and text where it has one.
//!
//! ```
//! use fer_model::Guid;
//! use fer_validate::RuleCode;
//! use fer_validate::portal::validate_visit_query;
//! let lpu = Guid::from_u128(1);
//! let report = validate_visit_query(lpu, [("directionId", "14555-9984"), ("timeTable", "12d4329b-cbe3-4ca3-8cdc-0e7a8f23e0d5")]);
//! let d = report.errors().next().unwrap();
//! assert_eq!((d.code, d.pointer.as_str()), (RuleCode::PortalDirectionPair, "/directionType"));
//! assert!(d.message_ru.contains("4033"));
//! ```

use fer_model::Guid;
use fer_model::portal::{
    ClockTime, DirectionType, EntryRequest, GuidPair, GuidPairError, PortalDate, PortalErrorCode, VisitDateTime,
    VisitParams, VisitQueryError,
};
use serde_json::{Map, Value};

use crate::check::{Checker, RecordId, escape_token};
use crate::diagnostic::Subject;
use crate::records::{CheckRecord, validate_by_check};
use crate::{Report, RuleCode, Validate};

/// The portal's answer for a rule that has a portal code: ` (портал ответит ошибкой 4036: «…»)`.
fn portal_answer(code: PortalErrorCode) -> (String, String) {
    (
        format!("портал ответит ошибкой {}: «{}»", code.code(), code.message_ru()),
        format!("the portal answers error {}", code.code()),
    )
}

impl CheckRecord for EntryRequest {
    const SUBJECT: Subject = Subject::PortalEntryRequest;

    fn record_id(&self) -> RecordId<'_> {
        RecordId::None
    }

    /// `lpu_code` is mandatory («Запись на прием РПГУ», «Обязательный +»).
    fn check(&self, c: &mut Checker<'_>) {
        c.not_blank("/lpu_code", &self.lpu_code);
    }
}

impl CheckRecord for VisitParams {
    const SUBJECT: Subject = Subject::PortalVisitParams;

    fn record_id(&self) -> RecordId<'_> {
        self.time_table.map_or(RecordId::None, RecordId::Guid)
    }

    /// «Создание записи на прием к врачу»: `timeTable`, or `docGuid` with `dateTime` (4036); `directionId` with
    /// `directionType` (4033); `email_confirm_agree` counts only with an email.
    fn check(&self, c: &mut Checker<'_>) {
        if self.time_table.is_none() {
            let missing = match (self.doc_guid.is_some(), self.date_time.is_some()) {
                (true, true) => None,
                (true, false) => Some(("/dateTime", "dateTime")),
                (false, true) => Some(("/docGuid", "docGuid")),
                (false, false) => Some(("/timeTable", "timeTable (или docGuid и dateTime)")),
            };
            if let Some((pointer, name)) = missing {
                let (ru, en) = portal_answer(PortalErrorCode::VisitTargetMissing);
                c.report(
                    RuleCode::PortalVisitTarget,
                    pointer,
                    &format!("не указан {name}; {ru}"),
                    &format!("{} is missing; {en}", pointer.trim_start_matches('/')),
                );
            }
        }
        let missing = match (self.direction_id.is_some(), self.direction_type.is_some()) {
            (true, false) => Some("/directionType"),
            (false, true) => Some("/directionId"),
            _ => None,
        };
        if let Some(pointer) = missing {
            let (ru, en) = portal_answer(PortalErrorCode::DirectionIncomplete);
            let name = pointer.trim_start_matches('/');
            c.report(
                RuleCode::PortalDirectionPair,
                pointer,
                &format!("не указан {name}; {ru}"),
                &format!("{name} is missing; {en}"),
            );
        }
        if self.email_confirm_agree.is_some() && self.email.is_none() {
            c.report(
                RuleCode::PortalConfirmWithoutEmail,
                "/email_confirm_agree",
                "email не указан, согласие будет проигнорировано",
                "no email is given, so the consent is ignored",
            );
        }
    }
}

validate_by_check!(EntryRequest, VisitParams);

// ---------------------------------------------------------------------------------------------------
// Raw JSON bodies
// ---------------------------------------------------------------------------------------------------

/// A JSON body of the portal API that can be validated raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortalKind {
    /// `POST {url}/api/v2/iemk/doctors/entry` body («Запись на прием РПГУ»).
    EntryRequest,
    /// `POST /appointments` body of the local MIS («Создание записи на прием в локальную МИС»).
    AppointmentRequest,
}

impl PortalKind {
    /// The subject of its diagnostics.
    pub const fn subject(self) -> Subject {
        match self {
            PortalKind::EntryRequest => Subject::PortalEntryRequest,
            PortalKind::AppointmentRequest => Subject::PortalAppointmentRequest,
        }
    }

    /// The body's keys, in the seed's order.
    const fn keys(self) -> &'static [&'static str] {
        match self {
            PortalKind::EntryRequest => {
                &["lpu_code", "doctor_id", "day", "time", "email", "phone", "email_confirm_agree"]
            }
            PortalKind::AppointmentRequest => &["slot", "email"],
        }
    }
}

/// Validates the raw JSON body of a portal call: malformed JSON (V014), a body that is not an object
/// (V015), unknown keys (V010), wrong JSON types (V009), missing mandatory fields (V007), and per
/// field: `doctor_id` (V070), `day` (V012, V013 for the example's ISO datetime), `time` (V071),
/// `email_confirm_agree` (V074), `slot` (V001, V002); then the typed rules. Pointers are absolute
/// (`/doctor_id`).
///
/// ```
/// use fer_validate::RuleCode;
/// use fer_validate::portal::{validate_portal_raw, PortalKind};
/// let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/000/entry_request.json")).unwrap();
/// let report = validate_portal_raw(PortalKind::EntryRequest, &body);
/// assert!(!report.has_errors());
/// // The example sends `day` as an ISO datetime where the table declares YYYY-MM-DD.
/// let w = report.warnings().next().unwrap();
/// assert_eq!((w.code, w.pointer.as_str()), (RuleCode::NonDeclaredForm, "/day"));
/// ```
pub fn validate_portal_raw(kind: PortalKind, body: &[u8]) -> Report {
    let mut out = Vec::new();
    let subject = kind.subject();
    let mut c = Checker::new(subject, RecordId::None, "", &mut out);
    let root: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            c.report(
                RuleCode::MalformedJson,
                "",
                &format!("строка {}, столбец {}: {e}", e.line(), e.column()),
                &format!("line {}, column {}: {e}", e.line(), e.column()),
            );
            return Report { diagnostics: out };
        }
    };
    let Value::Object(map) = &root else {
        c.report(RuleCode::BodyShape, "", "ожидается объект JSON", "expected a JSON object");
        return Report { diagnostics: out };
    };
    for key in map.keys().filter(|k| !kind.keys().contains(&k.as_str())) {
        c.report(
            RuleCode::UnknownField,
            &format!("/{}", escape_token(key)),
            &format!("поле {key} не существует и будет проигнорировано"),
            &format!("no field {key}; it would be ignored"),
        );
    }
    match kind {
        PortalKind::EntryRequest => entry_fields(&mut c, map),
        PortalKind::AppointmentRequest => {
            if let Some(s) = string_field(&mut c, map, "slot", true) {
                crate::raw::value::guid_text(&mut c, "/slot", s);
            }
            string_field(&mut c, map, "email", false);
        }
    }
    // The typed rules, for a body without field errors (so that nothing is reported twice).
    let field_errors = out.iter().any(|d| d.severity == crate::Severity::Error);
    if kind == PortalKind::EntryRequest
        && !field_errors
        && let Ok(entry) = serde_json::from_value::<EntryRequest>(root)
    {
        out.extend(entry.validate().diagnostics);
    }
    Report { diagnostics: out }
}

fn entry_fields(c: &mut Checker<'_>, map: &Map<String, Value>) {
    string_field(c, map, "lpu_code", true);
    if let Some(s) = string_field(c, map, "doctor_id", true)
        && let Err(e) = GuidPair::parse(s)
    {
        let (ru, en) = match e {
            GuidPairError::Length(n) => (format!("{n} символов вместо 72"), format!("{n} characters instead of 72")),
            GuidPairError::Half { half, .. } => {
                let ru = if half == "first" { "первая" } else { "вторая" };
                (format!("{ru} половина не является GUID"), format!("the {half} half is not a GUID"))
            }
        };
        c.report(RuleCode::PortalDoctorId, "/doctor_id", &ru, &en);
    }
    if let Some(s) = string_field(c, map, "day", true) {
        if PortalDate::parse(s).is_err() {
            c.report(
                RuleCode::TimestampFormat,
                "/day",
                &format!("{s:?}: ожидается ГГГГ-ММ-ДД"),
                &format!("{s:?}: expected YYYY-MM-DD"),
            );
        } else if !PortalDate::is_declared_form(s) {
            c.report(
                RuleCode::NonDeclaredForm,
                "/day",
                &format!("{s:?}: принято, но объявлен формат ГГГГ-ММ-ДД"),
                &format!("{s:?}: accepted, but the declared form is YYYY-MM-DD"),
            );
        }
    }
    if let Some(s) = string_field(c, map, "time", true)
        && !ClockTime::is_declared_form(s)
    {
        c.report(
            RuleCode::PortalClockTime,
            "/time",
            &format!("{s:?}: ожидается, например, 09:00"),
            &format!("{s:?}: expected e.g. 09:00"),
        );
    }
    string_field(c, map, "email", false);
    string_field(c, map, "phone", false);
    match map.get("email_confirm_agree") {
        None | Some(Value::Null) => {}
        Some(v) if v.as_u64().is_some_and(|n| n <= 1) => {}
        Some(v) => c.report(
            RuleCode::PortalConfirmAgree,
            "/email_confirm_agree",
            &format!("получено {v}; передавайте число 0 или 1"),
            &format!("found {v}; send the number 0 or 1"),
        ),
    }
}

/// The string at `key`: reports a missing mandatory field (V007) or a wrong JSON type (V009).
fn string_field<'v>(c: &mut Checker<'_>, map: &'v Map<String, Value>, key: &str, required: bool) -> Option<&'v str> {
    let pointer = format!("/{key}");
    match map.get(key) {
        Some(Value::String(s)) => {
            if required && s.trim().is_empty() {
                c.not_blank(&pointer, s);
                None
            } else {
                Some(s)
            }
        }
        None | Some(Value::Null) => {
            if required {
                c.report(
                    RuleCode::Required,
                    &pointer,
                    &format!("{key} отсутствует; укажите значение"),
                    &format!("{key} is missing; send a value"),
                );
            }
            None
        }
        Some(other) => {
            c.report(
                RuleCode::JsonType,
                &pointer,
                &format!("ожидается строка, получено {other}"),
                &format!("expected a string, found {other}"),
            );
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The query string of seed 001
// ---------------------------------------------------------------------------------------------------

/// Validates the decoded query parameters of the visit creation («Создание записи на прием к врачу») for the LPU of the path:
/// each value's form (V001 GUIDs, V012 / V013 `dateTime`, V008 `directionType` and `fullResponse`,
/// V074 `email_confirm_agree`), unknown (V010) or repeated (V015) parameters, then the typed rules of
/// [`VisitParams`] (4036, 4033). Pointers are `/<parameter>`.
pub fn validate_visit_query<K, V>(lpu_guid: Guid, pairs: impl IntoIterator<Item = (K, V)>) -> Report
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let pairs: Vec<(K, V)> = pairs.into_iter().collect();
    let mut out = Vec::new();
    let mut c = Checker::new(Subject::PortalVisitParams, RecordId::None, "", &mut out);
    let mut each_ok = true;
    for (name, value) in &pairs {
        let (name, value) = (name.as_ref(), value.as_ref());
        let pointer = format!("/{}", escape_token(name));
        if !fer_model::portal::VISIT_QUERY_PARAMETERS.contains(&name) && name != "directionID" {
            c.report(
                RuleCode::UnknownField,
                &pointer,
                &format!("параметр {name} не существует и будет проигнорирован"),
                &format!("no parameter {name}; it would be ignored"),
            );
            continue;
        }
        // Each parameter alone, through the model's own reader.
        let Err(VisitQueryError::Invalid { name, reason }) = VisitParams::from_query(lpu_guid, [(name, value)]) else {
            if name == "dateTime" && !value.is_empty() && !VisitDateTime::is_declared_form(value) {
                c.report(
                    RuleCode::NonDeclaredForm,
                    &pointer,
                    &format!("{value:?}: принято, но объявлен формат ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ"),
                    &format!("{value:?}: accepted, but the declared form is YYYY-MM-DD HH:MM:SS.mmm"),
                );
            }
            continue;
        };
        each_ok = false;
        let (code, ru) = match name {
            "timeTable" | "docGuid" | "examGuid" => {
                (RuleCode::GuidFormat, "ожидается GUID вида 1b0aaec1-38ba-4bf2-a82c-39f90b925a78".to_owned())
            }
            "dateTime" => (RuleCode::TimestampFormat, "ожидается ГГГГ-мм-ДД ЧЧ:ММ:СС.МММ".to_owned()),
            "email_confirm_agree" => (RuleCode::PortalConfirmAgree, "передавайте 0 или 1".to_owned()),
            "directionType" => {
                (RuleCode::EnumValue, format!("допустимые значения: {}", DirectionType::WIRE_NAMES.join(", ")))
            }
            _ => (RuleCode::EnumValue, "допустимые значения: true, false".to_owned()),
        };
        c.report(code, &pointer, &ru, &reason);
    }
    if !each_ok {
        return Report { diagnostics: out };
    }
    match VisitParams::from_query(lpu_guid, pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref()))) {
        Ok(params) => out.extend(params.validate().diagnostics),
        Err(e) => {
            let pointer = match &e {
                VisitQueryError::Repeated(name) | VisitQueryError::Invalid { name, .. } => format!("/{name}"),
            };
            c.report(RuleCode::BodyShape, &pointer, &e.to_string(), &e.to_string());
        }
    }
    Report { diagnostics: out }
}

#[cfg(test)]
mod tests {
    use fer_model::portal::EmailConfirmAgree;
    use serde_json::json;

    use super::*;
    use crate::Severity;
    use crate::records::test_support::{assert_only, assert_only_as, g};

    fn entry_fixture() -> Value {
        let text =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/000/entry_request.json"))
                .unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn raw_entry(v: &Value) -> Report {
        validate_portal_raw(PortalKind::EntryRequest, &serde_json::to_vec(v).unwrap())
    }

    fn declared_entry() -> Value {
        let mut v = entry_fixture();
        v["day"] = "2022-12-08".into();
        v
    }

    #[test]
    fn the_spec_example_passes_with_one_warning() {
        let report = raw_entry(&entry_fixture());
        assert_only_as(&report, RuleCode::NonDeclaredForm, "/day", Severity::Warning);
        assert!(raw_entry(&declared_entry()).is_empty());
    }

    #[test]
    fn doctor_id_is_two_glued_guids() {
        let mut v = declared_entry();
        v["doctor_id"] = "1dadf64c-f34a-4023-98a6-3e7b7be4f243".into();
        let report = raw_entry(&v);
        assert_only(&report, RuleCode::PortalDoctorId, "/doctor_id");
        assert!(report.diagnostics[0].message_en.contains("36 characters instead of 72"));
        v["doctor_id"] = "1dadf64c-f34a-4023-98a6-3e7b7be4f243 2f171143-aa11-4248-bd42-b1cfc4c0314".into();
        assert_only(&raw_entry(&v), RuleCode::PortalDoctorId, "/doctor_id");
    }

    #[test]
    fn time_is_hh_mm() {
        for bad in ["9:00", "09:00:00", "24:00", "9 утра"] {
            let mut v = declared_entry();
            v["time"] = bad.into();
            assert_only(&raw_entry(&v), RuleCode::PortalClockTime, "/time");
        }
    }

    #[test]
    fn email_confirm_agree_is_zero_or_one() {
        for ok in [json!(0), json!(1), Value::Null] {
            let mut v = declared_entry();
            v["email_confirm_agree"] = ok;
            assert!(raw_entry(&v).is_empty());
        }
        for bad in [json!(2), json!("1"), json!(true), json!(-1)] {
            let mut v = declared_entry();
            v["email_confirm_agree"] = bad.clone();
            assert_only(&raw_entry(&v), RuleCode::PortalConfirmAgree, "/email_confirm_agree");
        }
        let report = validate_visit_query(
            g(1),
            [("timeTable", g(2).to_string()), ("email", "a@b.ru".into()), ("email_confirm_agree", "2".into())],
        );
        assert_only(&report, RuleCode::PortalConfirmAgree, "/email_confirm_agree");
    }

    #[test]
    fn raw_entry_body_problems() {
        assert_only(&validate_portal_raw(PortalKind::EntryRequest, b"{\"lpu_code\": "), RuleCode::MalformedJson, "");
        assert_only(&validate_portal_raw(PortalKind::EntryRequest, b"[]"), RuleCode::BodyShape, "");
        let mut v = declared_entry();
        v.as_object_mut().unwrap().remove("lpu_code");
        v["doctorId"] = "x".into();
        v["phone"] = json!(79995554242u64);
        let found: Vec<(RuleCode, String)> =
            raw_entry(&v).diagnostics.into_iter().map(|d| (d.code, d.pointer)).collect();
        assert_eq!(
            found,
            [
                (RuleCode::UnknownField, "/doctorId".to_owned()),
                (RuleCode::Required, "/lpu_code".to_owned()),
                (RuleCode::JsonType, "/phone".to_owned()),
            ]
        );
        let mut v = declared_entry();
        v["day"] = "08.12.2022".into();
        assert_only(&raw_entry(&v), RuleCode::TimestampFormat, "/day");
    }

    #[test]
    fn typed_entry_needs_lpu_code() {
        let mut entry: EntryRequest = serde_json::from_value(declared_entry()).unwrap();
        assert!(entry.validate().is_empty());
        entry.lpu_code = " ".into();
        assert_only(&entry.validate(), RuleCode::Required, "/lpu_code");
        let mut v = declared_entry();
        v["lpu_code"] = "".into();
        assert_only(&raw_entry(&v), RuleCode::Required, "/lpu_code");
    }

    #[test]
    fn appointment_body() {
        let body = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/spec/002/appointment_request.json"))
            .unwrap();
        assert!(validate_portal_raw(PortalKind::AppointmentRequest, &body).is_empty());
        let r =
            validate_portal_raw(PortalKind::AppointmentRequest, br#"{"slot": "766998FB-1915-4D54-A3F3-934F60125AAC"}"#);
        assert_only(&r, RuleCode::GuidNotCanonical, "/slot");
        let r = validate_portal_raw(PortalKind::AppointmentRequest, br#"{"slot": "766998fb", "email": 1}"#);
        let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
        assert_eq!(found, [(RuleCode::GuidFormat, "/slot"), (RuleCode::JsonType, "/email")]);
        assert!(r.diagnostics.iter().all(|d| d.table == Subject::PortalAppointmentRequest));
    }

    fn by_cell() -> VisitParams {
        VisitParams::by_time_table(g(1), g(2))
    }

    #[test]
    fn a_visit_needs_a_cell_or_a_doctor_and_time() {
        assert!(by_cell().validate().is_empty());
        let by_doctor = VisitParams::by_doctor(g(1), g(3), "2023-04-05 14:00:00.000".parse().unwrap());
        assert!(by_doctor.validate().is_empty());

        let none = VisitParams { time_table: None, ..by_cell() };
        let report = none.validate();
        assert_only(&report, RuleCode::PortalVisitTarget, "/timeTable");
        assert!(report.diagnostics[0].message_ru.contains("4036"));
        assert!(report.diagnostics[0].message_ru.contains(PortalErrorCode::VisitTargetMissing.message_ru()));
        assert!(report.diagnostics[0].message_en.contains("error 4036"));

        let no_time = VisitParams { date_time: None, ..by_doctor.clone() };
        assert_only(&no_time.validate(), RuleCode::PortalVisitTarget, "/dateTime");
        let no_doctor = VisitParams { doc_guid: None, ..by_doctor };
        assert_only(&no_doctor.validate(), RuleCode::PortalVisitTarget, "/docGuid");
    }

    #[test]
    fn direction_id_and_type_go_together() {
        assert!(by_cell().with_direction("7", DirectionType::Consultation).validate().is_empty());
        let only_id = VisitParams { direction_id: Some("7".into()), ..by_cell() };
        let report = only_id.validate();
        assert_only(&report, RuleCode::PortalDirectionPair, "/directionType");
        assert!(report.diagnostics[0].message_ru.contains("4033"));
        let only_type = VisitParams { direction_type: Some(DirectionType::Diagnostic), ..by_cell() };
        assert_only(&only_type.validate(), RuleCode::PortalDirectionPair, "/directionId");
    }

    #[test]
    fn consent_without_email_is_a_warning() {
        assert!(by_cell().with_email("a@b.ru", Some(EmailConfirmAgree::Yes)).validate().is_empty());
        let p = VisitParams { email_confirm_agree: Some(EmailConfirmAgree::Yes), ..by_cell() };
        assert_only_as(&p.validate(), RuleCode::PortalConfirmWithoutEmail, "/email_confirm_agree", Severity::Warning);
    }

    #[test]
    fn query_strings() {
        let cell = g(2).to_string();
        assert!(validate_visit_query(g(1), [("timeTable", cell.as_str()), ("fullResponse", "false")]).is_empty());
        assert_only(
            &validate_visit_query(g(1), [("fullResponse", "false")]),
            RuleCode::PortalVisitTarget,
            "/timeTable",
        );
        assert_only(&validate_visit_query(g(1), [("timeTable", "12")]), RuleCode::GuidFormat, "/timeTable");
        assert_only(
            &validate_visit_query(g(1), [("docGuid", cell.as_str()), ("dateTime", "05.04.2023 14:00")]),
            RuleCode::TimestampFormat,
            "/dateTime",
        );
        assert_only_as(
            &validate_visit_query(g(1), [("docGuid", cell.as_str()), ("dateTime", "2023-04-05 14:00:00")]),
            RuleCode::NonDeclaredForm,
            "/dateTime",
            Severity::Warning,
        );
        assert_only(
            &validate_visit_query(g(1), [("timeTable", cell.as_str()), ("directionType", "referral")]),
            RuleCode::EnumValue,
            "/directionType",
        );
        assert_only(
            &validate_visit_query(g(1), [("timeTable", cell.as_str()), ("utm_source", "x")]),
            RuleCode::UnknownField,
            "/utm_source",
        );
        assert_only(
            &validate_visit_query(g(1), [("timeTable", cell.as_str()), ("timeTable", cell.as_str())]),
            RuleCode::BodyShape,
            "/timeTable",
        );
        let r = validate_visit_query(g(1), [("timeTable", cell.as_str()), ("directionID", "7")]);
        assert_only(&r, RuleCode::PortalDirectionPair, "/directionType");
        assert!(r.diagnostics.iter().all(|d| d.table == Subject::PortalVisitParams));
    }

    #[test]
    fn garbage_never_panics_and_never_vanishes() {
        let bodies: [&[u8]; 8] = [
            b"",
            b"\xff\xfe",
            b"null",
            b"{\"doctor_id\": \"\xd1\x8f\"}",
            br#"{"doctor_id": 1e400}"#,
            br#"{"time": ["09:00"], "day": {}, "email_confirm_agree": 1.5}"#,
            br#"{"slot": null, "email": null}"#,
            br#"{"~/": 1}"#,
        ];
        for body in bodies {
            for kind in [PortalKind::EntryRequest, PortalKind::AppointmentRequest] {
                assert!(validate_portal_raw(kind, body).has_errors(), "{kind:?} {body:?}");
            }
        }
        let r = validate_portal_raw(
            PortalKind::AppointmentRequest,
            br#"{"~/": 1, "slot": "766998fb-1915-4d54-a3f3-934f60125aac"}"#,
        );
        assert_only(&r, RuleCode::UnknownField, "/~0~1");
        let long = "я".repeat(10_000);
        assert!(validate_visit_query(g(1), [("dateTime", long.as_str()), ("timeTable", long.as_str())]).has_errors());
    }

    #[test]
    fn the_patients_email_never_reaches_a_message() {
        let r = validate_visit_query(g(1), [("email", "secret@mail.ru"), ("email", "secret@mail.ru")]);
        assert!(r.diagnostics.iter().all(|d| !d.message_ru.contains("secret") && !d.message_en.contains("secret")));
    }
}
