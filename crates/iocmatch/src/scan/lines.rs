//! Buffers of lines scanned in parallel: the buffer is cut into line-aligned chunks, rayon scans
//! the chunks, and the per-chunk results are stitched back in input order.

use rayon::prelude::*;

use super::zeek::{self, Headers, LogState};
use super::{json_log, text};
use crate::matcher::{LineMatch, Match, Matcher};

/// Target size of one chunk: large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 64 * 1024;

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

/// Scans one chunk as a whole: token families and strings over all of it (tokens never cross a
/// newline; string matches that do are dropped), URLs joined from JSON lines' host and path
/// keys, regexes line by line (their leftmost-first
/// matches depend on where the text ends). Line numbers are relative to the chunk. Returns the
/// matches and the number of lines the chunk holds.
fn scan_chunk(m: &Matcher, buf: &[u8], base: usize) -> (Vec<LineMatch>, usize) {
    let inner = &m.inner;
    let mut found = Vec::new();
    text::tokens(inner, buf, &mut found);
    inner.strings.scan(buf, |start, end, indicator, how| {
        found.push(Match {
            start,
            end,
            indicator,
            how,
        })
    });
    if !inner.urls.is_empty() {
        json_log::url_keys(inner, buf, &mut found);
    }
    if !inner.regexes.is_empty() {
        let spans: Vec<(usize, usize)> = lines(buf).map(|(start, end, _)| (start, end)).collect();
        text::regexes(inner, buf, &spans, &mut found);
    }
    text::sort_dedup(&mut found, 0);
    let (mut out, lines) = to_lines(buf, base, found);
    // Validity and allowlists last, so that a suppressed hit is counted only if it was one.
    m.keep_current_lines(buf, base, &mut out);
    (out, lines)
}

/// The matches of `buf` (in order of their starts) on their lines: each with its line's number,
/// where the line starts (in the whole input, `base` for `buf`'s first byte) and its offsets in
/// the line. A match that runs past its line's end (a string across a newline) is dropped.
/// The newlines before a match are counted, not walked line by line: the few lines that hold
/// matches are the only ones found. Also returns the number of lines of `buf`, the count going
/// on from the last match's line rather than starting again.
fn to_lines(buf: &[u8], base: usize, found: Vec<Match>) -> (Vec<LineMatch>, usize) {
    /// A line of `buf`: its number, where it starts and ends (before any `\r\n`), and where
    /// the line after it starts.
    #[derive(Clone, Copy)]
    struct Line {
        number: usize,
        start: usize,
        end: usize,
        next: usize,
    }
    let mut out = Vec::with_capacity(found.len());
    // The line of the last match.
    let mut current: Option<Line> = None;
    for x in found {
        let Line {
            number, start, end, ..
        } = match current {
            Some(line) if x.start < line.next => line,
            _ => {
                let from = current.map_or(0, |line| line.next);
                let before = &buf[from..x.start];
                let number =
                    current.map_or(0, |line| line.number + 1) + bytecount::count(before, b'\n');
                let start = memchr::memrchr(b'\n', before).map_or(from, |i| from + i + 1);
                let nl = memchr::memchr(b'\n', &buf[x.start..]).map_or(buf.len(), |i| x.start + i);
                let end = if nl > start && buf[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                *current.insert(Line {
                    number,
                    start,
                    end,
                    next: nl + 1,
                })
            }
        };
        if x.end > end {
            continue; // a string match across a line end
        }
        out.push(LineMatch {
            line: number,
            line_start: base + start,
            m: Match {
                start: x.start - start,
                end: x.end - start,
                ..x
            },
        });
    }
    // The lines up to the last match's and its `\n`, and where the uncounted rest starts.
    let (counted, rest) = match current {
        Some(line) if line.next > buf.len() => return (out, line.number + 1), // the last line
        Some(line) => (line.number + 1, line.next),
        None => (0, 0),
    };
    (out, counted + line_count(&buf[rest..]))
}

/// The lines of `buf` as (start, end, next): a line ends before its `\n`, less a `\r` before
/// it; the next line starts after the `\n`.
pub(crate) fn lines(buf: &[u8]) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= buf.len() {
            return None;
        }
        let nl = memchr::memchr(b'\n', &buf[start..]).map_or(buf.len(), |i| start + i);
        let mut end = nl;
        if end > start && buf[end - 1] == b'\r' {
            end -= 1;
        }
        let span = (start, end, nl + 1);
        start = nl + 1;
        Some(span)
    })
}

/// The number of lines: one per `\n`, and one more for text after the last. Counted by
/// `bytecount`, which sums a vector's matches over many steps before it adds them up, where a
/// count by memchr's search takes a mask and its population count every step (1.4 % of the
/// scan's instructions on Zeek TSV at 1M indicators).
fn line_count(buf: &[u8]) -> usize {
    bytecount::count(buf, b'\n') + usize::from(buf.last().is_some_and(|&b| b != b'\n'))
}

/// Appends the matches of every line of `buf` to `out`, in input order; returns the number of
/// lines. `state` holds the Zeek columns in force at `buf`'s start, and is left with those in
/// force at its end.
pub(crate) fn scan_parallel(
    m: &Matcher,
    buf: &[u8],
    state: &mut LogState,
    out: &mut Vec<LineMatch>,
) -> usize {
    let chunks = chunks(buf);
    // Zeek URL columns are looked for only where there are URL indicators to join them for.
    let fields = !m.inner.urls.is_empty();
    let mut parts: Vec<(Vec<LineMatch>, usize, Headers)> = chunks
        .par_iter()
        .map(|&(s, e)| {
            let chunk = &buf[s..e];
            let (found, lines) = scan_chunk(m, chunk, s);
            let headers = if fields {
                zeek::headers(chunk)
            } else {
                Headers::default()
            };
            (found, lines, headers)
        })
        .collect();
    if fields {
        join_url_fields(m, buf, &chunks, state, &mut parts);
    }
    out.reserve(parts.iter().map(|p| p.0.len()).sum());
    let mut lines_before = 0;
    for (found, lines, _) in parts {
        out.extend(found.into_iter().map(|mut x| {
            x.line += lines_before;
            x
        }));
        lines_before += lines;
    }
    lines_before
}

/// Adds to each chunk's matches (`parts`, by chunk) the URLs joined from Zeek HTTP lines' host
/// and uri fields. The columns in force at each chunk's start follow from `state` and the
/// headers of the chunks before it; chunks inside or starting a section with URL columns are
/// read again, field by field, in parallel. `state` is left with the columns at `buf`'s end.
fn join_url_fields(
    m: &Matcher,
    buf: &[u8],
    chunks: &[(usize, usize)],
    state: &mut LogState,
    parts: &mut [(Vec<LineMatch>, usize, Headers)],
) {
    let mut todo = Vec::new();
    for (k, (_, _, headers)) in parts.iter().enumerate() {
        let at_start = state.columns;
        if let Some(last) = headers.last {
            state.columns = last;
        }
        if at_start.is_some() || headers.any_urls {
            todo.push((k, at_start));
        }
    }
    let joined: Vec<(usize, Vec<LineMatch>)> = todo
        .into_par_iter()
        .map(|(k, columns)| {
            let (s, e) = chunks[k];
            let mut found = Vec::new();
            zeek::url_fields(&m.inner, &buf[s..e], s, columns, &mut found);
            m.keep_current_lines(&buf[s..e], s, &mut found);
            (k, found)
        })
        .collect();
    for (k, found) in joined {
        if !found.is_empty() {
            let all = &mut parts[k].0;
            all.extend(found);
            all.sort_unstable_by_key(|x| (x.line, x.m));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::How;
    use crate::indicator::IndicatorId;

    #[test]
    fn matches_land_on_their_lines() {
        let buf = b"ab\r\n\ncd ab\nef";
        let at = |start: usize, end: usize| Match {
            start,
            end,
            indicator: IndicatorId(0),
            how: How::Exact,
        };
        // Line 0 "ab" (before `\r\n`), line 1 empty, line 2 "cd ab", line 3 "ef" (no `\n`).
        let found = vec![
            at(0, 2),
            at(0, 3),
            at(5, 7),
            at(8, 10),
            at(10, 12),
            at(11, 13),
        ];
        let placed: Vec<(usize, usize, usize, usize)> = to_lines(buf, 100, found)
            .0
            .iter()
            .map(|x| (x.line, x.line_start, x.m.start, x.m.end))
            .collect();
        // The match over the `\r` and the one over a `\n` run past their lines and are dropped.
        assert_eq!(
            placed,
            [
                (0, 100, 0, 2),
                (2, 105, 0, 2),
                (2, 105, 3, 5),
                (3, 111, 0, 2)
            ]
        );
    }

    #[test]
    fn the_line_count_goes_on_from_the_last_match() {
        let one = |start: usize| Match {
            start,
            end: start + 1,
            indicator: IndicatorId(0),
            how: How::Exact,
        };
        for buf in [
            &b"a"[..],
            b"a\n",
            b"ab\r\n\ncd\nef",
            b"ab\r\n\ncd\nef\n",
            b"\n\nx\n\n",
        ] {
            let want = line_count(buf);
            assert_eq!(to_lines(buf, 0, Vec::new()).1, want, "{buf:?}, no match");
            for at in (0..buf.len()).filter(|&i| buf[i] != b'\n') {
                assert_eq!(
                    to_lines(buf, 0, vec![one(at)]).1,
                    want,
                    "{buf:?}, match at {at}"
                );
                let two = vec![one(0), one(at)];
                assert_eq!(
                    to_lines(buf, 0, two).1,
                    want,
                    "{buf:?}, matches at 0 and {at}"
                );
            }
        }
    }

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
