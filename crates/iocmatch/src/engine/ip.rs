//! The IP table: exact IPv4/IPv6 addresses and CIDR networks, answering every containing network,
//! longest prefix first.
//!
//! IPv4 networks are kept in one flat table per prefix length, and a dense array over the 65,536
//! /16 regions records which prefix lengths occur in each region: a lookup probes only those
//! tables, usually one or two, where probing every length in the set would cost one probe per
//! distinct length (a feed of mixed CIDRs easily has a dozen). In sets dense enough that a region
//! holds networks of many lengths, the lengths of 17 to 32 are taken per /20 sector instead, which
//! halves the probes at 1M indicators. Bitmaps of the /16s, /20s and /24s that some network
//! touches, in front, turn away most addresses of real traffic with one to three reads, the smaller
//! bitmaps first, from nearer caches. IPv6 indicators, far fewer in feeds, are kept in one table
//! per prefix length (`ip6`), behind a bitmap of the first 16-bit groups some network covers. A batched
//! IPv4 lookup runs the same steps for many addresses at once (but for the /16 bitmap, which adds
//! nothing there), in stages that overlap their reads.

use std::net::IpAddr;

use ipnetwork::IpNetwork;

use super::ip6::{mask_v6, V6Family};
use super::{Hit, How};
use crate::indicator::IndicatorId;
use crate::kept::retain_unbranched;
use crate::prefetch::{prefetch, prefetch_l2};

/// The hit for an indicator of `prefix` bits found for an address of `bits` bits.
pub(crate) fn hit(id: IndicatorId, prefix: u8, bits: u8) -> Hit {
    let how = if prefix == bits {
        How::Exact
    } else {
        How::Cidr { prefix_len: prefix }
    };
    Hit { indicator: id, how }
}

/// Addresses an IPv4 batch takes together through each stage after the first.
const GROUP: usize = 64;

/// Addresses of an IPv4 batch whose first reads are asked for together, ahead of the stages
/// of their groups.
const RUN: usize = 256;

/// One table probe of a batch lookup: the home bucket of the masked address in the table of
/// its prefix length, and the query it answers.
#[derive(Clone, Copy, Debug)]
struct Probe<'a> {
    bucket: &'a Bucket,
    key: u32,
    prefix: u8,
    query: usize,
}

/// The index of the highest set bit of a non-zero mask.
#[inline(always)]
fn top_bit(lens: u64) -> u8 {
    63 - lens.leading_zeros() as u8
}

/// The id of an empty slot. Indicator ids stay below it: `IndicatorSet` refuses to grow
/// past `u32::MAX` indicators.
pub(crate) const EMPTY: u32 = u32::MAX;

/// Slots per bucket: eight (masked address, indicator) pairs fill one 64-byte cache line.
const BUCKET: usize = 8;

/// One cache line of a [`V4Prefix`] table. Slots fill from the front and are never emptied,
/// so a bucket whose last slot is taken is full and a probe goes on to the next one.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Bucket {
    /// Masked addresses (0 in empty slots).
    keys: [u32; BUCKET],
    /// Indicators, or [`EMPTY`].
    ids: [u32; BUCKET],
}

impl Bucket {
    const OPEN: Bucket = Bucket {
        keys: [0; BUCKET],
        ids: [EMPTY; BUCKET],
    };

    /// The slots holding `key`, as bits.
    #[inline(always)]
    fn holding(&self, key: u32) -> u32 {
        #[cfg(target_arch = "x86_64")]
        {
            self.holding_sse2(key)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            (0..BUCKET).fold(0, |bits, j| {
                bits | u32::from((self.keys[j] == key) & (self.ids[j] != EMPTY)) << j
            })
        }
    }

    /// [`Bucket::holding`] in four 128-bit compares and one mask extraction. The compiler,
    /// left to itself, compares half the slots one by one and gathers the bits with shifts: three
    /// times the instructions, on the path every IPv4 lookup takes.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    #[allow(unsafe_code)]
    fn holding_sse2(&self, key: u32) -> u32 {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of every x86_64 target. The four loads read 16 bytes each
        // from within `self`, a 64-byte bucket aligned to 64 (so each load is aligned).
        unsafe {
            let at = |p: *const u32| _mm_load_si128(p.cast::<__m128i>());
            let k = _mm_set1_epi32(key as i32);
            let none = _mm_set1_epi32(EMPTY as i32);
            let lo = _mm_andnot_si128(
                _mm_cmpeq_epi32(at(self.ids.as_ptr()), none),
                _mm_cmpeq_epi32(at(self.keys.as_ptr()), k),
            );
            let hi = _mm_andnot_si128(
                _mm_cmpeq_epi32(at(self.ids.as_ptr().add(4)), none),
                _mm_cmpeq_epi32(at(self.keys.as_ptr().add(4)), k),
            );
            // Each 32-bit lane is all ones or all zeros; narrowed twice, one byte per slot.
            let bytes = _mm_packs_epi16(_mm_packs_epi32(lo, hi), _mm_setzero_si128());
            _mm_movemask_epi8(bytes) as u32
        }
    }

    fn is_full(&self) -> bool {
        self.ids[BUCKET - 1] != EMPTY
    }
}

/// IPv4 networks of one prefix length: open addressing over buckets of one cache line each,
/// at most half full. A lookup reads its home bucket, compares all eight slots at once, and
/// reads the next bucket only when the home one is full; one read answers most lookups, hit or
/// miss. (At three quarters full, a quarter of the buckets or more filled up, and a lookup
/// there read on with a branch it could not predict.)
#[derive(Debug, Default)]
struct V4Prefix {
    buckets: Vec<Bucket>,
    len: usize,
    /// 64 minus log2 of the bucket count: the home bucket is the top bits of the mixed key.
    shift: u32,
    /// Random per table, so that a feed cannot be built to pile its networks into one run of
    /// buckets (which would make every insert and lookup walk it).
    seed: u64,
}

impl V4Prefix {
    #[inline(always)]
    fn home(&self, key: u32) -> usize {
        // Seeded, then a xor-shift between two multiplications: the home bucket depends on the
        // seed in a way that no choice of keys can undo.
        let x = (u64::from(key) ^ self.seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((x ^ (x >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> self.shift) as usize
    }

    fn insert(&mut self, key: u32, id: IndicatorId) {
        // A set holds fewer than u32::MAX indicators, so no id is EMPTY.
        debug_assert!(id.0 != EMPTY);
        if (self.len + 1) * 2 > self.buckets.len() * BUCKET {
            if self.buckets.is_empty() {
                self.seed = super::hashing::random_seed();
            }
            let count = (self.buckets.len() * 2).max(2);
            let old = std::mem::replace(&mut self.buckets, vec![Bucket::OPEN; count]);
            self.shift = 64 - count.trailing_zeros();
            for b in old {
                for j in 0..BUCKET {
                    if b.ids[j] != EMPTY {
                        self.place(b.keys[j], b.ids[j]);
                    }
                }
            }
        }
        self.place(key, id.0);
        self.len += 1;
    }

    fn place(&mut self, key: u32, id: u32) {
        let mask = self.buckets.len() - 1;
        let mut b = self.home(key);
        while self.buckets[b].is_full() {
            b = (b + 1) & mask;
        }
        let bucket = &mut self.buckets[b];
        let j = bucket
            .ids
            .iter()
            .position(|&i| i == EMPTY)
            .unwrap_or(BUCKET - 1);
        bucket.keys[j] = key;
        bucket.ids[j] = id;
    }

    /// Calls `found` for every indicator stored under `key`, in no set order (growth may
    /// reorder duplicates; the caller sorts). A table with networks is never empty.
    #[inline(always)]
    fn each(&self, key: u32, mut found: impl FnMut(u32)) {
        let mask = self.buckets.len() - 1;
        let mut b = self.home(key);
        loop {
            let bucket = &self.buckets[b];
            let mut bits = bucket.holding(key);
            while bits != 0 {
                found(bucket.ids[bits.trailing_zeros() as usize]);
                bits &= bits - 1;
            }
            if !bucket.is_full() {
                return;
            }
            b = (b + 1) & mask;
        }
    }

    fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

/// The IPv4 summaries of a table that holds IPv4 networks, as arrays of their full sizes,
/// taken once per batch: an index made from an address's bits is then within bounds by its
/// type, and the batch's loops carry no bounds tests (a sixth of their instructions).
struct V4View<'a> {
    /// [`IpTable::v4_sectors`]: a bit per /20.
    sectors: &'a [u64; 1 << 14],
    /// [`IpTable::v4_blocks`]: a bit per /24.
    blocks: &'a [u64; 1 << 18],
    region_lens: &'a [u64; 1 << 16],
    /// Where the table keeps them.
    sector_lens: Option<&'a [u16; 1 << 20]>,
}

impl<'a> V4View<'a> {
    /// The view of `t`'s summaries; `None` if it has no IPv4 networks.
    fn of(t: &'a IpTable) -> Option<V4View<'a>> {
        Some(V4View {
            sectors: t.v4_sectors.words.as_slice().try_into().ok()?,
            blocks: t.v4_blocks.words.as_slice().try_into().ok()?,
            region_lens: t.region_lens.as_slice().try_into().ok()?,
            sector_lens: t.sector_lens.as_slice().try_into().ok(),
        })
    }

    /// [`IpTable::lens_v4`], read from the view.
    #[inline(always)]
    fn lens(&self, a: u32) -> u64 {
        let region = self.region_lens[(a >> 16) as usize];
        match self.sector_lens {
            Some(sectors) => (region & SHORT_LENS) | u64::from(sectors[(a >> 12) as usize]) << 17,
            None => region,
        }
    }
}

/// Bit `i` of a bitmap of `64 * N` bits, `i` under `64 * N` (as the view's indexes, an
/// address's top bits, are).
#[inline(always)]
fn bit<const N: usize>(map: &[u64; N], i: u32) -> bool {
    let i = i as usize;
    map[i / 64] >> (i % 64) & 1 != 0
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
    /// region (512 KiB when used): the tables a lookup in the region must probe (only those up
    /// to 16, which cover whole regions, where `sector_lens` is kept).
    region_lens: Vec<u64>,
    /// For each IPv4 /20 sector, bit `l - 17` set when some network of prefix length `l` (17 to
    /// 32) overlaps the sector (2 MiB), kept only where that saves probes ([`IpTable::finish`]):
    /// in a set of 1M the longer networks of a region are scattered over its sectors, and
    /// probing only the lengths of the address's own sector halves the table reads of an
    /// address inside indicators. Empty otherwise, the region's lengths then standing for all.
    sector_lens: Vec<u16>,
    v6: V6Family,
    /// One bit per IPv4 /24: set when some indicator covers part of it. Most addresses in logs
    /// hit no indicator, and this answers that with one memory access (2 MiB when used).
    v4_blocks: Bitmap,
    /// One bit per IPv4 /16, summarising `v4_blocks` in 8 KiB that stay in the first-level
    /// cache: addresses in a /16 without indicators skip the larger bitmaps.
    v4_regions: Bitmap,
    /// One bit per IPv4 /20 (128 KiB when used, in the second-level cache): in sets large
    /// enough to touch nearly every /16, this still turns away most addresses before the
    /// 2 MiB bitmap.
    v4_sectors: Bitmap,
    /// One bit per value of an IPv6 address's first 16-bit group that some network covers, so
    /// that a scan parses only the IPv6 tokens that can hit and a lookup reads the maps only for
    /// addresses that can.
    v6_groups: Bitmap,
}

/// The prefix lengths 0 to 16, as bits of a set of lengths.
const SHORT_LENS: u64 = (1 << 17) - 1;

fn mask_v4(addr: u32, prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        addr & (u32::MAX << (32 - prefix))
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
                    self.sector_lens = vec![0; 1 << 20];
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
    /// the masks of the /16 regions it overlaps, and those regions, /20 sectors and /24 blocks
    /// in the bitmaps. The three bitmaps mark the same addresses, so a sector's bit is set only
    /// in a region whose bit is set: the batch reads the /20 bitmap alone on that account.
    fn mark_covered(&mut self, masked: u32, prefix: u8) {
        let (first, regions) = ((masked >> 16) as usize, 1 << 16u8.saturating_sub(prefix));
        for lens in &mut self.region_lens[first..first + regions] {
            *lens |= 1 << prefix;
        }
        if prefix > 16 {
            let (first, sectors) = ((masked >> 12) as usize, 1 << 20u8.saturating_sub(prefix));
            for lens in &mut self.sector_lens[first..first + sectors] {
                *lens |= 1 << (prefix - 17);
            }
        }
        for (map, bits) in [
            (&mut self.v4_regions, 16u8),
            (&mut self.v4_sectors, 20),
            (&mut self.v4_blocks, 24),
        ] {
            // The network's /`bits` units: one bit each in a map of 2^bits.
            let units = 1 << bits.saturating_sub(prefix);
            map.set_range(1 << bits, (masked >> (32 - bits)) as usize, units);
        }
    }

    /// Appends every indicator containing `addr`: the exact address first, then networks from the
    /// longest prefix to the shortest. `addr` must already be folded (see `normalize::fold_mapped`).
    #[inline]
    pub fn lookup(&self, addr: IpAddr, out: &mut Vec<Hit>) {
        match addr {
            IpAddr::V4(a) => self.lookup_v4(a.into(), out),
            IpAddr::V6(a) => self.lookup_v6(a.into(), out),
        }
    }

    /// [`IpTable::lookup`] for an IPv6 address as an integer: the maps are read only if some
    /// network covers the address's first 16-bit group.
    #[inline]
    pub(crate) fn lookup_v6(&self, a: u128, out: &mut Vec<Hit>) {
        if self.covers_v6_group(a) {
            self.v6.lookup(a, out)
        }
    }

    /// Whether some IPv6 network covers the first 16-bit group of `a` (the bitmap in front).
    #[inline(always)]
    fn covers_v6_group(&self, a: u128) -> bool {
        self.v6_groups.contains((a >> 112) as usize)
    }

    /// [`IpTable::lookup_v6`] for many addresses: appends `(q, hit)` for the hits of each
    /// `(a, q)`, in the order of `addrs`. The addresses whose first group no network covers
    /// leave first, without a branch on each: `addrs` is filtered in place, its order kept.
    pub(crate) fn lookup_v6_batch(&self, addrs: &mut [(u128, usize)], out: &mut Vec<(usize, Hit)>) {
        if self.v6.is_empty() {
            return;
        }
        let n = retain_unbranched(addrs, |&(a, _)| self.covers_v6_group(a));
        self.v6.lookup_batch(&addrs[..n], out);
    }

    /// [`IpTable::lookup`] for an IPv4 address as an integer.
    #[inline]
    pub fn lookup_v4(&self, a: u32, out: &mut Vec<Hit>) {
        if self.may_hold_v4(a) {
            self.lookup_v4_networks(a, out)
        }
    }

    /// Whether some indicator may cover part of the /24 block of `a`: a bit each of the /16,
    /// /20 and /24 bitmaps, read only while the answer is yes.
    #[inline(always)]
    pub(crate) fn may_hold_v4(&self, a: u32) -> bool {
        // `&&`: most addresses stop at a small bitmap and never read the larger ones. In a set of
        // 1M indicators nearly every /16 holds one, and the /20 bitmap is what stops them.
        self.v4_regions.contains((a >> 16) as usize)
            && self.v4_sectors.contains((a >> 12) as usize)
            && self.v4_blocks.contains((a >> 8) as usize)
    }

    /// The prefix lengths of the tables to probe for `a`, as bits: those of its /16 region, or,
    /// where the sector table is kept, those up to 16 from the region and the longer ones from
    /// its /20 sector.
    #[inline(always)]
    fn lens_v4(&self, a: u32) -> u64 {
        let region = self
            .region_lens
            .get((a >> 16) as usize)
            .copied()
            .unwrap_or(0);
        if self.sector_lens.is_empty() {
            return region;
        }
        let sector = self
            .sector_lens
            .get((a >> 12) as usize)
            .copied()
            .unwrap_or(0);
        (region & SHORT_LENS) | u64::from(sector) << 17
    }

    /// Called once all indicators are in: drops the sector table unless it saves, on average
    /// over the sectors that hold networks, half a probe or more against the region's lengths.
    /// In smaller sets a region holds few networks and the sector adds a read for little (at
    /// 100k, about a quarter of a probe saved, and single lookups a fifth slower with it).
    pub(crate) fn finish(&mut self) {
        let (mut sectors, mut saved) = (0usize, 0usize);
        for (i, &lens) in self.sector_lens.iter().enumerate() {
            if lens != 0 {
                let region = self.region_lens[i >> 4] >> 17;
                sectors += 1;
                saved += (region.count_ones() - lens.count_ones()) as usize;
            }
        }
        if saved * 2 < sectors {
            self.sector_lens = Vec::new();
        }
    }

    /// [`IpTable::lookup_v4`] without the bitmaps in front.
    pub(crate) fn lookup_v4_networks(&self, a: u32, out: &mut Vec<Hit>) {
        let mut lens = self.lens_v4(a);
        while lens != 0 {
            let prefix = top_bit(lens);
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

    /// [`IpTable::lookup_v4`] for many addresses at once: for each `(address, query)` of
    /// `addrs`, appends `(query, hit)` for its hits, in the order of `addrs` and each address's
    /// hits as `lookup_v4` gives them.
    ///
    /// Built for throughput rather than for one answer's latency. Single lookups spend most of
    /// their time waiting: each read is known only once the branch before it is settled, and
    /// whether an address passes a bitmap or hits a table is as good as random. Here each stage
    /// runs over a run or a group of addresses and, but for the loop over an address's prefix
    /// lengths and a rare slow path, does not branch on what it reads (an address kept or
    /// dropped by a conditional increment, an id read from a bucket that may not hold one and
    /// dropped), so the reads of a run or a group are in flight together.
    pub(crate) fn lookup_v4_batch(&self, addrs: &[(u32, usize)], out: &mut Vec<(usize, Hit)>) {
        if self.v4.is_empty() {
            return;
        }
        let Some(v) = V4View::of(self) else {
            // Not reached: a table with IPv4 networks has all its summaries.
            let mut hits = Vec::new();
            for &(a, q) in addrs {
                self.lookup_v4(a, &mut hits);
                out.extend(hits.drain(..).map(|h| (q, h)));
            }
            return;
        };
        let mut admitted = [(0u32, 0usize); RUN];
        let mut lens_of = [0u64; GROUP];
        let mut probes: Vec<Probe<'_>> = Vec::with_capacity(GROUP * 2);
        for run in addrs.chunks(RUN) {
            // Stage 1, for a run of addresses: the /20 bitmap (128 KiB, from a nearer cache)
            // for every address, which keeps those it admits (a fifth of random traffic at
            // 1M); then, for those, the /24 bitmap word (2 MiB) and the prefix lengths of the
            // address's region and sector are asked for, into the second-level cache. A run
            // has four times the reads of a group in flight together, and each has longer to
            // arrive: a group's own asks, made just before its reads, leave too little time for
            // reads from memory. (The /16 bitmap, which single lookups read first, would add
            // nothing here: every sector the /20 bitmap admits lies in a region the /16 bitmap
            // admits, and without a branch on it, both would be read.)
            let mut m = 0;
            for &(a, q) in run {
                admitted[m % RUN] = (a, q); // m < RUN: the mask only drops a bounds test
                m += usize::from(bit(v.sectors, a >> 12));
            }
            for &(a, _) in &admitted[..m] {
                prefetch_l2(&v.blocks[(a >> 14) as usize]);
                prefetch_l2(&v.region_lens[(a >> 16) as usize]);
                if let Some(sector_lens) = v.sector_lens {
                    prefetch_l2(&sector_lens[(a >> 12) as usize]);
                }
            }
            for group in admitted[..m].chunks_mut(GROUP) {
                self.lookup_v4_group(&v, group, &mut lens_of, &mut probes, out);
            }
        }
    }

    /// The stages of [`IpTable::lookup_v4_batch`] after the first, for a group of at most
    /// `GROUP` addresses that the /20 bitmap admitted (whose reads are on their way to the
    /// second-level cache), kept in place; `lens_of` and `probes` are working space.
    #[inline(always)]
    fn lookup_v4_group<'a>(
        &'a self,
        v: &V4View<'_>,
        group: &mut [(u32, usize)],
        lens_of: &mut [u64; GROUP],
        probes: &mut Vec<Probe<'a>>,
        out: &mut Vec<(usize, Hit)>,
    ) {
        // The /24 bitmap words, asked for again into the first-level cache (from the second,
        // a short wait), then read: only addresses in a block some network touches go on.
        for &(a, _) in group.iter() {
            prefetch(&v.blocks[(a >> 14) as usize]);
        }
        let n = retain_unbranched(group, |&(a, _)| bit(v.blocks, a >> 8));
        let passed = &group[..n];
        // Stage 2: the prefix lengths present in each address's /16 region and /20 sector,
        // read for all before any is looked at, so that the branches below do not wait on
        // the reads.
        for (lens, &(a, _)) in lens_of.iter_mut().zip(passed) {
            *lens = v.lens(a);
        }
        // Stage 3: one probe for each of those lengths, longest first; the home bucket is
        // asked for now, to be read in stage 4.
        probes.clear();
        for (&(a, q), &lens) in passed.iter().zip(lens_of.iter()) {
            let mut lens = lens;
            while lens != 0 {
                let prefix = top_bit(lens);
                lens ^= 1 << prefix;
                probes.push(self.v4_probe(a, q, prefix));
            }
        }
        // Stage 4: the buckets. A bucket nearly always holds a network at most once, so
        // its holder is written without a branch and kept if there is one; a second
        // holder or a full bucket (rare, the tables being at most half full) takes the
        // slow path, which reads on.
        for p in probes.iter() {
            let bucket = p.bucket;
            let bits = bucket.holding(p.key);
            if (bits & bits.wrapping_sub(1) != 0) | bucket.is_full() {
                let from = out.len();
                self.v4[usize::from(p.prefix)].each(p.key, |id| {
                    out.push((p.query, hit(IndicatorId(id), p.prefix, 32)))
                });
                if out.len() - from > 1 {
                    out[from..].sort_unstable_by_key(|(_, h)| h.indicator);
                }
                continue;
            }
            // With no holder, `bits` is 0 and its 32 trailing zeros wrap to slot 0: an id is
            // read all the same, and dropped below.
            let id = bucket.ids[(bits.trailing_zeros() as usize) % BUCKET];
            let keep = out.len() + usize::from(bits != 0);
            out.push((p.query, hit(IndicatorId(id), p.prefix, 32)));
            out.truncate(keep);
        }
    }

    /// The probe of the table of `prefix` (one that holds networks) for address `a` of query
    /// `q`, its bucket asked for.
    #[inline(always)]
    fn v4_probe(&self, a: u32, q: usize, prefix: u8) -> Probe<'_> {
        let table = &self.v4[usize::from(prefix)];
        let key = mask_v4(a, prefix);
        let bucket = &table.buckets[table.home(key)];
        prefetch(bucket);
        Probe {
            bucket,
            key,
            prefix,
            query: q,
        }
    }

    /// Approximate bytes held: the tables and the bitmaps.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.v4.iter().map(V4Prefix::heap_bytes).sum::<usize>()
            + self.region_lens.capacity() * 8
            + self.sector_lens.capacity() * 2
            + self.v6.heap_bytes()
            + self.v4_blocks.heap_bytes()
            + self.v4_regions.heap_bytes()
            + self.v4_sectors.heap_bytes()
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
        self.v4.is_empty() && self.v6.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A seeded xorshift sequence: the tests' addresses, the same on every run.
    fn xorshift(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Every key finds exactly the ids stored under it, across full buckets, runs of duplicates
    /// longer than a bucket, growth, and the key 0 that empty slots also hold.
    #[test]
    fn v4_prefix_finds_every_id_under_its_key() {
        let mut table = V4Prefix::default();
        let mut want: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut next = 0u32;
        let mut add = |table: &mut V4Prefix, key: u32| {
            table.insert(key, IndicatorId(next));
            want.entry(key).or_default().push(next);
            next += 1;
        };
        for _ in 0..20 {
            add(&mut table, 0); // more duplicates than one bucket holds
        }
        let mut rand = xorshift(0x2545_f491_4f6c_dd1d);
        for i in 0..5_000u32 {
            let key = rand() as u32;
            add(&mut table, key);
            if i % 500 == 0 {
                add(&mut table, key);
            }
        }
        let full = table.buckets.iter().filter(|b| b.is_full()).count();
        assert!(full > 0, "the test should reach full buckets");
        assert_eq!(table.len, next as usize);
        for (&key, ids) in &want {
            let mut got = Vec::new();
            table.each(key, |id| got.push(id));
            got.sort_unstable();
            assert_eq!(&got, ids, "key {key:#x}");
        }
        for absent in [1u32, 0xffff_ffff, 0x0a00_0001] {
            if !want.contains_key(&absent) {
                let mut got = Vec::new();
                table.each(absent, |id| got.push(id));
                assert!(got.is_empty(), "key {absent:#x} found {got:?}");
            }
        }
    }

    /// A batch lookup gives each address the hits of its single lookup, in order, across full
    /// buckets, repeated networks, nested networks and addresses that hit nothing.
    #[test]
    fn batch_lookups_agree_with_single_ones() {
        let mut t = IpTable::default();
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut rand = move || next() as u32;
        let mut addrs = Vec::new();
        for i in 0..6_000u32 {
            let a = rand() & 0x0fff_ffff | 0x1000_0000; // all in 16.0.0.0/4
            let net = IpNetwork::from(IpAddr::from(a.to_be_bytes()));
            if i % 700 == 0 {
                // Repeated, the higher id stored first: hits come sorted by id all the same.
                t.insert(net, IndicatorId(100_000 + i));
            }
            t.insert(net, IndicatorId(i));
            addrs.push(a);
        }
        for (i, net) in ["16.0.0.0/4", "18.52.0.0/14", "19.0.0.0/8", "19.1.2.0/24"]
            .iter()
            .enumerate()
        {
            t.insert(net.parse().unwrap(), IndicatorId(200_000 + i as u32));
        }
        let full = t.v4[32].buckets.iter().filter(|b| b.is_full()).count();
        assert!(full > 0, "the test should reach full buckets");
        let queries: Vec<(u32, usize)> = addrs
            .iter()
            .copied()
            .chain((0..6_000).map(|_| rand()))
            .chain((0..500).map(|i| 0x1301_0200 | i & 0xff))
            .enumerate()
            .map(|(q, a)| (a, q))
            .collect();
        let (batch, single) = batch_and_single(&t, &queries);
        // Each stored address, and only those, hits as itself (the repeated ones twice).
        let exact = single.iter().filter(|(_, h)| h.how == How::Exact).count();
        assert_eq!(exact, addrs.len() + addrs.len().div_ceil(700));
        assert_eq!(batch, single);
        // The same answers from the region's lengths alone: this set is sparse, and `finish`
        // drops the sector table.
        t.finish();
        assert!(
            t.sector_lens.is_empty(),
            "a sparse set keeps no sector table"
        );
        let mut again = Vec::new();
        t.lookup_v4_batch(&queries, &mut again);
        assert_eq!(again, single);
    }

    /// In a sparse set, where most /20 sectors and /24 blocks hold nothing, the batch's bitmap
    /// stages keep every address that hits: the batch answers each address, and its neighbours
    /// one sector and one block over, as single lookups do. Every /20 sector of the bitmap lies
    /// in a /16 region of the bitmap, which the batch relies on to skip the /16 bitmap.
    #[test]
    fn sparse_batches_keep_every_hit_past_the_bitmaps() {
        let mut t = IpTable::default();
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut rand = move || next() as u32;
        let hosts: Vec<u32> = (0..3_000).map(|_| rand()).collect();
        for (i, &a) in hosts.iter().enumerate() {
            let net = match i % 3 {
                0 => IpNetwork::from(IpAddr::from(a.to_be_bytes())),
                p => IpNetwork::V4(
                    ipnetwork::Ipv4Network::new(mask_v4(a, 26 + p as u8).into(), 26 + p as u8)
                        .unwrap(),
                ),
            };
            t.insert(net, IndicatorId(i as u32));
        }
        t.finish();
        let queries: Vec<(u32, usize)> = hosts
            .iter()
            .flat_map(|&a| [a, a ^ 1 << 12, a ^ 1 << 8, rand()])
            .enumerate()
            .map(|(q, a)| (a, q))
            .collect();
        let (batch, single) = batch_and_single(&t, &queries);
        // Every stored network is hit by the address it was made from.
        let mut found = vec![false; hosts.len()];
        for &(q, h) in &single {
            found[h.indicator.index()] |= q == 4 * h.indicator.index();
        }
        assert!(
            found.iter().all(|&f| f),
            "every network hit by its own address"
        );
        assert_eq!(batch, single);
        for sector in 0..1 << 20 {
            if t.v4_sectors.contains(sector) {
                assert!(t.v4_regions.contains(sector >> 4), "sector {sector:#x}");
            }
        }
    }

    /// IPv6 lookups, single and batched, give the hits of a naive search of every network,
    /// longest prefix first, across prefix lengths, full buckets and uncovered first groups.
    #[test]
    fn v6_lookups_agree_with_a_naive_search() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let mut rand = move || {
            let x = next();
            u128::from(x) << 64 | u128::from(x.rotate_left(29))
        };
        let mut t = IpTable::default();
        let mut nets: Vec<(u128, u8, IndicatorId)> = Vec::new();
        let lens = [128u8, 128, 128, 64, 56, 48, 32, 20, 8];
        for i in 0..4_000u32 {
            // First groups from a few values, so that networks nest and groups stay uncovered.
            let a = rand() & !(0xfff0u128 << 112) | (u128::from(i % 3) << 112);
            let prefix = lens[i as usize % lens.len()];
            let net = IpNetwork::new(std::net::Ipv6Addr::from(a).into(), prefix).unwrap();
            let masked = mask_v6(a, prefix);
            if nets.iter().any(|&(k, p, _)| (k, p) == (masked, prefix)) {
                continue; // a set holds each network once
            }
            t.insert(net, IndicatorId(i));
            nets.push((masked, prefix, IndicatorId(i)));
        }
        let full = t.v6.by_prefix_full_buckets();
        assert!(full > 0, "the test should reach full buckets");
        // Inside each network, anywhere, and with a first group of 0 to 15 (some covered).
        let mut addrs: Vec<u128> = Vec::new();
        for &(k, p, _) in &nets {
            addrs.push(k | (rand() & !mask_v6(u128::MAX, p)));
        }
        for i in 0..4_000 {
            let a = rand();
            addrs.push(if i % 4 == 0 {
                a & !(0xfff0u128 << 112)
            } else {
                a
            });
        }
        let queries: Vec<(u128, usize)> =
            addrs.into_iter().enumerate().map(|(q, a)| (a, q)).collect();
        let mut naive = Vec::new();
        for &(a, q) in &queries {
            let mut hits: Vec<(u8, IndicatorId)> = nets
                .iter()
                .filter(|&&(k, p, _)| mask_v6(a, p) == k)
                .map(|&(_, p, id)| (p, id))
                .collect();
            hits.sort_by_key(|h| std::cmp::Reverse(h.0));
            naive.extend(hits.into_iter().map(|(p, id)| (q, hit(id, p, 128))));
        }
        assert!(
            naive.len() > nets.len(),
            "queries should hit nested networks"
        );
        let mut batch = Vec::new();
        t.lookup_v6_batch(&mut queries.clone(), &mut batch);
        assert_eq!(batch, naive);
        let (mut single, mut hits) = (Vec::new(), Vec::new());
        for &(a, q) in &queries {
            t.lookup_v6(a, &mut hits);
            single.extend(hits.drain(..).map(|h| (q, h)));
        }
        assert_eq!(single, naive);
    }

    /// Hits as `(query, hit)`.
    type QueryHits = Vec<(usize, Hit)>;

    /// The hits of `queries` from one batch lookup and from single lookups.
    fn batch_and_single(t: &IpTable, queries: &[(u32, usize)]) -> (QueryHits, QueryHits) {
        let mut batch = Vec::new();
        t.lookup_v4_batch(queries, &mut batch);
        let (mut single, mut hits) = (Vec::new(), Vec::new());
        for &(a, q) in queries {
            t.lookup_v4(a, &mut hits);
            single.extend(hits.drain(..).map(|h| (q, h)));
        }
        (batch, single)
    }

    /// In a region dense with networks of many lengths, each in its own sectors, `finish` keeps
    /// the sector table, and every address of the region hits exactly the networks that contain
    /// it, singly and in batches.
    #[test]
    fn sector_lengths_prune_probes_and_lose_no_hit() {
        let mut t = IpTable::default();
        let mut nets = Vec::new();
        for k in 0..16u32 {
            let base = 0x0a00_0000 | k << 12; // 10.0.(16k).0, in sector k of region 10.0
            nets.push((mask_v4(base, 17 + k as u8), 17 + k as u8));
            nets.push((base | 0x0105, 32));
            nets.push((base | 0x0200, 24));
        }
        nets.push((0x0a00_0000, 12));
        for (i, &(a, p)) in nets.iter().enumerate() {
            let net = IpNetwork::V4(ipnetwork::Ipv4Network::new(a.into(), p).unwrap());
            t.insert(net, IndicatorId(i as u32));
        }
        t.finish();
        assert!(
            !t.sector_lens.is_empty(),
            "a dense set keeps its sector table"
        );
        let queries: Vec<(u32, usize)> = (0..1u32 << 16)
            .map(|low| (0x0a00_0000 | low, low as usize))
            .collect();
        let (batch, single) = batch_and_single(&t, &queries);
        let mut by_query = vec![Vec::new(); queries.len()];
        for &(q, h) in &single {
            by_query[q].push(h.indicator.0);
        }
        for (&(a, _), got) in queries.iter().zip(&mut by_query) {
            let mut want: Vec<u32> = (0..nets.len() as u32)
                .filter(|&i| {
                    let (n, p) = nets[i as usize];
                    mask_v4(a, p) == n
                })
                .collect();
            got.sort_unstable();
            want.sort_unstable();
            assert_eq!(*got, want, "{}", std::net::Ipv4Addr::from(a));
        }
        assert_eq!(batch, single);
    }

    /// The wide compare agrees with slot-by-slot compares on buckets filled to every depth.
    #[test]
    fn bucket_compare_matches_slot_by_slot() {
        for filled in 0..=BUCKET {
            let mut b = Bucket::OPEN;
            for j in 0..filled {
                b.keys[j] = [7, 0, 7, 9, 7, 0, 3, 7][j];
                b.ids[j] = j as u32;
            }
            for key in [0, 3, 7, 9, 11] {
                let want = (0..BUCKET).fold(0, |bits, j| {
                    bits | u32::from(j < filled && b.keys[j] == key) << j
                });
                assert_eq!(b.holding(key), want, "filled {filled}, key {key}");
            }
        }
    }
}
