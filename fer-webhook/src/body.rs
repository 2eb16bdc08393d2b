//! Reading a request body under the size limits and undoing `Content-Encoding: gzip` (the gateway
//! may compress bodies, [`fer_model::spec::quirks`]) without letting a gzip bomb through.

use std::io::Read;

use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use http::{HeaderMap, header};
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::WebhookError;

/// Reads the whole body, refusing more than `limit` bytes (by `Content-Length` up front, and while
/// reading for chunked bodies).
pub(crate) async fn collect<B>(headers: &HeaderMap, body: B, limit: usize) -> Result<Bytes, WebhookError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(WebhookError::BodyTooLarge { limit });
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<LengthLimitError>() => Err(WebhookError::BodyTooLarge { limit }),
        Err(e) => Err(WebhookError::BodyRead { reason: e.to_string() }),
    }
}

/// Undoes the `Content-Encoding` of `raw`: identity (or none) as is, gzip (or x-gzip) decompressed
/// up to `limit` bytes.
pub(crate) fn decode(headers: &HeaderMap, raw: Bytes, limit: usize) -> Result<Bytes, WebhookError> {
    let mut gzip = false;
    for value in headers.get_all(header::CONTENT_ENCODING) {
        let text = value.to_str().map_err(|_| WebhookError::UnsupportedEncoding {
            encoding: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })?;
        for coding in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match coding.to_ascii_lowercase().as_str() {
                "identity" => {}
                "gzip" | "x-gzip" if !gzip => gzip = true,
                _ => return Err(WebhookError::UnsupportedEncoding { encoding: text.to_owned() }),
            }
        }
    }
    if gzip { gunzip(&raw, limit) } else { Ok(raw) }
}

fn gunzip(compressed: &[u8], limit: usize) -> Result<Bytes, WebhookError> {
    let mut out = Vec::with_capacity(compressed.len().saturating_mul(4).min(limit));
    let read = MultiGzDecoder::new(compressed)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| WebhookError::InvalidGzip { reason: e.to_string() })?;
    if read > limit {
        return Err(WebhookError::DecompressedTooLarge { limit });
    }
    Ok(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use http::HeaderValue;
    use http_body_util::Full;

    use super::*;

    fn gz(data: &[u8]) -> Bytes {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        Bytes::from(e.finish().unwrap())
    }

    fn headers(encoding: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_str(encoding).unwrap());
        h
    }

    #[test]
    fn plain_and_gzip_bodies() {
        assert_eq!(decode(&HeaderMap::new(), Bytes::from_static(b"{}"), 10).unwrap(), "{}");
        assert_eq!(decode(&headers("identity"), Bytes::from_static(b"{}"), 10).unwrap(), "{}");
        assert_eq!(decode(&headers("GZIP"), gz(b"{\"a\":1}"), 10).unwrap(), "{\"a\":1}");
        assert_eq!(decode(&headers("x-gzip"), gz(b"[]"), 10).unwrap(), "[]");
    }

    #[test]
    fn gzip_bomb_is_cut_at_the_limit() {
        let bomb = gz(&vec![b' '; 10 * 1024 * 1024]);
        assert!(bomb.len() < 20 * 1024);
        assert_eq!(
            decode(&headers("gzip"), bomb, 1024 * 1024),
            Err(WebhookError::DecompressedTooLarge { limit: 1024 * 1024 })
        );
        assert_eq!(decode(&headers("gzip"), gz(&[b'x'; 100]), 100).unwrap().len(), 100);
    }

    #[test]
    fn bad_gzip_and_unknown_encodings() {
        assert!(matches!(
            decode(&headers("gzip"), Bytes::from_static(b"{\"not\":\"gzip\"}"), 100),
            Err(WebhookError::InvalidGzip { .. })
        ));
        assert_eq!(
            decode(&headers("br"), Bytes::from_static(b"x"), 100),
            Err(WebhookError::UnsupportedEncoding { encoding: "br".into() })
        );
        assert!(matches!(
            decode(&headers("gzip, gzip"), gz(b"{}"), 100),
            Err(WebhookError::UnsupportedEncoding { .. })
        ));
    }

    #[tokio::test]
    async fn body_limit_by_header_and_by_content() {
        let body = Full::new(Bytes::from(vec![b'a'; 20]));
        assert_eq!(collect(&HeaderMap::new(), body.clone(), 20).await.unwrap().len(), 20);
        assert_eq!(collect(&HeaderMap::new(), body, 19).await, Err(WebhookError::BodyTooLarge { limit: 19 }));
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("1000000"));
        let empty = Full::new(Bytes::new());
        assert_eq!(collect(&h, empty, 1000).await, Err(WebhookError::BodyTooLarge { limit: 1000 }));
    }
}
