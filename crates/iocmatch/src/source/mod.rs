//! Indicator sources: one pure parser per format, turning bytes into `Record`s plus located
//! diagnostics for what could not be read. Parsers never normalise; `IndicatorSet` does.

pub mod csv;
pub mod freetext;
pub mod misp_json;
pub mod stix;
pub mod suricata;
pub mod text;
pub mod zeek_intel;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::error::Diagnostic;
use crate::indicator::{Location, Metadata, Record};

/// What a parser read from one input.
#[derive(Debug, Default)]
pub struct Parsed {
    /// The records, in input order.
    pub records: Vec<Record>,
    /// Lines that could not be read, and why.
    pub problems: Vec<Diagnostic>,
    /// Lines (or JSON attributes) that held a record.
    pub lines_read: usize,
    /// Entries of types iocmatch cannot match (MISP `text`, `vulnerability`, ...), per type.
    pub skipped: std::collections::BTreeMap<String, usize>,
}

impl Parsed {
    /// Appends another input's results.
    pub fn extend(&mut self, other: Parsed) {
        self.records.extend(other.records);
        self.problems.extend(other.problems);
        self.lines_read += other.lines_read;
        for (k, n) in other.skipped {
            *self.skipped.entry(k).or_insert(0) += n;
        }
    }
}

/// An indicator file format. Names are shared by the CLI (`--format`) and every binding.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// One value a line, `#` comments, kind detected, optional tab-separated metadata.
    Text,
    /// A Zeek intel framework file (`#fields` header, `Intel::*` types).
    ZeekIntel,
    /// MISP JSON: an event, events, an attribute list, or a feed folder.
    MispJson,
    /// A Suricata dataset or datarep file (values by their form; strings in base64).
    SuricataDataset,
    /// A Suricata IP reputation file (`address,category,score`).
    SuricataIprep,
    /// CSV with a column mapping (`csv::CsvMapping`).
    Csv,
    /// A MISP CSV export or CSV feed.
    MispCsv,
    /// Free text (MISP's freetext import): indicators picked out of prose.
    MispFreetext,
    /// A STIX 2.x bundle: indicator patterns compiled.
    Stix2,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 9] = [
        Format::Text,
        Format::ZeekIntel,
        Format::MispJson,
        Format::MispCsv,
        Format::MispFreetext,
        Format::Stix2,
        Format::SuricataDataset,
        Format::SuricataIprep,
        Format::Csv,
    ];

    /// The stable name: `text`, `zeek-intel`, `misp-json`, `misp-csv`, `misp-freetext`, `stix2`,
    /// `suricata-dataset`, `suricata-iprep` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::ZeekIntel => "zeek-intel",
            Format::MispJson => "misp-json",
            Format::SuricataDataset => "suricata-dataset",
            Format::SuricataIprep => "suricata-iprep",
            Format::Csv => "csv",
            Format::MispCsv => "misp-csv",
            Format::MispFreetext => "misp-freetext",
            Format::Stix2 => "stix2",
        }
    }

    /// Tells the format from the content: JSON (first byte `{`, or `[` before `{`, `[`, `"` or
    /// `]`: a plain list may start with a regex's class or a bracketed IPv6 address) is STIX if it
    /// names a `"bundle"` or a `"spec_version"`, else MISP JSON; a `#fields`
    /// line before the first data line makes a Zeek intel file; `address,number,number` lines
    /// are Suricata IP reputation; a `uuid,event_id,...` header is a MISP CSV export; anything
    /// else is a plain list. (Suricata datasets and other CSV look like plain lists: name them.)
    pub fn detect(input: &[u8]) -> Format {
        let mut bytes = input.iter().filter(|b| !b.is_ascii_whitespace());
        let json = match bytes.next() {
            Some(b'{') => true,
            Some(b'[') => matches!(bytes.next(), None | Some(b'{' | b'[' | b'"' | b']')),
            _ => false,
        };
        if json {
            let head = &input[..input.len().min(64 * 1024)];
            let stix = memchr::memmem::find(head, b"\"spec_version\"").is_some()
                || memchr::memmem::find(head, b"\"bundle\"").is_some();
            return if stix {
                Format::Stix2
            } else {
                Format::MispJson
            };
        }
        if suricata::looks_like_iprep(input) {
            return Format::SuricataIprep;
        }
        if input.trim_ascii_start().starts_with(b"uuid,event_id,") {
            return Format::MispCsv;
        }
        for line in input.split(|&b| b == b'\n') {
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            if line.starts_with(b"#fields") {
                return Format::ZeekIntel;
            }
            if !line.starts_with(b"#") {
                break;
            }
        }
        Format::Text
    }

    /// Parses `input`, naming it `file` in locations; `source` is the default source name.
    /// CSV formats use the default mapping; see [`Format::parse_with`].
    pub fn parse(self, input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
        self.parse_with(input, file, source, &csv::CsvMapping::default())
    }

    /// [`Format::parse`] with a CSV column mapping (used by `csv` and `misp-csv`).
    pub fn parse_with(
        self,
        input: &[u8],
        file: &Arc<str>,
        source: &Arc<str>,
        mapping: &csv::CsvMapping,
    ) -> Parsed {
        self.parse_with_options(input, file, source, mapping, &Default::default())
    }

    /// [`Format::parse`] with every format's options: the CSV column mapping and Suricata's
    /// reputation category names.
    pub fn parse_with_options(
        self,
        input: &[u8],
        file: &Arc<str>,
        source: &Arc<str>,
        mapping: &csv::CsvMapping,
        iprep_categories: &std::collections::BTreeMap<u8, String>,
    ) -> Parsed {
        match self {
            Format::Csv => csv::parse(input, file, source, mapping, false),
            Format::MispCsv => csv::parse(input, file, source, mapping, true),
            Format::MispFreetext => freetext::parse(input, file, source),
            Format::Stix2 => stix::parse(input, file, source),
            Format::Text => text::parse(input, file, source),
            Format::ZeekIntel => zeek_intel::parse(input, file, source),
            Format::MispJson => misp_json::parse(input, file, source),
            Format::SuricataDataset => suricata::parse_dataset(input, file, source),
            Format::SuricataIprep => {
                suricata::parse_iprep_with(input, file, source, iprep_categories)
            }
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format {s:?}; expected one of {}", names.join(", "))
            })
    }
}

/// A location at a 1-based line of `file` (0: no line).
pub(crate) fn at_line(file: &Arc<str>, line: usize) -> Location {
    Location {
        file: file.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
    }
}

/// Parses a JSON document; a syntax error becomes a diagnostic at its line.
pub(crate) fn read_json(input: &[u8], file: &Arc<str>) -> Result<serde_json::Value, Diagnostic> {
    serde_json::from_slice(input)
        .map_err(|e| Diagnostic::error(at_line(file, e.line()), format!("invalid JSON: {e}")))
}

/// Which lines a line-based format hands to its parser.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    /// Every line, as written.
    All,
    /// Lines other than blank lines and `#` comments (leading white space aside); each one
    /// counts in `lines_read`.
    Data,
}

/// Calls `f(out, location, line)` for each numbered (1-based) line of `input`, without its `\n`
/// or a `\r` before it. A line that is not valid UTF-8 becomes a located error in `out`.
pub(crate) fn each_line(
    input: &[u8],
    file: &Arc<str>,
    which: Lines,
    out: &mut Parsed,
    mut f: impl FnMut(&mut Parsed, Location, &str),
) {
    let input = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return;
    }
    for (i, line) in input.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let loc = Location {
            file: file.clone(),
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
        };
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(e) => {
                let msg = format!("line is not valid UTF-8 (at byte {})", e.valid_up_to());
                out.problems.push(Diagnostic::error(loc, msg));
                continue;
            }
        };
        if which == Lines::Data {
            let trimmed = text.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            out.lines_read += 1;
            f(out, loc, text);
        } else {
            f(out, loc, text);
        }
    }
}

/// Applies one `key=value` metadata field to a record. Keys shared by the formats: `kind`,
/// `match`, `source`, `desc`/`description`, `reference`/`url`, `confidence` (0-100), `tags`
/// (comma-separated), `to_ids` (true/false), `valid_from`, `valid_until`; any other key is kept
/// in `extra`.
pub(crate) fn apply_field(rec: &mut Record, key: &str, value: &str) -> Result<(), String> {
    match key {
        "kind" | "type" => rec.kind = Some(value.parse()?),
        "match" | "mode" => rec.mode = Some(value.parse()?),
        "source" => rec.origin.source = Arc::from(value),
        // Only fields of the metadata give the record its own copy of it.
        _ => apply_meta(rec.origin.meta_mut(), key, value)?,
    }
    Ok(())
}

/// [`apply_field`] for the keys that set metadata.
fn apply_meta(meta: &mut Metadata, key: &str, value: &str) -> Result<(), String> {
    match key {
        "desc" | "description" => meta.description = Some(value.to_string()),
        "reference" | "url" => meta.reference = Some(value.to_string()),
        "confidence" => {
            let c: u8 = value.parse().ok().filter(|c| *c <= 100).ok_or_else(|| {
                format!("confidence {value:?} is not a whole number from 0 to 100")
            })?;
            meta.confidence = Some(c);
        }
        "tags" => meta.tags.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from),
        ),
        "to_ids" => {
            meta.to_ids = Some(match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "t" => true,
                "false" | "0" | "no" | "f" => false,
                _ => return Err(format!("to_ids {value:?} is not true or false")),
            })
        }
        "valid_from" => meta.valid_from = Some(crate::time::Timestamp::parse(value)?),
        "valid_until" => meta.valid_until = Some(crate::time::Timestamp::parse(value)?),
        _ => {
            meta.extra.insert(key.to_string(), value.to_string());
        }
    }
    Ok(())
}

/// A record of `value` read at `location` from `source`, nothing declared yet.
pub(crate) fn record(value: &str, location: Location, source: &Arc<str>) -> Record {
    Record {
        value: value.to_string(),
        kind: None,
        mode: None,
        origin: crate::indicator::Origin::new(source.clone(), location),
    }
}

#[cfg(test)]
mod tests {
    use super::Format;

    #[test]
    fn json_is_told_from_plain_lists_that_start_with_a_bracket() {
        for json in [
            &b"{\"Event\": {}}"[..],
            b"  [ {\"type\": \"domain\"} ]",
            b"[\n]",
            b"[",
            b"[[]]",
            b"[\"x\"]",
        ] {
            assert_eq!(Format::detect(json), Format::MispJson, "{json:?}");
        }
        let stix = b"{\"type\": \"bundle\", \"objects\": []}";
        assert_eq!(Format::detect(stix), Format::Stix2);
        for text in [
            &b"[a-z]{2}[0-9]\tkind=regex\n"[..],
            b"[2001:db8::1]\n",
            b"evil.example\n[0-9]+\\.evil\tkind=regex\n",
        ] {
            assert_eq!(Format::detect(text), Format::Text, "{text:?}");
        }
    }
}
