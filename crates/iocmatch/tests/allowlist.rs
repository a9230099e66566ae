//! Allowlists suppress hits on benign observed values, per indicator kind, and count them.

use std::sync::Arc;

use iocmatch::allow::{read_plain_allowlist, read_warninglist, Allowlist};
use iocmatch::{IndicatorSet, LoadOptions};

fn matcher(list: &str) -> iocmatch::Matcher {
    let mut set = IndicatorSet::new();
    set.load("ind", list.as_bytes(), &LoadOptions::default())
        .unwrap();
    set.compile().unwrap()
}

#[test]
fn plain_allowlists_suppress_and_count() {
    let m = matcher("198.51.100.0/24\nevil.example\ncdn.example\n");
    let mut allow = Allowlist::new();
    for l in read_plain_allowlist("local", b"# ours\n198.51.100.53\ncdn.example\n").unwrap() {
        allow.push(l);
    }
    let allow = Arc::new(allow);
    let m = m.with_allowlist(allow.clone());
    let line = b"198.51.100.53 198.51.100.7 www.cdn.example evil.example";
    let found: Vec<&str> = m
        .scan(line)
        .iter()
        .map(|x| std::str::from_utf8(&line[x.start..x.end]).unwrap())
        .collect();
    assert_eq!(found, vec!["198.51.100.7", "evil.example"]);
    let counts: Vec<u64> = allow.lists().iter().map(|l| l.suppressed()).collect();
    assert_eq!(counts, vec![1, 1]);
    assert!(m.ip("198.51.100.53".parse().unwrap()).is_empty());
    assert_eq!(m.ip("198.51.100.54".parse().unwrap()).len(), 1);
    let mut batch = Vec::new();
    let addrs = ["198.51.100.54", "198.51.100.53", "198.51.100.9"].map(|a| a.parse().unwrap());
    m.ip_batch(&addrs, &mut batch);
    let queries: Vec<usize> = batch.iter().map(|&(i, _)| i).collect();
    assert_eq!(queries, vec![0, 2]);
    assert!(m.domain("CDN.example").unwrap().is_empty());
    batch.clear();
    let bad = m.domain_batch(
        &["CDN.example", "x.evil.example", "www.cdn.example"],
        &mut batch,
    );
    assert!(bad.is_empty());
    let queries: Vec<usize> = batch.iter().map(|&(i, _)| i).collect();
    assert_eq!(queries, vec![1]);
}

#[test]
fn warninglists_apply_to_their_matching_attributes_only() {
    let m = matcher("198.51.100.0/24\nresolver.example\n");
    let wl = br#"{"name": "Public resolvers", "version": 1, "description": "x", "type": "cidr",
                  "matching_attributes": ["domain"], "list": ["198.51.100.0/24"]}"#;
    let hosts = br#"{"name": "Known hosts", "version": 1, "description": "x", "type": "hostname",
                     "matching_attributes": ["domain", "hostname"], "list": ["resolver.example"]}"#;
    let mut allow = Allowlist::new();
    allow.push(read_warninglist(wl).unwrap());
    allow.push(read_warninglist(hosts).unwrap());
    let m = m.with_allowlist(Arc::new(allow));
    // The cidr list names only domains, so it does not suppress an address hit.
    assert_eq!(m.scan(b"198.51.100.7 ns1.resolver.example").len(), 1);
    assert!(
        read_warninglist(b"{\"name\": \"x\", \"type\": \"planet\", \"list\": []}")
            .unwrap_err()
            .contains("planet")
    );
    assert!(read_warninglist(b"{").unwrap_err().contains("line 1"));
}

#[test]
fn a_hit_across_a_line_end_is_neither_reported_nor_counted_by_a_line_scan() {
    // A literal with a newline in it (MISP JSON can carry one) matches across lines in a scan of
    // free text, but not in a scan of lines; an allowlist holding it counts only the hits a scan
    // would report.
    let mut set = IndicatorSet::new();
    let event = br#"{"Event": {"info": "x", "Attribute": [
        {"type": "pattern-in-traffic", "value": "ab\ncd", "to_ids": true}]}}"#;
    set.load("event.json", event, &LoadOptions::default())
        .unwrap();
    let m = set.compile().unwrap();
    assert_eq!(m.scan(b"xx ab\ncd yy").len(), 1);
    let list = br#"{"name": "Known", "version": 1, "description": "x", "type": "string",
                    "list": ["ab\ncd"]}"#;
    let mut allow = Allowlist::new();
    allow.push(read_warninglist(list).unwrap());
    let allow = Arc::new(allow);
    let m = m.with_allowlist(allow.clone());
    assert!(m.scan_lines(b"xx ab\ncd yy\nab\n").is_empty());
    assert_eq!(allow.lists()[0].suppressed(), 0);
    assert!(m.scan(b"xx ab\ncd yy").is_empty());
    assert_eq!(allow.lists()[0].suppressed(), 1);
}
