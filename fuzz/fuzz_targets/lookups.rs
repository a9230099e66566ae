//! Typed lookups of arbitrary values: IP and domain lookups agree with the naive reference, and
//! no lookup panics, whatever the value.
#![no_main]

use std::collections::BTreeSet;
use std::net::IpAddr;

use iocmatch::reference::NaiveMatcher;
use iocmatch::{normalize, Kind};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(case) = common::Case::new(data) else {
        return;
    };
    let Some((set, m)) = case.compile() else {
        return;
    };
    let naive = NaiveMatcher::new(set.indicators());
    let query = String::from_utf8_lossy(case.text);
    let q = query.trim();

    if let Ok(addr) = q.parse::<IpAddr>() {
        let fast: BTreeSet<_> = m
            .ip(addr)
            .into_iter()
            .map(|h| (h.indicator, h.how))
            .collect();
        let slow: BTreeSet<_> = naive.ip(addr).into_iter().collect();
        assert_eq!(fast, slow, "ip {addr}");
    }
    if let Ok(d) = normalize::domain(q) {
        let fast: BTreeSet<_> = m
            .domain(q)
            .expect("a name that normalises can be looked up")
            .into_iter()
            .map(|h| (h.indicator, h.how))
            .collect();
        let slow: BTreeSet<_> = naive.domain(&d).into_iter().collect();
        assert_eq!(fast, slow, "domain {q:?}");
    }
    let _ = m.url(q);
    let _ = m.email(q);
    let _ = m.hash(q);
    let _ = m.string(Kind::Filename, q);
    let _ = m.lookup(q);
});
