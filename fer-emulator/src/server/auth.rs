//! `POST /auth.svc` (section 6, «Сервис авторизации») and the token check every `/api/...` call
//! goes through (`Authorization: Bearer <token>`, section 6 of the profile, [`fer_model::spec::profile`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fer_model::{AuthRequest, AuthResponse, Oid};
use http::header::AUTHORIZATION;
use http::{HeaderMap, StatusCode};

use super::{body, envelope};
use crate::codes;
use crate::state::Shared;

/// The MO a request was authenticated as; put in the request's extensions by [`require_token`].
#[derive(Debug, Clone)]
pub(crate) struct Caller(pub Oid);

fn auth_answer(status: StatusCode, message: impl Into<String>) -> Response {
    let body = AuthResponse {
        result: None,
        is_success: false,
        error_message: Some(message.into()),
        status_code: status.as_u16(),
    };
    (status, Json(body)).into_response()
}

/// 429 in the auth answer's form, with `Retry-After` in whole seconds (rounded up).
fn throttled(username: &Oid, wait: std::time::Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let message = format!(
        "Слишком много неверных паролей для {username}: повторите вход через {secs} с \
         (too many wrong passwords, retry in {secs} s)"
    );
    let mut response = auth_answer(StatusCode::TOO_MANY_REQUESTS, message);
    response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
    response
}

/// `POST /auth.svc`: `{"username": <MO OID>, "password": ...}` → PascalCase
/// `{"Result": {"ValidTo", "Value"}, "IsSuccess", "ErrorMessage", "StatusCode"}`.
///
/// A body that is not an auth request gets 400, wrong credentials 401, an account throttled after
/// wrong passwords ([`LoginThrottle`](crate::LoginThrottle)) 429, all in the auth answer's own
/// PascalCase form. Refusals are logged (`warn`) with the username, never the password.
pub(crate) async fn login(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let limits = body::Limits { body: shared.config.body_limit, decompressed: shared.config.decompressed_limit };
    let bytes = match body::read(&headers, body, limits).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let request: AuthRequest = match serde_json::from_slice(&bytes) {
        Ok(request) => request,
        Err(e) => {
            return auth_answer(
                StatusCode::BAD_REQUEST,
                format!("Тело запроса должно быть {{\"username\": <OID МО>, \"password\": ...}}: {e}"),
            );
        }
    };
    let config = &shared.config;
    let username = &request.username;
    let account = std::iter::once((&config.username, &config.password))
        .chain(config.other_accounts.iter().map(|(oid, password)| (oid, password)))
        .find(|(oid, _)| *oid == username);
    if account.is_some()
        && let Err(wait) = shared.login_throttled(username)
    {
        tracing::warn!(%username, retry_after_secs = wait.as_secs(), "login refused: too many wrong passwords");
        return throttled(username, wait);
    }
    let known = account.is_some_and(|(_, password)| request.password.expose() == password);
    if account.is_some() {
        shared.note_login(username, known);
    }
    if !known {
        tracing::warn!(%username, "login refused: wrong username or password");
        return auth_answer(StatusCode::UNAUTHORIZED, "Неверное имя пользователя или пароль");
    }
    let token = shared.issue_token(request.username);
    let body =
        AuthResponse { result: Some(token), is_success: true, error_message: Some(String::new()), status_code: 200 };
    (StatusCode::OK, Json(body)).into_response()
}

/// The token of `Authorization: Bearer <token>`; the scheme word is matched case-insensitively.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
}

/// Middleware of every `/api/...` route: 401 with the envelope unless the request carries a valid
/// token. The scheme word `Bearer` is matched case-insensitively.
pub(crate) async fn require_token(State(shared): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    match shared.check_token(bearer(request.headers())) {
        Ok(caller) => {
            request.extensions_mut().insert(Caller(caller));
            next.run(request).await
        }
        Err(problem) => envelope::failure(401, codes::UNAUTHORIZED, problem.message()),
    }
}
