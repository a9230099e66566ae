//! Differential tests: the fast matcher against the naive reference on random indicator sets and
//! random inputs built from indicator fragments, near-misses and separators.

use std::collections::BTreeSet;
use std::net::IpAddr;

use iocmatch::reference::NaiveMatcher;
use iocmatch::{IndicatorSet, LoadOptions, Matcher};
use proptest::prelude::*;

/// Indicator lines (plain-list format) the sets are drawn from: every kind, with overlaps.
const POOL: &[&str] = &[
    "192.0.2.1",
    "192.0.2.10",
    "192.0.2.0/24",
    "192.0.0.0/16",
    "10.0.0.0/8",
    "0.0.0.0/0",
    "2001:db8::1",
    "2001:db8::/32",
    "2001:db8:0:1::/64",
    "::/0",
    "evil.example",
    "a.evil.example\tmatch=exact",
    "evil.example\tmatch=exact",
    "example\tkind=domain",
    "b-c.test",
    "x_y.b-c.test",
    "xn--bcher-kva.example",
    "http://evil.example/a",
    "evil.example/a/\tmatch=prefix",
    "evil.example/a\tmatch=prefix",
    "http://192.0.2.1/x",
    "evil.example:8080/p",
    "bob@evil.example",
    "Bob@b-c.test",
    "a+b%c@evil.example",
    "bob@b\u{fc}cher.example",
    "d41d8cd98f00b204e9800998ecf8427e",
    "d41d8cd98f00b204e9800998ecf8427e\tkind=ja3",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "invoice.exe\tkind=filename",
    "Invoice.EXE\tkind=filename\tmatch=nocase",
    "EvilBot/1.0\tkind=user-agent",
    "admin\tkind=username",
    "ab\tkind=literal",
    "/a?\tkind=literal",
    "EVIL\tkind=literal\tmatch=nocase",
    "evil[0-9]+\tkind=regex",
    "(?i)bob@\\w+\tkind=regex",
    "\\d{3}-[a-z]{2}\tkind=regex",
    "\\d+\\.evil\\.[a-z]+\tkind=regex",
];

/// Input values: indicator values, near-misses and pieces that build URLs, e-mail and IPv6.
const VALUES: &[&str] = &[
    "192.0.2.1",
    "192.0.2.10",
    "192.0.2.100",
    "1192.0.2.1",
    "192.0.3.7",
    "10.9.8.7",
    "192.0.2.1.5",
    "2001:db8::1",
    "2001:DB8:0:1::5",
    "::ffff:192.0.2.1",
    "::ffff:c000:201",
    "0:0:0:0:0:ffff:c000:20a",
    "[2001:db8::1]",
    "evil.example",
    "EVIL.example",
    "a.evil.example",
    "notevil.example",
    "evil.example.test",
    "b-c.test",
    "x_y.b-c.test",
    "bücher.example",
    "xn--bcher-kva.example",
    "example",
    "http://",
    "HTTP://evil.example",
    "evil.example/a",
    "evil.example/a/b",
    "/a/",
    "/a",
    "?q=1",
    "#f",
    ":8080",
    ":80",
    "bob",
    "Bob",
    "a+b%c",
    "a+b%c@evil.example",
    "bob@b\u{fc}cher.example",
    "d41d8cd98f00b204e9800998ecf8427e",
    "D41D8CD98F00B204E9800998ECF8427E",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "0",
    "f",
    "invoice.exe",
    "INVOICE.EXE",
    "myinvoice.exe",
    "EvilBot/1.0",
    "admin",
    "ab",
    "evil7",
    "EVIL",
    "123",
    "\u{661}\u{662}",
];

/// Zeek `#fields` headers: with the host and uri columns (in either order), and without.
const HEADERS: &[&str] = &[
    "#fields\tts\thost\turi\treferrer",
    "#fields\turi\thost",
    "#fields\tts\tquery",
    "#fields",
];

/// Fields of Zeek lines: hosts as HTTP logs write them, paths, unset fields, an absolute URI.
const FIELDS: &[&str] = &[
    "evil.example",
    "EVIL.example",
    "a.evil.example",
    "evil.example:8080",
    "evil.example.",
    "EVIL.example.",
    ".",
    "user@evil.example",
    "[2001:db8::1]:80",
    "b\u{fc}cher.example",
    "192.0.2.1",
    "b-c.test",
    "-",
    "(empty)",
    "/a",
    "/a/",
    "/a/b?q=1",
    "/p",
    "/x",
    "http://evil.example/a",
    "1.0",
];

/// Keys of JSON log lines: the pairs joined into URLs, and others.
const JSON_KEYS: &[&str] = &["host", "uri", "hostname", "url", "referrer", "ua\\\"host"];

/// Separators put before each value: the bytes that make or break token boundaries.
const SEPARATORS: &[&str] = &[
    "", "", " ", " ", "\t", ".", "-", "_", "/", ":", "@", "=", "\"", "'", ")", ",", "\0", "\u{1}",
    "%41", "%2f", "+", "é", "\n", "\r\n", "a", "1", "://", "[", "]", "?", "#",
];

fn set_from(lines: &[usize]) -> IndicatorSet {
    let text: String = lines.iter().map(|&i| format!("{}\n", POOL[i])).collect();
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    set.load("pool", text.as_bytes(), &opts)
        .expect("pool indicators load");
    set
}

/// Builds an input from (separator, value, raw byte?) triples; raw bytes add invalid UTF-8.
fn input_from(parts: &[(usize, usize, bool)]) -> Vec<u8> {
    let mut out = Vec::new();
    for &(sep, value, raw_byte) in parts {
        out.extend_from_slice(SEPARATORS[sep % SEPARATORS.len()].as_bytes());
        if raw_byte {
            out.push(0x80 | (value as u8 & 0x7f));
        }
        out.extend_from_slice(VALUES[value % VALUES.len()].as_bytes());
    }
    out
}

fn check(set: &IndicatorSet, m: &Matcher, input: &[u8]) -> Result<(), TestCaseError> {
    let naive = NaiveMatcher::new(set.indicators());
    let fast = m.scan(input);
    let slow = naive.scan(input);
    prop_assert_eq!(&fast, &slow, "input {:?}", String::from_utf8_lossy(input));
    // Line scanning agrees with the reference line by line, Zeek HTTP lines' host and uri
    // fields joined.
    let lines = m.scan_lines(input);
    let mut starts = vec![0];
    starts.extend(
        (0..input.len())
            .filter(|&i| input[i] == b'\n')
            .map(|i| i + 1),
    );
    let expected: Vec<_> = naive
        .scan_log(input)
        .into_iter()
        .map(|(n, x)| (n, starts[n], x))
        .collect();
    let got: Vec<_> = lines.iter().map(|l| (l.line, l.line_start, l.m)).collect();
    prop_assert_eq!(got, expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn scan_agrees_with_reference(
        lines in proptest::collection::vec(0..POOL.len(), 1..12),
        parts in proptest::collection::vec((0usize..64, 0usize..64, proptest::bool::weighted(0.03)), 0..24),
        pad in 0usize..140,
        pad_byte in proptest::sample::select(&b" xa1.\n"[..]),
    ) {
        let set = set_from(&lines);
        let m = set.compile().unwrap();
        // Padding moves every token across the scan's 64-byte blocks; a padding of host bytes
        // also makes runs longer than a block.
        let mut input = vec![pad_byte; pad];
        input.extend(input_from(&parts));
        check(&set, &m, &input)?;
    }

    #[test]
    fn zeek_logs_agree_with_reference(
        lines in proptest::collection::vec(0..POOL.len(), 1..12),
        rows in proptest::collection::vec(
            (0usize..8, proptest::collection::vec(0..FIELDS.len(), 0..5), proptest::bool::ANY),
            1..24,
        ),
    ) {
        let set = set_from(&lines);
        let m = set.compile().unwrap();
        // One row in eight a header; the rest lines of fields, some ending in `\r\n`.
        let mut input = Vec::new();
        for (kind, fields, crlf) in rows {
            if kind == 0 {
                input.extend_from_slice(HEADERS[fields.len() % HEADERS.len()].as_bytes());
            } else {
                let row: Vec<&str> = fields.iter().map(|&f| FIELDS[f]).collect();
                input.extend_from_slice(row.join("\t").as_bytes());
            }
            input.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        check(&set, &m, &input)?;
    }

    #[test]
    fn json_logs_agree_with_reference(
        lines in proptest::collection::vec(0..POOL.len(), 1..12),
        rows in proptest::collection::vec(
            proptest::collection::vec((0..JSON_KEYS.len(), 0..FIELDS.len(), 0usize..4), 0..6),
            1..12,
        ),
    ) {
        let set = set_from(&lines);
        let m = set.compile().unwrap();
        // Lines of keys and values as JSON writers put them, values written in one of four
        // ways: plain, slashes escaped, the first byte as a \u escape, or after a space.
        let mut input = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let mut line = String::from(if i % 3 == 2 { "{\"http\":{" } else { "{" });
            for (n, &(key, field, style)) in row.iter().enumerate() {
                if n > 0 {
                    line.push_str(if style == 3 { ", " } else { "," });
                }
                let value = FIELDS[field];
                let value = match style {
                    1 => value.replace('/', "\\/"),
                    2 => format!("\\u{:04x}{}", value.as_bytes()[0], &value[1..]),
                    _ => value.to_string(),
                };
                let colon = if style == 3 { ": " } else { ":" };
                line.push_str(&format!("\"{}\"{colon}\"{value}\"", JSON_KEYS[key]));
            }
            line.push_str(if i % 3 == 2 { "}}\n" } else { "}\n" });
            input.extend_from_slice(line.as_bytes());
        }
        check(&set, &m, &input)?;
    }

    #[test]
    fn ip_and_domain_lookups_agree_with_reference(
        lines in proptest::collection::vec(0..POOL.len(), 1..16),
        a in 0u32..=u32::MAX,
        near in 0usize..6,
        host in 0usize..VALUES.len(),
    ) {
        let set = set_from(&lines);
        let m = set.compile().unwrap();
        let naive = NaiveMatcher::new(set.indicators());
        let addrs: [IpAddr; 6] = [
            IpAddr::from(a.to_be_bytes()),
            "192.0.2.1".parse().unwrap(),
            IpAddr::from([192, 0, 2, (a & 0xff) as u8]),
            "::ffff:192.0.2.10".parse().unwrap(),
            IpAddr::from([0x2001, 0xdb8, 0, (a & 3) as u16, 0, 0, 0, (a >> 16) as u16]),
            IpAddr::from([0x2002, 0, 0, 0, 0, 0, 0, 1]),
        ];
        let addr = addrs[near];
        let fast: BTreeSet<_> = m.ip(addr).into_iter().map(|h| (h.indicator, h.how)).collect();
        let slow: BTreeSet<_> = naive.ip(addr).into_iter().collect();
        prop_assert_eq!(fast, slow);
        if let Ok(d) = iocmatch::normalize::domain(VALUES[host]) {
            let fast: BTreeSet<_> = m.domain(&d).unwrap().into_iter().map(|h| (h.indicator, h.how)).collect();
            let slow: BTreeSet<_> = naive.domain(&d).into_iter().collect();
            prop_assert_eq!(fast, slow);
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let all: Vec<usize> = (0..POOL.len()).collect();
    let set = set_from(&all);
    let m = set.compile().unwrap();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [0usize, 1, 2, 7, 64, 1000, 100_000] {
        let mut buf = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf.push((x >> 24) as u8);
        }
        let _ = m.scan(&buf);
        let _ = m.scan_lines(&buf);
        let _ = m.lookup(&String::from_utf8_lossy(&buf));
    }
    // One long line of repeated near-misses.
    let long = "a.evil.example.".repeat(200_000);
    let found = m.scan(long.as_bytes());
    // A 3 MB host run is one token, too long for a domain: only the literal `EVIL` (nocase) hits.
    assert_eq!(found.len(), 200_000);
    assert!(found.iter().all(|f| f.how == iocmatch::How::Substring));
}

/// Texts packed with host runs fill the scan's run lists to the most they hold between two
/// rounds of lookups (a run every two bytes, 32 to a 64-byte block, when some domain is a single
/// label); every run must still be found, as the reference finds it.
#[test]
fn densest_runs_are_all_found() {
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    set.load("dense", b"x\tkind=domain\na.b\n1.2.3.4\n", &opts)
        .expect("indicators load");
    let m = set.compile().unwrap();
    let naive = NaiveMatcher::new(set.indicators());
    for (unit, per_unit) in [
        ("x ", 1),
        ("a.b ", 1),
        ("1.2.3.4 ", 1),
        ("x a.b 1.2.3.4 y ", 3),
    ] {
        let text = unit.repeat(40_000);
        let found = m.scan(text.as_bytes());
        assert_eq!(found.len(), 40_000 * per_unit, "{unit:?}");
        assert_eq!(found, naive.scan(text.as_bytes()), "{unit:?}");
    }
}

/// Digests are gathered a window at a time before their lookups: texts with hundreds of them
/// in one scan, hits among misses of every digest length, give each one in place.
#[test]
fn dense_digests_are_all_found() {
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    let list = format!("{md5}\n{sha1}\n{sha256}\n");
    set.load("dense", list.as_bytes(), &opts)
        .expect("indicators load");
    let m = set.compile().unwrap();
    let naive = NaiveMatcher::new(set.indicators());
    let miss = "0123456789abcdef".repeat(4);
    for (unit, per_unit) in [
        (format!("{md5} "), 1),
        (format!("{} {sha1} {} ", &miss[..32], &miss[..40]), 1),
        (
            format!("{} {} {sha256}\t{md5}\n", &miss[..64], sha1.to_uppercase()),
            3,
        ),
    ] {
        let text = unit.repeat(40_000);
        let found = m.scan(text.as_bytes());
        assert_eq!(found.len(), 40_000 * per_unit, "{unit:?}");
        assert_eq!(found, naive.scan(text.as_bytes()), "{unit:?}");
    }
}
