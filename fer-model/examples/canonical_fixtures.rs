//! Writes the spec's examples (`fixtures/spec/`) as fer-rs rewrites them, each read with its
//! fer-model type and written back in the one canonical form (`status_code`, lowercase GUIDs,
//! numbers for slot durations, …), plus `manifest.json`: for every example its stand-alone schema
//! under `schemas/`, and for those the OpenAPI documents cover, the document, the component and
//! the canonical file. `scripts/generators.sh` loads the examples as printed through the models
//! generated from `schemas/`, and the canonical files through those generated from `openapi/`.
//!
//! ```text
//! cargo run -p fer-model --example canonical_fixtures -- target/generators/fixtures
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fer_model::{
    AuthRequest, AuthResponse, Batch, BookingRequest, BookingResponse, CancelRequest, CancelResponse, Mo, Slot,
    VitrinaResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// An example: file under `fixtures/spec/`, its schema under `schemas/`, whether it is a
/// `{"data": [...]}` batch of that schema's records, and the OpenAPI document and component.
type Example = (&'static str, &'static str, bool, Option<(&'static str, &'static str)>);

/// The spec's examples.
const EXAMPLES: [Example; 20] = [
    ("004/auth_request.json", "auth_request", false, Some(("vitrina", "AuthRequest"))),
    ("004/auth_response.json", "auth_response", false, Some(("vitrina", "AuthResponse"))),
    ("004/mo_batch_duplicate_name.json", "mo", true, Some(("vitrina", "Mo"))),
    ("004/mo_duplicate_name_response.json", "vitrina_response", false, Some(("vitrina", "VitrinaResponse"))),
    ("004/slot_batch_duplicate_id.json", "slot", true, Some(("vitrina", "Slot"))),
    ("004/slot_duplicate_id_response.json", "vitrina_response", false, Some(("vitrina", "VitrinaResponse"))),
    ("004/slot_batch_duplicate_time.json", "slot", true, Some(("vitrina", "Slot"))),
    ("004/slot_duplicate_time_response.json", "vitrina_response", false, Some(("vitrina", "VitrinaResponse"))),
    ("004/booking_request.json", "booking_request", false, Some(("mis-webhook", "BookingRequest"))),
    ("004/booking_response.json", "booking_response", false, Some(("mis-webhook", "BookingResponse"))),
    ("004/cancel_request.json", "cancel_request", false, Some(("mis-webhook", "CancelRequest"))),
    ("004/cancel_response_ok.json", "cancel_response", false, Some(("mis-webhook", "CancelResponse"))),
    ("004/cancel_response_already_cancelled.json", "cancel_response", false, Some(("mis-webhook", "CancelResponse"))),
    ("000/entry_request.json", "portal/entry_request", false, None),
    ("001/ticket_visit_with_lpu_response.json", "portal/ticket_visit_with_lpu", false, None),
    ("002/appointment_request.json", "portal/appointment_request", false, None),
    ("002/appointment_response.json", "portal/appointment", false, None),
    ("003/ticket_call_with_lpu_base.json", "portal/ticket_call_with_lpu_base", false, None),
    ("003/ticket_visit_with_lpu_base.json", "portal/ticket_visit_with_lpu_base", false, None),
    ("003/ticket_lists_response.json", "portal/ticket_lists_response", false, None),
];

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/spec")
}

/// The example `rel` read as `T` and written back.
fn canonical<T: DeserializeOwned + Serialize>(rel: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(spec().join(rel)).map_err(|e| format!("{rel}: {e}"))?;
    let value: T = serde_json::from_str(&text).map_err(|e| format!("{rel}: {e}"))?;
    serde_json::to_value(value).map_err(|e| format!("{rel}: {e}"))
}

fn rewrite(rel: &str, schema: &str) -> Result<Value, String> {
    match schema {
        "auth_request" => canonical::<AuthRequest>(rel),
        "auth_response" => canonical::<AuthResponse>(rel),
        "mo" => canonical::<Batch<Mo>>(rel),
        "slot" => canonical::<Batch<Slot>>(rel),
        "vitrina_response" => canonical::<VitrinaResponse>(rel),
        "booking_request" => canonical::<BookingRequest>(rel),
        "booking_response" => canonical::<BookingResponse>(rel),
        "cancel_request" => canonical::<CancelRequest>(rel),
        "cancel_response" => canonical::<CancelResponse>(rel),
        other => Err(format!("{rel}: no type for schema {other}")),
    }
}

fn run(out: &Path) -> Result<(), String> {
    let mut manifest = Vec::new();
    for (rel, schema, batch, openapi) in EXAMPLES {
        let mut entry = json!({
            "file": spec().join(rel).canonicalize().map_err(|e| format!("{rel}: {e}"))?,
            "name": rel.replace('/', "_").trim_end_matches(".json"),
            "schema": schema,
            "batch": batch,
        });
        if let Some((document, component)) = openapi {
            let path = out.join(rel);
            std::fs::create_dir_all(path.parent().unwrap_or(out)).map_err(|e| format!("{}: {e}", out.display()))?;
            let text = serde_json::to_string_pretty(&rewrite(rel, schema)?).map_err(|e| e.to_string())?;
            std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
            entry["document"] = json!(document);
            entry["component"] = json!(component);
            entry["canonical"] = json!(path);
        }
        manifest.push(entry);
    }
    let path = out.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}

fn main() -> ExitCode {
    let Some(out) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: canonical_fixtures DIR");
        return ExitCode::from(2);
    };
    match std::fs::create_dir_all(&out).map_err(|e| e.to_string()).and_then(|()| run(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("canonical_fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}
