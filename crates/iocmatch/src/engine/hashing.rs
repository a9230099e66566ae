//! Hashing for the scan hot path: a seeded hash that reads eight bytes at a time and folds ASCII
//! case as it goes, a label-by-label form for domain names (so one pass from the end of a host
//! name yields the hash of every parent domain), and a small Bloom-style filter that rejects most
//! tokens before any map is touched.
//!
//! The seed is random per matcher, so feed authors cannot aim collisions at a known function.

const M: u64 = 0x9e37_79b9_7f4a_7c15;

/// ORed into every byte: folds ASCII case for letters and leaves digits, `.` and `-` as they
/// are. Of the bytes that can meet it (host-token bytes and hex digits) only `_` changes, to DEL,
/// which no host token holds, so the fold identifies nothing but upper and lower case.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// A random per-matcher seed.
pub(crate) fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x1f2e_3d4c_u64)
}

/// Hashes a byte string eight bytes at a time, case folded (see `FOLD`).
#[inline(always)]
pub(crate) fn hash_bytes(seed: u64, b: &[u8]) -> u64 {
    let mut h = start(seed, b.len());
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h, word(c));
    }
    let r = chunks.remainder();
    if !r.is_empty() {
        h = mix(h, load_short(r));
    }
    h
}

/// [`hash_bytes`] of `text[s..e]`: for a span of one to eight bytes with eight bytes of `text`
/// from `s`, one word read and masked, where [`load_short`] branches on the span's length
/// (most labels of host names are this short). Other spans are [`hash_bytes`] itself. For
/// labels this is cheaper than [`hash_bytes_within`], whose word loop costs the scan 3.5 %
/// more instructions when it hashes them.
#[inline(always)]
pub(crate) fn hash_within(seed: u64, text: &[u8], s: usize, e: usize) -> u64 {
    let n = e - s;
    match text.get(s..s + 8) {
        Some(c) if n.wrapping_sub(1) < 8 => mix(start(seed, n), low_bytes(word(c), n)),
        _ => hash_bytes(seed, &text[s..e]),
    }
}

/// [`hash_bytes`] of `text[s..e]` for spans of any length: whole words, the last read past
/// `e` and masked where `text` has the bytes (where [`load_short`] branches on the length of
/// the last part); [`hash_bytes`] itself near the end of `text`.
#[inline(always)]
pub(crate) fn hash_bytes_within(seed: u64, text: &[u8], s: usize, e: usize) -> u64 {
    let n = e - s;
    if n == 0 {
        return start(seed, 0);
    }
    let Some(span) = text.get(s..s + n.div_ceil(8) * 8) else {
        return hash_bytes(seed, &text[s..e]);
    };
    let (whole, last) = span.split_at(span.len() - 8);
    let h = whole
        .chunks_exact(8)
        .fold(start(seed, n), |h, c| mix(h, word(c)));
    mix(h, low_bytes(word(last), n - whole.len()))
}

/// The state a value of `n` bytes starts from.
#[inline(always)]
fn start(seed: u64, n: usize) -> u64 {
    seed ^ (n as u64).wrapping_mul(M)
}

/// Mixes one word of a value, case folded, into the state.
#[inline(always)]
fn mix(h: u64, w: u64) -> u64 {
    let h = (h ^ (w | FOLD)).wrapping_mul(M);
    h ^ (h >> 29)
}

/// The first eight bytes of `c` (which holds at least eight) as a little-endian word: one
/// bounds test, where indexing each byte may leave one per byte.
#[inline(always)]
pub(crate) fn word(c: &[u8]) -> u64 {
    match c.first_chunk::<8>() {
        Some(w) => u64::from_le_bytes(*w),
        None => panic!("a word read needs eight bytes"),
    }
}

/// The low `n` bytes of a word (`n` from 1 to 8), the others zero.
#[inline(always)]
fn low_bytes(w: u64, n: usize) -> u64 {
    w & (u64::MAX >> (64 - 8 * n))
}

/// Up to 8 bytes as a little-endian word padded with zeros, without a variable-length copy:
/// two overlapping 4-byte loads, or three single bytes (overlapping bytes OR onto themselves).
#[inline(always)]
fn load_short(r: &[u8]) -> u64 {
    let n = r.len();
    debug_assert!(n <= 8);
    if n >= 4 {
        let lo = u32::from_le_bytes([r[0], r[1], r[2], r[3]]) as u64;
        let hi = u32::from_le_bytes([r[n - 4], r[n - 3], r[n - 2], r[n - 1]]) as u64;
        lo | (hi << ((n - 4) * 8))
    } else if n > 0 {
        (r[0] as u64) | ((r[n / 2] as u64) << (8 * (n / 2))) | ((r[n - 1] as u64) << (8 * (n - 1)))
    } else {
        0
    }
}

/// Whether two strings of ASCII host bytes (letters, digits, `-`, `_`, `.`) are equal up to
/// ASCII case: eight bytes at a time, under the hashes' fold (see `FOLD`), which on host bytes
/// identifies nothing but upper and lower case. (On other bytes it would: `\r` with `-`.)
/// Strings of eight bytes or more are compared as whole words from the start and the last
/// eight bytes, which overlap the word before: names of up to 16 bytes take two compares and
/// no loop.
#[inline(always)]
pub(crate) fn eq_host_folded(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let differ = |x: u64, y: u64| (x | FOLD) ^ (y | FOLD);
    if n < 8 {
        return differ(load_short(a), load_short(b)) == 0;
    }
    let mut d = differ(word(&a[n - 8..]), word(&b[n - 8..]));
    let mut i = 0;
    while i + 8 < n {
        d |= differ(word(&a[i..]), word(&b[i..]));
        i += 8;
    }
    d == 0
}

/// Whether every byte is an ASCII hex digit, eight bytes at a time.
pub(crate) fn all_hex(b: &[u8]) -> bool {
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        if !hex_word(word(c)) {
            return false;
        }
    }
    chunks.remainder().iter().all(u8::is_ascii_hexdigit)
}

/// Whether all eight bytes of a word are ASCII hex digits.
#[inline(always)]
pub(crate) fn hex_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // For bytes below 0x80: the high bit of (0x80|x) - lo is set iff x >= lo, and of
    // (0x80|hi) - x iff x <= hi; no byte borrows from its neighbour.
    let in_range = |x: u64, lo: u8, hi: u8| {
        ((x | HIGH).wrapping_sub(ONES * lo as u64))
            & ((HIGH | (ONES * hi as u64)).wrapping_sub(x))
            & HIGH
    };
    // Digits unfolded (folding would admit 0x10-0x19); letters folded.
    w & HIGH == 0 && (in_range(w, b'0', b'9') | in_range(w | FOLD, b'a', b'f')) == HIGH
}

/// Adds one label (already hashed) to the hash of the labels to its right.
#[inline(always)]
pub(crate) fn push_label(state: u64, label_hash: u64) -> u64 {
    (state.rotate_left(17) ^ label_hash).wrapping_mul(M)
}

/// The finaliser: folds the well-mixed high half of the last product into the low half, which
/// the hash maps index by (the filter takes its word from the high bits).
#[inline(always)]
pub(crate) fn finish(h: u64) -> u64 {
    h ^ (h >> 32)
}

/// Hash of a whole value (digests, URL hosts), case folded.
#[inline]
pub(crate) fn hash_fwd(seed: u64, s: &[u8]) -> u64 {
    finish(hash_bytes(seed, s))
}

/// A second key for [`hash_hex`], xored with the seed: odd and unrelated to `M`.
const K2: u64 = 0xc2b2_ae3d_27d4_eb4f;

/// Hash of a hex digest (case folded, as [`hash_fwd`]), sixteen bytes a multiply: each pair of
/// words, one xored with the state and the other with a second seeded key, multiplied to 128
/// bits and the halves folded together. Digests are 32 to 128 hex digits, so this takes half
/// the multiplies of [`hash_fwd`]'s word chain, and half its length of dependent steps. A word
/// left over (SHA-1, SHA-224), and any shorter rest, is multiplied by the key alone: the high
/// half of the product carries its high bytes into the low bits the tables index by, where
/// [`mix`]'s low bits depend only on the word's low bytes.
#[inline(always)]
pub(crate) fn hash_hex(seed: u64, b: &[u8]) -> u64 {
    let key = seed ^ K2;
    let mut h = start(seed, b.len());
    let mut pairs = b.chunks_exact(16);
    for p in &mut pairs {
        h = folded_mul((word(p) | FOLD) ^ h, (word(&p[8..]) | FOLD) ^ key);
    }
    let mut words = pairs.remainder().chunks_exact(8);
    for w in &mut words {
        h = folded_mul((word(w) | FOLD) ^ h, key);
    }
    if !words.remainder().is_empty() {
        h = folded_mul((load_short(words.remainder()) | FOLD) ^ h, key);
    }
    finish(h)
}

/// The 128-bit product of two words, its halves xored together.
#[inline(always)]
fn folded_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Hash of a domain name built label by label from the right, case folded: the form domain
/// names are stored in, so a scan gets every parent domain's hash in one pass from the end.
pub(crate) fn hash_domain(seed: u64, name: &[u8]) -> u64 {
    finish(
        name.rsplit(|&b| b == b'.')
            .fold(seed, |st, label| push_label(st, hash_bytes(seed, label))),
    )
}

/// A blocked Bloom filter: each key sets three bits of one 64-bit word chosen by its hash, so
/// a probe reads one word (one cache line). At 16 bits per key about 1 % of absent keys pass.
/// An empty filter has one word with no bits set, so a probe needs no test for emptiness.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    words: Vec<u64>,
    /// 64 minus log2 of the number of words: the word is the hash's top bits.
    shift: u32,
}

impl Default for Filter {
    fn default() -> Filter {
        Filter::with_capacity(0)
    }
}

impl Filter {
    /// A filter for `n` keys.
    pub(crate) fn with_capacity(n: usize) -> Filter {
        let words = (n.max(1) * 16 / 64).next_power_of_two();
        Filter {
            words: vec![0; words],
            shift: 64 - words.trailing_zeros(),
        }
    }

    /// The word a hash selects and the three bits it sets there (from the low 18 bits, which
    /// the word index does not use unless the filter has over 2^46 words).
    #[inline(always)]
    fn place(&self, h: u64) -> (usize, u64) {
        let word = h.checked_shr(self.shift).unwrap_or(0) as usize;
        let bits = (1 << (h & 63)) | (1 << ((h >> 6) & 63)) | (1 << ((h >> 12) & 63));
        (word, bits)
    }

    /// Adds a key hash.
    pub(crate) fn insert(&mut self, h: u64) {
        let (w, bits) = self.place(h);
        self.words[w] |= bits;
    }

    /// Bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }

    /// Asks for the word a key hash selects, for a [`Filter::may_contain`] to come (batched
    /// lookups ask for a group's words before reading any).
    #[inline(always)]
    pub(crate) fn prefetch(&self, h: u64) {
        crate::prefetch::prefetch_index(&self.words, self.place(h).0);
    }

    /// Whether the key hash may be present.
    #[inline(always)]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        let (w, bits) = self.place(h);
        self.words[w] & bits == bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_hex_agrees_with_the_byte_check() {
        let mut x: u64 = 7;
        for len in 0..40 {
            for _ in 0..2000 {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        b"0123456789abcdefABCDEF/:@`GgZz\x00\xff"[(x % 32) as usize]
                    })
                    .collect();
                assert_eq!(all_hex(&v), v.iter().all(u8::is_ascii_hexdigit), "{v:?}");
            }
        }
        for b in 0..=255u8 {
            assert_eq!(all_hex(&[b; 8]), b.is_ascii_hexdigit(), "{b}");
        }
    }

    /// Both over-reading forms give the slice form's hash for every span of a text, whatever
    /// bytes follow the span, up to the text's last byte, and in texts shorter than a word.
    #[test]
    fn hashes_within_agree_with_hash_bytes() {
        let mut x: u64 = 11;
        let text: Vec<u8> = (0..80)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        for len in (0..=17).chain([80]) {
            let text = &text[80 - len..];
            for s in 0..=text.len() {
                for e in s..=text.len() {
                    let want = hash_bytes(5, &text[s..e]);
                    assert_eq!(hash_bytes_within(5, text, s, e), want, "{len}: {s}..{e}");
                    assert_eq!(hash_within(5, text, s, e), want, "{len}: {s}..{e}");
                }
            }
        }
    }

    /// The folded compare agrees with `eq_ignore_ascii_case` on host bytes: every pair of host
    /// bytes in every place of strings whose lengths take every word-and-rest split.
    #[test]
    fn folded_host_compare_agrees_with_ignoring_ascii_case() {
        let host: Vec<u8> = (0..=127u8)
            .filter(|&b| crate::scan::boundary::is_host_byte(b))
            .collect();
        for len in [1usize, 3, 8, 9, 13, 16, 17, 24, 25] {
            let base: Vec<u8> = host.iter().cycle().take(len).copied().collect();
            for at in 0..len {
                for &x in &host {
                    for &y in &host {
                        let (mut a, mut b) = (base.clone(), base.clone());
                        a[at] = x;
                        b[at] = y;
                        assert_eq!(
                            eq_host_folded(&a, &b),
                            a.eq_ignore_ascii_case(&b),
                            "{x:#x} and {y:#x} at {at} of {len}"
                        );
                    }
                }
            }
        }
        assert!(eq_host_folded(b"", b""));
        assert!(!eq_host_folded(b"ab", b"abc"));
    }

    #[test]
    fn short_loads_pad_with_zeros() {
        let bytes = b"\x01\x82\x03\xf4\x05\x06\x07\xff";
        for n in 0..=8 {
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(load_short(&bytes[..n]), u64::from_le_bytes(padded), "{n}");
        }
    }

    #[test]
    fn domain_hash_folds_case_and_depends_on_labels() {
        let seed = 42;
        assert_eq!(
            hash_domain(seed, b"A.Evil.EXAMPLE"),
            hash_domain(seed, b"a.evil.example")
        );
        assert_ne!(hash_domain(seed, b"ab.c"), hash_domain(seed, b"a.bc"));
        assert_ne!(
            hash_domain(seed, b"evil.example"),
            hash_domain(seed, b"example.evil")
        );
        assert_ne!(hash_domain(seed, b"a_b.c"), hash_domain(seed, b"a-b.c"));
        assert_ne!(hash_fwd(seed, b"abcdefgh1"), hash_fwd(seed, b"abcdefgh10"));
        assert_eq!(
            hash_fwd(seed, b"ABCDEF0123456789"),
            hash_fwd(seed, b"abcdef0123456789")
        );
    }

    /// A filter of the keys of values 0 to 9,999 has every one of them, and lets fewer than
    /// 1.5 % of the keys of the next 100,000 values through.
    fn assert_no_false_negatives_and_few_false_positives(key: impl Fn(u64) -> u64, what: &str) {
        let mut f = Filter::with_capacity(10_000);
        for i in 0..10_000u64 {
            f.insert(key(i));
        }
        assert!((0..10_000u64).all(|i| f.may_contain(key(i))), "{what}");
        let fp = (10_000..110_000u64)
            .filter(|&i| f.may_contain(key(i)))
            .count();
        assert!(fp < 1_500, "{what}: {fp} false positives in 100000");
    }

    #[test]
    fn filter_has_no_false_negatives_and_few_false_positives() {
        // Keys as the engines make them: seeded hashes of values.
        let key = |i: u64| hash_fwd(7, format!("value-{i}").as_bytes());
        assert_no_false_negatives_and_few_false_positives(key, "values");
    }

    /// Digests' hashes: case folded, and as good a filter key as the word chain's: digests
    /// that differ in one digit, at every length, have no false negatives and few false
    /// positives, and their table places (the low bits) spread.
    #[test]
    fn hex_hashes_fold_case_and_make_good_filter_keys() {
        let seed = 0x1234_5678_9abc_def0;
        for len in [32, 40, 56, 64, 96, 128] {
            let hex = |i: u64| format!("{:0>len$}", format!("{i:x}"));
            assert_eq!(
                hash_hex(seed, hex(0xabcdef).to_uppercase().as_bytes()),
                hash_hex(seed, hex(0xabcdef).as_bytes())
            );
            // Only the last digits differ, and only the first, and their lengths.
            assert_ne!(
                hash_hex(seed, &b"1".repeat(len)),
                hash_hex(seed, &b"1".repeat(len + 2))
            );
            let mut first = hex(5).into_bytes();
            first[0] = b'9';
            assert_ne!(hash_hex(seed, &first), hash_hex(seed, hex(5).as_bytes()));
            let key = |i: u64| hash_hex(seed, hex(i).as_bytes());
            assert_no_false_negatives_and_few_false_positives(key, &format!("{len} digits"));
            let places: std::collections::HashSet<u64> = (0..4096).map(|i| key(i) & 8191).collect();
            assert!(
                places.len() > 3000,
                "{len} digits: {} places of 8192",
                places.len()
            );
        }
    }

    #[test]
    fn domain_hashes_spread_over_the_filter() {
        // Names that differ in one label still land in many words.
        let names: Vec<String> = (0..4096).map(|i| format!("host{i}.example.org")).collect();
        let mut f = Filter::with_capacity(names.len());
        for n in &names {
            f.insert(hash_domain(99, n.as_bytes()));
        }
        let used = f.words.iter().filter(|&&w| w != 0).count();
        assert!(
            used > f.words.len() * 9 / 10,
            "{used} of {} words",
            f.words.len()
        );
    }
}
