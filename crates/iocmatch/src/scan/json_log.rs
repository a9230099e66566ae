//! JSON log lines, where a request's host and path stand under keys of their own: Zeek's JSON
//! writer gives `"host"` and `"uri"`, Suricata's EVE `"hostname"` and `"url"` (in its `"http"`
//! object). As in Zeek's TSV logs ([`super::zeek`]), a URL indicator (`evil.example/gate.php`)
//! stands in neither value alone, so a line scan joins the two and looks the URL up.
//!
//! A JSON log line is one object, so only lines that start with `{` are read for keys. The
//! keys are found in the line's bytes, not by parsing it: a key counts where its opening
//! quote follows `{` or `,` (spaces allowed) and a `:` and a string follow it. Inside a JSON
//! string every quote is escaped, so such a key cannot be part of a value. The first key of
//! each name on a line is the one taken; values are unescaped as JSON strings and must be
//! valid UTF-8, or the pair is not joined.

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem;

use super::url_join::{JoinHost, UrlJoin};
use crate::matcher::{Inner, Match};

/// A key's name in quotes, as a searcher built once: building one costs more than searching a
/// line.
type Key = memmem::Finder<'static>;

/// The keys of a request's path and host, in quotes, as the log writers spell them.
const PAIRS: [(&[u8], &[u8]); 2] = [(b"\"uri\"", b"\"host\""), (b"\"url\"", b"\"hostname\"")];

/// Searchers for the host keys of [`PAIRS`].
static HOST_KEYS: LazyLock<[Key; 2]> = LazyLock::new(|| PAIRS.map(|(_, host)| Key::new(host)));

/// What both path keys start with: one pass over a line finds them both.
static PATH_KEYS: LazyLock<Key> = LazyLock::new(|| Key::new(b"\"ur"));

/// Appends to `found` the URL indicators hit by the host and path values joined, on each line
/// of `chunk` that is a JSON object (starts with `{`) and has both keys of a pair. A hit spans
/// from the first value to the end of the second (offsets in `chunk`).
pub(crate) fn url_keys(inner: &Inner, chunk: &[u8], found: &mut Vec<Match>) {
    let mut join = UrlJoin::default();
    // The line after the last one read.
    let mut next_line = 0;
    let line_end =
        |from: usize| memchr::memchr(b'\n', &chunk[from..]).map_or(chunk.len(), |i| from + i);
    if chunk.first() == Some(&b'{') {
        // A JSON log: the path keys are looked for over the whole chunk in one pass, and only
        // the lines that hold one are read.
        for at in PATH_KEYS.find_iter(chunk) {
            if at < next_line {
                continue;
            }
            let start = memchr::memrchr(b'\n', &chunk[..at]).map_or(0, |i| i + 1);
            let end = line_end(at);
            next_line = end + 1;
            if chunk[start] == b'{' {
                join_line(inner, &mut join, chunk, (start, end), at - start, found);
            }
        }
    } else {
        // Other logs hold almost no `{`: a byte search finds their JSON lines at a tenth of an
        // instruction a byte, where a search for the keys costs three times that.
        for start in memchr::memchr_iter(b'{', chunk) {
            if start < next_line || (start > 0 && chunk[start - 1] != b'\n') {
                continue;
            }
            let end = line_end(start);
            next_line = end + 1;
            if let Some(first) = PATH_KEYS.find(&chunk[start..end]) {
                join_line(inner, &mut join, chunk, (start, end), first, found);
            }
        }
    }
}

/// Joins the pairs of the line `chunk[start..end]` whose host is one to join; its first path
/// key may be at `first`.
fn join_line(
    inner: &Inner,
    join: &mut UrlJoin,
    chunk: &[u8],
    (start, end): (usize, usize),
    first: usize,
    found: &mut Vec<Match>,
) {
    for (host, path) in pairs(&chunk[start..end], first) {
        let Some(joined) = JoinHost::of(&host.value) else {
            continue;
        };
        let from = start + host.at.min(path.at);
        let to = start + (host.at + host.raw_len).max(path.at + path.raw_len);
        found.extend(join.hits(inner, joined, &path.value).map(|h| Match {
            start: from,
            end: to,
            indicator: h.indicator,
            how: h.how,
        }));
    }
}

/// A string value of a line: where its text starts (after the quote), its raw length
/// (escapes as written) and its unescaped bytes.
struct Value<'a> {
    at: usize,
    raw_len: usize,
    value: Cow<'a, [u8]>,
}

/// The (host, path) values of `line` under the keys of each pair of [`PAIRS`] where both are
/// there and the path is a path (`/...`); the caller judges the host ([`JoinHost`]). No path
/// key starts before `first`.
fn pairs(line: &[u8], first: usize) -> impl Iterator<Item = (Value<'_>, Value<'_>)> {
    // The first key of each path name, and its value if it reads.
    let mut paths: [Option<Option<Value>>; 2] = [None, None];
    for k in PATH_KEYS.find_iter(&line[first..]).map(|k| first + k) {
        for (slot, (path_key, _)) in paths.iter_mut().zip(PAIRS) {
            if slot.is_none() && line[k..].starts_with(path_key) {
                *slot = key_value(line, k, path_key.len());
            }
        }
        if paths.iter().all(Option::is_some) {
            break;
        }
    }
    paths
        .into_iter()
        .zip(HOST_KEYS.iter())
        .filter_map(move |(path, host_key)| {
            let path = path.flatten().filter(|p| p.value.first() == Some(&b'/'))?;
            Some((value_of(line, host_key)?, path))
        })
}

/// The string value under the first key `key` of `line` (see the module's doc), unescaped.
fn value_of<'a>(line: &'a [u8], key: &Key) -> Option<Value<'a>> {
    let len = key.needle().len();
    key.find_iter(line)
        .find_map(|k| key_value(line, k, len))
        .flatten()
}

/// If a key of `len` bytes (quotes included) at `k` is a key of `line` (after `{` or `,`, and
/// followed by `:` and a string), its value, unescaped, or None if the value does not read.
fn key_value(line: &[u8], k: usize, len: usize) -> Option<Option<Value<'_>>> {
    let before = line[..k].iter().rposition(|&b| !is_space(b));
    if !before.is_some_and(|i| matches!(line[i], b'{' | b',')) {
        return None;
    }
    let at = string_after(line, k + len)?;
    let raw_len = line[at..]
        .iter()
        .scan(false, |escaped, &b| {
            let closes = b == b'"' && !*escaped;
            *escaped = b == b'\\' && !*escaped;
            Some(closes)
        })
        .position(|closes| closes);
    Some(raw_len.and_then(|raw_len| {
        let value = unescape(&line[at - 1..=at + raw_len])?;
        Some(Value { at, raw_len, value })
    }))
}

/// Where the text of the string after a key starts: past spaces, a `:`, spaces and a `"`.
fn string_after(line: &[u8], from: usize) -> Option<usize> {
    let skip = |i: usize| i + line[i..].iter().take_while(|&&b| is_space(b)).count();
    let colon = skip(from);
    if line.get(colon) != Some(&b':') {
        return None;
    }
    let quote = skip(colon + 1);
    (line.get(quote) == Some(&b'"')).then_some(quote + 1)
}

/// Whether a byte is JSON's whitespace.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The text of the JSON string literal `quoted` (its quotes included), unescaped; None if it
/// is not valid UTF-8, holds a control byte or a bad escape (a lone surrogate among them).
/// Values mostly have no escapes and are taken as they are; serde_json reads the others.
fn unescape(quoted: &[u8]) -> Option<Cow<'_, [u8]>> {
    let raw = &quoted[1..quoted.len() - 1];
    if raw.contains(&b'\\') {
        let text: String = serde_json::from_slice(quoted).ok()?;
        return Some(Cow::Owned(text.into_bytes()));
    }
    std::str::from_utf8(raw).ok()?;
    (!raw.iter().any(|&b| b < 0x20)).then_some(Cow::Borrowed(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_where_json_puts_them() {
        let line = br#"{"ts":1.0,"host":"evil.example","uri":"/a?b=\"c\""}"#;
        let v = value_of(line, &Key::new(br#""host""#)).unwrap();
        assert_eq!(
            (v.at, v.raw_len, v.value.as_ref()),
            (18, 12, &b"evil.example"[..])
        );
        let v = value_of(line, &Key::new(br#""uri""#)).unwrap();
        assert_eq!(v.value.as_ref(), br#"/a?b="c""#);
        assert_eq!(&line[v.at..v.at + v.raw_len], br#"/a?b=\"c\""#);
        // Spaces around the colon and after the comma, as other writers put them.
        let spaced = br#"{"host" : "evil.example", "uri": "/a"}"#;
        assert_eq!(
            value_of(spaced, &Key::new(br#""uri""#))
                .unwrap()
                .value
                .as_ref(),
            b"/a"
        );
        // A key's name inside a value, a key whose value is no string, and a longer key name.
        let inside = br#"{"ua":"x,\"host\":\"evil.example\"","n":{"host":1},"hostname":"a"}"#;
        assert!(value_of(inside, &Key::new(br#""host""#)).is_none());
        assert_eq!(
            value_of(inside, &Key::new(br#""hostname""#))
                .unwrap()
                .value
                .as_ref(),
            b"a"
        );
        // An unterminated value.
        assert!(value_of(br#"{"uri":"/a"#, &Key::new(br#""uri""#)).is_none());
    }

    #[test]
    fn values_unescape_as_json_strings() {
        let cases: [(&str, Option<&str>); 10] = [
            (r#"/a\/b"#, Some("/a/b")),
            (r#"\u0041\u00e9"#, Some("Aé")),
            (r#"\ud83d\ude00"#, Some("\u{1f600}")),
            (r#"\ud83d"#, None),
            (r#"\ude00"#, None),
            (r#"\x41"#, None),
            (r#"\u12"#, None),
            ("a\tb", None),
            ("\\/a\tb", None),
            (r#"\\\"\n"#, Some("\\\"\n")),
        ];
        for (raw, want) in cases {
            let got = unescape(format!("\"{raw}\"").as_bytes()).map(Cow::into_owned);
            assert_eq!(got.as_deref(), want.map(str::as_bytes), "{raw}");
        }
        assert!(unescape(b"\"\xff\"").is_none());
        assert!(unescape(b"\"\\/\xff\"").is_none());
    }
}
