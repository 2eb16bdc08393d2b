//! gzip out ([`gzip`]) and in ([`gunzip`], [`Inflater`]): the one compressor and the one
//! decompressor of the workspace.
//!
//! Input may be several gzip members one after another (RFC 1952 §2.2: a gzip file is a series of
//! members); all of them are inflated, as `gunzip` does. Inflation is a stream: output grows only
//! as far as the cap (the decoder itself holds a fixed window of 32 KiB besides), and the first
//! byte beyond it stops the work with [`GzipError::TooLarge`] (reported at the latest by
//! [`Inflater::finish`]).

use std::io::{self, Write};

pub use flate2::Compression;
use flate2::write::{GzEncoder, MultiGzDecoder};

/// Level 1: on slot JSON about 3.4 times faster than the default level 6 for a body only ~6 %
/// larger (the workspace's benchmarks), so the level every request body is sent at.
pub const FAST: Compression = Compression::fast();

/// Why a gzip body was not inflated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GzipError {
    /// The inflated data would exceed the cap (a gzip bomb, or simply too much data).
    #[error("gzip data inflates beyond {limit} bytes")]
    TooLarge {
        /// The cap in bytes.
        limit: usize,
    },
    /// Not gzip, corrupt, or cut short.
    #[error("invalid gzip: {source}")]
    Invalid {
        /// The decoder's complaint.
        #[source]
        source: io::Error,
    },
}

/// Compresses `data` at `level` (usually [`FAST`]).
///
/// ```
/// let packed = fer_http::gzip(b"{}", fer_http::gzip::FAST).unwrap();
/// assert_eq!(&packed[..2], &[0x1f, 0x8b]);
/// assert_eq!(fer_http::gunzip(&packed, 2).unwrap(), b"{}");
/// ```
pub fn gzip(data: &[u8], level: Compression) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 8 + 64), level);
    encoder.write_all(data)?;
    encoder.finish()
}

/// Inflates all gzip members of `data`, refusing to produce more than `limit` bytes.
///
/// ```
/// use fer_http::{gzip, gunzip, GzipError};
/// let mut two = gzip(b"[1,", gzip::FAST).unwrap();
/// two.extend(gzip(b"2]", gzip::FAST).unwrap());
/// assert_eq!(gunzip(&two, 100).unwrap(), b"[1,2]");
/// assert!(matches!(gunzip(&two, 4), Err(GzipError::TooLarge { limit: 4 })));
/// assert!(matches!(gunzip(b"[1,2]", 100), Err(GzipError::Invalid { .. })));
/// ```
pub fn gunzip(data: &[u8], limit: usize) -> Result<Vec<u8>, GzipError> {
    let mut inflater = Inflater::new(limit, data.len().saturating_mul(4));
    inflater.write(data)?;
    inflater.finish()
}

/// A gzip stream inflated as its compressed bytes arrive, under a cap.
#[derive(Debug)]
pub struct Inflater {
    decoder: MultiGzDecoder<Capped>,
}

impl Inflater {
    /// An inflater producing at most `limit` bytes; `expected` sizes the first allocation (never
    /// beyond `limit`).
    pub fn new(limit: usize, expected: usize) -> Inflater {
        let out = Vec::with_capacity(expected.min(limit).min(1 << 20));
        Inflater { decoder: MultiGzDecoder::new(Capped { out, limit, over: false }) }
    }

    /// Inflates the next compressed bytes.
    pub fn write(&mut self, compressed: &[u8]) -> Result<(), GzipError> {
        let result = self.decoder.write_all(compressed);
        self.check(result)
    }

    /// Ends the stream: an error when it was cut short (or empty); else the inflated bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, GzipError> {
        let result = self.decoder.try_finish();
        self.check(result)?;
        let limit = self.decoder.get_ref().limit;
        let out = self.decoder.finish().map_err(|source| GzipError::Invalid { source })?.out;
        debug_assert!(out.len() <= limit);
        Ok(out)
    }

    fn check(&self, result: io::Result<()>) -> Result<(), GzipError> {
        let capped = self.decoder.get_ref();
        if capped.over {
            return Err(GzipError::TooLarge { limit: capped.limit });
        }
        result.map_err(|source| GzipError::Invalid { source })
    }
}

/// The inflated bytes, refusing to grow beyond `limit`.
#[derive(Debug)]
struct Capped {
    out: Vec<u8>,
    limit: usize,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.limit - self.out.len() {
            self.over = true;
            return Err(io::Error::other("inflated data over the cap"));
        }
        let needed = self.out.len() + buf.len();
        if needed > self.out.capacity() {
            // Double, but never allocate beyond the cap.
            let target = needed.max(self.out.capacity().saturating_mul(2)).min(self.limit);
            self.out.reserve_exact(target - self.out.len());
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_members(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = gzip(a, FAST).unwrap();
        out.extend(gzip(b, Compression::best()).unwrap());
        out
    }

    #[test]
    fn round_trip_at_the_fast_level() {
        let body = br#"{"id":"aaaaaaa1-5eff-49b8-9d07-ff2486162b3f","status":"AVAILABLE"}"#.repeat(1000);
        let packed = gzip(&body, FAST).unwrap();
        let mut by_hand = GzEncoder::new(Vec::new(), Compression::new(1));
        by_hand.write_all(&body).unwrap();
        assert_eq!(packed, by_hand.finish().unwrap());
        assert_eq!(gunzip(&packed, body.len()).unwrap(), body);
    }

    #[test]
    fn every_member_is_read_even_fed_byte_by_byte() {
        let packed = two_members(br#"{"data":[{"id":1},"#, br#"{"id":2}]}"#);
        assert_eq!(gunzip(&packed, 1000).unwrap(), br#"{"data":[{"id":1},{"id":2}]}"#);
        let mut inflater = Inflater::new(1000, 0);
        for b in &packed {
            inflater.write(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(inflater.finish().unwrap(), br#"{"data":[{"id":1},{"id":2}]}"#);
    }

    #[test]
    fn the_cap_holds_across_members_and_for_a_bomb() {
        let packed = two_members(&[b'a'; 600], &[b'b'; 600]);
        assert_eq!(gunzip(&packed, 1200).unwrap().len(), 1200);
        assert!(matches!(gunzip(&packed, 1199), Err(GzipError::TooLarge { limit: 1199 })));
        let bomb = gzip(&vec![b' '; 10 << 20], Compression::best()).unwrap();
        assert!(bomb.len() < 20 << 10);
        let mut inflater = Inflater::new(1 << 20, usize::MAX);
        assert!(matches!(inflater.write(&bomb), Err(GzipError::TooLarge { limit: 1048576 })));
        // The output never grew beyond the cap.
        assert!(inflater.decoder.get_ref().out.capacity() <= 1 << 20);
    }

    #[test]
    fn garbage_cut_streams_and_trailing_junk_are_invalid() {
        let packed = gzip(br#"{"data":[1,2,3]}"#, FAST).unwrap();
        assert!(matches!(gunzip(b"{\"not\":\"gzip\"}", 100), Err(GzipError::Invalid { .. })));
        for cut in [1, 5, 12, packed.len() - 4, packed.len() - 1] {
            assert!(matches!(gunzip(&packed[..cut], 100), Err(GzipError::Invalid { .. })), "cut at {cut}");
        }
        let mut junk = packed.clone();
        junk.extend_from_slice(b"xyz");
        assert!(matches!(gunzip(&junk, 100), Err(GzipError::Invalid { .. })));
        let mut corrupt = packed;
        let n = corrupt.len();
        corrupt[n - 6] ^= 0xff; // the CRC
        assert!(matches!(gunzip(&corrupt, 100), Err(GzipError::Invalid { .. })));
    }
}
