//! Batched domain and digest lookups against the single lookups (hit for hit, in order, and
//! error for error) and against the naive reference, on random sets and queries.

use std::collections::BTreeSet;

use iocmatch::reference::NaiveMatcher;
use iocmatch::{Error, Hit, How, IndicatorId, IndicatorSet, LoadOptions, Matcher};
use proptest::prelude::*;

/// Labels from a small pool, so that names nest and share suffixes.
const LABELS: &[&str] = &["a", "b", "evil", "x-y", "c_d", "example", "com", "7"];

/// A name of one to four labels from the pool, the last not numeric.
fn name() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(proptest::sample::select(LABELS), 0..=3),
        proptest::sample::select(&LABELS[..LABELS.len() - 1]),
    )
        .prop_map(|(mut l, last)| {
            l.push(last);
            l.join(".")
        })
}

/// Domain indicators: names in either mode (plain lists match subdomains by default).
fn domain_line() -> impl Strategy<Value = String> {
    (name(), proptest::bool::weighted(0.3)).prop_map(|(n, exact)| match exact {
        true => format!("{n}\tmatch=exact\tkind=domain"),
        false => format!("{n}\tkind=domain"),
    })
}

/// Host names to look up: pool names in mixed case, with a trailing dot, and names the fast
/// path turns away (IDNs, invalid names, a name over 253 bytes, a label over 63).
fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (name(), any::<u64>()).prop_map(|(n, case)| {
            n.chars()
                .enumerate()
                .map(|(i, c)| if case >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect()
        }),
        1 => name().prop_map(|n| format!("{n}.")),
        1 => name().prop_map(|n| format!("bücher.{n}")),
        1 => name().prop_map(|n| format!("ÉVIL.{n}")),
        2 => proptest::sample::select(&[
            "", ".", "a..b", "evil.7", "-", "a b.com", "x.1", "évil", "a\u{0}b.example",
        ][..]).prop_map(String::from),
        1 => Just(format!("{}evil.example", "a.".repeat(130))),
        1 => Just(format!("{}.example", "a".repeat(64))),
    ]
}

/// Digests of every length (few of them, so that queries hit), some also as JA3.
fn digest() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(vec![32usize, 40, 56, 64, 96, 128]),
        0u8..6,
    )
        .prop_map(|(len, v)| {
            let digit = char::from_digit(u32::from(v) + 10, 16).unwrap();
            std::iter::repeat_n(digit, len - 1).chain(['0']).collect()
        })
}

fn digest_line() -> impl Strategy<Value = String> {
    (digest(), proptest::bool::weighted(0.2)).prop_map(|(d, ja3)| match ja3 && d.len() == 32 {
        true => format!("{d}\tkind=ja3"),
        false => d,
    })
}

/// Hex values to look up: digests in any case and with spaces around, near misses, and
/// values that are not digests.
fn hex() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => digest(),
        2 => digest().prop_map(|d| d.to_uppercase()),
        1 => digest().prop_map(|d| format!(" {d}\t")),
        // Space at one end only: both ends are looked at.
        1 => digest().prop_map(|d| format!("{d}\r\n")),
        1 => digest().prop_map(|d| format!("\x0c{d}")),
        // Spaces outside ASCII: the fast path turns these away, the full check trims them.
        1 => digest().prop_map(|d| format!("\u{a0}{d}\u{2003}")),
        1 => digest().prop_map(|d| format!("{}1", &d[..d.len() - 1])),
        1 => digest().prop_map(|d| d[1..].to_string()),
        2 => proptest::sample::select(vec!["", "xyz", "0x12", "ab", "é"]).prop_map(String::from),
        1 => Just("g".repeat(32)),
    ]
}

fn compile(lines: &[String]) -> (IndicatorSet, Matcher) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    set.load("feed", text.as_bytes(), &opts)
        .expect("indicators load");
    let m = set.compile().expect("compiles");
    (set, m)
}

/// Hits and errors, each with the index of its query, as the batched lookups give them.
type Tagged = (Vec<(usize, Hit)>, Vec<(usize, Error)>);

/// What single lookups give for each query: its hits, tagged with its index, and its error.
fn singly(queries: &[String], look: impl Fn(&str, &mut Vec<Hit>) -> Result<(), Error>) -> Tagged {
    let (mut hits, mut errors) = (Vec::new(), Vec::new());
    for (i, q) in queries.iter().enumerate() {
        let mut one = Vec::new();
        match look(q, &mut one) {
            Ok(()) => hits.extend(one.into_iter().map(|h| (i, h))),
            Err(e) => errors.push((i, e)),
        }
    }
    (hits, errors)
}

/// A hit already in the output, which a batch must leave where it is.
const BEFORE: (usize, Hit) = (
    usize::MAX,
    Hit {
        indicator: IndicatorId(7),
        how: How::Exact,
    },
);

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn domain_batches_agree_with_single_lookups_and_the_reference(
        lines in proptest::collection::vec(domain_line(), 1..40),
        hosts in proptest::collection::vec(host(), 0..300),
    ) {
        let (set, m) = compile(&lines);
        let mut out = vec![BEFORE];
        let errors = m.domain_batch(&hosts, &mut out);
        prop_assert_eq!(out[0], BEFORE);
        let (hits, single_errors) = singly(&hosts, |h, out| m.domain_into(h, out));
        prop_assert_eq!(&out[1..], &hits[..]);
        prop_assert_eq!(&errors, &single_errors);
        let naive = NaiveMatcher::new(set.indicators());
        for (i, h) in hosts.iter().enumerate() {
            if let Ok(d) = iocmatch::normalize::domain(h) {
                let fast: BTreeSet<_> =
                    out[1..].iter().filter(|x| x.0 == i).map(|x| (x.1.indicator, x.1.how)).collect();
                let slow: BTreeSet<_> = naive.domain(&d).into_iter().collect();
                prop_assert_eq!(fast, slow, "host {:?}", h);
            }
        }
    }

    #[test]
    fn digest_batches_agree_with_single_lookups_and_the_reference(
        lines in proptest::collection::vec(digest_line(), 1..20),
        hexes in proptest::collection::vec(hex(), 0..300),
    ) {
        let (set, m) = compile(&lines);
        let mut out = vec![BEFORE];
        let errors = m.hash_batch(&hexes, &mut out);
        prop_assert_eq!(out[0], BEFORE);
        let (hits, single_errors) = singly(&hexes, |h, out| m.hash_into(h, out));
        prop_assert_eq!(&out[1..], &hits[..]);
        prop_assert_eq!(&errors, &single_errors);
        let naive = NaiveMatcher::new(set.indicators());
        for (i, h) in hexes.iter().enumerate() {
            let fast: BTreeSet<_> =
                out[1..].iter().filter(|x| x.0 == i).map(|x| (x.1.indicator, x.1.how)).collect();
            let slow: BTreeSet<_> = naive.scan(h.trim().as_bytes()).into_iter().map(|x| (x.indicator, x.how)).collect();
            prop_assert_eq!(fast, slow, "hex {:?}", h);
        }
    }
}

/// Every query of a batch larger than a group hits: the groups' hits all come out, in order.
#[test]
fn batches_of_many_groups_keep_every_hit_in_order() {
    let names: Vec<String> = (0..500).map(|i| format!("n{i}.example")).collect();
    let (_, m) = compile(&names);
    let hosts: Vec<String> = (0..1000)
        .map(|i| format!("www.n{}.example", 499 - i % 500))
        .collect();
    let mut out = Vec::new();
    assert!(m.domain_batch(&hosts, &mut out).is_empty());
    let got: Vec<(usize, u32)> = out.iter().map(|&(i, h)| (i, h.indicator.0)).collect();
    let want: Vec<(usize, u32)> = (0..1000).map(|i| (i, 499 - (i % 500) as u32)).collect();
    assert_eq!(got, want);

    let digests: Vec<String> = (0..500).map(|i| format!("{i:064x}")).collect();
    let (_, m) = compile(&digests);
    let hexes: Vec<String> = (0..1000)
        .map(|i| format!("{:064X}", (i * 7) % 500))
        .collect();
    out.clear();
    assert!(m.hash_batch(&hexes, &mut out).is_empty());
    let got: Vec<(usize, u32)> = out.iter().map(|&(i, h)| (i, h.indicator.0)).collect();
    let want: Vec<(usize, u32)> = (0..1000).map(|i| (i, ((i * 7) % 500) as u32)).collect();
    assert_eq!(got, want);
}

/// A batch of digests of mixed lengths, many groups of each, some values shared by an MD5
/// and a JA3 indicator: every hit of every query, in query order, as single lookups give them.
#[test]
fn mixed_lengths_over_many_groups_agree_with_single_lookups() {
    let mut lines = Vec::new();
    for i in 0..300u32 {
        lines.push(format!("{i:032x}"));
        lines.push(format!("{i:040x}"));
        lines.push(format!("{i:064x}"));
        if i % 3 == 0 {
            lines.push(format!("{i:032x}\tkind=ja3"));
        }
    }
    let (_, m) = compile(&lines);
    // Lengths in turn with a stride, so that each length's tokens are scattered over the
    // batch; every fifth value is absent and every seventh is not hex.
    let hexes: Vec<String> = (0..2000u32)
        .map(|q| {
            let v = (q * 37) % 375;
            let hex = match q % 3 {
                0 => format!("{v:032X}"),
                1 => format!("{v:040x}"),
                _ => format!("{v:064x}"),
            };
            match q % 7 {
                0 => format!("{}g", &hex[1..]),
                _ => hex,
            }
        })
        .collect();
    let mut out = Vec::new();
    let errors = m.hash_batch(&hexes, &mut out);
    let (hits, single_errors) = singly(&hexes, |h, out| m.hash_into(h, out));
    assert_eq!(out, hits);
    assert_eq!(errors, single_errors);
    // The set's shape shows in the answers: some queries have two hits, some none.
    let count = |i: usize| out.iter().filter(|x| x.0 == i).count();
    assert!((0..hexes.len()).any(|i| count(i) == 2));
    assert!((0..hexes.len()).any(|i| count(i) == 0 && !hexes[i].contains('g')));
}

/// The errors of a batch name the query and say what is wrong with it, as a single lookup's do.
#[test]
fn batch_errors_name_the_query() {
    let (_, m) = compile(&[
        "evil.example".into(),
        "d41d8cd98f00b204e9800998ecf8427e".into(),
    ]);
    let mut out = Vec::new();
    let bad = m.domain_batch(&["evil.example", "a..b", "", "x.evil.example"], &mut out);
    let at: Vec<usize> = bad.iter().map(|(i, _)| *i).collect();
    assert_eq!(at, vec![1, 2]);
    assert_eq!(bad[0].1, m.domain("a..b").unwrap_err());
    assert!(matches!(&bad[0].1, Error::InvalidValue(msg) if !msg.is_empty()));
    assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 3]);

    out.clear();
    let bad = m.hash_batch(&["nothex", "D41D8CD98F00B204E9800998ECF8427E"], &mut out);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0], (0, m.hash("nothex").unwrap_err()));
    assert_eq!(out.len(), 1);

    // Spaces outside ASCII around a digest are trimmed, as a feed's values are.
    let spaced = "\u{a0}D41D8CD98F00B204E9800998ECF8427E\u{2003}";
    assert_eq!(m.hash(spaced).unwrap().len(), 1);
    out.clear();
    assert!(
        m.hash_batch(&["nothex", spaced, spaced.trim()], &mut out)
            .len()
            == 1
    );
    assert_eq!(out.iter().map(|x| x.0).collect::<Vec<_>>(), vec![1, 2]);
}
