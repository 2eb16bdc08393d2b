//! The eight table endpoints (section 5): `POST /api/<table>` (batch upsert, gzip or plain),
//! `GET /api/<table>?id=`, `DELETE /api/<table>?id=`. They are routed from
//! [`fer_model::endpoint::table`] (see `routes`).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};
use fer_model::{Guid, Table};
use fer_validate::RuleCode;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Caller;
use super::body::{self, Limits};
use super::envelope::{self, ApiError, RequestError};
use super::params::Params;
use crate::console::Report as UploadReport;
use crate::state::Shared;
use crate::store::cascade;
use crate::store::rules::{Admission, Refusal, RefusalKind, blocked_row, forbidden_row, upsert_batch_as};
use crate::{codes, validation};
use axum::Extension;

/// `POST` of a table: the batch upsert (routed from [`fer_model::endpoint::table`]).
pub(crate) fn upsert_route(method: MethodFilter, table: Table) -> MethodRouter<Arc<Shared>> {
    on(method, move |state, caller, headers, body| upsert(state, table, caller, headers, body))
}

/// `GET ?id=` of a table: one record.
pub(crate) fn get_route(method: MethodFilter, table: Table) -> MethodRouter<Arc<Shared>> {
    on(method, move |state, query| get(state, table, query))
}

/// `DELETE ?id=` of a table: a record and its cascade.
pub(crate) fn delete_route(method: MethodFilter, table: Table) -> MethodRouter<Arc<Shared>> {
    on(method, move |state, caller, query| delete(state, table, caller, query))
}

/// The `?id=` of GET and DELETE.
#[derive(Debug, Deserialize)]
pub(crate) struct IdQuery {
    id: Option<String>,
}

fn parse_id(table: Table, query: &IdQuery) -> Result<Guid, ApiError> {
    let Some(raw) = query.id.as_deref() else {
        return Err(ApiError::bad_request(format!("Не указан параметр id ({} ?id=<GUID>)", table.path())));
    };
    raw.parse().map_err(|e| ApiError::bad_request(format!("Параметр id {raw:?} не является GUID: {e}")))
}

async fn get(
    State(shared): State<Arc<Shared>>,
    table: Table,
    Params(query): Params<IdQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(table, &query)?;
    shared.read(|store| store.tables.get_json(table, &id)).map(envelope::result).ok_or_else(|| not_found(table, id))
}

fn not_found(table: Table, id: Guid) -> ApiError {
    ApiError {
        status: 404,
        code: codes::NOT_FOUND,
        message: format!("Запись «{}» с идентификатором [{id}] не найдена", table.name_ru()),
    }
}

/// Deletes a row and the rows the Vitrina deletes with it (section 3.1.5); 405 when the row belongs
/// to a blocked subdivision. `sendedGuids` holds the
/// requested id; `result` lists every deleted row as `{"table", "id"}`, cascade included.
async fn delete(
    State(shared): State<Arc<Shared>>,
    table: Table,
    caller: Option<Extension<Caller>>,
    Params(query): Params<IdQuery>,
) -> Result<Response, ApiError> {
    let id = parse_id(table, &query)?;
    let deleted = shared
        .write(|store| {
            if let Some(Extension(Caller(caller))) = &caller {
                forbidden_row(&store.tables, caller, table, &id)?;
            }
            blocked_row(&store.tables, table, &id)?;
            Ok(cascade::delete(&mut store.tables, table, id))
        })
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|refusal: Refusal| match refusal.kind {
            RefusalKind::Forbidden => ApiError { status: 403, code: codes::FORBIDDEN, message: refusal.message },
            _ => ApiError { status: 405, code: codes::BLOCKED, message: refusal.message },
        })?;
    if deleted.is_empty() {
        return Err(not_found(table, id));
    }
    let rows: Vec<Value> = deleted.iter().map(|(t, id)| json!({"table": t.as_str(), "id": id})).collect();
    let mut answer = fer_model::VitrinaResponse::ok(vec![id]);
    answer.result = Some(Value::Array(rows));
    Ok(envelope::reply(answer))
}

/// The records of a batch body, or why the body is not a batch.
fn records_of(table: Table, body: &[u8]) -> Result<Vec<Value>, String> {
    let value: Value = fer_model::wire::from_json_slice(body).map_err(|e| {
        let hint = if body::looks_gzipped(body) {
            " (тело сжато gzip, но заголовок Content-Encoding: gzip не указан)"
        } else {
            ""
        };
        format!("Тело запроса не является корректным JSON: {e}{hint}")
    })?;
    match value {
        Value::Object(mut map) => match map.remove("data") {
            Some(Value::Array(records)) => Ok(records),
            Some(_) => Err("Поле data должно быть массивом записей".to_owned()),
            None => Err(format!("Ожидается объект {{\"data\": [...]}} с записями таблицы {table}")),
        },
        Value::Array(records) => Ok(records),
        _ => Err(format!("Ожидается объект {{\"data\": [...]}} с записями таблицы {table}")),
    }
}

/// fer-validate's errors that are the SDK's own advice, not something the profile says the Vitrina
/// refuses: a duration of zero or over a day (table 4 says only «integer»), a doctor's SNILS check
/// number (table 2 says only string(11)), an unknown field (the Vitrina ignores what a table does
/// not have). Outside the `strict` profile they do not refuse a record.
const ADVICE: &[RuleCode] = &[RuleCode::DurationRange, RuleCode::SnilsChecksum, RuleCode::UnknownField];

/// The format check of fer-validate on the raw body, as refusals per record index and errors of the
/// whole request. The duplicate rules are left to the store, which decides them
/// against the Vitrina's state; the SDK's own advice ([`ADVICE`]) refuses only in the `strict`
/// profile.
fn format_check(table: Table, body: &[u8], strict: bool) -> (BTreeMap<usize, Refusal>, Vec<RequestError>) {
    let report = validation::table_body(table, body);
    let mut per_record: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut first_code: BTreeMap<usize, RuleCode> = BTreeMap::new();
    let mut request_errors = Vec::new();
    let refuses = |d: &&fer_validate::Diagnostic| {
        !matches!(d.code, RuleCode::R310 | RuleCode::R330) && (strict || !ADVICE.contains(&d.code))
    };
    for d in report.errors().filter(refuses) {
        let message = format!("{} ({})", d.message_ru, d.pointer);
        match record_index(&d.pointer) {
            Some(i) => {
                first_code.entry(i).or_insert(d.code);
                per_record.entry(i).or_default().push(message);
            }
            None => request_errors.push(RequestError { code: d.code.as_str().to_owned(), message }),
        }
    }
    let refusals = per_record
        .into_iter()
        .filter_map(|(i, messages)| Some((i, Refusal::format(first_code.get(&i)?.as_str(), messages.join("; ")))))
        .collect();
    (refusals, request_errors)
}

/// The record index of a pointer into a batch: `/data/3/visit_time` (or `/3/...` for a bare array).
fn record_index(pointer: &str) -> Option<usize> {
    let rest = pointer.strip_prefix("/data").unwrap_or(pointer);
    rest.strip_prefix('/')?.split('/').next()?.parse().ok()
}

async fn upsert(
    State(shared): State<Arc<Shared>>,
    table: Table,
    caller: Option<Extension<Caller>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let caller = caller.map(|Extension(Caller(oid))| oid);
    // Every answer is kept for the console, with each refused record and its reason.
    let refused_whole = |status: u16, message: &str| {
        shared.uploads.record(UploadReport::whole(table, caller.as_ref(), message), status);
    };
    let limits = Limits { body: shared.config.body_limit, decompressed: shared.config.decompressed_limit };
    let bytes = match body::read(&headers, body, limits).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let response = e.clone().into_response();
            refused_whole(response.status().as_u16(), &e.to_string());
            return response;
        }
    };
    let strict = shared.config.strict;
    let prepared = tokio::task::spawn_blocking(move || {
        let records = records_of(table, &bytes)?;
        let (refusals, request_errors) = format_check(table, &bytes, strict);
        Ok::<_, String>((records, refusals, request_errors))
    })
    .await;
    let (records, refusals, request_errors) = match prepared {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(message)) => {
            refused_whole(400, &message);
            return envelope::failure(400, codes::FORMAT, message);
        }
        Err(e) => {
            let message = format!("Ошибка обработки запроса: {e}");
            refused_whole(500, &message);
            return envelope::failure(500, codes::INTERNAL, message);
        }
    };
    let admission = Admission { caller: caller.as_ref(), strict };
    let applied = shared
        .write(|store| fer_model::with_record_type!(table, T => upsert_batch_as::<T>(&mut store.tables, records, refusals, &admission)))
        .await;
    match applied {
        Ok(outcome) => {
            let report = UploadReport::batch(table, caller.as_ref(), &outcome, &request_errors);
            let response = envelope::batch(table, outcome, request_errors);
            shared.uploads.record(report, response.status().as_u16());
            response
        }
        Err(e) => {
            refused_whole(500, &e.to_string());
            envelope::failure(500, codes::INTERNAL, e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_name_their_record() {
        assert_eq!(record_index("/data/3/visit_time"), Some(3));
        assert_eq!(record_index("/0/id"), Some(0));
        assert_eq!(record_index("/data"), None);
        assert_eq!(record_index(""), None);
    }

    #[test]
    fn bodies_that_are_not_batches() {
        assert!(records_of(Table::Slot, b"{\"data\": 1}").unwrap_err().contains("массивом"));
        assert!(records_of(Table::Slot, b"42").is_err());
        assert!(records_of(Table::Slot, &[0x1f, 0x8b, 0]).unwrap_err().contains("gzip"));
        assert_eq!(records_of(Table::Slot, b"[{}]").unwrap().len(), 1);
    }
}
