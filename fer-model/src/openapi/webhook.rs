//! The MIS webhook document: the three calls the FER gateway makes to the MIS (the Vitrina integration profile, section 7
//! «Сервис бронирования и отмены записи на прием», and the probe of section 8 step 3).

use serde_json::{Map, Value, json};

use super::components::{Components, schema_ref};
use super::{OPENAPI_VERSION, bilingual, info};
use crate::{BookingRejectionCode, CancelStatusCode};
use crate::{endpoint, schema};

/// The exported schemas the webhook document uses.
const SCHEMAS: [&str; 4] = ["booking_request", "booking_response", "cancel_request", "cancel_response"];

/// The OpenAPI 3.1 document of the MIS webhook.
pub(crate) fn document() -> Value {
    let mut components = Components::default();
    let mut refs = Map::new();
    for (name, schema) in schema::canonical().into_iter().filter(|(name, _)| SCHEMAS.contains(name)) {
        let component = components.add(name, schema);
        refs.insert(name.to_owned(), schema_ref(&component));
    }
    let schema = |name: &str| refs.get(name).cloned().unwrap_or(Value::Null);
    let error = json!({
        "type": "object",
        "description": "fer-webhook's transport error; any body is allowed for these statuses.",
        "properties": {
            "error": {
                "type": "object",
                "title": "WebhookErrorDetail",
                "required": ["code", "message"],
                "properties": {
                    "code": { "type": "string", "examples": ["malformed_json"] },
                    "message": { "type": "string" },
                    "request_id": { "type": "string" },
                },
            },
        },
    });
    components.insert("WebhookError", error);
    let transport = |code: u16, ru: &str, en: &str| {
        (
            code.to_string(),
            json!({ "description": bilingual(ru, en),
            "content": { "application/json": { "schema": schema_ref("WebhookError") } } }),
        )
    };
    let transport_errors: Map<String, Value> = [
        transport(
            400,
            "Тело не является JSON или gzip повреждён",
            "The body is not JSON, or not valid gzip (the transport; business failures are a status code in a 200).",
        ),
        transport(
            403,
            "Адрес источника не входит в список разрешённых",
            "The caller's address is not on the allow-list (only the gateway may call).",
        ),
        transport(
            413,
            "Тело запроса слишком велико (до или после распаковки gzip)",
            "The body is too large, as sent or once gunzipped.",
        ),
        transport(415, "Неподдерживаемый Content-Encoding", "A Content-Encoding other than gzip or identity."),
    ]
    .into_iter()
    .collect();

    let booking_codes = code_table(
        std::iter::once((0, "Запись создана", "Переход на экран успешной записи – не отображается пользователю"))
            .chain(BookingRejectionCode::ALL.iter().map(|c| (c.code(), c.description_ru(), c.user_title_ru()))),
    );
    let cancel_codes = code_table(
        CancelStatusCode::ALL
            .iter()
            .map(|c| (c.code(), c.description_ru(), c.user_title_ru().unwrap_or("– не отображается пользователю"))),
    );
    let call = |id: &str, summary: &str, ru: &str, en: &str, request: Value, answer: Value, codes: &str| {
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            json!({
                "description": bilingual(
                    &format!("Ответ на успешно выполненный запрос (200). Результат – в status.status_code:\n\n{codes}"),
                    "Every processed call answers 200; the outcome is `status.status_code` (table above). A \
                     request that is well-formed JSON but invalid is answered with code 18 and the reason in \
                     `status_message`. The gateway waits at most 10 seconds.",
                ),
                "content": { "application/json": { "schema": answer } },
            }),
        );
        responses.extend(transport_errors.clone());
        json!({ "post": {
            "tags": ["booking"],
            "operationId": id,
            "summary": summary,
            "description": bilingual(ru, en),
            "requestBody": { "required": true, "content": { "application/json": { "schema": request } } },
            "responses": responses,
        }})
    };
    let mut book = call(
        "book",
        "Бронирование слота / Book a slot",
        "Метод POST /booking/book используется для бронирования слота. ФЭР шлюз передает набор данных в МИС МО для \
         бронирования, в ответном сообщении МИС МО возвращает извещение о результатах обработки запроса.",
        "The gateway asks the MIS to book a slot for a patient. On success (code 0) the gateway itself marks the \
         slot RECORDED and adds the book (status 5000) on the Vitrina (UC-1).",
        schema("booking_request"),
        schema("booking_response"),
        &booking_codes,
    );
    book["get"] = json!({
        "tags": ["booking"],
        "operationId": "probe",
        "summary": "Проверка доступности ответного сервиса / Reachability probe",
        "description": bilingual(
            "ФЭР шлюз проверяет доступность ответного сервиса, отправив запрос GET ip:port/booking/book. Ответный \
             сервис отправляет ответ 200.",
            "Before registering a webhook the gateway sends `GET <address>/booking/book` and registers it only on \
             200. Any body is allowed.",
        ),
        "responses": {
            "200": { "description": "Ответный сервис доступен / The webhook is reachable" },
            "403": transport_errors.get("403").cloned().unwrap_or(Value::Null),
        },
    });
    let cancel = call(
        "cancel",
        "Отмена бронирования / Cancel a booking",
        "Метод POST /booking/cancel используется для отмены бронирования слота. ФЭР шлюз передает набор данных в МИС \
         МО для отмены бронирования, в ответном сообщении МИС МО возвращает извещение о результатах обработки \
         запроса.",
        "The gateway asks the MIS to cancel a booking. On success (code 0) the gateway marks the slot AVAILABLE \
         and the book 5010 on the Vitrina (UC-1.1).",
        schema("cancel_request"),
        schema("cancel_response"),
        &cancel_codes,
    );

    json!({
        "openapi": OPENAPI_VERSION,
        "info": info(
            "FER 2.0 MIS booking webhook",
            "Ответный сервис МИС (вебхук): запросы ФЭР шлюза на бронирование и отмену записи (раздел 7) и \
             проверка доступности (раздел 8). Адрес сервиса регистрируется в Витрине: POST /api/callback.",
            "What the FER gateway calls on the MIS: book, cancel, and the reachability probe. Every call must be \
             answered within 10 seconds with exactly this JSON; business failures are a status code inside a \
             200 answer. Implement it in any language, or use the fer-webhook crate.",
        ),
        "servers": [{
            "url": "{address}",
            "description": bilingual("Адрес, зарегистрированный в /api/callback", "The address registered with /api/callback"),
            "variables": { "address": { "default": "http://127.0.0.1:8080" } },
        }],
        "tags": [{ "name": "booking", "description": bilingual(
            "Сервис бронирования и отмены записи на прием (раздел 7)",
            "Booking and cancel (section 7)") }],
        // The gateway sends no credentials: the MIS admits it by its address (the 403 of each call).
        "security": [],
        "paths": { (endpoint::WEBHOOK_BOOK.path): book, (endpoint::WEBHOOK_CANCEL.path): cancel },
        "components": { "schemas": components.into_value() },
    })
}

/// A Markdown table of codes: code, «Описание ошибки», «Отображаемый текст для пользователя».
fn code_table<'a>(rows: impl Iterator<Item = (u16, &'a str, &'a str)>) -> String {
    let mut table =
        String::from("| status_code | Описание ошибки | Отображаемый текст для пользователя |\n|---|---|---|\n");
    for (code, description, user_text) in rows {
        table.push_str(&format!("| {code} | {description} | {user_text} |\n"));
    }
    table
}
