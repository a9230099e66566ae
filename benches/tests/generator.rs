//! The generator's ground truth is right: on small corpora, the naive reference and the fast
//! matcher find exactly the planted hits, in TSV and in JSON.

use iocmatch::reference::NaiveMatcher;
use iocmatch::{IndicatorSet, LoadOptions};
use iocmatch_bench::{generate, Planted, Spec};

fn found(set: &IndicatorSet, data: &[u8], naive: bool) -> Vec<Planted> {
    let m = set.compile().unwrap();
    let reference = NaiveMatcher::new(set.indicators());
    let mut out = Vec::new();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        let hits = if naive {
            reference.scan(line)
        } else {
            m.scan(line)
        };
        for h in hits {
            out.push(Planted {
                line: n,
                text: String::from_utf8_lossy(&line[h.start..h.end]).into_owned(),
                indicator: set.indicators()[h.indicator.index()].value.clone(),
            });
        }
    }
    out.sort();
    out
}

#[test]
fn planted_hits_are_the_only_hits() {
    for seed in [1, 2] {
        let spec = Spec {
            indicators: 600,
            lines: 2000,
            hit_rate: 0.05,
            near_miss_rate: 0.05,
            seed,
        };
        let c = generate(&spec);
        let mut set = IndicatorSet::new();
        let opts = LoadOptions {
            strict: true,
            ..LoadOptions::default()
        };
        set.load("gen", c.indicators.as_bytes(), &opts).unwrap();
        assert_eq!(set.len(), 600);
        let mut planted = c.planted.clone();
        planted.sort();
        assert!(planted.len() > 40, "{}", planted.len());
        assert_eq!(
            found(&set, &c.tsv, true),
            planted,
            "seed {seed}: reference on TSV"
        );
        assert_eq!(
            found(&set, &c.tsv, false),
            planted,
            "seed {seed}: matcher on TSV"
        );
        let mut planted_json = c.planted_json.clone();
        planted_json.sort();
        if seed == 1 {
            // The reference is slow on the JSON's longer lines: one seed is enough.
            assert_eq!(
                found(&set, &c.json, true),
                planted_json,
                "seed {seed}: reference on JSON"
            );
        }
        assert_eq!(
            found(&set, &c.json, false),
            planted_json,
            "seed {seed}: matcher on JSON"
        );
        assert!(
            c.tsv.windows(2).any(|w| w == b"\xff\xfe"),
            "invalid UTF-8 present"
        );
        scan_lines_agrees_with_line_scans(&set, &c.tsv);
        scan_lines_agrees_with_line_scans(&set, &c.json);
    }
}

#[test]
fn generation_is_deterministic() {
    let spec = Spec {
        indicators: 1000,
        lines: 500,
        ..Spec::default()
    };
    let (a, b) = (generate(&spec), generate(&spec));
    assert_eq!(a.tsv, b.tsv);
    assert_eq!(a.indicators, b.indicators);
    let other = generate(&Spec { seed: 7, ..spec });
    assert_ne!(a.tsv, other.tsv);
}

#[test]
fn planted_hits_hold_at_a_larger_size() {
    let spec = Spec {
        indicators: 50_000,
        lines: 20_000,
        hit_rate: 0.02,
        near_miss_rate: 0.05,
        seed: 9,
    };
    let c = generate(&spec);
    let mut set = IndicatorSet::new();
    set.load("gen", c.indicators.as_bytes(), &LoadOptions::default())
        .unwrap();
    assert_eq!(set.len(), 50_000);
    let mut planted = c.planted.clone();
    planted.sort();
    assert!(planted.len() > 300);
    assert_eq!(found(&set, &c.tsv, false), planted);
}

/// `scan_lines` over a whole buffer (the CLI's path: chunks scanned as one text, matches mapped
/// back to lines) gives exactly the matches of scanning each line on its own, which the tests
/// above hold to the naive reference.
fn scan_lines_agrees_with_line_scans(set: &IndicatorSet, data: &[u8]) {
    let m = set.compile().unwrap();
    let got: Vec<_> = m
        .scan_lines(data)
        .into_iter()
        .map(|l| (l.line, l.m))
        .collect();
    let mut expected = Vec::new();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        expected.extend(m.scan(line).into_iter().map(|x| (n, x)));
    }
    assert!(expected.len() > 40, "{} matches", expected.len());
    assert_eq!(got, expected);
}
