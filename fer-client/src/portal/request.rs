//! The portal's request path: bearer token, JSON, retries by idempotency, decoding of the model or
//! of the portal's `{code, message}` error, and one tracing span per call (method, path, status,
//! attempts, duration; never the query, which carries the patient's email and phone).

use std::time::Duration;

use bytes::Bytes;
use fer_model::portal::PortalError;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::Instrument;

use super::PortalClient;
use crate::Error;
use crate::error::excerpt;
use crate::transport::retry::retry_after;
use crate::transport::{announced_as, gzip};

/// The largest answer read (16 MiB): a patient's ticket lists are kilobytes.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// Whether a call may be repeated after an unclear failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Idempotency {
    /// A GET: retried on 500/502/503/504, timeouts and transport errors.
    Reads,
    /// Creates a visit: retried only when it was certainly not processed (no connection, 503).
    Creates,
}

/// One call, before sending.
pub(super) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Bytes>,
    idempotency: Idempotency,
}

impl Call {
    pub(super) fn new(method: Method, path: impl Into<String>, idempotency: Idempotency) -> Self {
        Call { method, path: path.into(), query: Vec::new(), body: None, idempotency }
    }

    pub(super) fn query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query = query;
        self
    }

    pub(super) fn body(mut self, json: Vec<u8>) -> Self {
        self.body = Some(Bytes::from(json));
        self
    }
}

/// An answer as read from the wire.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A failed exchange, and whether the request surely never reached the server.
struct Failure {
    error: Error,
    not_sent: bool,
}

impl PortalClient {
    /// Sends `call` (with retries) and decodes a 2xx answer as `T`, any other as [`Error::Portal`].
    pub(super) async fn send<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let span = tracing::info_span!(
            "portal_request",
            method = %call.method,
            path = %call.path,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        async {
            let url = self.url(&call)?;
            let started = Instant::now();
            let mut attempt = 1u32;
            let outcome = loop {
                let outcome = self.send_once(&call, &url).await;
                match self.retry_delay(&call, &outcome, attempt, started) {
                    Some(delay) => {
                        let what = match &outcome {
                            Ok(a) => format!("HTTP {}", a.status),
                            Err(f) => f.error.to_string(),
                        };
                        tracing::warn!(attempt, delay_ms = delay.as_millis() as u64, "{what}; retrying");
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => break outcome,
                }
            };
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            let answer = outcome.map_err(|f| f.error)?;
            span.record("status", answer.status);
            let result = decode(answer);
            match &result {
                Ok(_) => tracing::info!("done"),
                Err(e) => tracing::warn!(error = %e, "refused"),
            }
            result
        }
        .instrument(span)
        .await
    }

    fn url(&self, call: &Call) -> Result<Url, Error> {
        let base = self.shared.base_url.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{}", call.path)).map_err(|source| Error::InvalidUrl {
            context: format!("cannot build the URL of {}", call.path),
            source,
        })?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// One HTTP exchange: send, then read the whole answer (bounded).
    async fn send_once(&self, call: &Call, url: &Url) -> Result<Answer, Failure> {
        let mut builder = self.shared.http.request(call.method.clone(), url.clone());
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.token.expose_str())).map_err(|_| Failure {
            error: Error::Config("the portal token is not a valid header value".into()),
            not_sent: true,
        })?;
        value.set_sensitive(true);
        builder = builder.header(AUTHORIZATION, value);
        if let Some(body) = &call.body {
            builder = builder.header(CONTENT_TYPE, "application/json").body(body.clone());
        }
        let failure = |e: reqwest::Error| Failure { not_sent: e.is_connect(), error: self.transport_error(call, e) };
        let mut response = builder.send().await.map_err(failure)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                let error = Error::Decode {
                    status,
                    reason: format!("answer larger than {MAX_ANSWER_BYTES} bytes"),
                    excerpt: excerpt(&body),
                };
                return Err(Failure { error, not_sent: false });
            }
            body.extend_from_slice(&chunk);
        }
        let gzipped = headers
            .get(CONTENT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
        if gzipped {
            body = gzip::decompress(&body, MAX_ANSWER_BYTES).map_err(|reason| Failure {
                error: Error::Decode { status, reason, excerpt: String::new() },
                not_sent: false,
            })?;
        }
        Ok(Answer { status, headers, body })
    }

    fn transport_error(&self, call: &Call, e: reqwest::Error) -> Error {
        let (method, path) = (call.method.to_string(), call.path.clone());
        if e.is_timeout() {
            Error::Timeout { method, path, after: self.shared.request_timeout }
        } else {
            Error::Transport { method, path, source: e.without_url() }
        }
    }

    /// The wait before another attempt, or `None` when the outcome is final (see [`Idempotency`]).
    fn retry_delay(
        &self,
        call: &Call,
        outcome: &Result<Answer, Failure>,
        attempt: u32,
        started: Instant,
    ) -> Option<Duration> {
        let retry_after = match (call.idempotency, outcome) {
            (Idempotency::Reads, Ok(a)) if matches!(a.status, 500 | 502 | 503 | 504) => retry_after(&a.headers),
            (Idempotency::Creates, Ok(a)) if a.status == 503 => retry_after(&a.headers),
            (_, Ok(_)) => return None,
            (Idempotency::Reads, Err(Failure { error: Error::Timeout { .. } | Error::Transport { .. }, .. })) => None,
            (Idempotency::Creates, Err(Failure { not_sent: true, error: Error::Transport { .. } })) => None,
            (_, Err(_)) => return None,
        };
        self.shared.retry.next_delay(attempt, started.elapsed(), retry_after)
    }
}

/// A 2xx answer as `T`; any other as the portal's error, [`Error::Maintenance`] for an undecodable
/// 503, [`Error::Decode`] otherwise.
fn decode<T: DeserializeOwned>(answer: Answer) -> Result<T, Error> {
    let status = answer.status;
    if (200..300).contains(&status) {
        return serde_json::from_slice(&answer.body).map_err(|e| Error::Decode {
            status,
            reason: format!("not the expected model: {e}{}", announced_as(&answer.headers)),
            excerpt: excerpt(&answer.body),
        });
    }
    match serde_json::from_slice::<PortalError>(&answer.body) {
        Ok(error) => Err(Error::Portal { status, error }),
        Err(_) if status == 503 => {
            Err(Error::Maintenance { retry_after: retry_after(&answer.headers), message: excerpt(&answer.body) })
        }
        Err(e) => {
            let reason = format!("not a portal error: {e}{}", announced_as(&answer.headers));
            Err(Error::Decode { status, reason, excerpt: excerpt(&answer.body) })
        }
    }
}

#[cfg(test)]
mod tests {
    use fer_model::portal::{PortalErrorCode, VisitData};

    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer { status, headers: HeaderMap::new(), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn answers_decode_to_models_or_typed_errors() {
        let pair = "1dadf64c-f34a-4023-98a6-3e7b7be4f2432f171143-aa11-4248-bd42-b1cfc4c03148";
        let ok: VisitData = decode(answer(200, &format!(r#"{{"Entry_id":"{pair}","Ticket":"008"}}"#))).unwrap();
        assert_eq!(ok.ticket, "008");
        let refused = decode::<VisitData>(answer(403, r#"{"code":5007,"message":"Время действия токена истекло"}"#));
        match refused {
            Err(Error::Portal { status: 403, error }) => {
                assert_eq!(error.known_code(), Some(PortalErrorCode::TokenExpired))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(decode::<VisitData>(answer(503, "<html/>")), Err(Error::Maintenance { .. })));
        assert!(matches!(decode::<VisitData>(answer(404, "<html/>")), Err(Error::Decode { status: 404, .. })));
        assert!(matches!(decode::<VisitData>(answer(200, "{}")), Err(Error::Decode { status: 200, .. })));
    }

    #[test]
    fn the_patients_message_stays_out_of_display() {
        let body = r#"{"code":4008,"message":"Вы уже записаны Иванова Анна на 09:00."}"#;
        let err = decode::<VisitData>(answer(400, body)).unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert!(!err.to_string().contains("Иванова") && !format!("{err:?}").contains("Иванова"), "{err}");
        assert!(err.to_string().contains("4008"));
    }
}
