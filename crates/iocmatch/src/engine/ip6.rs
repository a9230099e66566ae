//! IPv6 addresses and networks: one table per prefix length, keyed by the masked address, in
//! buckets of one cache line. Feeds hold far fewer IPv6 indicators than IPv4 ones, so there is
//! no per-region summary as for IPv4; the IP table keeps a bitmap of first 16-bit groups in
//! front. A batch asks for the home buckets of a group of addresses before it reads any, as the
//! IPv4 batch does: in a hash map each lookup waited on its own read, and the IPv6 sixth of a
//! mixed batch took about a third of its time.

use std::hash::BuildHasher;

use super::ip::{hit, EMPTY};
use super::Hit;
use crate::indicator::IndicatorId;
use crate::prefetch::prefetch;

/// Slots per bucket: three 16-byte keys and their ids fill a 64-byte cache line.
const SLOTS: usize = 3;

/// Addresses a batch takes through its two stages together.
const GROUP: usize = 64;

/// One cache line of a [`V6Prefix`]. Slots fill from the front and are never emptied, so a
/// bucket whose last slot is taken is full, and a lookup that does not find its key there reads
/// on to the next bucket.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Bucket {
    /// Masked addresses (0 in empty slots).
    keys: [u128; SLOTS],
    /// Indicators, or [`EMPTY`].
    ids: [u32; SLOTS],
}

impl Bucket {
    const OPEN: Bucket = Bucket {
        keys: [0; SLOTS],
        ids: [EMPTY; SLOTS],
    };

    /// The slot holding `key`, if any: without a branch on each slot's answer.
    #[inline(always)]
    fn holding(&self, key: u128) -> Option<u32> {
        let bits = (0..SLOTS).fold(0u32, |bits, j| {
            bits | u32::from((self.keys[j] == key) & (self.ids[j] != EMPTY)) << j
        });
        (bits != 0).then(|| self.ids[bits.trailing_zeros() as usize])
    }

    fn is_full(&self) -> bool {
        self.ids[SLOTS - 1] != EMPTY
    }
}

/// IPv6 networks of one prefix length: open addressing over [`Bucket`]s, at most half full, so
/// most lookups read one bucket. Each key is held once.
#[derive(Debug)]
struct V6Prefix {
    prefix: u8,
    buckets: Vec<Bucket>,
    len: usize,
    /// 64 minus log2 of the bucket count: the home bucket is the top bits of the key's hash.
    shift: u32,
    /// Seeded per table, so that a feed cannot pile its networks into one run of buckets.
    hasher: foldhash::fast::RandomState,
}

impl V6Prefix {
    fn new(prefix: u8) -> V6Prefix {
        V6Prefix {
            prefix,
            buckets: vec![Bucket::OPEN],
            len: 0,
            shift: 64,
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    #[inline(always)]
    fn home(&self, key: u128) -> usize {
        // `checked_shr`: a table of one bucket shifts by 64.
        self.hasher
            .hash_one(key)
            .checked_shr(self.shift)
            .unwrap_or(0) as usize
    }

    /// Stores `id` under `key`, replacing the id held there before, if any.
    fn insert(&mut self, key: u128, id: IndicatorId) {
        debug_assert!(id.0 != EMPTY);
        if (self.len + 1) * 2 > self.buckets.len() * SLOTS {
            let count = self.buckets.len() * 2;
            let old = std::mem::replace(&mut self.buckets, vec![Bucket::OPEN; count]);
            self.shift = 64 - count.trailing_zeros();
            for b in old {
                for j in 0..SLOTS {
                    if b.ids[j] != EMPTY {
                        self.place(b.keys[j], b.ids[j]);
                    }
                }
            }
        }
        if self.place(key, id.0) {
            self.len += 1;
        }
    }

    /// Puts `id` under `key`: in the slot that holds the key, or in the first empty slot of its
    /// probe sequence. Returns whether a slot was taken.
    fn place(&mut self, key: u128, id: u32) -> bool {
        let mask = self.buckets.len() - 1;
        let mut b = self.home(key);
        loop {
            let bucket = &mut self.buckets[b];
            for j in 0..SLOTS {
                if bucket.ids[j] == EMPTY {
                    bucket.keys[j] = key;
                    bucket.ids[j] = id;
                    return true;
                }
                if bucket.keys[j] == key {
                    bucket.ids[j] = id;
                    return false;
                }
            }
            b = (b + 1) & mask;
        }
    }

    /// The indicator stored under `key`, reading on from bucket `b` (its home bucket).
    #[inline(always)]
    fn find_from(&self, mut b: usize, key: u128) -> Option<IndicatorId> {
        let mask = self.buckets.len() - 1;
        loop {
            let bucket = &self.buckets[b];
            if let Some(id) = bucket.holding(key) {
                return Some(IndicatorId(id));
            }
            if !bucket.is_full() {
                return None;
            }
            b = (b + 1) & mask;
        }
    }

    fn find(&self, key: u128) -> Option<IndicatorId> {
        self.find_from(self.home(key), key)
    }

    fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

/// IPv6 addresses and networks, keyed by the masked address as an integer.
#[derive(Debug, Default)]
pub(crate) struct V6Family {
    /// One table per prefix length, longest first. The full-length prefix holds the plain
    /// addresses.
    by_prefix: Vec<V6Prefix>,
}

/// `addr` with all but its first `prefix` bits cleared.
pub(crate) fn mask_v6(addr: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        addr & (u128::MAX << (128 - prefix))
    }
}

impl V6Family {
    /// Adds a network (host bits already clear); a network added again keeps the last id.
    pub(crate) fn insert(&mut self, prefix: u8, key: u128, id: IndicatorId) {
        let pos = match self.by_prefix.binary_search_by(|t| prefix.cmp(&t.prefix)) {
            Ok(pos) => pos,
            Err(pos) => {
                self.by_prefix.insert(pos, V6Prefix::new(prefix));
                pos
            }
        };
        self.by_prefix[pos].insert(key, id);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.by_prefix.iter().map(V6Prefix::heap_bytes).sum()
    }

    /// How many buckets of all the tables are full (for tests that must reach them).
    #[cfg(test)]
    pub(crate) fn by_prefix_full_buckets(&self) -> usize {
        let full = |t: &V6Prefix| t.buckets.iter().filter(|b| b.is_full()).count();
        self.by_prefix.iter().map(full).sum()
    }

    /// Appends the indicators containing `a`, longest prefix first.
    pub(crate) fn lookup(&self, a: u128, out: &mut Vec<Hit>) {
        for t in &self.by_prefix {
            if let Some(id) = t.find(mask_v6(a, t.prefix)) {
                out.push(hit(id, t.prefix, 128));
            }
        }
    }

    /// [`V6Family::lookup`] for many addresses: appends `(q, hit)` for the hits of each `(a, q)`,
    /// in the order of `addrs`. For each group, every home bucket is asked for before any is
    /// read; a key found in its home bucket is written without a branch on whether it was.
    pub(crate) fn lookup_batch(&self, addrs: &[(u128, usize)], out: &mut Vec<(usize, Hit)>) {
        // Each address's key and home bucket in each table, in the order they are read.
        let mut asked: Vec<(u128, usize)> = Vec::with_capacity(GROUP * self.by_prefix.len());
        for group in addrs.chunks(GROUP) {
            asked.clear();
            for &(a, _) in group {
                for t in &self.by_prefix {
                    let key = mask_v6(a, t.prefix);
                    let home = t.home(key);
                    prefetch(&t.buckets[home]);
                    asked.push((key, home));
                }
            }
            let mut asked = asked.iter();
            for &(_, q) in group {
                for (t, &(key, home)) in self.by_prefix.iter().zip(&mut asked) {
                    let bucket = &t.buckets[home];
                    if bucket.is_full() {
                        // Rare at half full: the key may lie in a later bucket.
                        if let Some(id) = t.find_from(home, key) {
                            out.push((q, hit(id, t.prefix, 128)));
                        }
                        continue;
                    }
                    let found = bucket.holding(key);
                    let keep = out.len() + usize::from(found.is_some());
                    let id = IndicatorId(found.unwrap_or(EMPTY));
                    out.push((q, hit(id, t.prefix, 128)));
                    out.truncate(keep);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn a_bucket_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
    }

    /// Every key finds its id across growth and full buckets (few buckets: a table grown from
    /// one), the key 0 that empty slots also hold included; a key added again keeps its last
    /// id; absent keys find nothing.
    #[test]
    fn a_prefix_table_finds_every_key_and_nothing_else() {
        let mut t = V6Prefix::new(128);
        let mut want: HashMap<u128, u32> = HashMap::new();
        for i in 0..5000u32 {
            let key = u128::from(i) * 0x0001_0000_0000_0000_0000_0000_0000_0007;
            t.insert(key, IndicatorId(i));
            want.insert(key, i);
        }
        t.insert(0, IndicatorId(9999));
        want.insert(0, 9999);
        assert_eq!(t.len, want.len());
        assert!(t.buckets.iter().any(Bucket::is_full));
        for (&key, &id) in &want {
            assert_eq!(t.find(key), Some(IndicatorId(id)), "{key:x}");
        }
        for i in 0..5000u128 {
            assert_eq!(
                t.find(i * 0x0001_0000_0000_0000_0000_0000_0000_0007 + 1),
                None
            );
        }
    }
}
