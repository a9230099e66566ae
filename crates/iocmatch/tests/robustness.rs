//! Hostile input: arbitrary bytes into every parser, normaliser and lookup must give values or
//! errors, never a panic; errors keep their locations.

use iocmatch::{normalize, Format, IndicatorSet, LoadOptions, Severity};
use proptest::prelude::*;

/// Bytes that matter to the parsers, mixed with anything at all.
fn feedish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"#fields\tindicator\tindicator_type\tmeta.source\n".to_vec()),
        Just(b"\tIntel::ADDR".to_vec()),
        Just(b"\tIntel::DOMAIN".to_vec()),
        Just(b"\tIntel::FILE_HASH".to_vec()),
        Just(b"\tkind=regex".to_vec()),
        Just(b"\tmatch=prefix".to_vec()),
        Just(b"\tconfidence=".to_vec()),
        Just(b"\tvalid_from=2024-02-30".to_vec()),
        Just(b"192.0.2.1/".to_vec()),
        Just(b"http://[".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\t".to_vec()),
        Just(b"-".to_vec()),
        Just(b"%".to_vec()),
        Just(b"xn--".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..12),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn loaders_never_panic_and_account_for_every_line(input in feedish()) {
        for format in Format::ALL {
            let mut set = IndicatorSet::new();
            let opts = LoadOptions { format: Some(format), ..LoadOptions::default() };
            let report = set.load("fuzz", &input, &opts).unwrap();
            prop_assert_eq!(report.added + report.merged + report.rejected, report.records);
            let errors = report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            prop_assert_eq!(errors, report.rejected);
            for d in &report.diagnostics {
                prop_assert!(d.location.line >= 1);
            }
            if let Ok(m) = set.compile() {
                let _ = m.scan(&input);
            }
        }
    }

    #[test]
    fn normalisers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = normalize::url(&bytes);
        let _ = normalize::domain(&text);
        let _ = normalize::email(&text);
        let _ = normalize::hash(&text);
        let _ = normalize::cidr(&text);
        let _ = normalize::detect(&text);
        let _ = normalize::indicator(&text, None, None);
        for kind in iocmatch::Kind::ALL {
            let _ = normalize::indicator(&text, Some(kind), None);
        }
    }
}
