//! Batched lookups: many queries of one kind at once. At a million indicators a lookup is a
//! chain of reads from memory, each waiting on the one before; a batch takes a group of
//! queries through each step together, so that the group's reads are in flight at once. The
//! hits are those of the single lookups, in query order. A batch reads the clock once, so all
//! its queries are judged against the validity windows at the same moment.

use std::net::IpAddr;

use super::Matcher;
use crate::engine::Hit;
use crate::error::Error;
use crate::normalize;

impl Matcher {
    /// [`Matcher::ip_into`] for many addresses: appends `(i, hit)` for every hit of `addrs[i]`
    /// (`i` an index into `addrs`) after what `out` holds. The hits of one address stand
    /// together, in the order `ip_into` gives them, and addresses follow the order of `addrs`.
    ///
    /// For batches of flows or log fields: the lookups of a batch overlap their memory reads,
    /// where single lookups wait on each in turn. A call allocates its own working space (16
    /// bytes an address, and 32 more reserved for IPv6 addresses, which only they touch), so
    /// batches of hundreds or thousands of addresses pay for it best.
    ///
    /// ```
    /// use iocmatch::{How, IndicatorSet, LoadOptions};
    ///
    /// let mut set = IndicatorSet::new();
    /// set.load("feed", b"198.51.100.0/24\n2001:db8::1\n", &LoadOptions::default())?;
    /// let m = set.compile()?;
    /// let addrs = ["192.0.2.1", "2001:db8::1", "198.51.100.7"].map(|a| a.parse().unwrap());
    /// let mut hits = Vec::new();
    /// m.ip_batch(&addrs, &mut hits);
    /// let found: Vec<(usize, How)> = hits.iter().map(|&(i, h)| (i, h.how)).collect();
    /// assert_eq!(found, [(1, How::Exact), (2, How::Cidr { prefix_len: 24 })]);
    /// # Ok::<(), iocmatch::Error>(())
    /// ```
    pub fn ip_batch(&self, addrs: &[IpAddr], out: &mut Vec<(usize, Hit)>) {
        let from = out.len();
        let ips = &self.inner.ips;
        // The IPv4 and the IPv6 addresses are gathered into two batches; both give their hits
        // in query order, and the IPv6 ones (a minority in most traffic) are merged in.
        // Both sized for the whole batch: grown from empty, the IPv6 one was reallocated
        // several times in every batch.
        let mut v4 = Vec::with_capacity(addrs.len());
        let mut v6 = Vec::with_capacity(addrs.len());
        for (i, &a) in addrs.iter().enumerate() {
            match normalize::fold_mapped(a) {
                IpAddr::V4(a) => v4.push((u32::from(a), i)),
                IpAddr::V6(a) => v6.push((u128::from(a), i)),
            }
        }
        ips.lookup_v4_batch(&v4, out);
        if !v6.is_empty() {
            let mut v6_hits = Vec::with_capacity(v6.len());
            ips.lookup_v6_batch(&mut v6, &mut v6_hits);
            merge_by_query(out, from, &v6_hits);
        }
        self.drop_expired(out, from, |(_, h)| h.indicator);
        if self.allow.is_some() {
            // The allowlists compare the address as written, for the queries that hit.
            let mut texts: Vec<Option<String>> = vec![None; addrs.len()];
            for &(i, _) in &out[from..] {
                texts[i].get_or_insert_with(|| addrs[i].to_string());
            }
            self.drop_allowed(
                out,
                from,
                |(_, h)| h.indicator,
                |(i, _)| texts[*i].as_deref(),
            );
        }
    }

    /// [`Matcher::domain_into`] for many host names: appends `(i, hit)` for every hit of
    /// `hosts[i]` after what `out` holds, in query order and, within a query, in the order
    /// `domain_into` gives them. Returns the names that are not domains, each with its index
    /// and the error `domain_into` gives; they hit nothing, and the rest of the batch is
    /// looked up all the same.
    ///
    /// ```
    /// use iocmatch::{How, IndicatorSet, LoadOptions};
    ///
    /// let mut set = IndicatorSet::new();
    /// set.load("feed", b"evil.example\n", &LoadOptions::default())?;
    /// let m = set.compile()?;
    /// let mut hits = Vec::new();
    /// let bad = m.domain_batch(&["www.evil.example", "a..b", "good.example"], &mut hits);
    /// let found: Vec<(usize, How)> = hits.iter().map(|&(i, h)| (i, h.how)).collect();
    /// assert_eq!(found, [(0, How::Subdomain)]);
    /// assert_eq!(bad.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1]);
    /// # Ok::<(), iocmatch::Error>(())
    /// ```
    #[must_use = "the names that are not domains are reported in the returned list"]
    pub fn domain_batch<S: AsRef<str>>(
        &self,
        hosts: &[S],
        out: &mut Vec<(usize, Hit)>,
    ) -> Vec<(usize, Error)> {
        let from = out.len();
        let tokens: Vec<(&[u8], usize)> = hosts
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let b = h.as_ref().as_bytes();
                (b.strip_suffix(b".").unwrap_or(b), i)
            })
            .collect();
        let mut rejected = Vec::new();
        self.inner.domains.probe_batch(&tokens, out, &mut rejected);
        // Names the fast path turns away (IDNs, upper-case Unicode, invalid names) take the
        // full normalisation, as in `domain_into`.
        self.finish_batch(hosts, &rejected, out, from, |host, hits| {
            normalize::domain(host).map(|d| self.inner.probe_domain(&d, hits))
        })
    }

    /// [`Matcher::hash_into`] for many hex digests: appends `(i, hit)` for every hit of
    /// `hexes[i]` after what `out` holds, in query order. Returns the values that are not
    /// digests, each with its index and the error `hash_into` gives; they hit nothing, and the
    /// rest of the batch is looked up all the same.
    ///
    /// ```
    /// use iocmatch::{IndicatorSet, LoadOptions};
    ///
    /// let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    /// let mut set = IndicatorSet::new();
    /// set.load("feed", md5.as_bytes(), &LoadOptions::default())?;
    /// let m = set.compile()?;
    /// let mut hits = Vec::new();
    /// let bad = m.hash_batch(&["00".repeat(16), "xyz".into(), md5.to_uppercase()], &mut hits);
    /// assert_eq!(hits.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [2]);
    /// assert_eq!(bad.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [1]);
    /// # Ok::<(), iocmatch::Error>(())
    /// ```
    #[must_use = "the values that are not digests are reported in the returned list"]
    pub fn hash_batch<S: AsRef<str>>(
        &self,
        hexes: &[S],
        out: &mut Vec<(usize, Hit)>,
    ) -> Vec<(usize, Error)> {
        let from = out.len();
        // Every value goes to the batch, which turns away those that are not hex of a digest's
        // length: a test of the length here too would be a branch per value, one the
        // processor cannot guess in a batch of mixed lengths.
        let tokens: Vec<(&[u8], usize)> = hexes
            .iter()
            .enumerate()
            .map(|(i, hex)| (trim_ascii_spaces(hex.as_ref().as_bytes()), i))
            .collect();
        let mut slow = Vec::new();
        self.inner.digests.probe_batch(&tokens, out, &mut slow);
        slow.sort_unstable();
        // The rest take `hash_into`'s full check, which says what is wrong.
        self.finish_batch(hexes, &slow, out, from, |hex, hits| {
            normalize::hash(hex.trim()).map(|(_, c)| self.inner.digests.probe(c.as_bytes(), hits))
        })
    }

    /// Ends a batch of `values` whose hits stand in `out[from..]`: looks up each of `slow` (in
    /// query order: the values the fast path turned away) by `full`, the single lookup's full
    /// path, and merges its hits in; then drops expired and allowlisted hits. Returns the
    /// values `full` refused, with their errors.
    fn finish_batch<S: AsRef<str>>(
        &self,
        values: &[S],
        slow: &[usize],
        out: &mut Vec<(usize, Hit)>,
        from: usize,
        full: impl Fn(&str, &mut Vec<Hit>) -> Result<(), String>,
    ) -> Vec<(usize, Error)> {
        let (mut errors, mut more, mut hits) = (Vec::new(), Vec::new(), Vec::new());
        for &i in slow {
            match full(values[i].as_ref(), &mut hits) {
                Ok(()) => more.extend(hits.drain(..).map(|h| (i, h))),
                Err(e) => errors.push((i, Error::InvalidValue(e))),
            }
        }
        if !more.is_empty() {
            merge_by_query(out, from, &more);
        }
        self.drop_expired(out, from, |(_, h)| h.indicator);
        self.drop_allowed(
            out,
            from,
            |(_, h)| h.indicator,
            |(i, _)| Some(values[*i].as_ref()),
        );
        errors
    }
}

/// `b` without ASCII spaces around it, looking at its two ends first: values nearly always
/// come without, and a digest's hex never ends in one.
#[inline(always)]
fn trim_ascii_spaces(b: &[u8]) -> &[u8] {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) if first > b' ' && last > b' ' => b,
        _ => b.trim_ascii(),
    }
}

/// Merges `more` into `out[from..]`, both in query order, keeping that order (and, within a
/// query, `out`'s hits before `more`'s): in place, from the back.
fn merge_by_query(out: &mut Vec<(usize, Hit)>, from: usize, more: &[(usize, Hit)]) {
    let mut mine = out.len(); // out[from..mine] is out's own run, not yet placed
    out.extend_from_slice(more);
    let mut theirs = more.len();
    let mut to = out.len();
    while theirs > 0 {
        to -= 1;
        if mine > from && out[mine - 1].0 > more[theirs - 1].0 {
            mine -= 1;
            out[to] = out[mine];
        } else {
            theirs -= 1;
            out[to] = more[theirs];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::How;
    use crate::indicator::IndicatorId;

    /// The merge gives what a stable sort by query of `out`'s hits, then `more`'s, gives: for
    /// lists of every mix of lengths, with queries shared within and between them, and hits
    /// before `from` left alone.
    #[test]
    fn merging_by_query_equals_a_stable_sort() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |below: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % below
        };
        let mut id = 0;
        let mut hits = |n: u64, queries: u64, next: &mut dyn FnMut(u64) -> u64| {
            let mut v: Vec<(usize, Hit)> = (0..n)
                .map(|_| {
                    id += 1;
                    let h = Hit {
                        indicator: IndicatorId(id),
                        how: How::Exact,
                    };
                    (next(queries) as usize, h)
                })
                .collect();
            v.sort_by_key(|&(q, _)| q);
            v
        };
        for round in 0..2000 {
            let (n, m, queries) = (next(12), next(12), 1 + next(8));
            let before = hits(next(3), 100, &mut next);
            let mine = hits(n, queries, &mut next);
            let more = hits(m, queries, &mut next);
            let mut want = mine.clone();
            want.extend_from_slice(&more);
            want.sort_by_key(|&(q, _)| q);
            let mut got = before.clone();
            got.extend_from_slice(&mine);
            merge_by_query(&mut got, before.len(), &more);
            assert_eq!(&got[..before.len()], &before[..], "round {round}");
            assert_eq!(&got[before.len()..], &want[..], "round {round}");
        }
    }
}
