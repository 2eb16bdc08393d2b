//! The gzip backends a vendor can pick without a C toolchain, at flate2's three named levels.
//!
//! * [`Backend::Miniz`]: flate2's default backend, miniz_oxide, through [`flate2::write::GzEncoder`]
//!   (what fer-client uses);
//! * [`Backend::ZlibRs`]: zlib-rs (the `zlib-rs` feature of flate2), called directly in one shot
//!   with a gzip wrapper: enabling the flate2 feature in this crate would switch flate2 to zlib-rs
//!   for the whole bench build, the client's path included.
//!
//! Both produce standard gzip (RFC 1952) that any inflater reads (tested below).

use std::fmt;
use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;

/// A pure-Rust deflate implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// miniz_oxide through flate2 (flate2's default, fer-client's backend).
    Miniz,
    /// zlib-rs, a Rust port of zlib-ng.
    ZlibRs,
}

/// flate2's named levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// `Compression::fast()`, level 1 (fer-client's level).
    Fast,
    /// `Compression::default()`, level 6.
    Default,
    /// `Compression::best()`, level 9.
    Best,
}

impl Level {
    /// Every level, fastest first.
    pub const ALL: [Level; 3] = [Level::Fast, Level::Default, Level::Best];

    /// The numeric level, 1, 6 or 9.
    pub fn number(self) -> u32 {
        match self {
            Level::Fast => Compression::fast().level(),
            Level::Default => Compression::default().level(),
            Level::Best => Compression::best().level(),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Miniz => "miniz_oxide",
            Backend::ZlibRs => "zlib-rs",
        })
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Level::Fast => "fast",
            Level::Default => "default",
            Level::Best => "best",
        };
        write!(f, "{name} ({})", self.number())
    }
}

/// A gzip failure (only zlib-rs reports one, for an output buffer it judged too small).
#[derive(Debug, thiserror::Error)]
#[error("gzip with {backend} failed: {reason}")]
pub struct GzipError {
    backend: Backend,
    reason: String,
}

/// gzips `data` with `backend` at `level`.
pub fn compress(backend: Backend, level: Level, data: &[u8]) -> Result<Vec<u8>, GzipError> {
    match backend {
        Backend::Miniz => miniz(level, data),
        Backend::ZlibRs => zlib_rs(level, data),
    }
}

fn miniz(level: Level, data: &[u8]) -> Result<Vec<u8>, GzipError> {
    let error = |e: std::io::Error| GzipError { backend: Backend::Miniz, reason: e.to_string() };
    let mut encoder = GzEncoder::new(Vec::with_capacity(data.len() / 8 + 64), Compression::new(level.number()));
    encoder.write_all(data).map_err(error)?;
    encoder.finish().map_err(error)
}

/// `window_bits` 16 + 15: a gzip header and trailer around a 32 KiB-window deflate stream.
const GZIP_WINDOW_BITS: i32 = 16 + 15;

/// The gzip header and trailer are 12 bytes longer than zlib's, which `compress_bound` counts.
const GZIP_EXTRA: usize = 32;

fn zlib_rs(level: Level, data: &[u8]) -> Result<Vec<u8>, GzipError> {
    let config = zlib_rs::DeflateConfig {
        level: level.number() as i32,
        window_bits: GZIP_WINDOW_BITS,
        ..zlib_rs::DeflateConfig::default()
    };
    let mut out = vec![0u8; zlib_rs::compress_bound(data.len()) + GZIP_EXTRA];
    let (packed, code) = zlib_rs::compress_slice(&mut out, data, config);
    if code != zlib_rs::ReturnCode::Ok {
        return Err(GzipError { backend: Backend::ZlibRs, reason: format!("{code:?}") });
    }
    let len = packed.len();
    out.truncate(len);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn every_backend_and_level_round_trips_through_a_standard_inflater() {
        let json = crate::slot_batch_json(2_000, 5);
        for backend in [Backend::Miniz, Backend::ZlibRs] {
            let mut sizes = Vec::new();
            for level in Level::ALL {
                let packed = compress(backend, level, &json).unwrap();
                assert_eq!(&packed[..2], &[0x1f, 0x8b], "{backend} {level}: not gzip");
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&packed[..]).read_to_end(&mut out).unwrap();
                assert_eq!(out, json, "{backend} {level}");
                sizes.push(packed.len());
            }
            assert!(sizes[0] >= sizes[2], "{backend}: best ({}) larger than fast ({})", sizes[2], sizes[0]);
            assert!(sizes[1] * 5 < json.len(), "{backend}: JSON of slots should shrink at least 5x");
        }
    }

    #[test]
    fn levels_are_flate2s() {
        assert_eq!(Level::ALL.map(Level::number), [1, 6, 9]);
        assert_eq!(Level::Default.to_string(), "default (6)");
    }
}
