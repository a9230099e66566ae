//! Hex digest indicators (MD5 ... SHA-512, JA3). Digests are stored decoded, in one table per
//! length whose slots hold the digest and its indicator side by side, so a lookup reads one
//! slot; a filter in front turns away the scan's many digests that are not indicators.

use super::hashing::{hash_hex, random_seed, Filter};
use super::hex::{decode, Avx2, Decode, Plain, MAX_BYTES};
use super::{Hit, How};
use crate::indicator::IndicatorId;
use crate::kept::retain_unbranched;

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
    /// No two slots hold the same digest (one value of two kinds, an MD5 and a JA3, is the
    /// only way there can be two): a lookup then stops at its digest instead of reading on to
    /// the next empty slot, a loop whose length the processor cannot guess.
    unique: bool,
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
            unique: true,
        }
    }

    #[inline(always)]
    fn slot(&self, i: usize) -> (&[u8], u32) {
        self.slot_of_width(self.width, i)
    }

    /// [`Table::slot`] with the table's width given (`self.width`).
    #[inline(always)]
    fn slot_of_width(&self, width: usize, i: usize) -> (&[u8], u32) {
        let s = &self.slots[i * (width + 4)..(i + 1) * (width + 4)];
        let id = u32::from_le_bytes([s[width], s[width + 1], s[width + 2], s[width + 3]]);
        (&s[..width], id)
    }

    fn insert(&mut self, home: usize, key: &[u8], id: IndicatorId) {
        let mut i = home & self.mask;
        loop {
            let (stored, id) = self.slot(i);
            if id == EMPTY {
                break;
            }
            self.unique &= stored != key;
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

    /// [`Table::find`] in a table of `BYTES`-byte digests, of the first `BYTES` of `key`: with
    /// the width fixed, the compare is inline.
    #[inline(always)]
    fn find_exact<const BYTES: usize>(
        &self,
        home: usize,
        key: &[u8; MAX_BYTES],
        found: impl FnMut(IndicatorId),
    ) {
        debug_assert_eq!(self.width, BYTES);
        self.find_of_width(BYTES, home, &key[..BYTES], found);
    }

    /// Calls `found` for the id of every slot holding `key`, in the order they were added.
    #[inline]
    fn find(&self, home: usize, key: &[u8], found: impl FnMut(IndicatorId)) {
        self.find_of_width(self.width, home, key, found);
    }

    /// [`Table::find`] with the table's width given (`self.width`), so that a caller that knows
    /// it as a constant gets code made for it.
    #[inline(always)]
    fn find_of_width(
        &self,
        width: usize,
        home: usize,
        key: &[u8],
        mut found: impl FnMut(IndicatorId),
    ) {
        let mut i = home & self.mask;
        loop {
            let (stored, id) = self.slot_of_width(width, i);
            if id == EMPTY {
                return;
            }
            if stored == key {
                found(IndicatorId(id));
                if self.unique {
                    return;
                }
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// The hex lengths of digests (MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512), the classes
/// a batch sorts its tokens into; tokens of other lengths are class `CLASSES`.
const CLASSES: usize = 6;

/// A token's class by its length: all digest lengths are multiples of eight, so a table by
/// the length in eights (no branch to guess, where a search of the lengths would have some).
#[inline(always)]
fn class_of(len: usize) -> u8 {
    const NO: u8 = CLASSES as u8;
    const BY_EIGHTS: [u8; 17] = [NO, NO, NO, NO, 0, 1, NO, 2, 3, NO, NO, NO, 4, NO, NO, NO, 5];
    let eighths = if len.is_multiple_of(8) && len <= 128 {
        len / 8
    } else {
        0
    };
    BY_EIGHTS[eighths]
}

/// The tokens of a batch: each with the index its hits are reported under.
type Tokens<'a> = [(&'a [u8], usize)];

/// A token of a group on its way through the stages: its hash, its index in the batch, and
/// where its decoded key lies in the group's keys.
#[derive(Clone, Copy, Default)]
struct Step {
    hash: u64,
    token: u32,
    key: u32,
}

/// Working space for the groups of a batch, reused from one length to the next.
struct Scratch {
    keys: [[u8; MAX_BYTES]; GROUP],
    steps: [Step; GROUP],
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            keys: [[0; MAX_BYTES]; GROUP],
            steps: [Step::default(); GROUP],
        }
    }
}

/// The hits of a batch, by token: its first hit (`EMPTY` for none), and any others (a value
/// several indicators share), which are rare.
struct Found {
    first: Vec<u32>,
    more: Vec<(usize, u32)>,
}

impl Found {
    /// Adds a hit of token `k`; its hits come in the order they are to be reported.
    #[inline(always)]
    fn add(&mut self, k: usize, id: IndicatorId) {
        if self.first[k] == EMPTY {
            self.first[k] = id.0;
        } else {
            self.more.push((k, id.0));
        }
    }

    /// Appends the hits to `out` in token order, each with its token's index.
    fn append_to(mut self, tokens: &Tokens, out: &mut Vec<(usize, Hit)>) {
        let hit = |id: u32| Hit {
            indicator: IndicatorId(id),
            how: How::Exact,
        };
        if self.more.is_empty() {
            // Without a branch on whether each token hit: every token's entry is written,
            // and the length moves past it only if it hit.
            let from = out.len();
            out.resize(from + tokens.len(), (0, hit(EMPTY)));
            let mut len = from;
            for (&(_, q), &id) in tokens.iter().zip(&self.first) {
                out[len] = (q, hit(id));
                len += usize::from(id != EMPTY);
            }
            out.truncate(len);
            return;
        }
        // Tokens of several hits: each token's others after its first, in the order found
        // (a stable sort keeps it).
        self.more.sort_by_key(|&(k, _)| k);
        let mut more = self.more.iter().peekable();
        for (k, (&(_, q), &id)) in tokens.iter().zip(&self.first).enumerate() {
            if id == EMPTY {
                continue;
            }
            out.push((q, hit(id)));
            while let Some(&(_, other)) = more.next_if(|&&(j, _)| j == k) {
                out.push((q, hit(other)));
            }
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
    /// The batch's AVX2 decoding, where the CPU has it: chosen once, here.
    avx2: Option<Avx2>,
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
                let h = hash_hex(seed, hex.as_bytes());
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
            avx2: Avx2::detect(),
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
        self.probe_hashed(hex, hash_hex(self.seed, hex), out);
    }

    /// The hash a probe of `hex` starts from, its filter word asked for: a caller with many
    /// tokens hashes them all before it probes any, so that their filter reads overlap.
    #[inline(always)]
    pub(crate) fn ask(&self, hex: &[u8]) -> u64 {
        let h = hash_hex(self.seed, hex);
        self.filter.prefetch(h);
        h
    }

    /// [`DigestSet::probe`] of `hex` whose hash is `h` (from [`DigestSet::ask`]).
    #[inline]
    pub(crate) fn probe_hashed(&self, hex: &[u8], h: u64, out: &mut Vec<Hit>) {
        // One hash serves the filter and the table: it folds case, as the digests' hex may.
        // It is of the hex, not the bytes, so that the scan's many digests that are not
        // indicators are turned away before they are decoded.
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
    /// token that is not hex of a digest's length to `rejected`, in no set order.
    ///
    /// The tokens are first sorted by length, each length then taken through code made for
    /// it: in a batch of mixed lengths, every branch on the length (the decoding's and the
    /// hashing's loops, the choice of table, the compare) is one the processor cannot guess,
    /// and those misses cost more than the work. Within a length, tokens go in groups through
    /// three stages, so that a group's reads from memory are in flight together: decode and
    /// hash, asking for the filter words; read the filter, then ask for the slots of those that
    /// passed; read the slots.
    pub fn probe_batch(
        &self,
        tokens: &[(&[u8], usize)],
        out: &mut Vec<(usize, Hit)>,
        rejected: &mut Vec<usize>,
    ) {
        // Token indices are u32 (smaller steps are faster); larger batches go in parts.
        if tokens.len() > u32::MAX as usize {
            for part in tokens.chunks(u32::MAX as usize) {
                self.probe_batch(part, out, rejected);
            }
            return;
        }
        // A counting sort by class: `order` holds the tokens of each class together, each
        // class's in token order, and `next[c]` ends up where class `c`'s run ends.
        let classes: Vec<u8> = tokens.iter().map(|&(hex, _)| class_of(hex.len())).collect();
        let mut counts = [0usize; CLASSES + 1];
        for &c in &classes {
            counts[usize::from(c)] += 1;
        }
        let mut next = [0usize; CLASSES + 1];
        for c in 1..=CLASSES {
            next[c] = next[c - 1] + counts[c - 1];
        }
        let mut order = vec![0u32; tokens.len()];
        for (k, &c) in classes.iter().enumerate() {
            order[next[usize::from(c)]] = k as u32;
            next[usize::from(c)] += 1;
        }
        let mut hits = Found {
            first: vec![EMPTY; tokens.len()],
            more: Vec::new(),
        };
        let mut scratch = Scratch::default();
        let (found, s) = (&mut hits, &mut scratch);
        match self.avx2 {
            Some(d) => d.build(|| self.probe_classes(d, tokens, &order, &next, found, rejected, s)),
            None => self.probe_classes(Plain, tokens, &order, &next, found, rejected, s),
        }
        hits.append_to(tokens, out);
    }

    /// The lookups of [`DigestSet::probe_batch`] by class: `order` holds the tokens sorted by
    /// class, and `ends[c]` is where class `c`'s run ends; decoded by `d` (with AVX2, the
    /// caller runs this inside [`Decode::build`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn probe_classes<D: Decode>(
        &self,
        d: D,
        tokens: &Tokens,
        order: &[u32],
        ends: &[usize; CLASSES + 1],
        found: &mut Found,
        rejected: &mut Vec<usize>,
        scratch: &mut Scratch,
    ) {
        let mut from = 0;
        for (c, &end) in ends.iter().enumerate() {
            let run = &order[from..end];
            from = end;
            self.probe_class(d, c, tokens, run, found, rejected, scratch);
        }
    }

    /// [`DigestSet::probe_exact`] of the tokens `run`, all of class `c` (the order of
    /// [`class_of`]); tokens of no class go to `rejected`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn probe_class<D: Decode>(
        &self,
        d: D,
        c: usize,
        tokens: &Tokens,
        run: &[u32],
        found: &mut Found,
        rejected: &mut Vec<usize>,
        scratch: &mut Scratch,
    ) {
        let (t, r, f, x, s) = (tokens, run, found, rejected, scratch);
        match c {
            0 => self.probe_exact::<32, 16, D>(d, t, r, f, x, s),
            1 => self.probe_exact::<40, 20, D>(d, t, r, f, x, s),
            2 => self.probe_exact::<56, 28, D>(d, t, r, f, x, s),
            3 => self.probe_exact::<64, 32, D>(d, t, r, f, x, s),
            4 => self.probe_exact::<96, 48, D>(d, t, r, f, x, s),
            5 => self.probe_exact::<128, 64, D>(d, t, r, f, x, s),
            _ => x.extend(r.iter().map(|&k| t[k as usize].1)),
        }
    }

    /// The tokens `run` (indices into `tokens`), all of `HEX` digits (`BYTES` bytes decoded),
    /// looked up in groups; hits go to `found`, tokens that are not hex to `rejected`.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn probe_exact<const HEX: usize, const BYTES: usize, D: Decode>(
        &self,
        decoder: D,
        tokens: &Tokens,
        run: &[u32],
        found: &mut Found,
        rejected: &mut Vec<usize>,
        scratch: &mut Scratch,
    ) {
        const { assert!(HEX == 2 * BYTES) };
        let table = self.tables.iter().find(|t| t.width == BYTES);
        let Scratch { keys, steps } = scratch;
        for group in run.chunks(GROUP) {
            // Decode and hash; a token that is not hex leaves (rarely: no branch to guess).
            let mut n = 0;
            for &k in group {
                let (hex, q) = tokens[k as usize];
                let Ok(hex) = <&[u8; HEX]>::try_from(hex) else {
                    continue; // not reached: the run holds tokens of this length only
                };
                let ok = decoder.decode_exact(hex, &mut keys[n]);
                let hash = hash_hex(self.seed, hex);
                self.filter.prefetch(hash);
                steps[n] = Step {
                    hash,
                    token: k,
                    key: n as u32,
                };
                if !ok {
                    rejected.push(q);
                }
                n += usize::from(ok);
            }
            let Some(table) = table else {
                continue;
            };
            // The filter, without a branch on its answer; then the slots of those that pass are
            // asked for, in a loop of their own (asks for the others would be wasted work).
            let m = retain_unbranched(&mut steps[..n], |step| self.filter.may_contain(step.hash));
            for step in &steps[..m] {
                table.prefetch(step.hash as usize);
            }
            for step in &steps[..m] {
                let key = &keys[step.key as usize];
                table.find_exact::<BYTES>(step.hash as usize, key, |id| {
                    found.add(step.token as usize, id)
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
        // Only the MD5 table holds a value twice; lookups in the others stop at their digest.
        let unique: Vec<(usize, bool)> = set.tables.iter().map(|t| (t.width, t.unique)).collect();
        assert_eq!(unique, vec![(16, false), (32, true)]);
    }

    /// In a table of distinct digests a lookup stops at its digest: every one is still found,
    /// in long probe runs too, and nothing else.
    #[test]
    fn lookups_in_tables_of_distinct_digests_find_each_once() {
        let items: Vec<(String, IndicatorId)> = (0..3000u32)
            .map(|i| {
                (
                    format!("{:040x}", u64::from(i) * 0x9e37_79b9),
                    IndicatorId(i),
                )
            })
            .collect();
        let refs: Vec<(&str, IndicatorId)> =
            items.iter().map(|(v, id)| (v.as_str(), *id)).collect();
        let set = DigestSet::build(&refs);
        assert!(set.tables.iter().all(|t| t.unique));
        let mut batch: Vec<(&[u8], usize)> = Vec::new();
        for (i, (hex, id)) in items.iter().enumerate() {
            let mut out = Vec::new();
            set.probe(hex.as_bytes(), &mut out);
            assert_eq!(out.iter().map(|h| h.indicator).collect::<Vec<_>>(), [*id]);
            batch.push((hex.as_bytes(), i));
        }
        let absent: Vec<String> = (0..3000u64)
            .map(|i| format!("{:040x}", i * 7 + 1))
            .collect();
        batch.extend(absent.iter().map(|a| (a.as_bytes(), usize::MAX)));
        let (mut out, mut rejected) = (Vec::new(), Vec::new());
        set.probe_batch(&batch, &mut out, &mut rejected);
        assert!(rejected.is_empty());
        let found: Vec<(usize, u32)> = out.iter().map(|&(q, h)| (q, h.indicator.0)).collect();
        let expected: Vec<(usize, u32)> = (0..3000).map(|i| (i, i as u32)).collect();
        assert_eq!(found, expected);
    }
}
