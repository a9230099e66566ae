//! The domain set: canonical names stored under their right-to-left hash, so that one pass from
//! the end of a host token gives the hash of the token and of each parent domain; a filter in
//! front rejects almost every token and parent without touching the map.

use super::hashing::{finish, hash_bytes, hash_domain, push_label, random_seed, Filter};
use super::slots::SlotTable;
use super::{Hit, How};
use crate::indicator::{IndicatorId, Mode};

/// Domain indicators, exact or with subdomains.
#[derive(Debug, Default)]
pub struct DomainSet {
    seed: u64,
    filter: Filter,
    /// Names under their right-to-left hash; the slot tag says whether subdomains match.
    names: SlotTable,
    /// The fewest and most labels of any indicator: suffixes outside are not probed.
    min_labels: usize,
    max_labels: usize,
}

/// Valid domains have at most 127 labels (253 bytes).
const MAX_LABELS: usize = 128;

impl DomainSet {
    /// Builds the set from canonical names.
    pub fn build(items: &[(&str, IndicatorId, Mode)]) -> DomainSet {
        let seed = random_seed();
        let mut filter = Filter::with_capacity(items.len());
        let mut names = SlotTable::with_capacity(items.len());
        let (mut min_labels, mut max_labels) = (usize::MAX, 0);
        for &(name, id, mode) in items {
            let h = hash_domain(seed, name.as_bytes());
            filter.insert(h);
            names.insert(h, name.as_bytes(), id, u8::from(mode == Mode::Subdomains));
            let labels = name.bytes().filter(|&b| b == b'.').count() + 1;
            min_labels = min_labels.min(labels);
            max_labels = max_labels.max(labels);
        }
        DomainSet {
            seed,
            filter,
            names,
            min_labels,
            max_labels,
        }
    }

    /// Whether there are no domain indicators.
    pub fn is_empty(&self) -> bool {
        self.names.len() == 0
    }

    /// Whether a token with no dot can hit anything.
    pub fn has_single_label(&self) -> bool {
        self.min_labels == 1
    }

    /// Probes a host token of ASCII host bytes (any case, trailing dots already dropped):
    /// indicators equal to it first, then parents from the longest. A token that is not a valid
    /// domain hits nothing.
    pub fn probe_token(&self, tok: &[u8], out: &mut Vec<Hit>) {
        self.probe_labels(tok, memchr::memrchr_iter(b'.', tok), out)
    }

    /// [`DomainSet::probe_token`] given the positions of the token's dots, last first.
    #[inline]
    pub(crate) fn probe_labels(
        &self,
        tok: &[u8],
        dots_from_right: impl Iterator<Item = usize>,
        out: &mut Vec<Hit>,
    ) {
        if tok.is_empty() || tok.len() > 253 || self.is_empty() {
            return;
        }
        // Hits come out shortest parent first and are reversed at the end: equal name first,
        // then parents from the longest.
        let first = out.len();
        let complete = self.suffixes(tok, dots_from_right, |h, at| {
            if self.filter.may_contain(h) {
                self.confirm(tok, at, h, out);
            }
        });
        if out.len() > first {
            if complete && valid_ascii_domain(tok) {
                out[first..].reverse();
            } else {
                out.truncate(first);
            }
        }
    }

    /// Calls `probe(hash, start)` for each suffix of `tok` (ASCII host bytes, at most 253) that
    /// an indicator could equal: the parents with as many labels as some indicator, from the
    /// shortest, then the whole token. The hash is built label by label from the right, so one
    /// pass yields them all. Returns false, having stopped, if the token has too many labels.
    #[inline(always)]
    pub(crate) fn suffixes(
        &self,
        tok: &[u8],
        dots_from_right: impl Iterator<Item = usize>,
        mut probe: impl FnMut(u64, usize),
    ) -> bool {
        let mut labels = 0;
        let mut state = self.seed;
        let mut end = tok.len();
        for i in dots_from_right {
            labels += 1;
            if labels == MAX_LABELS {
                return false;
            }
            state = push_label(state, hash_bytes(self.seed, &tok[i + 1..end]));
            if labels >= self.min_labels && labels <= self.max_labels {
                probe(finish(state), i + 1);
            }
            end = i;
        }
        if labels < self.max_labels && labels + 1 >= self.min_labels {
            probe(
                finish(push_label(state, hash_bytes(self.seed, &tok[..end]))),
                0,
            );
        }
        true
    }

    /// Whether a suffix hash may belong to an indicator (the filter alone).
    #[inline(always)]
    pub(crate) fn may_contain(&self, h: u64) -> bool {
        self.filter.may_contain(h)
    }

    /// Appends the indicators stored under hash `h` that equal `tok[at..]` (ASCII case folded):
    /// all of them if `at` is 0, else those in `subdomains` mode; the newest first (callers
    /// reverse the hits of a token).
    pub(crate) fn confirm(&self, tok: &[u8], at: usize, h: u64, out: &mut Vec<Hit>) {
        let first = out.len();
        let name = &tok[at..];
        self.names.for_each(h, |stored, id, subdomains| {
            if stored.len() == name.len() && stored.eq_ignore_ascii_case(name) {
                if at == 0 {
                    out.push(Hit {
                        indicator: id,
                        how: How::Exact,
                    });
                } else if subdomains == 1 {
                    out.push(Hit {
                        indicator: id,
                        how: How::Subdomain,
                    });
                }
            }
        });
        out[first..].sort_unstable_by_key(|h| std::cmp::Reverse(h.indicator));
    }

    /// Bytes held by the filter and the names.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.filter.heap_bytes() + self.names.heap_bytes()
    }
}

/// `normalize::domain`'s rules for an ASCII host token: labels of 1 to 63 bytes, the last not
/// all digits. (Host tokens hold only letters, digits, `.`, `-` and `_`.)
pub(crate) fn valid_ascii_domain(tok: &[u8]) -> bool {
    let mut label_len = 0;
    let mut last_all_digits = true;
    for &b in tok {
        if b == b'.' {
            if label_len == 0 {
                return false;
            }
            label_len = 0;
            last_all_digits = true;
        } else {
            if !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return false;
            }
            label_len += 1;
            if label_len > 63 {
                return false;
            }
            last_all_digits &= b.is_ascii_digit();
        }
    }
    label_len > 0 && !last_all_digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_agrees_with_normalize() {
        for t in [
            "a.b",
            "a..b",
            ".a",
            "a",
            "1.2",
            "x.1a",
            "a-.b_",
            &"a".repeat(64),
            "A.COM",
        ] {
            let expected = crate::normalize::domain(t).is_ok();
            assert_eq!(valid_ascii_domain(t.as_bytes()), expected, "{t}");
        }
    }
}
