//! The IP table: exact IPv4/IPv6 addresses and CIDR networks, answering every containing network,
//! longest prefix first.
//!
//! IPv4 networks are kept in one flat table per prefix length, and a dense array over the 65,536
//! /16 regions records which prefix lengths occur in each region: a lookup probes only those
//! tables, usually one or two, where probing every length in the set would cost one probe per
//! distinct length (a feed of mixed CIDRs easily has a dozen). Two bitmaps in front turn away
//! most addresses of real traffic with one or two reads. IPv6 indicators, far fewer in feeds,
//! are kept in one hash map per prefix length.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnetwork::IpNetwork;

use super::{Hit, How};
use crate::indicator::IndicatorId;

/// IPv6 networks of one prefix length, by masked address. (A set holds each network once.)
type V6Prefix = HashMap<u128, IndicatorId, foldhash::fast::RandomState>;

/// IPv6 addresses and networks, keyed by the masked address as an integer.
#[derive(Debug, Default)]
struct V6Family {
    /// (prefix length, masked address -> indicator), longest prefix first. The full-length
    /// prefix holds the plain addresses.
    by_prefix: Vec<(u8, V6Prefix)>,
}

impl V6Family {
    fn insert(&mut self, prefix: u8, key: u128, id: IndicatorId) {
        let pos = match self.by_prefix.binary_search_by(|(p, _)| prefix.cmp(p)) {
            Ok(pos) => pos,
            Err(pos) => {
                self.by_prefix.insert(pos, (prefix, V6Prefix::default()));
                pos
            }
        };
        self.by_prefix[pos].1.insert(key, id);
    }

    /// Approximate bytes held by the maps: each slot holds a key, an id and a control byte.
    fn heap_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(u128, IndicatorId)>() + 1;
        self.by_prefix
            .iter()
            .map(|(_, m)| m.capacity() * slot)
            .sum()
    }

    fn lookup(&self, a: u128, out: &mut Vec<Hit>) {
        for (prefix, map) in &self.by_prefix {
            if let Some(&id) = map.get(&mask_v6(a, *prefix)) {
                out.push(hit(id, *prefix, 128));
            }
        }
    }
}

/// The hit for an indicator of `prefix` bits found for an address of `bits` bits.
fn hit(id: IndicatorId, prefix: u8, bits: u8) -> Hit {
    let how = if prefix == bits {
        How::Exact
    } else {
        How::Cidr { prefix_len: prefix }
    };
    Hit { indicator: id, how }
}

/// One IPv4 network of a [`V4Prefix`] table.
#[derive(Clone, Copy, Debug)]
struct V4Slot {
    /// The masked address.
    key: u32,
    /// The indicator, or [`EMPTY`].
    id: u32,
}

/// The id of an empty slot. Indicator ids stay below it: `IndicatorSet` refuses to grow
/// past `u32::MAX` indicators.
const EMPTY: u32 = u32::MAX;

/// IPv4 networks of one prefix length: open addressing with linear probing over (masked
/// address, indicator) pairs, at most three quarters full (eight slots to a cache line, so a
/// probe past its home slot rarely leaves the line). One read answers most probes.
#[derive(Debug, Default)]
struct V4Prefix {
    slots: Vec<V4Slot>,
    len: usize,
    /// 64 minus log2 of the slot count: the home slot is the top bits of the mixed key.
    shift: u32,
    /// Random per table, so that a feed cannot be built to pile its networks into one run of
    /// slots (which would make every insert and lookup walk it).
    seed: u64,
}

impl V4Prefix {
    #[inline(always)]
    fn home(&self, key: u32) -> usize {
        // Seeded, then a xor-shift between two multiplications: the home slot depends on the
        // seed in a way that no choice of keys can undo.
        let x = (u64::from(key) ^ self.seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> self.shift) as usize
    }

    fn insert(&mut self, key: u32, id: IndicatorId) {
        // A set holds fewer than u32::MAX indicators, so no id is EMPTY.
        debug_assert!(id.0 != EMPTY);
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            if self.slots.is_empty() {
                self.seed = super::hashing::random_seed();
            }
            let size = (self.slots.len() * 2).max(16);
            let old = std::mem::replace(&mut self.slots, vec![V4Slot { key: 0, id: EMPTY }; size]);
            self.shift = 64 - size.trailing_zeros();
            for s in old.into_iter().filter(|s| s.id != EMPTY) {
                self.place(s);
            }
        }
        self.place(V4Slot { key, id: id.0 });
        self.len += 1;
    }

    fn place(&mut self, slot: V4Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(slot.key);
        while self.slots[i].id != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    /// Calls `found` for every indicator stored under `key` (a table with networks is never
    /// empty).
    #[inline(always)]
    fn each(&self, key: u32, mut found: impl FnMut(u32)) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = self.slots[i];
            if s.id == EMPTY {
                return;
            }
            if s.key == key {
                found(s.id);
            }
            i = (i + 1) & mask;
        }
    }

    fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<V4Slot>()
    }
}

/// A set of small integers as bits, allocated on first use: the summaries that turn away most
/// addresses before any table is probed.
#[derive(Debug, Default)]
struct Bitmap {
    words: Vec<u64>,
}

impl Bitmap {
    /// Sets bits `first..first + count` of a map of `size` bits.
    fn set_range(&mut self, size: usize, first: usize, count: usize) {
        if self.words.is_empty() {
            self.words = vec![0; size / 64];
        }
        let (mut i, end) = (first, first + count);
        while i < end {
            if i % 64 == 0 && end - i >= 64 {
                self.words[i / 64] = u64::MAX; // a whole word at once (short prefixes)
                i += 64;
            } else {
                self.words[i / 64] |= 1 << (i % 64);
                i += 1;
            }
        }
    }

    /// Whether bit `i` is set (never, for a map not yet used).
    #[inline(always)]
    fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w >> (i % 64) & 1 != 0)
    }

    fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// All IP indicators of a set.
#[derive(Debug, Default)]
pub struct IpTable {
    /// IPv4 networks by prefix length (index 0 to 32; empty where no network has that length).
    v4: Vec<V4Prefix>,
    /// For each IPv4 /16 region, bit `l` set when some network of prefix length `l` overlaps the
    /// region (512 KiB when used): the tables a lookup in the region must probe.
    region_lens: Vec<u64>,
    v6: V6Family,
    /// One bit per IPv4 /24: set when some indicator covers part of it. Most addresses in logs
    /// hit no indicator, and this answers that with one memory access (2 MiB when used).
    v4_blocks: Bitmap,
    /// One bit per IPv4 /16, summarising `v4_blocks` in 8 KiB that stay in the first-level
    /// cache: addresses in a /16 without indicators skip the larger bitmap.
    v4_regions: Bitmap,
    /// One bit per value of an IPv6 address's first 16-bit group that some network covers, so
    /// that a scan parses only the IPv6 tokens that can hit.
    v6_groups: Bitmap,
}

fn mask_v4(addr: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        addr & (u32::MAX << (32 - prefix))
    }
}

fn mask_v6(addr: u128, prefix: u8) -> u128 {
    if prefix == 0 {
        0
    } else {
        addr & (u128::MAX << (128 - prefix))
    }
}

impl IpTable {
    /// Adds an address or network indicator (already canonical: IPv4-mapped folded, host bits clear).
    pub fn insert(&mut self, net: IpNetwork, id: IndicatorId) {
        match net {
            IpNetwork::V4(n) => {
                let masked = mask_v4(n.ip().into(), n.prefix());
                if self.v4.is_empty() {
                    self.v4.resize_with(33, V4Prefix::default);
                    self.region_lens = vec![0; 1 << 16];
                }
                self.v4[usize::from(n.prefix())].insert(masked, id);
                self.mark_covered(masked, n.prefix());
            }
            IpNetwork::V6(n) => {
                let masked = mask_v6(n.ip().into(), n.prefix());
                let groups = 1 << 16u8.saturating_sub(n.prefix());
                self.v6_groups
                    .set_range(1 << 16, (masked >> 112) as usize, groups);
                self.v6.insert(n.prefix(), masked, id)
            }
        }
    }

    /// Records an IPv4 network in the summaries in front of the tables: its prefix length in
    /// the masks of the /16 regions it overlaps, and those regions and /24 blocks in the bitmaps.
    fn mark_covered(&mut self, masked: u32, prefix: u8) {
        let (first, regions) = ((masked >> 16) as usize, 1 << 16u8.saturating_sub(prefix));
        for lens in &mut self.region_lens[first..first + regions] {
            *lens |= 1 << prefix;
        }
        self.v4_regions.set_range(1 << 16, first, regions);
        let blocks = 1 << 24u8.saturating_sub(prefix);
        self.v4_blocks
            .set_range(1 << 24, (masked >> 8) as usize, blocks);
    }

    /// Appends every indicator containing `addr`: the exact address first, then networks from the
    /// longest prefix to the shortest. `addr` must already be folded (see `normalize::fold_mapped`).
    pub fn lookup(&self, addr: IpAddr, out: &mut Vec<Hit>) {
        match addr {
            IpAddr::V4(a) => self.lookup_v4(a.into(), out),
            IpAddr::V6(a) => self.v6.lookup(a.into(), out),
        }
    }

    /// [`IpTable::lookup`] for an IPv4 address as an integer.
    #[inline]
    pub fn lookup_v4(&self, a: u32, out: &mut Vec<Hit>) {
        if self.may_hold_v4(a) {
            self.lookup_v4_networks(a, out)
        }
    }

    /// Whether some indicator covers part of the /24 block of `a` (one bit of a bitmap).
    #[inline(always)]
    pub(crate) fn may_hold_v4(&self, a: u32) -> bool {
        // `&&`: most addresses stop at the small bitmap and never read the large one.
        self.v4_regions.contains((a >> 16) as usize) && self.v4_blocks.contains((a >> 8) as usize)
    }

    /// The prefix lengths with a network overlapping the /16 region of `a`, as bits.
    #[inline(always)]
    fn lens_v4(&self, a: u32) -> u64 {
        self.region_lens
            .get((a >> 16) as usize)
            .copied()
            .unwrap_or(0)
    }

    /// [`IpTable::lookup_v4`] without the bitmaps in front.
    pub(crate) fn lookup_v4_networks(&self, a: u32, out: &mut Vec<Hit>) {
        let mut lens = self.lens_v4(a);
        while lens != 0 {
            let prefix = 63 - lens.leading_zeros() as u8;
            lens ^= 1 << prefix;
            let from = out.len();
            self.v4[usize::from(prefix)].each(mask_v4(a, prefix), |id| {
                out.push(hit(IndicatorId(id), prefix, 32))
            });
            if out.len() - from > 1 {
                out[from..].sort_unstable_by_key(|h| h.indicator);
            }
        }
    }

    /// Approximate bytes held: the tables and the bitmaps.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.v4.iter().map(V4Prefix::heap_bytes).sum::<usize>()
            + self.region_lens.capacity() * 8
            + self.v6.heap_bytes()
            + self.v4_blocks.heap_bytes()
            + self.v4_regions.heap_bytes()
            + self.v6_groups.heap_bytes()
    }

    /// Whether an IPv6 token as written (`text`, a run of hex digits, `:` and `.`) may hit: its
    /// first group is covered by some network. A first group of 0 (`::1`, `0::…`) may also be
    /// an IPv4-mapped address, looked up as IPv4: those tokens may hit when they hold an `ffff`
    /// group and there are IPv4 indicators, so times and MAC addresses such as `00:1a:2b:…` are
    /// not parsed. Text that is no IPv6 address (no `:` after at most four leading hex digits,
    /// none only for `::`) never may.
    #[inline]
    pub(crate) fn may_hold_v6_written(&self, text: &[u8]) -> bool {
        let digits = text
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let opens = match digits {
            0 => text.starts_with(b"::"),
            1..=4 => text.get(digits) == Some(&b':'),
            _ => false,
        };
        if !opens {
            return false;
        }
        let g = text[..digits].iter().fold(0usize, |g, &b| {
            g << 4 | (b as char).to_digit(16).unwrap_or(0) as usize
        });
        self.v6_groups.contains(g)
            || (g == 0
                && !self.v4.is_empty()
                && text.windows(4).any(|w| w.eq_ignore_ascii_case(b"ffff")))
    }

    /// Whether the table holds nothing.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.by_prefix.is_empty()
    }
}
