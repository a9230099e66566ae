//! The IP table against the naive reference on random sets of nested networks of every prefix
//! length, and the order hits come out in.

use std::collections::BTreeSet;
use std::net::IpAddr;

use iocmatch::reference::NaiveMatcher;
use iocmatch::{How, IndicatorSet, LoadOptions, Matcher};
use proptest::prelude::*;

/// A network in one of four /16 regions (so that networks nest and share regions), or a
/// short prefix that spans regions, or an IPv6 network (in one /32, or of a short prefix).
fn network() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0usize..4, any::<u16>(), 0u8..=32).prop_map(|(region, low, prefix)| {
            let [a, b] = [[10, 1], [10, 2], [192, 0], [203, 0]][region];
            let [c, d] = low.to_be_bytes();
            format!("{a}.{b}.{c}.{d}/{prefix}")
        }),
        1 => (any::<u32>(), 0u8..=16).prop_map(|(a, p)| format!("{}/{p}", IpAddr::from(a.to_be_bytes()))),
        1 => (any::<u16>(), 16u8..=128).prop_map(|(g, p)| format!("2001:db8::{g:x}/{p}")),
        // IPv6 networks of up to 16 bits: they span first groups, or cover a group alone.
        1 => (any::<u128>(), 0u8..=16).prop_map(|(a, p)| format!("{}/{p}", IpAddr::from(a.to_be_bytes()))),
    ]
}

/// Addresses near the networks: the same regions, mapped IPv4 in IPv6, and anywhere.
fn address() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        6 => (0usize..4, any::<u16>()).prop_map(|(region, low)| {
            let [a, b] = [[10, 1], [10, 2], [192, 0], [203, 0]][region];
            let [c, d] = low.to_be_bytes();
            IpAddr::from([a, b, c, d])
        }),
        1 => any::<u32>().prop_map(|a| IpAddr::from(a.to_be_bytes())),
        1 => (any::<u16>(), any::<u8>()).prop_map(|(g, h)| {
            IpAddr::from([0, 0, 0, 0, 0, 0xffff, 0x0a01, (g & 0xff00) | u16::from(h)])
        }),
        2 => any::<u16>().prop_map(|g| IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, g])),
        1 => any::<u128>().prop_map(|a| IpAddr::from(a.to_be_bytes())),
    ]
}

fn compile(networks: &[String]) -> (IndicatorSet, Matcher) {
    let text: String = networks.iter().map(|n| format!("{n}\n")).collect();
    let mut set = IndicatorSet::new();
    set.load("networks", text.as_bytes(), &LoadOptions::default())
        .expect("networks load");
    let m = set.compile().expect("compiles");
    (set, m)
}

/// The prefix length a hit stands for, for ordering: an exact address counts as the longest.
fn prefix_of(how: How) -> u8 {
    match how {
        How::Cidr { prefix_len } => prefix_len,
        _ => u8::MAX,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn lookups_agree_with_reference(
        networks in proptest::collection::vec(network(), 1..200),
        addrs in proptest::collection::vec(address(), 1..80),
    ) {
        let (set, m) = compile(&networks);
        let naive = NaiveMatcher::new(set.indicators());
        for &addr in &addrs {
            let hits = m.ip(addr);
            let fast: BTreeSet<_> = hits.iter().map(|h| (h.indicator, h.how)).collect();
            let slow: BTreeSet<_> = naive.ip(addr).into_iter().collect();
            prop_assert_eq!(&fast, &slow, "address {}", addr);
            prop_assert_eq!(fast.len(), hits.len(), "no hit twice for {}", addr);
            // The exact address first, then networks from the longest prefix.
            let prefixes: Vec<u8> = hits.iter().map(|h| prefix_of(h.how)).collect();
            prop_assert!(prefixes.windows(2).all(|w| w[0] > w[1]), "order {:?}", prefixes);
        }
    }

    /// A batch gives each address's hits exactly as its single lookup does, in query order,
    /// after what the output held already. (Both paths share the IPv6 lookup; what this checks
    /// is the batched IPv4 path and the merge of the two.)
    #[test]
    fn batches_agree_with_single_lookups(
        networks in proptest::collection::vec(network(), 1..200),
        addrs in proptest::collection::vec(address(), 0..300),
    ) {
        let (_, m) = compile(&networks);
        let before = (usize::MAX, iocmatch::Hit { indicator: iocmatch::IndicatorId(7), how: How::Exact });
        let mut out = vec![before];
        m.ip_batch(&addrs, &mut out);
        prop_assert_eq!(out[0], before);
        let single: Vec<_> = addrs
            .iter()
            .enumerate()
            .flat_map(|(i, &a)| m.ip(a).into_iter().map(move |h| (i, h)))
            .collect();
        prop_assert_eq!(&out[1..], &single[..]);
    }
}

/// IPv6 networks shorter than /16 cover a range of first groups; an address in the first or
/// the last group of the range hits, the groups just outside do not.
#[test]
fn short_ipv6_networks_cover_their_whole_range_of_first_groups() {
    let (set, m) = compile(&["2000::/3".into(), "2001::/16".into(), "4000::/2".into()]);
    let naive = NaiveMatcher::new(set.indicators());
    let hits = |a: &str| {
        let addr: IpAddr = a.parse().unwrap();
        let fast: BTreeSet<_> = m.ip(addr).iter().map(|h| (h.indicator, h.how)).collect();
        let slow: BTreeSet<_> = naive.ip(addr).into_iter().collect();
        assert_eq!(fast, slow, "{a}");
        fast.len()
    };
    assert_eq!(hits("2000::1"), 1);
    assert_eq!(hits("3fff:ffff::1"), 1);
    assert_eq!(hits("2001:0:1::"), 2);
    assert_eq!(hits("1fff:ffff::1"), 0);
    assert_eq!(hits("4000::"), 1);
    assert_eq!(hits("7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1);
    assert_eq!(hits("8000::"), 0);
    let (_, all) = compile(&["::/0".into()]);
    for a in ["::2", "ffff:ffff::", "2001:db8::1"] {
        assert_eq!(all.ip(a.parse().unwrap()).len(), 1, "{a} in ::/0");
    }
}

#[test]
fn a_scan_finds_mapped_addresses_however_the_zero_group_is_written() {
    let (_, m) = compile(&["192.0.2.1".into(), "2001:db8::/32".into()]);
    for text in [
        "::ffff:192.0.2.1",
        "0::ffff:c000:201",
        "0:0:0:0:0:ffff:192.0.2.1",
        "0000:0000::ffff:c000:0201",
    ] {
        let found = m.scan(format!("src {text} end").as_bytes());
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        // (A mapped address written with a dotted quad is reported as the quad.)
        assert_eq!(found[0].end, 4 + text.len(), "{text}");
    }
}
