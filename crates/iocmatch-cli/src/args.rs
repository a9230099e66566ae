//! Command-line arguments, parsed by clap into plain values.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Match threat-intelligence indicators against logs and values.
///
/// Exit status, as grep: 0 when something matched, 1 when nothing did, 2 on an error.
#[derive(Parser, Debug)]
#[command(name = "iocmatch", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan log files (or standard input) for indicators, one output record per match.
    Scan(ScanArgs),
    /// Look single values up (kind detected, or given with --kind).
    Check(CheckArgs),
    /// Load indicator files and report counts per kind and every problem found.
    Stats(StatsArgs),
    /// Like stats, but exit 1 if any indicator could not be loaded: for checking feeds in CI.
    Validate(StatsArgs),
}

/// Where indicators come from, shared by every command.
#[derive(Args, Debug)]
pub struct IndicatorArgs {
    /// An indicator file, or a MISP feed folder; repeat for several (formats may differ).
    #[arg(short = 'i', long = "indicators", value_name = "FILE", required = true)]
    pub indicators: Vec<PathBuf>,
    /// Format of the indicator files: text, zeek-intel, misp-json, misp-csv, misp-freetext,
    /// stix2, suricata-dataset, suricata-iprep or csv (default: detected from content).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Fail if any indicator line is bad, instead of loading the rest with warnings.
    #[arg(long)]
    pub strict: bool,
    /// Do not print load warnings.
    #[arg(short, long)]
    pub quiet: bool,
    /// An allowlist: a MISP warninglist (list.json) or a plain list; hits on its values are
    /// suppressed and counted. Repeatable.
    #[arg(long = "allow", value_name = "FILE")]
    pub allow: Vec<std::path::PathBuf>,
    /// MISP: treat first_seen/last_seen as the validity window (for retro-hunts).
    #[arg(long)]
    pub seen_as_validity: bool,
    /// Suricata: the reputation categories file (`id,name,description`) for iprep files.
    #[arg(long, value_name = "FILE")]
    pub iprep_categories: Option<std::path::PathBuf>,
    /// What to do with over-broad indicators (networks shorter than /8 or /16 for IPv6, public
    /// suffixes as domains with subdomains, strings under 4 bytes): reject, warn or allow.
    #[arg(long, value_name = "POLICY", default_value = "warn")]
    pub broad: String,
    /// CSV: the value column, by header name or 0-based position (default: `value`, else the
    /// first column).
    #[arg(long, value_name = "COLUMN")]
    pub csv_value: Option<String>,
    /// CSV: the column holding each row's kind (kind names or MISP attribute types).
    #[arg(long, value_name = "COLUMN")]
    pub csv_kind: Option<String>,
    /// CSV: one kind for every row.
    #[arg(long, value_name = "KIND")]
    pub csv_fixed_kind: Option<String>,
    /// CSV: copy a column into metadata, as COLUMN=KEY (keys as in plain lists); repeatable.
    #[arg(long, value_name = "COLUMN=KEY")]
    pub csv_meta: Vec<String>,
    /// CSV: the field separator (one character; `tab` for a tab).
    #[arg(long, value_name = "CHAR")]
    pub csv_delimiter: Option<String>,
    /// CSV: the file has no header line.
    #[arg(long)]
    pub csv_no_header: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// One JSON object per line.
    Json,
    /// One short human-readable line per match.
    Text,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    #[command(flatten)]
    pub indicators: IndicatorArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "json")]
    pub output: Output,
    /// Print hits an allowlist suppresses too, marked with `suppressed_by`.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Worker threads (default, and 0: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print on standard error how long loading and compiling the indicators took, and how long
    /// reading, scanning and printing the inputs took for how many bytes.
    #[arg(long)]
    pub timing: bool,
    /// Read large files into buffers instead of mapping them. A mapped file that is truncated
    /// while it is scanned (log rotation by copytruncate) stops the run with an error; a read
    /// one just ends early.
    #[arg(long)]
    pub no_mmap: bool,
    /// Log files to scan (gzip is detected); `-` or none for standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub indicators: IndicatorArgs,
    /// Look values up as this kind (ip, domain, url, email, hash, filename, user-agent, username).
    #[arg(short, long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "json")]
    pub output: Output,
    /// Values to look up.
    #[arg(value_name = "VALUE", required = true)]
    pub values: Vec<String>,
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    #[command(flatten)]
    pub indicators: IndicatorArgs,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How many diagnostics to list per file.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_diagnostics: usize,
}
