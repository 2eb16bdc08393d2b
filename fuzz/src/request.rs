//! Arbitrary bytes to an `http::Request<Bytes>`, for the targets `webhook` and `emulator`.
//!
//! The format is text-like so that seeds can be written by hand from the spec's fixtures:
//!
//! ```text
//! <flags byte>METHOD PATH
//! header-name: value
//! ...
//!
//! body
//! ```
//!
//! Flags (low bits of the first byte; `'0'` is none): 1 = gzip the body and say
//! `Content-Encoding: gzip`, 2 = add the caller's credentials (a bearer token), 4 = the peer is
//! 127.0.0.1 (else unknown), 8 = the peer is 10.0.0.1. A method, path or header the `http` crate
//! refuses makes the input unusable (`None`), never a panic. Several requests may follow each other,
//! separated by [`SEPARATOR`].

use std::io::Write;

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::{HeaderName, HeaderValue, Method, Request};

/// Separates the requests of one input.
pub const SEPARATOR: &[u8] = b"\n--next--\n";

/// At most this many requests are decoded from one input.
pub const MAX_REQUESTS: usize = 4;

/// What the flags byte asks for beyond the request itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// Add `Authorization: Bearer <token>` (the emulator target logs in first).
    pub auth: bool,
    /// The peer address to put into the request, if any.
    pub peer: Option<std::net::SocketAddr>,
}

/// Splits an input into at most [`MAX_REQUESTS`] requests and decodes each.
pub fn decode_all(data: &[u8]) -> Vec<(Flags, Request<Bytes>)> {
    split(data, SEPARATOR).into_iter().take(MAX_REQUESTS).filter_map(decode).collect()
}

/// Decodes one request.
pub fn decode(data: &[u8]) -> Option<(Flags, Request<Bytes>)> {
    let (&flags, rest) = data.split_first()?;
    let (head, body) = match find(rest, b"\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (rest, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let request_line = lines.next()?;
    let (method, path) = match find(request_line, b" ") {
        Some(i) => (&request_line[..i], &request_line[i + 1..]),
        None => (request_line, &b"/"[..]),
    };
    let mut builder = Request::builder().method(Method::from_bytes(method).ok()?).uri(path);
    for line in lines {
        let Some(i) = find(line, b":") else { continue };
        let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(&line[..i]), HeaderValue::from_bytes(trim_start(&line[i + 1..])))
        else {
            continue;
        };
        builder = builder.header(name, value);
    }
    let gzip = flags & 1 != 0;
    let body = if gzip { gzip_bytes(body) } else { body.to_vec() };
    if gzip {
        builder = builder.header(http::header::CONTENT_ENCODING, "gzip");
    }
    let request = builder.body(Bytes::from(body)).ok()?;
    let peer = match flags & 0b1100 {
        0b0100 => Some(std::net::SocketAddr::from(([127, 0, 0, 1], 40000))),
        0b1000 | 0b1100 => Some(std::net::SocketAddr::from(([10, 0, 0, 1], 40000))),
        _ => None,
    };
    Some((Flags { auth: flags & 2 != 0, peer }, request))
}

/// Gzips `data` (fast level: the fuzzer cares about the decoder, not the ratio).
pub fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(i) = find(data, separator) {
        parts.push(&data[..i]);
        data = &data[i + separator.len()..];
    }
    parts.push(data);
    parts
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    &bytes[n..]
}
