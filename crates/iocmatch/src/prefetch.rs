//! A software prefetch: asking for a cache line before it is read, where the reads that need it
//! are known early but the hardware cannot guess them (the next page of a text, the buckets of
//! a batch of lookups).
#![allow(unsafe_code)]

/// Asks for the cache line holding `p` to be brought into the first-level cache. A hint only:
/// it reads nothing the program sees, and does nothing where the CPU has no such instruction.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address, and has no effect the program can
    // observe; `p` is not dereferenced.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
