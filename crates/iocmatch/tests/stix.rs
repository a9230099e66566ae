//! STIX 2.1 bundles from the OASIS examples in ../shared/corpora (skipped when absent).

use std::path::PathBuf;

use iocmatch::{Format, IndicatorSet, Kind, LoadOptions, Severity};

fn corpus(name: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpora/stix2-examples")
        .join(name);
    p.exists().then_some(p)
}

#[test]
fn oasis_threat_reports_compile_with_every_problem_reported() {
    let (Some(apt1), Some(ivy)) = (
        corpus("threat-reports/apt1.json"),
        corpus("threat-reports/poisonivy.json"),
    ) else {
        eprintln!("skipped: shared/corpora/stix2-examples is absent");
        return;
    };
    let mut set = IndicatorSet::new();
    let r = set.load_path(&apt1, &LoadOptions::default()).unwrap();
    assert_eq!(r.format, Some(Format::Stix2));
    assert!(r.added >= 10, "{r:?}");
    assert!(set
        .indicators()
        .iter()
        .any(|i| i.kind == Kind::Cidr && i.value == "223.166.0.0/15"));
    let x509: Vec<&str> = r
        .errors()
        .map(|d| d.message.as_str())
        .filter(|m| m.contains("x509-certificate"))
        .collect();
    assert!(
        !x509.is_empty() && x509.iter().all(|m| m.starts_with("indicator--")),
        "{x509:?}"
    );
    assert_eq!(
        r.rejected,
        x509.len(),
        "only the x509 patterns are rejected"
    );

    let r = set.load_path(&ivy, &LoadOptions::default()).unwrap();
    let errors: Vec<&str> = r.errors().map(|d| d.message.as_str()).collect();
    assert!(
        errors.iter().any(|m| m.contains("domain autuo.xicp.net")),
        "{errors:?}"
    );
    assert!(r.added > 20);
    assert!(r
        .diagnostics
        .iter()
        .all(|d| d.severity == Severity::Warning || d.location.file.ends_with("poisonivy.json")));
    let m = set.compile().unwrap();
    let found = m.scan(b"beacon to www.webserver.dynssl.com at 113.10.246.30");
    assert_eq!(found.len(), 2, "{found:?}");
}

#[test]
fn every_oasis_example_loads_without_panic() {
    let Some(dir) = corpus("") else { return };
    for entry in std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("threat-reports")).unwrap())
    {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let r = IndicatorSet::new()
                .load_path(&p, &LoadOptions::default())
                .unwrap();
            assert_eq!(r.format, Some(Format::Stix2), "{}", p.display());
            assert_eq!(
                r.records,
                r.added + r.merged + r.rejected,
                "{}",
                p.display()
            );
        }
    }
}
