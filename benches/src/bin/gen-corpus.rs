//! Writes a benchmark corpus to a folder: `indicators.txt` (plain list), `patterns.txt` (the
//! strings substring engines search for), `zeek.log` (TSV), `zeek.json` (JSON lines) and
//! `expected.tsv` / `expected-json.tsv` (line, text, indicator of every planted hit).
//!
//! Usage: gen-corpus OUT_DIR [--indicators N | --stress] [--lines N] [--hit-rate P]
//!                           [--near-miss-rate P] [--seed S] [--no-json]
//!
//! `--stress` is the stress case of ten million indicators.

use std::io::Write;
use std::path::PathBuf;

use iocmatch_bench::{generate, Planted, Spec};

/// The indicator count of `--stress`.
const STRESS_INDICATORS: usize = 10_000_000;

fn main() {
    if let Err(e) = run() {
        eprintln!("gen-corpus: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut out: Option<PathBuf> = None;
    let mut spec = Spec::default();
    let mut json = true;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--indicators" => spec.indicators = parse(&value("--indicators")?)?,
            "--stress" => spec.indicators = STRESS_INDICATORS,
            "--lines" => spec.lines = parse(&value("--lines")?)?,
            "--hit-rate" => spec.hit_rate = parse(&value("--hit-rate")?)?,
            "--near-miss-rate" => spec.near_miss_rate = parse(&value("--near-miss-rate")?)?,
            "--seed" => spec.seed = parse(&value("--seed")?)?,
            "--no-json" => json = false,
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => out = Some(PathBuf::from(s)),
        }
    }
    let out = out.ok_or("usage: gen-corpus OUT_DIR [--indicators N | --stress] [--lines N] [--hit-rate P] [--near-miss-rate P] [--seed S] [--no-json]")?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let c = generate(&spec);
    let write = |name: &str, data: &[u8]| {
        std::fs::write(out.join(name), data).map_err(|e| format!("{name}: {e}"))
    };
    write("indicators.txt", c.indicators.as_bytes())?;
    write("patterns.txt", (c.patterns.join("\n") + "\n").as_bytes())?;
    write("zeek.log", &c.tsv)?;
    if json {
        write("zeek.json", &c.json)?;
    }
    write("expected.tsv", &expected(&c.planted))?;
    if json {
        write("expected-json.tsv", &expected(&c.planted_json))?;
    }
    // The sizes of the logs written: with --no-json, none of JSON.
    let json_bytes = if json {
        format!(", {} bytes JSON", c.json.len())
    } else {
        String::new()
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "{}: {} indicators, {} lines ({} bytes TSV{json_bytes}), {} planted hits",
        out.display(),
        spec.indicators,
        spec.lines,
        c.tsv.len(),
        c.planted.len()
    );
    Ok(())
}

fn parse<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("invalid number {s:?}"))
}

/// `line<TAB>text<TAB>indicator`, 1-based lines as the CLI reports them.
fn expected(planted: &[Planted]) -> Vec<u8> {
    let mut s = String::new();
    for p in planted {
        s.push_str(&format!("{}\t{}\t{}\n", p.line + 1, p.text, p.indicator));
    }
    s.into_bytes()
}
