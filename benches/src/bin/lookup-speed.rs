//! Typed lookup throughput on one indicator set, for the figures beside the scan: IP addresses
//! (IPv4 and IPv6), host names (with their parent domains) and hex digests, each query set half
//! drawn from the indicators (so that hits and their network or parent walks are paid for) and
//! half from elsewhere.
//!
//! Usage: lookup-speed INDICATORS [--queries N] [--seed S] [--only TEXT] [--rounds R]
//! (`--only` times just the families whose name holds TEXT, and `--rounds` takes the best of
//! R rounds, not 3: with both, a profiler sees the lookups more than the setup.)
//! Prints one line per family: lookups per second (best of three rounds, or `--rounds`) and the
//! hit count, one
//! query at a time and through the batched lookups (`Matcher::ip_batch`, `domain_batch`,
//! `hash_batch`) in batches of 1024; IP lookups also on random IPv4 addresses alone (nearly all
//! miss, as most traffic does), and with the queries sorted, so that their reads are cached;
//! then the machine's rate of random reads from tables of 4 and 32 MiB, independent and
//! dependent: the bounds that lookups of random values in large tables meet.

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Instant;

use iocmatch::{Hit, IndicatorSet, Kind, LoadOptions};
use iocmatch_bench::Rng;

/// `println!` that ends the program quietly when standard output is closed (`| head`), where
/// `println!` would panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// The `--only` text, if given.
static ONLY: OnceLock<String> = OnceLock::new();

/// The `--rounds` count, if given.
static ROUNDS: OnceLock<usize> = OnceLock::new();

fn main() {
    if let Err(e) = run() {
        eprintln!("lookup-speed: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let (mut queries, mut seed) = (1_000_000usize, 7u64);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse().map_err(|_| format!("invalid number {v:?}"))
        };
        match a.as_str() {
            "--queries" => queries = value("--queries")? as usize,
            "--seed" => seed = value("--seed")?,
            "--rounds" => {
                let r = value("--rounds")?.max(1);
                ROUNDS.set(r as usize).map_err(|_| "--rounds given twice")?;
            }
            "--only" => {
                let text = args.next().ok_or("--only needs a value")?;
                ONLY.set(text).map_err(|_| "--only given twice")?;
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => path = Some(s.to_string()),
        }
    }
    let path = path.ok_or(
        "usage: lookup-speed INDICATORS [--queries N] [--seed S] [--only TEXT] [--rounds R]",
    )?;
    let mut set = IndicatorSet::new();
    set.load_path(&path, &LoadOptions::default())
        .map_err(|e| e.to_string())?;
    let m = set.compile().map_err(|e| e.to_string())?;
    let mut r = Rng::new(seed);

    let of_kind = |k: &dyn Fn(Kind) -> bool| -> Vec<&str> {
        m.indicators()
            .iter()
            .filter(|i| k(i.kind))
            .map(|i| i.value.as_str())
            .collect()
    };
    let networks = of_kind(&|k| matches!(k, Kind::Ipv4 | Kind::Ipv6 | Kind::Cidr));
    let domains = of_kind(&|k| k == Kind::Domain);
    let digests = of_kind(&|k| k.is_hex_digest());

    let addrs: Vec<IpAddr> = (0..queries)
        .map(|_| match networks.is_empty() || r.chance(0.5) {
            true if r.chance(0.2) => {
                IpAddr::from([0x2600, r.below(0xffff) as u16, 0, 0, 0, 0, 0, 1])
            }
            true => IpAddr::from((r.next_u64() as u32).to_be_bytes()),
            false => {
                let n = *r.pick(&networks);
                inside(n, &mut r)
            }
        })
        .collect();
    let hosts: Vec<String> = (0..queries)
        .map(|_| match domains.is_empty() || r.chance(0.5) {
            true => format!("{}.{}.com", r.pick(&["www", "cdn", "api"]), r.word(3)),
            false => {
                let sub = *r.pick(&["www", "cdn", "api"]);
                format!("{sub}.{}", r.pick(&domains))
            }
        })
        .collect();
    let hashes: Vec<String> = (0..queries)
        .map(|_| match digests.is_empty() || r.chance(0.5) {
            true => {
                let len = *r.pick(&[32, 40, 64]);
                r.hex(len)
            }
            false => r.pick(&digests).to_string(),
        })
        .collect();

    // Queries stand in one buffer each, as values read from a sensor's own buffers would, so
    // that fetching a query is not a cache miss of its own.
    let (host_buf, host_spans) = packed(&hosts);
    let (hash_buf, hash_spans) = packed(&hashes);
    report("ip", &addrs, |a, out| m.ip_into(*a, out));
    report_batch("ip, batches of 1024", &addrs, 1024, |batch, out| {
        m.ip_batch(batch, out)
    });
    // Random IPv4 addresses alone, as most of a network's traffic is: nearly all miss.
    let random: Vec<IpAddr> = (0..queries)
        .map(|_| IpAddr::from((r.next_u64() as u32).to_be_bytes()))
        .collect();
    report("ip, random IPv4", &random, |a, out| m.ip_into(*a, out));
    report_batch(
        "ip, random IPv4, batches of 1024",
        &random,
        1024,
        |batch, out| m.ip_batch(batch, out),
    );
    // The same addresses in order: every read then finds its line cached, which leaves what
    // the lookup itself costs.
    let mut in_order = addrs.clone();
    in_order.sort_unstable();
    report("ip, queries in address order", &in_order, |a, out| {
        m.ip_into(*a, out)
    });
    report("domain", &host_spans, |&(s, e), out| {
        let _ = m.domain_into(&host_buf[s..e], out);
    });
    let host_strs: Vec<&str> = host_spans.iter().map(|&(s, e)| &host_buf[s..e]).collect();
    report_batch("domain, batches of 1024", &host_strs, 1024, |batch, out| {
        let _ = m.domain_batch(batch, out);
    });
    report("hash", &hash_spans, |&(s, e), out| {
        let _ = m.hash_into(&hash_buf[s..e], out);
    });
    let hash_strs: Vec<&str> = hash_spans.iter().map(|&(s, e)| &hash_buf[s..e]).collect();
    report_batch("hash, batches of 1024", &hash_strs, 1024, |batch, out| {
        let _ = m.hash_batch(batch, out);
    });
    say!("indicators={} queries={queries}", m.len());
    if ONLY.get().is_some() {
        return Ok(());
    }
    for mib in [4, 32] {
        let (independent, dependent) = random_reads(mib << 20, &mut r);
        say!(
            "memory: {:.1} M random 8-byte reads/s from a {mib} MiB table, {:.1} M/s when each \
             read waits on the one before",
            independent / 1e6,
            dependent / 1e6
        );
    }
    Ok(())
}

/// The strings in one buffer, with their spans.
fn packed(items: &[String]) -> (String, Vec<(usize, usize)>) {
    let mut buf = String::new();
    let spans = items
        .iter()
        .map(|s| {
            buf.push_str(s);
            (buf.len() - s.len(), buf.len())
        })
        .collect();
    (buf, spans)
}

/// An address inside an address or network indicator.
fn inside(value: &str, r: &mut Rng) -> IpAddr {
    let (addr, prefix) = match value.split_once('/') {
        Some((a, p)) => (a, p.parse::<u32>().unwrap_or(128)),
        None => (value, 128),
    };
    match addr.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => {
            let host_bits = 32u32.saturating_sub(prefix.min(32));
            let noise = (r.next_u64() as u32)
                .checked_shr(32 - host_bits)
                .unwrap_or(0);
            IpAddr::from((u32::from(a) | noise).to_be_bytes())
        }
        Ok(a) => a,
        Err(_) => IpAddr::from([0, 0, 0, 0]),
    }
}

/// Times `look` over every query, three rounds, and prints the best rate.
fn report<T>(family: &str, queries: &[T], look: impl Fn(&T, &mut Vec<Hit>)) {
    let mut out = Vec::with_capacity(64);
    best_of_rounds(family, queries.len(), || {
        let mut hits = 0;
        for q in queries {
            out.clear();
            look(q, &mut out);
            hits += usize::from(!out.is_empty());
        }
        hits
    });
}

/// Times `look` over the queries in batches of `size`, three rounds, and prints the best rate
/// per query.
fn report_batch<T>(
    family: &str,
    queries: &[T],
    size: usize,
    look: impl Fn(&[T], &mut Vec<(usize, Hit)>),
) {
    let mut out = Vec::with_capacity(size * 2);
    best_of_rounds(family, queries.len(), || {
        let mut hits = 0;
        for batch in queries.chunks(size) {
            out.clear();
            look(batch, &mut out);
            hits += iocmatch_bench::queries_with_hits(&out);
        }
        hits
    });
}

/// Runs `round` (one pass over `queries` queries, returning how many hit) three times (or
/// `--rounds`) and prints the best rate.
fn best_of_rounds(family: &str, queries: usize, mut round: impl FnMut() -> usize) {
    if ONLY
        .get()
        .is_some_and(|only| !family.contains(only.as_str()))
    {
        return;
    }
    let (mut best, mut hits) = (f64::INFINITY, 0);
    for _ in 0..*ROUNDS.get().unwrap_or(&3) {
        let t = Instant::now();
        hits = round();
        best = best.min(t.elapsed().as_secs_f64());
    }
    say!(
        "{family}: {:.1} M lookups/s, {hits} of {queries} hit",
        queries as f64 / best / 1e6
    );
}

/// Random reads per second (best of three rounds) from a table of `bytes`: independent ones,
/// which the memory system can overlap, and a chain in which each read's address comes from
/// the read before, which it cannot (the latency a lookup's dependent reads pay).
fn random_reads(bytes: usize, r: &mut Rng) -> (f64, f64) {
    let n = bytes / 8;
    // One random cycle through every slot, so that the chain never settles in a small loop.
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        order.swap(i, r.below(i as u64 + 1) as usize);
    }
    let mut next = vec![0u64; n];
    for w in 0..n {
        next[order[w] as usize] = u64::from(order[(w + 1) % n]);
    }
    let picks: Vec<u32> = (0..4_000_000).map(|_| r.below(n as u64) as u32).collect();
    let (mut independent, mut dependent) = (f64::INFINITY, f64::INFINITY);
    let mut sum = 0u64;
    for _ in 0..3 {
        let t = Instant::now();
        for &i in &picks {
            sum = sum.wrapping_add(next[i as usize]);
        }
        independent = independent.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut at = 0u64;
        for _ in 0..picks.len() {
            at = next[at as usize];
        }
        dependent = dependent.min(t.elapsed().as_secs_f64());
        sum = sum.wrapping_add(at);
    }
    std::hint::black_box(sum);
    let reads = picks.len() as f64;
    (reads / independent, reads / dependent)
}
