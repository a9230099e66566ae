//! Typed lookups of arbitrary values: IP and domain lookups give the naive reference's hits,
//! each once, batches of IP, domain and digest lookups the single lookups' hits and errors,
//! and no lookup panics, whatever the value.
#![no_main]

use std::net::IpAddr;

use iocmatch::{normalize, Hit, How, IndicatorId, Kind};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// A single lookup appending to a caller's vector (`domain_into`, `hash_into`).
type Lookup<'a> = dyn Fn(&str, &mut Vec<Hit>) -> Result<(), iocmatch::Error> + 'a;

fuzz_target!(|data: &[u8]| {
    let Some(case) = common::Case::new(data) else {
        return;
    };
    let (m, naive) = (&case.m, &case.naive);
    let query = String::from_utf8_lossy(case.text);
    let q = query.trim();

    // Sorted, not deduplicated: a hit reported twice is a failure.
    let sorted = |mut v: Vec<_>| {
        v.sort_unstable();
        v
    };
    let naive_valid = |hits: Vec<(IndicatorId, How)>| {
        sorted(
            hits.into_iter()
                .filter(|&(id, _)| case.valid_now(id))
                .collect(),
        )
    };
    if let Ok(addr) = q.parse::<IpAddr>() {
        let fast = sorted(
            m.ip(addr)
                .into_iter()
                .map(|h| (h.indicator, h.how))
                .collect(),
        );
        assert_eq!(fast, naive_valid(naive.ip(addr)), "ip {addr}");
    }
    // Every word of the text that is an address, looked up as one batch: each address's hits
    // exactly as its single lookup gives them, in query order.
    let addrs: Vec<IpAddr> = query
        .split_ascii_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let mut batch = Vec::new();
    m.ip_batch(&addrs, &mut batch);
    let single: Vec<_> = addrs
        .iter()
        .enumerate()
        .flat_map(|(i, &a)| m.ip(a).into_iter().map(move |h| (i, h)))
        .collect();
    assert_eq!(batch, single, "batch of {addrs:?}");
    // Every word of the text, and the text whole, as domains and as digests, in one batch
    // each: the single lookups' hits in query order, and their errors.
    let mut words: Vec<&str> = query.split_ascii_whitespace().collect();
    words.push(&query);
    let singly = |look: &Lookup| {
        let (mut hits, mut errors) = (Vec::new(), Vec::new());
        for (i, w) in words.iter().enumerate() {
            let mut one = Vec::new();
            match look(w, &mut one) {
                Ok(()) => hits.extend(one.into_iter().map(|h| (i, h))),
                Err(e) => errors.push((i, e)),
            }
        }
        (hits, errors)
    };
    let mut batch = Vec::new();
    let errors = m.domain_batch(&words, &mut batch);
    assert_eq!(
        (batch, errors),
        singly(&|w, out| m.domain_into(w, out)),
        "domains {words:?}"
    );
    let mut batch = Vec::new();
    let errors = m.hash_batch(&words, &mut batch);
    assert_eq!(
        (batch, errors),
        singly(&|w, out| m.hash_into(w, out)),
        "digests {words:?}"
    );
    if let Ok(d) = normalize::domain(q) {
        let fast = m
            .domain(q)
            .expect("a name that normalises can be looked up");
        let fast = sorted(fast.into_iter().map(|h| (h.indicator, h.how)).collect());
        assert_eq!(fast, naive_valid(naive.domain(&d)), "domain {q:?}");
    }
    let _ = m.url(q);
    let _ = m.email(q);
    let _ = m.hash(q);
    let _ = m.string(Kind::Filename, q);
    let _ = m.lookup(q);
});
