//! `Content-Encoding`.

use http::{HeaderMap, header};

/// How a body is encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentEncoding {
    /// As is: no `Content-Encoding`, or `identity`.
    Identity,
    /// gzip (`gzip`, or its alias `x-gzip`), possibly of several members.
    Gzip,
}

/// Why a `Content-Encoding` is refused (answered 415 by the servers).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodingError {
    /// A coding other than gzip or identity (`br`, `deflate`, …), or a header that is not text.
    #[error("unsupported Content-Encoding {header:?}: only gzip and identity are accepted")]
    Unsupported {
        /// The header's value (all its lines, joined by `, `).
        header: String,
    },
    /// gzip applied more than once (`gzip, gzip`): the profile sends one gzip layer.
    #[error("Content-Encoding {header:?} applies gzip more than once: only one gzip layer is accepted")]
    Repeated {
        /// The header's value (all its lines, joined by `, `).
        header: String,
    },
}

impl ContentEncoding {
    /// The encoding `headers` declare, over every `Content-Encoding` line; codings are matched
    /// ignoring ASCII case, `identity` and empty items are skipped.
    ///
    /// ```
    /// use fer_http::{ContentEncoding, EncodingError};
    /// use http::{HeaderMap, HeaderValue, header::CONTENT_ENCODING};
    ///
    /// let mut h = HeaderMap::new();
    /// assert_eq!(ContentEncoding::of(&h), Ok(ContentEncoding::Identity));
    /// h.insert(CONTENT_ENCODING, HeaderValue::from_static("GZIP"));
    /// assert_eq!(ContentEncoding::of(&h), Ok(ContentEncoding::Gzip));
    /// h.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
    /// assert!(matches!(ContentEncoding::of(&h), Err(EncodingError::Unsupported { .. })));
    /// ```
    pub fn of(headers: &HeaderMap) -> Result<ContentEncoding, EncodingError> {
        let mut encoding = ContentEncoding::Identity;
        let lines = headers.get_all(header::CONTENT_ENCODING);
        for value in lines.iter() {
            let whole = || {
                lines.iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect::<Vec<_>>().join(", ")
            };
            let Ok(text) = value.to_str() else { return Err(EncodingError::Unsupported { header: whole() }) };
            for coding in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                if coding.eq_ignore_ascii_case("identity") {
                    continue;
                }
                if !(coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip")) {
                    return Err(EncodingError::Unsupported { header: whole() });
                }
                if encoding == ContentEncoding::Gzip {
                    return Err(EncodingError::Repeated { header: whole() });
                }
                encoding = ContentEncoding::Gzip;
            }
        }
        Ok(encoding)
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn of(values: &[&str]) -> Result<ContentEncoding, EncodingError> {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::CONTENT_ENCODING, HeaderValue::from_str(v).unwrap());
        }
        ContentEncoding::of(&h)
    }

    #[test]
    fn gzip_identity_and_refusals() {
        assert_eq!(of(&[]), Ok(ContentEncoding::Identity));
        assert_eq!(of(&["identity"]), Ok(ContentEncoding::Identity));
        assert_eq!(of(&["x-gzip"]), Ok(ContentEncoding::Gzip));
        assert_eq!(of(&[" gzip , identity"]), Ok(ContentEncoding::Gzip));
        assert_eq!(of(&["br"]), Err(EncodingError::Unsupported { header: "br".into() }));
        assert_eq!(of(&["gzip", "deflate"]), Err(EncodingError::Unsupported { header: "gzip, deflate".into() }));
        assert_eq!(of(&["gzip, gzip"]), Err(EncodingError::Repeated { header: "gzip, gzip".into() }));
        assert_eq!(of(&["gzip", "x-gzip"]), Err(EncodingError::Repeated { header: "gzip, x-gzip".into() }));
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_bytes(b"gz\xffip").unwrap());
        assert!(matches!(ContentEncoding::of(&h), Err(EncodingError::Unsupported { .. })));
    }
}
