//! Byte classification: one pass over a buffer turns every 64 bytes into a [`Block`] of bitmasks
//! (bit `i` of a mask describes byte `64 * block + i`), so that the token walk can jump from one
//! interesting byte to the next with bit operations instead of looking at every byte.
//!
//! The AVX-512BW version, else the AVX2 one, is chosen at run time where the CPU has it; the
//! scalar version is the reference both are tested against. Bytes past the end of the buffer
//! classify as NUL (no class).
//!
//! This module holds most of the crate's `unsafe` code (the rest is the IPv4 parser's SSSE3
//! path in `scan::quad` and the IPv4 table's SSE2 bucket compare): the vector loads and the
//! calls into the `target_feature` functions, each guarded as its comment says.
#![allow(unsafe_code)]

/// The class masks of 64 consecutive bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Block {
    /// Host-run bytes: ASCII letters and digits, `.`, `-`, `_`, and every byte >= 0x80.
    pub host: u64,
    /// `.`
    pub dot: u64,
    /// Host-run bytes that are neither digits nor dots: letters, `-`, `_`, non-ASCII. A run
    /// without any is digits and dots only (an IPv4 candidate, never a domain).
    pub word: u64,
    /// ASCII letters and digits (the bytes of a hex-digest run).
    pub alnum: u64,
    /// ASCII hex digits.
    pub hex: u64,
    /// Bytes >= 0x80 (part of host runs, for IDN; a run without any needs no decoding).
    pub high: u64,
    /// `@` (e-mail addresses).
    pub at: u64,
    /// `:` (IPv6 addresses and URL schemes).
    pub colon: u64,
}

/// Scalar class bits, one byte per input byte, in the order of `Block`'s fields.
const HOST: u8 = 1;
const DOT: u8 = 2;
const WORD: u8 = 4;
const ALNUM: u8 = 8;
const HEX: u8 = 16;
const HIGH: u8 = 32;
const AT: u8 = 64;
const COLON: u8 = 128;

const TABLE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_digit() {
            HOST | ALNUM | HEX
        } else if b.is_ascii_hexdigit() {
            HOST | WORD | ALNUM | HEX
        } else if b.is_ascii_alphabetic() {
            HOST | WORD | ALNUM
        } else if b == b'.' {
            HOST | DOT
        } else if b >= 0x80 {
            HOST | WORD | HIGH
        } else if b == b'-' || b == b'_' {
            HOST | WORD
        } else if b == b'@' {
            AT
        } else if b == b':' {
            COLON
        } else {
            0
        };
        i += 1;
    }
    t
};

/// Classifies up to 64 bytes one at a time (the fallback, and the reference for the tests).
fn block_scalar(bytes: &[u8]) -> Block {
    let mut b = Block::default();
    for (i, &x) in bytes.iter().enumerate().take(64) {
        let c = TABLE[x as usize] as u64;
        b.host |= (c & 1) << i;
        b.dot |= ((c >> 1) & 1) << i;
        b.word |= ((c >> 2) & 1) << i;
        b.alnum |= ((c >> 3) & 1) << i;
        b.hex |= ((c >> 4) & 1) << i;
        b.high |= ((c >> 5) & 1) << i;
        b.at |= ((c >> 6) & 1) << i;
        b.colon |= ((c >> 7) & 1) << i;
    }
    b
}

/// Replaces `out` with the blocks of `text`: `text.len().div_ceil(64)` of them, with room for
/// one more (the walk appends a block of zeros).
pub(crate) fn classify(text: &[u8], out: &mut Vec<Block>) {
    out.clear();
    out.reserve(text.len().div_ceil(64) + 1);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
        {
            // SAFETY: the CPU has AVX-512F and AVX-512BW, checked just above.
            unsafe { avx512::classify(text, out) };
            return;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            unsafe { avx2::classify(text, out) };
            return;
        }
    }
    out.extend(text.chunks(64).map(block_scalar));
}

/// Appends the blocks of `text` as `block` classifies them, 64 bytes at a time; the tail is
/// copied into a zero-padded block first. Inlined into each vector path, so that `block` is
/// inlined under that path's target features.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn each_block(text: &[u8], out: &mut Vec<Block>, mut block: impl FnMut(&[u8]) -> Block) {
    // The blocks with text AHEAD bytes further on; none in a line or a short text, which is
    // cached already or too short for the prefetcher to matter.
    let ahead = if text.len() >= 2 * AHEAD {
        (text.len() - AHEAD) / 64
    } else {
        0
    };
    let mut chunks = text.chunks_exact(64);
    // Written into places made first (zeroed, one store a block): a push for each block puts a
    // capacity test between the vector steps, and the compiler keeps the vectors on the stack
    // across it.
    let from = out.len();
    out.resize(from + text.len() / 64, Block::default());
    for (i, (place, c)) in out[from..].iter_mut().zip(&mut chunks).enumerate() {
        if i < ahead {
            crate::prefetch::prefetch(c.as_ptr().wrapping_add(AHEAD));
        }
        *place = block(c);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut pad = [0u8; 64];
        pad[..rest.len()].copy_from_slice(rest);
        out.push(block(&pad));
    }
}

/// How far ahead of the block it classifies the classifier asks for the text. A text scanned
/// once comes from memory, and the hardware prefetcher follows a stream only within a 4 KiB
/// page: without this, the first lines of each page waited on memory.
#[cfg(target_arch = "x86_64")]
const AHEAD: usize = 4096;

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::Block;
    use std::arch::x86_64::*;

    /// Classifies `text` 64 bytes at a time.
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn classify(text: &[u8], out: &mut Vec<Block>) {
        super::each_block(text, out, |c| block(c));
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn block(bytes: &[u8]) -> Block {
        assert!(bytes.len() >= 64);
        // SAFETY: both loads read 32 bytes inside `bytes`, checked just above; they are unaligned.
        let (lo, hi) = unsafe {
            (
                _mm256_loadu_si256(bytes.as_ptr().cast()),
                _mm256_loadu_si256(bytes.as_ptr().add(32).cast()),
            )
        };
        let a = half(lo);
        let b = half(hi);
        let join = |lo: i32, hi: i32| (lo as u32 as u64) | ((hi as u32 as u64) << 32);
        Block {
            host: join(a[0], b[0]),
            dot: join(a[1], b[1]),
            word: join(a[2], b[2]),
            alnum: join(a[3], b[3]),
            hex: join(a[4], b[4]),
            high: join(a[5], b[5]),
            at: join(a[6], b[6]),
            colon: join(a[7], b[7]),
        }
    }

    // Each class is a set of (high nibble, low nibble) rectangles; every rectangle has a bit,
    // set in the entry of each of its low nibbles and of each of its high nibbles, so that
    // `LOW[lo] & HIGH[hi]` holds exactly the rectangles a byte lies in.
    pub(super) const DIGIT: u8 = 1; // 0x30-0x39
    pub(super) const UPPER_LOW: u8 = 2; // 0x41-0x4f, 0x61-0x6f
    pub(super) const UPPER_HIGH: u8 = 4; // 0x50-0x5a, 0x70-0x7a
    pub(super) const HEX_LETTER: u8 = 8; // 0x41-0x46, 0x61-0x66
    pub(super) const DOT: u8 = 16; // 0x2e
    pub(super) const DASH: u8 = 32; // 0x2d
    pub(super) const UNDERSCORE: u8 = 64; // 0x5f
    pub(super) const NON_ASCII: u8 = 128; // 0x80-0xff

    const fn table(high: bool) -> [i8; 32] {
        let mut t = [0u8; 16];
        let mut n = 0;
        while n < 16 {
            let mut bits = 0;
            if high {
                bits |= match n {
                    2 => DOT | DASH,
                    3 => DIGIT,
                    4 | 6 => UPPER_LOW | HEX_LETTER,
                    5 => UPPER_HIGH | UNDERSCORE,
                    7 => UPPER_HIGH,
                    _ => 0,
                };
                if n >= 8 {
                    bits |= NON_ASCII;
                }
            } else {
                if n <= 9 {
                    bits |= DIGIT;
                }
                if n >= 1 {
                    bits |= UPPER_LOW;
                }
                if n <= 10 {
                    bits |= UPPER_HIGH;
                }
                if n >= 1 && n <= 6 {
                    bits |= HEX_LETTER;
                }
                if n == 0xe {
                    bits |= DOT;
                }
                if n == 0xd {
                    bits |= DASH;
                }
                if n == 0xf {
                    bits |= UNDERSCORE;
                }
                bits |= NON_ASCII;
            }
            t[n] = bits;
            n += 1;
        }
        // The same 16 entries in both 128-bit lanes, as vpshufb looks up within a lane.
        let mut out = [0i8; 32];
        let mut i = 0;
        while i < 32 {
            out[i] = t[i % 16] as i8;
            i += 1;
        }
        out
    }
    pub(super) const LOW: [i8; 32] = table(false);
    pub(super) const HIGH: [i8; 32] = table(true);

    /// Masks of 32 bytes: host, dot, word, alnum, hex, high, at, colon.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn half(v: __m256i) -> [i32; 8] {
        // SAFETY: the tables are 32 bytes each; the loads are unaligned.
        let (low_t, high_t) = unsafe {
            (
                _mm256_loadu_si256(LOW.as_ptr().cast()),
                _mm256_loadu_si256(HIGH.as_ptr().cast()),
            )
        };
        let nibbles = _mm256_set1_epi8(0x0f);
        let lo = _mm256_and_si256(v, nibbles);
        let hi = _mm256_and_si256(_mm256_srli_epi16::<4>(v), nibbles);
        let c = _mm256_and_si256(
            _mm256_shuffle_epi8(low_t, lo),
            _mm256_shuffle_epi8(high_t, hi),
        );
        // Saturating 0x7f + (c & bits) has its sign bit set exactly when some bit is.
        let any = |bits: u8| {
            _mm256_movemask_epi8(_mm256_adds_epu8(
                _mm256_and_si256(c, _mm256_set1_epi8(bits as i8)),
                _mm256_set1_epi8(0x7f),
            ))
        };
        let letter = UPPER_LOW | UPPER_HIGH;
        let word = letter | DASH | UNDERSCORE | NON_ASCII;
        [
            any(DIGIT | DOT | word),
            any(DOT),
            any(word),
            any(DIGIT | letter),
            any(DIGIT | HEX_LETTER),
            _mm256_movemask_epi8(v),
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'@' as i8))),
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(b':' as i8))),
        ]
    }
}

/// The AVX-512BW classifier: one 64-byte register per block, and each class a mask register
/// straight from one test or compare, where AVX2 needs two halves, a saturating add and a
/// movemask per class. Same nibble tables as the AVX2 version.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::avx2::{
        DASH, DIGIT, DOT, HEX_LETTER, HIGH, LOW, NON_ASCII, UNDERSCORE, UPPER_HIGH, UPPER_LOW,
    };
    use super::Block;
    use std::arch::x86_64::*;

    /// Classifies `text` 64 bytes at a time.
    ///
    /// # Safety
    /// The CPU must support AVX-512F and AVX-512BW.
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn classify(text: &[u8], out: &mut Vec<Block>) {
        // SAFETY: the tables are 32 bytes each; the loads are unaligned and fill both halves.
        let (low_t, high_t) = unsafe {
            (
                _mm512_broadcast_i64x4(_mm256_loadu_si256(LOW.as_ptr().cast())),
                _mm512_broadcast_i64x4(_mm256_loadu_si256(HIGH.as_ptr().cast())),
            )
        };
        super::each_block(text, out, |c| block(c, low_t, high_t));
    }

    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn block(bytes: &[u8], low_t: __m512i, high_t: __m512i) -> Block {
        assert!(bytes.len() >= 64);
        // SAFETY: the load reads 64 bytes inside `bytes`, checked just above; it is unaligned.
        let v = unsafe { _mm512_loadu_si512(bytes.as_ptr().cast()) };
        let nibbles = _mm512_set1_epi8(0x0f);
        let lo = _mm512_and_si512(v, nibbles);
        let hi = _mm512_and_si512(_mm512_srli_epi16::<4>(v), nibbles);
        let c = _mm512_and_si512(
            _mm512_shuffle_epi8(low_t, lo),
            _mm512_shuffle_epi8(high_t, hi),
        );
        let any = |bits: u8| _mm512_test_epi8_mask(c, _mm512_set1_epi8(bits as i8));
        let letter = UPPER_LOW | UPPER_HIGH;
        let word = letter | DASH | UNDERSCORE | NON_ASCII;
        Block {
            host: any(DIGIT | DOT | word),
            dot: any(DOT),
            word: any(word),
            alnum: any(DIGIT | letter),
            hex: any(DIGIT | HEX_LETTER),
            high: _mm512_movepi8_mask(v),
            at: _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b'@' as i8)),
            colon: _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(b':' as i8)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Path = (&'static str, fn(&[u8], &mut Vec<Block>));

    /// Every vector path this CPU has, beside the scalar table it must agree with.
    fn paths() -> Vec<Path> {
        let mut paths: Vec<Path> = vec![("dispatch", classify)];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2.
                paths.push(("avx2", |t, out| unsafe { avx2::classify(t, out) }));
            }
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                // SAFETY: the CPU has AVX-512F and AVX-512BW.
                paths.push(("avx512", |t, out| unsafe { avx512::classify(t, out) }));
            }
        }
        paths
    }

    #[test]
    fn fast_paths_agree_with_scalar_on_every_byte_and_tail() {
        let mut text: Vec<u8> = (0..=255u8).collect();
        text.extend((0..=255u8).rev());
        text.extend_from_slice(b"evil.example 192.0.2.1 d41d8cd98f00b204e9800998ecf8427e");
        for (name, path) in paths() {
            for len in [0, 1, 63, 64, 65, 127, 128, 200, text.len()] {
                let t = &text[..len];
                let mut fast = Vec::new();
                path(t, &mut fast);
                let slow: Vec<Block> = t.chunks(64).map(block_scalar).collect();
                assert_eq!(fast, slow, "{name}, length {len}");
            }
        }
    }

    #[test]
    fn classes_mean_what_they_say() {
        let b = block_scalar(b"aZ9.-_\xc3 :/@gG");
        assert_eq!(b.host, 0b1_1000_0111_1111);
        assert_eq!(b.dot, 0b1000);
        assert_eq!(b.word, 0b1_1000_0111_0011);
        assert_eq!(b.alnum, 0b1_1000_0000_0111);
        assert_eq!(b.hex, 0b101);
        assert_eq!(b.high, 0b100_0000);
        assert_eq!(b.at, 1 << 10);
        assert_eq!(b.colon, 1 << 8);
    }

    /// The walk finds IPv6 runs as hex digits, colons and dots, and host runs from the host
    /// class: both must agree with the byte predicates the rest of the crate uses.
    #[test]
    fn run_classes_match_the_byte_predicates() {
        use crate::scan::boundary::{is_host_byte, is_v6_byte};
        for byte in 0..=255u8 {
            let b = block_scalar(&[byte]);
            assert_eq!(
                (b.hex | b.colon | b.dot) & 1 != 0,
                is_v6_byte(byte),
                "{byte:#x}"
            );
            assert_eq!(b.host & 1 != 0, is_host_byte(byte), "{byte:#x}");
        }
    }
}
