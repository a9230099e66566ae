//! STIX 2.1 bundles: indicator objects whose `pattern_type` is `stix` are compiled into
//! iocmatch indicators; everything a pattern says that cannot be matched one value at a time is
//! reported with the indicator's id and the construct, never dropped silently.
//!
//! Compiled: comparisons `=`, `IN (...)`, `ISSUBSET` (IPv4/IPv6 networks), `LIKE` (as a regex:
//! `%` any run, `_` any one character, found anywhere in a text) and `MATCHES` (a regex); `OR`
//! between comparisons and between observation expressions; `AND` only where every comparison
//! gives the same value. Rejected, with the reason: `FOLLOWEDBY`, `WITHIN`, `REPEATS`,
//! `START`/`STOP`, `AND` between observations or between different comparisons, `NOT`, other
//! operators, and object paths with no iocmatch kind.
//!
//! | object path | kind |
//! |---|---|
//! | `ipv4-addr:value`, `ipv6-addr:value`, `network-traffic:src_ref.value`, `dst_ref.value` | address or network |
//! | `domain-name:value` | domain |
//! | `url:value` | url |
//! | `email-addr:value`, `email-message:from_ref.value`, `sender_ref.value`, `to_refs[*].value` | email |
//! | `file:hashes.MD5`, `'SHA-1'`, `'SHA-256'`, `'SHA-512'` (and `x509-certificate:hashes.*`) | digest |
//! | `file:name` | filename |
//! | `network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'` | user-agent |

use std::sync::Arc;

use serde_json::Value;

use super::{record, Parsed};
use crate::error::Diagnostic;
use crate::indicator::{Kind, Mode, Record};
use crate::time::Timestamp;

/// One matchable value a pattern compiles to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compiled {
    /// The kind.
    pub kind: Kind,
    /// The value (as written in the pattern; normalised on load).
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Word(String),
    Str(String),
    Num(String),
    Op(String),
}

fn tokenize(p: &str) -> Result<Vec<Tok>, String> {
    let mut out = Vec::new();
    let b: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '[' => {
                out.push(Tok::LBracket);
                i += 1
            }
            ']' => {
                out.push(Tok::RBracket);
                i += 1
            }
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match b.get(i) {
                        None => return Err("unterminated string".into()),
                        Some('\\') => {
                            s.push(*b.get(i + 1).ok_or("unterminated string")?);
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(s));
            }
            '=' | '!' | '<' | '>' => {
                let two: String = b[i..(i + 2).min(b.len())].iter().collect();
                if matches!(two.as_str(), "!=" | "<=" | ">=") {
                    out.push(Tok::Op(two));
                    i += 2;
                } else {
                    out.push(Tok::Op(c.to_string()));
                    i += 1;
                }
            }
            c if c.is_ascii_digit() || c == '-' => {
                let s: String = b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '.'))
                    .collect();
                i += s.chars().count();
                out.push(Tok::Num(s));
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                // A word or an object path (letters, digits, -, _, :, ., [*], 'quoted' steps).
                let mut s = String::new();
                while let Some(&c) = b.get(i) {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.' | '*') {
                        s.push(c);
                        i += 1;
                    } else if c == '[' && s.contains(':') {
                        let close = b[i..]
                            .iter()
                            .position(|&x| x == ']')
                            .ok_or("unclosed [ in path")?;
                        s.extend(&b[i..=i + close]);
                        i += close + 1;
                    } else if c == '\'' && s.ends_with('.') {
                        let close = b[i + 1..]
                            .iter()
                            .position(|&x| x == '\'')
                            .ok_or("unclosed ' in path")?;
                        s.extend(&b[i..=i + close + 1]);
                        i += close + 2;
                    } else {
                        break;
                    }
                }
                if s.len() > 1
                    && (s.starts_with("t'") || s.starts_with("h'") || s.starts_with("b'"))
                {
                    return Err(format!("typed literal {s}... is not supported"));
                }
                out.push(Tok::Word(s));
            }
            c => return Err(format!("unexpected character {c:?}")),
        }
    }
    Ok(out)
}

/// The kind an object path's values have.
fn path_kind(path: &str) -> Result<PathKind, String> {
    let p = path.replace('\'', "");
    Ok(match p.as_str() {
        "ipv4-addr:value"
        | "ipv6-addr:value"
        | "network-traffic:src_ref.value"
        | "network-traffic:dst_ref.value" => PathKind::Address,
        "domain-name:value" => PathKind::Kind(Kind::Domain),
        "url:value" => PathKind::Kind(Kind::Url),
        "email-addr:value"
        | "email-message:from_ref.value"
        | "email-message:sender_ref.value"
        | "email-message:to_refs[*].value" => PathKind::Kind(Kind::Email),
        "file:name" => PathKind::Kind(Kind::Filename),
        "network-traffic:extensions.http-request-ext.request_header.User-Agent" => {
            PathKind::Kind(Kind::UserAgent)
        }
        p if p.starts_with("file:hashes.") || p.starts_with("x509-certificate:hashes.") => {
            let algo = p
                .rsplit('.')
                .next()
                .unwrap_or("")
                .to_ascii_uppercase()
                .replace('-', "");
            match algo.as_str() {
                "MD5" => PathKind::Kind(Kind::Md5),
                "SHA1" => PathKind::Kind(Kind::Sha1),
                "SHA224" => PathKind::Kind(Kind::Sha224),
                "SHA256" => PathKind::Kind(Kind::Sha256),
                "SHA384" => PathKind::Kind(Kind::Sha384),
                "SHA512" => PathKind::Kind(Kind::Sha512),
                _ => return Err(format!("hash algorithm in {path} is not supported")),
            }
        }
        _ => return Err(format!("unknown object path {path}")),
    })
}

#[derive(Clone, Copy)]
enum PathKind {
    Address,
    Kind(Kind),
}

/// `LIKE` as a regex found anywhere: `%` any run, `_` any one character, the rest literal.
fn like_to_regex(p: &str) -> String {
    let mut r = String::new();
    for c in p.chars() {
        match c {
            '%' => r.push_str("[^\\s\"]*"),
            '_' => r.push_str("[^\\s\"]"),
            c => r.push_str(&regex_escape(c)),
        }
    }
    r
}

fn regex_escape(c: char) -> String {
    if "\\.+*?()|[]{}^$#&-~ ".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

struct PatternParser {
    toks: Vec<Tok>,
    pos: usize,
}

impl PatternParser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn word_is(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    /// pattern := observation (OR observation)*
    fn pattern(&mut self) -> Result<Vec<Compiled>, String> {
        let mut out = self.observation()?;
        while self.peek().is_some() {
            match self.next() {
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("OR") => {
                    out.extend(self.observation()?)
                }
                Some(Tok::Word(w)) if w.eq_ignore_ascii_case("AND") => {
                    return Err("AND between observation expressions is not supported".into())
                }
                Some(Tok::Word(w)) => {
                    return Err(format!("{} is not supported", w.to_ascii_uppercase()))
                }
                t => return Err(format!("unexpected {t:?} after an observation")),
            }
        }
        Ok(out)
    }

    /// observation := '[' comparison-expression ']' | '(' pattern ')'
    fn observation(&mut self) -> Result<Vec<Compiled>, String> {
        match self.next() {
            Some(Tok::LBracket) => {
                let out = self.or_expr()?;
                if self.next() != Some(Tok::RBracket) {
                    return Err("expected ] after a comparison".into());
                }
                for q in ["WITHIN", "REPEATS", "START", "STOP"] {
                    if self.word_is(q) {
                        return Err(format!("{q} is not supported"));
                    }
                }
                Ok(out)
            }
            Some(Tok::LParen) => {
                let mut out = self.observation()?;
                while self.word_is("OR") {
                    self.pos += 1;
                    out.extend(self.observation()?);
                }
                if self.next() != Some(Tok::RParen) {
                    return Err("expected ) after observations".into());
                }
                Ok(out)
            }
            t => Err(format!("expected [ to start an observation, found {t:?}")),
        }
    }

    fn or_expr(&mut self) -> Result<Vec<Compiled>, String> {
        let mut out = self.and_expr()?;
        while self.word_is("OR") {
            self.pos += 1;
            out.extend(self.and_expr()?);
        }
        Ok(out)
    }

    fn and_expr(&mut self) -> Result<Vec<Compiled>, String> {
        let first = self.comparison()?;
        let mut all_same = true;
        while self.word_is("AND") {
            self.pos += 1;
            let next = self.comparison()?;
            all_same &= next == first;
        }
        if !all_same {
            return Err(
                "AND of different comparisons is not supported (it matches no single value)".into(),
            );
        }
        Ok(first)
    }

    fn comparison(&mut self) -> Result<Vec<Compiled>, String> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let out = self.or_expr()?;
            if self.next() != Some(Tok::RParen) {
                return Err("expected )".into());
            }
            return Ok(out);
        }
        let path = match self.next() {
            Some(Tok::Word(p)) if p.contains(':') => p,
            t => return Err(format!("expected an object path, found {t:?}")),
        };
        if self.word_is("NOT") {
            return Err("NOT is not supported".into());
        }
        let op = match self.next() {
            Some(Tok::Op(o)) => o,
            Some(Tok::Word(w)) => w.to_ascii_uppercase(),
            t => return Err(format!("expected an operator after {path}, found {t:?}")),
        };
        let kind = path_kind(&path)?;
        let value_kind = |v: &str| match kind {
            PathKind::Kind(k) => k,
            PathKind::Address if v.contains('/') => Kind::Cidr,
            PathKind::Address if v.contains(':') => Kind::Ipv6,
            PathKind::Address => Kind::Ipv4,
        };
        match op.as_str() {
            "=" => {
                let v = self.string()?;
                Ok(vec![Compiled {
                    kind: value_kind(&v),
                    value: v,
                }])
            }
            "IN" => {
                if self.next() != Some(Tok::LParen) {
                    return Err("expected ( after IN".into());
                }
                let mut out = Vec::new();
                loop {
                    let v = self.string()?;
                    out.push(Compiled {
                        kind: value_kind(&v),
                        value: v,
                    });
                    match self.next() {
                        Some(Tok::Comma) => continue,
                        Some(Tok::RParen) => break,
                        t => return Err(format!("expected , or ) in IN, found {t:?}")),
                    }
                }
                Ok(out)
            }
            "ISSUBSET" => {
                let v = self.string()?;
                if !matches!(kind, PathKind::Address) {
                    return Err(format!("ISSUBSET on {path} is not supported"));
                }
                Ok(vec![Compiled {
                    kind: Kind::Cidr,
                    value: v,
                }])
            }
            "LIKE" => {
                let v = self.string()?;
                Ok(vec![Compiled {
                    kind: Kind::Regex,
                    value: like_to_regex(&v),
                }])
            }
            "MATCHES" => {
                let v = self.string()?;
                Ok(vec![Compiled {
                    kind: Kind::Regex,
                    value: v,
                }])
            }
            o => Err(format!("operator {o} is not supported")),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            Some(Tok::Num(n)) => Ok(n),
            t => Err(format!("expected a quoted value, found {t:?}")),
        }
    }
}

/// Compiles a STIX pattern into the values it matches, or says why it cannot be.
pub fn compile_pattern(pattern: &str) -> Result<Vec<Compiled>, String> {
    let toks = tokenize(pattern)?;
    for t in &toks {
        if let Tok::Word(w) = t {
            if w.eq_ignore_ascii_case("FOLLOWEDBY") {
                return Err("FOLLOWEDBY is not supported".into());
            }
        }
    }
    let mut p = PatternParser { toks, pos: 0 };
    let out = p.pattern()?;
    if out.is_empty() {
        return Err("the pattern has no comparison".into());
    }
    Ok(out)
}

fn text(v: Option<&Value>) -> Option<String> {
    v?.as_str().filter(|s| !s.is_empty()).map(String::from)
}

/// Parses a STIX 2.x bundle (or a lone indicator, or an array of objects).
pub fn parse(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    let doc = match super::read_json(input, file) {
        Ok(v) => v,
        Err(d) => {
            out.problems.push(d);
            return out;
        }
    };
    let objects: Vec<&Value> = match &doc {
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bundle") => o
            .get("objects")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        Value::Object(_) => vec![&doc],
        Value::Array(a) => a.iter().collect(),
        _ => {
            out.problems.push(Diagnostic::error(
                super::at_line(file, 0),
                "not a STIX bundle or object",
            ));
            return out;
        }
    };
    for obj in objects {
        let ty = obj.get("type").and_then(Value::as_str).unwrap_or("");
        if ty != "indicator" {
            continue;
        }
        out.lines_read += 1;
        let id = text(obj.get("id")).unwrap_or_else(|| "indicator without id".into());
        let pattern_type = text(obj.get("pattern_type")).unwrap_or_else(|| "stix".into());
        if pattern_type != "stix" {
            *out.skipped
                .entry(format!("pattern_type {pattern_type}"))
                .or_insert(0) += 1;
            continue;
        }
        let Some(pattern) = text(obj.get("pattern")) else {
            out.problems.push(Diagnostic::error(
                super::at_line(file, 0),
                format!("{id}: indicator without a pattern"),
            ));
            continue;
        };
        let compiled = match compile_pattern(&pattern) {
            Ok(c) => c,
            Err(e) => {
                out.problems.push(Diagnostic::error(
                    super::at_line(file, 0),
                    format!("{id}: {e}: {pattern}"),
                ));
                continue;
            }
        };
        let mut base: Record = record("", super::at_line(file, 0), source);
        let meta = base.origin.meta_mut();
        meta.description = text(obj.get("name")).or_else(|| text(obj.get("description")));
        meta.confidence = obj
            .get("confidence")
            .and_then(Value::as_u64)
            .and_then(|c| u8::try_from(c).ok())
            .filter(|c| *c <= 100);
        meta.tags = obj
            .get("labels")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|l| l.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        // Every external reference, as `source_name: external_id url` entries; the first URL is
        // the reference.
        let refs: Vec<&Value> = obj
            .get("external_references")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        meta.reference = refs.iter().find_map(|r| text(r.get("url")));
        let described: Vec<String> = refs
            .iter()
            .map(|r| {
                ["source_name", "external_id", "url"]
                    .iter()
                    .filter_map(|k| text(r.get(*k)))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty())
            .collect();
        if !described.is_empty() {
            meta.extra
                .insert("external_references".into(), described.join("; "));
        }
        let mut bad_time = None;
        for (key, slot) in [
            ("valid_from", &mut meta.valid_from),
            ("valid_until", &mut meta.valid_until),
        ] {
            if let Some(t) = text(obj.get(key)) {
                match Timestamp::parse(&t) {
                    Ok(ts) => *slot = Some(ts),
                    Err(e) => bad_time = Some(format!("{id}: {key}: {e}")),
                }
            }
        }
        if let Some(e) = bad_time {
            out.problems
                .push(Diagnostic::error(super::at_line(file, 0), e));
            continue;
        }
        meta.extra.insert("stix_id".into(), id.clone());
        meta.extra.insert("pattern".into(), pattern.clone());
        for c in compiled {
            let mut rec = base.clone();
            rec.value = c.value;
            rec.kind = Some(c.kind);
            if c.kind == Kind::Domain {
                rec.mode = Some(Mode::Exact);
            }
            out.records.push(rec);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(p: &str) -> Vec<(Kind, String)> {
        compile_pattern(p)
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .into_iter()
            .map(|c| (c.kind, c.value))
            .collect()
    }

    #[test]
    fn supported_patterns_compile() {
        assert_eq!(
            values("[ipv4-addr:value = '198.51.100.1']"),
            vec![(Kind::Ipv4, "198.51.100.1".into())]
        );
        assert_eq!(
            values("[ipv4-addr:value = '223.166.0.0/15']"),
            vec![(Kind::Cidr, "223.166.0.0/15".into())]
        );
        assert_eq!(
            values("[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1'] OR [url:value = 'http://x.example/']"),
            vec![(Kind::Domain, "a.example".into()), (Kind::Ipv4, "192.0.2.1".into()), (Kind::Url, "http://x.example/".into())]
        );
        assert_eq!(
            values("[file:hashes.'SHA-256' = 'ef53']")[0].0,
            Kind::Sha256
        );
        assert_eq!(values("[file:hashes.MD5 = 'ab']")[0].0, Kind::Md5);
        assert_eq!(
            values("[ipv6-addr:value ISSUBSET '2001:db8::/32']")[0].0,
            Kind::Cidr
        );
        assert_eq!(
            values("[domain-name:value IN ('a.example', 'b.example')]").len(),
            2
        );
        assert_eq!(
            values("[email-addr:value = 'it\\'s@x.example']")[0].1,
            "it's@x.example"
        );
        assert_eq!(
            values("[domain-name:value LIKE '%.evil.example']")[0],
            (Kind::Regex, "[^\\s\"]*\\.evil\\.example".into())
        );
        assert_eq!(
            values("[email-message:from_ref.value MATCHES '^bob@']")[0].0,
            Kind::Regex
        );
        assert_eq!(
            values("[domain-name:value = 'a.example' AND domain-name:value = 'a.example']").len(),
            1
        );
    }

    #[test]
    fn unsupported_constructs_say_which() {
        for (p, says) in [
            ("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [domain-name:value = 'x.example']", "FOLLOWEDBY"),
            ("[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS", "WITHIN"),
            ("[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", "REPEATS"),
            ("[ipv4-addr:value = '1.2.3.4'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", "START"),
            ("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']", "AND between observation"),
            ("[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b']", "unknown object path"),
            ("[file:name = 'a' AND file:size = '1']", "unknown object path"),
            ("[file:name = 'a' AND file:name = 'b']", "AND of different"),
            ("[ipv4-addr:value != '1.2.3.4']", "operator != is not supported"),
            ("[ipv4-addr:value NOT = '1.2.3.4']", "NOT"),
            ("[process:name = 'x']", "unknown object path"),
            ("[ipv4-addr:value = '1.2.3.4'", "expected ]"),
            ("[domain-name:value = 'x", "unterminated"),
        ] {
            let e = compile_pattern(p).expect_err(p);
            assert!(e.contains(says), "{p}: {e}");
        }
    }

    #[test]
    fn bundles_keep_indicator_metadata() {
        let bundle = r#"{"type": "bundle", "id": "bundle--1", "objects": [
          {"type": "indicator", "id": "indicator--a", "name": "C2", "labels": ["malicious-activity"],
           "confidence": 80, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
           "valid_until": "2025-01-01T00:00:00Z", "pattern": "[domain-name:value = 'c2.example']",
           "external_references": [{"source_name": "x", "url": "https://ref.example/1"}]},
          {"type": "indicator", "id": "indicator--b", "pattern_type": "sigma", "pattern": "title: x"},
          {"type": "indicator", "id": "indicator--c", "pattern_type": "stix", "pattern": "[process:name = 'x']"},
          {"type": "malware", "id": "malware--1", "name": "x"}]}"#;
        let p = parse(bundle.as_bytes(), &Arc::from("b.json"), &Arc::from("taxii"));
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!((r.kind, r.mode), (Some(Kind::Domain), Some(Mode::Exact)));
        assert_eq!(r.origin.meta.description.as_deref(), Some("C2"));
        assert_eq!(r.origin.meta.confidence, Some(80));
        assert_eq!(r.origin.meta.tags, vec!["malicious-activity"]);
        assert_eq!(
            r.origin.meta.reference.as_deref(),
            Some("https://ref.example/1")
        );
        assert!(r.origin.meta.valid_until.is_some());
        assert_eq!(r.origin.meta.extra["stix_id"], "indicator--a");
        assert_eq!(p.skipped.get("pattern_type sigma"), Some(&1));
        assert_eq!(p.problems.len(), 1);
        assert!(p.problems[0]
            .message
            .starts_with("indicator--c: unknown object path process:name"));
    }
}
