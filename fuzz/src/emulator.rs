//! Target `emulator`: the emulator's routes (`fer_emulator::Emulator::router`) on arbitrary
//! requests, decoded by [`super::request`] (included as `request`); up to four requests per input
//! against one fresh store, so that uploads, reads, deletes and cascades meet.
//!
//! Requests with flag 2 carry a valid bearer token: the harness logs in first with the default
//! credentials. Webhook registration (`POST`/`PUT /api/callback`) is skipped: it would make the
//! emulator probe an arbitrary address over the network, and without a registered webhook the
//! gateway side never calls out either.
//!
//! Checked on every answer: no 5xx other than the injected 503 (there is none here), and every
//! Vitrina answer (`/auth.svc`, `/api/...`, unknown paths) is the Appendix 2 envelope (an auth
//! answer may be its own PascalCase form instead).

use std::future::Future;

use bytes::Bytes;
use fer_emulator::{DEFAULT_PASSWORD, DEFAULT_USERNAME};
use fer_model::{AuthResponse, VitrinaResponse};
use http::{Method, Request, Response};

use super::request;

/// Whether a request is sent at all (see the module docs).
pub fn is_sent(request: &Request<Bytes>) -> bool {
    let path = request.uri().path().to_ascii_lowercase();
    let registers = path.contains("callback") || path.contains('%');
    !registers || matches!(*request.method(), Method::GET | Method::HEAD | Method::DELETE)
}

/// Runs one input against a fresh emulator reached through `send`, which returns `None` when the
/// request could not be delivered (only possible over a real socket).
pub async fn run<F, Fut>(data: &[u8], mut send: F)
where
    F: FnMut(Request<Bytes>) -> Fut,
    Fut: Future<Output = Option<Response<Bytes>>>,
{
    let requests = request::decode_all(data);
    if requests.is_empty() {
        return;
    }
    let token = if requests.iter().any(|(flags, _)| flags.auth) { login(&mut send).await } else { None };
    for (flags, mut request) in requests {
        if !is_sent(&request) {
            continue;
        }
        if let (true, Some(token)) = (flags.auth, &token)
            && let Ok(value) = http::HeaderValue::from_str(&format!("Bearer {token}"))
        {
            request.headers_mut().insert(http::header::AUTHORIZATION, value);
        }
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let Some(answer) = send(request).await else { continue };
        check(&method, &path, answer.status().as_u16(), answer.body());
    }
}

async fn login<F, Fut>(send: &mut F) -> Option<String>
where
    F: FnMut(Request<Bytes>) -> Fut,
    Fut: Future<Output = Option<Response<Bytes>>>,
{
    let body = format!(r#"{{"username":"{DEFAULT_USERNAME}","password":"{DEFAULT_PASSWORD}"}}"#);
    let request = Request::post("/auth.svc").header("content-type", "application/json").body(Bytes::from(body)).ok()?;
    let answer = send(request).await?;
    assert_eq!(answer.status(), 200, "login with the default credentials failed");
    let auth: AuthResponse = serde_json::from_slice(answer.body()).ok()?;
    auth.result.map(|token| token.value.expose().to_owned())
}

fn check(method: &Method, path: &str, status: u16, body: &Bytes) {
    let text = || String::from_utf8_lossy(body).into_owned();
    assert!(status < 500, "{method} {path} answered {status}: {}", text());
    if path.starts_with("/sandbox/") || *method == Method::HEAD {
        return;
    }
    let auth_answer = path == "/auth.svc" && serde_json::from_slice::<AuthResponse>(body).is_ok();
    if auth_answer {
        return;
    }
    if let Err(e) = serde_json::from_slice::<VitrinaResponse>(body) {
        panic!("{method} {path} answered {status} without the Appendix 2 envelope ({e}): {}", text());
    }
}
