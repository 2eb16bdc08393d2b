//! Request bodies: the size limits, and gzip («Сжатие данных»: bodies may be sent with
//! `Content-Encoding: gzip`; plain bodies stay accepted).

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;

use super::envelope;
use crate::codes;

/// The limits a body is read under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Bytes on the wire.
    pub body: usize,
    /// Bytes after gunzipping.
    pub decompressed: usize,
}

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BodyError {
    /// Over the wire limit.
    #[error("тело запроса больше {limit} байт (request body over {limit} bytes)")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Over the limit once gunzipped (a gzip bomb, or simply too much data).
    #[error("распакованное тело запроса больше {limit} байт (gunzipped body over {limit} bytes)")]
    DecompressedTooLarge {
        /// The limit.
        limit: usize,
    },
    /// A content encoding other than gzip or identity.
    #[error("Content-Encoding {0:?} не поддерживается: используйте gzip или отправляйте без сжатия")]
    UnsupportedEncoding(String),
    /// A `Content-Type` that is not JSON in UTF-8 ([`fer_http::content_type::check_json`]).
    #[error("{0}: отправляйте Content-Type: application/json (the profile's Content-Type)")]
    UnsupportedMediaType(#[source] fer_http::content_type::ContentTypeError),
    /// `Content-Encoding: gzip` on a body that is not gzip.
    #[error("тело запроса с Content-Encoding: gzip не является корректным gzip: {0}")]
    BadGzip(String),
    /// The connection failed while the body was read.
    #[error("ошибка чтения тела запроса: {0}")]
    Read(String),
}

impl BodyError {
    /// The enveloped answer: 413, 415 or 400.
    pub fn into_response(self) -> Response {
        let (status, code) = match self {
            BodyError::TooLarge { .. } | BodyError::DecompressedTooLarge { .. } => (413, codes::PAYLOAD_TOO_LARGE),
            BodyError::UnsupportedEncoding(_) => (415, codes::UNSUPPORTED_ENCODING),
            BodyError::UnsupportedMediaType(_) => (415, codes::UNSUPPORTED_MEDIA_TYPE),
            BodyError::BadGzip(_) | BodyError::Read(_) => (400, codes::FORMAT),
        };
        envelope::failure(status, code, self.to_string())
    }
}

/// Reads a body within `limits.body` bytes and gunzips it (every member) within
/// `limits.decompressed` bytes when `Content-Encoding` says gzip, inflating while the body arrives
/// ([`fer_http::read_body`]). Never holds more than the limits in memory.
///
/// The emulator stands for the Vitrina, whose profile has senders write `Content-Type:
/// application/json`: a body announced as something else (or in a charset other than UTF-8) is
/// refused with 415 before it is read, so that a vendor finds the mistake here rather than on the
/// real contour. A missing `Content-Type` is accepted (the body decides).
pub(crate) async fn read(headers: &HeaderMap, body: Body, limits: Limits) -> Result<Bytes, BodyError> {
    fer_http::content_type::check_json(headers).map_err(BodyError::UnsupportedMediaType)?;
    let limits = fer_http::Limits { compressed: limits.body, decompressed: limits.decompressed };
    fer_http::read_body(headers, body, limits).await.map_err(BodyError::from)
}

impl From<fer_http::BodyError> for BodyError {
    fn from(e: fer_http::BodyError) -> Self {
        use fer_http::{BodyError as E, EncodingError};
        match e {
            E::TooLarge { limit } => BodyError::TooLarge { limit },
            E::DecompressedTooLarge { limit } => BodyError::DecompressedTooLarge { limit },
            E::Encoding(EncodingError::Unsupported { header } | EncodingError::Repeated { header }) => {
                BodyError::UnsupportedEncoding(header)
            }
            E::Encoding(other) => BodyError::UnsupportedEncoding(other.to_string()),
            E::InvalidGzip { source } => BodyError::BadGzip(source.to_string()),
            E::Read { source } => BodyError::Read(source.to_string()),
            other => BodyError::Read(other.to_string()),
        }
    }
}

/// Gunzips `data` (every member), refusing output over `limit` bytes.
#[cfg(test)]
fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, BodyError> {
    fer_http::gunzip(data, limit).map(Bytes::from).map_err(|e| BodyError::from(fer_http::BodyError::from(e)))
}

/// True when a body starts with the gzip magic bytes: used to explain a JSON error on a compressed
/// body sent without `Content-Encoding: gzip`.
pub(crate) fn looks_gzipped(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn gunzip_respects_the_limit() {
        let data = vec![b'a'; 1000];
        assert_eq!(gunzip(&gz(&data), 1000).unwrap().len(), 1000);
        assert_eq!(gunzip(&gz(&data), 999), Err(BodyError::DecompressedTooLarge { limit: 999 }));
        assert!(matches!(gunzip(b"{\"data\":[]}", 1000), Err(BodyError::BadGzip(_))));
        assert!(looks_gzipped(&gz(b"x")));
    }

    /// Two gzip members (RFC 1952 §2.2) are one body: the old reader stopped after the first.
    #[test]
    fn every_gzip_member_is_read() {
        let mut two = gz(b"{\"data\":");
        two.extend(gz(b"[]}"));
        assert_eq!(gunzip(&two, 100).unwrap(), "{\"data\":[]}");
    }

    #[tokio::test]
    async fn encodings() {
        let limits = Limits { body: 100, decompressed: 100 };
        let read_with = |encoding: &'static str| async move {
            let mut h = HeaderMap::new();
            h.insert(http::header::CONTENT_ENCODING, encoding.parse().unwrap());
            read(&h, Body::from(gz(b"{}")), limits).await
        };
        assert_eq!(read(&HeaderMap::new(), Body::from("{}"), limits).await.unwrap(), "{}");
        assert_eq!(read_with("GZIP").await.unwrap(), "{}");
        assert!(matches!(read_with("br").await, Err(BodyError::UnsupportedEncoding(_))));
        assert!(matches!(read_with("gzip, gzip").await, Err(BodyError::UnsupportedEncoding(_))));
        assert_eq!(read_with("identity").await.unwrap(), gz(b"{}"));
    }
}
