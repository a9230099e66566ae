//! The free-text scan: one pass over the bytes classifies them and cuts host runs, each run
//! looked up by what it can be (IPv4 address, domain, hex digest, start of a URL); then passes
//! over `:` (IPv6, URL schemes) and `@` (e-mail) with memchr; then the string and regex engines.
//! Engines without indicators are skipped, and filters dismiss most tokens before any map.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use memchr::memchr_iter;

use super::boundary::{is_host_byte, is_local_byte, is_scheme_byte, is_v6_byte, url_end};
use crate::engine::url::written_host;
use crate::engine::{Hit, How};
use crate::matcher::{Inner, Match};
use crate::normalize;

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const DOT: u8 = 4;
const DASH: u8 = 8; // `-` or `_`
const HIGH: u8 = 16; // non-ASCII
const HEX: u8 = 32; // a-f, A-F and digits

/// Byte classes; zero for bytes that end a host run.
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b.is_ascii_digit() {
            DIGIT | HEX
        } else if b.is_ascii_hexdigit() {
            LETTER | HEX
        } else if b.is_ascii_alphabetic() {
            LETTER
        } else if b == b'.' {
            DOT
        } else if b == b'-' || b == b'_' {
            DASH
        } else if b >= 0x80 {
            HIGH
        } else {
            0
        };
        i += 1;
    }
    t
};

/// Scans `text`, appending matches sorted by (start, end, indicator) without repeats.
pub(crate) fn scan(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    let first = out.len();
    let mut hits: Vec<Hit> = Vec::new();
    let want_ips = !inner.ips.is_empty();
    let want_domains = !inner.domains.is_empty();
    let want_digests = !inner.digests.is_empty();
    let want_urls = !inner.urls.is_empty();
    if want_ips || want_domains || want_digests || want_urls {
        host_pass(inner, text, out, &mut hits);
    }
    if want_ips || want_urls {
        colon_pass(inner, text, out, &mut hits);
    }
    if !inner.emails.is_empty() {
        email_pass(inner, text, out);
    }
    inner.strings.scan(text, |s, e, id, how| {
        out.push(Match {
            start: s,
            end: e,
            indicator: id,
            how,
        })
    });
    inner.regexes.scan(text, |s, e, id, how| {
        out.push(Match {
            start: s,
            end: e,
            indicator: id,
            how,
        })
    });
    if out.len() - first > 1 {
        out[first..].sort_unstable();
        let mut w = first + 1;
        for r in first + 1..out.len() {
            if out[r] != out[w - 1] {
                out[w] = out[r];
                w += 1;
            }
        }
        out.truncate(w);
    }
}

#[inline]
fn emit(out: &mut Vec<Match>, start: usize, end: usize, hits: &mut Vec<Hit>) {
    out.extend(hits.drain(..).map(|h| Match {
        start,
        end,
        indicator: h.indicator,
        how: h.how,
    }));
}

/// Host runs: maximal runs of letters, digits, `.`, `-`, `_` and non-ASCII bytes.
fn host_pass(inner: &Inner, text: &[u8], out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
    let n = text.len();
    let mut i = 0;
    while i < n {
        if CLASS[text[i] as usize] == 0 {
            i += 1;
            continue;
        }
        let s = i;
        let mut seen = 0u8;
        while i < n {
            let c = CLASS[text[i] as usize];
            if c == 0 {
                break;
            }
            seen |= c;
            i += 1;
        }
        host_run(inner, text, s, i, seen, out, hits);
    }
}

#[inline]
fn host_run(
    inner: &Inner,
    text: &[u8],
    s: usize,
    e: usize,
    seen: u8,
    out: &mut Vec<Match>,
    hits: &mut Vec<Hit>,
) {
    if e - s >= 32 && !inner.digests.is_empty() {
        digest_tokens(inner, text, s, e, out, hits);
    }
    let mut t = e;
    while t > s && text[t - 1] == b'.' {
        t -= 1;
    }
    if t == s {
        return;
    }
    let tok = &text[s..t];
    let has_dot = seen & DOT != 0;
    if seen & (LETTER | DASH | HIGH) == 0 {
        // Digits and dots only: an IPv4 address, or nothing (numbers are not domains).
        if has_dot && tok.len() <= 15 {
            if let Some(a) = parse_v4(tok) {
                inner.ips.lookup(IpAddr::V4(a), hits);
                emit(out, s, t, hits);
            }
        }
    } else if !inner.domains.is_empty()
        && (has_dot || inner.domains.has_single_label())
        && text.get(e) != Some(&b'@')
    {
        if seen & HIGH == 0 {
            inner.domains.probe_token(tok, hits);
        } else {
            let mut buf = String::new();
            if normalize::domain_into(tok, &mut buf).is_ok() {
                inner.domains.probe_token(buf.as_bytes(), hits);
            }
        }
        emit(out, s, t, hits);
    }
    if has_dot && !inner.urls.is_empty() && starts_schemeless_url(text, s, e) {
        url_token(inner, text, s, out, hits);
    }
}

/// Looks up the URL token starting at `s`, if its host may carry a URL indicator.
fn url_token(inner: &Inner, text: &[u8], s: usize, out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
    let end = url_end(text, s);
    if !inner.urls.may_match_host(written_host(&text[s..end])) {
        return;
    }
    if let Ok(key) = normalize::url(&text[s..end]) {
        inner.urls.probe(&key, hits);
        emit(out, s, end, hits);
    }
}

/// Hex digests inside a host run: maximal runs of ASCII letters and digits, all hex, of a
/// digest length.
fn digest_tokens(
    inner: &Inner,
    text: &[u8],
    s: usize,
    e: usize,
    out: &mut Vec<Match>,
    hits: &mut Vec<Hit>,
) {
    let mut i = s;
    while i < e {
        if CLASS[text[i] as usize] & (LETTER | DIGIT) == 0 {
            i += 1;
            continue;
        }
        let a = i;
        let mut all_hex = true;
        while i < e && CLASS[text[i] as usize] & (LETTER | DIGIT) != 0 {
            all_hex &= CLASS[text[i] as usize] & HEX != 0;
            i += 1;
        }
        if all_hex && crate::Kind::hash_for_len(i - a).is_some() {
            inner.digests.probe(&text[a..i], hits);
            emit(out, a, i, hits);
        }
    }
}

/// Parses a dotted quad exactly as `Ipv4Addr::from_str` does (no leading zeros, octets to 255).
fn parse_v4(b: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut k = 0;
    let mut v: u32 = 0;
    let mut digits = 0;
    for &c in b {
        if c == b'.' {
            if digits == 0 || k == 3 {
                return None;
            }
            octets[k] = v as u8;
            k += 1;
            v = 0;
            digits = 0;
        } else {
            if digits > 0 && v == 0 {
                return None; // leading zero
            }
            v = v * 10 + (c - b'0') as u32;
            digits += 1;
            if v > 255 {
                return None;
            }
        }
    }
    if digits == 0 || k != 3 {
        return None;
    }
    octets[3] = v as u8;
    Some(Ipv4Addr::from(octets))
}

/// `:` positions: URL schemes (`://`) and IPv6 runs.
fn colon_pass(inner: &Inner, text: &[u8], out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
    let want_urls = !inner.urls.is_empty();
    let want_v6 = !inner.ips.is_empty();
    let mut v6_done = 0;
    for p in memchr_iter(b':', text) {
        if want_urls && text[p..].starts_with(b"://") {
            let mut s = p;
            while s > 0 && is_scheme_byte(text[s - 1]) {
                s -= 1;
            }
            if s < p && text[s].is_ascii_alphabetic() {
                url_token(inner, text, s, out, hits);
            }
        }
        if want_v6 && p >= v6_done {
            let (s, e) = expand(text, p, is_v6_byte);
            v6_done = e;
            if let Some((t, addr)) = v6_token(text, s, e) {
                inner.ips.lookup(addr, hits);
                emit(out, s, t, hits);
            }
        }
    }
}

/// `@` positions: e-mail addresses.
fn email_pass(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    for p in memchr_iter(b'@', text) {
        let mut s = p;
        while s > 0 && is_local_byte(text[s - 1]) {
            s -= 1;
        }
        let mut e = p + 1;
        while e < text.len() && is_host_byte(text[e]) {
            e += 1;
        }
        while e > p + 1 && text[e - 1] == b'.' {
            e -= 1;
        }
        if s == p || e == p + 1 {
            continue;
        }
        if let Ok(Ok(addr)) = std::str::from_utf8(&text[s..e]).map(normalize::email) {
            for &(id, _) in inner.emails.get(&addr) {
                out.push(Match {
                    start: s,
                    end: e,
                    indicator: id,
                    how: How::Exact,
                });
            }
        }
    }
}

/// The maximal run of `class` bytes around position `p`.
fn expand(text: &[u8], p: usize, class: fn(u8) -> bool) -> (usize, usize) {
    let mut s = p;
    while s > 0 && class(text[s - 1]) {
        s -= 1;
    }
    let mut e = p;
    while e < text.len() && class(text[e]) {
        e += 1;
    }
    (s, e)
}

/// An IPv6 token from the run `text[s..e]`: not touching a letter or digit on either side,
/// trailing dots dropped. An IPv4-mapped address written with a dotted tail is left to the IPv4
/// token inside it. Returns the token's end and the (folded) address.
fn v6_token(text: &[u8], s: usize, e: usize) -> Option<(usize, IpAddr)> {
    if (s > 0 && text[s - 1].is_ascii_alphanumeric())
        || (e < text.len() && text[e].is_ascii_alphanumeric())
    {
        return None;
    }
    let mut t = e;
    while t > s && text[t - 1] == b'.' {
        t -= 1;
    }
    let tok = &text[s..t];
    if tok.len() > 45 || tok.iter().filter(|&&b| b == b':').count() < 2 {
        return None;
    }
    let addr: Ipv6Addr = std::str::from_utf8(tok).ok()?.parse().ok()?;
    if addr.to_ipv4_mapped().is_some() && tok.contains(&b'.') {
        return None;
    }
    Some((t, normalize::fold_mapped(IpAddr::V6(addr))))
}

/// Whether the host run `text[s..e]` starts a URL without a scheme: it holds a dot, is followed
/// by `/` (or `:port/`), and is not itself inside a URL or path (not after `/`, `:` or `@`).
fn starts_schemeless_url(text: &[u8], s: usize, e: usize) -> bool {
    if s > 0 && matches!(text[s - 1], b'/' | b':' | b'@') {
        return false;
    }
    match text.get(e) {
        Some(b'/') => true,
        Some(b':') => {
            let digits = text[e + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            digits > 0 && text.get(e + 1 + digits) == Some(&b'/')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_parser_agrees_with_std() {
        for s in [
            "1.2.3.4",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "000.1.1.1",
            "10.0.0.10",
            "1.2.3.04",
            "99999.1.1.1",
        ] {
            assert_eq!(parse_v4(s.as_bytes()), s.parse::<Ipv4Addr>().ok(), "{s}");
        }
    }
}
