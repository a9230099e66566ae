//! Hashing for the scan hot path: a seeded byte hash that folds ASCII case as it goes and can
//! run right to left (so one pass over a host name yields the hash of every parent domain), and a
//! small Bloom-style filter that rejects most tokens before any map is touched.
//!
//! The seed is random per matcher, so feed authors cannot aim collisions at a known function.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Lower-cases ASCII letters; other bytes unchanged.
pub(crate) const LOWER: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

const K: u64 = 0x0000_0100_0000_01b3;

/// A random per-matcher seed.
pub(crate) fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x1f2e_3d4c_u64)
}

/// One step of the streaming hash over a (lower-cased) byte.
#[inline(always)]
pub(crate) fn step(h: u64, b: u8) -> u64 {
    (h ^ b as u64).wrapping_mul(K)
}

/// The finaliser that spreads the streamed state over all 64 bits (MurmurHash3's fmix64).
#[inline(always)]
pub(crate) fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hash of `s` read left to right, case folded.
pub(crate) fn hash_fwd(seed: u64, s: &[u8]) -> u64 {
    finish(s.iter().fold(seed, |h, &b| step(h, LOWER[b as usize])))
}

/// Hash of `s` read right to left, case folded: the form domain names are stored in, so a scan
/// gets every parent domain's hash in one pass from the end of a host name.
pub(crate) fn hash_rev(seed: u64, s: &[u8]) -> u64 {
    finish(
        s.iter()
            .rev()
            .fold(seed, |h, &b| step(h, LOWER[b as usize])),
    )
}

/// A hasher for keys that already are hashes.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A map keyed by pre-computed hashes.
pub(crate) type HashKeyed<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// A Bloom-style filter with two bits per key from one 64-bit hash: about 1-2 % false positives
/// at 16 bits per key, and one or two cache lines touched per probe.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    bits: Vec<u64>,
    /// 64 minus log2 of the number of bits: positions are the top bits of two products.
    shift: u32,
}

impl Filter {
    /// A filter for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> Filter {
        let bits = (n.max(1) * 16).next_power_of_two().max(64);
        Filter {
            bits: vec![0; bits / 64],
            shift: 64 - bits.trailing_zeros(),
        }
    }

    #[inline(always)]
    fn positions(&self, h: u64) -> (u64, u64) {
        (
            h >> self.shift,
            h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift,
        )
    }

    /// Adds a key hash.
    pub(crate) fn insert(&mut self, h: u64) {
        let (a, b) = self.positions(h);
        self.bits[(a >> 6) as usize] |= 1 << (a & 63);
        self.bits[(b >> 6) as usize] |= 1 << (b & 63);
    }

    /// Whether the key hash may be present.
    #[inline(always)]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        if self.bits.is_empty() {
            return false;
        }
        let (a, b) = self.positions(h);
        (self.bits[(a >> 6) as usize] >> (a & 63)) & (self.bits[(b >> 6) as usize] >> (b & 63)) & 1
            != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_hash_of_a_suffix_is_its_running_state() {
        let seed = 42;
        let name = b"A.Evil.Example";
        let mut h = seed;
        let mut suffixes = Vec::new();
        for (i, &b) in name.iter().enumerate().rev() {
            if b == b'.' {
                suffixes.push((finish(h), &name[i + 1..]));
            }
            h = step(h, LOWER[b as usize]);
        }
        for (hash, suffix) in suffixes {
            assert_eq!(hash, hash_rev(seed, &suffix.to_ascii_lowercase()));
        }
        assert_eq!(finish(h), hash_rev(seed, b"a.evil.example"));
    }

    #[test]
    fn filter_has_no_false_negatives_and_few_false_positives() {
        let mut f = Filter::with_capacity(10_000);
        for i in 0..10_000u64 {
            f.insert(finish(i));
        }
        assert!((0..10_000u64).all(|i| f.may_contain(finish(i))));
        let fp = (10_000..110_000u64)
            .filter(|&i| f.may_contain(finish(i)))
            .count();
        assert!(fp < 1_500, "{fp} false positives in 100000");
    }
}
