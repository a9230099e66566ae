//! Every feed parser on arbitrary bytes: values or errors, never a panic; every record added,
//! merged or rejected with an error of its own at a line the input has; a strict load fails
//! exactly when a lenient one rejects something, and otherwise reports the same; loading the
//! same input again adds nothing and merges every record.
#![no_main]

use iocmatch::{Format, IndicatorSet, LoadOptions, Severity};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, input)) = data.split_first() else {
        return;
    };
    // The first byte picks a format, or detection from the content.
    let format = Format::ALL
        .get(usize::from(pick) % (Format::ALL.len() + 1))
        .copied();
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        format,
        max_diagnostics: usize::MAX,
        ..LoadOptions::default()
    };
    let report = set
        .load("fuzz", input, &opts)
        .expect("a lenient load reports bad records and never fails");
    assert_eq!(
        report.added + report.merged + report.rejected,
        report.records
    );
    assert_eq!(
        report.per_kind.values().sum::<usize>(),
        report.added + report.merged
    );
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(report.rejected, errors, "one error per rejected record");
    // Line 0 is a location without a line (records inside a JSON document); any other line is
    // one the input has.
    let lines = input.split(|&b| b == b'\n').count() as u64;
    for d in &report.diagnostics {
        assert!(u64::from(d.location.line) <= lines, "{d:?} past the end");
    }

    let strict = LoadOptions {
        strict: true,
        ..opts.clone()
    };
    let before = set.len();
    let mut copy = set.clone();
    match copy.load("fuzz", input, &strict) {
        Ok(_) => assert_eq!(report.rejected, 0, "a strict load took a bad record"),
        Err(_) => {
            assert!(report.rejected > 0, "a strict load failed a clean input");
            assert_eq!(copy.len(), before, "a failed strict load changed the set");
        }
    }
    if report.rejected == 0 {
        let mut fresh = IndicatorSet::new();
        let again = fresh.load("fuzz", input, &strict).expect("clean input");
        assert_eq!(
            again, report,
            "strict and lenient loads of a clean input differ"
        );
    }

    let again = set.load("fuzz", input, &opts).expect("lenient");
    assert_eq!(again.added, 0, "a second load added indicators");
    assert_eq!(again.merged, report.added + report.merged);
    assert_eq!(set.len(), before);

    if let Ok(m) = set.compile() {
        let _ = m.scan_lines(input);
    }
});
