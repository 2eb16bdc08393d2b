//! Transport-level failures: the answers that are not a booking or cancel answer (404, 405, 403,
//! 413, 415, 400). Business failures are answered with the spec's JSON and a status code instead
//! ([`BookRejection`](crate::BookRejection), [`CancelRejection`](crate::CancelRejection)).

use std::net::IpAddr;

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use serde::Serialize;

/// Why the service answered with an HTTP error instead of the spec's answer JSON.
///
/// Each variant names the problem precisely; its `Display` never contains request data, so it can
/// be logged. The answer body is `{"error": {"code", "message", "request_id"}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// 404: no webhook route at this path.
    #[error("no webhook route at {path}: the routes are POST {book}, GET {book} and POST {cancel}")]
    NotFound {
        /// The requested path.
        path: String,
        /// The booking route in force.
        book: String,
        /// The cancel route in force.
        cancel: String,
    },
    /// 405: the route exists but not for this method.
    #[error("method {method} is not allowed on {path}; allowed: {allowed}")]
    MethodNotAllowed {
        /// The method used.
        method: Method,
        /// The route.
        path: String,
        /// The allowed methods, as in the `Allow` header.
        allowed: &'static str,
    },
    /// 403: the peer is not on the allow-list, or its address is unknown while a list is set. An
    /// unknown address means the server did not hand it over; the message says how to
    /// ([`UNKNOWN_PEER_HINT`]).
    #[error("{}", forbidden_text(.addr))]
    Forbidden {
        /// The peer's address, when known.
        addr: Option<IpAddr>,
    },
    /// 413: the body as sent is larger than [`WebhookConfig::body_limit`](crate::WebhookConfig).
    #[error("request body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 413: the gunzipped body is larger than
    /// [`WebhookConfig::decompressed_limit`](crate::WebhookConfig) (a gzip bomb, or simply too big).
    #[error("decompressed request body exceeds the limit of {limit} bytes")]
    DecompressedTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415: a `Content-Encoding` other than gzip or identity.
    #[error("unsupported Content-Encoding {encoding:?}: only gzip and identity are accepted")]
    UnsupportedEncoding {
        /// The header's value.
        encoding: String,
    },
    /// 415: gzip applied more than once, by one header (`gzip, gzip`) or by two `Content-Encoding`
    /// headers (their lines are one list, RFC 9110 §5.3): the profile sends one gzip layer.
    #[error(
        "Content-Encoding {encoding:?} applies gzip more than once (several Content-Encoding headers count as one \
         list): send the body with one gzip layer and one Content-Encoding header"
    )]
    RepeatedEncoding {
        /// The header's lines, joined by `, `.
        encoding: String,
    },
    /// 400: `Content-Encoding: gzip` but the body is not a valid gzip stream.
    #[error("request body is not valid gzip: {reason}")]
    InvalidGzip {
        /// The decoder's complaint.
        reason: String,
    },
    /// 400: the body could not be read from the connection.
    #[error("could not read the request body: {reason}")]
    BodyRead {
        /// The transport's complaint.
        reason: String,
    },
    /// 400: the body is not JSON at all (syntax error or cut short).
    #[error("malformed JSON at line {line}, column {column}: {reason}")]
    MalformedJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser expected.
        reason: String,
    },
}

/// What a 403 for an unknown peer address says to do: the allow-list can only admit a peer whose
/// address the server passes on with the request.
pub const UNKNOWN_PEER_HINT: &str = "the server passed no peer address; serve with `fer_webhook::serve`, \
     serve the axum router with `into_make_service_with_connect_info::<SocketAddr>()`, or insert a \
     `fer_webhook::RemoteAddr` into the request's extensions";

fn forbidden_text(addr: &Option<IpAddr>) -> String {
    match addr {
        Some(a) => format!("source address {a} is not on the allow-list"),
        None => format!("source address unknown, so the allow-list refuses the call: {UNKNOWN_PEER_HINT}"),
    }
}

impl WebhookError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            WebhookError::NotFound { .. } => StatusCode::NOT_FOUND,
            WebhookError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            WebhookError::Forbidden { .. } => StatusCode::FORBIDDEN,
            WebhookError::BodyTooLarge { .. } | WebhookError::DecompressedTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            WebhookError::UnsupportedEncoding { .. } | WebhookError::RepeatedEncoding { .. } => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            WebhookError::InvalidGzip { .. } | WebhookError::BodyRead { .. } | WebhookError::MalformedJson { .. } => {
                StatusCode::BAD_REQUEST
            }
        }
    }

    /// A stable machine-readable code, the `error.code` of the answer body.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::NotFound { .. } => "not_found",
            WebhookError::MethodNotAllowed { .. } => "method_not_allowed",
            WebhookError::Forbidden { .. } => "forbidden",
            WebhookError::BodyTooLarge { .. } => "body_too_large",
            WebhookError::DecompressedTooLarge { .. } => "decompressed_body_too_large",
            WebhookError::UnsupportedEncoding { .. } => "unsupported_content_encoding",
            WebhookError::RepeatedEncoding { .. } => "repeated_content_encoding",
            WebhookError::InvalidGzip { .. } => "invalid_gzip",
            WebhookError::BodyRead { .. } => "body_read_failed",
            WebhookError::MalformedJson { .. } => "malformed_json",
        }
    }

    /// The HTTP answer: status, `{"error": {...}}` body, and `Allow` for 405.
    pub fn to_response(&self, request_id: &str) -> Response<Bytes> {
        #[derive(Serialize)]
        struct Body<'a> {
            error: Inner<'a>,
        }
        #[derive(Serialize)]
        struct Inner<'a> {
            code: &'static str,
            message: String,
            request_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<usize>,
            #[serde(skip_serializing_if = "Option::is_none")]
            column: Option<usize>,
        }
        let (line, column) = match self {
            WebhookError::MalformedJson { line, column, .. } => (Some(*line), Some(*column)),
            _ => (None, None),
        };
        let body = Body { error: Inner { code: self.code(), message: self.to_string(), request_id, line, column } };
        let mut response = crate::service::json_response(self.status(), &body);
        if let WebhookError::MethodNotAllowed { allowed, .. } = self {
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allowed));
        }
        response
    }
}

/// A failure of an [`IdempotencyStore`](crate::IdempotencyStore): the wrapper answers status 18.
#[derive(Debug, thiserror::Error)]
#[error("idempotency store failed: {source}")]
pub struct StoreError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl StoreError {
    /// Wraps a store's own error. Its `Display` is logged: keep patient data out of it.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        StoreError { source: source.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_not_allowed_carries_allow_header() {
        let e = WebhookError::MethodNotAllowed { method: Method::PUT, path: "/booking/cancel".into(), allowed: "POST" };
        let r = e.to_response("r1");
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(r.headers()[header::ALLOW], "POST");
        let body: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(body["error"]["code"], "method_not_allowed");
        assert_eq!(body["error"]["request_id"], "r1");
        assert_eq!(body["error"]["message"], "method PUT is not allowed on /booking/cancel; allowed: POST");
    }

    #[test]
    fn malformed_json_reports_position() {
        let e = WebhookError::MalformedJson { line: 2, column: 5, reason: "expected `:`".into() };
        let body: serde_json::Value = serde_json::from_slice(e.to_response("r").body()).unwrap();
        assert_eq!(body["error"]["line"], 2);
        assert_eq!(body["error"]["column"], 5);
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn forbidden_without_address() {
        let text = WebhookError::Forbidden { addr: None }.to_string();
        assert!(text.starts_with("source address unknown"), "{text}");
        assert!(text.contains("into_make_service_with_connect_info::<SocketAddr>()"), "{text}");
        assert!(text.contains("RemoteAddr"), "{text}");
        let known = WebhookError::Forbidden { addr: Some("10.0.0.1".parse().unwrap()) };
        assert_eq!(known.to_string(), "source address 10.0.0.1 is not on the allow-list");
    }
}
