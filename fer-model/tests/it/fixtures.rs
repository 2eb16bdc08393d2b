//! Every JSON example of the Vitrina integration profile (`fixtures/spec/004/`) parses into the typed model, and re-emitting
//! it gives the same document field by field, up to the quirks `fer_model::spec::quirks` lists (and only those).

use std::path::PathBuf;

use fer_model::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

fn fixture_path(name: &str) -> PathBuf {
    fer_testkit::fixture::path(fer_testkit::Doc::Vitrina, name)
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Keys that hold a table timestamp.
const TIMESTAMP_KEYS: &[&str] = &["create_ts", "visit_time", "start_date", "end_date", "beg_date"];

/// The documented normalisation, written independently of the crate: what the original must turn
/// into for the emitted document to be "the same".
fn normalize(v: &Value, in_table: bool) -> Value {
    normalize_in(v, in_table, "")
}

fn normalize_in(v: &Value, in_table: bool, parent: &str) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                // Fields set by the service are never sent.
                if k == "update_ts" || k == "post_name" {
                    continue;
                }
                // Status key spellings.
                let key = match k.as_str() {
                    "status_сode" | "statusCode" if parent == "status" => "status_code",
                    "statusMessage" if parent == "status" => "status_message",
                    "from_mo _id" => "from_mo_id",
                    other => other,
                };
                let value = match (key, v) {
                    (k, Value::String(s)) if in_table && TIMESTAMP_KEYS.contains(&k) => Value::String(canonical_ts(s)),
                    // Tables declare duration as an integer.
                    ("duration", Value::String(s)) if in_table => Value::from(s.trim().parse::<u64>().unwrap()),
                    ("birthdate", Value::String(s)) => Value::String(canonical_ts(s)),
                    // Ids with stray spaces are trimmed.
                    ("id" | "username" | "patient_id", Value::String(s)) => Value::String(s.trim().to_owned()),
                    (_, v) => normalize_in(v, in_table, k),
                };
                out.insert(key.to_owned(), value);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|v| normalize_in(v, in_table, parent)).collect()),
        other => other.clone(),
    }
}

/// `2023-10-01 09:00:00` and `20.10.2023 08:00:00` to `YYYY-MM-DDTHH:MI:SS`.
fn canonical_ts(s: &str) -> String {
    let s = s.trim();
    if s.as_bytes().get(2) == Some(&b'.') {
        format!("{}-{}-{}T{}", &s[6..10], &s[3..5], &s[0..2], &s[11..])
    } else {
        s.replacen(' ', "T", 1)
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str, in_table: bool) -> T {
    let original = load(name);
    let typed: T = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let emitted = serde_json::to_value(&typed).unwrap();
    let mut problems = Vec::new();
    crate::common::diff("", &normalize(&original, in_table), &emitted, &mut problems);
    assert!(problems.is_empty(), "{name} does not round-trip:\n{}", problems.join("\n"));
    // And the emitted form parses back to the same value.
    let again: T = serde_json::from_value(emitted.clone()).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), emitted, "{name}: second round trip differs");
    typed
}

#[test]
fn auth_request() {
    let r: AuthRequest = round_trip("auth_request.json", false);
    assert_eq!(r.username.as_str(), "1.2.643.5.1.13.13.12.2.86.8902");
    assert_eq!(r.password.expose(), "E837EE78350021618250663B60EF58**");
}

#[test]
fn auth_response() {
    let r: AuthResponse = round_trip("auth_response.json", false);
    assert!(r.is_success);
    assert_eq!(r.status_code, 200);
    assert_eq!(r.result.unwrap().valid_to.to_rfc3339(), "2019-10-08T19:12:19+00:00");
}

#[test]
fn mo_batch() {
    let b: Batch<Mo> = round_trip("mo_batch_duplicate_name.json", true);
    let mo = &b.data[0];
    assert_eq!(mo.enabled, Enabled::None);
    assert_eq!(mo.create_ts.to_string(), "2023-10-20T08:00:00");
    assert_eq!(mo.branch_oid.as_str(), "1.2.643.5.1.13.13.12.2.86.8964.0.163227");
    assert!(!serde_json::to_string(mo).unwrap().contains("update_ts"));
}

#[test]
fn slot_batches() {
    let b: Batch<Slot> = round_trip("slot_batch_duplicate_id.json", true);
    assert_eq!(b.data.len(), 2);
    assert_eq!(b.data[0].id, b.data[1].id);
    assert_eq!(b.data[0].tag_type, TagTypes::only(TagType::Epgu));
    let b: Batch<Slot> = round_trip("slot_batch_duplicate_time.json", true);
    assert_eq!(b.data[0].duration, DurationMinutes(20));
}

#[test]
fn envelopes() {
    for name in
        ["mo_duplicate_name_response.json", "slot_duplicate_id_response.json", "slot_duplicate_time_response.json"]
    {
        let r: VitrinaResponse = round_trip(name, false);
        assert_eq!(r.status_code, 422);
        assert!(!r.is_success);
        assert_eq!(r.error.as_ref().unwrap().error_code, ErrorCode::R310, "{name}");
        assert_eq!(r.errors.as_ref().unwrap().len(), 1, "{name}");
    }
    let r: VitrinaResponse = round_trip("mo_duplicate_name_response.json", false);
    assert_eq!(r.errors.unwrap()[0].error_code, ErrorCode::R330);
    assert_eq!(r.sended_guids_to_contact_center, None);
    // The R-310 example lists the repeated id as both accepted and refused.
    let r: VitrinaResponse = round_trip("slot_duplicate_id_response.json", false);
    assert_eq!(r.sended_guids.len(), 1);
    assert_eq!(r.errors.unwrap()[0].id.as_deref(), Some(r.sended_guids[0].to_string().as_str()));
}

#[test]
fn booking_request() {
    let r: BookingRequest = round_trip("booking_request.json", false);
    assert_eq!(r.patient_data_rrp.gender, Some(GenderCode::Known(Gender::Female)));
    assert_eq!(r.patient_data_rrp.birthdate.unwrap().expose().date().to_string(), "1999-10-10");
    assert!(!r.preliminary_reservation);
    assert_eq!(r.referral_id, None);
}

#[test]
fn booking_response() {
    let r: BookingResponse = round_trip("booking_response.json", false);
    let BookingResponse::Confirmed(c) = r else { panic!("expected a confirmation") };
    assert_eq!(c.book_ext_id.to_string(), "00000000-0000-0001-0000-000001017307");
    assert_eq!(c.duration.minutes(), 40);
}

#[test]
fn cancel_request() {
    let r: CancelRequest = round_trip("cancel_request.json", false);
    assert_eq!(r.book_ext_id.to_string(), "597bc82e-88a5-4be5-8bd2-51a54312dbef");
}

#[test]
fn cancel_responses_with_cyrillic_key() {
    let ok: CancelResponse = round_trip("cancel_response_ok.json", false);
    assert_eq!(ok.status.code, CancelStatusCode::Success);
    assert_eq!(ok.status.message.as_deref(), Some("Вы отменили своё заявление"));
    let done: CancelResponse = round_trip("cancel_response_already_cancelled.json", false);
    assert_eq!(done.status.code, CancelStatusCode::AlreadyCanceled);
}

#[test]
fn every_004_fixture_is_covered() {
    let covered = [
        "auth_request.json",
        "auth_response.json",
        "mo_batch_duplicate_name.json",
        "mo_duplicate_name_response.json",
        "slot_batch_duplicate_id.json",
        "slot_duplicate_id_response.json",
        "slot_batch_duplicate_time.json",
        "slot_duplicate_time_response.json",
        "booking_request.json",
        "booking_response.json",
        "cancel_request.json",
        "cancel_response_ok.json",
        "cancel_response_already_cancelled.json",
        "status_texts.json", // not a message: read by `every_text_is_the_profiles_own`
    ];
    for entry in std::fs::read_dir(fixture_path("")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(covered.contains(&name.as_str()), "fixture {name} has no round-trip test");
        }
    }
}

#[test]
fn raw_examples_that_are_not_json_fail_with_a_clear_error() {
    // The cancel example as printed uses «guillemets»: a clear parse error, not a panic.
    let raw = std::fs::read_to_string(fixture_path("cancel_request.raw.txt")).unwrap();
    let start = raw.find('{').unwrap();
    let err = serde_json::from_str::<CancelRequest>(&raw[start..]).unwrap_err();
    assert!(err.is_syntax(), "{err}");
}

#[test]
fn status_key_spellings_are_all_accepted() {
    for key in ["status_code", "status_сode", "statusCode"] {
        let json = format!(r#"{{"book_ext_id":null,"status":{{"{key}":18,"statusMessage":"x"}}}}"#);
        let r: CancelResponse = serde_json::from_str(&json).unwrap();
        assert_eq!(r.status.code, CancelStatusCode::TechnicalError, "{key}");
        assert_eq!(r.status.message.as_deref(), Some("x"));
    }
}

#[test]
fn envelope_error_key_cases_are_accepted() {
    let json = r#"{"isSuccess":false,"error":{"ErrorMessage":"m","ErrorCode":"R-330"},
        "errors":[{"id":"x","ErrorMessage":"m2","ErrorCode":"R-999"}],"sendedGuids":null,"statusCode":422}"#;
    let r: VitrinaResponse = serde_json::from_str(json).unwrap();
    assert_eq!(r.error.unwrap().error_code, ErrorCode::R330);
    assert_eq!(r.errors.unwrap()[0].error_code, ErrorCode::Other("R-999".into()));
    assert!(r.sended_guids.is_empty());
}

#[test]
fn envelope_keys_are_read_in_pascal_case_too_result_included() {
    let json = r#"{"Result":{"id":"x"},"IsSuccess":true,"Error":null,"Errors":null,
        "SendedGuids":["aaaaaaa1-5eff-49b8-9d07-ff2486162b3f"],"StatusCode":200}"#;
    let r: VitrinaResponse = serde_json::from_str(json).unwrap();
    assert_eq!(r.result, Some(serde_json::json!({"id": "x"})));
    assert!(r.is_success);
    assert_eq!((r.sended_guids.len(), r.status_code), (1, 200));
}

#[test]
fn a_get_answer_written_with_rfc3339_offsets_decodes() {
    let json = r#"{"result": {"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "resource_id":"1919135c-7c9e-4564-a8b4-29aff7adfe72","tag_type":"EPGU","tag_age":"ALL",
        "visit_time":"2024-03-28T05:00:00+05:00","duration":20,"status":"AVAILABLE",
        "create_ts":"2023-10-01T09:00:00.123Z"}, "isSuccess": true, "statusCode": 200}"#;
    let r: VitrinaResponse<fer_model::Slot> = serde_json::from_str(json).unwrap();
    let slot = r.result.unwrap();
    assert_eq!(slot.visit_time.to_string(), "2024-03-28T05:00:00");
    assert_eq!(serde_json::to_value(&slot).unwrap()["create_ts"], "2023-10-01T09:00:00");
}

#[test]
fn a_referral_with_the_other_types_fields_decodes() {
    let json = r#"{"id":"5b1c7a4e-6d0a-4c1e-9a39-2f3f2b9a7c11","patient_id":"p","number":"N","type":"RESEARCH",
        "start_date":"2026-11-01T00:00:00","to_mo_id":"ab7cbc4b-2e68-40d2-881b-6f957b044818","to_profile_code":"29",
        "to_service_id":"A06.09.006","to_post_name":"врач","speciality_id":"27",
        "from_resource_id":"436b6461-effb-4f3c-ad6f-27f4b2c3e578","status":"AVAILABLE","create_ts":"2026-11-01T09:00:00",
        "referral_type_code":"2","to_mo_oid":"1.2.643.5.1.13.13.12.2.86.8916","from_mo_oid":"1.2.643.5.1.13.13.12.2.86.8916"}"#;
    let r: fer_model::Referral = serde_json::from_str(json).unwrap();
    assert!(
        matches!(r.kind, fer_model::ReferralKind::Research { ref to_service_id, .. } if to_service_id == "A06.09.006")
    );
}

/// The texts of the two status tables, transcribed into `status_texts.json`, against the SDK's.
#[test]
fn every_text_is_the_profiles_own() {
    let t: Value = serde_json::from_str(&std::fs::read_to_string(fixture_path("status_texts.json")).unwrap()).unwrap();
    let strings =
        |v: &Value| -> Vec<String> { v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect() };
    for code in BookingRejectionCode::ALL {
        let row = &t["booking"][code.code().to_string()];
        let (desc, user) = (strings(&row["description"]), strings(&row["user"]));
        assert_eq!(code.descriptions_ru(), desc.as_slice(), "descriptions of {}", code.code());
        assert_eq!([code.user_title_ru(), code.user_text_ru()], user.as_slice(), "user texts of {}", code.code());
        assert!(
            desc.iter().chain(&user).any(|s| s == code.description_ru()),
            "description of {} is not in its row: {}",
            code.code(),
            code.description_ru()
        );
    }
    for code in CancelStatusCode::ALL {
        let row = &t["cancel"][code.code().to_string()];
        match code {
            CancelStatusCode::Success => {
                assert_eq!(code.description_ru(), row["example_message"].as_str().unwrap());
                assert_eq!(code.user_title_ru(), None, "the EPGU shows nothing for 0");
            }
            _ => {
                assert_eq!(strings(&row["description"]), [code.description_ru()]);
                let user = strings(&row["user"]);
                assert_eq!([code.user_title_ru().unwrap(), code.user_text_ru().unwrap()], user.as_slice());
            }
        }
    }
}

/// Forms the booking table does not forbid are read, not refused.
#[test]
fn lenient_booking_request_forms() {
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_path("booking_request.json")).unwrap()).unwrap();
    v["patient_id"] = Value::from("11234455");
    v["preliminary_reservation"] = Value::Null;
    let p = &mut v["patient_data_rrp"];
    p["gender"] = Value::from("0");
    p["snils"] = Value::from("");
    p["birthdate"] = Value::Null;
    p["firstname"] = Value::Null;
    p["lastname"] = Value::from("");
    p["id"] = Value::Null;
    p["united_guids"] = serde_json::json!(["42"]);
    let r: BookingRequest = serde_json::from_value(v).unwrap();
    assert_eq!(r.patient_id, "11234455");
    assert!(!r.patient_id.is_guid());
    assert!(!r.preliminary_reservation);
    let p = &r.patient_data_rrp;
    assert_eq!(p.gender, Some(GenderCode::Other("0".into())));
    assert_eq!((p.snils, p.birthdate), (None, None));
    assert_eq!((p.firstname.expose_str(), p.lastname.expose_str(), p.id.as_str()), ("", "", ""));
    assert_eq!(p.united_guids, ["42"]);
}

/// The cancel answer of the method's table carries the booking's fields; both shapes are read.
#[test]
fn cancel_answer_table_shape() {
    let json = r#"{"book_ext_id":"597bc82e-88a5-4be5-8bd2-51a54312dbef","slot_id":"ac46c807-9d59-4f56-b30c-2d165ab21753",
        "visit_time":"2022-12-14T08:00:00","duration":"40","service_id":null,"organization_id":"7","area_id":null,
        "queue_number":"3","status":{"status_code":0}}"#;
    let r: CancelResponse = serde_json::from_str(json).unwrap();
    assert_eq!(r.slot_id.unwrap().to_string(), "ac46c807-9d59-4f56-b30c-2d165ab21753");
    assert_eq!(r.visit_time.unwrap().to_rfc3339(), "2022-12-14T08:00:00+00:00", "kept without an offset");
    assert_eq!((r.organization_id.as_deref(), r.queue_number.as_deref()), (Some("7"), Some("3")));
    let out = serde_json::to_value(&r).unwrap();
    assert_eq!(out["duration"], "40");
    assert_eq!(out["visit_time"], "2022-12-14T08:00:00Z");
    assert!(out.get("area_id").is_none(), "unknown fields are left out: {out}");
}
