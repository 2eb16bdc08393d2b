//! Every valid example of the spec produces no errors; the invalid ones produce exactly the codes
//! the Vitrina answers with (fixtures/spec/004, see its README for the quirks).

use fer_model::Table;
use fer_validate::{RawKind, Report, RuleCode, Severity, validate_raw, validate_raw_dto};

fn fixture(name: &str) -> Vec<u8> {
    fer_testkit::fixture::bytes(fer_testkit::Doc::Vitrina, name)
}

fn found(report: &Report, severity: Severity) -> Vec<(&'static str, &str)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .map(|d| (d.code.as_str(), d.pointer.as_str()))
        .collect()
}

#[test]
fn mo_example_warns_about_its_quirks_only() {
    let report = validate_raw(Table::Mo, &fixture("mo_batch_duplicate_name.json"));
    assert_eq!(found(&report, Severity::Error), []);
    let mut warnings = found(&report, Severity::Warning);
    warnings.sort();
    assert_eq!(
        warnings,
        [
            ("V013", "/data/0/create_ts"), // "20.10.2023 08:00:00"
            ("V016", "/data/0/update_ts"), // set by the service
            ("V034", "/data/0/tag_age"),   // mandatory in the table, absent from the example
        ]
    );
}

#[test]
fn slot_example_with_repeated_id_is_r310() {
    let report = validate_raw(Table::Slot, &fixture("slot_batch_duplicate_id.json"));
    assert_eq!(found(&report, Severity::Error), [("R-310", "/data/1/id")]);
    let d = report.errors().next().unwrap();
    assert_eq!(d.record_id.as_deref(), Some("aaaaaaa1-5eff-49b8-9d07-ff2486162b3f"));
    assert_eq!(d.table.as_str(), "slot");
}

#[test]
fn slot_example_for_duplicate_time_is_itself_valid() {
    let report = validate_raw(Table::Slot, &fixture("slot_batch_duplicate_time.json"));
    assert!(!report.has_errors(), "{report:#?}");
    let mut warnings = found(&report, Severity::Warning);
    warnings.sort();
    assert_eq!(warnings, [("V013", "/data/0/create_ts"), ("V013", "/data/0/duration")]);
}

#[test]
fn booking_request_example_only_warns_about_its_snils() {
    let report = validate_raw_dto(RawKind::BookingRequest, &fixture("booking_request.json"));
    assert_eq!(found(&report, Severity::Error), []);
    assert_eq!(found(&report, Severity::Warning), [("V005", "/patient_data_rrp/snils")]);
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains("11147535028"), "no SNILS in diagnostics");
}

#[test]
fn booking_response_and_cancel_examples_are_valid() {
    let r = validate_raw_dto(RawKind::BookingResponse, &fixture("booking_response.json"));
    assert!(r.is_empty(), "{r:#?}");
    let r = validate_raw_dto(RawKind::CancelRequest, &fixture("cancel_request.json"));
    assert!(r.is_empty(), "{r:#?}");
    for f in ["cancel_response_ok.json", "cancel_response_already_cancelled.json"] {
        // The examples spell the key status_сode with a Cyrillic с: accepted, warned.
        let r = validate_raw_dto(RawKind::CancelResponse, &fixture(f));
        assert_eq!(found(&r, Severity::Error), []);
        assert_eq!(found(&r, Severity::Warning), [("V011", "/status/status_сode")]);
    }
}

#[test]
fn diagnostics_serialize_in_the_cli_format() {
    let report = validate_raw(Table::Slot, &fixture("slot_batch_duplicate_id.json"));
    let json: serde_json::Value = serde_json::to_value(report.errors().next().unwrap()).unwrap();
    let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["table", "record_id", "pointer", "code", "severity", "message_ru", "message_en"]);
    assert_eq!(json["code"], "R-310");
    assert_eq!(json["severity"], "error");
    assert_eq!(RuleCode::R310.as_str(), "R-310");
}
