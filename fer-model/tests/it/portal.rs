//! The regional portal API (the regional portal methods, [`fer_model::spec::portal`]): every JSON example under `fixtures/spec/000`–`003`
//! parses into its typed model and re-emits the same document field by field (up to the one quirk
//! listed in `normalize`); the error tables of the seeds match the error catalogue row by row; the
//! checked-in schemas under `schemas/portal/` are current and accept every example; property tests
//! round-trip the main types; `Debug` never shows the patient's data.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use fer_model::Guid;
use fer_model::portal::*;
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture_text(name: &str) -> String {
    let path = fer_testkit::fixture::spec_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn load(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---------------------------------------------------------------------------------------------------
// Fixtures: parse, re-emit, compare field by field
// ---------------------------------------------------------------------------------------------------

/// The documented normalisation, written independently of the crate: `day` of the entry request is
/// declared `YYYY-MM-DD` and emitted so, while the example sends an ISO datetime.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let value = match (k.as_str(), v) {
                    ("day", Value::String(s)) => Value::String(s[..10].to_owned()),
                    (_, v) => normalize(v),
                };
                out.insert(k.clone(), value);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let original = load(name);
    let typed: T = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let emitted = serde_json::to_value(&typed).unwrap();
    let mut problems = Vec::new();
    crate::common::diff("", &normalize(&original), &emitted, &mut problems);
    assert!(problems.is_empty(), "{name} does not round-trip:\n{}", problems.join("\n"));
    let again: T = serde_json::from_value(emitted.clone()).unwrap();
    assert_eq!(serde_json::to_value(&again).unwrap(), emitted, "{name}: second round trip differs");
    typed
}

fn ts(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

#[test]
fn entry_request_000() {
    let r: EntryRequest = round_trip("000/entry_request.json");
    assert_eq!(r.lpu_code, "470102");
    assert_eq!(r.doctor_id.lpu().to_string(), "1dadf64c-f34a-4023-98a6-3e7b7be4f243");
    assert_eq!(r.doctor_id.item().to_string(), "2f171143-aa11-4248-bd42-b1cfc4c03148");
    assert_eq!(r.day.date(), NaiveDate::from_ymd_opt(2022, 12, 8).unwrap());
    assert_eq!(r.time, ClockTime::from_hm(9, 0).unwrap());
    assert_eq!(r.email.as_ref().map(|e| e.expose_str()), Some("some@mail.ru"));
    assert_eq!(r.phone.as_ref().map(|p| p.expose_str()), Some("79995554242"));
    assert_eq!(r.email_confirm_agree, Some(EmailConfirmAgree::Yes));
}

#[test]
fn ticket_visit_with_lpu_001() {
    let t: TicketVisitWithLpu = round_trip("001/ticket_visit_with_lpu_response.json");
    assert_eq!(t.lpu.status.name, "Online");
    assert_eq!(t.lpu.types, ["milk", "smp", "lpu"]);
    assert_eq!(t.lpu.host_id, 209);
    assert_eq!(t.lpu.full_name, "  \\  \\", "the repaired backslashes decode to the printed characters");
    assert_eq!(t.lpu.ratings, None);
    assert_eq!(t.lpu.worktimes.saturday, "");
    let v = &t.visit;
    assert_eq!(v.ticket_guid.to_string(), "9d8ea16f-205b-4bc7-92e5-752cd84cb0db");
    assert_eq!((v.plan_count, v.used_count), (Some(1), Some(1)));
    assert_eq!(v.busy_type.as_ref().map(|b| b.kind), Some(1));
    assert_eq!(v.common.begin_time, Some(ts("2019-04-18T08:45:00+03:00")));
    assert_eq!(v.common.login, None);
    assert_eq!(v.common.history[0].element_guid, Guid::NIL);
    assert_eq!(v.common.history[0].client.mnem, "Internet");
}

#[test]
fn appointment_002() {
    let r: AppointmentRequest = round_trip("002/appointment_request.json");
    assert_eq!(r.email, None);
    let a: Appointment = round_trip("002/appointment_response.json");
    assert_eq!(a.slot, r.slot, "the answer names the slot of the request");
    assert_eq!(a.create_time, Some(ts("2019-07-23T12:50:00+03:00")));
    let d = a.direction.unwrap();
    assert_eq!(d.speciality.code, "1234");
    assert_eq!(d.diagnosis.expose().code, "A01.0");
    assert_eq!(d.date_direction, Some(ts("2021-04-21T03:00:00+03:00")));
}

#[test]
fn tickets_003() {
    let c: TicketCallWithLpuBase = round_trip("003/ticket_call_with_lpu_base.json");
    assert_eq!(c.call.call_doctor_id, 53453);
    assert_eq!(c.call.ticket_guid, Some(Guid::NIL));
    assert_eq!(c.call.common.begin_time, Some(ts("0001-01-01T00:00:00+03:00")), "the default DateTime");
    assert_eq!((c.call.created_by.as_ref(), c.call.date_status, c.call.diagnosis.as_ref()), (None, None, None));
    assert_eq!(c.call.display_time_mode, None);

    let v: TicketVisitWithLpuBase = round_trip("003/ticket_visit_with_lpu_base.json");
    assert_eq!(v.visit.num, "008");

    let lists: Vec<TicketLists> = round_trip("003/ticket_lists_response.json");
    assert_eq!(lists.len(), 1);
    let l = &lists[0];
    assert_eq!(l.state, TicketListState::Complete);
    let ratings = l.lpu.ratings.as_ref().unwrap();
    assert_eq!(ratings.mcod, "470101 ", "the trailing space is kept");
    assert_eq!(ratings.avg, 4.5);
    assert_eq!(ratings.item.keys().collect::<Vec<_>>(), ["attitude", "cleanliness", "queue", "result"]);
    assert_eq!(ratings.item["queue"].detail_2, 1);
    assert_eq!(l.visits.len(), 1);
    assert_eq!((l.visits[0].visit.plan_count, l.visits[0].visit.used_count), (None, None));
    assert!(l.calls.is_empty() && l.disps.is_empty());
    assert!(TicketLists::polling_finished(&lists));
}

#[test]
fn every_portal_fixture_is_covered() {
    let covered = [
        "000/entry_request.json",
        "001/ticket_visit_with_lpu_response.json",
        "002/appointment_request.json",
        "002/appointment_response.json",
        "003/ticket_call_with_lpu_base.json",
        "003/ticket_visit_with_lpu_base.json",
        "003/ticket_lists_response.json",
    ];
    for seed in ["000", "001", "002", "003"] {
        for entry in std::fs::read_dir(fer_testkit::fixture::spec_path(seed)).unwrap() {
            let name = format!("{seed}/{}", entry.unwrap().file_name().into_string().unwrap());
            if name.ends_with(".json") {
                assert!(covered.contains(&name.as_str()), "fixture {name} has no round-trip test");
            }
        }
    }
}

#[test]
fn raw_examples_fail_with_a_clear_error() {
    // As printed: a `// ..` comment (000), lone backslashes (001), a missing comma (002).
    let raw = fixture_text("000/entry_request.raw.txt");
    let err = serde_json::from_str::<EntryRequest>(&raw[raw.find('{').unwrap()..]).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    let raw = fixture_text("001/ticket_visit_with_lpu_response.raw.txt");
    let err = serde_json::from_str::<TicketVisitWithLpu>(&raw[raw.find('{').unwrap()..]).unwrap_err();
    assert!(err.is_syntax(), "{err}");
    let raw = fixture_text("002/appointment_response.raw.txt");
    let err = serde_json::from_str::<Appointment>(&raw[raw.find('{').unwrap()..]).unwrap_err();
    assert!(err.is_syntax(), "{err}");
}

#[test]
fn wrong_values_get_errors_that_name_the_field_and_the_form() {
    let mut entry = load("000/entry_request.json");
    entry["doctor_id"] = "1dadf64c-f34a-4023-98a6-3e7b7be4f243".into();
    let e = serde_json::from_value::<EntryRequest>(entry).unwrap_err().to_string();
    assert!(e.contains("72 characters"), "{e}");
    let mut entry = load("000/entry_request.json");
    entry["time"] = "9:00".into();
    let e = serde_json::from_value::<EntryRequest>(entry).unwrap_err().to_string();
    assert!(e.contains("HH:MM"), "{e}");
    let mut entry = load("000/entry_request.json");
    entry["email_confirm_agree"] = 2.into();
    assert!(serde_json::from_value::<EntryRequest>(entry).is_err());
    let mut lists = load("003/ticket_lists_response.json");
    lists[0]["state"] = "Done".into();
    let e = serde_json::from_value::<Vec<TicketLists>>(lists).unwrap_err().to_string();
    assert!(e.contains("`InProgress`, `Complete`, `Failed`"), "{e}");
    let mut call = load("003/ticket_call_with_lpu_base.json");
    call["status"] = 6.into();
    assert!(serde_json::from_value::<TicketCallWithLpuBase>(call).is_err());
}

// ---------------------------------------------------------------------------------------------------
// Error tables of the seeds against the catalogue
// ---------------------------------------------------------------------------------------------------

/// `(http status, code, text)` of every row of `fixtures/spec/<seed>/errors.tsv`.
fn error_rows(seed: &str) -> Vec<(u16, u16, String)> {
    let text = fixture_text(&format!("{seed}/errors.tsv"));
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("Код ответа сервера\tКод сообщения"), "{seed}: header");
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols[0].parse().unwrap(), cols[1].parse().unwrap(), cols[2].to_owned())
        })
        .collect()
}

#[test]
fn every_error_row_of_the_seeds_is_in_the_catalogue() {
    let mut seen = Vec::new();
    for seed in ["000", "001"] {
        for (status, number, text) in error_rows(seed) {
            let code = PortalErrorCode::from_code(number).unwrap_or_else(|| panic!("{seed}: code {number} unknown"));
            assert_eq!(code.http_status(), status, "{seed}: HTTP status of {number}");
            // Seed 000 prints a stray `"` after the 5010 text; seed 001 does not.
            let text = text.strip_suffix('"').unwrap_or(&text);
            assert!(code.texts_ru().contains(&text), "{seed}: text of {number} differs: {text:?}");
            seen.push(code);
        }
    }
    for code in PortalErrorCode::ALL {
        assert!(seen.contains(code), "{code} is not in the seeds' tables");
    }
    let four_thousand_seven = error_rows("001").iter().filter(|r| r.1 == 4007).count();
    assert_eq!(four_thousand_seven, PortalErrorCode::SelfBookingForbidden.texts_ru().len());
}

#[test]
fn error_answers_for_every_code_round_trip() {
    for code in PortalErrorCode::ALL {
        let answer = PortalError::new(*code);
        let json = serde_json::to_value(&answer).unwrap();
        assert_eq!(json, json!({ "code": code.code(), "message": code.message_ru() }));
        let back: PortalError = serde_json::from_value(json).unwrap();
        assert_eq!(back, answer);
        assert_eq!(back.code(), PortalCode::Known(*code));
        assert_eq!(back.message_ru(), code.message_ru());
    }
}

// ---------------------------------------------------------------------------------------------------
// Schemas
// ---------------------------------------------------------------------------------------------------

/// The validator of the portal schema `name`, built once per test binary.
fn validator(name: &str) -> &'static jsonschema::Validator {
    static VALIDATORS: OnceLock<Vec<(&'static str, jsonschema::Validator)>> = OnceLock::new();
    let all = VALIDATORS.get_or_init(|| {
        schemas()
            .into_iter()
            .map(|(n, schema)| {
                let v = jsonschema::validator_for(schema.as_value())
                    .unwrap_or_else(|e| panic!("schema {n} is not valid: {e}"));
                (n, v)
            })
            .collect()
    });
    all.iter().find(|(n, _)| *n == name).map(|(_, v)| v).unwrap_or_else(|| panic!("no schema {name}"))
}

fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn checked_in_portal_schemas_are_current() {
    let dir = repo().join("schemas/portal");
    let mut stale = Vec::new();
    for (name, schema) in schemas() {
        let path = dir.join(format!("{name}.schema.json"));
        if std::fs::read_to_string(&path).unwrap_or_default() != fer_model::schema::to_file_text(&schema) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "portal schemas drifted from the code; run `cargo run -p fer-model --example export_schemas -- schemas/`:\n{}",
        stale.join("\n")
    );
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, SCHEMA_NAMES.len(), "schemas/portal/ holds a file that is not generated");
}

#[test]
fn every_portal_example_is_accepted_by_its_schema() {
    for (schema, file) in [
        ("entry_request", "000/entry_request.json"),
        ("ticket_visit_with_lpu", "001/ticket_visit_with_lpu_response.json"),
        ("appointment_request", "002/appointment_request.json"),
        ("appointment", "002/appointment_response.json"),
        ("ticket_call_with_lpu_base", "003/ticket_call_with_lpu_base.json"),
        ("ticket_visit_with_lpu_base", "003/ticket_visit_with_lpu_base.json"),
        ("ticket_lists_response", "003/ticket_lists_response.json"),
    ] {
        assert_eq!(errors(validator(schema), &load(file)), Vec::<String>::new(), "{file}");
    }
    let data = json!({"Entry_id": "1dadf64c-f34a-4023-98a6-3e7b7be4f2439d8ea16f-205b-4bc7-92e5-752cd84cb0db", "Ticket": "008"});
    assert!(validator("visit_data").is_valid(&data));
    assert!(serde_json::from_value::<VisitData>(data).is_ok());
    assert!(validator("ticket_session").is_valid(&json!({"session": "9d8ea16f-205b-4bc7-92e5-752cd84cb0db"})));
    assert!(validator("portal_error").is_valid(&json!({"code": 4036, "message": "…"})));
    let params = serde_json::to_value(VisitParams::by_time_table(Guid::from_u128(1), Guid::from_u128(2))).unwrap();
    assert!(validator("visit_params").is_valid(&params));
}

/// The schema and the typed parser agree: both refuse.
fn assert_both_refuse<T: DeserializeOwned + std::fmt::Debug>(schema: &str, instance: &Value, why: &str) {
    assert!(!validator(schema).is_valid(instance), "schema {schema} accepted {why}");
    assert!(serde_json::from_value::<T>(instance.clone()).is_err(), "model accepted {why}");
}

#[test]
fn schemas_and_models_refuse_the_same_forms() {
    let base = load("000/entry_request.json");
    for (field, value, why) in [
        ("doctor_id", json!("1dadf64c-f34a-4023-98a6-3e7b7be4f243"), "a doctor_id of one GUID"),
        ("time", json!("9:00"), "a time without its leading zero"),
        ("time", json!("09:00:00"), "a time with seconds"),
        ("day", json!("08.12.2022"), "a day in another order"),
        ("email_confirm_agree", json!(2), "email_confirm_agree 2"),
    ] {
        let mut bad = base.clone();
        bad[field] = value;
        assert_both_refuse::<EntryRequest>("entry_request", &bad, why);
    }
    let mut lists = load("003/ticket_lists_response.json");
    lists[0]["state"] = "Done".into();
    assert_both_refuse::<Vec<TicketLists>>("ticket_lists_response", &lists, "state Done");
    let mut call = load("003/ticket_call_with_lpu_base.json");
    call["type"] = 5.into();
    assert_both_refuse::<TicketCallWithLpuBase>("ticket_call_with_lpu_base", &call, "call type 5");
    let mut params = serde_json::to_value(VisitParams::by_time_table(Guid::from_u128(1), Guid::from_u128(2))).unwrap();
    params["directionType"] = "referral".into();
    assert_both_refuse::<VisitParams>("visit_params", &params, "directionType referral");
}

// ---------------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------------

fn guid() -> impl Strategy<Value = Guid> {
    any::<u128>().prop_map(Guid::from_u128)
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,30}"
}

fn offset_time() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (-62_000_000_000i64..250_000_000_000, -12i32..=14)
        .prop_map(|(secs, hours)| FixedOffset::east_opt(hours * 3600).unwrap().timestamp_opt(secs, 0).unwrap())
}

fn clock_time() -> impl Strategy<Value = ClockTime> {
    (0u32..24, 0u32..60).prop_map(|(h, m)| ClockTime::from_hm(h, m).unwrap())
}

fn portal_date() -> impl Strategy<Value = PortalDate> {
    (1900i32..2100, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| PortalDate::new(NaiveDate::from_ymd_opt(y, m, d).unwrap()))
}

fn visit_date_time() -> impl Strategy<Value = VisitDateTime> {
    (portal_date(), clock_time(), 0u32..60, 0u32..1000).prop_map(|(d, t, s, ms)| {
        VisitDateTime::from_naive(
            d.date().and_hms_milli_opt(0, 0, s, ms).unwrap() + (t.naive() - chrono::NaiveTime::MIN),
        )
    })
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    proptest::sample::select(all)
}

fn secret() -> impl Strategy<Value = Option<fer_model::Redacted<String>>> {
    proptest::option::of("[a-z0-9]{1,12}@[a-z]{1,8}\\.ru".prop_map(fer_model::Redacted::new))
}

fn entry_request() -> impl Strategy<Value = EntryRequest> {
    (
        "[0-9]{6}",
        guid(),
        guid(),
        portal_date(),
        clock_time(),
        secret(),
        secret(),
        proptest::option::of(pick(EmailConfirmAgree::ALL)),
    )
        .prop_map(|(lpu_code, lpu, doc, day, time, email, phone, email_confirm_agree)| EntryRequest {
            lpu_code,
            doctor_id: GuidPair::new(lpu, doc),
            day,
            time,
            email,
            phone,
            email_confirm_agree,
        })
}

fn visit_params() -> impl Strategy<Value = VisitParams> {
    (
        (guid(), proptest::option::of(guid()), proptest::option::of(visit_date_time()), proptest::option::of(guid())),
        (
            proptest::option::of("[0-9A-Za-z-]{1,20}"),
            proptest::option::of(pick(DirectionType::ALL)),
            secret(),
            secret(),
        ),
        (
            proptest::option::of(pick(EmailConfirmAgree::ALL)),
            proptest::option::of(any::<bool>()),
            proptest::option::of(guid()),
            proptest::option::of("\\PC{1,20}"),
        ),
    )
        .prop_map(
            |(
                (lpu, time_table, date_time, doc_guid),
                (direction_id, direction_type, email, phone),
                (agree, full, exam, ext),
            )| {
                VisitParams {
                    lpu_guid: lpu,
                    time_table,
                    date_time,
                    doc_guid,
                    direction_id,
                    direction_type,
                    email,
                    email_confirm_agree: agree,
                    phone,
                    full_response: full,
                    exam_guid: exam,
                    external_user_id: ext,
                }
            },
        )
}

fn history() -> impl Strategy<Value = DocumentHistory> {
    (text(), guid(), text(), text(), text(), offset_time(), (text(), text(), text())).prop_map(
        |(element, element_guid, old_value, new_value, editor, date, (mnem, name, description))| DocumentHistory {
            element,
            element_guid,
            old_value,
            new_value,
            editor,
            date: Some(date),
            client: HistoryClient { mnem, name, description },
        },
    )
}

fn common() -> impl Strategy<Value = TicketCommon> {
    (
        (proptest::option::of(guid()), proptest::option::of(text()), proptest::option::of(guid())),
        (proptest::option::of(text()), proptest::option::of(text()), proptest::option::of(offset_time())),
        (proptest::option::of(offset_time()), proptest::option::of(offset_time()), proptest::option::of(any::<i32>())),
        (proptest::option::of(text()), proptest::option::of(text()), proptest::option::of(guid())),
        proptest::collection::vec(history(), 0..3),
    )
        .prop_map(|((tt, fio, doc), (role, spec, begin), (end, doa, source), (login, sname, disp), history)| {
            TicketCommon {
                time_table_guid: tt,
                doc_fio: fio,
                doc_guid: doc,
                doctor_role: role,
                speciality: spec,
                begin_time: begin,
                end_time: end,
                date_of_appointment: doa,
                source,
                login: login.map(fer_model::Redacted::new),
                source_name: sname,
                disp_exam_guid: disp,
                history,
            }
        })
}

fn lpu_base() -> impl Strategy<Value = LpuBase> {
    (guid(), text(), text(), text(), "[0-9]{6}").prop_map(|(guid, name, address, phone, mcod)| LpuBase {
        guid,
        name,
        address,
        phone,
        mcod,
    })
}

fn call() -> impl Strategy<Value = TicketCallWithLpuBase> {
    (
        lpu_base(),
        (guid(), any::<i64>(), text(), proptest::option::of(text())),
        (pick(CallStatus::ALL), pick(CallType::ALL), proptest::option::of(offset_time()), proptest::option::of(text())),
        (proptest::option::of(guid()), proptest::option::of(pick(DisplayTimeMode::ALL)), proptest::option::of(text())),
        common(),
    )
        .prop_map(
            |(
                lpu,
                (cdg, cdi, address, created_by),
                (status, kind, date_status, diagnosis),
                (tg, mode, stub),
                common,
            )| {
                TicketCallWithLpuBase {
                    lpu,
                    call: TicketCall {
                        call_doctor_guid: cdg,
                        call_doctor_id: cdi,
                        address: fer_model::Redacted::new(address),
                        created_by,
                        status,
                        kind,
                        date_status,
                        diagnosis: diagnosis.map(fer_model::Redacted::new),
                        ticket_guid: tg,
                        display_time_mode: mode,
                        stub_message: stub,
                        common,
                    },
                }
            },
        )
}

fn visit() -> impl Strategy<Value = TicketVisitWithLpuBase> {
    (
        lpu_base(),
        (
            guid(),
            text(),
            proptest::option::of(text()),
            proptest::option::of(text()),
            proptest::option::of(any::<i32>()),
        ),
        (
            proptest::option::of((text(), any::<i32>(), text())),
            proptest::option::of(0i32..100),
            proptest::option::of(0i32..100),
        ),
        common(),
    )
        .prop_map(|(lpu, (ticket_guid, num, uchastok_num, room, flat), (busy, plan_count, used_count), common)| {
            TicketVisitWithLpuBase {
                lpu,
                visit: TicketVisit {
                    ticket_guid,
                    num,
                    uchastok_num,
                    room,
                    flat,
                    busy_type: busy.map(|(name, kind, code)| BusyType { name, kind, code }),
                    plan_count,
                    used_count,
                    common,
                },
            }
        })
}

fn appointment() -> impl Strategy<Value = Appointment> {
    let direction = (guid(), text(), text(), (text(), text()), guid(), offset_time(), (text(), text())).prop_map(
        |(guid, number, reason, (sc, sn), lpu_from_guid, date_direction, (dc, dn))| ConsultDirection {
            guid,
            number,
            reason: fer_model::Redacted::new(reason),
            speciality: CodeName { code: sc, name: sn },
            lpu_from_guid,
            date_direction: Some(date_direction),
            diagnosis: fer_model::Redacted::new(CodeName { code: dc, name: dn }),
        },
    );
    (guid(), text(), guid(), text(), offset_time(), proptest::option::of(direction)).prop_map(
        |(guid, number, slot, source, create_time, direction)| Appointment {
            guid,
            number,
            slot,
            source,
            create_time: Some(create_time),
            direction,
        },
    )
}

fn portal_error() -> impl Strategy<Value = PortalError> {
    let code = prop_oneof![
        pick(PortalErrorCode::ALL).prop_map(PortalCode::Known),
        (0u32..100_000).prop_map(PortalCode::from_number)
    ];
    (code, text()).prop_map(|(code, message)| PortalError::with_message(code, message))
}

fn assert_json_round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}

proptest! {
    #[test]
    fn entry_requests_round_trip(r in entry_request()) {
        assert_json_round_trip(&r);
        prop_assert!(validator("entry_request").is_valid(&serde_json::to_value(&r).unwrap()));
    }

    #[test]
    fn visit_params_round_trip_as_json_and_as_query(p in visit_params()) {
        assert_json_round_trip(&p);
        let back = VisitParams::from_query(p.lpu_guid, p.to_query());
        prop_assert_eq!(back, Ok(p.clone()));
        prop_assert!(validator("visit_params").is_valid(&serde_json::to_value(&p).unwrap()));
    }

    #[test]
    fn tickets_round_trip(c in call(), v in visit()) {
        assert_json_round_trip(&c);
        assert_json_round_trip(&v);
        prop_assert!(validator("ticket_call_with_lpu_base").is_valid(&serde_json::to_value(&c).unwrap()));
        prop_assert!(validator("ticket_visit_with_lpu_base").is_valid(&serde_json::to_value(&v).unwrap()));
    }

    #[test]
    fn appointments_round_trip(a in appointment()) {
        assert_json_round_trip(&a);
        prop_assert!(validator("appointment").is_valid(&serde_json::to_value(&a).unwrap()));
    }

    #[test]
    fn portal_errors_round_trip(e in portal_error()) {
        assert_json_round_trip(&e);
        prop_assert!(validator("portal_error").is_valid(&serde_json::to_value(&e).unwrap()));
    }

    #[test]
    fn portal_times_round_trip(t in clock_time(), d in portal_date(), dt in visit_date_time()) {
        prop_assert_eq!(t.to_string().parse::<ClockTime>(), Ok(t));
        prop_assert_eq!(d.to_string().parse::<PortalDate>(), Ok(d));
        prop_assert_eq!(dt.to_string().parse::<VisitDateTime>(), Ok(dt));
        prop_assert!(ClockTime::is_declared_form(&t.to_string()));
        prop_assert!(PortalDate::is_declared_form(&d.to_string()));
        prop_assert!(VisitDateTime::is_declared_form(&dt.to_string()));
    }

    #[test]
    fn garbage_never_panics(s in "\\PC{0,80}") {
        let _ = GuidPair::parse(&s);
        let _ = ClockTime::parse(&s);
        let _ = PortalDate::parse(&s);
        let _ = VisitDateTime::parse(&s);
        let _ = serde_json::from_str::<PortalError>(&s);
        let _ = VisitParams::from_query(Guid::NIL, [("dateTime", s.as_str()), ("timeTable", s.as_str())]);
    }
}

// ---------------------------------------------------------------------------------------------------
// Debug redaction
// ---------------------------------------------------------------------------------------------------

#[test]
fn debug_never_shows_patient_data() {
    let entry: EntryRequest = serde_json::from_value(load("000/entry_request.json")).unwrap();
    let dbg = format!("{entry:?}");
    assert!(!dbg.contains("some@mail.ru") && !dbg.contains("79995554242"), "{dbg}");

    let params = VisitParams::by_time_table(Guid::from_u128(1), Guid::from_u128(2))
        .with_email("patient@mail.ru", Some(EmailConfirmAgree::Yes))
        .with_phone("79995554242");
    let dbg = format!("{params:?}");
    assert!(!dbg.contains("patient@mail.ru") && !dbg.contains("79995554242"), "{dbg}");

    let req = AppointmentRequest { slot: Guid::from_u128(1), email: Some("patient@mail.ru".into()) };
    assert!(!format!("{req:?}").contains("patient@mail.ru"));

    let mut appointment = load("002/appointment_response.json");
    appointment["direction"]["diagnosis"]["name"] = "Брюшной тиф".into();
    appointment["direction"]["reason"] = "Подозрение на тиф".into();
    let a: Appointment = serde_json::from_value(appointment).unwrap();
    let dbg = format!("{a:?}");
    assert!(!dbg.contains("A01.0") && !dbg.contains("тиф"), "{dbg}");

    let mut call = load("003/ticket_call_with_lpu_base.json");
    call["diagnosis"] = "J06.9".into();
    call["login"] = "patient-login".into();
    let c: TicketCallWithLpuBase = serde_json::from_value(call).unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("48 22") && !dbg.contains("J06.9") && !dbg.contains("patient-login"), "{dbg}");
}

// ---------------------------------------------------------------------------------------------------
// The three creates: a successful answer always decodes
// ---------------------------------------------------------------------------------------------------

/// `v` with every object key spelled in PascalCase (`ticketGuid` → `TicketGuid`), as the tables of
/// «Создание записи на прием к врачу» name them, except the keys of `keep`.
fn pascal_keys(v: &Value, keep: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let key = if keep.contains(&k.as_str()) {
                        k.clone()
                    } else {
                        let mut c = k.chars();
                        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
                    };
                    (key, pascal_keys(v, keep))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| pascal_keys(v, keep)).collect()),
        other => other.clone(),
    }
}

/// `v` with every value, at any depth, set to `null`, except the keys of `keep`.
fn nulls(v: &Value, keep: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if keep.contains(&k.as_str()) {
                        v.clone()
                    } else if v.is_object() {
                        nulls(v, keep)
                    } else {
                        Value::Null
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn a_created_visit_decodes_in_pascal_case_as_the_table_spells_it() {
    let example = load("001/ticket_visit_with_lpu_response.json");
    let pascal = pascal_keys(&example, &[]);
    assert!(pascal.get("TicketGuid").is_some() && pascal["Lpu"].get("Guid").is_some());
    let from_pascal: TicketVisitWithLpu = serde_json::from_value(pascal).unwrap();
    let from_camel: TicketVisitWithLpu = serde_json::from_value(example).unwrap();
    assert_eq!(from_pascal, from_camel);
}

#[test]
fn a_created_visit_decodes_with_every_field_but_its_id_null_or_absent() {
    let example = load("001/ticket_visit_with_lpu_response.json");
    let null: TicketVisitWithLpu = serde_json::from_value(nulls(&example, &["ticketGuid"])).unwrap();
    assert_eq!(null.visit.ticket_guid.to_string(), "9d8ea16f-205b-4bc7-92e5-752cd84cb0db");
    assert_eq!((null.visit.num.as_str(), null.lpu.mcod.as_str()), ("", ""));
    assert_eq!(null.lpu.status, LpuStatus::default(), "a null inside a nested object reads as its default");
    assert!(null.visit.common.history.is_empty());

    // The short answer of fullResponse=false: `lpu`, `num` and `ticketGuid` only, and `lpu` in part.
    let short = json!({"lpu": {"guid": "c3c977af-c3b4-4517-9d57-50a6844ec660", "mcod": "330501"},
        "num": "008", "ticketGuid": "9d8ea16f-205b-4bc7-92e5-752cd84cb0db"});
    let t: TicketVisitWithLpu = serde_json::from_value(short).unwrap();
    assert_eq!((t.visit.num.as_str(), t.lpu.mcod.as_str()), ("008", "330501"));
    assert_eq!(t.lpu.status, LpuStatus::default());

    // Without its id there is nothing to confirm: that stays an error.
    assert!(serde_json::from_value::<TicketVisitWithLpu>(nulls(&example, &[])).is_err());
}

#[test]
fn a_created_appointment_and_entry_decode_with_nulls_and_pascal_case() {
    let example = load("002/appointment_response.json");
    let a: Appointment = serde_json::from_value(nulls(&example, &["guid"])).unwrap();
    assert_eq!(a.guid.to_string(), example["guid"].as_str().unwrap());
    assert_eq!((a.source.as_str(), a.create_time), (DEFAULT_SOURCE, None));
    assert_eq!(a.direction.map(|d| d.number), Some(String::new()), "a direction of nulls reads as empty fields");
    let pascal: Appointment = serde_json::from_value(pascal_keys(&example, &[])).unwrap();
    assert_eq!(pascal, serde_json::from_value::<Appointment>(example.clone()).unwrap());
    let mut partial = example.clone();
    partial["direction"] = json!({"number": "1", "speciality": null, "dateDirection": null});
    let a: Appointment = serde_json::from_value(partial).unwrap();
    assert_eq!(a.direction.unwrap().number, "1");

    let pair = "1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148";
    let entry: VisitData = serde_json::from_value(json!({"Entry_id": pair, "Ticket": null})).unwrap();
    assert_eq!((entry.entry_id.to_string().as_str(), entry.ticket.as_str()), (pair, ""));
}
