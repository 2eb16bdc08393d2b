//! gzip of request bodies (section 5, «Дополнение»: «Запросы … должны быть сжаты с использованием
//! gzip»; `Content-Encoding: gzip`) and, defensively, of answers that arrive gzipped.

use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// Compresses a request body.
pub(crate) fn compress(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 8 + 64), Compression::default());
    encoder.write_all(body)?;
    encoder.finish()
}

/// Decompresses an answer, refusing to produce more than `limit` bytes (a gzip bomb).
pub(crate) fn decompress(body: &[u8], limit: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let read =
        GzDecoder::new(body).take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| format!("invalid gzip: {e}"))?;
    if read > limit {
        return Err(format!("gzip answer inflates beyond {limit} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let body = br#"{"data":[]}"#.repeat(100);
        let packed = compress(&body).unwrap();
        assert!(packed.len() < body.len());
        assert_eq!(&packed[..2], &[0x1f, 0x8b]);
        assert_eq!(decompress(&packed, body.len()).unwrap(), body);
    }

    #[test]
    fn limits_and_garbage_are_errors() {
        let packed = compress(&vec![b'a'; 10_000]).unwrap();
        assert!(decompress(&packed, 9_999).unwrap_err().contains("beyond"));
        assert!(decompress(b"not gzip", 100).unwrap_err().contains("invalid gzip"));
    }
}
