//! Times the library alone on one corpus, without the CLI's reading and printing: load, compile,
//! and `Matcher::scan_lines` over a log held in memory, on a pool of the given size.
//!
//! Usage: scan-speed INDICATORS LOG [--threads N] [--repeat R]
//! Prints one line: indicators, compile seconds, the engines' bytes per indicator (and the
//! values' own bytes per indicator, for comparison), best scan MB/s over R runs, matches.

use std::time::Instant;

use iocmatch::{IndicatorSet, LoadOptions};

fn main() {
    if let Err(e) = run() {
        eprintln!("scan-speed: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut paths = Vec::new();
    let (mut threads, mut repeat) = (1usize, 3usize);
    while let Some(a) = args.next() {
        let mut value = |name: &str| -> Result<usize, String> {
            let v = args.next().ok_or(format!("{name} needs a value"))?;
            v.parse().map_err(|_| format!("invalid number {v:?}"))
        };
        match a.as_str() {
            "--threads" => threads = value("--threads")?,
            "--repeat" => repeat = value("--repeat")?.max(1),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => paths.push(s.to_string()),
        }
    }
    let [inds, log] = &paths[..] else {
        return Err("usage: scan-speed INDICATORS LOG [--threads N] [--repeat R]".into());
    };
    let mut set = IndicatorSet::new();
    set.load_path(inds, &LoadOptions::default())
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let m = set.compile().map_err(|e| e.to_string())?;
    let compile_s = t.elapsed().as_secs_f64();
    let data = std::fs::read(log).map_err(|e| format!("{log}: {e}"))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())?;
    let mut best = f64::INFINITY;
    let mut found = 0;
    for _ in 0..repeat {
        let t = Instant::now();
        found = pool.install(|| m.scan_lines(&data).len());
        best = best.min(t.elapsed().as_secs_f64());
    }
    let n = m.len().max(1) as f64;
    let value_bytes: usize = m.indicators().iter().map(|i| i.value.len()).sum();
    println!(
        "indicators={} compile_s={compile_s:.3} engine_bytes_per_indicator={:.0} \
         value_bytes_per_indicator={:.0} scan_mb_s={:.1} threads={threads} matches={found}",
        m.len(),
        m.engine_bytes() as f64 / n,
        value_bytes as f64 / n,
        data.len() as f64 / 1e6 / best
    );
    Ok(())
}
