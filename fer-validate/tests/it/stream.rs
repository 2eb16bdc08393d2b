//! The record-by-record reader (`validate_raw`, `validate_reader`) gives exactly the diagnostics of
//! the tree route (`validate_raw_tree`): same codes, pointers, severities and record ids, in the
//! same order, on the spec's fixtures and on mutated bodies; NDJSON and bare arrays read as the
//! batch they stand for; a body cut short or broken mid-array is a typed error naming the record.

use fer_model::Table;
use fer_validate::{BodyForm, Report, StreamError, validate_raw, validate_raw_tree, validate_reader};
use proptest::prelude::*;
use serde_json::{Value, json};

type Found = Vec<(String, String, String, Option<String>)>;

fn found(r: &Report) -> Found {
    r.diagnostics
        .iter()
        .map(|d| (d.code.as_str().to_owned(), d.pointer.clone(), d.severity.as_str().to_owned(), d.record_id.clone()))
        .collect()
}

#[track_caller]
fn same(table: Table, body: &[u8]) {
    let tree = validate_raw_tree(table, body);
    let stream = validate_raw(table, body);
    assert_eq!(found(&stream), found(&tree), "{}", String::from_utf8_lossy(body));
    // The reader gives what the slice gives, unless the body is not JSON (then a typed error).
    match validate_reader(table, BodyForm::Json, body) {
        Ok(r) => assert_eq!(found(&r), found(&stream)),
        Err(StreamError::Malformed { .. }) => {
            assert!(stream.diagnostics.iter().all(|d| d.code.as_str() == "V014"), "{stream:#?}")
        }
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn spec_fixtures_read_the_same_both_ways() {
    let dir = fer_testkit::fixture::spec_path(fer_testkit::Doc::Vitrina.folder());
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let body = std::fs::read(&path).unwrap();
        for table in Table::LOAD_ORDER {
            same(table, &body);
        }
        n += 1;
    }
    assert!(n >= 10, "{n} fixtures");
}

fn slot(n: u32) -> Value {
    json!({
        "id": format!("aaaaaaa1-5eff-49b8-9d07-{n:012x}"),
        "mo_id": "ab7cbc4b-2e68-40d2-881b-6f957b044818",
        "resource_id": "1919135c-7c9e-4564-a8b4-29aff7adfe72",
        "tag_type": "EPGU,REGISTRY",
        "tag_age": "ALL",
        "visit_time": format!("2024-03-28T{:02}:{:02}:00", 5 + n / 3, (n % 3) * 20),
        "duration": 20,
        "create_ts": "2023-10-01T09:00:00",
        "status": "AVAILABLE"
    })
}

/// A mutation of one record: a field set to another value, removed, or a record repeated.
fn mutation() -> impl Strategy<Value = (usize, u8, Value)> {
    let value = prop_oneof![
        Just(Value::Null),
        Just(json!(0)),
        Just(json!(-5)),
        Just(json!(2.5)),
        Just(json!("")),
        Just(json!("20")),
        Just(json!("AAAAAAA1-5EFF-49B8-9D07-FF2486162B3F")),
        Just(json!("aaaaaaa1-5eff-49b8-9d07-000000000001")),
        Just(json!("2024-03-28T05:10:00")),
        Just(json!("2024-03-28 05:00:00")),
        Just(json!("2024-03-28T05:00:00+03:00")),
        Just(json!("EPGU,EPGU")),
        Just(json!("CANCELED")),
        Just(json!([1, {"a": "b"}])),
        Just(json!({"x": 1})),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    (0usize..6, 0u8..12, value)
}

const FIELDS: [&str; 9] =
    ["id", "mo_id", "resource_id", "tag_type", "tag_age", "visit_time", "duration", "create_ts", "status"];

fn mutate(records: &mut Vec<Value>, (at, how, v): (usize, u8, Value)) {
    let i = at % records.len();
    match how {
        0..=8 => {
            if let Some(o) = records[i].as_object_mut() {
                o.insert(FIELDS[how as usize].to_owned(), v);
            }
        }
        9 => {
            if let Some(o) = records[i].as_object_mut() {
                o.remove(FIELDS[at % FIELDS.len()]);
            }
        }
        10 => {
            let copy = records[i].clone();
            records.push(copy);
        }
        _ => records[i] = v,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_bodies_read_the_same_both_ways(changes in prop::collection::vec(mutation(), 0..6), bare in any::<bool>()) {
        let mut records: Vec<Value> = (0..6).map(slot).collect();
        for c in changes {
            mutate(&mut records, c);
        }
        let body = if bare { serde_json::to_vec(&records) } else { serde_json::to_vec(&json!({"data": records})) };
        let body = body.unwrap();
        same(Table::Slot, &body);
        let pretty = serde_json::to_vec_pretty(&json!({"data": records, "extra": 1})).unwrap();
        same(Table::Slot, &pretty);
        // The same records as NDJSON.
        let lines: Vec<String> = records.iter().map(Value::to_string).collect();
        let ndjson = lines.join("\n\n") + "\n";
        let as_lines = validate_reader(Table::Slot, BodyForm::Ndjson, ndjson.as_bytes()).unwrap();
        let batch = validate_raw(Table::Slot, &serde_json::to_vec(&json!({"data": records})).unwrap());
        prop_assert_eq!(found(&as_lines), found(&batch));
    }

    #[test]
    fn any_cut_of_a_body_is_a_typed_error_or_a_report(cut in 0usize..2000) {
        let body = serde_json::to_vec_pretty(&json!({"data": (0..4).map(slot).collect::<Vec<_>>()})).unwrap();
        let cut = cut % body.len();
        match validate_reader(Table::Slot, BodyForm::Json, &body[..cut]) {
            Err(StreamError::Malformed { line, column, .. }) => prop_assert!(line >= 1 && column >= 1),
            Err(e) => prop_assert!(false, "{}", e),
            Ok(r) => prop_assert!(false, "a cut body read whole: {:?}", r),
        }
        same(Table::Slot, &body[..cut]);
    }
}

#[test]
fn the_other_body_shapes_read_the_same_both_ways() {
    for body in [
        "",
        "[]",
        "{}",
        "5",
        "\"x\"",
        "{\"data\": 5}",
        "{\"data\": [], \"data\": [1]}",
        "{\"data\": [1], \"data\": 5}",
        "{\"other\": {\"a\": [1, 2]}, \"data\": [{}]}",
        "[1, null, \"x\", []]",
        "{\"data\": {\"data\": []}}",
        "[] x",
        "{\"data\": [{}]} {}",
        "  [ ]  ",
    ] {
        same(Table::Slot, body.as_bytes());
        same(Table::Mo, body.as_bytes());
    }
}

#[test]
fn a_record_of_the_wrong_type_mid_array_is_reported_at_its_index() {
    let body = serde_json::to_vec(&json!({"data": [slot(1), 5, slot(2)]})).unwrap();
    let r = validate_reader(Table::Slot, BodyForm::Json, &body[..]).unwrap();
    assert_eq!(found(&r).iter().map(|f| (f.0.as_str(), f.1.as_str())).collect::<Vec<_>>(), [("V015", "/data/1")]);
}

#[test]
fn a_truncated_or_broken_body_names_the_record() {
    let body = serde_json::to_vec_pretty(&json!({"data": [slot(1), slot(2), slot(3)]})).unwrap();
    let text = String::from_utf8(body).unwrap();
    let cut = text.rfind("\"status\"").unwrap();
    let Err(StreamError::Malformed { record, line, reason, .. }) =
        validate_reader(Table::Slot, BodyForm::Json, &text.as_bytes()[..cut])
    else {
        panic!("a cut body must be malformed")
    };
    assert_eq!(record, Some(2));
    assert!(line > 20 && reason.contains("EOF"), "{line} {reason}");
    let broken = text.replacen("\"tag_age\": \"ALL\",", "\"tag_age\" \"ALL\",", 2);
    let Err(e @ StreamError::Malformed { record: Some(0), .. }) =
        validate_reader(Table::Slot, BodyForm::Json, broken.as_bytes())
    else {
        panic!("a syntax error must be malformed")
    };
    assert!(e.to_string().contains("(record 0)"), "{e}");
    assert_eq!(e.diagnostic(Table::Slot).code.as_str(), "V014");
    let lines = format!("{}\n{{\"id\": \n{}\n", slot(1), slot(2));
    let Err(StreamError::Malformed { record: Some(1), line: 2, .. }) =
        validate_reader(Table::Slot, BodyForm::Ndjson, lines.as_bytes())
    else {
        panic!("a broken line must be malformed")
    };
}
