//! Native IP lookup throughput for the side-by-side runs: loads an indicator list, compiles it,
//! and times `Matcher::ip_into` over a file of addresses (one a line).
//!
//! Usage: ip-lookups INDICATORS ADDRESSES

use std::net::IpAddr;
use std::time::Instant;

use iocmatch::{IndicatorSet, LoadOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: ip-lookups INDICATORS ADDRESSES");
        std::process::exit(2);
    }
    let mut set = IndicatorSet::new();
    set.load_path(&args[1], &LoadOptions::default())
        .expect("indicators");
    let m = set.compile().expect("compile");
    let addrs: Vec<IpAddr> = std::fs::read_to_string(&args[2])
        .expect("addresses")
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect();
    let mut out = Vec::with_capacity(16);
    let mut hits = 0usize;
    let rounds = 20;
    let t = Instant::now();
    for _ in 0..rounds {
        for a in &addrs {
            out.clear();
            m.ip_into(*a, &mut out);
            hits += !out.is_empty() as usize;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "lookups={} hits={} secs={secs:.4} per_s={:.0}",
        addrs.len() * rounds,
        hits / rounds,
        (addrs.len() * rounds) as f64 / secs
    );
}
