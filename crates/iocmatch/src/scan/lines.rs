//! Buffers of lines scanned in parallel: the buffer is cut into line-aligned chunks, rayon scans
//! the chunks, and the per-chunk results are stitched back in input order.

use rayon::prelude::*;

use crate::matcher::{LineMatch, Matcher};

/// Target size of one chunk: large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 256 * 1024;

/// Splits `buf` into chunks of about `CHUNK` bytes that end just after a `\n` (or at the end).
fn chunks(buf: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(buf.len() / CHUNK + 1);
    let mut start = 0;
    while start < buf.len() {
        let want = (start + CHUNK).min(buf.len());
        let end = match memchr::memchr(b'\n', &buf[want..]) {
            Some(nl) if want < buf.len() => want + nl + 1,
            _ => buf.len(),
        };
        out.push((start, end));
        start = end;
    }
    out
}

/// Scans one chunk; line numbers are relative to the chunk. Returns the matches and the number
/// of lines the chunk holds.
fn scan_chunk(m: &Matcher, buf: &[u8], base: usize) -> (Vec<LineMatch>, usize) {
    let mut found = Vec::new();
    let mut per_line = Vec::new();
    let mut line = 0;
    let mut start = 0;
    while start < buf.len() {
        let nl = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
        let mut end = nl;
        if end > start && buf[end - 1] == b'\r' {
            end -= 1;
        }
        per_line.clear();
        m.scan_into(&buf[start..end], &mut per_line);
        found.extend(per_line.iter().map(|&x| LineMatch {
            line,
            line_start: base + start,
            m: x,
        }));
        line += 1;
        start = nl + 1;
    }
    (found, line)
}

pub(crate) fn scan_parallel(m: &Matcher, buf: &[u8]) -> Vec<LineMatch> {
    let parts: Vec<(Vec<LineMatch>, usize)> = chunks(buf)
        .into_par_iter()
        .map(|(s, e)| scan_chunk(m, &buf[s..e], s))
        .collect();
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    let mut lines_before = 0;
    for (found, lines) in parts {
        out.extend(found.into_iter().map(|mut x| {
            x.line += lines_before;
            x
        }));
        lines_before += lines;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_newlines_and_cover_everything() {
        let mut buf = Vec::new();
        for i in 0..100_000 {
            buf.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        buf.extend_from_slice(b"no newline at end");
        let cs = chunks(&buf);
        assert!(cs.len() > 1);
        assert_eq!(cs[0].0, 0);
        assert_eq!(cs.last().unwrap().1, buf.len());
        for w in cs.windows(2) {
            assert_eq!(w[0].1, w[1].0);
            assert_eq!(buf[w[0].1 - 1], b'\n');
        }
    }
}
