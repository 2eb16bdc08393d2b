//! The errors of the client: one enum, one variant per way a call can fail.
//!
//! Statuses follow the error table of section 5 («Коды ошибок»): 400 format, 401 authorisation,
//! 405 blocked subdivision, 422 duplicates, 500 system error, 503 maintenance; the envelope is
//! Appendix 2.

use std::fmt;
use std::time::Duration;

use fer_model::VitrinaResponse;

/// Everything that can go wrong in a call to the Vitrina.
///
/// `Debug` and `Display` never show a password, a token, or a record: envelopes are kept without
/// their `result`, and answers of `/auth.svc` are never quoted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The settings given to the builder are not usable.
    #[error("invalid client configuration: {0}")]
    Config(String),

    /// `/auth.svc` refused the credentials, or a call was still answered 401 after one fresh token
    /// (section 6, «Сервис авторизации»).
    #[error("authorisation failed (HTTP {status}): {message}")]
    Auth {
        /// The HTTP status of the refusing answer.
        status: u16,
        /// What the service said (`ErrorMessage`), or a description of the failure.
        message: String,
    },

    /// Pre-flight validation found errors and nothing was sent ([`Preflight::Strict`](crate::Preflight)).
    #[error("pre-flight validation failed: {} error(s), {} warning(s); nothing was sent",
        .0.errors().count(), .0.warnings().count())]
    Validation(fer_validate::Report),

    /// 422 «Дублирование данных» with no per-record detail to report (R-310, R-330).
    #[error("duplicates refused (HTTP 422): {}", summary(.envelope))]
    Duplicates {
        /// The decoded answer.
        envelope: Box<VitrinaResponse>,
    },

    /// 403 «Нет полномочий на выполнение запроса» (section 5, «Коды ошибок»): the token is valid
    /// but may not do this, e.g. write the rows of another organisation. Unlike [`Error::Auth`] it
    /// is about the records, not the credentials: an upload does not stop at it, it marks the
    /// records of the refused batch as [`Outcome::Failed`](crate::Outcome::Failed) with this error,
    /// and a fresh token is not requested (it would be refused the same way). Sending them again
    /// with the same credentials will not help.
    #[error("no authority for this request (HTTP 403): {message}")]
    Forbidden {
        /// The Vitrina's message (`errorMessage`), empty when it gave none.
        message: String,
    },

    /// 405: updates of this subdivision are blocked (`enabled = NONE` after many technical errors).
    #[error("subdivision blocked (HTTP 405): {message}")]
    Blocked {
        /// The Vitrina's message.
        message: String,
    },

    /// 503 «Выполняются технические работы»: still in maintenance after every retry.
    #[error("the Vitrina is under maintenance (HTTP 503){}: {message}", retry_after_text(.retry_after))]
    Maintenance {
        /// The last `Retry-After` the server sent.
        retry_after: Option<Duration>,
        /// The Vitrina's message, if any.
        message: String,
    },

    /// Any other answer that is not a success, with its decoded envelope (Appendix 2).
    #[error("HTTP {status}: {}", summary(.envelope))]
    Http {
        /// The HTTP status.
        status: u16,
        /// The decoded answer, without `result`.
        envelope: Box<VitrinaResponse>,
    },

    /// No answer within the request timeout (after every retry).
    #[error("{method} {path}: no answer within {after:?}")]
    Timeout {
        /// The HTTP method.
        method: String,
        /// The path, without its query.
        path: String,
        /// The request timeout in force.
        after: Duration,
    },

    /// The connection failed (refused, reset, TLS, closed without an answer) after every retry.
    ///
    /// The cause (connection refused, reset, a TLS failure, …) is the [`source`](std::error::Error::source)
    /// chain, not part of this error's own text: print the chain to see it.
    #[error("{method} {path}: transport error")]
    Transport {
        /// The HTTP method.
        method: String,
        /// The path, without its query.
        path: String,
        /// The underlying error (without the URL).
        #[source]
        source: reqwest::Error,
    },

    /// The answer could not be decoded: not JSON, not the envelope, or a `result` of the wrong shape.
    #[error("HTTP {status}: undecodable answer ({reason}); body starts with: {excerpt}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The first characters of the body (withheld for `/auth.svc`, whose answer holds the token).
        excerpt: String,
    },

    /// A request body could not be encoded as JSON.
    #[error("could not encode the request body: {0}")]
    Encode(#[source] serde_json::Error),

    /// A request body could not be gzip-compressed.
    #[error("could not encode the request body: gzip: {0}")]
    Gzip(#[source] std::io::Error),

    /// The HTTP client could not be built (a configuration the TLS backend refuses, ...).
    #[error("invalid client configuration: cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),

    /// A URL could not be made: the base URL given to the builder, or a call's URL on it.
    #[error("invalid client configuration: {context}: {source}")]
    InvalidUrl {
        /// Which URL (`base_url "x" is not a URL`, `cannot build the URL of /api/slot`).
        context: String,
        /// Why it does not parse.
        #[source]
        source: UrlError,
    },

    /// An error answer of the regional portal API or of a local MIS (each method's «Возможные
    /// ошибки», see [`fer_model::spec::portal`]): 403 with 5007–5010 for the token, 400 with a
    /// business code (4036, 4033, 4009, …), 5000 for a message without a code. See
    /// [`PortalClient`](crate::portal::PortalClient).
    #[cfg(feature = "portal")]
    #[error("HTTP {status}: {error}")]
    Portal {
        /// The HTTP status.
        status: u16,
        /// The portal's code and message (the message is shown only by
        /// [`PortalError::message_ru`](fer_model::portal::PortalError::message_ru): it may name the
        /// patient).
        error: fer_model::portal::PortalError,
    },
}

/// Why a URL does not parse (the `url` crate's `ParseError`, as reqwest's [`Url`](reqwest::Url) gives it).
pub type UrlError = <reqwest::Url as std::str::FromStr>::Err;

impl Error {
    /// The HTTP status of the answer behind this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } | Error::Http { status, .. } | Error::Decode { status, .. } => Some(*status),
            #[cfg(feature = "portal")]
            Error::Portal { status, .. } => Some(*status),
            Error::Duplicates { .. } => Some(422),
            Error::Forbidden { .. } => Some(403),
            Error::Blocked { .. } => Some(405),
            Error::Maintenance { .. } => Some(503),
            _ => None,
        }
    }
}

/// The longest body excerpt kept in [`Error::Decode`], in characters.
pub(crate) const EXCERPT_CHARS: usize = 200;

/// The first [`EXCERPT_CHARS`] characters of a body, for an error message, with the values of the
/// secret and patient-data keys of [`fer_model::redact`] masked, whether or not the body is whole
/// JSON ([`fer_http::excerpt`]).
pub(crate) fn excerpt(body: &[u8]) -> String {
    fer_http::excerpt(body, EXCERPT_CHARS)
}

fn summary(envelope: &VitrinaResponse) -> String {
    let mut s = match &envelope.error {
        Some(e) => format!("{} {}", e.error_code, e.error_message),
        None => "no error description".to_owned(),
    };
    if let Some(errors) = &envelope.errors
        && !errors.is_empty()
    {
        s.push_str(&format!(" ({} record error(s))", errors.len()));
    }
    s
}

fn retry_after_text(retry_after: &Option<Duration>) -> impl fmt::Display {
    match retry_after {
        Some(d) => format!(", retry after {}s", d.as_secs()),
        None => String::new(),
    }
}

/// The text of `error` with its whole cause chain (`GET /api/slot: transport error: client error
/// (Connect): tcp connect error: Connection refused`), each cause once: a cause whose text is
/// already part of the message is not repeated.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let line = e.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        cause = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_and_marks_the_cut() {
        assert_eq!(excerpt(b"abc"), "abc");
        let long = "я".repeat(EXCERPT_CHARS + 10);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn excerpt_hides_credentials_and_patient_data() {
        let body = br#"{"result":[{"id":"b1","patient_id":"953f8666-21ce-478f-8351-389f27ce8cde","Value":"eyJtoken",
            "patient_data_rrp":{"snils":"11223344595"}}],"statusCode":200}"#;
        let e = excerpt(body);
        assert!(e.contains(r#""patient_id":"***""#) && e.contains(r#""id":"b1""#), "{e}");
        assert!(!e.contains("953f8666") && !e.contains("eyJtoken") && !e.contains("11223344595"), "{e}");
    }

    #[test]
    fn display_names_status_and_codes() {
        let json = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/spec/004/slot_duplicate_time_response.json"
        ))
        .unwrap();
        let envelope: VitrinaResponse = serde_json::from_str(&json).unwrap();
        let e = Error::Duplicates { envelope: Box::new(envelope) };
        let text = e.to_string();
        assert!(text.contains("422") && text.contains("R-310") && text.contains("1 record error"), "{text}");
        assert_eq!(e.status(), Some(422));
        let m = Error::Maintenance { retry_after: Some(Duration::from_secs(3)), message: "работы".into() };
        assert!(m.to_string().contains("retry after 3s"));
    }
}
