//! The free-text scan. The bytes are classified 64 at a time into bitmasks (`classify`); the
//! token walk then jumps from dot to dot to the host runs that can be addresses, domains or URL
//! starts, and to aligned 16-byte lanes of hex digits for digests, looking each token up by what
//! it can be. Passes over `:` (IPv6, URL schemes) and `@` (e-mail) use memchr; the string and
//! regex engines run last. Engines without indicators are skipped, and filters dismiss most
//! tokens before any map.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv6Addr};

use memchr::memchr_iter;

use super::boundary::{is_host_byte, is_local_byte, is_scheme_byte, is_v6_byte, url_end};
use super::classify::{classify, Block};
use crate::engine::url::written_host;
use crate::engine::{Hit, How};
use crate::matcher::{Inner, Match};
use crate::normalize;

/// Scans `text`, appending matches sorted by (start, end, indicator) without repeats.
pub(crate) fn scan(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    let first = out.len();
    tokens(inner, text, out);
    inner.strings.scan(text, |start, end, indicator, how| {
        out.push(Match {
            start,
            end,
            indicator,
            how,
        })
    });
    regexes(inner, text, 0, out);
    sort_dedup(out, first);
}

/// Appends the regex matches of `text`, shifted by `base`.
pub(crate) fn regexes(inner: &Inner, text: &[u8], base: usize, out: &mut Vec<Match>) {
    inner.regexes.scan(text, |start, end, indicator, how| {
        out.push(Match {
            start: base + start,
            end: base + end,
            indicator,
            how,
        })
    });
}

/// Sorts `out[first..]` by (start, end, indicator) and drops repeats.
pub(crate) fn sort_dedup(out: &mut Vec<Match>, first: usize) {
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

/// Per-thread buffers reused from scan to scan, so the hot path does not allocate.
#[derive(Default)]
struct Scratch {
    blocks: Vec<Block>,
    hits: Vec<Hit>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The token families (addresses, domains, digests, URLs, e-mail) of `text`, unsorted. Tokens
/// never cross a newline, so a buffer of lines gives the matches of each line.
pub(crate) fn tokens(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    let want_ips = !inner.ips.is_empty();
    let want_urls = !inner.urls.is_empty();
    let want_hosts = want_ips || want_urls || !inner.domains.is_empty();
    let want_digests = !inner.digests.is_empty();
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let Scratch { blocks, hits } = &mut *guard;
        hits.clear();
        if want_hosts || want_digests {
            classify(text, blocks);
            let walk = Walk {
                inner,
                text,
                blocks,
            };
            if want_hosts {
                walk.host_runs(out, hits);
            }
            if want_digests {
                walk.digests(out, hits);
            }
        }
        if want_ips || want_urls {
            colon_pass(inner, text, out, hits);
        }
    });
    if !inner.emails.is_empty() {
        email_pass(inner, text, out);
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

/// A text with its class masks: the token walk.
struct Walk<'a> {
    inner: &'a Inner,
    text: &'a [u8],
    blocks: &'a [Block],
}

impl Walk<'_> {
    /// Start of the run of `class` bytes that holds position `p`.
    #[inline(always)]
    fn run_start(&self, class: impl Fn(&Block) -> u64, p: usize) -> usize {
        let mut b = p / 64;
        let mut gaps = !class(&self.blocks[b]) & ((1u64 << (p % 64)) - 1);
        loop {
            if gaps != 0 {
                return b * 64 + 64 - gaps.leading_zeros() as usize;
            }
            if b == 0 {
                return 0;
            }
            b -= 1;
            gaps = !class(&self.blocks[b]);
        }
    }

    /// End (exclusive) of the run of `class` bytes that holds position `p`.
    #[inline(always)]
    fn run_end(&self, class: impl Fn(&Block) -> u64, p: usize) -> usize {
        let mut b = p / 64;
        let mut gaps = !class(&self.blocks[b]) & (u64::MAX << (p % 64));
        loop {
            if gaps != 0 {
                return (b * 64 + gaps.trailing_zeros() as usize).min(self.text.len());
            }
            b += 1;
            if b == self.blocks.len() {
                return self.text.len();
            }
            gaps = !class(&self.blocks[b]);
        }
    }

    /// The `class` bits of the `len` (at most 64) bytes from `s`, bit 0 for byte `s`.
    #[inline(always)]
    fn bits(&self, class: impl Fn(&Block) -> u64, s: usize, len: usize) -> u64 {
        debug_assert!(len <= 64);
        let (b, off) = (s / 64, s % 64);
        let mut m = class(&self.blocks[b]) >> off;
        if off != 0 && b + 1 < self.blocks.len() {
            m |= class(&self.blocks[b + 1]) << (64 - off);
        }
        if len < 64 {
            m &= (1u64 << len) - 1;
        }
        m
    }

    /// Whether any byte of `s..e` (not empty) is of `class`.
    #[inline(always)]
    fn any(&self, class: impl Fn(&Block) -> u64, s: usize, e: usize) -> bool {
        let (first, last) = (s / 64, (e - 1) / 64);
        let head = u64::MAX << (s % 64);
        let tail = u64::MAX >> (63 - (e - 1) % 64);
        if first == last {
            return class(&self.blocks[first]) & head & tail != 0;
        }
        class(&self.blocks[first]) & head != 0
            || self.blocks[first + 1..last].iter().any(|k| class(k) != 0)
            || class(&self.blocks[last]) & tail != 0
    }

    /// Host runs that can hold an address, a domain or a URL start: those with a dot, or every
    /// run when some domain indicator is a single label.
    fn host_runs(&self, out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
        let every_run = self.inner.domains.has_single_label();
        let mut done = 0; // runs before this position are looked at
        for (b, blk) in self.blocks.iter().enumerate() {
            let base = b * 64;
            let mut anchors = if every_run { blk.host } else { blk.dot };
            if done > base {
                if done - base >= 64 {
                    continue;
                }
                anchors &= u64::MAX << (done - base);
            }
            while anchors != 0 {
                let p = base + anchors.trailing_zeros() as usize;
                let s = self.run_start(|k| k.host, p);
                let e = self.run_end(|k| k.host, p);
                self.host_run(s, e, out, hits);
                done = e;
                if e - base >= 64 {
                    break;
                }
                anchors &= u64::MAX << (e - base);
            }
        }
    }

    /// Looks up one host run `text[s..e]` by what it can be.
    #[inline]
    fn host_run(&self, s: usize, e: usize, out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
        let (inner, text) = (self.inner, self.text);
        let mut t = e;
        while t > s && text[t - 1] == b'.' {
            t -= 1;
        }
        if t == s {
            return;
        }
        let tok = &text[s..t];
        let has_dot = self.any(|k| k.dot, s, t);
        if !self.any(|k| k.word, s, t) {
            // Digits and dots only: an IPv4 address, or nothing (numbers are not domains).
            if (7..=15).contains(&tok.len()) {
                if let Some(a) = parse_v4(tok) {
                    inner.ips.lookup_v4(a, hits);
                    emit(out, s, t, hits);
                }
            }
        } else if !inner.domains.is_empty()
            && (has_dot || inner.domains.has_single_label())
            && text.get(e) != Some(&b'@')
        {
            if tok.is_ascii() {
                if tok.len() <= 64 {
                    let dots = self.bits(|k| k.dot, s, tok.len());
                    inner.domains.probe_labels(tok, FromHighest(dots), hits);
                } else {
                    inner.domains.probe_token(tok, hits);
                }
            } else {
                let mut buf = String::new();
                if normalize::domain_into(tok, &mut buf).is_ok() {
                    inner.domains.probe_token(buf.as_bytes(), hits);
                }
            }
            emit(out, s, t, hits);
        }
        if e > t || has_dot {
            // A dot anywhere in the run, trailing ones included, may start a URL.
            if !inner.urls.is_empty() && starts_schemeless_url(text, s, e) {
                url_token(inner, text, s, out, hits);
            }
        }
    }

    /// Hex digests: maximal runs of ASCII letters and digits, all hex, of a digest length. Such
    /// a run is at least 32 bytes long, so it covers a whole aligned 16-byte lane of hex digits;
    /// only those lanes are looked at.
    fn digests(&self, out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
        const LANES: u64 = 0x0001_0001_0001_0001;
        let mut done = 0;
        for (b, blk) in self.blocks.iter().enumerate() {
            let gaps = !blk.hex;
            // Non-zero when some 16-bit lane of `gaps` is zero: some lane is all hex digits.
            if gaps.wrapping_sub(LANES) & !gaps & (LANES << 15) == 0 {
                continue;
            }
            for lane in 0..4 {
                let p = b * 64 + lane * 16;
                if (blk.hex >> (lane * 16)) & 0xffff != 0xffff || p < done {
                    continue;
                }
                let s = self.run_start(|k| k.alnum, p);
                let e = self.run_end(|k| k.alnum, p);
                done = e;
                if crate::Kind::hash_for_len(e - s).is_some()
                    && !self.any(|k| k.alnum & !k.hex, s, e)
                {
                    self.inner.digests.probe(&self.text[s..e], hits);
                    emit(out, s, e, hits);
                }
            }
        }
    }
}

/// The positions of a mask's set bits, highest first.
struct FromHighest(u64);

impl Iterator for FromHighest {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let i = 63 - self.0.leading_zeros() as usize;
        self.0 &= !(1 << i);
        Some(i)
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

/// Parses a dotted quad exactly as `Ipv4Addr::from_str` does (no leading zeros, octets to 255),
/// into the address as an integer.
#[inline]
fn parse_v4(b: &[u8]) -> Option<u32> {
    let mut addr: u32 = 0;
    let mut dots = 0;
    let mut v: u32 = 0;
    let mut digits = 0;
    for &c in b {
        if c == b'.' {
            if digits == 0 || dots == 3 {
                return None;
            }
            addr = (addr << 8) | v;
            dots += 1;
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
    if digits == 0 || dots != 3 {
        return None;
    }
    Some((addr << 8) | v)
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
        if s == p || e == p + 1 || !inner.emails.may_contain(&text[s..e]) {
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
    use std::net::Ipv4Addr;

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
            let std = s.parse::<Ipv4Addr>().ok().map(u32::from);
            assert_eq!(parse_v4(s.as_bytes()), std, "{s}");
        }
    }
}
