//! Suricata dataset and IP reputation files.
//!
//! **Datasets** (`suricata-dataset`) hold one value a line; a `datarep` file adds `,reputation`.
//! The file does not say its dataset type, so each value is read by its form: an address
//! (`ipv4`, `ip` sets), 32 or 64 hex digits (`md5`, `sha256` sets), otherwise base64 (`string`
//! sets), decoded and then read as its detected kind. Suricata compares whole buffers, so a
//! decoded domain matches only exactly; a decoded value of no detectable kind becomes a literal.
//! The reputation is kept as metadata (`reputation`).
//!
//! **IP reputation** (`suricata-iprep`) lines are `address-or-network,category,score`; category
//! and score are kept as metadata (`category`, `score`, and `category_name` when a categories
//! file is given).

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;

use super::{each_line, record, Lines, Parsed};
use crate::error::Diagnostic;
use crate::indicator::{Kind, Mode};
use crate::normalize;

/// Parses a dataset (or datarep) file.
pub fn parse_dataset(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    each_line(input, file, Lines::Data, &mut out, |out, loc, line| {
        let line = line.trim();
        let (value, reputation) = match line.split_once(',') {
            Some((v, r)) => (v.trim(), Some(r.trim())),
            None => (line, None),
        };
        if let Some(r) = reputation {
            if r.parse::<u32>().is_err() {
                out.problems.push(Diagnostic::error(
                    loc,
                    format!("reputation {r:?} is not a number"),
                ));
                return;
            }
        }
        let plain = normalize::ip(value).is_some()
            || (value.bytes().all(|b| b.is_ascii_hexdigit()) && matches!(value.len(), 32 | 64));
        let (text, kind, mode) = if plain {
            (value.to_string(), None, None)
        } else {
            let decoded = match base64::engine::general_purpose::STANDARD.decode(value) {
                Ok(d) => d,
                Err(e) => {
                    out.problems.push(Diagnostic::error(
                        loc,
                        format!("{value:?} is neither an address, a digest nor base64 ({e})"),
                    ));
                    return;
                }
            };
            let Ok(s) = String::from_utf8(decoded) else {
                out.problems.push(Diagnostic::error(
                    loc,
                    "base64 value does not decode to UTF-8 text",
                ));
                return;
            };
            match normalize::detect(&s) {
                Ok(Kind::Domain) => (s, Some(Kind::Domain), Some(Mode::Exact)),
                Ok(k) => (s, Some(k), None),
                Err(_) => (s, Some(Kind::Literal), None),
            }
        };
        let mut rec = record(&text, loc, source);
        rec.kind = kind;
        rec.mode = mode;
        if let Some(r) = reputation {
            rec.origin
                .meta_mut()
                .extra
                .insert("reputation".into(), r.to_string());
        }
        out.records.push(rec);
    });
    out
}

/// Reads Suricata's reputation categories file (`id,short name,description` lines) into a map
/// from id to short name, for `parse_iprep`.
pub fn read_categories(input: &[u8]) -> Result<BTreeMap<u8, String>, String> {
    let mut out = BTreeMap::new();
    let text =
        std::str::from_utf8(input).map_err(|_| "categories file is not UTF-8".to_string())?;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut f = line.splitn(3, ',');
        let (id, name) = (f.next().unwrap_or(""), f.next().unwrap_or("").trim());
        let id: u8 = id
            .trim()
            .parse()
            .map_err(|_| format!("line {}: category id {id:?} is not 0-255", i + 1))?;
        if name.is_empty() {
            return Err(format!("line {}: category {id} has no name", i + 1));
        }
        out.insert(id, name.to_string());
    }
    Ok(out)
}

/// Parses an IP reputation file; `categories` (from `read_categories`) names category ids.
pub fn parse_iprep(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    parse_iprep_with(input, file, source, &BTreeMap::new())
}

/// [`parse_iprep`] with category names.
pub fn parse_iprep_with(
    input: &[u8],
    file: &Arc<str>,
    source: &Arc<str>,
    categories: &BTreeMap<u8, String>,
) -> Parsed {
    let mut out = Parsed::default();
    each_line(input, file, Lines::Data, &mut out, |out, loc, line| {
        let line = line.trim();
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let [addr, category, score] = fields[..] else {
            out.problems.push(Diagnostic::error(
                loc,
                format!(
                    "{} fields; iprep lines are address,category,score",
                    fields.len()
                ),
            ));
            return;
        };
        let numbers_ok =
            category.parse::<u8>().is_ok() && score.parse::<u8>().is_ok_and(|s| s <= 127);
        if !numbers_ok {
            out.problems.push(Diagnostic::error(
                loc,
                "category must be 0-255 and score 0-127",
            ));
            return;
        }
        let mut rec = record(addr, loc, source);
        rec.kind = Some(if addr.contains('/') {
            Kind::Cidr
        } else if addr.contains(':') {
            Kind::Ipv6
        } else {
            Kind::Ipv4
        });
        let extra = &mut rec.origin.meta_mut().extra;
        extra.insert("category".into(), category.to_string());
        extra.insert("score".into(), score.to_string());
        if let Some(name) = category.parse::<u8>().ok().and_then(|c| categories.get(&c)) {
            extra.insert("category_name".into(), name.clone());
        }
        out.records.push(rec);
    });
    out
}

/// Whether the first data line looks like IP reputation (`address,number,number`).
pub(crate) fn looks_like_iprep(input: &[u8]) -> bool {
    let Some(line) = input
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .find(|l| !l.is_empty() && !l.starts_with(b"#"))
    else {
        return false;
    };
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    f.len() == 3
        && (normalize::ip(f[0]).is_some() || normalize::cidr(f[0]).is_ok())
        && f[1].parse::<u8>().is_ok()
        && f[2].parse::<u8>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> (Arc<str>, Arc<str>) {
        (Arc::from("set.lst"), Arc::from("suricata"))
    }

    #[test]
    fn datasets_read_each_value_by_its_form() {
        let (f, s) = name();
        // ZXZpbC5leGFtcGxl = evil.example; L2NtZC5waHA/Yz0= = /cmd.php?c=
        let p = parse_dataset(
            b"192.0.2.1\n2001:db8::1,80\nd41d8cd98f00b204e9800998ecf8427e\nZXZpbC5leGFtcGxl\nL2NtZC5waHA/Yz0=\n",
            &f,
            &s,
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let got: Vec<(String, Option<Kind>, Option<Mode>)> = p
            .records
            .iter()
            .map(|r| (r.value.clone(), r.kind, r.mode))
            .collect();
        assert_eq!(
            got[3],
            ("evil.example".into(), Some(Kind::Domain), Some(Mode::Exact))
        );
        assert_eq!(got[4], ("/cmd.php?c=".into(), Some(Kind::Literal), None));
        assert_eq!(p.records[1].origin.meta.extra["reputation"], "80");
        assert_eq!(got[2].1, None);
    }

    #[test]
    fn bad_dataset_lines_are_located() {
        let (f, s) = name();
        let p = parse_dataset(b"192.0.2.1\nnot base64!\n192.0.2.2,high\n//79\n", &f, &s);
        let lines: Vec<u32> = p.problems.iter().map(|d| d.location.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(p.problems[0].message.contains("base64"));
    }

    #[test]
    fn iprep_lines() {
        let (f, s) = name();
        let p = parse_iprep(b"# comment\n192.0.2.0/24,1,30\n198.51.100.7,2,127\n2001:db8::/32,1,10\n1.2.3.4,1\n1.2.3.5,1,200\n", &f, &s);
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.records[0].kind, Some(Kind::Cidr));
        assert_eq!(p.records[1].origin.meta.extra["score"], "127");
        assert_eq!(p.problems.len(), 2);
        assert_eq!(p.problems[0].location.line, 5);
        assert!(looks_like_iprep(b"\n# x\n192.0.2.0/24,1,30\n"));
        let cats = read_categories(b"1,CnC,Command and control\n2,Scanner,Scans\n").unwrap();
        let p = parse_iprep_with(b"192.0.2.0/24,1,30\n", &f, &s, &cats);
        assert_eq!(p.records[0].origin.meta.extra["category_name"], "CnC");
        assert!(read_categories(b"x,CnC,y\n")
            .unwrap_err()
            .contains("line 1"));
        assert!(!looks_like_iprep(b"192.0.2.0/24\n"));
    }
}
