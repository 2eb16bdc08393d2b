//! OpenAPI 3.1 documents of the two HTTP interfaces, for vendors who do not write Rust: code
//! generators, Swagger UI, Postman and API test suites consume them.
//!
//! * [`vitrina`]: what the MIS calls on the Vitrina (the Vitrina integration profile: `/auth.svc` of section 6, the eight
//!   tables' POST/GET/DELETE and the list calls of section 5, webhook registration `/api/callback`
//!   of section 8), with the Appendix 2 envelope and every HTTP status of section 5 («Коды
//!   ошибок») with its meaning.
//! * [`mis_webhook`]: what the FER gateway calls on the MIS (section 7): `POST /booking/book`,
//!   `POST /booking/cancel` and the probe `GET /booking/book`, with the booking and cancel status
//!   codes.
//!
//! The schemas are those of [`crate::schema::canonical`], not copies: the same types as the files
//! under `schemas/`, in the one form fer-rs writes (the serialize contract), so that code
//! generators get one member per field (`status_code` only; the spellings fer-rs also reads are
//! named in the descriptions). Each model is put under `components/schemas` by its title and its
//! `$defs` beside it, each with a `title`, references rewritten to `#/components/schemas/...`.
//! OpenAPI 3.1 uses JSON Schema 2020-12, the draft of those schemas. Table bodies are the
//! profile's `{"data": [...]}`. Descriptions are in Russian (the spec's words) and English.
//!
//! The documents are `serde_json::Value`s; `fer schema openapi DIR` writes them as YAML
//! (`openapi/vitrina.yaml`, `openapi/mis-webhook.yaml`), fer-emulator serves the first at
//! `/openapi.json`.
//!
//! ```
//! let doc = fer_model::openapi::vitrina();
//! assert_eq!(doc["openapi"], "3.1.0");
//! let post = &doc["paths"]["/api/slot"]["post"];
//! assert_eq!(post["responses"]["422"]["$ref"], "#/components/responses/Status422");
//! assert!(doc["components"]["schemas"]["Slot"]["properties"]["visit_time"].is_object());
//!
//! let webhook = fer_model::openapi::mis_webhook();
//! let answer = &webhook["paths"]["/booking/book"]["post"]["responses"]["200"];
//! assert!(answer["description"].as_str().unwrap().contains("| 14 |"));
//! ```

mod components;
mod status;
mod vitrina;
mod webhook;

use serde_json::{Value, json};

pub use status::{HttpStatus, VITRINA_STATUSES};

/// The OpenAPI version of the documents.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// The OpenAPI 3.1 document of the Vitrina API (sections 5, 6 and 8 of the Vitrina integration profile; Appendix 2).
pub fn vitrina() -> Value {
    vitrina::document()
}

/// The OpenAPI 3.1 document of the MIS webhook the gateway calls (section 7 of the Vitrina integration profile).
pub fn mis_webhook() -> Value {
    webhook::document()
}

/// Both documents with their file names without extension: `vitrina` and `mis-webhook`.
pub fn all() -> [(&'static str, Value); 2] {
    [("vitrina", vitrina()), ("mis-webhook", mis_webhook())]
}

/// Russian, a blank line, then English.
pub(crate) fn bilingual(ru: &str, en: &str) -> String {
    format!("{ru}\n\n{en}")
}

/// The `info` object shared by both documents.
fn info(title: &str, ru: &str, en: &str) -> Value {
    json!({
        "title": title,
        "version": env!("CARGO_PKG_VERSION"),
        "description": bilingual(ru, en),
        "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
    })
}
