//! Zeek TSV logs, where a value is split over two columns that free text cannot join: an HTTP
//! log writes a request's `host` and `uri` in fields of their own, without a scheme, so a URL
//! indicator (`evil.example/gate.php`) stands in no one field. A line scan that knows the
//! section's `#fields` header joins the two and looks the URL up.
//!
//! A log may hold several sections (files joined together), each with its header; the header
//! in force at a buffer's start is carried from the buffer before in a [`LogState`].

use super::lines::lines;
use super::url_join::{JoinHost, UrlJoin};
use crate::engine::hashing::word;
use crate::matcher::{Inner, LineMatch, Match};

/// Where the `host` and `uri` columns of a Zeek TSV section stand (0-based field indices).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UrlColumns {
    host: usize,
    uri: usize,
}

impl UrlColumns {
    /// The columns of a `#fields` line (its names after the tag, tab-separated), if it names
    /// both `host` and `uri`.
    fn of_header(line: &[u8]) -> Option<UrlColumns> {
        let names = line.strip_prefix(FIELDS)?;
        let (mut host, mut uri) = (None, None);
        for (i, name) in names.split(|&b| b == b'\t').enumerate() {
            match name.strip_suffix(b"\r").unwrap_or(name) {
                b"host" => host = Some(i),
                b"uri" => uri = Some(i),
                _ => {}
            }
        }
        let (host, uri) = (host?, uri?);
        (host.max(uri) <= MAX_COLUMN).then_some(UrlColumns { host, uri })
    }

    /// The host and URI fields of a data line, with their offsets, if the host is one to join
    /// ([`JoinHost`]) and the URI is a path (`/...`): an absolute URI is a URL token of its own.
    /// `tabs` is working space, reused from line to line.
    fn fields<'a>(
        self,
        line: &'a [u8],
        tabs: &mut [usize; MAX_COLUMN + 1],
    ) -> Option<((usize, JoinHost<'a>), Field<'a>)> {
        let last = self.host.max(self.uri);
        let tabs = &mut tabs[..=last];
        let found = tabs_into(line, tabs);
        // Field `i` runs from after the tab before it to the tab after it (or the line's end).
        let field = |i: usize| {
            if i > found {
                return None;
            }
            let start = if i == 0 { 0 } else { tabs[i - 1] + 1 };
            let end = if i < found { tabs[i] } else { line.len() };
            Some((start, &line[start..end]))
        };
        let ((h_at, host), uri) = (field(self.host)?, field(self.uri)?);
        if uri.1.first() != Some(&b'/') {
            return None;
        }
        Some(((h_at, JoinHost::of(host)?), uri))
    }
}

/// A field of a line: its offset and its bytes.
type Field<'a> = (usize, &'a [u8]);

/// The highest column index whose fields are joined: Zeek's HTTP log has about thirty, its
/// `host` and `uri` the ninth and tenth. (A header that puts them further is taken as naming
/// no URL columns.)
const MAX_COLUMN: usize = 63;

/// Writes the offsets of the first tabs of `line` to `out`, as many as it holds or fit; returns
/// how many. Sixteen bytes a step, a vector's tabs found at once (eight, in a word, without
/// SSE2): the fields before an HTTP log's host are short and many, and a call into memchr per
/// field costs more than the search.
fn tabs_into(line: &[u8], out: &mut [usize]) -> usize {
    tabs_by::<STEP>(line, out, tab_mask)
}

/// [`tabs_into`], `BYTES` bytes a step, with `mask` giving a step's tabs (bit i: byte i).
#[inline(always)]
fn tabs_by<const BYTES: usize>(
    line: &[u8],
    out: &mut [usize],
    mask: impl Fn(&[u8]) -> u64,
) -> usize {
    let mut n = 0;
    // Appends the tabs that `bits` marks (bit i: byte `base + i`); false when `out` is full.
    let mut add = |mut bits: u64, base: usize| {
        while bits != 0 {
            if n == out.len() {
                return false;
            }
            out[n] = base + bits.trailing_zeros() as usize;
            n += 1;
            bits &= bits - 1;
        }
        true
    };
    let mut steps = line.chunks_exact(BYTES);
    let mut base = 0;
    for step in steps.by_ref() {
        if !add(mask(step), base) {
            return n;
        }
        base += BYTES;
    }
    let mut rest = [0u8; BYTES];
    rest[..steps.remainder().len()].copy_from_slice(steps.remainder());
    add(mask(&rest), base);
    n
}

/// Bytes [`tab_mask`] takes at a time, and the function: with SSE2, sixteen.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
const STEP: usize = 16;
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
use tab_mask_sse2 as tab_mask;
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
const STEP: usize = 8;
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
use tab_mask_word as tab_mask;

/// Bit i set where byte i of `step` (16 bytes) is a tab.
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[allow(unsafe_code)]
#[inline(always)]
fn tab_mask_sse2(step: &[u8]) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_set1_epi8, _mm_set_epi64x};
    let (lo, hi) = (word(step) as i64, word(&step[8..]) as i64);
    // SAFETY: these SSE2 instructions read and write registers only, and the build targets
    // processors with SSE2 (checked by the `cfg` above; every x86-64 processor has it).
    let mask = unsafe {
        let v = _mm_set_epi64x(hi, lo);
        _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)))
    };
    mask as u32 as u64
}

/// Bit i set where byte i of `step` (8 bytes) is a tab: the high bit of each byte of the word
/// xored with tabs that is zero, exactly (no borrow between bytes), gathered into bits.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2"),
    allow(dead_code) // there, only the tests call it
)]
#[inline(always)]
fn tab_mask_word(step: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let x = word(step) ^ (ONES * u64::from(b'\t'));
    let mut zeros = !(((x & LOW7) + LOW7) | x | LOW7);
    let mut mask = 0;
    while zeros != 0 {
        mask |= 1 << (zeros.trailing_zeros() / 8);
        zeros &= zeros - 1;
    }
    mask
}

/// The tag of a Zeek header line naming the columns.
const FIELDS: &[u8] = b"#fields\t";

/// What a scan of a log carries from one buffer to the next: the columns of the Zeek section
/// in force, named by the last `#fields` line read. A new state knows of no section; a
/// buffer that starts with its header needs no other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogState {
    pub(crate) columns: Option<UrlColumns>,
}

/// The `#fields` lines of a chunk, as [`headers`] finds them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Headers {
    /// The columns named by the chunk's last `#fields` line (`Some(None)` for a section
    /// without both), if it has one.
    pub(crate) last: Option<Option<UrlColumns>>,
    /// Whether some `#fields` line of the chunk names both columns.
    pub(crate) any_urls: bool,
}

/// The `#fields` lines of `chunk` (a run of whole lines): the lines that start with `#`.
pub(crate) fn headers(chunk: &[u8]) -> Headers {
    let mut h = Headers::default();
    for at in memchr::memchr_iter(b'#', chunk) {
        if at > 0 && chunk[at - 1] != b'\n' {
            continue;
        }
        let rest = &chunk[at..];
        if rest.starts_with(FIELDS) {
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let cols = UrlColumns::of_header(&rest[..end]);
            h.any_urls |= cols.is_some();
            h.last = Some(cols);
        }
    }
    h
}

/// Appends to `out` the URL indicators hit by the joined `host` and `uri` fields of the lines
/// of `chunk` (a run of whole lines, its first byte at `base` in the buffer), where `columns`
/// are in force at its start. A hit spans both fields; its line counts from the chunk's first.
pub(crate) fn url_fields(
    inner: &Inner,
    chunk: &[u8],
    base: usize,
    mut columns: Option<UrlColumns>,
    out: &mut Vec<LineMatch>,
) {
    let mut join = UrlJoin::default();
    let mut tabs = [0; MAX_COLUMN + 1];
    for (number, (start, end, _)) in lines(chunk).enumerate() {
        let line = &chunk[start..end];
        if line.first() == Some(&b'#') {
            if line.starts_with(FIELDS) {
                columns = UrlColumns::of_header(line);
            }
        } else if let Some(((h_at, host), (u_at, uri))) =
            columns.and_then(|c| c.fields(line, &mut tabs))
        {
            let (from, to) = (
                h_at.min(u_at),
                (h_at + host.bytes().len()).max(u_at + uri.len()),
            );
            out.extend(join.hits(inner, host, uri).map(|h| LineMatch {
                line: number,
                line_start: base + start,
                m: Match {
                    start: from,
                    end: to,
                    indicator: h.indicator,
                    how: h.how,
                },
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_come_from_the_fields_header() {
        let http = b"#fields\tts\tuid\tmethod\thost\turi\treferrer";
        assert_eq!(
            UrlColumns::of_header(http),
            Some(UrlColumns { host: 3, uri: 4 })
        );
        assert_eq!(UrlColumns::of_header(b"#fields\tts\tuid\tquery"), None);
        assert_eq!(UrlColumns::of_header(b"#path\thttp"), None);
        let cols = UrlColumns { host: 3, uri: 4 };
        let tabs = &mut [0; MAX_COLUMN + 1];
        let line = b"1.0\tCx\tGET\tevil.example\t/a/b?c\t-";
        let ((h, host), (u, uri)) = cols.fields(line, tabs).unwrap();
        assert_eq!(
            (h, host.bytes(), u, uri),
            (11, &b"evil.example"[..], 24, &b"/a/b?c"[..])
        );
        assert_eq!(cols.fields(b"1.0\tCx\tGET\t-\t/a\t-", tabs), None);
        assert_eq!(cols.fields(b"1.0\tCx\tGET\tevil.example\t-\t-", tabs), None);
        assert_eq!(cols.fields(b"1.0\tCx\tGET\tevil.example", tabs), None);
        assert_eq!(
            cols.fields(b"1.0\tCx\tGET\tevil example\t/a\t-", tabs),
            None
        );
    }

    /// A search for a line's tabs, as [`tabs_into`].
    type TabSearch = dyn Fn(&[u8], &mut [usize]) -> usize;

    #[test]
    fn tabs_are_found_a_step_at_a_time_as_byte_by_byte() {
        let mut line = Vec::new();
        for len in 0..100 {
            for fill in [b'a', b'\x89', b'\x08', b'\x0a', b'\x09' ^ 0x80, 0] {
                line.clear();
                line.extend((0..len).map(|i| {
                    if i % 3 == 1 || i % 7 == 0 {
                        b'\t'
                    } else {
                        fill
                    }
                }));
                let want: Vec<usize> = (0..len).filter(|&i| line[i] == b'\t').collect();
                // The build's form, and the word form that builds without SSE2 use.
                let forms: [&TabSearch; 2] = [&tabs_into, &|line, out| {
                    tabs_by::<8>(line, out, tab_mask_word)
                }];
                for tabs in forms {
                    let mut out = [0usize; 64];
                    let n = tabs(&line, &mut out);
                    assert_eq!(&out[..n], &want[..want.len().min(64)], "{line:?}");
                    let mut few = [0usize; 3];
                    let n = tabs(&line, &mut few);
                    assert_eq!(&few[..n], &want[..want.len().min(3)], "{line:?}");
                }
            }
        }
    }

    /// The word form, used where SSE2 is not, gives the masks the byte-by-byte test does.
    #[test]
    fn the_word_form_marks_the_tabs_of_a_word() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Bytes drawn mostly from tab, its neighbours and their high-bit twins.
            let word: Vec<u8> = state
                .to_le_bytes()
                .iter()
                .map(|&r| [b'\t', 0x08, 0x0a, 0x89, 0x00, 0xff, r, b'\t'][usize::from(r % 8)])
                .collect();
            let want = (0..8)
                .filter(|&i| word[i] == b'\t')
                .fold(0, |m, i| m | 1 << i);
            assert_eq!(tab_mask_word(&word), want, "{word:?}");
        }
    }

    #[test]
    fn headers_are_found_at_line_starts_only() {
        let chunk = b"x\t#fields\thost\turi\n#fields\tts\thost\turi\n1\ta\t/b\n#fields\tts\n";
        let h = headers(chunk);
        assert!(h.any_urls);
        assert_eq!(h.last, Some(None));
        let h = headers(b"1\ta\t/b#frag\n");
        assert!(!h.any_urls);
        assert_eq!(h.last, None);
    }
}
