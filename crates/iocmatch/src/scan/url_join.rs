//! What the joins of a request's host and path share, in Zeek's TSV columns ([`super::zeek`])
//! and in JSON log keys ([`super::json_log`]): which hosts are joined, and the URL lookup of
//! the two joined.

use super::boundary::is_host_byte;
use crate::engine::url::authority_host;
use crate::engine::Hit;
use crate::matcher::Inner;
use crate::normalize;

/// A host field or value that is one to join a path to: set (not empty, nor Zeek's `-` or
/// `(empty)`) and an authority as HTTP's `Host` header gives it, a name or address, a port,
/// user info. A value with other bytes (a scheme and path, escapes, spaces) is no host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JoinHost<'a> {
    host: &'a [u8],
    /// Whether the host is ASCII letters, digits, `.`, `-` and `_` alone, as nearly every
    /// request's is: then it is its own authority host, and ASCII, which the lookup need not
    /// find out again.
    plain: bool,
}

impl<'a> JoinHost<'a> {
    /// The host `host` is, if it is one to join a path to; one pass over its bytes.
    pub(crate) fn of(host: &'a [u8]) -> Option<JoinHost<'a>> {
        let unset = host.is_empty() || host == b"-" || host == b"(empty)";
        let kinds = host.iter().fold(0, |k, &b| k | HOST_BYTES[usize::from(b)]);
        (!unset && kinds & OTHER == 0).then_some(JoinHost {
            host,
            plain: kinds == PLAIN,
        })
    }

    /// The host's bytes.
    pub(crate) fn bytes(self) -> &'a [u8] {
        self.host
    }
}

/// The kinds of byte in a host field: of a plain name or address, of an authority's other
/// parts, non-ASCII (an IDN host), and others (no host).
const PLAIN: u8 = 1;
const AUTHORITY: u8 = 2;
const NON_ASCII: u8 = 4;
const OTHER: u8 = 8;

/// Each byte's kind (see [`PLAIN`]).
const HOST_BYTES: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = if b >= 0x80 {
            NON_ASCII
        } else if is_host_byte(b) {
            PLAIN
        } else if matches!(b, b':' | b'[' | b']' | b'@') {
            AUTHORITY
        } else {
            OTHER
        };
        i += 1;
    }
    t
};

/// Scratch for the URL lookups of joined hosts and paths, reused from line to line.
#[derive(Default)]
pub(crate) struct UrlJoin {
    url: Vec<u8>,
    hits: Vec<Hit>,
}

impl UrlJoin {
    /// The URL indicators hit by `host` and `path` joined; none where the URL host filter
    /// turns the host away, before anything is joined.
    pub(crate) fn hits(
        &mut self,
        inner: &Inner,
        host: JoinHost<'_>,
        path: &[u8],
    ) -> std::vec::Drain<'_, Hit> {
        self.hits.clear();
        let may_match = match host.plain {
            true => inner.urls.may_match_plain_host(host.host),
            false => inner.urls.may_match_host(authority_host(host.host)),
        };
        if may_match {
            let host = host.host;
            self.url.clear();
            self.url.extend_from_slice(host);
            self.url.extend_from_slice(path);
            if let Ok(key) = normalize::url(&self.url) {
                inner.urls.probe(&key, &mut self.hits);
            }
        }
        self.hits.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_to_join_and_the_plain_ones() {
        let of = |h: &[u8]| JoinHost::of(h).map(|j| j.plain);
        // Names and addresses: plain, their own authority host.
        for plain in [
            &b"evil.example"[..],
            b"EVIL.example.",
            b"198.51.100.7",
            b"a_b-c",
        ] {
            assert_eq!(of(plain), Some(true), "{plain:?}");
        }
        // A port, user info, brackets or non-ASCII bytes: joined, through the authority's host.
        for other in [
            &b"evil.example:8080"[..],
            b"user@evil.example",
            b"[2001:db8::1]:80",
            "b\u{fc}cher.example".as_bytes(),
        ] {
            assert_eq!(of(other), Some(false), "{other:?}");
        }
        // Unset, or bytes no authority holds: not joined.
        for no in [
            &b""[..],
            b"-",
            b"(empty)",
            b"evil.example/x",
            b"a b",
            b"a%2e",
            b"a\0b",
        ] {
            assert_eq!(of(no), None, "{no:?}");
        }
        // Every byte is judged as the definition says.
        for b in 0..=255u8 {
            let allowed = b.is_ascii_alphanumeric()
                || b >= 0x80
                || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']' | b'@');
            let plain = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_');
            let want = allowed.then_some(plain);
            assert_eq!(of(&[b'x', b]), want, "byte {b:#04x}");
        }
    }
}
