//! Runs the shared TOML case suite (`tests/cases/*.toml` at the workspace root) against both the
//! fast matcher and the naive reference. Every case must give exactly its expected matches.

use std::collections::BTreeMap;
use std::path::PathBuf;

use iocmatch::reference::NaiveMatcher;
use iocmatch::{Format, Hit, How, IndicatorSet, Kind, LoadOptions, Match, Matcher};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Suite {
    #[serde(default)]
    case: Vec<ScanCase>,
    #[serde(default)]
    lookup: Vec<LookupCase>,
    #[serde(default)]
    invalid: Vec<InvalidCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    text: Option<String>,
    indicator: String,
    how: String,
    kind: Option<String>,
    at: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScanCase {
    name: String,
    indicators: String,
    format: Option<String>,
    input: String,
    expect: Vec<Expected>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupCase {
    name: String,
    indicators: String,
    format: Option<String>,
    kind: String,
    value: String,
    expect: Vec<Expected>,
    error: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidCase {
    name: String,
    indicators: String,
    format: Option<String>,
    line: u32,
    message: String,
}

fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases")
}

fn load_suites() -> Vec<(String, Suite)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/cases exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        let suite: Suite = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((p.file_name().unwrap().to_string_lossy().into_owned(), suite));
    }
    assert!(!out.is_empty());
    out
}

fn build(name: &str, indicators: &str, format: &Option<String>) -> (IndicatorSet, Matcher) {
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        format: Some(
            format
                .as_deref()
                .map_or(Format::Text, |f| f.parse().unwrap()),
        ),
        ..LoadOptions::default()
    };
    set.load("case", indicators.as_bytes(), &opts)
        .unwrap_or_else(|e| panic!("{name}: indicators do not load: {e:?}"));
    let m = set.compile().unwrap_or_else(|e| panic!("{name}: {e}"));
    (set, m)
}

fn how_name(h: How) -> String {
    match h {
        How::Cidr { prefix_len } => format!("cidr/{prefix_len}"),
        h => h.name().to_string(),
    }
}

/// A match as the suite writes it: (start if given, text, indicator, kind, how).
type Row = (
    Option<usize>,
    Option<String>,
    String,
    Option<String>,
    String,
);

fn expected_rows(expect: &[Expected], with_pos: bool) -> Vec<Row> {
    let mut rows: Vec<Row> = expect
        .iter()
        .map(|e| {
            (
                e.at.filter(|_| with_pos),
                e.text.clone(),
                e.indicator.clone(),
                e.kind.clone(),
                e.how.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn actual_rows(m: &Matcher, input: &str, found: &[Match], expect: &[Expected]) -> Vec<Row> {
    let with_pos = expect.iter().any(|e| e.at.is_some());
    let with_kind = expect.iter().any(|e| e.kind.is_some());
    let mut rows: Vec<Row> = found
        .iter()
        .map(|f| {
            let ind = m.indicator(f.indicator);
            (
                Some(f.start).filter(|_| with_pos),
                Some(input[f.start..f.end].to_string()),
                ind.value.clone(),
                with_kind.then(|| ind.kind.name().to_string()),
                how_name(f.how),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn scan_cases() {
    let mut count = 0;
    for (file, suite) in load_suites() {
        for c in &suite.case {
            let (set, m) = build(&c.name, &c.indicators, &c.format);
            let naive = NaiveMatcher::new(set.indicators());
            let with_pos = c.expect.iter().any(|e| e.at.is_some());
            assert!(
                !with_pos || c.expect.iter().all(|e| e.at.is_some()),
                "{file}: {}: give `at` for every expected match or for none",
                c.name
            );
            let want = expected_rows(&c.expect, with_pos);
            let fast = actual_rows(&m, &c.input, &m.scan(c.input.as_bytes()), &c.expect);
            let slow = actual_rows(&m, &c.input, &naive.scan(c.input.as_bytes()), &c.expect);
            assert_eq!(fast, want, "{file}: {}: fast engine", c.name);
            assert_eq!(slow, want, "{file}: {}: naive reference", c.name);
            count += 1;
        }
    }
    assert!(count > 20, "only {count} scan cases");
}

fn lookup(m: &Matcher, kind: &str, value: &str) -> Result<Vec<Hit>, iocmatch::Error> {
    match kind {
        "ip" => Ok(m.ip(value.parse().expect("lookup value is an address"))),
        "domain" => m.domain(value),
        "url" => m.url(value),
        "email" => m.email(value),
        "hash" => m.hash(value),
        "any" => Ok(m.lookup(value)),
        k => Ok(m.string(k.parse::<Kind>().unwrap(), value)),
    }
}

#[test]
fn lookup_cases() {
    let mut count = 0;
    for (file, suite) in load_suites() {
        for c in &suite.lookup {
            let (_, m) = build(&c.name, &c.indicators, &c.format);
            let got = lookup(&m, &c.kind, &c.value);
            if c.error == Some(true) {
                assert!(
                    got.is_err(),
                    "{file}: {}: expected an error, got {got:?}",
                    c.name
                );
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("{file}: {}: {e}", c.name));
            let mut rows: Vec<(String, String)> = got
                .iter()
                .map(|h| (m.indicator(h.indicator).value.clone(), how_name(h.how)))
                .collect();
            // Order matters for lookups: most specific first.
            let want: Vec<(String, String)> = c
                .expect
                .iter()
                .map(|e| (e.indicator.clone(), e.how.clone()))
                .collect();
            if c.kind == "any" {
                rows.sort();
                let mut w = want.clone();
                w.sort();
                assert_eq!(rows, w, "{file}: {}", c.name);
            } else {
                assert_eq!(rows, want, "{file}: {}", c.name);
            }
            count += 1;
        }
    }
    assert!(count > 5, "only {count} lookup cases");
}

#[test]
fn invalid_cases() {
    let mut count = 0;
    for (file, suite) in load_suites() {
        for c in &suite.invalid {
            let mut set = IndicatorSet::new();
            let fmt = c.format.as_deref().map(|f| f.parse().unwrap());
            let lenient = LoadOptions {
                format: fmt,
                ..LoadOptions::default()
            };
            let report = set.load("case", c.indicators.as_bytes(), &lenient).unwrap();
            let errs: BTreeMap<u32, String> = report
                .errors()
                .map(|d| (d.location.line, d.message.clone()))
                .collect();
            let msg = errs.get(&c.line).unwrap_or_else(|| {
                panic!("{file}: {}: no error on line {}: {errs:?}", c.name, c.line)
            });
            assert!(
                msg.contains(&c.message),
                "{file}: {}: {msg:?} lacks {:?}",
                c.name,
                c.message
            );
            // Every other line still loads.
            let good_lines = report.records - report.rejected;
            assert_eq!(
                report.added + report.merged,
                good_lines,
                "{file}: {}",
                c.name
            );
            // Strict mode fails and leaves nothing behind.
            let strict = LoadOptions {
                format: fmt,
                strict: true,
                ..LoadOptions::default()
            };
            let mut empty = IndicatorSet::new();
            assert!(empty
                .load("case", c.indicators.as_bytes(), &strict)
                .is_err());
            assert!(empty.is_empty());
            count += 1;
        }
    }
    assert!(count > 5, "only {count} invalid cases");
}
