//! Hex digest indicators (MD5 ... SHA-512, JA3) under a case-folding hash with a filter in front.

use super::hashing::{hash_fwd, random_seed, Filter, HashKeyed};
use super::{Hit, How};
use crate::indicator::IndicatorId;

/// Digest indicators; several kinds may share a value (an MD5 and a JA3).
#[derive(Debug, Default)]
pub struct DigestSet {
    seed: u64,
    filter: Filter,
    map: HashKeyed<Vec<(Box<str>, IndicatorId)>>,
}

impl DigestSet {
    /// Builds the set from canonical (lower-case) digests.
    pub fn build(items: &[(&str, IndicatorId)]) -> DigestSet {
        let seed = random_seed();
        let mut filter = Filter::with_capacity(items.len());
        let mut map: HashKeyed<Vec<(Box<str>, IndicatorId)>> = HashKeyed::default();
        for &(hex, id) in items {
            let h = hash_fwd(seed, hex.as_bytes());
            filter.insert(h);
            map.entry(h).or_default().push((hex.into(), id));
        }
        DigestSet { seed, filter, map }
    }

    /// Whether there are no digests.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Appends the indicators equal to a hex token (any case).
    #[inline]
    pub fn probe(&self, hex: &[u8], out: &mut Vec<Hit>) {
        let h = hash_fwd(self.seed, hex);
        if !self.filter.may_contain(h) {
            return;
        }
        if let Some(entries) = self.map.get(&h) {
            for (v, id) in entries {
                if v.as_bytes().eq_ignore_ascii_case(hex) {
                    out.push(Hit {
                        indicator: *id,
                        how: How::Exact,
                    });
                }
            }
        }
    }
}
