//! Webhook registration, `/api/callback` (section 10, «Ответный сервис»; [`fer_model::spec::contradictions`]).
//!
//! A webhook belongs to the MO the token was issued to, and optionally to one of its subdivisions
//! (`depart_oid`). The spec writes several of these calls as GET; the emulator serves:
//!
//! | call | meaning |
//! |---|---|
//! | `POST /api/callback` (`{"address", "depart_oid"?}` body, or the same as query parameters) | register, after the probe; replaces an earlier registration of the same owner |
//! | `PUT /api/callback`, or `GET /api/callback?address=...[&depart_oid=...]` | update an existing registration, after the probe (404 when there is none) |
//! | `GET /api/callback[?depart_oid=...]` | the registration (404 when there is none) |
//! | `DELETE /api/callback[?depart_oid=...]` | delete the registration (404 when there is none) |
//! | `GET /api/callback/check?address=...` | probe an address without registering it |
//!
//! The probe is `GET <address>/booking/book`: registration succeeds only when it answers 200
//! (alternative flow 5a: 400/500/404/502 → an error of registration, answered 400 here with code
//! `CALLBACK_UNREACHABLE`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use fer_model::{Callback, Oid};
use fer_validate::RawKind;
use http::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use super::auth::Caller;
use super::body::{self, Limits};
use super::envelope::{self, ApiError};
use super::params::Params;
use crate::gateway::{self, webhook_url};
use crate::state::Shared;
use crate::store::CallbackKey;
use crate::{codes, validation};

/// The query form of the parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct CallbackQuery {
    address: Option<String>,
    depart_oid: Option<String>,
}

fn depart_oid(raw: Option<&str>) -> Result<Option<Oid>, ApiError> {
    raw.filter(|s| !s.trim().is_empty())
        .map(|s| s.parse::<Oid>().map_err(|e| ApiError::bad_request(format!("depart_oid {s:?} не является OID: {e}"))))
        .transpose()
}

/// The registration a request asks for: the JSON body if there is one, else the query parameters.
async fn requested(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    query: CallbackQuery,
) -> Result<Callback, Response> {
    let limits = Limits { body: shared.config.body_limit, decompressed: shared.config.decompressed_limit };
    let bytes = body::read(headers, body, limits).await.map_err(body::BodyError::into_response)?;
    from_body_or_query(&bytes, query).map_err(IntoResponse::into_response)
}

fn from_body_or_query(bytes: &[u8], query: CallbackQuery) -> Result<Callback, ApiError> {
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        let report = validation::dto(RawKind::Callback, bytes);
        if report.has_errors() {
            let reasons: Vec<String> = report.errors().map(|d| format!("{} ({})", d.message_ru, d.pointer)).collect();
            return Err(ApiError::bad_request(reasons.join("; ")));
        }
        return serde_json::from_slice(bytes).map_err(|e| {
            ApiError::bad_request(format!("Тело запроса должно быть {{\"address\": ..., \"depart_oid\": ...}}: {e}"))
        });
    }
    let address =
        query.address.filter(|a| !a.trim().is_empty()).ok_or_else(|| ApiError::bad_request("Не указан address"))?;
    Ok(Callback { address, depart_oid: depart_oid(query.depart_oid.as_deref())? })
}

/// Probes `GET <address>/booking/book`: `Ok` on 200, else the reason.
async fn probe(shared: &Shared, address: &str) -> Result<(), String> {
    match reqwest::Url::parse(address) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {}
        Ok(url) => return Err(format!("адрес {address:?}: схема {} не поддерживается, нужен http(s)", url.scheme())),
        Err(e) => return Err(format!("адрес {address:?} не является URL: {e}")),
    }
    match gateway::call(shared, &webhook_url(address, "book"), None).await {
        Ok((200, _)) => Ok(()),
        Ok((status, _)) => Err(format!("GET {} ответил {status}, ожидается 200", webhook_url(address, "book"))),
        Err(e) => Err(e.to_string()),
    }
}

fn registration(callback: &Callback) -> serde_json::Value {
    serde_json::to_value(callback).unwrap_or_default()
}

async fn save(shared: Arc<Shared>, caller: Oid, callback: Callback, must_exist: bool) -> Response {
    let key = CallbackKey { mo_oid: caller, depart_oid: callback.depart_oid.clone() };
    if must_exist && shared.read(|s| !s.callbacks.contains_key(&key)) {
        return not_registered(&key);
    }
    if let Err(reason) = probe(&shared, &callback.address).await {
        return envelope::failure(
            400,
            codes::CALLBACK_UNREACHABLE,
            format!("Ошибка регистрации ответного сервиса: {reason}"),
        );
    }
    match shared.write(|s| s.callbacks.insert(key, callback.address.clone())).await {
        Ok(_) => envelope::result(registration(&callback)),
        Err(e) => envelope::failure(500, codes::INTERNAL, e.to_string()),
    }
}

fn not_registered(key: &CallbackKey) -> Response {
    let owner = match &key.depart_oid {
        Some(d) => format!("подразделения {d} МО {}", key.mo_oid),
        None => format!("МО {}", key.mo_oid),
    };
    envelope::failure(404, codes::NOT_FOUND, format!("Вебхук {owner} не зарегистрирован"))
}

/// `POST` (register) and `PUT` (update: the registration must exist) share one handler.
pub(crate) async fn write<const UPDATE: bool>(
    State(shared): State<Arc<Shared>>,
    Extension(Caller(caller)): Extension<Caller>,
    Params(query): Params<CallbackQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match requested(&shared, &headers, body, query).await {
        Ok(callback) => save(shared, caller, callback, UPDATE).await,
        Err(response) => response,
    }
}

pub(crate) async fn get_or_update(
    State(shared): State<Arc<Shared>>,
    Extension(Caller(caller)): Extension<Caller>,
    Params(query): Params<CallbackQuery>,
) -> Response {
    let depart = match depart_oid(query.depart_oid.as_deref()) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    if let Some(address) = query.address.filter(|a| !a.trim().is_empty()) {
        return save(shared, caller, Callback { address, depart_oid: depart }, true).await;
    }
    let key = CallbackKey { mo_oid: caller, depart_oid: depart };
    match shared.read(|s| s.callbacks.get(&key).cloned()) {
        Some(address) => envelope::result(registration(&Callback { address, depart_oid: key.depart_oid })),
        None => not_registered(&key),
    }
}

pub(crate) async fn remove(
    State(shared): State<Arc<Shared>>,
    Extension(Caller(caller)): Extension<Caller>,
    Params(query): Params<CallbackQuery>,
) -> Response {
    let depart = match depart_oid(query.depart_oid.as_deref()) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let key = CallbackKey { mo_oid: caller, depart_oid: depart };
    match shared.write(|s| s.callbacks.remove(&key)).await {
        Ok(Some(address)) => envelope::result(registration(&Callback { address, depart_oid: key.depart_oid })),
        Ok(None) => not_registered(&key),
        Err(e) => envelope::failure(500, codes::INTERNAL, e.to_string()),
    }
}

/// `GET /api/callback/check?address=`: `result` is `{"address", "available", "reason"}`.
pub(crate) async fn check(State(shared): State<Arc<Shared>>, Params(query): Params<CallbackQuery>) -> Response {
    let Some(address) = query.address.filter(|a| !a.trim().is_empty()) else {
        return ApiError::bad_request("Не указан address").into_response();
    };
    let outcome = probe(&shared, &address).await;
    envelope::result(json!({
        "address": address,
        "available": outcome.is_ok(),
        "reason": outcome.err(),
    }))
}
