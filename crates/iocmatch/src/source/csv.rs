//! CSV indicator files with a column mapping (`csv`), and MISP's CSV exports and CSV feeds
//! (`misp-csv`).
//!
//! `csv`: the value comes from one column (default: `value`, or the first column without a
//! header); the kind from a fixed kind, a kind column (iocmatch kind names or MISP attribute
//! types), or detection; any other columns can be mapped to metadata keys (`desc`, `tags`,
//! `confidence`, `valid_until`, ...). Lines starting with `#` are comments.
//!
//! `misp-csv` is `csv` with MISP's column names preset: `value`, `type` (MISP types, composites
//! split), `comment`, `to_ids`, `category`, `uuid`, `event_id`, `attribute_tag`. A MISP CSV feed
//! without a header is read with its first column as the value, kinds detected.

use std::str::FromStr;
use std::sync::Arc;

use super::{apply_field, misp_json, record, Parsed};
use crate::error::Diagnostic;
use crate::indicator::{Kind, Location};

/// A column, by header name or 0-based position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Column {
    /// The column whose header is this name.
    Name(String),
    /// The column at this 0-based position.
    Index(usize),
}

impl FromStr for Column {
    type Err = String;

    /// A number is a 0-based position; anything else a header name.
    fn from_str(s: &str) -> Result<Column, String> {
        if s.is_empty() {
            return Err("empty column name".into());
        }
        Ok(match s.parse::<usize>() {
            Ok(i) => Column::Index(i),
            Err(_) => Column::Name(s.to_string()),
        })
    }
}

/// How to read a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvMapping {
    /// The value column; `None`: `value` if the header has it, else the first column.
    pub value: Option<Column>,
    /// A column holding each row's kind (iocmatch kind names or MISP attribute types).
    pub kind: Option<Column>,
    /// One kind for every row (ignored when `kind` is set).
    pub fixed_kind: Option<Kind>,
    /// Columns copied into metadata, as (column, key); keys as in plain lists.
    pub meta: Vec<(Column, String)>,
    /// The field separator.
    pub delimiter: u8,
    /// Whether the first non-comment line names the columns.
    pub header: bool,
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping {
            value: None,
            kind: None,
            fixed_kind: None,
            meta: Vec::new(),
            delimiter: b',',
            header: true,
        }
    }
}

/// Column positions resolved against a header.
struct Resolved {
    value: usize,
    kind: Option<usize>,
    meta: Vec<(usize, String)>,
}

fn resolve(col: &Column, headers: Option<&csv::StringRecord>) -> Result<usize, String> {
    match col {
        Column::Index(i) => Ok(*i),
        Column::Name(n) => headers
            .and_then(|h| h.iter().position(|c| c.trim().eq_ignore_ascii_case(n)))
            .ok_or_else(|| match headers {
                Some(h) => format!(
                    "no column {n:?}; the header has {}",
                    h.iter().collect::<Vec<_>>().join(", ")
                ),
                None => format!("column {n:?} named, but the file has no header"),
            }),
    }
}

/// MISP's column names, for `misp-csv` when the header has them.
fn misp_mapping(headers: Option<&csv::StringRecord>) -> CsvMapping {
    let has = |n: &str| headers.is_some_and(|h| h.iter().any(|c| c.trim() == n));
    let mut m = CsvMapping::default();
    if has("type") {
        m.kind = Some(Column::Name("type".into()));
    }
    for (col, key) in [
        ("comment", "desc"),
        ("to_ids", "to_ids"),
        ("category", "category"),
        ("uuid", "uuid"),
        ("event_id", "event_id"),
        ("attribute_tag", "tags"),
    ] {
        if has(col) {
            m.meta.push((Column::Name(col.into()), key.into()));
        }
    }
    m
}

/// Parses CSV. With `misp`, MISP's column names are used (the header decides which exist).
pub fn parse(
    input: &[u8],
    file: &Arc<str>,
    source: &Arc<str>,
    mapping: &CsvMapping,
    misp: bool,
) -> Parsed {
    let mut out = Parsed::default();
    let at = |line: u64| Location {
        file: file.clone(),
        line: u32::try_from(line).unwrap_or(u32::MAX),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(mapping.delimiter)
        .has_headers(mapping.header)
        .comment(Some(b'#'))
        .flexible(true)
        .from_reader(input);
    let headers = if mapping.header {
        match reader.headers() {
            Ok(h) => Some(h.clone()),
            Err(e) => {
                let line = e.position().map_or(1, |p| p.line());
                out.problems
                    .push(Diagnostic::error(at(line), format!("bad CSV header: {e}")));
                return out;
            }
        }
    } else {
        None
    };
    let preset;
    let mapping = if misp {
        preset = CsvMapping {
            delimiter: mapping.delimiter,
            header: mapping.header,
            ..misp_mapping(headers.as_ref())
        };
        &preset
    } else {
        mapping
    };
    let header_line = headers.as_ref().map_or(0, |_| 1);
    let resolved = (|| -> Result<Resolved, String> {
        let value = match &mapping.value {
            Some(c) => resolve(c, headers.as_ref())?,
            None => resolve(&Column::Name("value".into()), headers.as_ref()).unwrap_or(0),
        };
        let kind = mapping
            .kind
            .as_ref()
            .map(|c| resolve(c, headers.as_ref()))
            .transpose()?;
        let meta = mapping
            .meta
            .iter()
            .map(|(c, k)| Ok((resolve(c, headers.as_ref())?, k.clone())))
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Resolved { value, kind, meta })
    })();
    let cols = match resolved {
        Ok(c) => c,
        Err(e) => {
            out.problems
                .push(Diagnostic::error(at(header_line.max(1)), e));
            return out;
        }
    };
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.problems
                    .push(Diagnostic::error(at(line), format!("bad CSV row: {e}")));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        out.lines_read += 1;
        let loc = at(line);
        let Some(value) = row.get(cols.value).map(str::trim).filter(|v| !v.is_empty()) else {
            out.problems.push(Diagnostic::error(
                loc,
                format!("no value in column {}", cols.value),
            ));
            continue;
        };
        let mut pairs: Vec<(Option<Kind>, String)> = vec![(mapping.fixed_kind, value.to_string())];
        let mut port = None;
        if let Some(k) = cols.kind {
            let ty = row.get(k).unwrap_or("").trim();
            // MISP types first (they split composites and check digests), then kind names.
            match misp_json::split_attribute(ty, value) {
                Some(Ok(split)) => {
                    pairs = split.parts.into_iter().map(|(k, v)| (Some(k), v)).collect();
                    port = split.port;
                }
                Some(Err(e)) => {
                    out.problems.push(Diagnostic::error(loc, e));
                    continue;
                }
                None => match ty.parse::<Kind>() {
                    Ok(kind) => pairs = vec![(Some(kind), value.to_string())],
                    Err(_) => {
                        *out.skipped.entry(ty.to_string()).or_insert(0) += 1;
                        continue;
                    }
                },
            }
        }
        let mut problem = None;
        let mut recs = Vec::new();
        for (kind, v) in pairs {
            let mut rec = record(&v, loc.clone(), source);
            rec.kind = kind;
            for (col, key) in &cols.meta {
                let cell = row.get(*col).unwrap_or("").trim();
                if cell.is_empty() {
                    continue;
                }
                if let Err(e) = apply_field(&mut rec, key, cell) {
                    problem = Some(format!("column {col}: {e}"));
                }
            }
            if let Some(p) = &port {
                rec.origin.meta_mut().extra.insert("port".into(), p.clone());
            }
            recs.push(rec);
        }
        match problem {
            Some(e) => out.problems.push(Diagnostic::error(loc, e)),
            None => out.records.extend(recs),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(s: &str, m: &CsvMapping, misp: bool) -> Parsed {
        parse(
            s.as_bytes(),
            &Arc::from("f.csv"),
            &Arc::from("src"),
            m,
            misp,
        )
    }

    #[test]
    fn column_mapping_with_quotes_and_comments() {
        let m = CsvMapping {
            value: Some(Column::Name("indicator".into())),
            kind: Some(Column::Name("kind".into())),
            meta: vec![
                (Column::Name("note".into()), "desc".into()),
                (Column::Index(3), "tags".into()),
            ],
            ..CsvMapping::default()
        };
        let p = parse_with(
            "# exported\nindicator,kind,note,labels\nevil.example,domain,\"phishing, wave 2\",\"a,b\"\n192.0.2.1,ip-dst,,\n\"x\"\"y\",literal,quoted,\n",
            &m,
            false,
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 3);
        assert_eq!(
            p.records[0].origin.meta.description.as_deref(),
            Some("phishing, wave 2")
        );
        assert_eq!(p.records[0].origin.meta.tags, vec!["a", "b"]);
        assert_eq!(p.records[0].origin.location.line, 3);
        assert_eq!(p.records[1].kind, Some(Kind::Ipv4));
        assert_eq!(p.records[2].value, "x\"y");
    }

    #[test]
    fn misp_exports_use_their_columns() {
        let p = parse_with(
            "uuid,event_id,category,type,value,comment,to_ids,date\n\
             u1,7,Network activity,domain|ip,evil.example|192.0.2.1,c2,1,2024-01-01\n\
             u2,7,Other,text,hello,,0,2024-01-01\n\
             u3,7,Payload delivery,md5,zz,,1,2024-01-01\n",
            &CsvMapping::default(),
            true,
        );
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].kind, Some(Kind::Domain));
        assert_eq!(p.records[1].kind, Some(Kind::Ipv4));
        assert_eq!(p.records[0].origin.meta.to_ids, Some(true));
        assert_eq!(p.records[0].origin.meta.extra["uuid"], "u1");
        assert_eq!(p.skipped.get("text"), Some(&1));
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].location.line, 4);
        // A feed without a header: first column, kinds detected.
        let m = CsvMapping {
            header: false,
            ..CsvMapping::default()
        };
        let p = parse_with("# feed\nevil.example,2024\n192.0.2.9,2024\n", &m, true);
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[1].value, "192.0.2.9");
    }

    #[test]
    fn mapping_errors_name_the_columns() {
        let m = CsvMapping {
            value: Some(Column::Name("ioc".into())),
            ..CsvMapping::default()
        };
        let p = parse_with("value,x\n1,2\n", &m, false);
        assert!(p.problems[0].message.contains("no column \"ioc\""));
        let p = parse_with("value\n\"unterminated\n", &CsvMapping::default(), false);
        assert!(p.records.len() + p.problems.len() >= 1);
    }
}
