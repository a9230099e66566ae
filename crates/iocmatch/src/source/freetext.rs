//! MISP freetext: indicators picked out of prose (a report, an e-mail, a chat message). Each line
//! is split at white space, commas, semicolons, quotes and brackets; each token is refanged,
//! trimmed of sentence punctuation and kept if its kind can be detected. Domains need a
//! top-level label of two letters or more, so `e.g.` is not one. Words of no kind are counted as
//! skipped (`word`), not errors. Detection is a heuristic: review what `stats` reports.

use std::sync::Arc;

use super::{each_line, record, Lines, Parsed};
use crate::indicator::Kind;
use crate::normalize;

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '"' | '<' | '>' | '|')
}

/// Parses free text.
pub fn parse(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    each_line(input, file, Lines::All, &mut out, |out, loc, line| {
        // Refang the line first: some forms (` dot `, ` (at) `) span what would be tokens.
        let line = crate::refang::refang(line);
        let mut read_any = false;
        for token in line.split(is_separator) {
            let token = token
                .trim_start_matches(['(', '[', '{', '\''])
                .trim_end_matches([')', ']', '}', '\'', '.', '!', '?', ':']);
            if token.is_empty() {
                continue;
            }
            read_any = true;
            // Schemes are refanged only at the start of a value, so once more per token.
            let token = crate::refang::refang(token);
            let token = token.as_ref();
            let kind = match normalize::detect(token) {
                Ok(Kind::Domain) if !plausible_tld(token) => None,
                Ok(k) => Some(k),
                Err(_) => None,
            };
            match kind {
                Some(k) => {
                    let mut rec = record(token, loc.clone(), source);
                    rec.kind = Some(k);
                    out.records.push(rec);
                }
                None => *out.skipped.entry("word".into()).or_insert(0) += 1,
            }
        }
        if read_any {
            out.lines_read += 1;
        }
    });
    out
}

/// Whether a detected domain ends in a label of two or more letters (or punycode).
fn plausible_tld(domain: &str) -> bool {
    let tld = domain
        .trim_end_matches('.')
        .rsplit('.')
        .next()
        .unwrap_or("");
    tld.starts_with("xn--") || (tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_indicators_out_of_prose() {
        let text = "The actor (see e.g. report.pdf) used hxxps://evil[.]example/login and 192.0.2[.]44;\n\
                    mail came from bob[at]evil(dot)example, C2 at 2001:db8::7. Hash: D41D8CD98F00B204E9800998ECF8427E.\n";
        let p = parse(
            text.as_bytes(),
            &Arc::from("report.txt"),
            &Arc::from("analyst"),
        );
        let got: Vec<(String, Kind, u32)> = p
            .records
            .iter()
            .map(|r| (r.value.clone(), r.kind.unwrap(), r.origin.location.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("report.pdf".into(), Kind::Filename, 1),
                ("https://evil.example/login".into(), Kind::Url, 1),
                ("192.0.2.44".into(), Kind::Ipv4, 1),
                ("bob@evil.example".into(), Kind::Email, 2),
                ("2001:db8::7".into(), Kind::Ipv6, 2),
                ("D41D8CD98F00B204E9800998ECF8427E".into(), Kind::Md5, 2),
            ]
        );
        assert!(p.skipped["word"] > 10);
        assert!(p.problems.is_empty());
    }
}
