//! The HTTP body layer shared by the fer-rs crates (the webhook service, the emulator, the client
//! and the conformance runner), so that every body is read, inflated, checked and quoted one way.
//!
//! * [`BodyReader`] and [`read_body`]: a body read under two limits ([`Limits`]): bytes on the wire
//!   (refused up front by `Content-Length`, and while reading) and bytes once gunzipped. gzip is
//!   inflated as a stream while the body arrives, and the decompressed cap is enforced while
//!   inflating: a gzip bomb costs at most the cap in memory, never more.
//! * [`ContentEncoding`]: `Content-Encoding` as the integration profile has it («Дополнение» of
//!   «Сервис взаимодействия с программным обеспечением «Витрина данных»»: requests are gzip with
//!   `Content-Encoding: gzip`, plain bodies stay accepted during the transition). `gzip` (and its
//!   registered alias `x-gzip`) and `identity` are accepted; any other coding, or gzip twice, is a
//!   typed [`EncodingError`]. Input may hold several gzip members (RFC 1952 §2.2): all are read.
//! * [`gzip()`] and [`gunzip`]: the one compressor and the one decompressor.
//! * [`content_type`]: whether a `Content-Type` announces JSON in UTF-8.
//! * `shutdown_signal` (feature `shutdown`): the stop signal every fer-rs server waits for.
//! * `metrics` (feature `metrics`): the one Prometheus exporter of fer-rs: a `prometheus-client`
//!   registry and `GET /metrics` in the text exposition format on a (loopback) listener of its own.
//! * [`excerpt`]: the start of a body for an error message: bounded, cut on a character boundary,
//!   with the values of [`fer_model::redact::KEYS`] masked, whether the body is whole JSON or not.
//!
//! ```
//! use fer_http::{BodyReader, Limits, gzip};
//! use http::{HeaderMap, HeaderValue, header};
//!
//! let mut headers = HeaderMap::new();
//! headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
//! let limits = Limits { compressed: 1024, decompressed: 4096 };
//! let packed = gzip(br#"{"data":[]}"#, gzip::FAST).unwrap();
//! let mut reader = BodyReader::new(&headers, limits).unwrap();
//! reader.push(packed.into()).unwrap();
//! assert_eq!(reader.finish().unwrap(), &br#"{"data":[]}"#[..]);
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod content_type;
mod encoding;
mod excerpt;
pub mod gzip;
#[cfg(feature = "metrics")]
pub mod metrics;
mod read;
#[cfg(feature = "shutdown")]
mod shutdown;

pub use encoding::{ContentEncoding, EncodingError};
pub use excerpt::{EXCERPT_CHARS, excerpt};
pub use gzip::{GzipError, gunzip, gzip};
pub use read::{BodyError, BodyReader, Limits, read_body};
#[cfg(feature = "shutdown")]
pub use shutdown::shutdown_signal;
