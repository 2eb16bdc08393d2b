//! Reading a request body under the size limits and undoing `Content-Encoding: gzip` (the gateway
//! may compress bodies: [`fer_model::spec::quirks`]) without letting a
//! gzip bomb through. The work is [`fer_http::read_body`]; this module maps its errors onto the
//! service's answers (413, 415, 400).

use bytes::Bytes;
use fer_http::{BodyError, Limits};
use http::HeaderMap;
use http_body::Body;

use crate::WebhookError;

/// Reads the whole body, refusing more than `limit` bytes on the wire (by `Content-Length` up
/// front, and while reading for chunked bodies) and, for gzip (all members), more than
/// `decompressed_limit` bytes once inflated (checked while inflating, as the body arrives).
pub(crate) async fn read<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
    decompressed_limit: usize,
) -> Result<Bytes, WebhookError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limits = Limits { compressed: limit, decompressed: decompressed_limit };
    fer_http::read_body(headers, body, limits).await.map_err(into_webhook_error)
}

fn into_webhook_error(e: BodyError) -> WebhookError {
    match e {
        BodyError::TooLarge { limit } => WebhookError::BodyTooLarge { limit },
        BodyError::DecompressedTooLarge { limit } => WebhookError::DecompressedTooLarge { limit },
        BodyError::Encoding(fer_http::EncodingError::Repeated { header }) => {
            WebhookError::RepeatedEncoding { encoding: header }
        }
        BodyError::Encoding(e) => WebhookError::UnsupportedEncoding {
            encoding: match e {
                fer_http::EncodingError::Unsupported { header } => header,
                other => other.to_string(),
            },
        },
        BodyError::InvalidGzip { source } => WebhookError::InvalidGzip { reason: source.to_string() },
        other => WebhookError::BodyRead { reason: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;
    use http::{HeaderValue, header};
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

    async fn decode(headers: &HeaderMap, raw: Bytes, limit: usize) -> Result<Bytes, WebhookError> {
        read(headers, Full::new(raw), usize::MAX / 2, limit).await
    }

    #[tokio::test]
    async fn plain_and_gzip_bodies() {
        assert_eq!(decode(&HeaderMap::new(), Bytes::from_static(b"{}"), 10).await.unwrap(), "{}");
        assert_eq!(decode(&headers("identity"), Bytes::from_static(b"{}"), 10).await.unwrap(), "{}");
        assert_eq!(decode(&headers("GZIP"), gz(b"{\"a\":1}"), 10).await.unwrap(), "{\"a\":1}");
        assert_eq!(decode(&headers("x-gzip"), gz(b"[]"), 10).await.unwrap(), "[]");
    }

    /// Two gzip members (RFC 1952 §2.2) are one body: both are read.
    #[tokio::test]
    async fn every_gzip_member_is_read() {
        let mut two = gz(b"{\"a\":").to_vec();
        two.extend_from_slice(&gz(b"1}"));
        assert_eq!(decode(&headers("gzip"), two.into(), 10).await.unwrap(), "{\"a\":1}");
    }

    #[tokio::test]
    async fn gzip_bomb_is_cut_at_the_limit() {
        let bomb = gz(&vec![b' '; 10 * 1024 * 1024]);
        assert!(bomb.len() < 20 * 1024);
        assert_eq!(
            decode(&headers("gzip"), bomb, 1024 * 1024).await,
            Err(WebhookError::DecompressedTooLarge { limit: 1024 * 1024 })
        );
        assert_eq!(decode(&headers("gzip"), gz(&[b'x'; 100]), 100).await.unwrap().len(), 100);
    }

    #[tokio::test]
    async fn bad_gzip_and_unknown_encodings() {
        assert!(matches!(
            decode(&headers("gzip"), Bytes::from_static(b"{\"not\":\"gzip\"}"), 100).await,
            Err(WebhookError::InvalidGzip { .. })
        ));
        assert_eq!(
            decode(&headers("br"), Bytes::from_static(b"x"), 100).await,
            Err(WebhookError::UnsupportedEncoding { encoding: "br".into() })
        );
        assert_eq!(
            decode(&headers("gzip, gzip"), gz(b"{}"), 100).await,
            Err(WebhookError::RepeatedEncoding { encoding: "gzip, gzip".into() })
        );
    }

    #[tokio::test]
    async fn body_limit_by_header_and_by_content() {
        let body = Full::new(Bytes::from(vec![b'a'; 20]));
        assert_eq!(read(&HeaderMap::new(), body.clone(), 20, 20).await.unwrap().len(), 20);
        assert_eq!(read(&HeaderMap::new(), body, 19, 19).await, Err(WebhookError::BodyTooLarge { limit: 19 }));
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("1000000"));
        let empty = Full::new(Bytes::new());
        assert_eq!(read(&h, empty, 1000, 1000).await, Err(WebhookError::BodyTooLarge { limit: 1000 }));
    }
}
