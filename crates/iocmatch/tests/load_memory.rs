//! What a loaded indicator costs in heap memory, counted by a global allocator (this test binary
//! holds this one test, so nothing else allocates beside it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use iocmatch::{IndicatorSet, LoadOptions};

/// The system allocator, counting the bytes in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is kept.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// A Zeek intel record (indicator, type, source, description) held in a set costs its value,
/// its origin with the metadata, and the index: a few hundred bytes. Kept under 600, so that a
/// per-record structure of the old size (a map node of 500 bytes for the one `zeek_type` pair)
/// shows up here first.
#[test]
fn a_loaded_zeek_intel_record_costs_a_few_hundred_bytes() {
    const RECORDS: usize = 50_000;
    let mut text = String::from("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n");
    for i in 0..RECORDS {
        text.push_str(&format!(
            "host{i}.example.net\tIntel::DOMAIN\tfeed\tgenerated\n"
        ));
    }
    let before = IN_USE.load(Ordering::Relaxed);
    let mut set = IndicatorSet::new();
    let report = set
        .load("intel.zeek", text.as_bytes(), &LoadOptions::default())
        .unwrap();
    assert_eq!(report.added, RECORDS);
    let per_record = (IN_USE.load(Ordering::Relaxed) - before) / RECORDS;
    assert!(per_record < 600, "{per_record} bytes per loaded record");
    assert!(
        per_record > 100,
        "{per_record}: the count should see the records"
    );
    drop(set);
}
