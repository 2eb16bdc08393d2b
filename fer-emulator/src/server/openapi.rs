//! `GET /openapi.json`: the OpenAPI 3.1 document of the Vitrina API
//! ([`fer_model::openapi::vitrina`]), with `servers` set to the address the request was sent to, so
//! that Swagger UI, Postman or schemathesis pointed at the emulator call the emulator.
//!
//! Like the sandbox routes it needs no token and is not a Vitrina call: no envelope, no faults.

use axum::Json;
use http::HeaderMap;
use http::header::HOST;
use serde_json::{Value, json};

/// The document, its server being `http://<Host>` (or the document's own when there is no Host).
pub(crate) async fn document(headers: HeaderMap) -> Json<Value> {
    let mut document = fer_model::openapi::vitrina();
    if let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) {
        document["servers"] = json!([{ "url": format!("http://{host}"), "description": "fer-emulator" }]);
    }
    Json(document)
}
