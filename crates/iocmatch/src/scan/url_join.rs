//! What the joins of a request's host and path share, in Zeek's TSV columns ([`super::zeek`])
//! and in JSON log keys ([`super::json_log`]): which hosts are joined, and the URL lookup of
//! the two joined.

use crate::engine::url::authority_host;
use crate::engine::Hit;
use crate::matcher::Inner;
use crate::normalize;

/// Whether a host field or value is one to join a path to: set (not empty, nor Zeek's `-` or
/// `(empty)`) and an authority as HTTP's `Host` header gives it, a name or address, a port,
/// user info. A value with other bytes (a scheme and path, escapes, spaces) is no host.
pub(crate) fn joinable_host(host: &[u8]) -> bool {
    let unset = host.is_empty() || host == b"-" || host == b"(empty)";
    !unset
        && host.iter().all(|&b| {
            b.is_ascii_alphanumeric()
                || b >= 0x80
                || matches!(b, b'.' | b'-' | b'_' | b':' | b'[' | b']' | b'@')
        })
}

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
        host: &[u8],
        path: &[u8],
    ) -> std::vec::Drain<'_, Hit> {
        self.hits.clear();
        if inner.urls.may_match_host(authority_host(host)) {
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
