//! URL indicators by canonical key, with a filter over their hosts so that a URL token whose host
//! carries no URL indicator is dismissed before it is canonicalised.

use super::hashing::{hash_fwd, random_seed, Filter};
use super::values::ValueMap;
use super::{Hit, How};
use crate::indicator::{IndicatorId, Mode};

/// URL indicators, exact or prefix.
#[derive(Debug, Default)]
pub struct UrlSet {
    seed: u64,
    hosts: Filter,
    map: ValueMap,
}

/// The host part of a canonical URL key (`host[:port]/...` or `[v6]...`).
fn key_host(key: &str) -> &str {
    if key.starts_with('[') {
        return key.split(']').next().map_or(key, |h| &key[..h.len() + 1]);
    }
    let end = key.find([':', '/', '?']).unwrap_or(key.len());
    &key[..end]
}

impl UrlSet {
    /// Builds the set from canonical keys.
    pub fn build(items: &[(&str, IndicatorId, Mode)]) -> UrlSet {
        let seed = random_seed();
        let mut hosts = Filter::with_capacity(items.len());
        let mut map = ValueMap::default();
        for &(key, id, mode) in items {
            hosts.insert(hash_fwd(seed, key_host(key).as_bytes()));
            map.insert(key, id, mode);
        }
        UrlSet { seed, hosts, map }
    }

    /// Approximate bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.hosts.heap_bytes() + self.map.heap_bytes()
    }

    /// Whether there are no URL indicators.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether a URL whose host is written `host` (ASCII, any case) may hit an indicator. Hosts
    /// that need more than case folding to canonicalise (IDN, brackets) always may.
    #[inline]
    pub fn may_match_host(&self, host: &[u8]) -> bool {
        if !host.is_ascii() || host.first() == Some(&b'[') {
            return true;
        }
        self.may_match_plain_host(host)
    }

    /// [`UrlSet::may_match_host`] of a host known to be ASCII letters, digits, `.`, `-` and `_`
    /// alone, which need not be checked again.
    #[inline]
    pub(crate) fn may_match_plain_host(&self, host: &[u8]) -> bool {
        let host = host.strip_suffix(b".").unwrap_or(host);
        self.hosts.may_contain(hash_fwd(self.seed, host))
    }

    /// Probes a canonical URL key: equal indicators, then `prefix` indicators ending at a path
    /// boundary (before a `/` or `?`, or with a trailing `/`), longest first.
    pub fn probe(&self, key: &str, out: &mut Vec<Hit>) {
        if self.map.is_empty() {
            return;
        }
        out.extend(self.map.get(key).iter().map(|&(id, _)| Hit {
            indicator: id,
            how: How::Exact,
        }));
        let Some(path_at) = key.find('/') else { return };
        let mut prefix_hits = |p: &str| {
            for &(id, mode) in self.map.get(p) {
                if mode == Mode::Prefix {
                    out.push(Hit {
                        indicator: id,
                        how: How::Prefix,
                    });
                }
            }
        };
        for (i, b) in key.bytes().enumerate().skip(path_at).rev() {
            match b {
                b'/' => {
                    if i + 1 < key.len() {
                        prefix_hits(&key[..i + 1]);
                    }
                    prefix_hits(&key[..i]);
                }
                b'?' => prefix_hits(&key[..i]),
                _ => {}
            }
        }
    }
}

/// The host bytes of a URL authority (`user@host:port`) as written: after any user info, up
/// to a port; a bracketed IPv6 host whole. Authorities are short, so plain loops serve better
/// than calls into memchr.
pub fn authority_host(auth: &[u8]) -> &[u8] {
    let auth = match auth.iter().rposition(|&b| b == b'@') {
        Some(at) => &auth[at + 1..],
        None => auth,
    };
    if auth.first() == Some(&b'[') {
        return auth;
    }
    let end = auth.iter().position(|&b| b == b':').unwrap_or(auth.len());
    &auth[..end]
}
