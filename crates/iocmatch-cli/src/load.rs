//! Loading indicator files for every command, with warnings on standard error.

use iocmatch::{Format, IndicatorSet, LoadOptions, LoadReport, Matcher};

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

/// Loads and compiles, printing load diagnostics unless quiet.
pub fn matcher(args: &IndicatorArgs) -> Result<Matcher, Failure> {
    let (set, reports) = load(args)?;
    if !args.quiet {
        for r in &reports {
            for d in r.diagnostics.iter().take(SHOWN_PER_FILE) {
                eprintln!("iocmatch: {d}");
            }
            if r.diagnostics.len() > SHOWN_PER_FILE {
                eprintln!(
                    "iocmatch: {}: {} more problem(s); see `iocmatch stats`",
                    r.input,
                    r.diagnostics.len() - SHOWN_PER_FILE
                );
            }
        }
    }
    if set.is_empty() {
        return Err(Failure::Usage("no indicators were loaded".into()));
    }
    set.compile().map_err(Failure::Lib)
}
