//! Runs two builds of a benchmark program in alternating pairs and compares one figure of their
//! output: how a change to the engines is measured on a shared machine, where the rate moves
//! between runs by more than most changes move it. Within a pair the two builds run back to
//! back, the first of each pair taking turns, so that the machine's drift falls on both alike.
//!
//! Usage: ab BEFORE AFTER [--pairs N] [--figure TEXT] -- ARGS...
//!
//! BEFORE and AFTER are two copies of one program (`scan-speed`, `lookup-speed`), each run with
//! ARGS; a name without a `/` is looked up on the `PATH`, as a shell would. N is 6 unless given,
//! an even number so that each build runs first equally often. The figure is the plain decimal
//! number (digits, at most one point) that follows the first TEXT in a run's output (stdout,
//! then stderr), after any spaces; TEXT is `scan_mb_s=` unless given (for `lookup-speed`, a
//! lookup's name and colon, such as `"hash, batches of 1024:"`). Prints each pair, then each
//! build's mean and range, the ratio of the means, and in how many pairs AFTER's figure was the
//! higher (for rates, the pairs in which the change was faster).
//!
//! Example, a change to the digest batch:
//!   cp target/release/lookup-speed /tmp/before   # built before the change
//!   cargo build --release -p iocmatch-bench
//!   target/release/ab /tmp/before target/release/lookup-speed --pairs 6 \
//!     --figure "hash, batches of 1024:" -- /tmp/corpus/indicators.txt \
//!     --only "hash, batches" --rounds 10

use std::io::Write;
use std::process::Command;

fn main() {
    if let Err(e) = run() {
        eprintln!("ab: error: {e}");
        std::process::exit(2);
    }
}

const USAGE: &str = "usage: ab BEFORE AFTER [--pairs N] [--figure TEXT] -- ARGS...";

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| format!("argument {a:?} is not UTF-8"))
        })
        .collect::<Result<_, _>>()?;
    let mut args = args.into_iter();
    let (mut builds, mut pairs, mut figure) = (Vec::new(), 6usize, "scan_mb_s=".to_string());
    let mut rest = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--pairs" => {
                let v = args.next().ok_or("--pairs needs a value")?;
                pairs = v.parse().map_err(|_| format!("invalid number {v:?}"))?;
            }
            "--figure" => figure = args.next().ok_or("--figure needs a value")?,
            "--" => rest.extend(args.by_ref()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}\n{USAGE}")),
            s => builds.push(s.to_string()),
        }
    }
    let [before, after] = &builds[..] else {
        return Err(USAGE.into());
    };
    if pairs == 0 {
        return Err("--pairs must be at least 1".into());
    }
    let mut stdout = std::io::stdout().lock();
    let mut say = |line: String| writeln!(stdout, "{line}").map_err(|e| format!("stdout: {e}"));
    let mut results = Vec::new();
    for pair in 0..pairs {
        // The first of each pair takes turns, so that neither build always runs first.
        let (b, a) = if pair % 2 == 0 {
            let b = measure(before, &rest, &figure)?;
            (b, measure(after, &rest, &figure)?)
        } else {
            let a = measure(after, &rest, &figure)?;
            (measure(before, &rest, &figure)?, a)
        };
        say(format!("pair {}: before {b} after {a}", pair + 1))?;
        results.push((b, a));
    }
    say(Summary::of(&results).to_string())
}

/// Runs `program` with `args` and reads its figure.
fn measure(program: &str, args: &[String], figure: &str) -> Result<f64, String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program}: {e}"))?;
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!("{program} failed ({}):\n{text}", out.status));
    }
    figure_after(&text, figure).ok_or(format!(
        "no number after {figure:?} in the output of {program}:\n{text}"
    ))
}

/// The plain decimal number (digits, at most one point) that follows the first `text` in
/// `output`, after any spaces; none if something else follows it.
fn figure_after(output: &str, text: &str) -> Option<f64> {
    let at = output.find(text)? + text.len();
    let rest = output[at..].trim_start_matches(' ');
    let mut points = 0;
    let len = rest
        .find(|c: char| {
            points += usize::from(c == '.');
            !(c.is_ascii_digit() || (c == '.' && points == 1))
        })
        .unwrap_or(rest.len());
    rest[..len].parse().ok()
}

/// What the pairs show: each build's mean and range, the ratio of the means, and the pairs in
/// which AFTER was the higher.
#[derive(Debug, PartialEq)]
struct Summary {
    before: (f64, f64, f64),
    after: (f64, f64, f64),
    higher: usize,
    pairs: usize,
}

impl Summary {
    fn of(results: &[(f64, f64)]) -> Summary {
        let stats = |pick: fn(&(f64, f64)) -> f64| {
            let values = results.iter().map(pick);
            let mean = values.clone().sum::<f64>() / results.len() as f64;
            let min = values.clone().fold(f64::INFINITY, f64::min);
            (mean, min, values.fold(f64::NEG_INFINITY, f64::max))
        };
        Summary {
            before: stats(|r| r.0),
            after: stats(|r| r.1),
            higher: results.iter().filter(|(b, a)| a > b).count(),
            pairs: results.len(),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (b, a) = (self.before, self.after);
        write!(
            f,
            "before mean {:.2} ({:.2}-{:.2}); after mean {:.2} ({:.2}-{:.2}); after/before {:.3}; \
             after higher in {} of {}",
            b.0,
            b.1,
            b.2,
            a.0,
            a.1,
            a.2,
            a.0 / b.0,
            self.higher,
            self.pairs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_figure_is_the_number_after_the_first_text() {
        let scan = "indicators=100 compile_s=0.031 scan_mb_s=951.3 threads=1 matches=7\n";
        assert_eq!(figure_after(scan, "scan_mb_s="), Some(951.3));
        assert_eq!(figure_after(scan, "compile_s="), Some(0.031));
        let lookups = "ip: 36.3 M lookups/s, 5 of 9 hit\nip, batches of 1024: 60.9 M lookups/s\n";
        assert_eq!(figure_after(lookups, "ip, batches of 1024:"), Some(60.9));
        assert_eq!(figure_after(lookups, "ip:"), Some(36.3));
        // A second point ends the number; no number, or no text, is no figure.
        assert_eq!(figure_after("v=1.2.3", "v="), Some(1.2));
        assert_eq!(figure_after("rate=951.3MB/s", "rate="), Some(951.3));
        assert_eq!(figure_after("rate=.5", "rate="), Some(0.5));
        assert_eq!(figure_after("scan_mb_s=fast", "scan_mb_s="), None);
        assert_eq!(figure_after("rate=-3", "rate="), None);
        assert_eq!(figure_after(scan, "missing="), None);
    }

    #[test]
    fn the_summary_counts_the_pairs_where_after_is_higher() {
        let s = Summary::of(&[(100.0, 110.0), (104.0, 102.0), (96.0, 111.0)]);
        assert_eq!(s.before, (100.0, 96.0, 104.0));
        assert_eq!(s.after, (107.66666666666667, 102.0, 111.0));
        assert_eq!((s.higher, s.pairs), (2, 3));
        assert_eq!(
            s.to_string(),
            "before mean 100.00 (96.00-104.00); after mean 107.67 (102.00-111.00); \
             after/before 1.077; after higher in 2 of 3"
        );
        // A tie is not higher.
        assert_eq!(Summary::of(&[(5.0, 5.0)]).higher, 0);
    }
}
