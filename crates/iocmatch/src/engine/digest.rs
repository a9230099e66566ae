//! Hex digest indicators (MD5 ... SHA-512, JA3). Digests are stored decoded, in one table per
//! length whose slots hold the digest and its indicator side by side, so a lookup reads one
//! slot; a filter in front turns away the scan's many digests that are not indicators.

use super::hashing::{hash_fwd, random_seed, Filter};
use super::hex::{decode, MAX_BYTES};
use super::{Hit, How};
use crate::indicator::IndicatorId;

/// Tokens a batched lookup takes through its stages together.
const GROUP: usize = 64;

/// Slots marked empty carry this id.
const EMPTY: u32 = u32::MAX;

/// Digests of one length: open addressing with linear probing over `width + 4`-byte slots
/// (digest, then indicator id).
#[derive(Debug)]
struct Table {
    width: usize,
    mask: usize,
    slots: Vec<u8>,
}

impl Table {
    fn new(width: usize, n: usize) -> Table {
        let count = (n * 2).next_power_of_two().max(2);
        let mut slots = vec![0; count * (width + 4)];
        for slot in slots.chunks_exact_mut(width + 4) {
            slot[width..].copy_from_slice(&EMPTY.to_le_bytes());
        }
        Table {
            width,
            mask: count - 1,
            slots,
        }
    }

    #[inline(always)]
    fn slot(&self, i: usize) -> (&[u8], u32) {
        let s = &self.slots[i * (self.width + 4)..(i + 1) * (self.width + 4)];
        let id = u32::from_le_bytes([
            s[self.width],
            s[self.width + 1],
            s[self.width + 2],
            s[self.width + 3],
        ]);
        (&s[..self.width], id)
    }

    fn insert(&mut self, home: usize, key: &[u8], id: IndicatorId) {
        let mut i = home & self.mask;
        while self.slot(i).1 != EMPTY {
            i = (i + 1) & self.mask;
        }
        let stride = self.width + 4;
        let s = &mut self.slots[i * stride..(i + 1) * stride];
        s[..self.width].copy_from_slice(key);
        s[self.width..].copy_from_slice(&id.0.to_le_bytes());
    }

    /// Asks for the home slot of `home` (its one or two cache lines), for a `find` to come.
    #[inline(always)]
    fn prefetch(&self, home: usize) {
        let stride = self.width + 4;
        let at = (home & self.mask) * stride;
        crate::prefetch::prefetch(&self.slots[at]);
        crate::prefetch::prefetch(&self.slots[at + stride - 1]);
    }

    /// Calls `found` for the id of every slot holding `key`, in the order they were added.
    #[inline]
    fn find(&self, home: usize, key: &[u8], mut found: impl FnMut(IndicatorId)) {
        let mut i = home & self.mask;
        loop {
            let (stored, id) = self.slot(i);
            if id == EMPTY {
                return;
            }
            if stored == key {
                found(IndicatorId(id));
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// Digest indicators; several kinds may share a value (an MD5 and a JA3).
#[derive(Debug, Default)]
pub struct DigestSet {
    seed: u64,
    filter: Filter,
    /// Tables by digest length in bytes (16, 20, 28, 32, 48, 64).
    tables: Vec<Table>,
}

impl DigestSet {
    /// Builds the set from canonical (lower-case) digests.
    pub fn build(items: &[(&str, IndicatorId)]) -> DigestSet {
        let seed = random_seed();
        let mut filter = Filter::with_capacity(items.len());
        let mut decoded: Vec<(usize, [u8; MAX_BYTES], IndicatorId, u64)> = Vec::new();
        for &(hex, id) in items {
            let mut key = [0u8; MAX_BYTES];
            if let Some(width) = decode(hex.as_bytes(), &mut key) {
                let h = hash_fwd(seed, hex.as_bytes());
                filter.insert(h);
                decoded.push((width, key, id, h));
            }
        }
        let mut tables: Vec<Table> = Vec::new();
        for &(width, ref key, id, h) in &decoded {
            let t = match tables.iter().position(|t| t.width == width) {
                Some(t) => t,
                None => {
                    let n = decoded.iter().filter(|d| d.0 == width).count();
                    tables.push(Table::new(width, n));
                    tables.len() - 1
                }
            };
            tables[t].insert(h as usize, &key[..width], id);
        }
        DigestSet {
            seed,
            filter,
            tables,
        }
    }

    /// Whether there are no digests.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Appends the indicators equal to a hex token (any case), in the order they were added.
    /// A token that is not hex, or of no digest length, hits nothing.
    #[inline]
    pub fn probe(&self, hex: &[u8], out: &mut Vec<Hit>) {
        // One hash serves the filter and the table: it folds case, as the digests' hex may.
        // It is of the hex, not the bytes, so that the scan's many digests that are not
        // indicators are turned away before they are decoded.
        let h = hash_fwd(self.seed, hex);
        if !self.filter.may_contain(h) {
            return;
        }
        let mut key = [0u8; MAX_BYTES];
        let Some(width) = decode(hex, &mut key) else {
            return;
        };
        let key = &key[..width];
        if let Some(t) = self.tables.iter().find(|t| t.width == width) {
            t.find(h as usize, key, |indicator| {
                out.push(Hit {
                    indicator,
                    how: How::Exact,
                })
            });
        }
    }

    /// [`DigestSet::probe`] for many tokens: appends `(q, hit)` for every hit of each `(token,
    /// q)`, in the order of `tokens` (and, within a token, `probe`'s order), and the `q` of each
    /// token that is not hex of even length and at most 128 digits to `rejected`.
    ///
    /// At a million digests the filter and the tables lie mostly outside the first caches, and
    /// a lookup is two reads, the second waiting on the first. Here a group of tokens is
    /// decoded and hashed and their filter words asked for, then the filter is read for all of
    /// them and the slots of those that pass asked for, then the slots are read: the reads of a
    /// group are in flight together.
    pub fn probe_batch(
        &self,
        tokens: &[(&[u8], usize)],
        out: &mut Vec<(usize, Hit)>,
        rejected: &mut Vec<usize>,
    ) {
        /// A token of the group on its way through: its hash, its place in the group, and its
        /// length in bytes (once decoded), then its table (once past the filter).
        #[derive(Clone, Copy, Default)]
        struct Step {
            hash: u64,
            at: usize,
            width_or_table: usize,
        }
        let mut keys = [[0u8; MAX_BYTES]; GROUP];
        let mut decoded = [Step::default(); GROUP];
        let mut passed = [Step::default(); GROUP];
        for group in tokens.chunks(GROUP) {
            let mut n = 0;
            for (i, &(hex, q)) in group.iter().enumerate() {
                let Some(width) = decode(hex, &mut keys[i]) else {
                    rejected.push(q);
                    continue;
                };
                let hash = hash_fwd(self.seed, hex);
                self.filter.prefetch(hash);
                decoded[n] = Step {
                    hash,
                    at: i,
                    width_or_table: width,
                };
                n += 1;
            }
            let mut m = 0;
            for step in &decoded[..n] {
                if !self.filter.may_contain(step.hash) {
                    continue;
                }
                let width = step.width_or_table;
                if let Some(t) = self.tables.iter().position(|t| t.width == width) {
                    self.tables[t].prefetch(step.hash as usize);
                    passed[m] = Step {
                        width_or_table: t,
                        ..*step
                    };
                    m += 1;
                }
            }
            for step in &passed[..m] {
                let table = &self.tables[step.width_or_table];
                let key = &keys[step.at][..table.width];
                table.find(step.hash as usize, key, |indicator| {
                    out.push((
                        group[step.at].1,
                        Hit {
                            indicator,
                            how: How::Exact,
                        },
                    ))
                });
            }
        }
    }

    /// Bytes held by the filter and the tables.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.filter.heap_bytes() + self.tables.iter().map(|t| t.slots.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_values_and_collisions_find_every_indicator() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let mut items: Vec<(String, IndicatorId)> = (0..500u32)
            .map(|i| (format!("{i:032x}"), IndicatorId(i)))
            .collect();
        items.push((md5.into(), IndicatorId(600)));
        items.push((md5.into(), IndicatorId(601))); // the same value as a JA3
        items.push(("ab".repeat(32), IndicatorId(700)));
        let refs: Vec<(&str, IndicatorId)> =
            items.iter().map(|(v, id)| (v.as_str(), *id)).collect();
        let set = DigestSet::build(&refs);
        let ids = |hex: &str| {
            let mut out = Vec::new();
            set.probe(hex.as_bytes(), &mut out);
            out.iter().map(|h| h.indicator.0).collect::<Vec<_>>()
        };
        assert_eq!(ids(&md5.to_uppercase()), vec![600, 601]);
        assert_eq!(ids(&"AB".repeat(32)), vec![700]);
        for i in 0..500u32 {
            assert_eq!(ids(&format!("{i:032X}")), vec![i]);
        }
        assert!(ids(&format!("{:032x}", 501)).is_empty());
        assert!(ids(&"ab".repeat(20)).is_empty());
    }
}
