//! Every feed parser on arbitrary bytes: values or errors with locations, never a panic, every
//! record accounted for; a strict load that fails leaves the set as it was.
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
    let errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(report.rejected, errors, "one error per rejected record");
    assert!(report.diagnostics.iter().all(|d| d.location.line >= 1));
    assert_eq!(set.len(), report.added);

    let strict = LoadOptions {
        strict: true,
        ..opts
    };
    let mut strict_set = IndicatorSet::new();
    match strict_set.load("fuzz", input, &strict) {
        Ok(r) => assert_eq!(r.rejected, 0),
        Err(_) => assert_eq!(strict_set.len(), 0, "a failed strict load adds nothing"),
    }
    if let Ok(m) = set.compile() {
        let _ = m.scan_lines(input);
    }
});
