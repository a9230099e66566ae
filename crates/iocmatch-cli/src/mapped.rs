//! Large plain log files mapped into memory, so that the scan reads the operating system's cached
//! pages in place instead of copying every byte into a buffer first. Pages are let go block by
//! block as the scan passes them, so a mapped file of any size keeps about one block resident.
//!
//! A mapped file that shrinks under the scan (truncated in place, as `copytruncate` log rotation
//! does) makes the next read of a page past its new end raise `SIGBUS`. That cannot be turned
//! into an error at the read, so a handler ends the process with a one-line message naming the
//! file and exit status 2, instead of the default signal death.

use std::fs::File;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Once;

use memmap2::{Advice, Mmap};

/// Maps `file` (a regular file of `len` bytes) for reading, or `None` where mapping is refused
/// (some file systems cannot map), in which case the caller reads the file instead.
pub fn map(file: &File, len: u64) -> Option<Mmap> {
    install_handler();
    // SAFETY: the map is read only. Another process may change or truncate the file under it:
    // changed bytes are scanned as they are when read, and pages gone after a truncation raise
    // SIGBUS, which the handler below turns into an error exit.
    #[allow(unsafe_code)]
    let map = unsafe { memmap2::MmapOptions::new().len(len as usize).map(file) }.ok()?;
    // The scan reads the file once, front to back: ask for read-ahead.
    let _ = map.advise(Advice::Sequential);
    Some(map)
}

/// Drops the pages of `map[start..start + len]` (a block already scanned) from this process, so
/// that its resident memory stays about a block however large the file is. They stay in the
/// operating system's cache; reading them again (the page the next block starts in) maps them
/// again, unchanged.
pub fn release(map: &Mmap, start: usize, len: usize) {
    // SAFETY: the map is a shared read-only map of a file; MADV_DONTNEED on it unmaps pages
    // that the next access maps again from the file, with the same bytes (it zero-fills only
    // private or anonymous memory). No reference into the range is used after the call but
    // through `map`, which reads the file again.
    #[allow(unsafe_code)]
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
}

/// The name of the mapped file being scanned, for the `SIGBUS` message. Only the scan of one
/// large file at a time maps, so one name suffices.
static NAME: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);

/// Names the mapped file in the `SIGBUS` message while it lives.
pub struct Named<'a> {
    _name: &'a str,
}

impl<'a> Named<'a> {
    pub fn new(name: &'a str) -> Self {
        NAME_LEN.store(name.len(), Ordering::Release);
        NAME.store(name.as_ptr().cast_mut(), Ordering::Release);
        Named { _name: name }
    }
}

impl Drop for Named<'_> {
    fn drop(&mut self) {
        NAME.store(std::ptr::null_mut(), Ordering::Release);
    }
}

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `on_sigbus` only loads atomics, calls write(2) and _exit(2), which are
        // async-signal-safe; the sigaction struct is fully initialised before the call.
        #[allow(unsafe_code)]
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

extern "C" fn on_sigbus(_signal: libc::c_int) {
    let write = |bytes: &[u8]| {
        // SAFETY: write(2) on standard error from a valid slice.
        #[allow(unsafe_code)]
        unsafe {
            libc::write(2, bytes.as_ptr().cast(), bytes.len());
        }
    };
    write(b"iocmatch: error: ");
    let name = NAME.load(Ordering::Acquire);
    if name.is_null() {
        write(b"an input file");
    } else {
        // SAFETY: `Named` keeps the name alive while the pointer is set.
        #[allow(unsafe_code)]
        write(unsafe { std::slice::from_raw_parts(name, NAME_LEN.load(Ordering::Acquire)) });
    }
    write(b": the file shrank or could not be read while it was being scanned; scan stopped\n");
    // SAFETY: ends the process at once, as the default action for SIGBUS would, with status 2.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(2)
    }
}
