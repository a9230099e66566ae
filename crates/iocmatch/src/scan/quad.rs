//! IPv4 candidates (runs of digits with three dots) parsed into addresses exactly as
//! `Ipv4Addr::from_str` parses them: four octets of one to three digits, no leading zeros,
//! none above 255.
//!
//! The scalar parser reads each octet's digits from the dot positions. Where the CPU has SSSE3
//! (checked at run time, once per batch), a candidate is parsed whole instead: its shape (where
//! its dots are, and its length) is looked up in a table of the 81 shapes of four octets, which
//! gives the byte shuffle that lines its digits up in four lanes of a vector, and two
//! multiply-adds weigh them. The scalar parser is the
//! reference the vector one is tested against, and serves candidates too near the end of the
//! text for a 16-byte read.
//!
//! The SSSE3 loads and the call into the `target_feature` function are `unsafe`, guarded as
//! their comments say.
#![allow(unsafe_code)]

use super::walk::Token;

/// Parses IPv4 candidates (tokens of `text`, the whole scanned text) in order, handing each to
/// `each` with its address, or `None` for a candidate that is not one.
#[inline]
pub(super) fn parse_all(text: &[u8], quads: &[Token], each: impl FnMut(&Token, Option<u32>)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("ssse3") {
            // SAFETY: the CPU has SSSE3, checked just above.
            unsafe { ssse3::parse_all(text, quads, each) };
            return;
        }
    }
    let mut each = each;
    for tok in quads {
        each(tok, parse_v4(&text[tok.start..tok.end], tok.dots));
    }
}

/// Parses a token of digits and dots, `dots` marking its dots, exactly as `Ipv4Addr::from_str`
/// does (four octets of one to three digits, no leading zeros, none above 255), into the address
/// as an integer. Branches only on the shape, which is nearly always that of an address.
#[inline]
pub(super) fn parse_v4(tok: &[u8], dots: u64) -> Option<u32> {
    let [p1, p2, p3] = three_dots(dots)?;
    let mut addr = 0u32;
    let mut bad = false;
    for (a, b) in [(0, p1), (p1 + 1, p2), (p2 + 1, p3), (p3 + 1, tok.len())] {
        let n = b - a;
        if n == 0 || n > 3 {
            return None;
        }
        let digit = |i: usize| (tok[i] - b'0') as u32;
        let tens = if n >= 2 { b - 2 } else { b - 1 };
        let hundreds = if n == 3 { b - 3 } else { b - 1 };
        let v = digit(b - 1)
            + digit(tens) * if n >= 2 { 10 } else { 0 }
            + digit(hundreds) * if n == 3 { 100 } else { 0 };
        bad |= v > 255 || (n > 1 && tok[a] == b'0');
        addr = (addr << 8) | v;
    }
    (!bad).then_some(addr)
}

/// The positions of the three dots that `dots` marks, in order; `None` unless it marks exactly
/// three.
#[inline(always)]
fn three_dots(dots: u64) -> Option<[usize; 3]> {
    if !three_bits(dots) {
        return None;
    }
    let d1 = dots & (dots - 1);
    let d2 = d1 & (d1 - 1);
    Some([
        dots.trailing_zeros() as usize,
        d1.trailing_zeros() as usize,
        d2.trailing_zeros() as usize,
    ])
}

/// Whether exactly three bits are set (without popcount, which baseline x86-64 lacks).
#[inline(always)]
pub(super) fn three_bits(m: u64) -> bool {
    let a = m & m.wrapping_sub(1);
    let b = a & a.wrapping_sub(1);
    (b != 0) & (b & b.wrapping_sub(1) == 0)
}

#[cfg(target_arch = "x86_64")]
mod ssse3 {
    use super::{parse_v4, Token};
    use std::arch::x86_64::*;

    /// The octet lengths (each 1 to 3) of pattern `id`: `id` is their base-3 number, less one
    /// each, most significant first.
    const fn lengths(id: usize) -> [usize; 4] {
        [id / 27 + 1, id / 9 % 3 + 1, id / 3 % 3 + 1, id % 3 + 1]
    }

    /// For each pattern, the shuffle that puts octet `k`'s hundreds, tens and units digits in
    /// bytes `4k`, `4k + 1` and `4k + 2` (zero where the octet is shorter) and zero in byte
    /// `4k + 3` (an index with the high bit set makes a zero byte).
    static SHUFFLES: [[u8; 16]; 81] = {
        let mut t = [[0x80u8; 16]; 81];
        let mut id = 0;
        while id < 81 {
            let n = lengths(id);
            let (mut k, mut start) = (0, 0);
            while k < 4 {
                let end = start + n[k];
                t[id][4 * k + 2] = (end - 1) as u8;
                if n[k] >= 2 {
                    t[id][4 * k + 1] = (end - 2) as u8;
                }
                if n[k] == 3 {
                    t[id][4 * k] = (end - 3) as u8;
                }
                start = end + 1;
                k += 1;
            }
            id += 1;
        }
        t
    };

    /// No pattern: the shape of a token that is not four octets of one to three digits.
    const NO_SHAPE: u8 = u8::MAX;

    /// The pattern of each token shape, by the shape's key ([`shape_key`]): the one table read
    /// replaces finding the three dots and testing four lengths. Only the 81 keys of addresses
    /// hold a pattern, so a scan's reads touch a few of its cache lines.
    static SHAPES: [u8; 1 << 16] = {
        let mut t = [NO_SHAPE; 1 << 16];
        let mut id = 0;
        while id < 81 {
            let n = lengths(id);
            let (mut dots, mut at, mut k) = (0u64, 0, 0);
            while k < 3 {
                at += n[k];
                dots |= 1 << at;
                at += 1;
                k += 1;
            }
            t[shape_key(at + n[3], dots)] = id as u8;
            id += 1;
        }
        t
    };

    /// A token's shape as one number: its dots (bit 0 for its first byte), and a bit for its
    /// length just above them. Under 2^16 for the tokens of at most 15 bytes that can be
    /// addresses.
    const fn shape_key(len: usize, dots: u64) -> usize {
        (dots | 1 << len) as usize
    }

    /// For each pattern, the least value of each octet: 10 for two digits and 100 for three,
    /// as a smaller one would have a leading zero.
    static LEAST: [[i32; 4]; 81] = {
        let mut t = [[0i32; 4]; 81];
        let mut id = 0;
        while id < 81 {
            let n = lengths(id);
            let mut k = 0;
            while k < 4 {
                t[id][k] = [0, 0, 10, 100][n[k]];
                k += 1;
            }
            id += 1;
        }
        t
    };

    /// [`super::parse_all`] with SSSE3.
    ///
    /// # Safety
    /// The CPU must support SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn parse_all(
        text: &[u8],
        quads: &[Token],
        mut each: impl FnMut(&Token, Option<u32>),
    ) {
        for tok in quads {
            let addr = match text.get(tok.start..tok.start + 16) {
                Some(window) => parse(window, tok.end - tok.start, tok.dots),
                None => parse_v4(&text[tok.start..tok.end], tok.dots),
            };
            each(tok, addr);
        }
    }

    /// Parses the `len` bytes at the start of `window` (16 bytes), `dots` marking their dots.
    #[inline]
    #[target_feature(enable = "ssse3")]
    fn parse(window: &[u8], len: usize, dots: u64) -> Option<u32> {
        debug_assert!(dots >> len.min(63) == 0, "dots outside the token");
        if len > 15 || window.len() < 16 {
            return None;
        }
        let id = usize::from(SHAPES[shape_key(len, dots) & 0xffff]);
        if id == usize::from(NO_SHAPE) {
            return None;
        }
        // SAFETY: the loads read 16 bytes of `window` (checked above) and of the tables'
        // 16-byte entries; all unaligned loads.
        let (bytes, shuffle, least) = unsafe {
            (
                _mm_loadu_si128(window.as_ptr().cast()),
                _mm_loadu_si128(SHUFFLES[id].as_ptr().cast()),
                _mm_loadu_si128(LEAST[id].as_ptr().cast()),
            )
        };
        // Digits become 0 to 9; the shuffle keeps only digits (and zeros).
        let digits = _mm_shuffle_epi8(_mm_sub_epi8(bytes, _mm_set1_epi8(b'0' as i8)), shuffle);
        // (100 h + 10 t, u) in 16-bit lanes, then summed in 32-bit lanes: one octet each.
        let weights = _mm_setr_epi8(100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0);
        let octets = _mm_madd_epi16(_mm_maddubs_epi16(digits, weights), _mm_set1_epi16(1));
        let bad = _mm_or_si128(
            _mm_cmpgt_epi32(octets, _mm_set1_epi32(255)),
            _mm_cmpgt_epi32(least, octets),
        );
        if _mm_movemask_epi8(bad) != 0 {
            return None;
        }
        // Each lane fits a byte: narrowed twice, the low four bytes are the octets in order.
        let narrow = _mm_packus_epi16(_mm_packs_epi32(octets, octets), octets);
        Some((_mm_cvtsi128_si32(narrow) as u32).swap_bytes())
    }

    #[cfg(test)]
    pub(super) fn parse_checked(window: &[u8; 16], len: usize, dots: u64) -> Option<Option<u32>> {
        is_x86_feature_detected!("ssse3").then(|| {
            // SAFETY: the CPU has SSSE3, checked just above.
            unsafe { parse(window, len, dots) }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    /// The dots of a string, bit 0 for its first byte.
    fn dots_of(s: &[u8]) -> u64 {
        s.iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'.')
            .fold(0, |m, (i, _)| m | 1 << i)
    }

    /// The vector parser's answer for `s` followed by `rest` (None where the CPU lacks SSSE3).
    fn vector(s: &[u8], dots: u64, rest: &[u8]) -> Option<Option<u32>> {
        #[cfg(target_arch = "x86_64")]
        {
            let mut window = [0u8; 16];
            let n = s.len().min(16);
            window[..n].copy_from_slice(&s[..n]);
            for (w, &r) in window[n..].iter_mut().zip(rest.iter().cycle()) {
                *w = r;
            }
            ssse3::parse_checked(&window, s.len(), dots)
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = (s, dots, rest);
            None
        }
    }

    #[test]
    fn v4_parser_agrees_with_std() {
        for s in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "000.1.1.1",
            "10.0.0.10",
            "1.2.3.04",
            "99999.1.1.1",
            "255.255.255.256",
            "1.22.233.4",
            "9.99.199.0",
            "0.0.0.00",
            "300.1.1.1",
            "1.2.3.4.",
            "1.2.3..4",
            "1.2.3.1000",
        ] {
            let std = s.parse::<Ipv4Addr>().ok().map(u32::from);
            let dots = dots_of(s.as_bytes());
            assert_eq!(parse_v4(s.as_bytes(), dots), std, "{s}");
            if let Some(v) = vector(s.as_bytes(), dots, b"9.") {
                assert_eq!(v, std, "vector: {s}");
            }
        }
    }

    #[test]
    fn v4_parser_agrees_with_std_on_random_digit_and_dot_strings() {
        struct Rng(u64);
        impl Rng {
            fn below(&mut self, n: u64) -> u64 {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                self.0 % n
            }
            /// Zeros and ones often, for leading zeros and values near 255.
            fn digit(&mut self) -> u8 {
                match self.below(4) {
                    0 => b'0',
                    1 => b'1' + self.below(2) as u8,
                    _ => b'0' + self.below(10) as u8,
                }
            }
        }
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut valid = 0;
        for _ in 0..300_000 {
            // Digits and dots only, as the walk hands over: half the time four octets of zero
            // to four digits, else dots at random.
            let s: Vec<u8> = if r.below(2) == 0 {
                let octets: Vec<Vec<u8>> = (0..4)
                    .map(|_| {
                        let n = [1, 1, 2, 3, 3, 0, 4][r.below(7) as usize];
                        (0..n).map(|_| r.digit()).collect()
                    })
                    .collect();
                octets.join(&b'.')
            } else {
                let len = 1 + r.below(17) as usize;
                (0..len)
                    .map(|_| if r.below(4) == 0 { b'.' } else { r.digit() })
                    .collect()
            };
            let dots = dots_of(&s);
            let std = std::str::from_utf8(&s)
                .unwrap()
                .parse::<Ipv4Addr>()
                .ok()
                .map(u32::from);
            valid += usize::from(std.is_some());
            assert_eq!(parse_v4(&s, dots), std, "{}", String::from_utf8_lossy(&s));
            // The vector parser reads 16 bytes: whatever text follows the token, here more
            // digits and dots.
            let rest: Vec<u8> = (0..16)
                .map(|_| if r.below(3) == 0 { b'.' } else { r.digit() })
                .collect();
            if let Some(v) = vector(&s, dots, &rest) {
                assert_eq!(v, std, "vector: {}", String::from_utf8_lossy(&s));
            }
        }
        assert!(valid > 5_000, "{valid} valid addresses among the samples");
    }

    #[test]
    fn three_bits_counts() {
        for m in [0u64, 1, 3, 7, 0b1011, 0b1111, 1 << 63 | 5, u64::MAX] {
            assert_eq!(three_bits(m), m.count_ones() == 3, "{m:b}");
        }
    }
}
