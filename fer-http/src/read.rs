//! Reading a body under limits.

use std::pin::pin;

use bytes::{Buf, Bytes, BytesMut};
use http::{HeaderMap, header};
use http_body::Body;

use crate::encoding::{ContentEncoding, EncodingError};
use crate::gzip::{GzipError, Inflater};

/// The limits a body is read under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes on the wire (compressed or not).
    pub compressed: usize,
    /// Bytes once gunzipped (a plain body is bounded by [`compressed`](Limits::compressed)).
    pub decompressed: usize,
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// More bytes on the wire than [`Limits::compressed`] (declared by `Content-Length`, or sent).
    #[error("body exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// More bytes once gunzipped than [`Limits::decompressed`]: a gzip bomb, or simply too much.
    #[error("decompressed body exceeds the limit of {limit} bytes")]
    DecompressedTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A `Content-Encoding` other than gzip or identity, or gzip twice.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// `Content-Encoding: gzip` on a body that is not gzip (or is corrupt, or cut short).
    #[error("body is not valid gzip: {source}")]
    InvalidGzip {
        /// The decoder's complaint.
        #[source]
        source: std::io::Error,
    },
    /// The connection failed while the body was read.
    #[error("could not read the body: {source}")]
    Read {
        /// The transport's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl BodyError {
    /// The HTTP status a server answers this with: 413, 415 or 400.
    pub fn status(&self) -> http::StatusCode {
        match self {
            BodyError::TooLarge { .. } | BodyError::DecompressedTooLarge { .. } => http::StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Encoding(_) => http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            BodyError::InvalidGzip { .. } | BodyError::Read { .. } => http::StatusCode::BAD_REQUEST,
        }
    }
}

impl From<GzipError> for BodyError {
    fn from(e: GzipError) -> Self {
        match e {
            GzipError::TooLarge { limit } => BodyError::DecompressedTooLarge { limit },
            GzipError::Invalid { source } => BodyError::InvalidGzip { source },
        }
    }
}

/// A body read chunk by chunk: the wire limit counted as chunks arrive, gzip inflated as it comes
/// under the decompressed cap. A plain body of one chunk is returned without a copy.
///
/// ```
/// use fer_http::{BodyError, BodyReader, Limits};
/// use http::{HeaderMap, HeaderValue, header};
///
/// let limits = Limits { compressed: 8, decompressed: 8 };
/// let mut reader = BodyReader::new(&HeaderMap::new(), limits).unwrap();
/// reader.push("[1,".into()).unwrap();
/// reader.push("2]".into()).unwrap();
/// assert_eq!(reader.finish().unwrap(), "[1,2]");
///
/// let mut big = HeaderMap::new();
/// big.insert(header::CONTENT_LENGTH, HeaderValue::from_static("9"));
/// assert!(matches!(BodyReader::new(&big, limits), Err(BodyError::TooLarge { limit: 8 })));
/// ```
#[derive(Debug)]
pub struct BodyReader {
    limits: Limits,
    received: usize,
    state: State,
}

#[derive(Debug)]
enum State {
    Plain { first: Option<Bytes>, joined: BytesMut },
    Gzip(Inflater),
}

impl BodyReader {
    /// A reader for a body sent with `headers`: refuses an unsupported `Content-Encoding`
    /// ([`BodyError::Encoding`]) and a `Content-Length` over the wire limit up front.
    pub fn new(headers: &HeaderMap, limits: Limits) -> Result<BodyReader, BodyError> {
        let encoding = ContentEncoding::of(headers)?;
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > limits.compressed as u64) {
            return Err(BodyError::TooLarge { limit: limits.compressed });
        }
        Ok(BodyReader::with_encoding(encoding, limits, declared.map_or(0, |n| n as usize)))
    }

    /// A reader for a body of a known encoding; `expected` is the expected wire size, if known (0).
    pub fn with_encoding(encoding: ContentEncoding, limits: Limits, expected: usize) -> BodyReader {
        let state = match encoding {
            ContentEncoding::Identity => State::Plain { first: None, joined: BytesMut::new() },
            ContentEncoding::Gzip => State::Gzip(Inflater::new(limits.decompressed, expected.saturating_mul(4))),
        };
        BodyReader { limits, received: 0, state }
    }

    /// The bytes received so far on the wire.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Takes the next chunk of the body as received.
    pub fn push(&mut self, chunk: Bytes) -> Result<(), BodyError> {
        if chunk.len() > self.limits.compressed - self.received {
            return Err(BodyError::TooLarge { limit: self.limits.compressed });
        }
        self.received += chunk.len();
        match &mut self.state {
            State::Plain { first, joined } => {
                if first.is_none() && joined.is_empty() {
                    *first = Some(chunk);
                } else {
                    if let Some(first) = first.take() {
                        joined.reserve(first.len() + chunk.len());
                        joined.extend_from_slice(&first);
                    }
                    joined.extend_from_slice(&chunk);
                }
            }
            State::Gzip(inflater) => inflater.write(&chunk)?,
        }
        Ok(())
    }

    /// The whole body, decoded.
    pub fn finish(self) -> Result<Bytes, BodyError> {
        match self.state {
            State::Plain { first: Some(first), .. } => Ok(first),
            State::Plain { first: None, joined } => Ok(joined.freeze()),
            State::Gzip(inflater) => Ok(Bytes::from(inflater.finish()?)),
        }
    }
}

/// Reads the whole of an [`http_body::Body`] sent with `headers` under `limits`, inflating gzip as
/// it arrives. Trailers are ignored.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use fer_http::{Limits, read_body};
/// use http::HeaderMap;
/// let body = http::Request::new(String::from("{}")).into_body();
/// let limits = Limits { compressed: 10, decompressed: 10 };
/// assert_eq!(read_body(&HeaderMap::new(), body, limits).await.unwrap(), "{}");
/// # });
/// ```
pub async fn read_body<B>(headers: &HeaderMap, body: B, limits: Limits) -> Result<Bytes, BodyError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut reader = BodyReader::new(headers, limits)?;
    let mut body = pin!(body);
    while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        let frame = frame.map_err(|e| BodyError::Read { source: e.into() })?;
        if let Ok(mut data) = frame.into_data() {
            // No copy for `Bytes` (the data of hyper's and axum's bodies): it is split off.
            reader.push(data.copy_to_bytes(data.remaining()))?;
        }
    }
    reader.finish()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;
    use crate::gzip::{FAST, gzip};

    const LIMITS: Limits = Limits { compressed: 100, decompressed: 1000 };

    fn gzip_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h
    }

    #[test]
    fn one_plain_chunk_is_not_copied() {
        let chunk = Bytes::from(vec![b'{', b'}']);
        let ptr = chunk.as_ptr();
        let mut r = BodyReader::new(&HeaderMap::new(), LIMITS).unwrap();
        r.push(chunk).unwrap();
        assert_eq!(r.finish().unwrap().as_ptr(), ptr);
        assert_eq!(BodyReader::new(&HeaderMap::new(), LIMITS).unwrap().finish().unwrap(), "");
    }

    #[test]
    fn the_wire_limit_is_counted_over_chunks() {
        let mut r = BodyReader::new(&HeaderMap::new(), LIMITS).unwrap();
        r.push(Bytes::from(vec![b'a'; 60])).unwrap();
        r.push(Bytes::from(vec![b'a'; 40])).unwrap();
        assert_eq!(r.received(), 100);
        assert!(matches!(r.push(Bytes::from_static(b"a")), Err(BodyError::TooLarge { limit: 100 })));
    }

    /// The error of a gzip body of one chunk, whether found on the chunk or at the end (the decoder
    /// buffers a little).
    fn fails(chunk: Bytes) -> BodyError {
        let mut r = BodyReader::new(&gzip_headers(), LIMITS).unwrap();
        match r.push(chunk) {
            Err(e) => e,
            Ok(()) => r.finish().unwrap_err(),
        }
    }

    #[test]
    fn gzip_chunks_across_two_members_and_the_cap() {
        let mut packed = gzip(b"[1,", FAST).unwrap();
        packed.extend(gzip(b"2]", FAST).unwrap());
        let mut r = BodyReader::new(&gzip_headers(), LIMITS).unwrap();
        let (a, b) = packed.split_at(7);
        r.push(Bytes::copy_from_slice(a)).unwrap();
        r.push(Bytes::copy_from_slice(b)).unwrap();
        assert_eq!(r.finish().unwrap(), "[1,2]");

        let bomb = gzip(&[b' '; 5000], FAST).unwrap();
        assert!(bomb.len() < 100);
        let e = fails(bomb.into());
        assert!(matches!(e, BodyError::DecompressedTooLarge { limit: 1000 }), "{e}");
        assert_eq!(e.status(), 413);

        let e = fails(Bytes::from_static(br#"{"data":[1, 2, 3]}"#));
        assert!(matches!(e, BodyError::InvalidGzip { .. }), "{e}");
        let mut r = BodyReader::new(&gzip_headers(), LIMITS).unwrap();
        r.push(Bytes::from_static(&[0x1f])).unwrap();
        let e = r.finish().unwrap_err();
        assert!(matches!(e, BodyError::InvalidGzip { .. }) && e.status() == 400, "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn headers_are_checked_up_front() {
        let mut h = gzip_headers();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("101"));
        assert!(matches!(BodyReader::new(&h, LIMITS), Err(BodyError::TooLarge { limit: 100 })));
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        let e = BodyReader::new(&h, LIMITS).unwrap_err();
        assert!(matches!(e, BodyError::Encoding(EncodingError::Unsupported { .. })) && e.status() == 415, "{e}");
    }

    #[tokio::test]
    async fn a_failing_body_is_a_read_error() {
        struct Broken;
        impl Body for Broken {
            type Data = Bytes;
            type Error = std::io::Error;
            fn poll_frame(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
                std::task::Poll::Ready(Some(Err(std::io::Error::other("reset"))))
            }
        }
        let e = read_body(&HeaderMap::new(), Broken, LIMITS).await.unwrap_err();
        assert!(matches!(e, BodyError::Read { .. }) && e.to_string().contains("reset"), "{e}");
    }
}
