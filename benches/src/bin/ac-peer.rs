//! Peer engine for the side-by-side runs: the aho-corasick crate with one automaton of all the
//! patterns, as a substring engine would use it. Writes the 1-based numbers of lines with any
//! match to OUT and prints the build and scan times on standard error.
//!
//! Usage: ac-peer PATTERNS LOG OUT

use std::io::Write;
use std::time::Instant;

use aho_corasick::AhoCorasick;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: ac-peer PATTERNS LOG OUT");
        std::process::exit(2);
    }
    let patterns = std::fs::read_to_string(&args[1]).expect("patterns");
    let pats: Vec<&str> = patterns.lines().filter(|l| !l.is_empty()).collect();
    let t0 = Instant::now();
    let ac = AhoCorasick::new(&pats).expect("automaton");
    let build = t0.elapsed().as_secs_f64();
    let log = std::fs::read(&args[2]).expect("log");
    let t1 = Instant::now();
    let mut lines = Vec::new();
    for (i, line) in log.split(|&b| b == b'\n').enumerate() {
        if ac.is_match(line) {
            lines.push(i + 1);
        }
    }
    let scan = t1.elapsed().as_secs_f64();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[3]).expect("out"));
    for l in lines {
        writeln!(out, "{l}").expect("write");
    }
    eprintln!("build_s={build:.3} scan_s={scan:.3}");
}
