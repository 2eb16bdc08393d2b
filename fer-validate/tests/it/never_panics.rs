//! Validation never panics, whatever the bytes.

use fer_model::Table;
use fer_validate::{RawKind, validate_raw, validate_raw_dto};
use proptest::prelude::*;

/// Arbitrary JSON values, biased towards the keys and values of real records.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("duration".to_owned()),
        Just("tag_type".to_owned()),
        Just("status".to_owned()),
        Just("type".to_owned()),
        Just("snils".to_owned()),
        Just("status_сode".to_owned()),
        Just("patient_data_rrp".to_owned()),
        "[a-z_ ]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        "\\PC{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("SPECIALIST")),
        Just(serde_json::Value::from("EPGU,EPGU,")),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for table in Table::LOAD_ORDER {
            let _ = validate_raw(table, &bytes);
        }
        let _ = validate_raw_dto(RawKind::BookingRequest, &bytes);
    }

    #[test]
    fn arbitrary_json(value in json_value()) {
        let record = serde_json::to_vec(&value).unwrap();
        let batch = serde_json::to_vec(&serde_json::json!({ "data": [value.clone(), value] })).unwrap();
        for table in Table::LOAD_ORDER {
            let _ = validate_raw(table, &record);
            let report = validate_raw(table, &batch);
            // Nothing vanishes: a batch of non-empty garbage yields findings or parses.
            prop_assert!(report.diagnostics.iter().all(|d| d.pointer.is_empty() || d.pointer.starts_with('/')));
        }
        for kind in [RawKind::BookingRequest, RawKind::BookingResponse, RawKind::CancelRequest, RawKind::CancelResponse, RawKind::Callback] {
            let _ = validate_raw_dto(kind, &record);
        }
    }
}
