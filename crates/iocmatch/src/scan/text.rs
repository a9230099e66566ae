//! The free-text scan: one pass per token family over the bytes, each token canonicalised and
//! looked up in its engine, then the string and regex engines over the whole text.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use memchr::memchr_iter;

use super::boundary::{is_host_byte, is_local_byte, is_scheme_byte, is_v6_byte, url_end};
use crate::engine::{Hit, How};
use crate::matcher::{Inner, Match};
use crate::normalize;

/// Scans `text`, appending matches sorted by (start, end, indicator) without repeats.
pub(crate) fn scan(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    let first = out.len();
    let mut hits = Vec::new();
    let mut buf = String::new();
    let emit = |out: &mut Vec<Match>, start: usize, end: usize, hits: &mut Vec<Hit>| {
        out.extend(hits.drain(..).map(|h| Match {
            start,
            end,
            indicator: h.indicator,
            how: h.how,
        }));
    };
    let want_hosts =
        !inner.domains.is_empty() || !inner.ips.is_empty() || !inner.digests.is_empty();
    let want_urls = !inner.urls.is_empty();
    if want_hosts || want_urls {
        host_runs(text, |s, e| {
            if !inner.digests.is_empty() {
                digest_tokens(inner, text, s, e, &mut buf, |a, b, id| {
                    out.push(Match {
                        start: a,
                        end: b,
                        indicator: id,
                        how: How::Exact,
                    })
                });
            }
            let mut t = e;
            while t > s && text[t - 1] == b'.' {
                t -= 1;
            }
            if t > s {
                if let Some(v4) = parse_v4(&text[s..t]) {
                    inner.ips.lookup(IpAddr::V4(v4), &mut hits);
                    emit(out, s, t, &mut hits);
                } else if !inner.domains.is_empty()
                    && text.get(e) != Some(&b'@')
                    && normalize::domain_into(&text[s..t], &mut buf).is_ok()
                {
                    inner.probe_domain(&buf, &mut hits);
                    emit(out, s, t, &mut hits);
                }
            }
            if want_urls && starts_schemeless_url(text, s, e) {
                let end = url_end(text, s);
                if let Ok(key) = normalize::url(&text[s..end]) {
                    inner.probe_url(&key, &mut hits);
                    emit(out, s, end, &mut hits);
                }
            }
        });
    }
    let want_v6 = !inner.ips.is_empty();
    if want_v6 || want_urls {
        let mut v6_done = 0;
        for p in memchr_iter(b':', text) {
            if want_urls && text[p..].starts_with(b"://") {
                let mut s = p;
                while s > 0 && is_scheme_byte(text[s - 1]) {
                    s -= 1;
                }
                if s < p && text[s].is_ascii_alphabetic() {
                    let end = url_end(text, s);
                    if let Ok(key) = normalize::url(&text[s..end]) {
                        inner.probe_url(&key, &mut hits);
                        emit(out, s, end, &mut hits);
                    }
                }
            }
            if want_v6 && p >= v6_done {
                let (s, e) = expand(text, p, is_v6_byte);
                v6_done = e;
                if let Some((t, addr)) = v6_token(text, s, e) {
                    inner.ips.lookup(addr, &mut hits);
                    emit(out, s, t, &mut hits);
                }
            }
        }
    }
    if !inner.emails.is_empty() {
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
            if let Ok(addr) = std::str::from_utf8(&text[s..e]).map(normalize::email) {
                for &(id, _) in inner.emails.get(&addr.unwrap_or_default()) {
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
    let mut mine = out.split_off(first);
    mine.sort_unstable();
    mine.dedup();
    out.extend(mine);
}

/// Calls `f(start, end)` for every maximal run of host bytes.
fn host_runs(text: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut i = 0;
    let n = text.len();
    while i < n {
        if !is_host_byte(text[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && is_host_byte(text[i]) {
            i += 1;
        }
        f(s, i);
    }
}

/// Hex digests inside a host run: maximal runs of ASCII letters and digits, all hex, of a
/// digest length.
fn digest_tokens(
    inner: &Inner,
    text: &[u8],
    s: usize,
    e: usize,
    buf: &mut String,
    mut found: impl FnMut(usize, usize, crate::IndicatorId),
) {
    let mut i = s;
    while i < e {
        if !text[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let a = i;
        let mut all_hex = true;
        while i < e && text[i].is_ascii_alphanumeric() {
            all_hex &= text[i].is_ascii_hexdigit();
            i += 1;
        }
        if all_hex && crate::Kind::hash_for_len(i - a).is_some() {
            buf.clear();
            buf.extend(text[a..i].iter().map(|b| b.to_ascii_lowercase() as char));
            for &(id, _) in inner.digests.get(buf) {
                found(a, i, id);
            }
        }
    }
}

fn parse_v4(b: &[u8]) -> Option<Ipv4Addr> {
    if b.len() > 15 || !b.iter().all(|c| c.is_ascii_digit() || *c == b'.') {
        return None;
    }
    std::str::from_utf8(b).ok()?.parse().ok()
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
    if !text[s..e].contains(&b'.') {
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
