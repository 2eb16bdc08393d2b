//! A fast, per-process keyed hasher for GUID sets (batch rules over a million ids).
//!
//! `std`'s SipHash costs more than the rest of a slot's rules together. GUIDs are 128 random-ish
//! bits, so two multiply-fold rounds with keys drawn from `std`'s per-process random state (the
//! foldhash construction) spread them as well, and the random keys keep crafted ids from forcing
//! collisions.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;

/// Per-process random keys.
static KEYS: LazyLock<[u64; 2]> = LazyLock::new(|| {
    let s = RandomState::new();
    [s.hash_one(0x5eed_u64) | 1, s.hash_one(0xfeed_u64)]
});

#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

/// Builds [`IdHasher`]s.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHashBuilder;

impl BuildHasher for IdHashBuilder {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(KEYS[1])
    }
}

/// The hasher: every write is folded into the state with the keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, v: u64) {
        self.0 = fold(self.0 ^ v, KEYS[0]);
    }

    #[inline]
    fn write_u128(&mut self, v: u128) {
        self.write_u64(v as u64);
        self.write_u64((v >> 64) as u64);
    }

    #[inline]
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.0, KEYS[0] ^ KEYS[1])
    }
}

/// A map keyed by GUIDs with [`IdHashBuilder`].
pub(crate) type IdMap<K, V> = std::collections::HashMap<K, V, IdHashBuilder>;

/// A set of GUIDs with [`IdHashBuilder`].
pub(crate) type IdSet<K> = std::collections::HashSet<K, IdHashBuilder>;

#[cfg(test)]
mod tests {
    use fer_model::Guid;

    use super::*;

    #[test]
    fn ids_spread_over_buckets() {
        let hashes: std::collections::HashSet<u64> =
            (0..10_000u128).map(|n| IdHashBuilder.hash_one(Guid::from_u128(n)) >> 50).collect();
        // Sequential ids still fill most of the 2^14 buckets of the top bits.
        assert!(hashes.len() > 7_000, "{}", hashes.len());
    }
}
