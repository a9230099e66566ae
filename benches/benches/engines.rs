//! Criterion benches: compile, each lookup family, and the line scan of Zeek TSV and JSON logs,
//! at 10k, 100k and 1M indicators. `IOCMATCH_BENCH_SIZES` (a comma-separated list of indicator
//! counts) runs other sizes: generating and compiling 1M takes most of a run's minutes.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iocmatch::{IndicatorSet, LoadOptions, Matcher};
use iocmatch_bench::{generate, Rng, Spec};

fn sizes() -> Vec<usize> {
    match std::env::var("IOCMATCH_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("IOCMATCH_BENCH_SIZES: {n:?} is not a count"))
            })
            .collect(),
        Err(_) => vec![10_000, 100_000, 1_000_000],
    }
}

/// The indicators, and the same 20,000 events as Zeek TSV and as Zeek JSON lines.
fn corpus(n: usize) -> (IndicatorSet, Vec<u8>, Vec<u8>) {
    let c = generate(&Spec {
        indicators: n,
        lines: 20_000,
        ..Spec::default()
    });
    let mut set = IndicatorSet::new();
    set.load("bench", c.indicators.as_bytes(), &LoadOptions::default())
        .unwrap();
    (set, c.tsv, c.json)
}

fn bench(c: &mut Criterion) {
    for n in sizes() {
        let (set, tsv, json) = corpus(n);
        let m: Matcher = set.compile().unwrap();

        let mut g = c.benchmark_group("compile");
        g.sample_size(10);
        g.bench_with_input(BenchmarkId::from_parameter(n), &set, |b, set| {
            b.iter(|| set.compile().unwrap())
        });
        g.finish();

        // The CLI's path: scan_lines over a buffer, on a pool of one and of two threads.
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut g = c.benchmark_group(format!("scan-zeek-tsv-{threads}t"));
            g.throughput(Throughput::Bytes(tsv.len() as u64));
            g.bench_with_input(BenchmarkId::from_parameter(n), &tsv, |b, tsv| {
                b.iter(|| pool.install(|| black_box(m.scan_lines(tsv).len())))
            });
            g.finish();
        }
        let mut g = c.benchmark_group("scan-zeek-json-1t");
        g.throughput(Throughput::Bytes(json.len() as u64));
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        g.bench_with_input(BenchmarkId::from_parameter(n), &json, |b, json| {
            b.iter(|| one.install(|| black_box(m.scan_lines(json).len())))
        });
        g.finish();

        let mut r = Rng::new(7);
        let ips: Vec<IpAddr> = (0..10_000)
            .map(|_| IpAddr::from((r.next_u64() as u32).to_be_bytes()))
            .collect();
        let hosts: Vec<String> = set
            .indicators()
            .iter()
            .filter(|i| i.kind == iocmatch::Kind::Domain)
            .take(5_000)
            .map(|i| format!("www.{}", i.value))
            .chain((0..5_000).map(|_| format!("cdn.{}.com", r.word(3))))
            .collect();
        // Half the digests are indicators, so that hits and their slot reads are timed too.
        let hashes: Vec<String> = set
            .indicators()
            .iter()
            .filter(|i| i.kind.is_hex_digest())
            .take(5_000)
            .map(|i| i.value.clone())
            .chain((0..5_000).map(|_| r.hex(64)))
            .collect();

        let mut g = c.benchmark_group("lookup");
        g.throughput(Throughput::Elements(10_000));
        g.bench_function(BenchmarkId::new("ip", n), |b| {
            b.iter(|| ips.iter().map(|a| m.ip(*a).len()).sum::<usize>())
        });
        g.bench_function(BenchmarkId::new("ip-batch-1024", n), |b| {
            let mut out = Vec::new();
            b.iter(|| {
                ips.chunks(1024)
                    .map(|batch| {
                        out.clear();
                        m.ip_batch(batch, &mut out);
                        out.len()
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function(BenchmarkId::new("domain", n), |b| {
            b.iter(|| {
                hosts
                    .iter()
                    .map(|h| m.domain(h).map_or(0, |v| v.len()))
                    .sum::<usize>()
            })
        });
        g.bench_function(BenchmarkId::new("domain-batch-1024", n), |b| {
            let mut out = Vec::new();
            b.iter(|| {
                hosts
                    .chunks(1024)
                    .map(|batch| {
                        out.clear();
                        let bad = m.domain_batch(batch, &mut out);
                        out.len() + bad.len()
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function(BenchmarkId::new("hash", n), |b| {
            b.iter(|| {
                hashes
                    .iter()
                    .map(|h| m.hash(h).map_or(0, |v| v.len()))
                    .sum::<usize>()
            })
        });
        g.bench_function(BenchmarkId::new("hash-batch-1024", n), |b| {
            let mut out = Vec::new();
            b.iter(|| {
                hashes
                    .chunks(1024)
                    .map(|batch| {
                        out.clear();
                        let bad = m.hash_batch(batch, &mut out);
                        out.len() + bad.len()
                    })
                    .sum::<usize>()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
