//! The OpenAPI documents: built from the exported schemas, every reference resolves, every call and
//! status of the spec is there, and every example of the spec validates against the document.

use fer_model::Table;
use fer_model::openapi::{self, VITRINA_STATUSES};
use serde_json::{Value, json};

fn fixture(rel: &str) -> Value {
    let path = fer_testkit::fixture::spec_path(rel);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Every `$ref` string inside `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                match child {
                    Value::String(target) if key == "$ref" => out.push(target.clone()),
                    _ => refs(child, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_inside_its_document() {
    for (name, doc) in openapi::all() {
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 20, "{name}: only {} references", found.len());
        for target in found {
            let pointer = target.strip_prefix('#').unwrap_or_else(|| panic!("{name}: external ref {target}"));
            assert!(doc.pointer(pointer).is_some(), "{name}: {target} does not resolve");
        }
    }
}

/// Each model's component is its exported schema in the canonical form (`schema::canonical`),
/// references rewritten and a `title` on every definition; the stand-alone files under `schemas/`
/// are the accepting form of the same types, with the same titles.
#[test]
fn components_are_the_canonical_schemas() {
    let vitrina = openapi::vitrina();
    let webhook = openapi::mis_webhook();
    let accepted: std::collections::BTreeMap<_, _> = fer_model::schema::all().into_iter().collect();
    for (name, schema) in fer_model::schema::canonical() {
        let mut expected = serde_json::to_value(&schema).unwrap();
        let text = serde_json::to_string(&expected).unwrap().replace("#/$defs/", "#/components/schemas/");
        expected = serde_json::from_str(&text).unwrap();
        assert_eq!(expected["title"], serde_json::to_value(&accepted[name]).unwrap()["title"], "{name}");
        let defs = expected.as_object_mut().unwrap().remove("$defs").unwrap_or(json!({}));
        expected.as_object_mut().unwrap().remove("$schema");
        let title = expected["title"].as_str().unwrap().to_owned();
        let doc = if name.starts_with("booking_") || name.starts_with("cancel_") { &webhook } else { &vitrina };
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas[&title], expected, "components/schemas/{title} differs from the canonical {name}");
        for (def, body) in defs.as_object().unwrap() {
            let mut body = body.clone();
            body.as_object_mut().unwrap().entry("title").or_insert(json!(def));
            assert_eq!(schemas[def], body, "components/schemas/{def} (from {name})");
        }
    }
}

/// Every key of every `properties` map inside `value`.
fn property_names(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                out.extend(props.keys().cloned());
            }
            map.values().for_each(|v| property_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|i| property_names(i, out)),
        _ => {}
    }
}

/// What generators choke on is absent from the documents: one key per status field, no `if`/`then`
/// beside the records' fields, no bare-array bodies, only standard formats, no Rust code.
#[test]
fn the_documents_are_fit_for_code_generators() {
    for (name, doc) in openapi::all() {
        let text = serde_json::to_string(&doc).unwrap();
        for absent in ["```", "\"if\":{\"properties\":{\"type\"", "uint16", "uint32"] {
            assert!(!text.contains(absent), "{name} contains {absent}");
        }
        // The other spellings of the status keys are named in prose, never properties. (The
        // Appendix 2 envelope of the Vitrina has a `statusCode` of its own.)
        let mut keys = Vec::new();
        property_names(&doc, &mut keys);
        for absent in ["status_сode", "statusMessage"] {
            assert!(!keys.contains(&absent.to_owned()), "{name} has a property {absent}");
        }
        if name == "mis-webhook" {
            assert!(!keys.contains(&"statusCode".to_owned()), "{name} has a property statusCode");
            assert!(keys.contains(&"status_code".to_owned()));
        }
        assert!(doc["security"].is_array(), "{name} declares no security");
    }
    let vitrina = openapi::vitrina();
    let body = request_schema(&vitrina, "/api/mo", "post");
    assert_eq!(body["required"], json!(["data"]));
    assert!(body.get("anyOf").is_none());
    assert_eq!(vitrina["components"]["schemas"]["Mo"]["properties"]["name"]["maxLength"], json!(512));
    // The stand-alone schemas keep accepting every spelling a peer may send.
    let accepted = serde_json::to_string(&fer_model::schema::by_name("cancel_response").unwrap()).unwrap();
    assert!(accepted.contains("status_сode") && accepted.contains("statusCode"));
}

#[test]
fn the_vitrina_document_has_every_call_of_the_spec() {
    let doc = openapi::vitrina();
    let paths = &doc["paths"];
    for table in Table::LOAD_ORDER {
        for method in ["post", "get", "delete"] {
            assert!(paths[table.path()][method].is_object(), "{method} {}", table.path());
        }
        assert_eq!(paths[table.path()]["post"]["responses"]["422"]["$ref"], "#/components/responses/Status422");
        assert_eq!(paths[table.path()]["get"]["parameters"][0]["name"], "id");
    }
    for path in [
        "/auth.svc",
        "/api/mo/oid/{oid}",
        "/api/oid/{oid}",
        "/api/mo/{mo_id}/resource",
        "/api/resourse/{resourse_id}/slots",
        "/api/slot/{slot_id}/books",
        "/api/callback",
        "/api/callback/check",
    ] {
        assert!(paths[path].is_object(), "{path} missing");
    }
    for method in ["post", "put", "get", "delete"] {
        assert!(paths["/api/callback"][method].is_object(), "{method} /api/callback");
    }
    assert_eq!(paths["/auth.svc"]["post"]["security"], json!([]));
    assert_eq!(doc["security"], json!([{ "bearer": [] }]));
    for status in VITRINA_STATUSES.iter().filter(|s| s.code != 200) {
        let response = &doc["components"]["responses"][format!("Status{}", status.code)];
        let description = response["description"].as_str().unwrap();
        assert!(description.starts_with(status.text_ru) && description.ends_with(status.text_en), "{}", status.code);
    }
    let spec_codes: Vec<u16> = VITRINA_STATUSES.iter().map(|s| s.code).collect();
    for code in [200, 400, 403, 404, 405, 406, 422, 500, 503] {
        assert!(spec_codes.contains(&code), "section 5 code {code}");
    }
}

#[test]
fn the_webhook_document_has_the_three_calls_and_every_code() {
    let doc = openapi::mis_webhook();
    let paths = &doc["paths"];
    assert_eq!(paths.as_object().unwrap().len(), 2);
    assert!(paths["/booking/book"]["get"]["responses"]["200"].is_object());
    let book = paths["/booking/book"]["post"]["responses"]["200"]["description"].as_str().unwrap();
    for code in fer_model::BookingRejectionCode::ALL {
        assert!(book.contains(&format!("| {} | {} |", code.code(), code.description_ru())), "{code}");
    }
    let cancel = paths["/booking/cancel"]["post"]["responses"]["200"]["description"].as_str().unwrap();
    for code in fer_model::CancelStatusCode::ALL {
        assert!(cancel.contains(&format!("| {} | {} |", code.code(), code.description_ru())), "{code}");
    }
}

/// A validator for `schema` whose references point into `doc`.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    jsonschema::validator_for(&root).unwrap()
}

fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let v = validator(doc, schema);
    let errors: Vec<String> = v.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

fn request_schema<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    &doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
}

fn answer_schema(doc: &Value, path: &str, method: &str, status: &str) -> Value {
    let response = &doc["paths"][path][method]["responses"][status];
    let response = match response["$ref"].as_str() {
        Some(target) => doc.pointer(target.trim_start_matches('#')).unwrap(),
        None => response,
    };
    response["content"]["application/json"]["schema"].clone()
}

/// The example `rel` as fer-rs rewrites it: read as `T`, written back in the canonical form.
fn canonical<T: serde::de::DeserializeOwned + serde::Serialize>(rel: &str) -> Value {
    let text = std::fs::read_to_string(fer_testkit::fixture::spec_path(rel)).unwrap();
    serde_json::to_value(serde_json::from_str::<T>(&text).unwrap()).unwrap()
}

/// The documents show the canonical form: every example of the spec, as fer-rs rewrites it,
/// validates against them.
#[test]
fn the_spec_examples_validate_against_the_documents() {
    use fer_model::{
        AuthRequest, AuthResponse, Batch, BookingRequest, BookingResponse, CancelRequest, CancelResponse, Mo, Slot,
        VitrinaResponse,
    };
    let doc = openapi::vitrina();
    let mo = canonical::<Batch<Mo>>("004/mo_batch_duplicate_name.json");
    assert_valid(&doc, request_schema(&doc, "/api/mo", "post"), &mo, "mo batch");
    for rel in ["004/slot_batch_duplicate_id.json", "004/slot_batch_duplicate_time.json"] {
        assert_valid(&doc, request_schema(&doc, "/api/slot", "post"), &canonical::<Batch<Slot>>(rel), rel);
    }
    for rel in [
        "004/mo_duplicate_name_response.json",
        "004/slot_duplicate_id_response.json",
        "004/slot_duplicate_time_response.json",
    ] {
        let answer = answer_schema(&doc, "/api/slot", "post", "422");
        assert_valid(&doc, &answer, &canonical::<VitrinaResponse>(rel), rel);
    }
    let auth = canonical::<AuthRequest>("004/auth_request.json");
    assert_valid(&doc, request_schema(&doc, "/auth.svc", "post"), &auth, "auth request");
    let token = canonical::<AuthResponse>("004/auth_response.json");
    assert_valid(&doc, &answer_schema(&doc, "/auth.svc", "post", "200"), &token, "auth");

    let webhook = openapi::mis_webhook();
    let book = request_schema(&webhook, "/booking/book", "post");
    assert_valid(&webhook, book, &canonical::<BookingRequest>("004/booking_request.json"), "booking request");
    let cancel = request_schema(&webhook, "/booking/cancel", "post");
    assert_valid(&webhook, cancel, &canonical::<CancelRequest>("004/cancel_request.json"), "cancel request");
    let booked = answer_schema(&webhook, "/booking/book", "post", "200");
    let answer = canonical::<BookingResponse>("004/booking_response.json");
    assert_valid(&webhook, &booked, &answer, "booking response");
    let cancelled = answer_schema(&webhook, "/booking/cancel", "post", "200");
    for rel in ["004/cancel_response_ok.json", "004/cancel_response_already_cancelled.json"] {
        let answer = canonical::<CancelResponse>(rel);
        assert!(answer["status"]["status_code"].is_number(), "{rel}: the canonical key");
        assert_valid(&webhook, &cancelled, &answer, rel);
        // The example as printed spells the key `status_сode`: the document does not describe it.
        assert!(!validator(&webhook, &cancelled).is_valid(&fixture(rel)), "{rel} as printed");
    }
}

#[test]
fn invalid_payloads_fail_against_the_documents() {
    let doc = openapi::vitrina();
    let slot_body = request_schema(&doc, "/api/slot", "post");
    let mut batch = fixture("004/slot_batch_duplicate_time.json");
    batch["data"][0]["tag_age"] = json!("OLD");
    assert!(!validator(&doc, slot_body).is_valid(&batch), "tag_age OLD must be refused");
    assert!(!validator(&doc, slot_body).is_valid(&json!({ "rows": [] })));

    let webhook = openapi::mis_webhook();
    let mut answer = fixture("004/booking_response.json");
    answer["status"]["status_code"] = json!(16);
    let booked = answer_schema(&webhook, "/booking/book", "post", "200");
    assert!(!validator(&webhook, &booked).is_valid(&answer), "code 16 is not a booking code");
}

fn parameter_schema(doc: &Value, path: &str, name: &str) -> Value {
    let parameters = doc["paths"][path]["get"]["parameters"].as_array().unwrap();
    parameters.iter().find(|p| p["name"] == name).unwrap()["schema"].clone()
}

/// schemathesis found these: the emulator (rightly) reads an empty `startDate=` as no bound and
/// refuses an empty `address=`; the document said otherwise.
#[test]
fn query_parameters_say_what_the_emulator_accepts() {
    let doc = openapi::vitrina();
    for path in ["/api/resourse/{resourse_id}/slots", "/api/resource/{resource_id}/slots"] {
        let start = validator(&doc, &parameter_schema(&doc, path, "startDate"));
        assert!(start.is_valid(&json!("2024-03-28")) && start.is_valid(&json!("")), "{path}");
    }
    let address = validator(&doc, &parameter_schema(&doc, "/api/callback/check", "address"));
    assert!(!address.is_valid(&json!("")));
    assert!(address.is_valid(&json!("http://127.0.0.1:8080")));
}

/// The documents describe exactly the routes of `fer_model::endpoint`, method by method: the
/// generator takes its paths from there, and nothing is documented that is not declared.
#[test]
fn documents_describe_exactly_the_declared_endpoints() {
    use fer_model::endpoint::{self, Endpoint};
    use std::collections::BTreeSet;

    fn operations(doc: &Value) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in ["get", "post", "put", "delete"] {
                if item.get(method).is_some() {
                    out.insert((method.to_owned(), path.clone()));
                }
            }
        }
        out
    }
    fn declared<'a>(endpoints: impl IntoIterator<Item = &'a Endpoint>) -> BTreeSet<(String, String)> {
        endpoints
            .into_iter()
            .flat_map(|e| e.paths().map(move |p| (e.method.as_openapi_key().to_owned(), p.to_owned())))
            .collect()
    }
    let docs: std::collections::HashMap<_, _> = openapi::all().into_iter().collect();
    let vitrina = declared(&endpoint::all_vitrina());
    assert_eq!(operations(&docs["vitrina"]), vitrina);
    // The webhook document describes the two calls with a body; the probe is described on /booking/book's GET only
    // when the generator documents it.
    let webhook_doc = operations(&docs["mis-webhook"]);
    let book_and_cancel = declared([&endpoint::WEBHOOK_BOOK, &endpoint::WEBHOOK_CANCEL]);
    assert!(book_and_cancel.is_subset(&webhook_doc), "{webhook_doc:?}");
    assert!(webhook_doc.is_subset(&declared(endpoint::WEBHOOK)), "{webhook_doc:?}");
}
