//! `Content-Type`: whether a body is announced as JSON in UTF-8.
//!
//! The profile («Дополнение», table 2) has senders write `Content-Type: application/json`. A
//! receiver of fer-rs is exactly as strict as that and no stricter: a missing `Content-Type` is
//! accepted (the body decides), as are parameters, any case, and the `+json` structured suffix;
//! a charset other than UTF-8 (JSON is UTF-8, RFC 8259 §8.1) and a type that is not JSON are
//! refused. Answers are written with [`JSON_UTF8`].
//!
//! How each part of fer-rs uses the check, decided by what a refusal would cost:
//!
//! | Receiver | On a `Content-Type` that is not JSON in UTF-8 |
//! |---|---|
//! | the webhook (a booking from the gateway) | reads the body as JSON anyway and logs a warning: a booking is never lost over a header |
//! | the emulator (standing for the Vitrina) | answers 415 `UNSUPPORTED_MEDIA_TYPE`, so a vendor finds the mistake before the real contour does |
//! | the client (an answer of the Vitrina or the portal) | decodes the body anyway; when it is not the envelope, the error names the `Content-Type` (a proxy's HTML page says so) |

use http::{HeaderMap, header};

/// The `Content-Type` of every JSON answer fer-rs writes.
pub const JSON_UTF8: &str = "application/json; charset=utf-8";

/// The `Content-Type` of every JSON request fer-rs sends (the profile's own spelling).
pub const JSON: &str = "application/json";

/// Why a `Content-Type` does not announce JSON in UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContentTypeError {
    /// A media type other than `application/json` (or `application/…+json`).
    #[error("Content-Type {header:?} is not application/json")]
    NotJson {
        /// The header's value.
        header: String,
    },
    /// JSON in a charset other than UTF-8.
    #[error("Content-Type {header:?} names charset {charset:?}: JSON is accepted in UTF-8 only")]
    Charset {
        /// The header's value.
        header: String,
        /// The charset named.
        charset: String,
    },
}

/// Checks the `Content-Type` of `headers` as described in the [module](self) docs.
///
/// ```
/// use fer_http::content_type::{check_json, ContentTypeError};
/// use http::{HeaderMap, HeaderValue, header::CONTENT_TYPE};
///
/// let mut h = HeaderMap::new();
/// assert_eq!(check_json(&h), Ok(()));
/// h.insert(CONTENT_TYPE, HeaderValue::from_static("Application/JSON; charset=\"UTF-8\""));
/// assert_eq!(check_json(&h), Ok(()));
/// h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=windows-1251"));
/// assert!(matches!(check_json(&h), Err(ContentTypeError::Charset { .. })));
/// h.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
/// assert!(matches!(check_json(&h), Err(ContentTypeError::NotJson { .. })));
/// ```
pub fn check_json(headers: &HeaderMap) -> Result<(), ContentTypeError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return Ok(()) };
    let header = || String::from_utf8_lossy(value.as_bytes()).into_owned();
    let Ok(text) = value.to_str() else { return Err(ContentTypeError::NotJson { header: header() }) };
    let mut parts = text.split(';');
    let media = parts.next().unwrap_or_default().trim();
    let (kind, sub) = media.split_once('/').unwrap_or((media, ""));
    let sub = sub.trim().to_ascii_lowercase();
    if !kind.trim().eq_ignore_ascii_case("application") || !(sub == "json" || sub.ends_with("+json")) {
        return Err(ContentTypeError::NotJson { header: header() });
    }
    for param in parts {
        let Some((name, value)) = param.split_once('=') else { continue };
        if name.trim().eq_ignore_ascii_case("charset") {
            let charset = value.trim().trim_matches('"');
            if !(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")) {
                return Err(ContentTypeError::Charset { header: header(), charset: charset.to_owned() });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn check(v: &str) -> Result<(), ContentTypeError> {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        check_json(&h)
    }

    #[test]
    fn json_forms_and_refusals() {
        for ok in
            [JSON, JSON_UTF8, "application/problem+json", " application/json ;charset=UTF8", "application/json; q=1"]
        {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in ["text/plain", "application/jsonx", "application", "text/json", "multipart/form-data; boundary=x"] {
            assert!(matches!(check(bad), Err(ContentTypeError::NotJson { .. })), "{bad}");
        }
        assert_eq!(
            check("application/json; charset=koi8-r"),
            Err(ContentTypeError::Charset {
                header: "application/json; charset=koi8-r".into(),
                charset: "koi8-r".into()
            })
        );
    }
}
