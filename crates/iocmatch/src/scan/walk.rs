//! The token walk: from the class masks of a text to the tokens that can hold an address, a
//! domain, a digest or an e-mail address, and their lookups.
//!
//! Host runs with a dot (a run without one is neither an address nor a domain, unless some
//! domain indicator is a single label) are found by their ends, a block's at once from its
//! masks, and gathered a window at a time. Runs of
//! digits and dots that can be neither an address nor a URL start leave at once; the others
//! are sorted by kind without branching on each, and each kind is looked up in a loop of its
//! own: IPv4 candidates against the table's bitmaps, domain suffixes against the
//! domain filter. The filter and bitmap reads of a window are independent of one another, so the
//! processor overlaps their cache misses, and the branches of each loop see one kind of token.
//! Only the few lookups that pass reach the maps.

use super::build::Build;
use super::classify::Block;
use super::quad::{self, three_bits};
use super::text::{emit, starts_schemeless_url, url_token};
use crate::engine::domain::FromHighest;
use crate::engine::{Hit, How};
use crate::kept::Kept;
use crate::matcher::{Inner, Match};
use crate::normalize;

/// Candidates gathered before their lookups run.
const WINDOW: usize = 256;

/// Digest candidates gathered before their lookups run: about one a Zeek line, so a window
/// spans some dozens of lines, and its filter reads (cache misses at 1M indicators) overlap.
const DIGEST_WINDOW: usize = 32;

/// A token of at most 64 bytes: where it is and where its dots are.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Token {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The token's dots, bit 0 for its first byte.
    pub(super) dots: u64,
}

/// One suffix of a domain candidate to look up: its hash, the candidate and where it starts.
#[derive(Clone, Copy, Debug, Default)]
struct Probe {
    hash: u64,
    name: u32,
    at: u32,
}

/// Room in a list of runs: a window, and the runs of one more block. A run is sorted in the
/// block of its end (the byte after it), and two runs' ends are at least two bytes apart, as a
/// byte of the second run lies between them: at most 32 a block.
const RUNS: usize = 512;
const _: () = assert!(RUNS.is_power_of_two() && RUNS >= WINDOW + 33);

/// The runs of one kind gathered for a window: a fixed array, so that a push needs neither a
/// capacity test nor a bounds test (the index is masked, and the window is looked up before it
/// can fill).
#[derive(Debug)]
struct Runs {
    items: Box<[Token; RUNS]>,
    len: usize,
}

impl Default for Runs {
    fn default() -> Self {
        Runs {
            items: Box::new([Token::default(); RUNS]),
            len: 0,
        }
    }
}

impl Runs {
    /// Writes `tok` in the next place, and moves past it only if it is kept.
    #[inline(always)]
    fn push_if(&mut self, keep: bool, tok: Token) {
        debug_assert!(self.len < RUNS);
        self.items[self.len % RUNS] = tok;
        self.len += usize::from(keep);
    }

    #[inline(always)]
    fn as_slice(&self) -> &[Token] {
        &self.items[..self.len.min(RUNS)]
    }

    fn clear(&mut self) {
        self.len = 0;
    }
}

/// The sum of a block's host bits and some marks among them, the carry going on from block to
/// block: in each run of host bits, the sum clears the bits from the run's first mark on and
/// sets the bit just past its end (the only bit of the sum outside the host bits), and sets
/// the bits of the marks after the first.
#[derive(Clone, Copy, Debug, Default)]
struct RunSum {
    carry: u64,
}

impl RunSum {
    /// `host + marks` and the carry from the block before; the carry out is kept for the next.
    #[inline(always)]
    fn add(&mut self, host: u64, marks: u64) -> u64 {
        // In 128 bits, where the carry out is the high half: an add and an add-with-carry.
        let sum = u128::from(host) + u128::from(marks) + u128::from(self.carry);
        self.carry = (sum >> 64) as u64;
        sum as u64
    }
}

/// What the walk looks for in host runs, fixed for one scan (so not reloaded per run).
#[derive(Clone, Copy)]
struct Wanted {
    /// Some domain indicator exists.
    names: bool,
    /// Some domain indicator is a single label: runs without a dot are names too.
    single_label: bool,
    /// Some URL indicator exists.
    urls: bool,
}

/// Per-thread lists reused from window to window and scan to scan.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Runs of digits and exactly three dots.
    quads: Runs,
    /// Addresses parsed from them that the bitmap admits: (address, start, end).
    addrs: Kept<(u32, usize, usize)>,
    /// Runs to probe as domain names.
    names: Runs,
    /// Suffixes of the names, then those the filter admits.
    probes: Kept<Probe>,
    /// Digest candidates of a window: (start, end, hash), their filter words asked for.
    digests: Kept<(usize, usize, u64)>,
    /// Hits of the token being looked up, before they become matches (always left empty).
    pub(super) hits: Vec<Hit>,
}

/// A text with its class masks.
pub(crate) struct Walk<'a> {
    pub(crate) inner: &'a Inner,
    pub(crate) text: &'a [u8],
    /// The masks of `text`, then one block of zeros: a run's bits can then always be read
    /// from a pair of blocks, with no test for the last one.
    pub(crate) blocks: &'a [Block],
}

impl Walk<'_> {
    /// Start of the run of `class` bytes that ends just before `p` (`p` itself if the byte
    /// before is not of `class`). If `p` is of `class`, the start of the run that holds it.
    #[inline(always)]
    pub(super) fn run_start(&self, class: impl Fn(&Block) -> u64, p: usize) -> usize {
        let mut b = p / 64;
        let mut gaps = !class(&self.blocks[b]) & ((1u64 << (p % 64)) - 1);
        loop {
            if gaps != 0 {
                return b * 64 + 64 - gaps.leading_zeros() as usize;
            }
            if b == 0 {
                return 0;
            }
            b -= 1;
            gaps = !class(&self.blocks[b]);
        }
    }

    /// End (exclusive) of the run of `class` bytes that starts at `p` (`p` itself if the byte
    /// at `p` is not of `class`).
    #[inline(always)]
    pub(super) fn run_end(&self, class: impl Fn(&Block) -> u64, p: usize) -> usize {
        if p >= self.text.len() {
            return p;
        }
        let mut b = p / 64;
        let mut gaps = !class(&self.blocks[b]) & (u64::MAX << (p % 64));
        loop {
            if gaps != 0 {
                return (b * 64 + gaps.trailing_zeros() as usize).min(self.text.len());
            }
            b += 1;
            if b == self.blocks.len() {
                return self.text.len();
            }
            gaps = !class(&self.blocks[b]);
        }
    }

    /// Calls `each` with the position of every `class` byte, in order: a loop over each
    /// block's bits, which compiles tighter than an iterator over them.
    #[inline(always)]
    pub(crate) fn each_position(&self, class: impl Fn(&Block) -> u64, mut each: impl FnMut(usize)) {
        for (b, blk) in self.blocks.iter().enumerate() {
            let mut m = class(blk);
            while m != 0 {
                each(b * 64 + m.trailing_zeros() as usize);
                m &= m - 1;
            }
        }
    }

    /// Whether any byte of `s..e` is of `class`.
    #[inline(always)]
    fn any(&self, class: impl Fn(&Block) -> u64, s: usize, e: usize) -> bool {
        if s >= e {
            return false;
        }
        let (first, last) = (s / 64, (e - 1) / 64);
        let head = u64::MAX << (s % 64);
        let tail = u64::MAX >> (63 - (e - 1) % 64);
        if first == last {
            return class(&self.blocks[first]) & head & tail != 0;
        }
        class(&self.blocks[first]) & head != 0
            || self.blocks[first + 1..last].iter().any(|k| class(k) != 0)
            || class(&self.blocks[last]) & tail != 0
    }

    /// Host runs that can hold an address, a domain or a URL start: those with a dot, or every
    /// run when some domain indicator is a single label. This and the other `_in` methods are
    /// the bodies of the [`Build`] methods of their names.
    ///
    /// The runs are found by their ends, a block at a time: adding a run's dots to its host
    /// bits carries from its first dot to the byte after its last, and that byte is the only
    /// one of the sum outside the host bits. (With every host byte counted, the sum is the run
    /// shifted by one, which ends the same.) The carry out of a block goes on into the next,
    /// as the run does; the block of zeros after the text ends the last run.
    #[inline(always)]
    pub(super) fn host_runs_in(&self, build: impl Build, batch: &mut Batch, out: &mut Vec<Match>) {
        let domains = &self.inner.domains;
        let wanted = Wanted {
            names: !domains.is_empty(),
            single_label: domains.has_single_label(),
            urls: !self.inner.urls.is_empty(),
        };
        batch.quads.clear();
        batch.names.clear();
        let [mut dotted, mut every, mut third, mut three, mut worded] = [RunSum::default(); 5];
        for (b, blk) in self.blocks.iter().enumerate() {
            let host = blk.host;
            let with_dots = dotted.add(host, blk.dot);
            let marked = if wanted.single_label {
                every.add(host, host)
            } else {
                with_dots
            };
            // The runs of digits with fewer than three dots (numbers, times, versions) are
            // neither addresses nor names, nor URL hosts, and are left out here: the dots
            // after a run's first are set in its sum, so a second sum of those marks the
            // third and later, and a third sum the ends of the runs that have one.
            let later_dots = with_dots & blk.dot;
            let third_dots = third.add(host, later_dots) & later_dots;
            let kept = three.add(host, third_dots) | worded.add(host, blk.word);
            let mut ends = marked & kept & !host;
            while ends != 0 {
                let e = b * 64 + ends.trailing_zeros() as usize;
                ends &= ends - 1;
                let s = self.host_run_start(e);
                if e - s <= 64 {
                    self.sort_run(wanted, s, e, batch, out);
                } else {
                    self.long_host_run(wanted, s, e, &mut batch.hits, out);
                }
            }
            if batch.quads.len + batch.names.len >= WINDOW {
                build.look_up_batch(self, batch, out);
            }
        }
        build.look_up_batch(self, batch, out);
    }

    /// Start of the host run that ends at `e`: [`Walk::run_start`] for the walk over run ends.
    /// The start nearly always lies in `e`'s block or the one before (in Zeek logs, about one
    /// run in five crosses into the next block), so both blocks' gaps are read at once, and no
    /// branch guesses which holds it.
    #[inline(always)]
    fn host_run_start(&self, e: usize) -> usize {
        let b = e / 64;
        let here = !self.blocks[b].host & ((1u64 << (e % 64)) - 1);
        // Before the text, every position is a gap.
        let before = match b {
            0 => u64::MAX,
            _ => !self.blocks[b - 1].host,
        };
        // Bit i is position (b - 1) * 64 + i.
        let gaps = u128::from(before) | u128::from(here) << 64;
        if gaps == 0 {
            return self.run_start(|k| k.host, e); // a run longer than a block
        }
        (b * 64 + 64) - gaps.leading_zeros() as usize
    }

    /// Puts a host run of at most 64 bytes in the list of its kind, without branching on the
    /// kind (the runs of digits and dots that are no address leave first); the rare IDN names and URL starts
    /// are looked up at once. The run's dots, word bytes and non-ASCII bytes are one or two mask
    /// words away.
    #[inline(always)]
    fn sort_run(
        &self,
        wanted: Wanted,
        s: usize,
        e: usize,
        batch: &mut Batch,
        out: &mut Vec<Match>,
    ) {
        let text = self.text;
        let len = e - s;
        let (b, shift) = (s / 64, s % 64);
        let (lo, hi) = (&self.blocks[b], &self.blocks[b + 1]);
        let keep = u64::MAX >> (64 - len);
        let bits = |l: u64, h: u64| ((u128::from(l) | u128::from(h) << 64) >> shift) as u64 & keep;
        let dots = bits(lo.dot, hi.dot);
        let word = bits(lo.word, hi.word) != 0;
        debug_assert!(word || dots.count_ones() >= 3, "left out by the walk");
        let high = bits(lo.high, hi.high) != 0;
        // The byte after the run decides an e-mail local part and a URL start.
        let next = text.get(e).copied().unwrap_or(0);
        let may_start_url = matches!(next, b'/' | b':');
        // Trailing dots end sentences, not names: the token stops before them.
        let trailing = (!(dots << (64 - len))).leading_zeros() as usize;
        let t = e - trailing;
        let tok = Token {
            start: s,
            end: t,
            dots: if t == s {
                0
            } else {
                dots & (u64::MAX >> (64 - (t - s)))
            },
        };
        // Digits and dots only: an IPv4 address if it has the shape of one; numbers are never
        // domains. Other shapes (four dots, say) are kept by nothing below unless they start a
        // URL: no branch turns them away first, as one on the kind would be guessed wrong for
        // about one run in three.
        let quad_shape = three_bits(tok.dots);
        let quad = !word & (7..=15).contains(&(t - s)) & quad_shape;
        let name = may_be_name(wanted, word, tok.dots != 0, next);
        batch.quads.push_if(quad, tok);
        batch.names.push_if(name & !high, tok);
        if name & high {
            probe_idn(self.inner, &text[s..t], &mut batch.hits);
            emit(out, s, t, &mut batch.hits);
        }
        if wanted.urls & (dots != 0) & may_start_url && starts_schemeless_url(text, s, e) {
            url_token(self, s, s, out, &mut batch.hits);
        }
    }

    /// Looks the sorted candidates up, each kind in a loop of its own.
    #[inline(always)]
    pub(super) fn look_up_batch_in(&self, _: impl Build, batch: &mut Batch, out: &mut Vec<Match>) {
        if !self.inner.ips.is_empty() {
            self.look_up_quads(batch, out);
        }
        if !self.inner.domains.is_empty() {
            self.look_up_names(batch, out);
        }
        batch.quads.clear();
        batch.names.clear();
    }

    /// IPv4 candidates: parsed, passed through the bitmaps, then looked up.
    #[inline(always)]
    fn look_up_quads(&self, batch: &mut Batch, out: &mut Vec<Match>) {
        let ips = &self.inner.ips;
        batch.addrs.clear();
        let addrs = &mut batch.addrs;
        quad::parse_all(self.text, batch.quads.as_slice(), |tok, a| {
            addrs.push_if(
                a.is_some_and(|a| ips.may_hold_v4(a)),
                (a.unwrap_or(0), tok.start, tok.end),
            );
        });
        for &(a, s, t) in batch.addrs.as_slice() {
            ips.lookup_v4_networks(a, &mut batch.hits);
            emit(out, s, t, &mut batch.hits);
        }
    }

    /// Domain candidates: every suffix hashed, passed through the filter, then confirmed.
    #[inline(always)]
    fn look_up_names(&self, batch: &mut Batch, out: &mut Vec<Match>) {
        let domains = &self.inner.domains;
        batch.probes.clear();
        for (i, tok) in batch.names.as_slice().iter().enumerate() {
            domains.suffixes_within(
                self.text,
                tok.start,
                tok.end,
                FromHighest(tok.dots),
                |hash, at| {
                    domains.prefetch_filter(hash);
                    batch.probes.push(Probe {
                        hash,
                        name: i as u32,
                        at: at as u32,
                    })
                },
            );
        }
        // The filter pass: each read is independent of the others.
        batch.probes.retain(|p| domains.may_contain(p.hash));
        for p in batch.probes.as_slice() {
            let tok = batch.names.as_slice()[p.name as usize];
            let name = &self.text[tok.start..tok.end];
            domains.confirm(name, p.at as usize, p.hash, &mut batch.hits);
            if !batch.hits.is_empty() {
                if crate::engine::domain::valid_ascii_domain(name) {
                    emit(out, tok.start, tok.end, &mut batch.hits);
                } else {
                    batch.hits.clear();
                }
            }
        }
    }

    /// A host run longer than 64 bytes: too long for an address; probed as a domain if it is one.
    #[cold]
    fn long_host_run(
        &self,
        wanted: Wanted,
        s: usize,
        e: usize,
        hits: &mut Vec<Hit>,
        out: &mut Vec<Match>,
    ) {
        let (inner, text) = (self.inner, self.text);
        let mut t = e;
        while t > s && text[t - 1] == b'.' {
            t -= 1;
        }
        let next = text.get(e).copied().unwrap_or(0);
        if may_be_name(
            wanted,
            self.any(|k| k.word, s, t),
            self.any(|k| k.dot, s, t),
            next,
        ) {
            let tok = &text[s..t];
            if !self.any(|k| k.high, s, t) {
                inner.domains.probe_token(tok, hits);
            } else {
                probe_idn(inner, tok, hits);
            }
            emit(out, s, t, hits);
        }
        if wanted.urls && self.any(|k| k.dot, s, e) && starts_schemeless_url(text, s, e) {
            url_token(self, s, s, out, hits);
        }
    }

    /// Hex digests: maximal runs of ASCII letters and digits, all hex, of a digest length. Such
    /// a run is at least 32 bytes long, so it covers a whole aligned 16-byte lane of hex digits;
    /// only those lanes are looked at. Candidates are hashed a window at a time, their filter
    /// words asked for, before any is probed: at 1M indicators those reads leave the
    /// second-level cache, and this way they overlap.
    #[inline(always)]
    pub(super) fn digests_in(&self, build: impl Build, batch: &mut Batch, out: &mut Vec<Match>) {
        const LANES: u64 = 0x0001_0001_0001_0001;
        // The bits at or after position `done` of the block at `base`.
        let after = |done: usize, base: usize| match done.saturating_sub(base) {
            64.. => 0,
            n => u64::MAX << n,
        };
        let mut done = 0;
        for (b, blk) in self.blocks.iter().enumerate() {
            let h = blk.hex;
            // The quick test first, as most blocks have no lane of hex digits: whether some
            // 16-bit lane of the gaps is zero.
            if (!h).wrapping_sub(LANES) & h & (LANES << 15) == 0 {
                continue;
            }
            // Bit 16k set when lane k is all hex digits: after the four steps, bit i is the AND
            // of bits i to i + 15.
            let h = h & (h >> 1);
            let h = h & (h >> 2);
            let h = h & (h >> 4);
            let h = h & (h >> 8);
            let base = b * 64;
            let mut lanes = h & LANES & after(done, base);
            while lanes != 0 {
                let p = base + lanes.trailing_zeros() as usize;
                let s = self.run_start(|k| k.alnum, p);
                let e = self.run_end(|k| k.alnum, p);
                done = e;
                // The run's other lanes are not looked at again.
                lanes &= after(e, base);
                if crate::Kind::hash_for_len(e - s).is_some()
                    && !self.any(|k| k.alnum & !k.hex, s, e)
                {
                    let h = self.inner.digests.ask(&self.text[s..e]);
                    batch.digests.push((s, e, h));
                    if batch.digests.as_slice().len() == DIGEST_WINDOW {
                        build.look_up_digests(self, batch, out);
                    }
                }
            }
        }
        build.look_up_digests(self, batch, out);
    }

    /// Probes the gathered digest candidates, whose filter reads are in flight together.
    #[inline(always)]
    pub(super) fn look_up_digests_in(
        &self,
        _: impl Build,
        batch: &mut Batch,
        out: &mut Vec<Match>,
    ) {
        for &(s, e, h) in batch.digests.as_slice() {
            let hex = &self.text[s..e];
            self.inner.digests.probe_hashed(hex, h, &mut batch.hits);
            emit(out, s, e, &mut batch.hits);
        }
        batch.digests.clear();
    }

    /// E-mail addresses around each `@`: the local part before it (letters, digits and
    /// `._%+-`, and not after a non-ASCII byte), the host run after it less trailing dots.
    #[inline(always)]
    pub(super) fn emails_in(&self, _: impl Build, out: &mut Vec<Match>) {
        let (inner, text) = (self.inner, self.text);
        self.each_position(
            |k| k.at,
            |p| {
                // The local part (`boundary::is_local_byte`): runs of ASCII host bytes from the
                // masks, joined across its other bytes, `%` and `+` (rare).
                let ascii_host = |k: &Block| k.host & !k.high;
                let mut s = self.run_start(ascii_host, p);
                while s > 0 && matches!(text[s - 1], b'%' | b'+') {
                    s = self.run_start(ascii_host, s - 1);
                }
                // The domain: its ASCII run, and only if a non-ASCII byte ends that (an IDN,
                // rare), the whole host run.
                let mut e = self.run_end(ascii_host, p + 1);
                let ascii = text.get(e).is_none_or(|&b| b < 0x80);
                if !ascii {
                    e = self.run_end(|k| k.host, e);
                }
                while e > p + 1 && text[e - 1] == b'.' {
                    e -= 1;
                }
                // A local part after a non-ASCII byte is the tail of a longer word (`rgen` of
                // `jürgen@…`), not an address of its own.
                if s == p || e == p + 1 || (s > 0 && text[s - 1] >= 0x80) {
                    return;
                }
                if !inner.emails.may_contain(text, s, e, ascii) {
                    return;
                }
                if let Ok(Ok(addr)) = std::str::from_utf8(&text[s..e]).map(normalize::email) {
                    for &(id, _) in inner.emails.get(&addr) {
                        out.push(Match {
                            start: s,
                            end: e,
                            indicator: id,
                            how: How::Exact,
                        });
                    }
                }
            },
        );
    }
}

/// Whether a host run may be a domain name: it holds more than digits and dots, has a dot
/// unless some indicator is a single label, and is not the local part of an e-mail address
/// (the byte after it, `next`, is not `@`).
#[inline(always)]
fn may_be_name(wanted: Wanted, word: bool, has_dot: bool, next: u8) -> bool {
    word & wanted.names & (has_dot | wanted.single_label) & (next != b'@')
}

/// Probes a host token with non-ASCII bytes: decoded as an IDN first.
fn probe_idn(inner: &Inner, tok: &[u8], hits: &mut Vec<Hit>) {
    let mut buf = String::new();
    if normalize::domain_into(tok, &mut buf).is_ok() {
        inner.domains.probe_token(buf.as_bytes(), hits);
    }
}
