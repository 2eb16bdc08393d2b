//! The checked-in schemas under `schemas/` are current, and a strict validator (the `jsonschema`
//! crate) accepts every example of the spec and rejects what the model rejects.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> Value {
    fer_testkit::fixture::json(fer_testkit::Doc::Vitrina, name)
}

fn validator(name: &str) -> jsonschema::Validator {
    let schema = fer_model::schema::by_name(name).unwrap_or_else(|| panic!("no schema {name}"));
    jsonschema::validator_for(schema.as_value()).unwrap_or_else(|e| panic!("schema {name} is not valid: {e}"))
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn checked_in_schemas_are_current() {
    let dir = repo().join("schemas");
    let mut stale = Vec::new();
    for (name, schema) in fer_model::schema::all() {
        let path = dir.join(format!("{name}.schema.json"));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != fer_model::schema::to_file_text(&schema) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "schemas drifted from the code; run `cargo run -p fer-model --example export_schemas -- schemas/`:\n{}",
        stale.join("\n")
    );
    // Subfolders (`portal/`) are checked by their own tests (tests/portal.rs).
    let files = std::fs::read_dir(&dir).unwrap().filter(|e| e.as_ref().is_ok_and(|e| e.path().is_file())).count();
    assert_eq!(files, fer_model::schema::names().len(), "schemas/ holds a file that is not generated");
}

#[test]
fn every_spec_example_is_accepted() {
    let batches = [
        ("mo", "mo_batch_duplicate_name.json"),
        ("slot", "slot_batch_duplicate_id.json"),
        ("slot", "slot_batch_duplicate_time.json"),
    ];
    for (schema, file) in batches {
        let v = validator(schema);
        for record in fixture(file)["data"].as_array().unwrap() {
            assert_eq!(errors(&v, record), Vec::<String>::new(), "{file}");
        }
    }
    let documents = [
        ("auth_request", "auth_request.json"),
        ("auth_response", "auth_response.json"),
        ("vitrina_response", "mo_duplicate_name_response.json"),
        ("vitrina_response", "slot_duplicate_id_response.json"),
        ("vitrina_response", "slot_duplicate_time_response.json"),
        ("booking_request", "booking_request.json"),
        ("booking_response", "booking_response.json"),
        ("cancel_request", "cancel_request.json"),
        ("cancel_response", "cancel_response_ok.json"),
        ("cancel_response", "cancel_response_already_cancelled.json"),
    ];
    for (schema, file) in documents {
        assert_eq!(errors(&validator(schema), &fixture(file)), Vec::<String>::new(), "{file}");
    }
}

fn room() -> Value {
    json!({
        "id": "436b6461-effb-4f3c-ad6f-27f4b2c3e578", "type": "ROOM",
        "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818", "enabled": "ALL",
        "create_ts": "2023-10-01T09:00:00", "room_number": "101", "room_name": "Процедурный"
    })
}

/// The schema and the typed parser agree: both accept, or both refuse.
fn assert_both_refuse<T: serde::de::DeserializeOwned + std::fmt::Debug>(schema: &str, instance: &Value, why: &str) {
    assert!(!validator(schema).is_valid(instance), "schema {schema} accepted {why}");
    assert!(serde_json::from_value::<T>(instance.clone()).is_err(), "model accepted {why}");
}

#[test]
fn conditional_rules_of_resources() {
    assert!(validator("resource").is_valid(&room()));
    let mut r = room();
    r.as_object_mut().unwrap().remove("room_number");
    assert_both_refuse::<fer_model::Resource>("resource", &r, "a ROOM without room_number");

    let mut m = room();
    let o = m.as_object_mut().unwrap();
    o.remove("room_number");
    o.remove("room_name");
    o.insert("type".into(), "MACHINE".into());
    o.insert("machine_name".into(), "МРТ".into());
    assert!(validator("resource").is_valid(&m));
    m["snils"] = "11223344595".into();
    assert_both_refuse::<fer_model::Resource>("resource", &m, "a MACHINE with a snils");

    let mut s = room();
    let o = s.as_object_mut().unwrap();
    o.remove("room_number");
    o.remove("room_name");
    o.insert("type".into(), "SPECIALIST".into());
    for (k, v) in [("post_id", "110"), ("speciality_id", "27"), ("snils", "11223344595"), ("last_name", "Иванов")]
    {
        o.insert(k.into(), v.into());
    }
    assert_both_refuse::<fer_model::Resource>("resource", &s, "a SPECIALIST without first_name");
    s["first_name"] = "Иван".into();
    assert!(validator("resource").is_valid(&s));
    assert!(serde_json::from_value::<fer_model::Resource>(s).is_ok());
}

#[test]
fn closed_sets_are_enforced() {
    let mut slot = fixture("slot_batch_duplicate_time.json")["data"][0].clone();
    slot["tag_age"] = "OLD".into();
    assert_both_refuse::<fer_model::Slot>("slot", &slot, "tag_age OLD");

    let mut slot = fixture("slot_batch_duplicate_time.json")["data"][0].clone();
    slot["tag_type"] = "EPGU,SOMETHING".into();
    assert_both_refuse::<fer_model::Slot>("slot", &slot, "tag_type SOMETHING");

    let book = json!({
        "id": "00000000-0000-0001-0000-000001017307", "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "slot_id": "ac46c807-9d59-4f56-b30c-2d165ab21753", "status_code": 5000, "tag_source": "EPGU",
        "type": "APPOINTMENT", "create_ts": "2023-10-01T09:00:00"
    });
    assert!(validator("book").is_valid(&book));
    let mut bad = book.clone();
    bad["status_code"] = 4999.into();
    assert_both_refuse::<fer_model::Book>("book", &bad, "status_code 4999");

    let mut mo = fixture("mo_batch_duplicate_name.json")["data"][0].clone();
    mo["tag_age"] = "BABY".into();
    assert_both_refuse::<fer_model::Mo>("mo", &mo, "an MO with tag_age BABY");
}

#[test]
fn referral_types() {
    let consultation = json!({
        "id": "5a5e7b4e-1c0e-4f7e-9a57-3c2b1d0e9f11", "patient_id": "953f8666-21ce-478f-8351-389f27ce8cde",
        "speciality_id": "27", "number": "N-1", "type": "CONSULTATION", "start_date": "2024-01-01T00:00:00",
        "to_mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818", "to_profile_code": "97", "to_post_name": "врач-кардиолог",
        "from_mo _id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "from_resource_id": "436b6461-effb-4f3c-ad6f-27f4b2c3e578", "status": "AVAILABLE",
        "create_ts": "2024-01-01T00:00:00", "referral_type_code": "2",
        "to_mo_oid": "1.2.643.5.1.13.13.12.2.86.8902", "from_mo_oid": "1.2.643.5.1.13.13.12.2.86.8902"
    });
    let r: fer_model::Referral = serde_json::from_value(consultation.clone()).unwrap();
    assert!(r.from_mo_id.is_some(), "the spec's `from_mo _id` spelling is read");
    let mut research = consultation.clone();
    research["type"] = "RESEARCH".into();
    assert_both_refuse::<fer_model::Referral>("referral", &research, "a RESEARCH referral without to_service_id");
    let o = research.as_object_mut().unwrap();
    o.remove("speciality_id");
    o.remove("to_post_name");
    o.insert("to_service_id".into(), "A04.16.001".into());
    assert!(serde_json::from_value::<fer_model::Referral>(research.clone()).is_ok());
    assert!(validator("referral").is_valid(&research));
}

#[test]
fn a_confirmation_needs_its_fields() {
    let mut ok = fixture("booking_response.json");
    ok["book_ext_id"] = Value::Null;
    assert_both_refuse::<fer_model::BookingResponse>("booking_response", &ok, "status 0 without book_ext_id");
    let mut rejected = fixture("booking_response.json");
    rejected["book_ext_id"] = Value::Null;
    rejected["status"]["status_code"] = 11.into();
    assert!(validator("booking_response").is_valid(&rejected));
    assert!(serde_json::from_value::<fer_model::BookingResponse>(rejected).is_ok());
}
