//! The generator's ground truth is right: on small corpora, the naive reference and the fast
//! matcher find exactly the planted hits, in TSV and in JSON.

use iocmatch::reference::NaiveMatcher;
use iocmatch::{IndicatorSet, LoadOptions, LogState};
use iocmatch_bench::{generate, Planted, Spec};

fn found(set: &IndicatorSet, data: &[u8], naive: bool) -> Vec<Planted> {
    let m = set.compile().unwrap();
    let hits: Vec<(usize, iocmatch::Match)> = if naive {
        NaiveMatcher::new(set.indicators()).scan_log(data)
    } else {
        m.scan_lines(data)
            .into_iter()
            .map(|l| (l.line, l.m))
            .collect()
    };
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut out: Vec<Planted> = hits
        .into_iter()
        .map(|(n, h)| Planted {
            line: n,
            text: String::from_utf8_lossy(&lines[n][h.start..h.end]).into_owned(),
            indicator: set.indicators()[h.indicator.index()].value.clone(),
        })
        .collect();
    out.sort();
    out
}

#[test]
fn planted_hits_are_the_only_hits() {
    // Blocks of a thousand lines cycle through conn, dns, http, ssl, files and smtp logs:
    // seed 1 has them all.
    for (seed, lines) in [(1, 6000), (2, 2000)] {
        let spec = Spec {
            indicators: 600,
            lines,
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
        if seed == 1 {
            assert!(
                planted.iter().any(|p| p.text.contains('\t')),
                "URLs split over the host and URI fields planted"
            );
        }
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
            assert!(
                planted_json
                    .iter()
                    .any(|p| p.text.contains("\",\"uri\":\"")),
                "URLs split over the host and uri keys planted"
            );
        }
        if seed == 2 {
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
/// above hold to the naive reference, besides the URLs joined from Zeek's host and URI fields
/// (the hits that span a tab); and the same log read in small buffers, the state of its header
/// carried from one to the next, gives the same.
fn scan_lines_agrees_with_line_scans(set: &IndicatorSet, data: &[u8]) {
    let m = set.compile().unwrap();
    let got: Vec<_> = m
        .scan_lines(data)
        .into_iter()
        .map(|l| (l.line, l.m))
        .collect();
    let lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    let mut expected = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        expected.extend(m.scan(line).into_iter().map(|x| (n, x)));
    }
    // The joined URLs (spanning a tab in TSV, a key in JSON), which the tests above hold to
    // the reference.
    let joined = got.iter().filter(|&&(n, x)| {
        let text = &lines[n][x.start..x.end];
        text.contains(&b'\t') || text.contains(&b'"')
    });
    expected.extend(joined);
    expected.sort();
    assert!(expected.len() > 40, "{} matches", expected.len());
    assert_eq!(got, expected);

    let mut state = LogState::default();
    let (mut in_parts, mut lines_before) = (Vec::new(), 0);
    for part in data
        .split_inclusive(|&b| b == b'\n')
        .collect::<Vec<_>>()
        .chunks(97)
    {
        let mut found = Vec::new();
        let n = m.scan_log_into(&part.concat(), &mut state, &mut found);
        in_parts.extend(found.into_iter().map(|l| (lines_before + l.line, l.m)));
        lines_before += n;
    }
    assert_eq!(in_parts, got, "read in buffers of 97 lines");
}
