//! The Vitrina document: what the MIS calls (the Vitrina integration profile, sections 5, 6 and 8; [`spec::quirks`](crate::spec::quirks)).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::components::{Components, schema_ref};
use super::status::{HttpStatus, VITRINA_STATUSES};
use super::{OPENAPI_VERSION, bilingual, info};
use crate::schema::{self, canonical_schema_for};
use crate::{Table, endpoint};

/// The exported schemas the Vitrina document uses (names of [`crate::schema::names`]).
const SCHEMAS: [&str; 12] = [
    "mo",
    "resource",
    "service",
    "slot",
    "book",
    "referral",
    "unaccessable_period",
    "profilecode_resource",
    "auth_request",
    "auth_response",
    "vitrina_response",
    "callback",
];

/// Statuses of every call under `/api` besides 200.
const API_ERRORS: [u16; 6] = [400, 401, 403, 406, 500, 503];
/// Statuses of a call that reads a body, besides [`API_ERRORS`].
const BODY_ERRORS: [u16; 2] = [413, 415];

/// The OpenAPI 3.1 document of the Vitrina API.
pub(crate) fn document() -> Value {
    let mut components = Components::default();
    let mut names: BTreeMap<&str, String> = BTreeMap::new();
    for (name, schema) in schema::canonical().into_iter().filter(|(name, _)| SCHEMAS.contains(name)) {
        names.insert(name, components.add(name, schema));
    }
    let table_schema = components.add("table", canonical_schema_for::<Table>());
    let doc = Doc { names, table_schema };

    let mut paths = Map::new();
    paths.insert(endpoint::LOGIN.path.into(), doc.auth());
    for table in Table::LOAD_ORDER {
        paths.insert(table.path().into(), doc.table(table));
    }
    for (path, item) in doc.lists() {
        paths.insert(path.into(), item);
    }
    paths.insert(endpoint::CALLBACK_REGISTER.path.into(), doc.callback());
    paths.insert(endpoint::CALLBACK_CHECK.path.into(), doc.callback_check());

    let responses: Map<String, Value> = VITRINA_STATUSES
        .iter()
        .filter(|s| s.code != 200)
        .map(|s| {
            (response_name(s.code), json!({ "description": s.description(), "content": json_body(doc.envelope()) }))
        })
        .collect();
    let mut tags = vec![
        json!({ "name": "auth", "description": bilingual("Сервис авторизации (раздел 6)", "Authorisation (section 6)") }),
    ];
    tags.extend(Table::LOAD_ORDER.iter().map(|t| {
        json!({ "name": t.as_str(), "description": bilingual(&format!("Таблица «{}» (Приложение 1)", t.name_ru()),
            &format!("Table `{t}` (Appendix 1)")) })
    }));
    tags.push(json!({ "name": "callback", "description": bilingual(
        "Регистрация ответного сервиса (вебхука) МИС (раздел 8, «Ответный сервис»)",
        "Registration of the MIS webhook (section 8, the callback service)") }));

    json!({
        "openapi": OPENAPI_VERSION,
        "info": info(
            "FER 2.0 Vitrina «Запись к врачу»",
            "Витрина данных «Запись к врачу» ФЭР 2.0: передача данных МИС (подразделения, ресурсы, услуги, \
             слоты, бирки, направления, периоды недоступности, профили), авторизация и регистрация \
             ответного сервиса. Каждый ответ (кроме /auth.svc) имеет структуру Приложения 2.",
            "The FER 2.0 data showcase (Vitrina) as the MIS calls it: the eight tables, authorisation and \
             webhook registration. Every answer except /auth.svc is the Appendix 2 envelope \
             (`VitrinaResponse`). POST bodies may be gzip-compressed (`Content-Encoding: gzip`). Generated \
             by fer-rs from the same types as its JSON Schemas; the schemas accept every form the spec's \
             examples send and describe the canonical form that is emitted.",
        ),
        "servers": [{
            "url": "http://127.0.0.1:8080",
            "description": bilingual("Локальный эмулятор fer-emulator", "fer-emulator --listen 127.0.0.1:8080"),
        }],
        "tags": tags,
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "schemas": components.into_value(),
            "responses": responses,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": bilingual(
                        "Значение `Result.Value` ответа /auth.svc: `Authorization: Bearer <value>`",
                        "`Result.Value` of the /auth.svc answer, valid until `Result.ValidTo`.",
                    ),
                },
            },
        },
    })
}

/// The name of the shared response for `code`, e.g. `Status422`.
fn response_name(code: u16) -> String {
    format!("Status{code}")
}

fn json_body(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

/// The `responses` of an operation: its own 200 and the shared answers of `codes`.
fn responses(ok: Value, codes: &[u16]) -> Value {
    let mut map = Map::new();
    map.insert("200".into(), ok);
    let mut codes = codes.to_vec();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        map.insert(code.to_string(), json!({ "$ref": format!("#/components/responses/{}", response_name(code)) }));
    }
    Value::Object(map)
}

/// The `?id=` of GET and DELETE on a table.
fn id_parameter(table: Table) -> Value {
    json!({
        "name": "id",
        "in": "query",
        "required": true,
        "description": bilingual("id – уникальный идентификатор записи",
            &format!("The record's `{}`.", table.id_field())),
        "schema": schema_ref("Guid"),
    })
}

/// Names of the components the paths refer to.
struct Doc {
    names: BTreeMap<&'static str, String>,
    table_schema: String,
}

impl Doc {
    fn schema(&self, name: &str) -> Value {
        schema_ref(self.names.get(name).map_or(name, String::as_str))
    }

    fn envelope(&self) -> Value {
        self.schema("vitrina_response")
    }

    /// The envelope whose `result` is `result`.
    fn envelope_with(&self, result: Value) -> Value {
        json!({ "allOf": [self.envelope(), { "type": "object", "properties": { "result": result } }] })
    }

    fn ok(&self, result: Option<Value>) -> Value {
        let schema = result.map_or_else(|| self.envelope(), |r| self.envelope_with(r));
        json!({ "description": VITRINA_STATUSES[0].description(), "content": json_body(schema) })
    }

    fn auth(&self) -> Value {
        let answer = |code: u16| {
            let status = HttpStatus::vitrina(code).map(|s| s.description()).unwrap_or_default();
            json!({ "description": status, "content": json_body(self.schema("auth_response")) })
        };
        let mut responses = responses(answer(200), &[413, 415, 500, 503]);
        responses["400"] = answer(400);
        responses["401"] = answer(401);
        // Not in the spec's table: fer-emulator slows down password guessing.
        responses["429"] = json!({
            "description": bilingual(
                "Слишком много неверных паролей подряд для этого username: повторите вход через Retry-After \
                 секунд (ограничение эмулятора fer-rs)",
                "Too many wrong passwords in a row for this username: retry after Retry-After seconds \
                 (the fer-rs emulator's login throttle).",
            ),
            "headers": { "Retry-After": { "description": "Seconds to wait", "schema": { "type": "integer" } } },
            "content": json_body(self.schema("auth_response")),
        });
        json!({ "post": {
            "tags": ["auth"],
            "operationId": "auth",
            "summary": "Авторизация / Get a token",
            "description": bilingual(
                "Каждый запрос к API проходит авторизацию, в ходе которой сверяется значение параметра value со \
                 значением на сервере авторизации. Для получения value необходимо отправить HTTP POST запрос на \
                 адрес сервиса с двумя параметрами: username, password (раздел 6).",
                "Exchanges the MO's OID and password for a token; send it as `Authorization: Bearer <Value>` \
                 until `ValidTo`. The answer is PascalCase, not the Appendix 2 envelope.",
            ),
            "security": [],
            "requestBody": { "required": true, "content": json_body(self.schema("auth_request")) },
            "responses": responses,
        }})
    }

    fn table(&self, table: Table) -> Value {
        let record = self.schema(table.as_str());
        let name_ru = table.name_ru();
        // The profile's form only: the Vitrina's acceptance of a bare array is said in the text, not
        // as an `anyOf` (generators make a broken union type of it).
        let body = json!({
            "type": "object",
            "title": format!("{}Batch", self.names.get(table.as_str()).map_or(table.as_str(), String::as_str)),
            "required": ["data"],
            "properties": { "data": { "type": "array", "items": record } },
        });
        let cascade: Vec<&str> = table.cascades_to().iter().map(|t| t.as_str()).collect();
        let cascade_en = if cascade.is_empty() {
            String::new()
        } else {
            format!(" The Vitrina also deletes the row's {} (cascade, section 3.1.5).", cascade.join(", "))
        };
        let deleted = json!({
            "type": "array",
            "items": {
                "type": "object",
                "required": ["table", "id"],
                "properties": { "table": schema_ref(&self.table_schema), "id": schema_ref("Guid") },
            },
        });
        json!({
            "post": {
                "tags": [table.as_str()],
                "operationId": format!("upsert_{table}"),
                "summary": format!("Добавление и обновление данных / Upsert {table} records"),
                "description": bilingual(
                    &format!("Добавление и обновление данных (таблица «{name_ru}», Приложение 1). Тело: \
                              {{\"data\": [...]}}, может быть сжато gzip (Content-Encoding: gzip)."),
                    &format!("Adds new records and updates existing ones (by `{}`). The body is a batch \
                              `{{\"data\": [...]}}`, plain or gzip (fer-emulator also reads a bare array). A 422 may be a \
                              partial success: `sendedGuids` lists what was accepted.", table.id_field()),
                ),
                "requestBody": { "required": true, "content": json_body(body) },
                "responses": responses(self.ok(None), &[&API_ERRORS[..], &BODY_ERRORS, &[405, 422]].concat()),
            },
            "get": {
                "tags": [table.as_str()],
                "operationId": format!("get_{table}"),
                "summary": format!("Получение данных по идентификатору / Get a {table} record"),
                "description": bilingual(
                    &format!("Получение данных (таблица «{name_ru}») по идентификатору; результат в поле result."),
                    "The record with the given id, in `result`.",
                ),
                "parameters": [id_parameter(table)],
                "responses": responses(self.ok(Some(record.clone())), &[&API_ERRORS[..], &[404]].concat()),
            },
            "delete": {
                "tags": [table.as_str()],
                "operationId": format!("delete_{table}"),
                "summary": format!("Удаление данных / Delete a {table} record"),
                "description": bilingual(
                    &format!("Удаление данных (таблица «{name_ru}») по идентификатору."),
                    &format!("Deletes the record; `sendedGuids` holds its id and `result` every deleted row \
                              (fer-emulator).{cascade_en}"),
                ),
                "parameters": [id_parameter(table)],
                "responses": responses(self.ok(Some(deleted)), &[&API_ERRORS[..], &[404, 405]].concat()),
            },
        })
    }

    fn list(&self, table: Table, id: &str, param: Value, summary: (&str, &str), extra: Vec<Value>) -> Value {
        let mut parameters = vec![json!({ "name": param["name"], "in": "path", "required": true,
            "description": param["description"], "schema": param["schema"] })];
        parameters.extend(extra);
        json!({ "get": {
            "tags": [table.as_str()],
            "operationId": id,
            "summary": format!("{} / {}", summary.0, summary.1),
            "description": bilingual(summary.0, summary.1),
            "parameters": parameters,
            "responses": responses(self.ok(Some(json!({ "type": "array", "items": self.schema(table.as_str()) }))),
                &API_ERRORS),
        }})
    }

    /// The list calls of section 5 (both spellings where the spec has two).
    fn lists(&self) -> Vec<(&'static str, Value)> {
        let oid = json!({ "name": "oid", "description": "oid – OID МО / the MO's OID (or a subdivision's)",
            "schema": schema_ref("Oid") });
        let mo_id = json!({ "name": "mo_id", "description": "mo_id – идентификатор подразделения / subdivision id",
            "schema": schema_ref("Guid") });
        let resource_id = json!({ "name": "resourse_id",
            "description": "Id_ resourse – уникальный идентификатор ресурса / the resource's id",
            "schema": schema_ref("Guid") });
        let slot_id = json!({ "name": "slot_id", "description": "slot_id – идентификатор слота / the slot's id",
            "schema": schema_ref("Guid") });
        let date = |name: &str, ru: &str, en: &str| {
            json!({ "name": name, "in": "query", "required": false,
                "description": bilingual(&format!("{ru}. Формат YYYY-MM-DD"), &format!("{en} An empty value \
                    is the same as none.")),
                "schema": { "anyOf": [
                    { "type": "string", "format": "date" },
                    { "type": "string", "pattern": "^\\s*$" },
                ] } })
        };
        let range = vec![
            date(
                "startDate",
                "startDate – начало интервала поиска по времени слота",
                "First day of `visit_time` (inclusive); open when absent.",
            ),
            date(
                "endDate",
                "endDate – конец интервала поиска по времени слота",
                "Last day of `visit_time` (inclusive); open when absent.",
            ),
        ];
        let mo_summary = (
            "Получение данных о подразделениях МО по OID MO",
            "The subdivisions of an MO (`parent_id` = OID), or the subdivision whose `branch_oid` is the OID",
        );
        let slots_summary = ("Получение данных слотов по ресурсу", "The resource's slots, by day of `visit_time`");
        let mut resource_id_alias = resource_id.clone();
        resource_id_alias["name"] = json!("resource_id");
        vec![
            (endpoint::MO_BY_OID.path, self.list(Table::Mo, "list_mo_by_oid", oid.clone(), mo_summary, vec![])),
            (
                endpoint::MO_BY_OID.aliases[0],
                self.list(
                    Table::Mo,
                    "list_mo_by_oid_alias",
                    oid,
                    (mo_summary.0, "Same as /api/mo/oid/{oid}: the address row of the spec spells it so"),
                    vec![],
                ),
            ),
            (
                endpoint::RESOURCES_OF_MO.path,
                self.list(
                    Table::Resource,
                    "list_resources_of_mo",
                    mo_id,
                    ("Получение данных ресурсов подразделения", "The subdivision's resources"),
                    vec![],
                ),
            ),
            (
                endpoint::SLOTS_OF_RESOURCE.path,
                self.list(Table::Slot, "list_slots_of_resource", resource_id, slots_summary, range.clone()),
            ),
            (
                endpoint::SLOTS_OF_RESOURCE.aliases[0],
                self.list(
                    Table::Slot,
                    "list_slots_of_resource_alias",
                    resource_id_alias,
                    (slots_summary.0, "Same as /api/resourse/{resourse_id}/slots, usual spelling"),
                    range,
                ),
            ),
            (
                endpoint::BOOKS_OF_SLOT.path,
                self.list(
                    Table::Book,
                    "list_books_of_slot",
                    slot_id,
                    ("Получение бирок слота", "The slot's books"),
                    vec![],
                ),
            ),
        ]
    }

    fn callback_query(&self, with_address: bool) -> Vec<Value> {
        let mut params = vec![json!({ "name": "depart_oid", "in": "query", "required": false,
            "description": bilingual("depart_oid – OID подразделения", "A subdivision's own webhook; the MO's when absent."),
            "schema": schema_ref("Oid") })];
        if with_address {
            params.insert(
                0,
                json!({ "name": "address", "in": "query", "required": false,
                "description": bilingual(
                    "address – URL адрес сервиса, на который будут поступать запросы бронирования",
                    "The webhook's base URL (its /booking/book and /booking/cancel); the JSON body takes precedence."),
                "schema": { "type": "string" } }),
            );
        }
        params
    }

    fn callback(&self) -> Value {
        let registration = self.ok(Some(self.schema("callback")));
        let body = json!({ "required": false, "content": json_body(self.schema("callback")) });
        let probe_en = "The gateway first probes `GET <address>/booking/book` and registers only on 200 \
                        (alternative flow 5a: otherwise 400 with `CALLBACK_UNREACHABLE`).";
        let save_errors = [&API_ERRORS[..], &BODY_ERRORS].concat();
        json!({
            "post": {
                "tags": ["callback"],
                "operationId": "register_callback",
                "summary": "Регистрация вебхука / Register the webhook",
                "description": bilingual(
                    "Доступна регистрация одного вебхука. В случае, если необходимо зарегистрировать отдельный \
                     вебхук для структурного подразделения, необходимо указывать OID подразделения. ФЭР шлюз \
                     проверяет доступность ответного сервиса, отправив запрос GET ip:port/booking/book.",
                    &format!("One webhook per MO, optionally one per subdivision (`depart_oid`); replaces an \
                              earlier one. Body `{{\"address\", \"depart_oid\"}}` or the same as query \
                              parameters. {probe_en}"),
                ),
                "parameters": self.callback_query(true),
                "requestBody": body,
                "responses": responses(registration.clone(), &save_errors),
            },
            "put": {
                "tags": ["callback"],
                "operationId": "update_callback",
                "summary": "Обновление вебхука / Update the webhook",
                "description": bilingual(
                    "Обновление вебхука (спецификация описывает его как GET с параметром address).",
                    &format!("Changes an existing registration (404 when there is none). {probe_en}"),
                ),
                "parameters": self.callback_query(true),
                "requestBody": body,
                "responses": responses(registration.clone(), &[&save_errors[..], &[404]].concat()),
            },
            "get": {
                "tags": ["callback"],
                "operationId": "get_callback",
                "summary": "Получение вебхука / Get the webhook",
                "description": bilingual(
                    "Получение вебхука (подразделения, если указан depart_oid). С параметром address – \
                     обновление вебхука, как в спецификации.",
                    "The registration (404 when there is none). With `address` this is the spec's form of an \
                     update.",
                ),
                "parameters": self.callback_query(true),
                "responses": responses(registration.clone(), &[&API_ERRORS[..], &[404]].concat()),
            },
            "delete": {
                "tags": ["callback"],
                "operationId": "delete_callback",
                "summary": "Удаление вебхука / Delete the webhook",
                "description": bilingual(
                    "Удаление вебхука. После удаления вебхука, МИС не будет получать запросы о бронировании.",
                    "Deletes the registration and answers it (404 when there is none).",
                ),
                "parameters": self.callback_query(false),
                "responses": responses(registration, &[&API_ERRORS[..], &[404]].concat()),
            },
        })
    }

    fn callback_check(&self) -> Value {
        let result = json!({
            "type": "object",
            "required": ["address", "available"],
            "properties": {
                "address": { "type": "string" },
                "available": { "type": "boolean", "description": "GET <address>/booking/book answered 200." },
                "reason": { "type": ["string", "null"], "description": "Why the address is not available." },
            },
        });
        json!({ "get": {
            "tags": ["callback"],
            "operationId": "check_callback",
            "summary": "Проверка доступности вебхука / Probe an address",
            "description": bilingual(
                "Проверка доступности вебхука: результат доступности ответного сервиса.",
                "Probes `GET <address>/booking/book` without registering anything.",
            ),
            "parameters": [{ "name": "address", "in": "query", "required": true,
                "description": "address - ссылка на адрес ответного сервиса / the webhook's base URL",
                "schema": { "type": "string", "minLength": 1 } }],
            "responses": responses(self.ok(Some(result)), &API_ERRORS),
        }})
    }
}
