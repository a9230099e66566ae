//! Loading indicator files for every command, with warnings on standard error.

use std::sync::Arc;

use iocmatch::allow::{read_plain_allowlist, read_warninglist, Allowlist};
use iocmatch::source::csv::{Column, CsvMapping};
use iocmatch::{Format, IndicatorSet, Kind, LoadOptions, LoadReport, Matcher};

use crate::args::IndicatorArgs;
use crate::Failure;

/// How many diagnostics of one file are printed during a scan or check.
const SHOWN_PER_FILE: usize = 10;

/// Loads every indicator file into one set; returns the set and each file's report.
pub fn load(args: &IndicatorArgs) -> Result<(IndicatorSet, Vec<LoadReport>), Failure> {
    let format = match &args.format {
        Some(f) => Some(f.parse::<Format>().map_err(Failure::Usage)?),
        None => None,
    };
    let opts = LoadOptions {
        strict: args.strict,
        format,
        csv: csv_mapping(args)?,
        guards: iocmatch::Guards {
            policy: args.broad.parse().map_err(Failure::Usage)?,
            ..Default::default()
        },
        seen_as_validity: args.seen_as_validity,
        iprep_categories: match &args.iprep_categories {
            None => Default::default(),
            Some(p) => {
                let name = p.display().to_string();
                let bytes = std::fs::read(p).map_err(|e| Failure::Io(format!("{name}: {e}")))?;
                iocmatch::source::suricata::read_categories(&bytes)
                    .map_err(|e| Failure::Usage(format!("{name}: {e}")))?
            }
        },
        ..LoadOptions::default()
    };
    let mut set = IndicatorSet::new();
    let mut reports = Vec::new();
    for path in &args.indicators {
        let report = set.load_path(path, &opts).map_err(Failure::Lib)?;
        reports.push(report);
    }
    Ok((set, reports))
}

/// The CSV column mapping from the `--csv-*` flags.
fn csv_mapping(args: &IndicatorArgs) -> Result<CsvMapping, Failure> {
    let column = |s: &str| s.parse::<Column>().map_err(Failure::Usage);
    let mut m = CsvMapping {
        value: args.csv_value.as_deref().map(column).transpose()?,
        kind: args.csv_kind.as_deref().map(column).transpose()?,
        fixed_kind: args
            .csv_fixed_kind
            .as_deref()
            .map(|k| k.parse::<Kind>().map_err(Failure::Usage))
            .transpose()?,
        header: !args.csv_no_header,
        ..CsvMapping::default()
    };
    for pair in &args.csv_meta {
        let (col, key) = pair
            .split_once('=')
            .ok_or_else(|| Failure::Usage(format!("--csv-meta {pair:?}: expected COLUMN=KEY")))?;
        m.meta.push((column(col)?, key.to_string()));
    }
    if let Some(d) = &args.csv_delimiter {
        m.delimiter = match d.as_str() {
            "tab" | "\\t" => b'\t',
            s if s.len() == 1 => s.as_bytes()[0],
            _ => {
                return Err(Failure::Usage(format!(
                    "--csv-delimiter {d:?}: one character or `tab`"
                )))
            }
        };
    }
    Ok(m)
}

/// Loads and compiles, printing load diagnostics unless quiet.
pub fn matcher(args: &IndicatorArgs) -> Result<Matcher, Failure> {
    let (set, reports) = load(args)?;
    if !args.quiet {
        for r in &reports {
            for d in r.diagnostics.iter().take(SHOWN_PER_FILE) {
                eprintln!("iocmatch: {d}");
            }
            let shown = r.diagnostics.len().min(SHOWN_PER_FILE);
            if r.diagnostics_total > shown {
                eprintln!(
                    "iocmatch: {}: {} more problem(s); see `iocmatch stats`",
                    r.input,
                    r.diagnostics_total - shown
                );
            }
        }
    }
    if set.is_empty() {
        return Err(Failure::Usage("no indicators were loaded".into()));
    }
    let m = set.into_matcher().map_err(Failure::Lib)?;
    Ok(match allowlist(args)? {
        Some(allow) => m.with_allowlist(Arc::new(allow)),
        None => m,
    })
}

/// The allowlists named by `--allow`, if any: MISP warninglists (JSON) or plain lists.
pub fn allowlist(args: &IndicatorArgs) -> Result<Option<Allowlist>, Failure> {
    if args.allow.is_empty() {
        return Ok(None);
    }
    let mut allow = Allowlist::new();
    for path in &args.allow {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Failure::Io(format!("{name}: {e}")))?;
        if bytes.trim_ascii_start().starts_with(b"{") {
            allow.push(
                read_warninglist(&bytes).map_err(|e| Failure::Usage(format!("{name}: {e}")))?,
            );
        } else {
            for l in read_plain_allowlist(&name, &bytes).map_err(Failure::Usage)? {
                allow.push(l);
            }
        }
    }
    Ok(Some(allow))
}

/// The matcher without its allowlist, and the allowlist: for showing suppressed hits, which the
/// caller then marks and counts itself.
pub fn split_allowlist(m: &Matcher) -> (Matcher, Option<Arc<Allowlist>>) {
    match m.allowlist_arc() {
        Some(a) => (m.without_allowlist(), Some(a)),
        None => (m.clone(), None),
    }
}

/// Prints, to standard error, how many hits each allowlist suppressed.
pub fn report_suppressed(m: &Matcher, quiet: bool) {
    let Some(allow) = m.allowlist() else { return };
    if quiet {
        return;
    }
    for l in allow.lists() {
        if l.suppressed() > 0 {
            eprintln!(
                "iocmatch: {} hit(s) suppressed by allowlist {:?}",
                l.suppressed(),
                l.name
            );
        }
    }
}
