//! Raw JSON rules: each with a valid body that passes and an invalid one that yields exactly that
//! code at that pointer.

use fer_model::Table;
use fer_validate::{RawKind, Report, RuleCode, Severity, validate_raw, validate_raw_dto};
use serde_json::{Value, json};

fn slot() -> Value {
    json!({
        "id": "aaaaaaa1-5eff-49b8-9d07-ff2486162b3f",
        "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72",
        "tag_type": "EPGU,REGISTRY",
        "tag_age": "ALL",
        "visit_time": "2024-03-28T05:00:00",
        "duration": 20,
        "create_ts": "2023-10-01T09:00:00",
        "status": "AVAILABLE"
    })
}

fn specialist() -> Value {
    json!({
        "id": "436b6461-effb-4f3c-ad6f-27f4b2c3e578",
        "type": "SPECIALIST",
        "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "enabled": "ALL",
        "create_ts": "2023-10-01T09:00:00",
        "post_id": "109",
        "speciality_id": "27",
        "snils": "11223344595",
        "last_name": "Иванова",
        "first_name": "Анна"
    })
}

fn referral() -> Value {
    json!({
        "id": "5b1c7a4e-6d0a-4c1e-9a39-2f3f2b9a7c11",
        "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "number": "НПР-000001",
        "type": "RESEARCH",
        "start_date": "2026-11-01T00:00:00",
        "to_mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "to_profile_code": "29",
        "to_service_id": "A06.09.006",
        "to_service_name": "Рентгенография легких",
        "from_mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "from_resource_id": "436b6461-effb-4f3c-ad6f-27f4b2c3e578",
        "status": "AVAILABLE",
        "create_ts": "2026-11-01T09:00:00",
        "referral_type_code": "2",
        "to_mo_oid": "1.2.643.5.1.13.13.12.2.86.8916",
        "from_mo_oid": "1.2.643.5.1.13.13.12.2.86.8916"
    })
}

fn body(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "data": records })).unwrap()
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

#[track_caller]
fn only(report: &Report, code: RuleCode, pointer: &str) {
    let found: Vec<(RuleCode, &str)> = report.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(found, [(code, pointer)], "{report:#?}");
}

#[track_caller]
fn slot_only(record: Value, code: RuleCode, pointer: &str) {
    // Record 0 is a valid slot of another resource, so that record 1's pointers show the index.
    let first = with(
        with(slot(), "id", json!("00000000-5eff-49b8-9d07-ff2486162b3f")),
        "resource_id",
        json!("00000000-7c9e-4564-a8b4-29aff7adfe72"),
    );
    only(&validate_raw(Table::Slot, &body(&[first, record])), code, pointer);
}

#[test]
fn valid_bodies_pass() {
    assert!(validate_raw(Table::Slot, &body(&[slot()])).is_empty());
    assert!(validate_raw(Table::Resource, &body(&[specialist()])).is_empty());
    assert!(validate_raw(Table::Referral, &body(&[referral()])).is_empty());
    // A bare array is accepted; pointers then start at the index.
    let bare = serde_json::to_vec(&json!([slot(), with(slot(), "duration", json!(0))])).unwrap();
    let r = validate_raw(Table::Slot, &bare);
    assert!(r.diagnostics.iter().any(|d| d.pointer == "/1/duration" && d.code == RuleCode::DurationRange));
}

#[test]
fn guid_format_and_case() {
    let other = "bbbbbbb1-5eff-49b8-9d07-ff2486162b3f";
    slot_only(with(slot(), "id", json!("not-a-guid")), RuleCode::GuidFormat, "/data/1/id");
    slot_only(with(slot(), "id", json!(other.to_uppercase())), RuleCode::GuidNotCanonical, "/data/1/id");
    slot_only(with(slot(), "id", json!(format!(" {other}"))), RuleCode::GuidNotCanonical, "/data/1/id");
    let r = validate_raw(Table::Slot, &body(&[with(slot(), "mo_id", json!("AB7CBC4B-2E68-40D2-881B-6F957B044818"))]));
    only(&r, RuleCode::GuidNotCanonical, "/data/0/mo_id");
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
}

#[test]
fn oid_format() {
    let r = validate_raw(Table::Referral, &body(&[with(referral(), "to_mo_oid", json!("1.2..643"))]));
    only(&r, RuleCode::OidFormat, "/data/0/to_mo_oid");
}

#[test]
fn snils_format_and_checksum() {
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "snils", json!("1122334459"))]));
    only(&r, RuleCode::SnilsFormat, "/data/0/snils");
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "snils", json!("11223344596"))]));
    only(&r, RuleCode::SnilsChecksum, "/data/0/snils");
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "snils", json!("112-233-445 95"))]));
    only(&r, RuleCode::NonDeclaredForm, "/data/0/snils");
}

#[test]
fn lengths_and_blanks_run_on_parsed_records() {
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "last_name", json!("я".repeat(513)))]));
    only(&r, RuleCode::TooLong, "/data/0/last_name");
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "first_name", json!(""))]));
    only(&r, RuleCode::Required, "/data/0/first_name");
}

#[test]
fn lengths_are_checked_on_records_that_do_not_parse() {
    let bad = with(with(specialist(), "enabled", json!("SOME")), "last_name", json!("я".repeat(513)));
    let r = validate_raw(Table::Resource, &body(&[bad]));
    let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(found, [(RuleCode::EnumValue, "/data/0/enabled"), (RuleCode::TooLong, "/data/0/last_name")]);
}

#[test]
fn required_fields() {
    slot_only(without(slot(), "status"), RuleCode::Required, "/data/1/status");
    slot_only(with(slot(), "status", Value::Null), RuleCode::Required, "/data/1/status");
}

#[test]
fn enum_values() {
    slot_only(with(slot(), "status", json!("FREE")), RuleCode::EnumValue, "/data/1/status");
    slot_only(with(slot(), "tag_age", json!("adult")), RuleCode::EnumValue, "/data/1/tag_age");
    slot_only(with(slot(), "tag_type", json!("EPGU,SOMETHING")), RuleCode::EnumValue, "/data/1/tag_type");
}

#[test]
fn wrong_json_types() {
    slot_only(with(slot(), "status", json!(1)), RuleCode::JsonType, "/data/1/status");
    slot_only(with(slot(), "visit_time", json!(20240328)), RuleCode::JsonType, "/data/1/visit_time");
    slot_only(with(slot(), "duration", json!(20.5)), RuleCode::JsonType, "/data/1/duration");
    slot_only(with(slot(), "duration", json!("twenty")), RuleCode::JsonType, "/data/1/duration");
    let r = validate_raw(Table::Slot, &body(&[json!("a slot")]));
    only(&r, RuleCode::BodyShape, "/data/0");
}

#[test]
fn unknown_fields_suggest_the_close_name() {
    let r = validate_raw(Table::Slot, &body(&[with(slot(), "visit_tme", json!("2024-03-28T05:00:00"))]));
    only(&r, RuleCode::UnknownField, "/data/0/visit_tme");
    assert!(r.diagnostics[0].message_en.contains("did you mean visit_time?"), "{}", r.diagnostics[0].message_en);
    // A misspelled required field also leaves the real one missing.
    let r = validate_raw(Table::Slot, &body(&[with(without(slot(), "status"), "stauts", json!("AVAILABLE"))]));
    let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(found, [(RuleCode::UnknownField, "/data/0/stauts"), (RuleCode::Required, "/data/0/status")]);
    // Pointer tokens are escaped (RFC 6901).
    let r = validate_raw(Table::Slot, &body(&[with(slot(), "a/b", json!(1))]));
    only(&r, RuleCode::UnknownField, "/data/0/a~1b");
}

#[test]
fn known_alias_is_a_warning() {
    let v = with(without(referral(), "from_mo_id"), "from_mo _id", json!("ab7cbc4b-2e68-40d2-881b-6f957b044818"));
    let r = validate_raw(Table::Referral, &body(&[v]));
    only(&r, RuleCode::AliasField, "/data/0/from_mo _id");
    assert_eq!(r.diagnostics[0].severity, Severity::Warning);
}

#[test]
fn timestamps() {
    slot_only(with(slot(), "visit_time", json!("2024-03-28")), RuleCode::TimestampFormat, "/data/1/visit_time");
    slot_only(
        with(slot(), "visit_time", json!("2024-02-30T05:00:00")),
        RuleCode::TimestampFormat,
        "/data/1/visit_time",
    );
    slot_only(
        with(slot(), "visit_time", json!("28.03.2024 05:00:00")),
        RuleCode::NonDeclaredForm,
        "/data/1/visit_time",
    );
}

#[test]
fn malformed_json_names_line_and_column() {
    let r = validate_raw(Table::Slot, b"{\"data\": [\n  {\"id\": }\n]}");
    only(&r, RuleCode::MalformedJson, "");
    assert!(r.diagnostics[0].message_en.contains("line 2"), "{}", r.diagnostics[0].message_en);
    only(&validate_raw(Table::Slot, b""), RuleCode::MalformedJson, "");
}

#[test]
fn a_body_that_is_not_utf8_names_line_and_column() {
    let r = validate_raw(Table::Slot, b"{\"data\": [\n  {\"id\": \"\xff\"}]}");
    only(&r, RuleCode::MalformedJson, "");
    assert!(r.diagnostics[0].message_en.contains("line 2, column 11: not UTF-8"), "{}", r.diagnostics[0].message_en);
    only(&validate_raw_dto(RawKind::CancelRequest, b"\xc3"), RuleCode::MalformedJson, "");
}

#[test]
fn a_repeated_key_is_checked_twice_and_refused_by_the_model() {
    // Both values are checked; the typed parse refuses the record ("duplicate field"), with the
    // record's pointer and without serde_json's position inside the record.
    let text = serde_json::to_string(&slot()).unwrap();
    let repeated = text.replacen("\"tag_age\":\"ALL\"", "\"tag_age\":\"ALL\",\"tag_age\":\"OLD\"", 1);
    assert_ne!(repeated, text);
    let r = validate_raw(Table::Slot, format!("{{\"data\": [{repeated}]}}").as_bytes());
    let found: Vec<_> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(found, [(RuleCode::EnumValue, "/data/0/tag_age")], "{r:?}");
    let repeated_ok = text.replacen("\"tag_age\":\"ALL\"", "\"tag_age\":\"ALL\",\"tag_age\":\"ALL\"", 1);
    let r = validate_raw(Table::Slot, format!("[{repeated_ok}]").as_bytes());
    only(&r, RuleCode::Unparsable, "/0");
    let message = &r.diagnostics[0].message_en;
    assert!(message.contains("duplicate field `tag_age`") && !message.contains(" at line "), "{message}");
}

#[test]
fn body_shape() {
    only(&validate_raw(Table::Slot, br#"{"items": []}"#), RuleCode::BodyShape, "");
    only(&validate_raw(Table::Slot, br#"{"data": {}}"#), RuleCode::BodyShape, "/data");
    only(&validate_raw(Table::Slot, br#"{"data": [], "extra": 1}"#), RuleCode::UnknownField, "/extra");
    only(&validate_raw(Table::Slot, b"42"), RuleCode::BodyShape, "");
    // A repeated `data`: the last one counts, as a JSON object reads.
    assert!(validate_raw(Table::Slot, br#"{"data": 1, "data": []}"#).is_empty());
    only(&validate_raw(Table::Slot, br#"{"data": [], "data": 1}"#), RuleCode::BodyShape, "/data");
}

#[test]
fn service_fields_are_warned() {
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "post_name", json!("врач-терапевт"))]));
    only(&r, RuleCode::ServiceField, "/data/0/post_name");
    assert_eq!(r.diagnostics[0].severity, Severity::Warning);
    slot_only(with(slot(), "update_ts", json!("2023-10-01T09:00:00")), RuleCode::ServiceField, "/data/1/update_ts");
}

#[test]
fn resource_fields_by_type() {
    let r = validate_raw(Table::Resource, &body(&[without(specialist(), "snils")]));
    only(&r, RuleCode::ConditionalRequired, "/data/0/snils");
    let r = validate_raw(Table::Resource, &body(&[with(specialist(), "room_number", json!("101"))]));
    only(&r, RuleCode::ConditionalForbidden, "/data/0/room_number");
    let machine = json!({"id": "436b6461-effb-4f3c-ad6f-27f4b2c3e578", "type": "MACHINE",
        "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818", "enabled": "ALL", "create_ts": "2023-10-01T09:00:00",
        "machine_name": "Рентген"});
    assert!(validate_raw(Table::Resource, &body(std::slice::from_ref(&machine))).is_empty());
    only(
        &validate_raw(Table::Resource, &body(&[without(machine.clone(), "machine_name")])),
        RuleCode::ConditionalRequired,
        "/data/0/machine_name",
    );
    let room = with(with(without(machine, "machine_name"), "type", json!("ROOM")), "room_number", json!("101"));
    only(&validate_raw(Table::Resource, &body(&[room])), RuleCode::ConditionalRequired, "/data/0/room_name");
}

#[test]
fn referral_fields_by_type() {
    let r = validate_raw(Table::Referral, &body(&[without(referral(), "to_service_id")]));
    only(&r, RuleCode::ConditionalRequired, "/data/0/to_service_id");
    // Table 8 never says the other type's fields must be absent: accepted, with a warning.
    let r = validate_raw(Table::Referral, &body(&[with(referral(), "to_post_name", json!("врач"))]));
    only(&r, RuleCode::ReferralOtherTypeField, "/data/0/to_post_name");
    assert!(!r.has_errors(), "{r:#?}");
    let consultation = with(
        with(without(without(referral(), "to_service_id"), "to_service_name"), "type", json!("CONSULTATION")),
        "speciality_id",
        json!("27"),
    );
    only(&validate_raw(Table::Referral, &body(&[consultation])), RuleCode::ConditionalRequired, "/data/0/to_post_name");
}

#[test]
fn mo_tag_age_never_baby() {
    let mo = json!({"id": "1b0aaec1-38ba-4bf2-a82c-39f90b925a78", "parent_id": "1.2.643.5.1.13.13.12.2.86.8916",
        "name": "Тестовая МО", "address": "г. Нефтеюганск", "enabled": "ALL", "create_ts": "2023-10-20T08:00:00",
        "branch_oid": "1.2.643.5.1.13.13.12.2.86.8964.0.163227", "tag_age": "ADULT"});
    assert!(validate_raw(Table::Mo, &body(std::slice::from_ref(&mo))).is_empty());
    only(
        &validate_raw(Table::Mo, &body(&[with(mo, "tag_age", json!("BABY"))])),
        RuleCode::MoTagAgeBaby,
        "/data/0/tag_age",
    );
}

#[test]
fn tag_type_empty_and_repeated() {
    slot_only(with(slot(), "tag_type", json!("")), RuleCode::TagTypeEmpty, "/data/1/tag_type");
    slot_only(with(slot(), "tag_type", json!("EPGU, EPGU")), RuleCode::TagTypeRepeat, "/data/1/tag_type");
}

#[test]
fn typed_and_batch_rules_map_back_to_body_indices() {
    // Record 1 does not parse; the duplicate of record 0 is record 2 in the body.
    let dup_time = with(slot(), "id", json!("ccccccc1-5eff-49b8-9d07-ff2486162b3f"));
    let r = validate_raw(Table::Slot, &body(&[slot(), with(slot(), "status", json!("FREE")), dup_time]));
    let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(found, [(RuleCode::EnumValue, "/data/1/status"), (RuleCode::R330, "/data/2/visit_time")]);
}

#[test]
fn dto_rules() {
    let mut req: Value =
        serde_json::from_slice(&fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, "booking_request.json"))
            .unwrap();
    req["patient_data_rrp"]["snils"] = Value::Null;
    let ok = serde_json::to_vec(&req).unwrap();
    assert!(validate_raw_dto(RawKind::BookingRequest, &ok).is_empty());
    let mut bad = req.clone();
    bad["patient_data_rrp"]["gender"] = json!("3");
    only(
        &validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&bad).unwrap()),
        RuleCode::EnumValue,
        "/patient_data_rrp/gender",
    );
    let mut bad = req.clone();
    bad["patient_data_rrp"]["gender"] = json!(2);
    only(
        &validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&bad).unwrap()),
        RuleCode::JsonType,
        "/patient_data_rrp/gender",
    );
    let mut bad = req.clone();
    bad["booking_type"] = json!("VACCINATION");
    let r = validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&bad).unwrap());
    let found: Vec<(RuleCode, &str)> = r.diagnostics.iter().map(|d| (d.code, d.pointer.as_str())).collect();
    assert_eq!(
        found,
        [(RuleCode::ConditionalRequired, "/service_id"), (RuleCode::ConditionalRequired, "/dictionary_nsi_code")]
    );
    // Inbound: an unknown field and an upper-case GUID are warnings, not errors.
    let mut extra = req.clone();
    extra["new_field"] = json!(1);
    extra["slot_id"] = json!("B10902D0-E331-11ED-8D9E-60123C4747D1");
    let r = validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&extra).unwrap());
    assert!(!r.has_errors(), "{r:#?}");
    assert_eq!(r.warnings().count(), 2);
    let mut bad = req;
    bad["patient_data_rrp"]["birthdate"] = json!("10/10/1999");
    only(
        &validate_raw_dto(RawKind::BookingRequest, &serde_json::to_vec(&bad).unwrap()),
        RuleCode::TimestampFormat,
        "/patient_data_rrp/birthdate",
    );
}

#[test]
fn callback_dto() {
    assert!(validate_raw_dto(RawKind::Callback, br#"{"address": "https://mis.example.ru/fer"}"#).is_empty());
    only(
        &validate_raw_dto(RawKind::Callback, br#"{"address": "mis.example.ru"}"#),
        RuleCode::CallbackAddress,
        "/address",
    );
    only(
        &validate_raw_dto(RawKind::Callback, br#"{"address": "https://x.ru", "depart_oid": "x"}"#),
        RuleCode::OidFormat,
        "/depart_oid",
    );
    // Outbound: an unknown field is an error.
    let r = validate_raw_dto(RawKind::Callback, br#"{"address": "https://x.ru", "adress": "y"}"#);
    only(&r, RuleCode::UnknownField, "/adress");
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
}

#[test]
fn booking_response_rules() {
    let rejected = br#"{"book_ext_id": null, "status": {"status_code": 11, "status_message": "busy"}}"#;
    assert!(validate_raw_dto(RawKind::BookingResponse, rejected).is_empty());
    let bad_time =
        br#"{"book_ext_id": "00000000-0000-0001-0000-000001017307", "slot_id": "ac46c807-9d59-4f56-b30c-2d165ab21753",
        "visit_time": "2022-12-14T08:00:00", "duration": "40", "status": {"status_code": 0}}"#;
    only(&validate_raw_dto(RawKind::BookingResponse, bad_time), RuleCode::TimestampFormat, "/visit_time");
    let bad_code = br#"{"status": {"status_code": 16}}"#;
    only(&validate_raw_dto(RawKind::BookingResponse, bad_code), RuleCode::EnumValue, "/status/status_code");
    only(&validate_raw_dto(RawKind::CancelResponse, br#"{"status": {}}"#), RuleCode::Required, "/status/status_code");
}

#[test]
fn what_only_the_model_refuses_is_still_reported() {
    // Every field is well-formed, but a success (code 0) without the booking's details does not
    // parse: reported as V017 with the model's reason, never dropped.
    let r = validate_raw_dto(RawKind::BookingResponse, br#"{"status": {"status_code": 0}}"#);
    only(&r, RuleCode::Unparsable, "");
    assert_eq!(r.diagnostics[0].severity, Severity::Error);
    let ok =
        br#"{"book_ext_id": "00000000-0000-0001-0000-000001017307", "slot_id": "ac46c807-9d59-4f56-b30c-2d165ab21753",
        "visit_time": "2022-12-14T08:00:00+05:00", "duration": "40", "status": {"status_code": 0}}"#;
    assert!(validate_raw_dto(RawKind::BookingResponse, ok).is_empty());
}

#[test]
fn rfc3339_offsets_and_fractions_are_accepted_where_the_tables_say_rfc3339() {
    // create_ts, start_date, end_date, beg_date: «ФОРМАТ RFC3339 (ISO8601)»: accepted, not the declared form.
    for ts in ["2023-10-01T09:00:00+05:00", "2023-10-01T09:00:00.250Z", "2023-10-01T09:00:00.5"] {
        let r = validate_raw(Table::Slot, &body(&[with(slot(), "create_ts", json!(ts))]));
        only(&r, RuleCode::NonDeclaredForm, "/data/0/create_ts");
        assert!(!r.has_errors(), "{ts}: {r:#?}");
        let r = validate_raw(Table::Referral, &body(&[with(referral(), "start_date", json!(ts))]));
        only(&r, RuleCode::NonDeclaredForm, "/data/0/start_date");
    }
    // visit_time is declared without RFC 3339: an offset is refused, a fraction only warned.
    slot_only(
        with(slot(), "visit_time", json!("2024-03-28T05:00:00+05:00")),
        RuleCode::TimestampFormat,
        "/data/1/visit_time",
    );
    slot_only(
        with(slot(), "visit_time", json!("2024-03-28T05:00:00.0")),
        RuleCode::NonDeclaredForm,
        "/data/1/visit_time",
    );
}
