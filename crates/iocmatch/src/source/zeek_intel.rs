//! Zeek intel framework files.
//!
//! A `#fields` line names the tab-separated columns: `indicator`, `indicator_type` and any
//! number of `meta.*` columns in any order. `-` (and `(empty)`) mean no value. Other `#` lines
//! are skipped. Types map to kinds as below; `Intel::DOMAIN` gets iocmatch's default domain mode
//! (subdomains too) unless a `meta.match` column says `exact`. An unknown type is an error on
//! its line.
//!
//! | Zeek type | kind |
//! |---|---|
//! | `Intel::ADDR` | ipv4 / ipv6 |
//! | `Intel::SUBNET` | cidr |
//! | `Intel::DOMAIN` | domain |
//! | `Intel::URL` | url (written without a scheme) |
//! | `Intel::EMAIL` | email |
//! | `Intel::FILE_HASH`, `Intel::CERT_HASH`, `Intel::PUBKEY_HASH` | md5 / sha1 / ... by length |
//! | `Intel::JA3`, `Intel::JA3S` | ja3 |
//! | `Intel::FILE_NAME` | filename |
//! | `Intel::SOFTWARE` | user-agent |
//! | `Intel::USER_NAME` | username |

use std::sync::Arc;

use super::{apply_field, each_line, record, Lines, Parsed};
use crate::error::Diagnostic;
use crate::indicator::{Kind, Record};
use crate::normalize;

/// Column positions from the `#fields` header.
struct Columns {
    names: Vec<String>,
    indicator: usize,
    kind: usize,
}

fn header(line: &str) -> Result<Columns, String> {
    let names: Vec<String> = line
        .split('\t')
        .skip(1)
        .map(|s| s.trim().to_string())
        .collect();
    let find = |n: &str| {
        names
            .iter()
            .position(|c| c == n)
            .ok_or_else(|| format!("#fields header has no {n:?} column"))
    };
    Ok(Columns {
        indicator: find("indicator")?,
        kind: find("indicator_type")?,
        names,
    })
}

/// Parses a Zeek intel file.
pub fn parse(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    let mut cols: Option<Columns> = None;
    each_line(input, file, Lines::All, &mut out, |out, loc, line| {
        if line.starts_with("#fields") {
            match header(line) {
                Ok(c) => cols = Some(c),
                Err(e) => {
                    out.problems.push(Diagnostic::error(loc, e));
                    cols = None;
                }
            }
            return;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            return;
        }
        out.lines_read += 1;
        let Some(c) = &cols else {
            out.problems.push(Diagnostic::error(
                loc,
                "data line without a valid #fields header before it",
            ));
            return;
        };
        match row(line, c, loc.clone(), source) {
            Ok(rec) => out.records.push(rec),
            Err(e) => out.problems.push(Diagnostic::error(loc, e)),
        }
    });
    out
}

fn row(line: &str, c: &Columns, loc: crate::Location, source: &Arc<str>) -> Result<Record, String> {
    let cells: Vec<&str> = line.split('\t').collect();
    if cells.len() != c.names.len() {
        return Err(format!(
            "{} columns, the #fields header names {}",
            cells.len(),
            c.names.len()
        ));
    }
    let unset = |v: &str| v == "-" || v == "(empty)" || v.is_empty();
    let value = cells[c.indicator].trim();
    if unset(value) {
        return Err("empty indicator".into());
    }
    let mut rec = record(value, loc, source);
    let ty = cells[c.kind].trim();
    rec.kind = Some(kind_of(ty, value)?);
    rec.origin
        .meta_mut()
        .extra
        .insert("zeek_type".into(), ty.to_string());
    for (name, cell) in c.names.iter().zip(&cells) {
        let Some(key) = name.strip_prefix("meta.") else {
            continue;
        };
        let cell = cell.trim();
        if unset(cell) {
            continue;
        }
        apply_field(&mut rec, key, cell).map_err(|e| format!("column {name}: {e}"))?;
    }
    Ok(rec)
}

/// The kind for a Zeek intel type; address and hash kinds are settled by the value.
fn kind_of(ty: &str, value: &str) -> Result<Kind, String> {
    let name = ty.strip_prefix("Intel::").unwrap_or(ty);
    Ok(match name {
        "ADDR" => match normalize::ip(value) {
            Some(a) if a.is_ipv6() => Kind::Ipv6,
            Some(_) => Kind::Ipv4,
            None => return Err(format!("{value:?} is not an IP address ({ty})")),
        },
        "SUBNET" => Kind::Cidr,
        "DOMAIN" => Kind::Domain,
        "URL" => Kind::Url,
        "EMAIL" => Kind::Email,
        "FILE_HASH" | "CERT_HASH" | "PUBKEY_HASH" => {
            normalize::hash(value).map_err(|e| format!("{e} ({ty})"))?.0
        }
        "JA3" | "JA3S" => Kind::Ja3,
        "FILE_NAME" => Kind::Filename,
        "SOFTWARE" => Kind::UserAgent,
        "USER_NAME" => Kind::Username,
        _ => return Err(format!("unknown indicator type {ty:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::Mode;

    fn parse_str(s: &str) -> Parsed {
        parse(s.as_bytes(), &Arc::from("intel.dat"), &Arc::from("file"))
    }

    #[test]
    fn columns_in_any_order_with_meta() {
        let p = parse_str(
            "#fields\tmeta.desc\tindicator_type\tindicator\tmeta.source\tmeta.url\tmeta.match\n\
             C2 host\tIntel::DOMAIN\tEvil.Example\tfeedA\thttps://ref.example/1\texact\n\
             -\tIntel::ADDR\t2001:db8::1\t-\t-\t-\n",
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let r = &p.records[0];
        assert_eq!(r.kind, Some(Kind::Domain));
        assert_eq!(r.mode, Some(Mode::Exact));
        assert_eq!(&*r.origin.source, "feedA");
        assert_eq!(r.origin.meta.description.as_deref(), Some("C2 host"));
        assert_eq!(
            r.origin.meta.reference.as_deref(),
            Some("https://ref.example/1")
        );
        assert_eq!(r.origin.location.line, 2);
        assert_eq!(p.records[1].kind, Some(Kind::Ipv6));
        assert_eq!(&*p.records[1].origin.source, "file");
    }

    #[test]
    fn errors_name_their_lines() {
        let p = parse_str(
            "192.0.2.1\tIntel::ADDR\n#fields\tindicator\tindicator_type\n\
             x\tIntel::PLANET\n192.0.2.1\n-\tIntel::ADDR\nzz\tIntel::FILE_HASH\nevil.example\tIntel::ADDR\n",
        );
        assert!(p.records.is_empty());
        let lines: Vec<u32> = p.problems.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, vec![1, 3, 4, 5, 6, 7]);
        assert!(p.problems[1].message.contains("Intel::PLANET"));
        assert!(p.problems[2].message.contains("columns"));
        let p = parse_str("#fields\tindicator\tmeta.source\nx\ty\n");
        assert!(p.problems[0].message.contains("indicator_type"));
        assert_eq!(p.problems[1].location.line, 2);
    }
}
