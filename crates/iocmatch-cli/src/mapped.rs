//! Large plain log files mapped into memory, so that the scan reads the operating system's cached
//! pages in place instead of copying every byte into a buffer first. Pages are let go block by
//! block as the scan passes them, so a mapped file of any size keeps about one block resident.
//!
//! A mapped file that shrinks under the scan (truncated in place, as `copytruncate` log rotation
//! does) makes the next read of a page past its new end raise `SIGBUS`. That cannot be turned
//! into an error at the read, so a handler ends the process with a one-line message naming the
//! file and exit status 2, instead of the default signal death. Records are written out after
//! every block, so what is lost is at most the records of the block being scanned. A `SIGBUS`
//! at an address outside the map being scanned is not this case: the handler steps aside and
//! the signal takes its default course.
//!
//! Unix only; elsewhere every file is read.

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

/// Maps in the pages of `map[start..start + len]` (a block about to be scanned) in one call,
/// where the scan's reads would fault them in a few at a time. Where the system cannot (Linux
/// before 5.14, other systems), the reads fault them in as before.
pub fn populate(map: &Mmap, start: usize, len: usize) {
    #[cfg(target_os = "linux")]
    let _ = map.advise_range(Advice::PopulateRead, start, len);
    #[cfg(not(target_os = "linux"))]
    let _ = (map, start, len);
}

/// Drops the pages of `map[start..start + len]` (a block already scanned) from this process, so
/// that its resident memory stays about a block however large the file is. They stay in the
/// operating system's cache.
pub fn release(map: &Mmap, start: usize, len: usize) {
    // SAFETY: the map is a shared, read-only map of a file. MADV_DONTNEED on it unmaps pages,
    // and the next access to one maps it again from the file: the bytes read are the file's, as
    // they are for every other page of the map (it zero-fills only private or anonymous
    // memory). The range is rounded out to whole pages, so the page that the next block starts
    // in is unmapped too and mapped again when that block is read.
    #[allow(unsafe_code)]
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
}

/// The mapped file being scanned, for the `SIGBUS` handler: its name, and the addresses of its
/// map. Only the scan of one large file at a time maps, so one of each suffices.
static NAME: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static NAME_LEN: AtomicUsize = AtomicUsize::new(0);
static MAP_START: AtomicUsize = AtomicUsize::new(0);
static MAP_END: AtomicUsize = AtomicUsize::new(0);

/// Marks `map` as the map being scanned, under `name`, while it lives.
pub struct Scanning<'a> {
    _name: &'a str,
    _map: &'a Mmap,
}

impl<'a> Scanning<'a> {
    pub fn new(name: &'a str, map: &'a Mmap) -> Self {
        let start = map.as_ptr() as usize;
        MAP_START.store(start, Ordering::Release);
        MAP_END.store(start + map.len(), Ordering::Release);
        NAME_LEN.store(name.len(), Ordering::Release);
        NAME.store(name.as_ptr().cast_mut(), Ordering::Release);
        Scanning {
            _name: name,
            _map: map,
        }
    }
}

impl Drop for Scanning<'_> {
    fn drop(&mut self) {
        NAME.store(std::ptr::null_mut(), Ordering::Release);
        MAP_END.store(0, Ordering::Release);
        MAP_START.store(0, Ordering::Release);
    }
}

fn install_handler() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: `on_sigbus` only loads atomics and calls write(2), sigaction(2) and _exit(2),
        // which are async-signal-safe; the sigaction struct is fully initialised before use.
        #[allow(unsafe_code)]
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

extern "C" fn on_sigbus(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t to an SA_SIGINFO handler.
    #[allow(unsafe_code)]
    let addr = unsafe { (*info).si_addr() } as usize;
    let name = NAME.load(Ordering::Acquire);
    let in_map =
        (MAP_START.load(Ordering::Acquire)..MAP_END.load(Ordering::Acquire)).contains(&addr);
    #[allow(unsafe_code)]
    if name.is_null() || !in_map {
        // Not a mapped input that shrank: restore the default action and return, so that the
        // faulting access raises the signal again and ends the process as it would have.
        // SAFETY: a zeroed sigaction with SIG_DFL (0) as its handler is valid.
        unsafe {
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(signal, &default, std::ptr::null_mut());
        }
        return;
    }
    let write = |bytes: &[u8]| {
        // SAFETY: write(2) on standard error from a valid slice.
        #[allow(unsafe_code)]
        unsafe {
            libc::write(2, bytes.as_ptr().cast(), bytes.len());
        }
    };
    write(b"iocmatch: error: ");
    // SAFETY: `Scanning` keeps the name alive while the pointer is set.
    #[allow(unsafe_code)]
    write(unsafe { std::slice::from_raw_parts(name, NAME_LEN.load(Ordering::Acquire)) });
    write(b": the file shrank or could not be read while it was being scanned; scan stopped\n");
    // SAFETY: ends the process at once, as the default action for SIGBUS would, with status 2.
    #[allow(unsafe_code)]
    unsafe {
        libc::_exit(2)
    }
}
