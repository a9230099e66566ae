//! The free-text scan. The bytes are classified 64 at a time into bitmasks (`classify`); the
//! token walk (`walk`) then jumps from dot to dot to the host runs that can be addresses,
//! domains or URL starts, to aligned 16-byte lanes of hex digits for digests, and to the `@` of
//! e-mail addresses, looking tokens up in batches by what they can be. The `:` positions give
//! IPv6 addresses and URL schemes (here); the string and regex engines run last. Engines without
//! indicators are skipped, and filters dismiss most tokens before any map.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv6Addr};

use super::boundary::{is_scheme_byte, is_url_byte, url_end, URL_TRAILING};
use super::build::{Build, Plain};
use super::classify::{classify, Block};
use super::walk::{Batch, Walk};
use crate::engine::url::authority_host;
use crate::engine::Hit;
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
    if !inner.regexes.is_empty() {
        regexes(inner, text, &[(0, text.len())], out);
    }
    sort_dedup(out, first);
}

/// Appends the regex matches of each line of `text`, a line being a span `(start, end)` of it.
pub(crate) fn regexes(inner: &Inner, text: &[u8], lines: &[(usize, usize)], out: &mut Vec<Match>) {
    inner
        .regexes
        .scan_lines(text, lines, |start, end, indicator, how| {
            out.push(Match {
                start,
                end,
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
    batch: Batch,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Masks kept between scans at most (those of 4 MiB of text, and the block of zeros after
/// them); a scan of a larger text frees its masks afterwards rather than holding them for the
/// life of the thread.
const KEPT_BLOCKS: usize = (1 << 16) + 1;

/// The token families (addresses, domains, digests, URLs, e-mail) of `text`, unsorted. Tokens
/// never cross a newline, so a buffer of lines gives the matches of each line.
pub(crate) fn tokens(inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    match inner.bit_ops {
        Some(bits) => tokens_with(bits, inner, text, out),
        None => tokens_with(Plain, inner, text, out),
    }
}

/// [`tokens`] with the passes of `build`.
pub(super) fn tokens_with(build: impl Build, inner: &Inner, text: &[u8], out: &mut Vec<Match>) {
    let want_ips = !inner.ips.is_empty();
    let want_urls = !inner.urls.is_empty();
    let want_hosts = want_ips || want_urls || !inner.domains.is_empty();
    let want_digests = !inner.digests.is_empty();
    let want_emails = !inner.emails.is_empty();
    SCRATCH.with(|cell| {
        let mut guard = cell.borrow_mut();
        let Scratch { blocks, batch } = &mut *guard;
        // Each pass is a function of its own (in each build, `build.rs`): inlined into one, a
        // change in any of them moved the compiler's choices for all (1 % more scan
        // instructions from a change to the domain lookups alone).
        if want_hosts || want_digests || want_emails {
            classify(text, blocks);
            blocks.push(Block::default());
            let walk = Walk {
                inner,
                text,
                blocks,
            };
            if want_hosts {
                build.host_runs(&walk, batch, out);
            }
            if want_digests {
                build.digests(&walk, batch, out);
            }
            if want_emails {
                build.emails(&walk, out);
            }
            if want_ips || want_urls {
                build.colon_pass(&walk, out, &mut batch.hits);
            }
        }
        if blocks.capacity() > KEPT_BLOCKS {
            *blocks = Vec::new();
        }
    });
}

#[inline]
pub(super) fn emit(out: &mut Vec<Match>, start: usize, end: usize, hits: &mut Vec<Hit>) {
    // Most lookups hit nothing: skip the drain and extend, which cost a few dozen instructions
    // even when there is nothing to move.
    if hits.is_empty() {
        return;
    }
    out.extend(hits.drain(..).map(|h| Match {
        start,
        end,
        indicator: h.indicator,
        how: h.how,
    }));
}

/// Looks up the URL token starting at `s`, whose authority starts at `from` (after its
/// scheme's `://`, or at `s` for a URL without a scheme), if its host may carry a URL
/// indicator.
pub(super) fn url_token(
    walk: &Walk,
    s: usize,
    from: usize,
    out: &mut Vec<Match>,
    hits: &mut Vec<Hit>,
) {
    let (inner, text) = (walk.inner, walk.text);
    // Most URL tokens are dismissed by the host filter, so the host is read first. Most often
    // it is the run of host bytes at `from`, ended by the path, query or fragment: the masks
    // give it. A run ended otherwise (user info, a port, brackets, the token's end) takes the
    // authority byte by byte, up to the first `/`, `?` or `#`, less the trailing punctuation
    // `url_end` drops if the URL ends inside it.
    let run_end = walk.run_end(|k| k.host, from);
    let host = if matches!(text.get(run_end), Some(b'/' | b'?' | b'#')) {
        &text[from..run_end]
    } else {
        let mut auth_end = run_end;
        while auth_end < text.len()
            && is_url_byte(text[auth_end])
            && !matches!(text[auth_end], b'/' | b'?' | b'#')
        {
            auth_end += 1;
        }
        if !matches!(text.get(auth_end), Some(b'/' | b'?' | b'#')) {
            while auth_end > from && URL_TRAILING.contains(&text[auth_end - 1]) {
                auth_end -= 1;
            }
        }
        authority_host(&text[from..auth_end])
    };
    if !inner.urls.may_match_host(host) {
        return;
    }
    let end = url_end(text, s);
    if let Ok(key) = normalize::url(&text[s..end]) {
        inner.urls.probe(&key, hits);
        emit(out, s, end, hits);
    }
}

/// `:` positions: URL schemes (`://`) and IPv6 runs (hex digits, `:` and `.`, found from the
/// class masks).
#[inline(always)]
pub(super) fn colon_pass_in(walk: &Walk, _: impl Build, out: &mut Vec<Match>, hits: &mut Vec<Hit>) {
    let (inner, text) = (walk.inner, walk.text);
    let want_urls = !inner.urls.is_empty();
    let want_v6 = !inner.ips.is_empty();
    let v6_run = |k: &Block| k.hex | k.colon | k.dot;
    let mut v6_done = 0;
    walk.each_position(
        |k| k.colon,
        |p| {
            if want_urls && text[p..].starts_with(b"://") {
                let mut s = p;
                while s > 0 && is_scheme_byte(text[s - 1]) {
                    s -= 1;
                }
                if s < p && text[s].is_ascii_alphabetic() {
                    url_token(walk, s, p + 3, out, hits);
                }
            }
            if want_v6 && p >= v6_done {
                let (s, e) = (walk.run_start(v6_run, p), walk.run_end(v6_run, p));
                v6_done = e;
                if !inner.ips.may_hold_v6_written(&text[s..e]) {
                    return;
                }
                if let Some((t, addr)) = v6_token(text, s, e) {
                    inner.ips.lookup(addr, hits);
                    emit(out, s, t, hits);
                }
            }
        },
    );
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
pub(super) fn starts_schemeless_url(text: &[u8], s: usize, e: usize) -> bool {
    // The byte after the run first: it is rarely `/` or `:`, so most runs stop at one test.
    let followed = match text.get(e) {
        Some(b'/') => true,
        Some(b':') => {
            let digits = text[e + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            digits > 0 && text.get(e + 1 + digits) == Some(&b'/')
        }
        _ => false,
    };
    followed && !(s > 0 && matches!(text[s - 1], b'/' | b':' | b'@'))
}
