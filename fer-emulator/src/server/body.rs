//! Request bodies: the size limits, and gzip («Сжатие данных»: bodies may be sent with
//! `Content-Encoding: gzip`; plain bodies stay accepted).

use std::io::Read;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use flate2::read::GzDecoder;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use http_body_util::{BodyExt, LengthLimitError, Limited};

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
            BodyError::BadGzip(_) | BodyError::Read(_) => (400, codes::FORMAT),
        };
        envelope::failure(status, code, self.to_string())
    }
}

/// Reads a body within `limits.body` bytes and gunzips it within `limits.decompressed` bytes when
/// `Content-Encoding` says gzip. Never holds more than the limits in memory.
pub(crate) async fn read(headers: &HeaderMap, body: Body, limits: Limits) -> Result<Bytes, BodyError> {
    let gzip = is_gzip(headers)?;
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.body as u64) {
        return Err(BodyError::TooLarge { limit: limits.body });
    }
    let raw = match Limited::new(body, limits.body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(BodyError::TooLarge { limit: limits.body });
        }
        Err(e) => return Err(BodyError::Read(e.to_string())),
    };
    if !gzip {
        return Ok(raw);
    }
    let limit = limits.decompressed;
    tokio::task::spawn_blocking(move || gunzip(&raw, limit))
        .await
        .map_err(|e| BodyError::Read(format!("распаковка прервана: {e}")))?
}

/// Whether the body is gzip; an error for any encoding but gzip and identity.
fn is_gzip(headers: &HeaderMap) -> Result<bool, BodyError> {
    let Some(value) = headers.get(CONTENT_ENCODING) else { return Ok(false) };
    let text = value.to_str().map_err(|_| BodyError::UnsupportedEncoding(format!("{value:?}")))?;
    let mut gzip = false;
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" if !gzip => gzip = true,
            "identity" => {}
            _ => return Err(BodyError::UnsupportedEncoding(text.to_owned())),
        }
    }
    Ok(gzip)
}

/// Gunzips `data`, refusing output over `limit` bytes: reads at most `limit + 1` bytes.
pub(crate) fn gunzip(data: &[u8], limit: usize) -> Result<Bytes, BodyError> {
    let mut out = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    GzDecoder::new(data).take(cap).read_to_end(&mut out).map_err(|e| BodyError::BadGzip(e.to_string()))?;
    if out.len() > limit {
        return Err(BodyError::DecompressedTooLarge { limit });
    }
    Ok(Bytes::from(out))
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

    #[test]
    fn encodings() {
        let mut h = HeaderMap::new();
        assert_eq!(is_gzip(&h), Ok(false));
        h.insert(CONTENT_ENCODING, "GZIP".parse().unwrap());
        assert_eq!(is_gzip(&h), Ok(true));
        h.insert(CONTENT_ENCODING, "identity".parse().unwrap());
        assert_eq!(is_gzip(&h), Ok(false));
        h.insert(CONTENT_ENCODING, "br".parse().unwrap());
        assert!(matches!(is_gzip(&h), Err(BodyError::UnsupportedEncoding(_))));
        h.insert(CONTENT_ENCODING, "gzip, gzip".parse().unwrap());
        assert!(is_gzip(&h).is_err());
    }
}
