//! The `iocmatch` command: glue between arguments, the core library and output formats.

mod args;
mod input;
mod load;
#[cfg(unix)]
mod mapped;
mod render;
mod scan;

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use iocmatch::{Hit, Kind, Matcher};

use args::{CheckArgs, Cli, Command, Output, ScanArgs, StatsArgs};

/// Why a command failed; each becomes one line on standard error and exit status 2.
pub enum Failure {
    /// Bad arguments or nothing to do.
    Usage(String),
    /// An error from the library.
    Lib(iocmatch::Error),
    /// Reading input or writing output failed.
    Io(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Usage(m) | Failure::Io(m) => f.write_str(m),
            Failure::Lib(iocmatch::Error::Load { input, diagnostics }) => {
                write!(f, "{input}: strict load failed:")?;
                for d in diagnostics
                    .iter()
                    .filter(|d| d.severity == iocmatch::Severity::Error)
                {
                    write!(f, "\n  {d}")?;
                }
                Ok(())
            }
            Failure::Lib(e) => write!(f, "{e}"),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan(a) => scan(a),
        Command::Check(a) => check(a),
        Command::Stats(a) => stats(a).map(|_| true),
        Command::Validate(a) => stats(a),
    };
    match result {
        Ok(true) => ExitCode::from(0),
        Ok(false) => ExitCode::from(1),
        Err(Failure::Io(m)) if m.contains("Broken pipe") => ExitCode::from(0),
        Err(e) => {
            eprintln!("iocmatch: error: {e}");
            ExitCode::from(2)
        }
    }
}

fn io_err(e: io::Error) -> Failure {
    Failure::Io(e.to_string())
}

/// The most memory this process has held resident, in KiB, where the system says (Linux).
fn peak_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `scan`: every match in every input, in input order. Returns whether anything matched.
fn scan(a: ScanArgs) -> Result<bool, Failure> {
    let started = Instant::now();
    let full = load::matcher(&a.indicators)?;
    let loaded = Instant::now();
    // With --show-suppressed, scan without the allowlist and mark what it would suppress.
    let (m, shown_allow) = if a.show_suppressed {
        load::split_allowlist(&full)
    } else {
        (full.clone(), None)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure::Usage(format!("cannot start threads: {e}")))?;
    let files = if a.files.is_empty() {
        vec![std::path::PathBuf::from("-")]
    } else {
        a.files
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(256 * 1024, stdout.lock());
    let (mut any, mut bytes, mut failed) = (false, 0, false);
    let scanner = scan::Scanner {
        m: &m,
        shown_allow: shown_allow.as_deref(),
        output: a.output,
        pool: &pool,
        map_large_files: !a.no_mmap,
    };
    scanner
        .scan_all(&files, &mut out, |outcome| {
            any |= outcome.any;
            bytes += outcome.bytes;
            match outcome.result {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(e),
                Err(e) => {
                    eprintln!("iocmatch: error: {}: {e}", outcome.name);
                    failed = true;
                    Ok(())
                }
                Ok(()) => Ok(()),
            }
        })
        .map_err(io_err)?;
    out.flush().map_err(io_err)?;
    if a.timing {
        let scan_s = loaded.elapsed().as_secs_f64();
        let peak = peak_resident_kib().map_or(String::new(), |k| format!(" peak_rss_kib={k}"));
        eprintln!(
            "iocmatch: timing: load_s={:.3} scan_s={scan_s:.3} bytes={bytes} mb_s={:.1}{peak}",
            (loaded - started).as_secs_f64(),
            bytes as f64 / 1e6 / scan_s.max(1e-9)
        );
    }
    load::report_suppressed(&full, a.indicators.quiet);
    // The process ends next: its matchers' tables go back to the system with it, rather than
    // be freed piece by piece (a tenth of a second or more at 1M indicators).
    std::mem::forget((full, m, shown_allow));
    if failed {
        return Err(Failure::Usage("some inputs could not be read".into()));
    }
    Ok(any)
}

/// `check`: typed or detected lookups of single values.
fn check(a: CheckArgs) -> Result<bool, Failure> {
    let m = load::matcher(&a.indicators)?;
    let kind = match &a.kind {
        None => None,
        Some(k) if k == "ip" || k == "hash" => Some(k.clone()),
        Some(k) => Some(
            k.parse::<Kind>()
                .map_err(Failure::Usage)?
                .name()
                .to_string(),
        ),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut any = false;
    for value in &a.values {
        let hits = lookup(&m, kind.as_deref(), value)?;
        for h in hits {
            any = true;
            let rec = match a.output {
                Output::Json => render::hit_json(&m, value, h.indicator, h.how),
                Output::Text => render::hit_text(&m, value, h.indicator, h.how),
            };
            writeln!(out, "{rec}").map_err(io_err)?;
        }
    }
    Ok(any)
}

fn lookup(m: &Matcher, kind: Option<&str>, value: &str) -> Result<Vec<Hit>, Failure> {
    let bad = |e: iocmatch::Error| Failure::Usage(format!("{value:?}: {e}"));
    Ok(match kind {
        None => m.lookup(value),
        Some("ip" | "ipv4" | "ipv6") => {
            let addr = value
                .trim()
                .parse()
                .map_err(|_| Failure::Usage(format!("{value:?} is not an IP address")))?;
            m.ip(addr)
        }
        Some("domain") => m.domain(value).map_err(bad)?,
        Some("url") => m.url(value).map_err(bad)?,
        Some("email") => m.email(value).map_err(bad)?,
        Some(k) if k == "hash" || k.parse::<Kind>().is_ok_and(|k| k.is_hex_digest()) => {
            m.hash(value).map_err(bad)?
        }
        Some(k) => match k.parse::<Kind>() {
            Ok(kind) if kind.is_word_string() => m.string(kind, value),
            _ => {
                return Err(Failure::Usage(format!(
                    "--kind {k}: lookups take ip, domain, url, email, hash, filename, user-agent or username"
                )))
            }
        },
    })
}

/// `stats` and `validate`: the load report of every file and counts per kind. Returns whether
/// every record loaded.
fn stats(a: StatsArgs) -> Result<bool, Failure> {
    let (set, reports) = load::load(&a.indicators)?;
    let st = set.stats();
    // Indicators whose own value an allowlist holds: their hits would all be suppressed.
    let mut on_allowlists: std::collections::BTreeMap<String, usize> = Default::default();
    if let Some(allow) = load::allowlist(&a.indicators)? {
        for ind in set.indicators() {
            if let Some(l) = allow.holder(ind.kind, &ind.value) {
                *on_allowlists.entry(l.name.clone()).or_insert(0) += 1;
            }
        }
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if a.json {
        let files: Vec<serde_json::Value> = reports
            .iter()
            .map(|r| {
                serde_json::json!({
                    "input": r.input,
                    "format": r.format.map(|f| f.name()),
                    "records": r.records,
                    "added": r.added,
                    "merged": r.merged,
                    "rejected": r.rejected,
                    "skipped": r.skipped,
                    "per_kind": r.per_kind.iter().map(|(k, n)| (k.name().to_string(), serde_json::json!(n))).collect::<serde_json::Map<_, _>>(),
                    "diagnostics": r.diagnostics.iter().take(a.max_diagnostics).map(|d| serde_json::json!({
                        "severity": d.severity.name(),
                        "file": &*d.location.file,
                        "line": d.location.line,
                        "message": d.message,
                    })).collect::<Vec<_>>(),
                    "diagnostics_total": r.diagnostics_total,
                })
            })
            .collect();
        let per_kind: serde_json::Map<String, serde_json::Value> = st
            .per_kind
            .iter()
            .map(|(k, n)| (k.name().to_string(), serde_json::json!(n)))
            .collect();
        let doc = serde_json::json!({
            "indicators": st.indicators,
            "per_kind": per_kind,
            "merged": st.merged,
            "rejected": st.rejected,
            "expired": st.expired,
            "on_allowlists": on_allowlists,
            "files": files,
        });
        writeln!(out, "{doc}").map_err(io_err)?;
    } else {
        for r in &reports {
            writeln!(
                out,
                "{} ({}): {} records, {} added, {} merged, {} rejected",
                r.input,
                r.format.map_or("?", |f| f.name()),
                r.records,
                r.added,
                r.merged,
                r.rejected
            )
            .map_err(io_err)?;
            let kinds: Vec<String> = r.per_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
            if !kinds.is_empty() {
                writeln!(out, "  loaded: {}", kinds.join(", ")).map_err(io_err)?;
            }
            for (ty, n) in &r.skipped {
                writeln!(out, "  skipped {n} of type {ty} (cannot be matched)").map_err(io_err)?;
            }
            for d in r.diagnostics.iter().take(a.max_diagnostics) {
                writeln!(out, "  {d}").map_err(io_err)?;
            }
            let shown = r.diagnostics.len().min(a.max_diagnostics);
            if r.diagnostics_total > shown {
                writeln!(out, "  ... {} more", r.diagnostics_total - shown).map_err(io_err)?;
            }
        }
        writeln!(out, "{} indicators", st.indicators).map_err(io_err)?;
        for (name, n) in &on_allowlists {
            writeln!(
                out,
                "  {n} on allowlist {name:?} (their hits would be suppressed)"
            )
            .map_err(io_err)?;
        }
        for (k, n) in &st.per_kind {
            writeln!(out, "  {:<11} {n}", k.name()).map_err(io_err)?;
        }
        writeln!(
            out,
            "{} duplicate record(s) merged, {} rejected, {} outside their validity window now",
            st.merged, st.rejected, st.expired
        )
        .map_err(io_err)?;
    }
    Ok(st.rejected == 0)
}
