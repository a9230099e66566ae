//! The domain set: canonical names stored under their right-to-left hash, so that one pass from
//! the end of a host token gives the hash of the token and of each parent domain; a filter in
//! front rejects almost every token and parent without touching the map.

use super::hashing::{
    eq_host_folded, finish, hash_domain, hash_within, push_label, random_seed, Filter,
};
use super::slots::SlotTable;
use super::{Hit, How};
use crate::indicator::{IndicatorId, Mode};
use crate::kept::retain_unbranched;

/// Domain indicators, exact or with subdomains.
#[derive(Debug, Default)]
pub struct DomainSet {
    seed: u64,
    filter: Filter,
    /// Names under their right-to-left hash; the slot tag says whether subdomains match.
    names: SlotTable,
    /// The fewest and most labels of any indicator: suffixes outside are not probed.
    min_labels: usize,
    max_labels: usize,
}

/// Tokens a batched lookup takes through its stages together (under 256: probes name their
/// token by a byte).
const GROUP: usize = 64;

/// The positions of a mask's set bits, highest first: the dots of a name from the last, read
/// off its dot mask.
pub(crate) struct FromHighest(pub(crate) u64);

impl Iterator for FromHighest {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = 63 - self.0.leading_zeros() as usize;
        self.0 &= !(1 << i);
        Some(i)
    }
}

/// Valid domains have at most 127 labels (253 bytes).
const MAX_LABELS: usize = 128;

impl DomainSet {
    /// Builds the set from canonical names.
    pub fn build(items: &[(&str, IndicatorId, Mode)]) -> DomainSet {
        let seed = random_seed();
        let mut filter = Filter::with_capacity(items.len());
        let mut names = SlotTable::with_capacity(items.len());
        let (mut min_labels, mut max_labels) = (usize::MAX, 0);
        for &(name, id, mode) in items {
            let h = hash_domain(seed, name.as_bytes());
            filter.insert(h);
            names.insert(h, name.as_bytes(), id, u8::from(mode == Mode::Subdomains));
            let labels = name.bytes().filter(|&b| b == b'.').count() + 1;
            min_labels = min_labels.min(labels);
            max_labels = max_labels.max(labels);
        }
        DomainSet {
            seed,
            filter,
            names,
            min_labels,
            max_labels,
        }
    }

    /// Whether there are no domain indicators.
    pub fn is_empty(&self) -> bool {
        self.names.len() == 0
    }

    /// Whether a token with no dot can hit anything.
    pub fn has_single_label(&self) -> bool {
        self.min_labels == 1
    }

    /// Probes a host token (any case, trailing dots already dropped): indicators equal to it
    /// first, then parents from the longest. A token that is not a valid ASCII domain (any byte
    /// outside letters, digits, `.`, `-` and `_` makes it invalid) hits nothing; the return value
    /// says whether the token was one.
    pub fn probe_token(&self, tok: &[u8], out: &mut Vec<Hit>) -> bool {
        let mut dots = Dots::default();
        if !ascii_domain_dots(tok, &mut dots) {
            return false;
        }
        if self.is_empty() {
            return true;
        }
        // Hits come out shortest parent first and are reversed at the end: equal name first,
        // then parents from the longest.
        let first = out.len();
        self.suffixes(tok, dots.last_first(), |h, at| {
            if self.filter.may_contain(h) {
                self.confirm(tok, at, h, out);
            }
        });
        out[first..].reverse();
        true
    }

    /// [`DomainSet::probe_token`] for many tokens: appends `(q, hit)` for every hit of each
    /// `(token, q)`, in the order of `tokens` (and, within a token, `probe_token`'s order), and
    /// the `q` of each token that is not a valid ASCII domain to `rejected`.
    ///
    /// A lookup at a million names reads the filter once per suffix, then for a suffix that
    /// passes a slot and the name it points to: reads from memory, each waiting on the one
    /// before. Here each read is asked for a whole group of tokens at once (filter words, then
    /// slots, then names) before any is looked at, so a group's reads are in flight together.
    pub fn probe_batch(
        &self,
        tokens: &[(&[u8], usize)],
        out: &mut Vec<(usize, Hit)>,
        rejected: &mut Vec<usize>,
    ) {
        // One probe of a suffix: its hash, where it starts in its token, the token's place in
        // the group.
        let mut probes: Vec<(u64, u8, u8)> = Vec::with_capacity(GROUP * 4);
        let mut hits = Vec::new();
        let mut dots = Dots::default();
        for group in tokens.chunks(GROUP) {
            probes.clear();
            for (i, &(tok, q)) in group.iter().enumerate() {
                // Nearly every name: judged from its masks, its labels read off the dot mask.
                #[cfg(target_arch = "x86_64")]
                if (8..=64).contains(&tok.len()) {
                    match NameMasks::of(tok).valid_dots(tok.len()) {
                        Some(dot) => self.add_probes(tok, FromHighest(dot), i as u8, &mut probes),
                        None => rejected.push(q),
                    }
                    continue;
                }
                if !ascii_domain_dots(tok, &mut dots) {
                    rejected.push(q);
                    continue;
                }
                self.add_probes(tok, dots.last_first(), i as u8, &mut probes);
            }
            // The filter, without a branch on its answer; then the slots of those that pass are
            // asked for, in a loop of their own (asks for the others would be wasted work).
            let kept = retain_unbranched(&mut probes, |p| self.filter.may_contain(p.0));
            probes.truncate(kept);
            for &(h, _, _) in &probes {
                self.names.prefetch_slots(h);
            }
            for &(h, _, _) in &probes {
                self.names.prefetch_value(h);
            }
            // Hits come out shortest parent first, and each token's are reversed, as in
            // `probe_token`.
            for run in probes.chunk_by(|a, b| a.2 == b.2) {
                let (tok, q) = group[usize::from(run[0].2)];
                hits.clear();
                for &(h, at, _) in run {
                    self.confirm(tok, usize::from(at), h, &mut hits);
                }
                out.extend(hits.iter().rev().map(|&hit| (q, hit)));
            }
        }
    }

    /// Adds the probes of token `i` of a batch's group, a valid name whose dots are
    /// `dots_from_right`, and asks for their filter words: [`DomainSet::suffixes`].
    #[inline(always)]
    fn add_probes(
        &self,
        tok: &[u8],
        dots_from_right: impl Iterator<Item = usize>,
        i: u8,
        probes: &mut Vec<(u64, u8, u8)>,
    ) {
        self.suffixes(tok, dots_from_right, |h, start| {
            self.filter.prefetch(h);
            // Suffix starts are under 253, valid names being no longer.
            probes.push((h, start as u8, i));
        });
    }

    /// Calls `probe(hash, start)` for each suffix of `tok` (ASCII host bytes, at most 253) that
    /// an indicator could equal: the parents with as many labels as some indicator, from the
    /// shortest, then the whole token. The hash is built label by label from the right, so one
    /// pass yields them all; labels past the longest indicator's count are not hashed.
    #[inline(always)]
    pub(crate) fn suffixes(
        &self,
        tok: &[u8],
        dots_from_right: impl Iterator<Item = usize>,
        probe: impl FnMut(u64, usize),
    ) {
        self.suffixes_within(tok, 0, tok.len(), dots_from_right, probe)
    }

    /// [`DomainSet::suffixes`] of the token `text[start..end]` (dot positions and the starts
    /// given to `probe` are relative to `start`), hashing its labels with reads into the text
    /// around it.
    #[inline(always)]
    pub(crate) fn suffixes_within(
        &self,
        text: &[u8],
        start: usize,
        end: usize,
        dots_from_right: impl Iterator<Item = usize>,
        mut probe: impl FnMut(u64, usize),
    ) {
        let mut labels = 0;
        let mut state = self.seed;
        let mut end = end;
        for i in dots_from_right {
            // No indicator has more labels (and none more than `MAX_LABELS`): the labels
            // left need not be hashed.
            if labels == self.max_labels {
                return;
            }
            labels += 1;
            state = push_label(state, hash_within(self.seed, text, start + i + 1, end));
            if labels >= self.min_labels {
                probe(finish(state), i + 1);
            }
            end = start + i;
        }
        if labels < self.max_labels && labels + 1 >= self.min_labels {
            probe(
                finish(push_label(state, hash_within(self.seed, text, start, end))),
                0,
            );
        }
    }

    /// Asks for the filter word of a suffix hash, for a [`DomainSet::may_contain`] to come: a
    /// caller with many suffixes asks for them all before it reads any, so that their reads
    /// overlap.
    #[inline(always)]
    pub(crate) fn prefetch_filter(&self, h: u64) {
        self.filter.prefetch(h);
    }

    /// Whether a suffix hash may belong to an indicator (the filter alone).
    #[inline(always)]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        self.filter.may_contain(h)
    }

    /// Appends the indicators stored under hash `h` that equal `tok[at..]` (ASCII host bytes,
    /// as every caller's tokens are; compared with ASCII case folded):
    /// all of them if `at` is 0, else those in `subdomains` mode; the newest first (callers
    /// reverse the hits of a token).
    pub(crate) fn confirm(&self, tok: &[u8], at: usize, h: u64, out: &mut Vec<Hit>) {
        let first = out.len();
        let name = &tok[at..];
        let (exact, how) = match at {
            0 => (true, How::Exact),
            _ => (false, How::Subdomain),
        };
        self.names.for_each(h, |stored, indicator, subdomains| {
            if (exact || subdomains == 1) && eq_host_folded(stored, name) {
                out.push(Hit { indicator, how });
            }
        });
        // Most names have one indicator, and need no sort.
        if out.len() - first > 1 {
            out[first..].sort_unstable_by_key(|h| std::cmp::Reverse(h.indicator));
        }
    }

    /// Bytes held by the filter and the names.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.filter.heap_bytes() + self.names.heap_bytes()
    }
}

/// `normalize::domain`'s rules for an ASCII host token: labels of 1 to 63 bytes, the last not
/// all digits. (Host tokens hold only letters, digits, `.`, `-` and `_`.)
pub(crate) fn valid_ascii_domain(tok: &[u8]) -> bool {
    ascii_domain_dots(tok, &mut Dots::default())
}

/// The dots of a valid domain name (at most 253 bytes, so at most 126 dots), last first.
pub(crate) struct Dots {
    at: [u8; MAX_LABELS],
    len: usize,
}

impl Default for Dots {
    fn default() -> Dots {
        Dots {
            at: [0; MAX_LABELS],
            len: 0,
        }
    }
}

impl Dots {
    /// The positions of the dots, from the last.
    pub(crate) fn last_first(&self) -> impl Iterator<Item = usize> + '_ {
        self.at[..self.len].iter().map(|&d| usize::from(d))
    }
}

/// Whether a byte may stand in an ASCII host name: the ASCII host-run bytes (letters, digits,
/// `-`, `_` and `.`), as a table for the validation loop.
const HOST_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = b < 0x80 && crate::scan::boundary::is_host_byte(b as u8);
        b += 1;
    }
    t
};

/// Validates an ASCII host token by [`valid_ascii_domain`]'s rules and finds its dots (into
/// `dots`, emptied first): a lookup needs both. Tokens of 8 to 64 bytes, nearly every name,
/// are judged 16 bytes at a time into bitmasks; others byte by byte.
#[inline]
pub(crate) fn ascii_domain_dots(tok: &[u8], dots: &mut Dots) -> bool {
    #[cfg(target_arch = "x86_64")]
    if (8..=64).contains(&tok.len()) {
        return ascii_domain_dots_sse2(tok, dots);
    }
    ascii_domain_dots_bytewise(tok, dots)
}

/// [`ascii_domain_dots`] in one pass from the end, byte by byte, for any length: two passes (a
/// validation and a search for dots) would cost it twice the reads.
fn ascii_domain_dots_bytewise(tok: &[u8], dots: &mut Dots) -> bool {
    dots.len = 0;
    if tok.is_empty() || tok.len() > 253 {
        return false;
    }
    let mut ok = true;
    let mut end = tok.len(); // the end of the label being read
    for (i, &b) in tok.iter().enumerate().rev() {
        ok &= HOST_BYTE[usize::from(b)];
        if b == b'.' {
            let label = end - i - 1;
            ok &= label != 0 && label <= 63 && dots.len < MAX_LABELS;
            if !ok {
                return false;
            }
            dots.at[dots.len] = i as u8;
            dots.len += 1;
            end = i;
        }
    }
    let last = dots.at[..dots.len]
        .first()
        .map_or(0, |&d| usize::from(d) + 1);
    ok &= end != 0 && end <= 63 && !tok[last..].iter().all(u8::is_ascii_digit);
    ok
}

/// [`ascii_domain_dots`] for a token of 8 to 64 bytes: judged from its masks, then the dots
/// read off their mask from the highest.
#[cfg(target_arch = "x86_64")]
fn ascii_domain_dots_sse2(tok: &[u8], dots: &mut Dots) -> bool {
    dots.len = 0;
    let Some(mut dot) = NameMasks::of(tok).valid_dots(tok.len()) else {
        return false;
    };
    // At most 32 dots fit in 64 bytes, under MAX_LABELS.
    while dot != 0 {
        let i = 63 - dot.leading_zeros() as usize;
        dots.at[dots.len] = i as u8;
        dots.len += 1;
        dot ^= 1 << i;
    }
    true
}

/// Three bitmasks of a token of 8 to 64 bytes, bit 0 for its first byte: its host bytes
/// (those of `HOST_BYTE`), its dots and its digits.
#[cfg(target_arch = "x86_64")]
struct NameMasks {
    host: u64,
    dot: u64,
    digit: u64,
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
impl NameMasks {
    /// The masks from 16-byte compares. The vectors are read from the token itself, the last
    /// overlapping the one before: a copy into a padded buffer would have each read wait on
    /// the copy's narrower writes.
    #[inline(always)]
    fn of(tok: &[u8]) -> NameMasks {
        use std::arch::x86_64::*;
        let len = tok.len();
        debug_assert!((8..=64).contains(&len));
        /// One bit per byte of `v`: host bytes, dots, digits.
        #[inline(always)]
        fn classes(v: __m128i) -> [u32; 3] {
            // SAFETY: SSE2 is part of every x86_64 target.
            unsafe {
                let eq = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
                // Signed compares: bytes of 0x80 and above are negative, below every range.
                let within = |x: __m128i, lo: u8, hi: u8| {
                    _mm_and_si128(
                        _mm_cmpgt_epi8(x, _mm_set1_epi8(lo as i8 - 1)),
                        _mm_cmplt_epi8(x, _mm_set1_epi8(hi as i8 + 1)),
                    )
                };
                let is_dot = eq(b'.');
                let is_digit = within(v, b'0', b'9');
                let is_letter = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
                let is_host = _mm_or_si128(
                    _mm_or_si128(is_dot, is_digit),
                    _mm_or_si128(is_letter, _mm_or_si128(eq(b'-'), eq(b'_'))),
                );
                [is_host, is_dot, is_digit].map(|x| _mm_movemask_epi8(x) as u32)
            }
        }
        // Bytes read twice, where reads overlap, set the same bits twice.
        let mut m = NameMasks {
            host: 0,
            dot: 0,
            digit: 0,
        };
        let mut add = |c: [u32; 3], at: usize| {
            m.host |= u64::from(c[0]) << at;
            m.dot |= u64::from(c[1]) << at;
            m.digit |= u64::from(c[2]) << at;
        };
        if len < 16 {
            // The first eight bytes and the last eight, in one vector.
            let word = |at: usize| u64::from_le_bytes(tok[at..at + 8].try_into().unwrap_or([0; 8]));
            // SAFETY: SSE2 is part of every x86_64 target.
            let v = unsafe { _mm_set_epi64x(word(len - 8) as i64, word(0) as i64) };
            let c = classes(v);
            add(c.map(|b| b & 0xff), 0);
            add(c.map(|b| b >> 8), len - 8);
        } else {
            // SAFETY: SSE2 is part of every x86_64 target; each load reads 16 bytes within
            // `tok` (at + 16 <= len).
            let at = |at: usize| unsafe { _mm_loadu_si128(tok.as_ptr().add(at).cast::<__m128i>()) };
            for k in 0..len / 16 {
                add(classes(at(16 * k)), 16 * k);
            }
            if !len.is_multiple_of(16) {
                add(classes(at(len - 16)), len - 16);
            }
        }
        m
    }

    /// The dots of a token of `len` bytes with these masks, if it is a valid domain name by
    /// [`valid_ascii_domain`]'s rules: judged without a branch. A label after a dot is at most
    /// 63 bytes long, so only the first can be too long.
    #[inline(always)]
    fn valid_dots(&self, len: usize) -> Option<u64> {
        let all = u64::MAX >> (64 - len);
        let dot = self.dot;
        // An empty label: a dot first, last, or after another.
        let empty = (dot & 1) | (dot >> (len - 1)) | (dot & (dot >> 1));
        let first_label = dot.trailing_zeros().min(len as u32);
        // The last label starts after the highest dot (or at 0, under 64 as it is not empty).
        let last = 64 - dot.leading_zeros();
        let last_label = all & u64::MAX.checked_shl(last).unwrap_or(0);
        let ok = (self.host == all)
            & (empty == 0)
            & (first_label <= 63)
            & (self.digit & last_label != last_label);
        ok.then_some(dot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_agrees_with_normalize() {
        let long = format!("{}.com", "a".repeat(63));
        let dotted = ".".repeat(200);
        let many = "a.".repeat(126) + "a";
        for t in [
            &long,
            &dotted,
            &many,
            "a.b.c.d1",
            "x.y-z.c0m",
            "1.2.3.4",
            "a\u{0}b.com",
            "a b.com",
            "a.b",
            "a..b",
            ".a",
            "a",
            "1.2",
            "x.1a",
            "a-.b_",
            &"a".repeat(64),
            "A.COM",
        ] {
            let expected = crate::normalize::domain(t).is_ok();
            assert_eq!(valid_ascii_domain(t.as_bytes()), expected, "{t}");
            let mut d = Dots::default();
            if ascii_domain_dots(t.as_bytes(), &mut d) {
                let dots: Vec<usize> = d.last_first().collect();
                let mut by_search: Vec<usize> = memchr::memchr_iter(b'.', t.as_bytes()).collect();
                by_search.reverse();
                assert_eq!(dots, by_search, "{t}");
            }
        }
    }

    /// The judgement and the dots of one token by both forms, where the fast one applies.
    fn both(tok: &[u8]) -> ((bool, Vec<usize>), (bool, Vec<usize>)) {
        let run = |f: fn(&[u8], &mut Dots) -> bool| {
            let mut d = Dots::default();
            let ok = f(tok, &mut d);
            (
                ok,
                if ok {
                    d.last_first().collect()
                } else {
                    Vec::new()
                },
            )
        };
        (run(ascii_domain_dots), run(ascii_domain_dots_bytewise))
    }

    proptest::proptest! {
        #[test]
        fn fast_validation_agrees_with_the_byte_loop(
            // Mostly host bytes and dots, so that many tokens are valid; any byte now and then.
            tok in proptest::collection::vec(proptest::prop_oneof![
                6 => proptest::sample::select(b"abz09AZ-_".to_vec()),
                3 => proptest::strategy::Just(b'.'),
                1 => proptest::num::u8::ANY,
            ], 0..80),
            // A long label of letters or digits, for the 63-byte limit.
            long in 60usize..66,
            digits in proptest::bool::ANY,
            // Names made of labels, most of them valid, 8 to 64 bytes long and more, with dots
            // in every vector and a last label that may be all digits; one byte maybe changed.
            labels in proptest::collection::vec("[a1_-]{1,20}|[0-9]{1,4}", 1..8),
            change in proptest::option::of((0usize..80, proptest::num::u8::ANY)),
        ) {
            let mut name = labels.join(".").into_bytes();
            if let Some((at, b)) = change {
                let at = at % name.len();
                name[at] = b;
            }
            let (fast, slow) = both(&name);
            proptest::prop_assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&name));
            let (fast, slow) = both(&tok);
            proptest::prop_assert_eq!(fast, slow);
            let label = vec![if digits { b'7' } else { b'q' }; long];
            for t in [label.clone(), [&label[..], b".a"].concat(), [b"a.", &label[..]].concat()] {
                let (fast, slow) = both(&t);
                proptest::prop_assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(&t));
            }
        }
    }

    #[test]
    fn fast_validation_agrees_on_every_byte_in_every_place() {
        for b in 0..=255u8 {
            for len in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65] {
                for at in [0, len / 2, len - 1] {
                    let mut t = vec![b'a'; len];
                    t[at] = b;
                    let (fast, slow) = both(&t);
                    assert_eq!(fast, slow, "byte {b:#x} at {at} of {len}");
                }
            }
        }
    }

    /// Names with more labels than any indicator still find their parents, singly and in a
    /// batch (whose short and long names take other paths), and a name no longer than the
    /// longest indicator finds itself; the labels past that count are not hashed.
    #[test]
    fn names_longer_than_every_indicator_find_their_parents() {
        let set = DomainSet::build(&[
            ("evil.example", IndicatorId(0), Mode::Subdomains),
            ("a.bad.test", IndicatorId(1), Mode::Exact),
            ("c.d.bad.test", IndicatorId(2), Mode::Subdomains),
        ]);
        assert_eq!((set.min_labels, set.max_labels), (2, 4));
        let names = [
            "x.y.z.w.v.evil.example",
            "evil.example",
            "q.c.d.bad.test",
            &format!("{}c.d.bad.test", "deep.".repeat(40)),
            "a.bad.test",
            "b.a.bad.test",
            "c.d.bad.test",
            "z.evil.example.org",
        ];
        let want: [&[u32]; 8] = [&[0], &[0], &[2], &[2], &[1], &[], &[2], &[]];
        let mut batch: Vec<(&[u8], usize)> = Vec::new();
        for (q, (name, want)) in names.iter().zip(want).enumerate() {
            let mut hits = Vec::new();
            assert!(set.probe_token(name.as_bytes(), &mut hits), "{name}");
            let ids: Vec<u32> = hits.iter().map(|h| h.indicator.0).collect();
            assert_eq!(ids, want, "{name}");
            batch.push((name.as_bytes(), q));
        }
        let (mut out, mut rejected) = (Vec::new(), Vec::new());
        set.probe_batch(&batch, &mut out, &mut rejected);
        assert!(rejected.is_empty());
        let found: Vec<(usize, u32)> = out.iter().map(|&(q, h)| (q, h.indicator.0)).collect();
        let expected: Vec<(usize, u32)> = want
            .iter()
            .enumerate()
            .flat_map(|(q, ids)| ids.iter().map(move |&id| (q, id)))
            .collect();
        assert_eq!(found, expected);
    }
}
