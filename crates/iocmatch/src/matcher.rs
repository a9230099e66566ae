//! `Matcher`: the compiled, immutable form of an indicator set, and the match records it returns.

use std::net::IpAddr;
use std::sync::Arc;

use ipnetwork::IpNetwork;

use crate::allow::Allowlist;
use crate::engine::digest::DigestSet;
use crate::engine::domain::DomainSet;
use crate::engine::email::EmailSet;
use crate::engine::ip::IpTable;
use crate::engine::regex::RegexEngine;
use crate::engine::strings::{StringEngine, StringsBuilder};
use crate::engine::url::UrlSet;
use crate::engine::values::ValueMap;
use crate::engine::{Hit, How};
use crate::error::Error;
use crate::indicator::{Indicator, IndicatorId, Kind, Mode};
use crate::normalize;
use crate::scan;
use crate::scan::build::BitOps;
use crate::scan::LogState;
use crate::time::{Clock, Timestamp};

mod batch;

/// One indicator found in a scanned text: which, where (byte offsets, half-open) and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Match {
    /// Start of the matched bytes.
    pub start: usize,
    /// End of the matched bytes (exclusive).
    pub end: usize,
    /// The indicator.
    pub indicator: IndicatorId,
    /// How it matched.
    pub how: How,
}

/// A match in a buffer of lines: the line it is on and its offsets within that line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LineMatch {
    /// 0-based index of the line in the buffer.
    pub line: usize,
    /// Byte offset of the line's start in the buffer.
    pub line_start: usize,
    /// The match, with offsets relative to the line's start.
    pub m: Match,
}

/// Options for compiling a matcher.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Limit on the compiled size of each regex indicator, in bytes.
    pub regex_size_limit: usize,
    /// Match indicators that every source marked `to_ids: false` too (default: they are kept
    /// for their metadata but do not match).
    pub include_non_ids: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            regex_size_limit: crate::engine::regex::DEFAULT_SIZE_LIMIT,
            include_non_ids: false,
        }
    }
}

/// The engines and indicators behind a `Matcher`.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) indicators: Vec<Indicator>,
    pub(crate) ips: IpTable,
    pub(crate) domains: DomainSet,
    pub(crate) urls: UrlSet,
    pub(crate) emails: EmailSet,
    pub(crate) digests: DigestSet,
    /// Whole-word strings by exact value, and `nocase` ones by lower-cased value.
    pub(crate) words: ValueMap,
    pub(crate) strings: StringEngine,
    pub(crate) regexes: RegexEngine,
    /// Whether any indicator has a validity window (if not, no time check is made).
    pub(crate) any_window: bool,
    /// The scan walk's build with the bit instructions, where this CPU has them: asked once,
    /// here, rather than on every scan of a line.
    pub(crate) bit_ops: Option<BitOps>,
}

/// A compiled indicator set. Immutable, `Send + Sync`, and cheap to clone (one `Arc`).
///
/// Build it with [`crate::IndicatorSet::compile`]; query it with typed lookups (`ip`, `domain`,
/// `url`, `email`, `hash`, `string`, or `lookup` which detects the kind), or scan free text with
/// `scan` and buffers of lines with `scan_lines`. Every result names indicators by
/// [`IndicatorId`]; [`Matcher::indicator`] gives the value, kind, sources and metadata.
///
/// Indicators with a validity window (`valid_from`, `valid_until`) match only while valid,
/// judged by the matcher's [`Clock`] at scan time: the system clock unless
/// [`Matcher::with_clock`] fixes one.
#[derive(Clone, Debug)]
pub struct Matcher {
    pub(crate) inner: Arc<Inner>,
    clock: Clock,
    allow: Option<Arc<Allowlist>>,
}

impl Matcher {
    pub(crate) fn build(
        indicators: Vec<Indicator>,
        opts: &CompileOptions,
    ) -> Result<Matcher, Error> {
        let mut ips = IpTable::default();
        let mut domains = Vec::new();
        let mut urls = Vec::new();
        let mut emails = Vec::new();
        let mut digests = Vec::new();
        let mut words = ValueMap::default();
        let mut strings = StringsBuilder::default();
        let mut regexes = Vec::new();
        for (i, ind) in indicators.iter().enumerate() {
            let id = IndicatorId(i as u32);
            if !opts.include_non_ids && !ind.for_detection() {
                continue;
            }
            let bad =
                |e: String| Error::Build(format!("indicator {:?} ({}): {e}", ind.value, ind.kind));
            match ind.kind {
                Kind::Ipv4 | Kind::Ipv6 | Kind::Cidr => {
                    let net = if ind.kind == Kind::Cidr {
                        ind.value
                            .parse::<IpNetwork>()
                            .map_err(|e| bad(e.to_string()))?
                    } else {
                        IpNetwork::from(
                            ind.value
                                .parse::<IpAddr>()
                                .map_err(|e| bad(e.to_string()))?,
                        )
                    };
                    ips.insert(net, id);
                }
                Kind::Domain => domains.push((ind.value.as_str(), id, ind.mode)),
                Kind::Url => urls.push((ind.value.as_str(), id, ind.mode)),
                Kind::Email => emails.push((ind.value.as_str(), id, ind.mode)),
                k if k.is_hex_digest() => digests.push((ind.value.as_str(), id)),
                k if k.is_word_string() => {
                    words.insert(&ind.value, id, ind.mode);
                    strings.add(ind.value.as_bytes(), id, true, ind.mode == Mode::NoCase);
                }
                Kind::Literal => {
                    strings.add(ind.value.as_bytes(), id, false, ind.mode == Mode::NoCase)
                }
                Kind::Regex => regexes.push((ind.value.clone(), id)),
                k => return Err(bad(format!("kind {k} has no engine"))),
            }
        }
        ips.finish();
        let domains = DomainSet::build(&domains);
        let emails = EmailSet::build(&emails);
        let urls = UrlSet::build(&urls);
        let digests = DigestSet::build(&digests);
        let strings = strings.build().map_err(Error::Build)?;
        let regexes = RegexEngine::build(&regexes, opts.regex_size_limit).map_err(Error::Build)?;
        let any_window = indicators.iter().any(Indicator::has_window);
        Ok(Matcher {
            clock: Clock::System,
            allow: None,
            inner: Arc::new(Inner {
                any_window,
                bit_ops: BitOps::detect(),
                indicators,
                ips,
                domains,
                urls,
                emails,
                digests,
                words,
                strings,
                regexes,
            }),
        })
    }

    /// The same matcher judging validity windows by `clock` (cheap: the engines are shared).
    pub fn with_clock(&self, clock: Clock) -> Matcher {
        Matcher {
            clock,
            ..self.clone()
        }
    }

    /// The same matcher suppressing hits whose observed value is on `allow` (cheap: the engines
    /// are shared). Suppressed hits are counted per list (`allow::List::suppressed`).
    pub fn with_allowlist(&self, allow: Arc<Allowlist>) -> Matcher {
        Matcher {
            allow: (!allow.is_empty()).then_some(allow),
            ..self.clone()
        }
    }

    /// The allowlist in force, if any.
    pub fn allowlist(&self) -> Option<&Allowlist> {
        self.allow.as_deref()
    }

    /// The allowlist in force, shared.
    pub fn allowlist_arc(&self) -> Option<Arc<Allowlist>> {
        self.allow.clone()
    }

    /// The same matcher with no allowlist.
    pub fn without_allowlist(&self) -> Matcher {
        Matcher {
            allow: None,
            ..self.clone()
        }
    }

    /// Drops, from `hits[from..]`, hits whose observed value (given by `observed`) an
    /// allowlist that applies to the indicator's kind holds.
    fn drop_allowed<'v, T>(
        &self,
        hits: &mut Vec<T>,
        from: usize,
        id: impl Fn(&T) -> IndicatorId,
        observed: impl Fn(&T) -> Option<&'v str>,
    ) {
        let Some(allow) = &self.allow else { return };
        let mut keep = from;
        for i in from..hits.len() {
            let kind = self.inner.indicators[id(&hits[i]).index()].kind;
            let allowed = observed(&hits[i]).is_some_and(|v| allow.suppresses(kind, v));
            if !allowed {
                hits.swap(keep, i);
                keep += 1;
            }
        }
        hits.truncate(keep);
    }

    /// The clock this matcher judges validity windows by.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Drops, from `hits[from..]`, indicators outside their validity window now.
    fn drop_expired<T>(&self, hits: &mut Vec<T>, from: usize, id: impl Fn(&T) -> IndicatorId) {
        if !self.inner.any_window || hits.len() == from {
            return;
        }
        let now: Timestamp = self.clock.now();
        let mut keep = from;
        for i in from..hits.len() {
            if self.inner.indicators[id(&hits[i]).index()].valid_at(now) {
                hits.swap(keep, i);
                keep += 1;
            }
        }
        hits.truncate(keep);
    }

    /// Approximate heap bytes held by the compiled engines: tables, filters, automata and the
    /// copies of values they keep; not the indicators with their sources and metadata, which
    /// the set they were compiled from held already.
    pub fn engine_bytes(&self) -> usize {
        let i = &self.inner;
        i.ips.heap_bytes()
            + i.domains.heap_bytes()
            + i.urls.heap_bytes()
            + i.emails.heap_bytes()
            + i.digests.heap_bytes()
            + i.words.heap_bytes()
            + i.strings.heap_bytes()
            + i.regexes.heap_bytes()
    }

    /// The number of indicators.
    pub fn len(&self) -> usize {
        self.inner.indicators.len()
    }

    /// Whether there are no indicators.
    pub fn is_empty(&self) -> bool {
        self.inner.indicators.is_empty()
    }

    /// The indicator behind an id, with its sources and metadata.
    ///
    /// # Panics
    /// If `id` did not come from this matcher (or the set it was compiled from).
    pub fn indicator(&self, id: IndicatorId) -> &Indicator {
        &self.inner.indicators[id.index()]
    }

    /// The indicator behind an id, or `None` if the id is out of range.
    pub fn get(&self, id: IndicatorId) -> Option<&Indicator> {
        self.inner.indicators.get(id.index())
    }

    /// Every indicator, indexed by `IndicatorId`.
    pub fn indicators(&self) -> &[Indicator] {
        &self.inner.indicators
    }

    /// Address and network indicators containing `addr`: the exact address first, then
    /// networks from the longest prefix. IPv4-mapped IPv6 addresses are looked up as IPv4.
    pub fn ip(&self, addr: IpAddr) -> Vec<Hit> {
        let mut out = Vec::new();
        self.ip_into(addr, &mut out);
        out
    }

    /// [`Matcher::ip`] appending to a caller's vector.
    pub fn ip_into(&self, addr: IpAddr, out: &mut Vec<Hit>) {
        let from = out.len();
        self.inner.ips.lookup(normalize::fold_mapped(addr), out);
        self.drop_expired(out, from, |h| h.indicator);
        if self.allow.is_some() {
            let text = addr.to_string();
            self.drop_allowed(out, from, |h| h.indicator, |_| Some(text.as_str()));
        }
    }

    /// Domain indicators hit by a host name: indicators equal to it, then (for indicators in
    /// `subdomains` mode) its parent domains from the longest.
    pub fn domain(&self, host: &str) -> Result<Vec<Hit>, Error> {
        let mut out = Vec::new();
        self.domain_into(host, &mut out)?;
        Ok(out)
    }

    /// [`Matcher::domain`] appending to a caller's vector; ASCII names need no allocation.
    pub fn domain_into(&self, host: &str, out: &mut Vec<Hit>) -> Result<(), Error> {
        let b = host.as_bytes();
        let b = b.strip_suffix(b".").unwrap_or(b);
        let from = out.len();
        // A valid ASCII name is validated and probed in one pass (a byte outside ASCII fails its
        // validation); anything else (IDNs, upper-case Unicode, invalid names) goes through the
        // full normalisation.
        if !self.inner.domains.probe_token(b, out) {
            let d = normalize::domain(host).map_err(Error::InvalidValue)?;
            self.inner.probe_domain(&d, out);
        }
        self.drop_expired(out, from, |h| h.indicator);
        self.drop_allowed(out, from, |h| h.indicator, |_| Some(host));
        Ok(())
    }

    /// URL indicators hit by a URL (with or without a scheme), then the domain or address
    /// indicators hit by its host.
    pub fn url(&self, url: &str) -> Result<Vec<Hit>, Error> {
        let key = normalize::url(url.as_bytes()).map_err(Error::InvalidValue)?;
        let mut out = Vec::new();
        self.inner.probe_url(&key, &mut out);
        self.inner.probe_url_host(&key, &mut out);
        self.drop_expired(&mut out, 0, |h| h.indicator);
        self.drop_allowed(&mut out, 0, |h| h.indicator, |_| Some(url));
        Ok(out)
    }

    /// E-mail indicators equal to an address, then the domain indicators hit by its domain.
    pub fn email(&self, addr: &str) -> Result<Vec<Hit>, Error> {
        let e = normalize::email(addr.trim()).map_err(Error::InvalidValue)?;
        let mut out = Vec::new();
        push_all(self.inner.emails.get(&e), How::Exact, &mut out);
        if let Some((_, dom)) = e.rsplit_once('@') {
            self.inner.probe_domain(dom, &mut out);
        }
        self.drop_expired(&mut out, 0, |h| h.indicator);
        self.drop_allowed(&mut out, 0, |h| h.indicator, |_| Some(addr));
        Ok(out)
    }

    /// Hash (and JA3) indicators equal to a hex digest.
    pub fn hash(&self, hex: &str) -> Result<Vec<Hit>, Error> {
        let mut out = Vec::new();
        self.hash_into(hex, &mut out)?;
        Ok(out)
    }

    /// [`Matcher::hash`] appending to a caller's vector, without allocating (but for a digest
    /// with spaces other than ASCII around it, which is copied without them).
    pub fn hash_into(&self, hex: &str, out: &mut Vec<Hit>) -> Result<(), Error> {
        let h = hex.as_bytes().trim_ascii();
        let from = out.len();
        if Kind::hash_for_len(h.len()).is_some() && crate::engine::hashing::all_hex(h) {
            self.inner.digests.probe(h, out);
        } else {
            // Not a digest as it stands (or spaces other than ASCII around one): the full
            // check says what is wrong, or gives the digest.
            let (_, canonical) = normalize::hash(hex.trim()).map_err(Error::InvalidValue)?;
            self.inner.digests.probe(canonical.as_bytes(), out);
        }
        self.drop_expired(out, from, |h| h.indicator);
        self.drop_allowed(out, from, |h| h.indicator, |_| Some(hex));
        Ok(())
    }

    /// Whole-value lookups of the string kinds (`filename`, `user-agent`, `username`): indicators
    /// of `kind` equal to `value`, or equal ignoring case for `nocase` ones.
    pub fn string(&self, kind: Kind, value: &str) -> Vec<Hit> {
        let mut out = Vec::new();
        self.inner.probe_words(value.trim(), Some(kind), &mut out);
        self.drop_expired(&mut out, 0, |h| h.indicator);
        self.drop_allowed(&mut out, 0, |h| h.indicator, |_| Some(value));
        out
    }

    /// Looks a bare value up as its detected kind; any value is also compared whole with the
    /// string indicators and searched by the literal and regex indicators.
    pub fn lookup(&self, value: &str) -> Vec<Hit> {
        let v = value.trim();
        let mut out = match normalize::detect(v) {
            Ok(Kind::Ipv4 | Kind::Ipv6) => normalize::ip(v).map(|a| self.ip(a)).unwrap_or_default(),
            Ok(Kind::Domain) => self.domain(v).unwrap_or_default(),
            Ok(Kind::Url) => self.url(v).unwrap_or_default(),
            Ok(Kind::Email) => self.email(v).unwrap_or_default(),
            Ok(k) if k.is_hex_digest() => self.hash(v).unwrap_or_default(),
            _ => Vec::new(),
        };
        self.inner.probe_words(v, None, &mut out);
        let text = v.as_bytes();
        // Whole-word strings were compared with the whole value above; only literals search it.
        self.inner.strings.scan(text, |_, _, id, how| {
            if how == How::Substring {
                out.push(Hit { indicator: id, how })
            }
        });
        self.inner
            .regexes
            .scan(text, |_, _, id, how| out.push(Hit { indicator: id, how }));
        let mut seen = std::collections::HashSet::new();
        out.retain(|h| seen.insert(*h));
        self.drop_expired(&mut out, 0, |h| h.indicator);
        self.drop_allowed(&mut out, 0, |h| h.indicator, |_| Some(value));
        out
    }

    /// Finds every indicator in `text` at token boundaries (see DESIGN.md), sorted by position.
    pub fn scan(&self, text: &[u8]) -> Vec<Match> {
        let mut out = Vec::new();
        self.scan_into(text, &mut out);
        out
    }

    /// [`Matcher::scan`] appending to a caller's vector, so a loop over lines reuses it.
    pub fn scan_into(&self, text: &[u8], out: &mut Vec<Match>) {
        let from = out.len();
        scan::text::scan(&self.inner, text, out);
        self.keep_current(text, out, from);
    }

    /// [`Matcher::keep_current`] for line matches of `chunk`, whose lines' offsets count from
    /// `base`.
    pub(crate) fn keep_current_lines(&self, chunk: &[u8], base: usize, found: &mut Vec<LineMatch>) {
        self.drop_expired(found, 0, |l| l.m.indicator);
        self.drop_allowed(
            found,
            0,
            |l| l.m.indicator,
            |l| {
                let line = l.line_start - base;
                std::str::from_utf8(&chunk[line + l.m.start..line + l.m.end]).ok()
            },
        );
    }

    /// Drops, from `found[from..]` (matches in `text`), indicators outside their validity
    /// window and hits whose observed value is allowlisted.
    pub(crate) fn keep_current(&self, text: &[u8], found: &mut Vec<Match>, from: usize) {
        self.drop_expired(found, from, |m| m.indicator);
        self.drop_allowed(
            found,
            from,
            |m| m.indicator,
            |m| std::str::from_utf8(&text[m.start..m.end]).ok(),
        );
    }

    /// Scans a buffer line by line (lines end at `\n`; a `\r` before it is not part of the
    /// line), in parallel over line-aligned chunks on the current rayon pool. Results are in
    /// input order.
    pub fn scan_lines(&self, buf: &[u8]) -> Vec<LineMatch> {
        let mut out = Vec::new();
        self.scan_lines_into(buf, &mut out);
        out
    }

    /// [`Matcher::scan_lines`] appending to a caller's vector; returns the number of lines in
    /// `buf` (one per `\n`, and one more for text after the last), which a reader of a stream
    /// of buffers adds up to number the next buffer's lines.
    pub fn scan_lines_into(&self, buf: &[u8], out: &mut Vec<LineMatch>) -> usize {
        self.scan_log_into(buf, &mut LogState::default(), out)
    }

    /// [`Matcher::scan_lines_into`] for one of the buffers a log is read in, in turn: `state`
    /// carries what the scan learnt of the log up to `buf` (the columns of a Zeek section, from
    /// its `#fields` header) and is updated to its end. In a Zeek TSV section whose header
    /// names `host` and `uri` columns (an HTTP log), each line's host and URI are also joined
    /// and looked up as a URL, which free text cannot see: a hit spans both fields.
    ///
    /// ```
    /// use iocmatch::{How, IndicatorSet, LoadOptions, LogState};
    ///
    /// let mut set = IndicatorSet::new();
    /// set.load("feed", b"evil.example/gate.php\n", &LoadOptions::default())?;
    /// let m = set.compile()?;
    /// let mut state = LogState::default();
    /// let mut found = Vec::new();
    /// m.scan_log_into(b"#fields\tts\thost\turi\n", &mut state, &mut found);
    /// m.scan_log_into(b"1.0\tevil.example\t/gate.php\n", &mut state, &mut found);
    /// assert_eq!(found.len(), 1);
    /// assert_eq!((found[0].m.start, found[0].m.end), (4, 26));
    /// # Ok::<(), iocmatch::Error>(())
    /// ```
    pub fn scan_log_into(
        &self,
        buf: &[u8],
        state: &mut LogState,
        out: &mut Vec<LineMatch>,
    ) -> usize {
        scan::lines::scan_parallel(self, buf, state, out)
    }
}

fn push_all(found: &[(IndicatorId, Mode)], how: How, out: &mut Vec<Hit>) {
    out.extend(found.iter().map(|&(id, _)| Hit { indicator: id, how }));
}

impl Inner {
    /// Probes a canonical domain: equal indicators, then parents for `subdomains` indicators.
    pub(crate) fn probe_domain(&self, d: &str, out: &mut Vec<Hit>) {
        self.domains.probe_token(d.as_bytes(), out);
    }

    /// Probes a canonical URL key: equal indicators, then `prefix` indicators, longest first.
    pub(crate) fn probe_url(&self, key: &str, out: &mut Vec<Hit>) {
        self.urls.probe(key, out);
    }

    /// Probes the host of a canonical URL key as a domain or address.
    fn probe_url_host(&self, key: &str, out: &mut Vec<Hit>) {
        let auth = key.split('/').next().unwrap_or("");
        let host = if auth.starts_with('[') {
            auth.split(']').next().unwrap_or("").trim_start_matches('[')
        } else {
            auth.split(':').next().unwrap_or("")
        };
        match host.parse::<IpAddr>() {
            Ok(a) => self.ips.lookup(normalize::fold_mapped(a), out),
            Err(_) => self.probe_domain(host, out),
        }
    }

    /// Whole-value probes of the string kinds, optionally of one kind only.
    fn probe_words(&self, value: &str, kind: Option<Kind>, out: &mut Vec<Hit>) {
        if self.words.is_empty() {
            return;
        }
        let wanted = |id: IndicatorId| kind.is_none_or(|k| self.indicators[id.index()].kind == k);
        for &(id, mode) in self.words.get(value) {
            if mode == Mode::Exact && wanted(id) {
                out.push(Hit {
                    indicator: id,
                    how: How::Exact,
                });
            }
        }
        let lower = value.to_ascii_lowercase();
        for &(id, mode) in self.words.get(&lower) {
            if mode == Mode::NoCase && wanted(id) {
                out.push(Hit {
                    indicator: id,
                    how: How::Exact,
                });
            }
        }
    }
}
