//! A software prefetch: asking for a cache line before it is read, where the reads that need it
//! are known early but the hardware cannot guess them (the next page of a text, the buckets of
//! a batch of lookups).
#![allow(unsafe_code)]

/// Asks for the cache line holding `p` to be brought into the first-level cache. A hint only:
/// it reads nothing the program sees, and does nothing where the CPU has no such instruction.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    ask::<false, T>(p)
}

/// [`prefetch`] of `items[i]`, where there is one: tables that may be empty, and indexes taken
/// from data, ask for nothing rather than for an address outside the table, which would cost
/// the processor a page walk for no line.
#[inline(always)]
pub(crate) fn prefetch_index<T>(items: &[T], i: usize) {
    if let Some(item) = items.get(i) {
        prefetch(item);
    }
}

/// Asks for the cache line holding `p` to be brought into the second-level cache, not the
/// first: for reads asked for well before they are made, many lines at once (the IPv4
/// batch's runs, where the same asks into the first-level cache were slower).
#[inline(always)]
pub(crate) fn prefetch_l2<T>(p: *const T) {
    ask::<true, T>(p)
}

/// The prefetch instruction, into the second-level cache or the first.
#[inline(always)]
fn ask<const SECOND_LEVEL: bool, T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address, and has no effect the program can
    // observe; `p` is not dereferenced.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};
        if SECOND_LEVEL {
            _mm_prefetch::<_MM_HINT_T1>(p.cast());
        } else {
            _mm_prefetch::<_MM_HINT_T0>(p.cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
