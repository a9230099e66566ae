//! `IndicatorSet`: indicators gathered from any number of sources, normalised and deduplicated,
//! with the diagnostics of every load. Compile it into a `Matcher` to search.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Diagnostic, Error, Severity};
use crate::indicator::{Indicator, IndicatorId, Kind, Mode, Record};
use crate::matcher::{CompileOptions, Matcher};
use crate::normalize;
use crate::source::{Format, Parsed};

/// Options for one load.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Fail the whole load, leaving the set unchanged, if any record is bad.
    pub strict: bool,
    /// The source name for records whose format does not name one (default: the input's name).
    pub source: Option<String>,
    /// The format; `None` detects it from the content.
    pub format: Option<Format>,
    /// Longest value accepted, in bytes; longer values are errors.
    pub max_value_len: usize,
    /// Diagnostics kept per load (the first by location); the report counts them all.
    pub max_diagnostics: usize,
    /// How to read `csv` (and `misp-csv`) files.
    pub csv: crate::source::csv::CsvMapping,
    /// What counts as over-broad, and what to do with it.
    pub guards: crate::guard::Guards,
    /// Suricata reputation category names by id (see `source::suricata::read_categories`).
    pub iprep_categories: BTreeMap<u8, String>,
    /// Treat MISP `first_seen` / `last_seen` as the validity window where a record has none.
    /// Off by default: they record when a value was observed, so with the system clock an
    /// indicator last seen a month ago would stop matching; on, they suit retro-hunts with a
    /// fixed clock.
    pub seen_as_validity: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            strict: false,
            source: None,
            format: None,
            max_value_len: 64 * 1024,
            max_diagnostics: 1000,
            csv: Default::default(),
            guards: Default::default(),
            iprep_categories: BTreeMap::new(),
            seen_as_validity: false,
        }
    }
}

/// What one load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadReport {
    /// The input's name.
    pub input: String,
    /// The format it was read as.
    pub format: Option<Format>,
    /// Records the parser produced (good and bad values alike).
    pub records: usize,
    /// Records that became new indicators.
    pub added: usize,
    /// Records merged into an indicator already in the set (same kind, value and mode).
    pub merged: usize,
    /// Records rejected; each has an error diagnostic.
    pub rejected: usize,
    /// Entries of types that cannot be matched, per type (MISP `text`, ...); not errors.
    pub skipped: BTreeMap<String, usize>,
    /// Records loaded (added or merged), per kind.
    pub per_kind: BTreeMap<Kind, usize>,
    /// Diagnostics found, including those past `LoadOptions::max_diagnostics`.
    pub diagnostics_total: usize,
    /// Errors and warnings, with locations, sorted by location; at most
    /// `LoadOptions::max_diagnostics` of them.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadReport {
    /// The error diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

/// Counts for a whole set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SetStats {
    /// Indicators per kind.
    pub per_kind: BTreeMap<Kind, usize>,
    /// Indicators in all.
    pub indicators: usize,
    /// Records merged into existing indicators, over all loads.
    pub merged: usize,
    /// Records rejected, over all loads.
    pub rejected: usize,
    /// Indicators outside every validity window at the time the stats were taken.
    pub expired: usize,
}

/// Indicator ids by (kind, value, mode), hashed with a seeded hash (values come from strangers).
#[derive(Clone, Default)]
struct IdIndex {
    table: hashbrown::HashTable<IndicatorId>,
    hasher: foldhash::fast::RandomState,
}

impl std::fmt::Debug for IdIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdIndex({} ids)", self.table.len())
    }
}

impl IdIndex {
    /// The hash of an identity, the same for a query and for a stored indicator.
    fn hash(hasher: &foldhash::fast::RandomState, kind: Kind, value: &str, mode: Mode) -> u64 {
        hasher.hash_one((kind, value, mode))
    }

    /// The hash of the stored indicator `id`, for the table's moves when it grows.
    fn hash_of(hasher: &foldhash::fast::RandomState, all: &[Indicator], id: IndicatorId) -> u64 {
        let i = &all[id.index()];
        Self::hash(hasher, i.kind, &i.value, i.mode)
    }

    /// The id of the indicator with this identity, if any.
    fn find(&self, all: &[Indicator], kind: Kind, value: &str, mode: Mode) -> Option<IndicatorId> {
        let h = Self::hash(&self.hasher, kind, value, mode);
        self.table
            .find(h, |id| {
                let i = &all[id.index()];
                i.kind == kind && i.mode == mode && i.value == value
            })
            .copied()
    }

    /// Room for `n` more ids without rehashing.
    fn reserve(&mut self, all: &[Indicator], n: usize) {
        let hasher = &self.hasher;
        self.table.reserve(n, |&id| Self::hash_of(hasher, all, id));
    }

    /// Indexes `id`, which must be the last of `all` and not yet indexed.
    fn insert(&mut self, all: &[Indicator], id: IndicatorId) {
        let hasher = &self.hasher;
        let h = Self::hash_of(hasher, all, id);
        self.table
            .insert_unique(h, id, |&id| Self::hash_of(hasher, all, id));
    }
}

/// A deduplicated set of indicators with their sources and metadata.
///
/// Indicators are identified by (kind, canonical value, mode): the same value from two sources
/// is one indicator carrying both origins, and every match reports both.
#[derive(Clone, Debug, Default)]
pub struct IndicatorSet {
    indicators: Vec<Indicator>,
    /// Ids keyed by the (kind, value, mode) of the indicator they name, so that each value is
    /// stored once, in its indicator.
    index: IdIndex,
    diagnostics: Vec<Diagnostic>,
    merged: usize,
    rejected: usize,
}

impl IndicatorSet {
    /// An empty set.
    pub fn new() -> IndicatorSet {
        IndicatorSet::default()
    }

    /// Normalises and adds one record. Returns its indicator id (existing or new) and a warning
    /// if the value was adjusted; a value that is not valid for its kind is an error.
    ///
    /// A value that does not parse as written, but does once refanged (`evil[.]example`), is
    /// loaded refanged, for the kinds analysts defang: addresses, networks, domains, URLs and
    /// e-mail addresses.
    pub fn add(&mut self, rec: Record) -> Result<(IndicatorId, Option<Diagnostic>), Diagnostic> {
        let n = normalize_record(&rec)?;
        if self.indicators.len() >= u32::MAX as usize {
            return Err(Diagnostic::error(
                rec.origin.location.clone(),
                "more than 2^32 indicators",
            ));
        }
        Ok(self.insert(n, rec))
    }

    /// Room for `n` more indicators, so a large load does not grow the set step by step.
    fn reserve(&mut self, n: usize) {
        self.indicators.reserve(n);
        self.index.reserve(&self.indicators, n);
    }

    /// Inserts a normalised record: a new indicator, or one more origin of an existing one.
    fn insert(
        &mut self,
        n: normalize::Normalized,
        rec: Record,
    ) -> (IndicatorId, Option<Diagnostic>) {
        let warning = n
            .warning
            .map(|w| Diagnostic::warning(rec.origin.location.clone(), w));
        if let Some(id) = self.index.find(&self.indicators, n.kind, &n.value, n.mode) {
            self.indicators[id.index()].origins.push(rec.origin);
            self.merged += 1;
            return (id, warning);
        }
        // Ids are u32; both callers check the count first.
        let id = IndicatorId(self.indicators.len() as u32);
        self.indicators.push(Indicator {
            kind: n.kind,
            value: n.value,
            mode: n.mode,
            origins: vec![rec.origin],
        });
        self.index.insert(&self.indicators, id);
        (id, warning)
    }

    /// Adds parsed records. Every record is checked before any is inserted, so in strict mode an
    /// error leaves the set exactly as it was.
    pub fn add_parsed(
        &mut self,
        input: &str,
        parsed: Parsed,
        opts: &LoadOptions,
    ) -> Result<LoadReport, Error> {
        let mut report = LoadReport {
            input: input.to_string(),
            records: parsed.records.len() + parsed.problems.len(),
            diagnostics: parsed.problems,
            skipped: parsed.skipped,
            ..LoadReport::default()
        };
        report.rejected = report.diagnostics.len();
        // Every record is checked before any is inserted (a strict load inserts none if one
        // fails); the records stay where the parser put them, beside their checked values.
        let mut records = parsed.records;
        let mut checked = Vec::with_capacity(records.len());
        for rec in &mut records {
            checked.push(match check_record(rec, opts) {
                Ok((n, warnings)) => {
                    report.diagnostics.extend(warnings);
                    Some(n)
                }
                Err(d) => {
                    report.diagnostics.push(d);
                    report.rejected += 1;
                    None
                }
            });
        }
        let accepted = checked.iter().filter(|n| n.is_some()).count();
        report
            .diagnostics
            .sort_by(|a, b| a.location.cmp(&b.location));
        report.diagnostics_total = report.diagnostics.len();
        report.diagnostics.truncate(opts.max_diagnostics);
        if opts.strict && report.rejected > 0 {
            return Err(Error::Load {
                input: report.input,
                diagnostics: report.diagnostics,
            });
        }
        if self.indicators.len() + accepted > u32::MAX as usize {
            return Err(Error::Limit(format!(
                "{input}: more than {} indicators",
                u32::MAX
            )));
        }
        let (before, merged_before) = (self.indicators.len(), self.merged);
        self.reserve(accepted);
        for (rec, n) in records.into_iter().zip(checked) {
            if let Some(n) = n {
                *report.per_kind.entry(n.kind).or_insert(0) += 1;
                self.insert(n, rec);
            }
        }
        report.added = self.indicators.len() - before;
        report.merged = self.merged - merged_before;
        self.rejected += report.rejected;
        self.diagnostics.extend(report.diagnostics.iter().cloned());
        Ok(report)
    }

    /// Loads indicators from bytes, naming the input `name` in locations.
    pub fn load(
        &mut self,
        name: &str,
        input: &[u8],
        opts: &LoadOptions,
    ) -> Result<LoadReport, Error> {
        let format = opts.format.unwrap_or_else(|| Format::detect(input));
        let file: Arc<str> = Arc::from(name);
        let source: Arc<str> = Arc::from(
            opts.source
                .as_deref()
                .unwrap_or_else(|| default_source(name)),
        );
        let parsed =
            format.parse_with_options(input, &file, &source, &opts.csv, &opts.iprep_categories);
        let mut report = self.add_parsed(name, parsed, opts)?;
        report.format = Some(format);
        Ok(report)
    }

    /// Loads indicators from a file, or from a MISP feed folder (`manifest.json` and one
    /// `<uuid>.json` event per manifest entry).
    pub fn load_path(
        &mut self,
        path: impl AsRef<Path>,
        opts: &LoadOptions,
    ) -> Result<LoadReport, Error> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let io = |p: &Path, e: std::io::Error| Error::Io {
            path: p.display().to_string(),
            message: e.to_string(),
        };
        if path.is_dir() {
            if opts.format.is_some_and(|f| f != Format::MispJson) {
                return Err(Error::Format(format!(
                    "{name} is a folder; only misp-json feeds are folders"
                )));
            }
            let parsed = read_misp_feed(path, opts).map_err(|e| match e {
                FeedError::Io(p, e) => io(&p, e),
                FeedError::NotAFeed => Error::Format(format!(
                    "{name} is a folder but not a MISP feed (no manifest.json)"
                )),
            })?;
            let mut report = self.add_parsed(&name, parsed, opts)?;
            report.format = Some(Format::MispJson);
            return Ok(report);
        }
        let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
        self.load(&name, &bytes, opts)
    }

    /// The indicators, indexed by `IndicatorId`.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The number of indicators.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Every diagnostic of every load, in load order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Counts per kind, merges, rejections, and indicators expired now.
    pub fn stats(&self) -> SetStats {
        self.stats_at(crate::Timestamp::now())
    }

    /// [`IndicatorSet::stats`] with expiry judged at `now`.
    pub fn stats_at(&self, now: crate::Timestamp) -> SetStats {
        let mut per_kind = BTreeMap::new();
        for i in &self.indicators {
            *per_kind.entry(i.kind).or_insert(0) += 1;
        }
        SetStats {
            per_kind,
            indicators: self.indicators.len(),
            merged: self.merged,
            rejected: self.rejected,
            expired: self
                .indicators
                .iter()
                .filter(|i| i.has_window() && !i.valid_at(now))
                .count(),
        }
    }

    /// Compiles the set into a matcher with default options.
    pub fn compile(&self) -> Result<Matcher, Error> {
        self.compile_with(&CompileOptions::default())
    }

    /// Compiles the set into a matcher, consuming it: no copy of the indicators is made, which
    /// matters at millions of indicators.
    pub fn into_matcher(self) -> Result<Matcher, Error> {
        Matcher::build(self.indicators, &CompileOptions::default())
    }

    /// Compiles the set into a matcher.
    pub fn compile_with(&self, opts: &CompileOptions) -> Result<Matcher, Error> {
        Matcher::build(self.indicators.clone(), opts)
    }
}

/// Everything a record must pass before it is inserted: the validity-window option, the value
/// length limit, normalisation and the guard rails. Returns the normalised value and warnings.
fn check_record(
    rec: &mut Record,
    opts: &LoadOptions,
) -> Result<(normalize::Normalized, Vec<Diagnostic>), Diagnostic> {
    if opts.seen_as_validity {
        seen_as_validity(rec).map_err(|e| Diagnostic::error(rec.origin.location.clone(), e))?;
    }
    if rec.value.len() > opts.max_value_len {
        return Err(Diagnostic::error(
            rec.origin.location.clone(),
            format!(
                "value is {} bytes long; the limit is {}",
                rec.value.len(),
                opts.max_value_len
            ),
        ));
    }
    let mut n = normalize_record(rec)?;
    let mut warnings: Vec<Diagnostic> = n
        .warning
        .take()
        .map(|w| Diagnostic::warning(rec.origin.location.clone(), w))
        .into_iter()
        .collect();
    if let Some(d) = broad(&n, rec, &opts.guards) {
        if d.severity == Severity::Error {
            return Err(d);
        }
        warnings.push(d);
    }
    Ok((n, warnings))
}

/// Copies MISP `first_seen` / `last_seen` (kept in `extra`) into an absent validity window.
fn seen_as_validity(rec: &mut Record) -> Result<(), String> {
    let meta = &rec.origin.meta;
    let seen = |key: &str, unset: bool| -> Result<Option<crate::Timestamp>, String> {
        match meta.extra.get(key) {
            Some(t) if unset => crate::Timestamp::parse(t)
                .map(Some)
                .map_err(|e| format!("{key}: {e}")),
            _ => Ok(None),
        }
    };
    let from = seen("first_seen", meta.valid_from.is_none())?;
    let until = seen("last_seen", meta.valid_until.is_none())?;
    // Only a record that gains a window end is given its own copy of the metadata.
    if from.is_some() || until.is_some() {
        let meta = rec.origin.meta_mut();
        meta.valid_from = meta.valid_from.or(from);
        meta.valid_until = meta.valid_until.or(until);
    }
    Ok(())
}

/// Normalises a record, refanging values of the defangable kinds that do not parse as written.
fn normalize_record(rec: &Record) -> Result<normalize::Normalized, Diagnostic> {
    normalize::indicator(&rec.value, rec.kind, rec.mode)
        .or_else(|e| {
            let refangable = rec.kind.is_none_or(|k| {
                matches!(
                    k,
                    Kind::Ipv4 | Kind::Ipv6 | Kind::Cidr | Kind::Domain | Kind::Url | Kind::Email
                )
            });
            match crate::refang::refang(&rec.value) {
                std::borrow::Cow::Owned(r) if refangable => {
                    normalize::indicator(&r, rec.kind, rec.mode).map_err(|_| e)
                }
                _ => Err(e),
            }
        })
        .map_err(|e| Diagnostic::error(rec.origin.location.clone(), e))
}

/// A diagnostic for an over-broad indicator under `guards`' policy (none if it is fine or
/// allowed).
fn broad(
    n: &normalize::Normalized,
    rec: &Record,
    guards: &crate::guard::Guards,
) -> Option<Diagnostic> {
    use crate::guard::BroadPolicy;
    if guards.policy == BroadPolicy::Allow {
        return None;
    }
    let why = guards.check(n.kind, &n.value, n.mode)?;
    let loc = rec.origin.location.clone();
    Some(match guards.policy {
        BroadPolicy::Reject => Diagnostic::error(loc, why),
        _ => Diagnostic::warning(loc, why),
    })
}

enum FeedError {
    Io(std::path::PathBuf, std::io::Error),
    NotAFeed,
}

/// Reads a MISP feed folder: the manifest's event uuids, each from `<uuid>.json`.
fn read_misp_feed(dir: &Path, opts: &LoadOptions) -> Result<Parsed, FeedError> {
    let manifest_path = dir.join("manifest.json");
    if !manifest_path.is_file() {
        return Err(FeedError::NotAFeed);
    }
    let bytes =
        std::fs::read(&manifest_path).map_err(|e| FeedError::Io(manifest_path.clone(), e))?;
    let manifest_name: Arc<str> = Arc::from(manifest_path.display().to_string());
    let mut out = Parsed::default();
    let at_manifest = |line: usize| crate::source::at_line(&manifest_name, line);
    let manifest = match crate::source::read_json(&bytes, &manifest_name) {
        Ok(v) => v,
        Err(d) => {
            out.problems.push(d);
            return Ok(out);
        }
    };
    let Some(events) = manifest.as_object() else {
        out.problems.push(Diagnostic::error(
            at_manifest(0),
            "manifest is not an object of event uuids",
        ));
        return Ok(out);
    };
    let default_source = opts
        .source
        .clone()
        .unwrap_or_else(|| default_source(&dir.display().to_string()).to_string());
    let source: Arc<str> = Arc::from(default_source.as_str());
    for uuid in events.keys() {
        if uuid.is_empty() || !uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            out.problems.push(Diagnostic::error(
                at_manifest(0),
                format!("manifest entry {uuid:?} is not a uuid"),
            ));
            continue;
        }
        let event_path = dir.join(format!("{uuid}.json"));
        match std::fs::read(&event_path) {
            Ok(data) => {
                let file: Arc<str> = Arc::from(event_path.display().to_string());
                out.extend(crate::source::misp_json::parse(&data, &file, &source));
            }
            Err(e) => out.problems.push(Diagnostic::error(
                at_manifest(0),
                format!("event {uuid}: cannot read {}: {e}", event_path.display()),
            )),
        }
    }
    Ok(out)
}

/// The default source name of an input: its file name without directories.
fn default_source(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_across_sources_merge() {
        let mut set = IndicatorSet::new();
        let r = set
            .load(
                "a.txt",
                b"Evil.Example\n192.0.2.1\n",
                &LoadOptions::default(),
            )
            .unwrap();
        assert_eq!((r.added, r.merged), (2, 0));
        let r = set
            .load(
                "b.txt",
                b"evil.example.\n::ffff:192.0.2.1\n",
                &LoadOptions::default(),
            )
            .unwrap();
        assert_eq!((r.added, r.merged), (0, 2));
        assert_eq!(set.len(), 2);
        assert_eq!(set.indicators()[0].sources(), vec!["a.txt", "b.txt"]);
    }

    #[test]
    fn strict_failure_leaves_the_set_untouched() {
        let mut set = IndicatorSet::new();
        set.load("a.txt", b"evil.example\n", &LoadOptions::default())
            .unwrap();
        let strict = LoadOptions {
            strict: true,
            ..LoadOptions::default()
        };
        let err = set
            .load("b.txt", b"good.example\nnot a value\n", &strict)
            .unwrap_err();
        match err {
            Error::Load { diagnostics, .. } => assert_eq!(diagnostics[0].location.line, 2),
            e => panic!("{e:?}"),
        }
        assert_eq!(set.len(), 1);
        let r = set
            .load(
                "b.txt",
                b"good.example\nnot a value\n",
                &LoadOptions::default(),
            )
            .unwrap();
        assert_eq!((r.added, r.rejected), (1, 1));
        assert_eq!(set.stats().rejected, 1);
    }

    #[test]
    fn reports_count_kinds_and_keep_the_first_diagnostics() {
        let mut list = String::from("evil.example\n192.0.2.1\nEVIL.example\n");
        for i in 0..50 {
            list.push_str(&format!("bad value {i}\n"));
        }
        let opts = LoadOptions {
            max_diagnostics: 10,
            ..LoadOptions::default()
        };
        let r = IndicatorSet::new()
            .load("l", list.as_bytes(), &opts)
            .unwrap();
        assert_eq!(r.per_kind.get(&Kind::Domain), Some(&2));
        assert_eq!(r.per_kind.get(&Kind::Ipv4), Some(&1));
        assert_eq!(
            (r.rejected, r.diagnostics_total, r.diagnostics.len()),
            (50, 50, 10)
        );
        assert_eq!(r.diagnostics[0].location.line, 4);
    }

    #[test]
    fn over_broad_indicators_follow_the_policy() {
        let list = b"0.0.0.0/0\ncom\tkind=domain\nab\tkind=literal\nevil.example\n";
        for (policy, added, errors, warnings) in [
            (crate::BroadPolicy::Reject, 1, 3, 0),
            (crate::BroadPolicy::Warn, 4, 0, 3),
            (crate::BroadPolicy::Allow, 4, 0, 0),
        ] {
            let opts = LoadOptions {
                guards: crate::Guards {
                    policy,
                    ..Default::default()
                },
                ..LoadOptions::default()
            };
            let r = IndicatorSet::new().load("l", list, &opts).unwrap();
            let count = |s: Severity| r.diagnostics.iter().filter(|d| d.severity == s).count();
            assert_eq!(
                (r.added, count(Severity::Error), count(Severity::Warning)),
                (added, errors, warnings),
                "{policy}"
            );
            if errors > 0 {
                assert_eq!(r.diagnostics[0].location.line, 1);
                assert!(r.diagnostics[1].message.contains("public suffix"));
            }
        }
    }

    #[test]
    fn limits_and_warnings_are_reported() {
        let mut set = IndicatorSet::new();
        let opts = LoadOptions {
            max_value_len: 12,
            ..LoadOptions::default()
        };
        let r = set
            .load("l", b"very-long-name.example\n192.0.2.9/24\n", &opts)
            .unwrap();
        assert_eq!(r.rejected, 1);
        assert!(r.diagnostics[0].message.contains("limit"));
        assert_eq!(r.diagnostics[1].severity, Severity::Warning);
        assert_eq!(set.indicators()[0].value, "192.0.2.0/24");
    }
}
