//! Plain indicator lists: one value a line, kind detected.
//!
//! ```text
//! # comment lines and blank lines are skipped
//! 192.0.2.10
//! evil.example<TAB>desc=phishing kit host<TAB>tags=tlp:green,phishing
//! login.evil.example<TAB>match=exact
//! /wp-login.php?action=<TAB>kind=literal
//! ```
//!
//! (`<TAB>` stands for a tab character.) After the value, tab-separated fields are `key=value` metadata (see `apply_field`); one field
//! without `=` is taken as the description.

use std::sync::Arc;

use super::{apply_field, each_line, record, Lines, Parsed};
use crate::error::Diagnostic;

/// Parses a plain list.
pub fn parse(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    each_line(input, file, Lines::Data, &mut out, |out, loc, line| {
        let mut fields = line.split('\t');
        let value = fields.next().unwrap_or("").trim();
        let mut rec = record(value, loc.clone(), source);
        let mut problem = None;
        for field in fields.map(str::trim).filter(|f| !f.is_empty()) {
            let result = match field.split_once('=') {
                Some((k, v)) if is_key(k) => apply_field(&mut rec, k.trim(), v.trim()),
                _ if rec.origin.meta.description.is_none() => {
                    rec.origin.meta_mut().description = Some(field.to_string());
                    Ok(())
                }
                _ => Err(format!(
                    "unexpected field {field:?}; metadata fields are key=value"
                )),
            };
            if let Err(e) = result {
                problem = Some(e);
                break;
            }
        }
        match problem {
            Some(e) => out.problems.push(Diagnostic::error(loc, e)),
            None => out.records.push(rec),
        }
    });
    out
}

fn is_key(k: &str) -> bool {
    let k = k.trim();
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicator::{Kind, Mode};

    fn parse_str(s: &str) -> Parsed {
        parse(s.as_bytes(), &Arc::from("list.txt"), &Arc::from("feed"))
    }

    #[test]
    fn values_metadata_and_comments() {
        let p = parse_str("# c\n\n192.0.2.1\r\nevil.example\tdesc=x\ttags=a, b\tmatch=exact\tcolour=red\nfoo\tkind=literal\tsome words\n");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.lines_read, 3);
        assert_eq!(p.records[0].value, "192.0.2.1");
        assert_eq!(p.records[0].origin.location.line, 3);
        let r = &p.records[1];
        assert_eq!(r.mode, Some(Mode::Exact));
        assert_eq!(r.origin.meta.description.as_deref(), Some("x"));
        assert_eq!(r.origin.meta.tags, vec!["a", "b"]);
        assert_eq!(
            r.origin.meta.extra.get("colour").map(String::as_str),
            Some("red")
        );
        assert_eq!(p.records[2].kind, Some(Kind::Literal));
        assert_eq!(
            p.records[2].origin.meta.description.as_deref(),
            Some("some words")
        );
    }

    #[test]
    fn bad_lines_are_located() {
        let p = parse_str("ok.example\nbad\tkind=planet\n\u{0}x\tconfidence=101\n");
        assert_eq!(p.records.len(), 1);
        assert_eq!(p.problems.len(), 2);
        assert_eq!(p.problems[0].location.line, 2);
        assert!(p.problems[0].message.contains("planet"));
        assert_eq!(p.problems[1].location.line, 3);
        let p = parse(b"a.example\n\xff\xfe\n", &Arc::from("l"), &Arc::from("s"));
        assert_eq!(p.problems[0].location.line, 2);
        assert!(p.problems[0].message.contains("UTF-8"));
    }
}
