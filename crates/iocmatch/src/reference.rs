//! A naive reference matcher: the scan rules of DESIGN.md restated as plainly as possible, every
//! indicator compared one by one, no indexes. Slow by design; tests check every fast path
//! against it.

use std::net::{IpAddr, Ipv6Addr};

use ipnetwork::IpNetwork;
use regex_automata::meta::Regex;

use crate::engine::How;
use crate::indicator::{Indicator, IndicatorId, Kind, Mode};
use crate::matcher::Match;
use crate::normalize;

/// The reference matcher over a list of indicators.
#[derive(Debug)]
pub struct NaiveMatcher {
    indicators: Vec<Indicator>,
    regexes: Vec<Option<Regex>>,
}

fn host_byte(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' | 0x80..=0xff)
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn hexdigit(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn v6_byte(b: u8) -> bool {
    hexdigit(b) || b == b':' || b == b'.'
}

fn run_end(text: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
    let mut j = from;
    while j < text.len() && class(text[j]) {
        j += 1;
    }
    j
}

fn starts_run(text: &[u8], i: usize, class: fn(u8) -> bool) -> bool {
    class(text[i]) && (i == 0 || !class(text[i - 1]))
}

fn trim_dots(text: &[u8], s: usize, mut e: usize) -> usize {
    while e > s && text[e - 1] == b'.' {
        e -= 1;
    }
    e
}

fn url_token_end(text: &[u8], s: usize) -> usize {
    let mut e = s;
    while e < text.len() {
        let b = text[e];
        if b <= b' ' || b == 0x7f || b == b'"' || b == b'<' || b == b'>' || b == b'`' {
            break;
        }
        e += 1;
    }
    while e > s && b".,;:!?)]}'".contains(&text[e - 1]) {
        e -= 1;
    }
    e
}

/// Whether the byte at `at` (beside a match) continues the word the match is part of.
fn extends(text: &[u8], at: isize, step: isize) -> bool {
    let get = |i: isize| {
        if i < 0 {
            None
        } else {
            text.get(i as usize).copied()
        }
    };
    match get(at) {
        Some(b) if alnum(b) => true,
        Some(b'.' | b'-' | b'_') => get(at + step).is_some_and(alnum),
        _ => false,
    }
}

/// Whether a host field or value is set and only name, address, port and user-info bytes.
fn joinable_host(host: &[u8]) -> bool {
    let unset = host.is_empty() || host == b"-" || host == b"(empty)";
    let authority = host
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b >= 0x80 || b"._-:[]@".contains(&b));
    !unset && authority
}

/// The string value of the first JSON key `name` of `line`: a quoted name after `{` or `,`
/// and followed by `:` and a string (JSON whitespace between). Returns where the value's text
/// starts and ends in the line and the text read by serde_json; None if that string does not
/// end or does not read.
fn json_value(line: &[u8], name: &str) -> Option<(usize, usize, String)> {
    let space = |b: &u8| b" \t\r\n".contains(b);
    let quoted = format!("\"{name}\"");
    for k in 0..line.len() {
        if !line[k..].starts_with(quoted.as_bytes()) {
            continue;
        }
        let before = line[..k].iter().rev().find(|b| !space(b));
        if !matches!(before, Some(b'{' | b',')) {
            continue;
        }
        let mut i = k + quoted.len();
        while line.get(i).is_some_and(space) {
            i += 1;
        }
        if line.get(i) != Some(&b':') {
            continue;
        }
        i += 1;
        while line.get(i).is_some_and(space) {
            i += 1;
        }
        if line.get(i) != Some(&b'"') {
            continue;
        }
        let start = i + 1;
        let mut end = start;
        loop {
            match line.get(end)? {
                b'\\' => end += 2,
                b'"' => break,
                _ => end += 1,
            }
        }
        let text = serde_json::from_slice::<String>(&line[start - 1..=end]).ok()?;
        return Some((start, end, text));
    }
    None
}

impl NaiveMatcher {
    /// Builds the reference over `indicators` (ids are positions in the slice).
    pub fn new(indicators: &[Indicator]) -> NaiveMatcher {
        let regexes = indicators
            .iter()
            .map(|i| {
                (i.kind == Kind::Regex)
                    .then(|| Regex::new(&i.value).ok())
                    .flatten()
            })
            .collect();
        NaiveMatcher {
            indicators: indicators.to_vec(),
            regexes,
        }
    }

    fn each(&self) -> impl Iterator<Item = (IndicatorId, &Indicator)> {
        self.indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (IndicatorId(i as u32), ind))
            .filter(|(_, ind)| ind.for_detection())
    }

    /// Address and network indicators containing `addr`, any order.
    pub fn ip(&self, addr: IpAddr) -> Vec<(IndicatorId, How)> {
        let addr = normalize::fold_mapped(addr);
        let mut out = Vec::new();
        for (id, ind) in self.each() {
            match ind.kind {
                Kind::Ipv4 | Kind::Ipv6 if ind.value.parse::<IpAddr>() == Ok(addr) => {
                    out.push((id, How::Exact))
                }
                Kind::Cidr => {
                    let net: IpNetwork = ind.value.parse().expect("canonical network");
                    if net.contains(addr) {
                        out.push((
                            id,
                            How::Cidr {
                                prefix_len: net.prefix(),
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Domain indicators hit by a canonical host name, any order.
    pub fn domain(&self, host: &str) -> Vec<(IndicatorId, How)> {
        let mut out = Vec::new();
        for (id, ind) in self.each().filter(|(_, i)| i.kind == Kind::Domain) {
            if host == ind.value {
                out.push((id, How::Exact));
            } else if ind.mode == Mode::Subdomains && host.ends_with(&format!(".{}", ind.value)) {
                out.push((id, How::Subdomain));
            }
        }
        out
    }

    /// URL indicators hit by a canonical URL key, any order.
    pub fn url(&self, key: &str) -> Vec<(IndicatorId, How)> {
        let mut out = Vec::new();
        for (id, ind) in self.each().filter(|(_, i)| i.kind == Kind::Url) {
            let p = ind.value.as_str();
            if key == p {
                out.push((id, How::Exact));
            } else if ind.mode == Mode::Prefix
                && key.starts_with(p)
                && (p.ends_with('/') || matches!(key.as_bytes()[p.len()], b'/' | b'?'))
            {
                out.push((id, How::Prefix));
            }
        }
        out
    }

    /// Scans a log line by line (lines end at `\n`, less a `\r` before it), as
    /// `Matcher::scan_lines` does: each line's [`NaiveMatcher::scan`], and in a Zeek section
    /// whose `#fields` header (the tag, a tab, the names) names `host` and `uri` columns among
    /// its first 64, the URL indicators hit by a line's host (set, and only name, address,
    /// port and user-info bytes) and URI (a path) joined, spanning both fields. On a line that
    /// starts with `{`, the same for the string values of the JSON keys `host` and `uri`, or
    /// `hostname` and `url` (each the first key of its name after `{` or `,`, followed by `:`
    /// and a string), spanning both values. Returns (line index, match), sorted.
    pub fn scan_log(&self, data: &[u8]) -> Vec<(usize, Match)> {
        let mut out = Vec::new();
        let mut columns: Option<(usize, usize)> = None;
        let data = data.strip_suffix(b"\n").unwrap_or(data);
        for (n, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            out.extend(self.scan(line).into_iter().map(|m| (n, m)));
            let pairs = if line.starts_with(b"{") {
                &[("host", "uri"), ("hostname", "url")][..]
            } else {
                &[]
            };
            for &(host_key, path_key) in pairs {
                let (Some((p_at, p_end, path)), Some((h_at, h_end, host))) =
                    (json_value(line, path_key), json_value(line, host_key))
                else {
                    continue;
                };
                if !path.starts_with('/') || !joinable_host(host.as_bytes()) {
                    continue;
                }
                if let Ok(key) = normalize::url(format!("{host}{path}").as_bytes()) {
                    for (id, how) in self.url(&key) {
                        let m = Match {
                            start: h_at.min(p_at),
                            end: h_end.max(p_end),
                            indicator: id,
                            how,
                        };
                        out.push((n, m));
                    }
                }
            }
            let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
            if fields[0] == b"#fields" && fields.len() > 1 {
                // Columns past the 64th are not joined.
                let at = |name: &[u8]| fields[1..].iter().position(|&f| f == name);
                columns = at(b"host").zip(at(b"uri")).filter(|&(h, u)| h.max(u) < 64);
                continue;
            }
            let Some((h, u)) = columns else { continue };
            if line.starts_with(b"#") || h.max(u) >= fields.len() {
                continue;
            }
            let (host, uri) = (fields[h], fields[u]);
            if !joinable_host(host) || !uri.starts_with(b"/") {
                continue;
            }
            let offset = |i: usize| fields[..i].iter().map(|f| f.len() + 1).sum::<usize>();
            let (start, end) = (offset(h.min(u)), offset(h.max(u)) + fields[h.max(u)].len());
            if let Ok(key) = normalize::url(&[host, uri].concat()) {
                for (id, how) in self.url(&key) {
                    let m = Match {
                        start,
                        end,
                        indicator: id,
                        how,
                    };
                    out.push((n, m));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Scans `text` by the rules of DESIGN.md; sorted like `Matcher::scan`.
    pub fn scan(&self, text: &[u8]) -> Vec<Match> {
        let mut out: Vec<Match> = Vec::new();
        let mut add = |s: usize, e: usize, hits: Vec<(IndicatorId, How)>| {
            for (id, how) in hits {
                out.push(Match {
                    start: s,
                    end: e,
                    indicator: id,
                    how,
                });
            }
        };
        for i in 0..text.len() {
            // Host runs: an IPv4 address or a domain, and maybe a URL without a scheme.
            if starts_run(text, i, host_byte) {
                let j = run_end(text, i, host_byte);
                let t = trim_dots(text, i, j);
                let tok = &text[i..t];
                let v4 = std::str::from_utf8(tok)
                    .ok()
                    .filter(|s| s.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
                    .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok());
                if let Some(a) = v4 {
                    add(i, t, self.ip(IpAddr::V4(a)));
                } else if t > i && text.get(j) != Some(&b'@') {
                    if let Ok(d) = normalize::domain(&String::from_utf8_lossy(tok)) {
                        if std::str::from_utf8(tok).is_ok() {
                            add(i, t, self.domain(&d));
                        }
                    }
                }
                let after_ok = match text.get(j) {
                    Some(b'/') => true,
                    Some(b':') => {
                        let d = run_end(text, j + 1, |b| b.is_ascii_digit());
                        d > j + 1 && text.get(d) == Some(&b'/')
                    }
                    _ => false,
                };
                let before_ok = i == 0 || !matches!(text[i - 1], b'/' | b':' | b'@');
                if after_ok && before_ok && text[i..j].contains(&b'.') {
                    let e = url_token_end(text, i);
                    if let Ok(key) = normalize::url(&text[i..e]) {
                        add(i, e, self.url(&key));
                    }
                }
            }
            // Hex digests: whole alphanumeric runs, all hex, of a digest length.
            if starts_run(text, i, alnum) {
                let j = run_end(text, i, alnum);
                if text[i..j].iter().all(|&b| hexdigit(b)) && Kind::hash_for_len(j - i).is_some() {
                    let hex = String::from_utf8_lossy(&text[i..j]).to_lowercase();
                    let hits = self
                        .each()
                        .filter(|(_, ind)| ind.kind.is_hex_digest() && ind.value == hex)
                        .map(|(id, _)| (id, How::Exact))
                        .collect();
                    add(i, j, hits);
                }
            }
            // URLs with a scheme.
            if text[i].is_ascii_alphabetic()
                && (i == 0 || !(alnum(text[i - 1]) || b"+.-".contains(&text[i - 1])))
            {
                let k = run_end(text, i, |b| alnum(b) || b"+.-".contains(&b));
                if text[k..].starts_with(b"://") {
                    let e = url_token_end(text, i);
                    if let Ok(key) = normalize::url(&text[i..e]) {
                        add(i, e, self.url(&key));
                    }
                }
            }
            // IPv6 runs not touching letters or digits.
            if starts_run(text, i, v6_byte) && (i == 0 || !alnum(text[i - 1])) {
                let j = run_end(text, i, v6_byte);
                let t = trim_dots(text, i, j);
                let tok = String::from_utf8_lossy(&text[i..t]).to_string();
                let next_ok = j == text.len() || !alnum(text[j]);
                if next_ok && tok.matches(':').count() >= 2 {
                    if let Ok(a) = tok.parse::<Ipv6Addr>() {
                        if !(a.to_ipv4_mapped().is_some() && tok.contains('.')) {
                            add(i, t, self.ip(IpAddr::V6(a)));
                        }
                    }
                }
            }
            // E-mail addresses around an @.
            if text[i] == b'@' {
                let local = |b: u8| alnum(b) || b"._%+-".contains(&b);
                let mut s = i;
                while s > 0 && local(text[s - 1]) {
                    s -= 1;
                }
                let e = trim_dots(text, i + 1, run_end(text, i + 1, host_byte));
                // A local part after a non-ASCII byte is the tail of a longer word.
                let whole = s == 0 || text[s - 1] < 0x80;
                if whole && s < i && e > i + 1 {
                    if let Ok(addr) = normalize::email(&String::from_utf8_lossy(&text[s..e])) {
                        if std::str::from_utf8(&text[i + 1..e]).is_ok() {
                            let hits = self
                                .each()
                                .filter(|(_, ind)| ind.kind == Kind::Email && ind.value == addr)
                                .map(|(id, _)| (id, How::Exact))
                                .collect();
                            add(s, e, hits);
                        }
                    }
                }
            }
            // Literals and whole-word strings starting here.
            for (id, ind) in self.each() {
                let word = ind.kind.is_word_string();
                if !(word || ind.kind == Kind::Literal) {
                    continue;
                }
                let pat = ind.value.as_bytes();
                let Some(here) = text.get(i..i + pat.len()) else {
                    continue;
                };
                let equal = if ind.mode == Mode::NoCase {
                    here.eq_ignore_ascii_case(pat)
                } else {
                    here == pat
                };
                if !equal {
                    continue;
                }
                let e = i + pat.len();
                if word {
                    let left = !alnum(pat[0]) || !extends(text, i as isize - 1, -1);
                    let right = !alnum(pat[pat.len() - 1]) || !extends(text, e as isize, 1);
                    if left && right {
                        add(i, e, vec![(id, How::Exact)]);
                    }
                } else {
                    add(i, e, vec![(id, How::Substring)]);
                }
            }
        }
        for (id, ind) in self.each() {
            if let Some(re) = &self.regexes[id.index()] {
                let _ = ind;
                for m in re.find_iter(text) {
                    if m.start() < m.end() {
                        out.push(Match {
                            start: m.start(),
                            end: m.end(),
                            indicator: id,
                            how: How::Regex,
                        });
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
