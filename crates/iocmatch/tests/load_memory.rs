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

/// Heap bytes per record that loading `text` (of `records` records) leaves held by the set.
fn per_record(text: &str, records: usize) -> usize {
    let before = IN_USE.load(Ordering::Relaxed);
    let mut set = IndicatorSet::new();
    let report = set
        .load("feed", text.as_bytes(), &LoadOptions::default())
        .unwrap();
    assert_eq!(report.added, records);
    let bytes = (IN_USE.load(Ordering::Relaxed) - before) / records;
    drop(set);
    bytes
}

/// A Zeek intel record (indicator, type, source, description) held in a set costs its value,
/// its origin with the metadata, and the index: a few hundred bytes, kept under 600, so that a
/// per-record structure of the old size (a map node of 544 bytes for the one `zeek_type` pair)
/// shows up here first. A plain-list record has no metadata: it shares the one empty value
/// and costs under 200 bytes (259 when each origin held the metadata fields itself).
#[test]
fn loaded_records_cost_their_value_origin_and_index() {
    const RECORDS: usize = 50_000;
    let mut intel = String::from("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n");
    let mut plain = String::new();
    for i in 0..RECORDS {
        intel.push_str(&format!(
            "host{i}.example.net\tIntel::DOMAIN\tfeed\tgenerated\n"
        ));
        plain.push_str(&format!("host{i}.example.net\n"));
    }
    let zeek = per_record(&intel, RECORDS);
    assert!(
        (100..600).contains(&zeek),
        "{zeek} bytes per Zeek intel record"
    );
    let listed = per_record(&plain, RECORDS);
    assert!(
        (40..200).contains(&listed),
        "{listed} bytes per plain-list record"
    );
}
