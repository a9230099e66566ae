//! Hex digits decoded to bytes and checked in the same pass: 32 digits a step with SSE2 on
//! x86-64 (which every x86-64 CPU has), then eight a step in a word (the rest of a SHA-1 or
//! SHA-224 digest, and everything on other CPUs), then a pair a step for any rest (no digest
//! length has one). The batched digest lookup decodes with AVX2 where the CPU has it ([`Avx2`]):
//! 32 digits in one register, the last step overlapping the one before for lengths that are
//! not multiples of 32. Digests are stored and compared decoded: half the bytes of their hex,
//! with case gone.
#![allow(unsafe_code)]

use super::hashing::{hex_word, word};

/// The longest digest, in bytes (SHA-512).
pub(crate) const MAX_BYTES: usize = 64;

/// Decodes hex digits (any case) into `out`, returning the byte count; `None` if `hex` has an
/// odd length, more than twice `out`'s length (128 digits), or anything but hex digits.
#[inline]
pub(crate) fn decode(hex: &[u8], out: &mut [u8; MAX_BYTES]) -> Option<usize> {
    if !hex.len().is_multiple_of(2) || hex.len() > 2 * MAX_BYTES {
        return None;
    }
    decode_checked(hex, out).then_some(hex.len() / 2)
}

/// [`decode`] of exactly `HEX` digits, returning whether all were hex digits: with the length
/// fixed its loops unroll, and no branch depends on the length (which, in a batch of digests of
/// mixed lengths, the processor cannot guess).
#[inline(always)]
pub(crate) fn decode_exact<const HEX: usize>(hex: &[u8; HEX], out: &mut [u8; MAX_BYTES]) -> bool {
    const { assert!(HEX.is_multiple_of(2) && HEX <= 2 * MAX_BYTES) };
    decode_checked(hex, out)
}

/// How a batch decodes its digests: [`Plain`] on any CPU, [`Avx2`] where the CPU has it.
pub(crate) trait Decode: Copy {
    /// [`decode_exact`] in this build.
    fn decode_exact<const HEX: usize>(self, hex: &[u8; HEX], out: &mut [u8; MAX_BYTES]) -> bool;

    /// Runs `f` inside a function compiled with this build's instructions, so that the
    /// decoding inlined into `f` uses them (a target feature reaches only code inlined into a
    /// function that has it).
    fn build<R>(self, f: impl FnOnce() -> R) -> R;
}

/// The decoding for any CPU: [`decode_exact`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Plain;

impl Decode for Plain {
    #[inline(always)]
    fn decode_exact<const HEX: usize>(self, hex: &[u8; HEX], out: &mut [u8; MAX_BYTES]) -> bool {
        decode_exact(hex, out)
    }

    #[inline(always)]
    fn build<R>(self, f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// The decoding with AVX2: a value exists only where the CPU has it.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
pub(crate) struct Avx2(());

impl Avx2 {
    /// The AVX2 decoding, if this CPU has AVX2.
    pub(crate) fn detect() -> Option<Avx2> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(Avx2(()));
        }
        None
    }
}

impl Decode for Avx2 {
    #[inline(always)]
    fn decode_exact<const HEX: usize>(self, hex: &[u8; HEX], out: &mut [u8; MAX_BYTES]) -> bool {
        const { assert!(HEX.is_multiple_of(2) && HEX <= 2 * MAX_BYTES) };
        #[cfg(target_arch = "x86_64")]
        if HEX >= 32 {
            let mut ok = true;
            // Whole steps of 32, then the last 32 digits (which overlap the step before and
            // write the same bytes where they do).
            let mut at = 0;
            while at + 32 <= HEX {
                // SAFETY: an `Avx2` is made only by `Avx2::detect`, on a CPU with AVX2.
                ok &= unsafe { avx2::decode_32(sub(hex, at), sub_mut(out, at / 2)) };
                at += 32;
            }
            if at < HEX {
                let last = HEX - 32;
                // SAFETY: as above.
                ok &= unsafe { avx2::decode_32(sub(hex, last), sub_mut(out, last / 2)) };
            }
            return ok;
        }
        decode_exact(hex, out)
    }

    #[inline(always)]
    fn build<R>(self, f: impl FnOnce() -> R) -> R {
        // SAFETY: an `Avx2` is made only by `Avx2::detect`, on a CPU with AVX2.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            avx2::build(f)
        }
        // Not reached: `detect` makes no `Avx2` elsewhere.
        #[cfg(not(target_arch = "x86_64"))]
        f()
    }
}

/// The `N` bytes of `b` from `at`.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn sub<const N: usize>(b: &[u8], at: usize) -> &[u8; N] {
    b[at..at + N].try_into().unwrap()
}

/// The `N` bytes of `b` from `at`, to write.
#[inline(always)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn sub_mut<const N: usize>(b: &mut [u8], at: usize) -> &mut [u8; N] {
    (&mut b[at..at + N]).try_into().unwrap()
}

/// [`decode`] of hex whose length is even and at most twice `out`'s.
#[inline(always)]
fn decode_checked(hex: &[u8], out: &mut [u8; MAX_BYTES]) -> bool {
    let mut ok = true;
    let mut at = 0; // digits decoded so far
    #[cfg(target_arch = "x86_64")]
    while let Some(digits) = hex.get(at..at + 32) {
        let (digits, bytes) = (digits.try_into().unwrap(), &mut out[at / 2..at / 2 + 16]);
        ok &= sse2::decode_32(digits, bytes.try_into().unwrap());
        at += 32;
    }
    while let Some(digits) = hex.get(at..at + 8) {
        let w = word(digits);
        ok &= hex_word(w);
        out[at / 2..at / 2 + 4].copy_from_slice(&decode_word(w).to_le_bytes());
        at += 8;
    }
    let mut bad = 0u8;
    for (o, pair) in out[at / 2..].iter_mut().zip(hex[at..].chunks_exact(2)) {
        let (hi, lo) = (VALUE[pair[0] as usize], VALUE[pair[1] as usize]);
        bad |= (hi | lo) & 0x80;
        *o = (hi << 4) | (lo & 0x0f);
    }
    ok && bad == 0
}

/// The four bytes that eight hex digits (as a little-endian word; `hex_word` holds) stand for.
#[inline(always)]
fn decode_word(w: u64) -> u32 {
    const LOW: u64 = 0x0f0f_0f0f_0f0f_0f0f;
    // A digit's value is its low four bits, plus 9 for a letter (`a`-`f` and `A`-`F` have bit
    // 6 set, `0`-`9` do not).
    let v = (w & LOW) + ((w >> 6) & 0x0101_0101_0101_0101) * 9;
    // Each pair of digits, high first, into the low byte of its 16 bits; then the four bytes
    // together.
    let v = ((v & 0x00ff_00ff_00ff_00ff) << 4) | ((v >> 8) & 0x00ff_00ff_00ff_00ff);
    let v = (v | (v >> 8)) & 0x0000_ffff_0000_ffff;
    (v | (v >> 16)) as u32
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    //! The intrinsics need `unsafe` for the CPU feature they use; SSE2 is part of x86-64
    //! itself, so every CPU this code runs on has it.
    use std::arch::x86_64::*;

    /// Decodes 32 hex digits into 16 bytes; returns whether all were hex digits.
    #[inline(always)]
    pub(super) fn decode_32(hex: &[u8; 32], out: &mut [u8; 16]) -> bool {
        // SAFETY: SSE2 is baseline on x86-64; the loads read 16 bytes each within `hex`, the
        // store writes 16 within `out`, and unaligned loads and stores are allowed.
        unsafe {
            let a = _mm_loadu_si128(hex.as_ptr().cast());
            let b = _mm_loadu_si128(hex.as_ptr().add(16).cast());
            let ((va, oka), (vb, okb)) = (values(a), values(b));
            let bytes = _mm_packus_epi16(pairs(va), pairs(vb));
            _mm_storeu_si128(out.as_mut_ptr().cast(), bytes);
            _mm_movemask_epi8(_mm_and_si128(oka, okb)) == 0xffff
        }
    }

    /// Each byte's digit value (0 where it is no digit), and a mask of the bytes that are.
    #[inline(always)]
    fn values(x: __m128i) -> (__m128i, __m128i) {
        // SAFETY: SSE2 is baseline on x86-64.
        unsafe {
            // Unsigned `x - lo <= span` tests `lo <= x <= lo + span` in one comparison.
            let within = |d, span| _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span)), d);
            let digit = _mm_sub_epi8(x, _mm_set1_epi8(b'0' as i8));
            let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
            let letter = _mm_sub_epi8(folded, _mm_set1_epi8(b'a' as i8));
            let (is_digit, is_letter) = (within(digit, 9), within(letter, 5));
            // The smaller offset is the value: a digit's letter offset wraps to over 200, and a
            // letter's digit offset is over 16.
            let v = _mm_min_epu8(digit, _mm_add_epi8(letter, _mm_set1_epi8(10)));
            (v, _mm_or_si128(is_digit, is_letter))
        }
    }

    /// Each pair of digit values (high first, so the low byte of its 16 bits) as one byte, in
    /// the low byte of the 16 bits.
    #[inline(always)]
    fn pairs(v: __m128i) -> __m128i {
        // SAFETY: SSE2 is baseline on x86-64.
        unsafe {
            let high = _mm_slli_epi16(_mm_and_si128(v, _mm_set1_epi16(0x00ff)), 4);
            _mm_or_si128(high, _mm_srli_epi16(v, 8))
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    //! The AVX2 decoding: its functions need a CPU with AVX2, which their callers check
    //! (through [`super::Avx2`]).
    use std::arch::x86_64::*;

    /// Runs `f` in a function compiled with AVX2, so that the decoding inlined into it does.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    #[inline(never)]
    pub(super) unsafe fn build<R>(f: impl FnOnce() -> R) -> R {
        f()
    }

    /// Decodes 32 hex digits into 16 bytes; returns whether all were hex digits.
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn decode_32(hex: &[u8; 32], out: &mut [u8; 16]) -> bool {
        let set = |b: u8| _mm256_set1_epi8(b as i8);
        // Unsigned `x - lo <= span` tests `lo <= x <= lo + span` in one comparison.
        let within = |d, span| _mm256_cmpeq_epi8(_mm256_min_epu8(d, set(span)), d);
        // SAFETY: the load reads the 32 bytes of `hex`; unaligned loads are allowed.
        let x = unsafe { _mm256_loadu_si256(hex.as_ptr().cast()) };
        let digit = _mm256_sub_epi8(x, set(b'0'));
        let letter = _mm256_sub_epi8(_mm256_or_si256(x, set(0x20)), set(b'a'));
        let ok = _mm256_or_si256(within(digit, 9), within(letter, 5));
        // The smaller offset is the value (as in the SSE2 form).
        let v = _mm256_min_epu8(digit, _mm256_add_epi8(letter, set(10)));
        // Each pair, high digit first, as 16 * high + low in its 16 bits; then the 16-bit
        // values as bytes: packed within each 128-bit half, the halves' low words together.
        let pairs = _mm256_maddubs_epi16(v, _mm256_set1_epi16(0x0110));
        let packed = _mm256_packus_epi16(pairs, pairs);
        let bytes = _mm256_castsi256_si128(_mm256_permute4x64_epi64::<0b1000>(packed));
        // SAFETY: the store writes the 16 bytes of `out`; unaligned stores are allowed.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), bytes) };
        _mm256_movemask_epi8(ok) == -1
    }
}

/// Hex digit values; 0x80 marks bytes that are not hex digits.
const VALUE: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_hex_of_either_case_and_rejects_the_rest() {
        let mut out = [0u8; MAX_BYTES];
        assert_eq!(decode(b"00ffA0b9", &mut out), Some(4));
        assert_eq!(&out[..4], &[0x00, 0xff, 0xa0, 0xb9]);
        for bad in [&b"0g"[..], b"abc", b"0x12", b"12 3", b"\xff\xff"] {
            assert_eq!(decode(bad, &mut out), None, "{bad:?}");
        }
        assert_eq!(decode(&[b'a'; 130], &mut out), None);
        assert_eq!(decode(&[b'A'; 128], &mut out), Some(64));
        assert_eq!(out, [0xaa; 64]);
    }

    /// Every way of decoding (32 digits a step, eight, two) against one digit at a time by the
    /// table, for every byte in every place of a text whose length takes every
    /// way: the same validity, and the same value where valid.
    #[test]
    fn every_width_decodes_as_digits_one_at_a_time() {
        let by_digit = |hex: &[u8]| -> Option<Vec<u8>> {
            let v: Vec<u8> = hex.iter().map(|&b| VALUE[b as usize]).collect();
            (v.iter().all(|&d| d < 0x80)).then(|| v.chunks(2).map(|p| (p[0] << 4) | p[1]).collect())
        };
        let mut out = [0u8; MAX_BYTES];
        let base: Vec<u8> = b"0123456789abcdefABCDEF"
            .iter()
            .cycle()
            .take(42)
            .copied()
            .collect();
        for at in 0..base.len() {
            for b in 0..=255u8 {
                let mut hex = base.clone();
                hex[at] = b;
                let got = decode(&hex, &mut out).map(|n| out[..n].to_vec());
                assert_eq!(got, by_digit(&hex), "byte {b:#x} at {at}");
            }
        }
    }

    /// The AVX2 decoding against the plain one, at every digest length, for every byte in
    /// every place: the same validity, and the same bytes where valid.
    #[test]
    fn avx2_decodes_as_the_plain_build() {
        let Some(avx2) = Avx2::detect() else {
            eprintln!("no AVX2 on this CPU: only the plain decoding runs");
            return;
        };
        fn each_length<const HEX: usize>(avx2: Avx2) {
            let base: [u8; HEX] = std::array::from_fn(|i| b"0123456789abcdefABCDEF"[i % 22]);
            let (mut plain, mut fast) = ([0u8; MAX_BYTES], [0u8; MAX_BYTES]);
            let mut valid = 0;
            for at in 0..HEX {
                for b in 0..=255u8 {
                    let mut hex = base;
                    hex[at] = b;
                    let want = Plain.decode_exact(&hex, &mut plain);
                    let got = avx2.build(|| avx2.decode_exact(&hex, &mut fast));
                    assert_eq!(got, want, "{HEX} digits, byte {b:#x} at {at}");
                    if want {
                        assert_eq!(
                            fast[..HEX / 2],
                            plain[..HEX / 2],
                            "{HEX} digits, {b:#x} at {at}"
                        );
                        valid += 1;
                    }
                }
            }
            assert_eq!(valid, 22 * HEX, "every hex digit in every place is valid");
        }
        each_length::<32>(avx2);
        each_length::<40>(avx2);
        each_length::<56>(avx2);
        each_length::<64>(avx2);
        each_length::<96>(avx2);
        each_length::<128>(avx2);
    }
}
