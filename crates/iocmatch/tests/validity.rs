//! Validity windows are judged at match time by the matcher's clock.

use iocmatch::{Clock, IndicatorSet, LoadOptions, Timestamp};

fn at(s: &str) -> Clock {
    Clock::Fixed(Timestamp::parse(s).unwrap())
}

#[test]
fn windows_are_judged_by_the_clock() {
    let list = "\
evil.example\tvalid_from=2024-01-01\tvalid_until=2024-07-01
192.0.2.0/24\tvalid_until=2024-03-01T12:00:00Z
198.51.100.7
d41d8cd98f00b204e9800998ecf8427e\tvalid_from=2024-06-01
";
    let mut set = IndicatorSet::new();
    set.load("list", list.as_bytes(), &LoadOptions::default())
        .unwrap();
    let m = set.compile().unwrap();
    let line = b"www.evil.example 192.0.2.9 198.51.100.7 d41d8cd98f00b204e9800998ecf8427e";
    let values = |c: Clock| -> Vec<String> {
        let m = m.with_clock(c);
        m.scan(line)
            .iter()
            .map(|x| m.indicator(x.indicator).value.clone())
            .collect()
    };
    assert_eq!(
        values(at("2023-12-31T23:59:59Z")),
        vec!["192.0.2.0/24", "198.51.100.7"]
    );
    assert_eq!(
        values(at("2024-02-01")),
        vec!["evil.example", "192.0.2.0/24", "198.51.100.7"]
    );
    // valid_until is exclusive.
    assert_eq!(
        values(at("2024-03-01T12:00:00Z")),
        vec!["evil.example", "198.51.100.7"]
    );
    assert_eq!(
        values(at("2024-06-15")),
        vec![
            "evil.example",
            "198.51.100.7",
            "d41d8cd98f00b204e9800998ecf8427e"
        ]
    );
    assert_eq!(
        values(at("2025-01-01")),
        vec!["198.51.100.7", "d41d8cd98f00b204e9800998ecf8427e"]
    );

    let m24 = m.with_clock(at("2025-01-01"));
    assert!(m24.domain("evil.example").unwrap().is_empty());
    assert!(m24.ip("192.0.2.9".parse().unwrap()).is_empty());
    let mut batch = Vec::new();
    let addrs = ["192.0.2.9", "198.51.100.7"].map(|a| a.parse().unwrap());
    m24.ip_batch(&addrs, &mut batch);
    let queries: Vec<usize> = batch.iter().map(|&(i, _)| i).collect();
    assert_eq!(queries, vec![1]);
    assert_eq!(
        m24.hash("D41D8CD98F00B204E9800998ECF8427E").unwrap().len(),
        1
    );
    batch.clear();
    assert!(m24
        .domain_batch(&["www.evil.example", "evil.example"], &mut batch)
        .is_empty());
    assert!(batch.is_empty(), "expired domains hit: {batch:?}");
    let bad = m24.hash_batch(&["D41D8CD98F00B204E9800998ECF8427E"], &mut batch);
    assert!(bad.is_empty());
    assert_eq!(batch.len(), 1);
    // Before its window opens, the digest hits nothing in a batch either.
    batch.clear();
    let early = m.with_clock(at("2024-02-01"));
    assert!(early
        .hash(" d41d8cd98f00b204e9800998ecf8427e")
        .unwrap()
        .is_empty());
    assert!(early
        .hash_batch(&["D41D8CD98F00B204E9800998ECF8427E"], &mut batch)
        .is_empty());
    assert!(batch.is_empty(), "a digest not yet valid hit: {batch:?}");
    assert_eq!(m24.scan_lines(line).len(), 2);
    assert_eq!(
        set.stats_at(Timestamp::parse("2025-01-01").unwrap())
            .expired,
        2
    );
    assert_eq!(
        set.stats_at(Timestamp::parse("2023-01-01").unwrap())
            .expired,
        2
    );
    assert_eq!(
        set.stats_at(Timestamp::parse("2024-06-15").unwrap())
            .expired,
        1
    );
}

#[test]
fn one_source_without_a_window_keeps_an_indicator_valid() {
    let mut set = IndicatorSet::new();
    set.load(
        "a",
        b"evil.example\tvalid_until=2020-01-01\n",
        &LoadOptions::default(),
    )
    .unwrap();
    set.load("b", b"evil.example\n", &LoadOptions::default())
        .unwrap();
    let m = set.compile().unwrap().with_clock(at("2025-01-01"));
    assert_eq!(m.scan(b"evil.example").len(), 1);
    assert_eq!(
        set.stats_at(Timestamp::parse("2025-01-01").unwrap())
            .expired,
        0
    );
}

#[test]
fn misp_first_and_last_seen_can_bound_validity() {
    let event = br#"{"Event": {"Attribute": [
        {"type": "domain", "value": "old.example", "first_seen": "2023-01-01T00:00:00.000000+00:00", "last_seen": "2023-06-01T00:00:00.000000+00:00"},
        {"type": "domain", "value": "new.example"}]}}"#;
    let line = b"old.example new.example";
    for (as_validity, expected) in [(false, 2), (true, 1)] {
        let mut set = IndicatorSet::new();
        let opts = LoadOptions {
            seen_as_validity: as_validity,
            ..LoadOptions::default()
        };
        set.load("event.json", event, &opts).unwrap();
        let m = set.compile().unwrap().with_clock(at("2024-01-01"));
        assert_eq!(
            m.scan(line).len(),
            expected,
            "seen_as_validity={as_validity}"
        );
        assert_eq!(
            set.compile()
                .unwrap()
                .with_clock(at("2023-03-01"))
                .scan(line)
                .len(),
            2
        );
    }
    let bad = br#"{"Event": {"Attribute": [{"type": "domain", "value": "x.example", "first_seen": "someday"}]}}"#;
    let opts = LoadOptions {
        seen_as_validity: true,
        ..LoadOptions::default()
    };
    let r = IndicatorSet::new().load("e.json", bad, &opts).unwrap();
    assert_eq!(r.rejected, 1);
    assert!(r.diagnostics[0].message.contains("first_seen"));
}
