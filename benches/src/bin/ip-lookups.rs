//! Native IP lookup throughput for the side-by-side runs: loads an indicator list, compiles it,
//! and times `Matcher::ip_into` over a file of addresses (one a line), or with `--batch N`
//! `Matcher::ip_batch` over batches of N of them.
//!
//! Usage: ip-lookups INDICATORS ADDRESSES [--batch N]

use std::net::IpAddr;
use std::time::Instant;

use iocmatch::{IndicatorSet, LoadOptions, Matcher};

const USAGE: &str = "usage: ip-lookups INDICATORS ADDRESSES [--batch N]";

fn main() {
    if let Err(e) = run() {
        eprintln!("ip-lookups: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (indicators, addresses, batch) = match &args[..] {
        [i, a] => (i, a, None),
        [i, a, flag, n] if flag == "--batch" => {
            let n: usize = n
                .parse()
                .map_err(|_| format!("--batch: not a count: {n}"))?;
            (i, a, Some(n.max(1)))
        }
        _ => return Err(USAGE.into()),
    };
    let mut set = IndicatorSet::new();
    set.load_path(indicators, &LoadOptions::default())
        .map_err(|e| e.to_string())?;
    let m = set.compile().map_err(|e| e.to_string())?;
    let addrs: Vec<IpAddr> = std::fs::read_to_string(addresses)
        .map_err(|e| format!("{addresses}: {e}"))?
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect();
    let rounds = 20;
    let t = Instant::now();
    let mut hits = 0;
    for _ in 0..rounds {
        hits = match batch {
            None => single(&m, &addrs),
            Some(n) => batched(&m, &addrs, n),
        };
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "lookups={} hits={hits} queries={} secs={secs:.4} per_s={:.0}",
        addrs.len() * rounds,
        addrs.len(),
        (addrs.len() * rounds) as f64 / secs
    );
    Ok(())
}

/// Looks every address up alone; returns how many hit.
fn single(m: &Matcher, addrs: &[IpAddr]) -> usize {
    let mut out = Vec::with_capacity(16);
    let mut hits = 0;
    for a in addrs {
        out.clear();
        m.ip_into(*a, &mut out);
        hits += usize::from(!out.is_empty());
    }
    hits
}

/// Looks the addresses up in batches of `n`; returns how many hit.
fn batched(m: &Matcher, addrs: &[IpAddr], n: usize) -> usize {
    let mut out = Vec::with_capacity(2 * n);
    let mut hits = 0;
    for chunk in addrs.chunks(n) {
        out.clear();
        m.ip_batch(chunk, &mut out);
        hits += iocmatch_bench::queries_with_hits(&out);
    }
    hits
}
