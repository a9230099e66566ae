//! The IP table: exact IPv4/IPv6 addresses and CIDR networks, answering every containing network,
//! longest prefix first.
//!
//! Networks are kept in one hash map per prefix length that occurs in the set, so a lookup costs
//! one probe per distinct prefix length (at most 33 for IPv4, 129 for IPv6).

use std::collections::HashMap;
use std::net::IpAddr;

use ipnetwork::IpNetwork;

use super::{Hit, How};
use crate::indicator::IndicatorId;

/// Addresses and networks of one family, keyed by the masked address as an integer.
#[derive(Debug, Default)]
struct Family<T> {
    /// (prefix length, masked address -> indicator), longest prefix first. The full-length
    /// prefix holds the plain addresses.
    by_prefix: Vec<(u8, HashMap<T, IndicatorId, foldhash::fast::RandomState>)>,
}

impl<T: Copy + Eq + std::hash::Hash> Family<T> {
    fn insert(&mut self, prefix: u8, key: T, id: IndicatorId) {
        let pos = match self.by_prefix.binary_search_by(|(p, _)| prefix.cmp(p)) {
            Ok(pos) => pos,
            Err(pos) => {
                self.by_prefix.insert(pos, (prefix, HashMap::default()));
                pos
            }
        };
        self.by_prefix[pos].1.insert(key, id);
    }

    /// Approximate bytes held by the maps: each slot holds a key, an id and a control byte.
    fn heap_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(T, IndicatorId)>() + 1;
        self.by_prefix
            .iter()
            .map(|(_, m)| m.capacity() * slot)
            .sum()
    }

    fn lookup(&self, bits: u8, mask: impl Fn(u8) -> T, out: &mut Vec<Hit>) {
        for (prefix, map) in &self.by_prefix {
            if let Some(&id) = map.get(&mask(*prefix)) {
                let how = if *prefix == bits {
                    How::Exact
                } else {
                    How::Cidr {
                        prefix_len: *prefix,
                    }
                };
                out.push(Hit { indicator: id, how });
            }
        }
    }
}

/// A set of small integers as bits, allocated on first use: the summaries that turn away most
/// addresses before any map is probed.
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
    v4: Family<u32>,
    v6: Family<u128>,
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
                self.mark_blocks(masked, n.prefix());
                self.v4.insert(n.prefix(), masked, id)
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

    fn mark_blocks(&mut self, masked: u32, prefix: u8) {
        let regions = 1 << 16u8.saturating_sub(prefix);
        self.v4_regions
            .set_range(1 << 16, (masked >> 16) as usize, regions);
        let blocks = 1 << 24u8.saturating_sub(prefix);
        self.v4_blocks
            .set_range(1 << 24, (masked >> 8) as usize, blocks);
    }

    /// Appends every indicator containing `addr`: the exact address first, then networks from the
    /// longest prefix to the shortest. `addr` must already be folded (see `normalize::fold_mapped`).
    pub fn lookup(&self, addr: IpAddr, out: &mut Vec<Hit>) {
        match addr {
            IpAddr::V4(a) => self.lookup_v4(a.into(), out),
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6.lookup(128, |p| mask_v6(a, p), out)
            }
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
        self.v4_regions.contains((a >> 16) as usize) && self.v4_blocks.contains((a >> 8) as usize)
    }

    /// [`IpTable::lookup_v4`] without the bitmap in front.
    pub(crate) fn lookup_v4_networks(&self, a: u32, out: &mut Vec<Hit>) {
        self.v4.lookup(32, |p| mask_v4(a, p), out)
    }

    /// Approximate bytes held: the maps and the bitmaps.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.v4.heap_bytes()
            + self.v6.heap_bytes()
            + self.v4_blocks.heap_bytes()
            + self.v4_regions.heap_bytes()
            + self.v6_groups.heap_bytes()
    }

    /// Whether an IPv6 token as written (`text`, a run of hex digits, `:` and `.`) may hit: its
    /// first group is covered by some network. Tokens starting with `::` (first group 0, and the
    /// IPv4-mapped forms that are looked up as IPv4) always may; text that is no IPv6 address
    /// (no `:` after at most four leading hex digits) never does.
    #[inline]
    pub(crate) fn may_hold_v6_written(&self, text: &[u8]) -> bool {
        if text.starts_with(b"::") {
            return true;
        }
        let digits = text
            .iter()
            .take(5)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if digits == 0 || digits > 4 || text.get(digits) != Some(&b':') {
            return false;
        }
        let g = text[..digits].iter().fold(0usize, |g, &b| {
            g << 4 | (b as char).to_digit(16).unwrap_or(0) as usize
        });
        self.v6_groups.contains(g)
    }

    /// Whether the table holds nothing.
    pub fn is_empty(&self) -> bool {
        self.v4.by_prefix.is_empty() && self.v6.by_prefix.is_empty()
    }
}
