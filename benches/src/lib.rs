//! A seeded, deterministic generator of benchmark corpora: indicator sets in a realistic mix, Zeek
//! TSV and JSON log lines with real field layouts, planted hits with their expected reports, and
//! adversarial near-misses that substring engines get wrong.
//!
//! Background values come from value spaces disjoint from the indicators' (addresses in other
//! ranges, registered labels without digits, fresh random digests), so the planted hits are the
//! only hits and serve as ground truth at any size. `tests/generator.rs` checks that claim against
//! the naive reference on small corpora.

use std::collections::HashSet;
use std::fmt::Write as _;

/// SplitMix64: small, fast, and fully determined by its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of a slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    /// `n` random lower-case hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        (0..n)
            .map(|_| HEX[self.below(16) as usize] as char)
            .collect()
    }

    /// A pronounceable word of `syllables` syllables.
    pub fn word(&mut self, syllables: usize) -> String {
        const C: &[&str] = &[
            "b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "st", "tr",
            "ch",
        ];
        const V: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "io"];
        let mut w = String::new();
        for _ in 0..syllables {
            w.push_str(C[self.below(C.len() as u64) as usize]);
            w.push_str(V[self.below(V.len() as u64) as usize]);
        }
        w
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Number of indicators.
    pub indicators: usize,
    /// Number of log lines.
    pub lines: usize,
    /// Probability that a line carries a planted hit.
    pub hit_rate: f64,
    /// Probability that a line carries an adversarial near-miss.
    pub near_miss_rate: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            indicators: 10_000,
            lines: 10_000,
            hit_rate: 0.002,
            near_miss_rate: 0.01,
            seed: 2026,
        }
    }
}

/// One planted hit: the line, the exact text a correct matcher reports, and the indicator value
/// (canonical form) it must name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Planted {
    /// 0-based line index in the log.
    pub line: usize,
    /// The reported text.
    pub text: String,
    /// The indicator's canonical value.
    pub indicator: String,
}

/// A generated corpus.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    /// Indicators in the plain-list format, one a line (values with `\tkind=` where needed).
    pub indicators: String,
    /// The same values as the strings a substring engine searches for (`grep -F -f`).
    pub patterns: Vec<String>,
    /// Zeek TSV log lines, several log types, each block with its header.
    pub tsv: Vec<u8>,
    /// The same events as Zeek JSON lines.
    pub json: Vec<u8>,
    /// Planted hits in `tsv` (line indices count header lines too).
    pub planted: Vec<Planted>,
    /// Planted hits in `json`: those of `tsv`, a URL split over the host and URI fields
    /// reported with the key between them.
    pub planted_json: Vec<Planted>,
}

/// The indicator values by family, kept for planting.
#[derive(Default)]
struct Pool {
    ipv4: Vec<[u8; 4]>,
    ipv6: Vec<String>,
    /// (network, prefix) IPv4 networks.
    cidr4: Vec<([u8; 4], u8)>,
    domains: Vec<String>,
    urls: Vec<String>,
    md5: Vec<String>,
    sha1: Vec<String>,
    sha256: Vec<String>,
    emails: Vec<String>,
    /// Lookup sets for computing every indicator a planted value hits.
    domain_set: HashSet<String>,
    ipv4_set: HashSet<u32>,
    cidr_set: HashSet<(u32, u8)>,
}

const TLDS: &[&str] = &[
    "com", "net", "org", "info", "ru", "cn", "io", "xyz", "top", "de", "uk", "biz",
];

fn indicator_label(r: &mut Rng) -> String {
    // Indicator registered labels always hold digits; background labels never do.
    let syllables = 2 + r.below(2) as usize;
    let word = r.word(syllables);
    format!("{word}{}", r.below(1000))
}

fn benign_host(r: &mut Rng) -> String {
    let sub = *r.pick(&[
        "www", "cdn", "api", "mail", "static", "img", "login", "update",
    ]);
    let syllables = 2 + r.below(2) as usize;
    let word = r.word(syllables);
    format!("{sub}.{word}.{}", r.pick(TLDS))
}

/// Background IPv4 addresses: 100.0.0.0 to 223.255.255.255, disjoint from indicator space.
fn benign_v4(r: &mut Rng) -> String {
    format!(
        "{}.{}.{}.{}",
        100 + r.below(124),
        r.below(256),
        r.below(256),
        1 + r.below(254)
    )
}

fn benign_v6(r: &mut Rng) -> String {
    format!(
        "2600:{:x}:{:x}::{:x}",
        r.below(0xffff),
        r.below(0xffff),
        1 + r.below(0xfffe)
    )
}

fn fmt_v4(a: [u8; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

impl Pool {
    /// Draws `n` distinct indicators in the mix of the brief: domains 40 %, IPv4 18 %, IPv6 4 %,
    /// CIDR 4 %, URLs 12 %, MD5 7 %, SHA-1 6 %, SHA-256 7 %, e-mail 2 %.
    fn draw(r: &mut Rng, n: usize) -> Pool {
        let mut p = Pool::default();
        let mut seen = HashSet::new();
        let share = |pct: usize| n * pct / 100;
        let counts = [
            share(40),
            share(18),
            share(4),
            share(4),
            share(12),
            share(7),
            share(6),
            share(7),
        ];
        let emails = n - counts.iter().sum::<usize>();
        while p.domains.len() < counts[0] {
            let d = if r.chance(0.3) {
                format!("{}.{}.{}", r.word(1), indicator_label(r), r.pick(TLDS))
            } else {
                format!("{}.{}", indicator_label(r), r.pick(TLDS))
            };
            if seen.insert(d.clone()) {
                p.domain_set.insert(d.clone());
                p.domains.push(d);
            }
        }
        while p.ipv4.len() < counts[1] {
            let a = [
                1 + r.below(99) as u8,
                r.below(256) as u8,
                r.below(256) as u8,
                1 + r.below(254) as u8,
            ];
            if seen.insert(fmt_v4(a)) {
                p.ipv4_set.insert(u32::from_be_bytes(a));
                p.ipv4.push(a);
            }
        }
        while p.ipv6.len() < counts[2] {
            let v = format!(
                "2400:{:x}:{:x}::{:x}",
                r.below(0xffff),
                r.below(0xffff),
                1 + r.below(0xfffe)
            );
            if seen.insert(v.clone()) {
                p.ipv6.push(v);
            }
        }
        while p.cidr4.len() < counts[3] {
            let prefix = 16 + r.below(13) as u8;
            let raw = u32::from_be_bytes([
                1 + r.below(99) as u8,
                r.below(256) as u8,
                r.below(256) as u8,
                0,
            ]);
            let net = (raw & (u32::MAX << (32 - prefix))).to_be_bytes();
            if seen.insert(format!("{}/{prefix}", fmt_v4(net))) {
                p.cidr_set.insert((u32::from_be_bytes(net), prefix));
                p.cidr4.push((net, prefix));
            }
        }
        while p.urls.len() < counts[4] {
            // URL hosts are a pool of their own: "dl" labels never used for domain indicators.
            let u = format!(
                "dl{}.{}/{}/{}.{}",
                r.below(100),
                indicator_label(r),
                r.word(2),
                r.word(2),
                r.pick(&["exe", "php", "bin", "zip", "js"])
            );
            let host = u.split('/').next().unwrap_or("");
            if p.domain_hits(host).is_empty() && seen.insert(u.clone()) {
                p.urls.push(u);
            }
        }
        for _ in 0..counts[5] {
            p.md5.push(r.hex(32));
        }
        for _ in 0..counts[6] {
            p.sha1.push(r.hex(40));
        }
        for _ in 0..counts[7] {
            p.sha256.push(r.hex(64));
        }
        while p.emails.len() < emails {
            let e = format!(
                "{}.{}@mx{}.{}.{}",
                r.word(2),
                r.word(1),
                r.below(100),
                indicator_label(r),
                r.pick(TLDS)
            );
            let host = e.rsplit('@').next().unwrap_or("");
            if p.domain_hits(host).is_empty() && seen.insert(e.clone()) {
                p.emails.push(e);
            }
        }
        p
    }

    /// Every domain indicator a host hits (itself and its parents), as canonical values.
    fn domain_hits(&self, host: &str) -> Vec<String> {
        let h = host.to_ascii_lowercase();
        let mut out = Vec::new();
        let mut rest = h.as_str();
        loop {
            if self.domain_set.contains(rest) {
                out.push(rest.to_string());
            }
            match rest.split_once('.') {
                Some((_, tail)) => rest = tail,
                None => return out,
            }
        }
    }

    /// Every address or network indicator containing an IPv4 address.
    fn ipv4_hits(&self, a: u32) -> Vec<String> {
        let mut out = Vec::new();
        if self.ipv4_set.contains(&a) {
            out.push(fmt_v4(a.to_be_bytes()));
        }
        for prefix in (1..=31u8).rev() {
            let net = a & (u32::MAX << (32 - prefix));
            if self.cidr_set.contains(&(net, prefix)) {
                out.push(format!("{}/{prefix}", fmt_v4(net.to_be_bytes())));
            }
        }
        out
    }

    fn write(&self, out: &mut Corpus) {
        let mut list = String::new();
        let mut add = |v: String, pattern: String| {
            list.push_str(&v);
            list.push('\n');
            out.patterns.push(pattern);
        };
        for d in &self.domains {
            add(d.clone(), d.clone());
        }
        for a in &self.ipv4 {
            add(fmt_v4(*a), fmt_v4(*a));
        }
        for v in &self.ipv6 {
            add(v.clone(), v.clone());
        }
        for (net, prefix) in &self.cidr4 {
            // A substring engine cannot express a network; its best effort is the network's
            // leading octets, which is what the peers are given.
            let octets = (*prefix as usize).div_ceil(8).min(3);
            let lead: Vec<String> = net[..octets].iter().map(|o| o.to_string()).collect();
            add(
                format!("{}/{prefix}", fmt_v4(*net)),
                format!("{}.", lead.join(".")),
            );
        }
        for u in &self.urls {
            add(format!("http://{u}"), u.clone());
        }
        for h in self.md5.iter().chain(&self.sha1).chain(&self.sha256) {
            add(h.clone(), h.clone());
        }
        for e in &self.emails {
            add(e.clone(), e.clone());
        }
        out.indicators = list;
    }
}

/// One log event's fields, by log type.
enum Event {
    Conn,
    Dns,
    Http,
    Ssl,
    Files,
    Smtp,
}

const HEADERS: [(&str, &str); 6] = [
    ("conn", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents"),
    ("dns", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected"),
    ("http", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\tmethod\thost\turi\treferrer\tversion\tuser_agent\torigin\trequest_body_len\tresponse_body_len\tstatus_code\tstatus_msg\tinfo_code\tinfo_msg\ttags\tusername\tpassword\tproxied\torig_fuids\torig_filenames\torig_mime_types\tresp_fuids\tresp_filenames\tresp_mime_types"),
    ("ssl", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\tcurve\tserver_name\tresumed\tlast_alert\tnext_protocol\testablished\tssl_history\tcert_chain_fps\tclient_cert_chain_fps\tsubject\tissuer\tja3\tja3s"),
    ("files", "ts\tfuid\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tsource\tdepth\tanalyzers\tmime_type\tfilename\tduration\tlocal_orig\tis_orig\tseen_bytes\ttotal_bytes\tmissing_bytes\toverflow_bytes\ttimedout\tparent_fuid\tmd5\tsha1\tsha256\textracted\textracted_cutoff\textracted_size"),
    ("smtp", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\ttrans_depth\thelo\tmailfrom\trcptto\tdate\tfrom\tto\tcc\treply_to\tmsg_id\tin_reply_to\tsubject\tx_originating_ip\tfirst_received\tsecond_received\tlast_reply\tpath\tuser_agent\ttls\tfuids"),
];

const AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "curl/8.5.0",
    "Microsoft-CryptoAPI/10.0",
];

/// Generates the values and the planted hit of one event.
struct Line {
    fields: Vec<String>,
    planted: Vec<(String, String)>,
}

fn uid(r: &mut Rng) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = String::from("C");
    for _ in 0..17 {
        s.push(A[r.below(A.len() as u64) as usize] as char);
    }
    s
}

fn mixed_case(r: &mut Rng, s: &str) -> String {
    s.chars()
        .map(|c| {
            if r.chance(0.3) {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Where a planted value goes.
enum Placed {
    /// In the field an event's kind plants in (an address, a name, a referrer URL, ...).
    Field(String),
    /// A URL indicator as a Zeek HTTP log writes a request: its host and its URI (the path) in
    /// two fields, which a matcher has to join.
    HostUri(String, String),
}

/// A planted value for an event, and every (text, indicator) a correct matcher reports.
fn plant(r: &mut Rng, p: &Pool, kind: &Event) -> Option<(Placed, Vec<(String, String)>)> {
    if matches!(kind, Event::Http) && !p.urls.is_empty() && r.chance(0.5) {
        let u = r.pick(&p.urls).clone();
        let (host, path) = u.split_at(u.find('/').unwrap_or(u.len()));
        let host = if r.chance(0.3) {
            mixed_case(r, host)
        } else {
            host.to_string()
        };
        // The hit spans both fields and the tab between them.
        let text = format!("{host}\t{path}");
        return Some((Placed::HostUri(host, path.to_string()), vec![(text, u)]));
    }
    let (field, text, hits) = match kind {
        Event::Conn => {
            let a = match r.below(3) {
                0 if !p.ipv4.is_empty() => u32::from_be_bytes(*r.pick(&p.ipv4)),
                1 if !p.cidr4.is_empty() => {
                    let (net, prefix) = *r.pick(&p.cidr4);
                    u32::from_be_bytes(net) | (r.below(1 << (32 - prefix)) as u32)
                }
                _ if !p.ipv6.is_empty() => {
                    let v = r.pick(&p.ipv6).clone();
                    return Some((Placed::Field(v.clone()), vec![(v.clone(), v)]));
                }
                _ => return None,
            };
            let text = fmt_v4(a.to_be_bytes());
            (text.clone(), text, p.ipv4_hits(a))
        }
        Event::Dns | Event::Ssl if !p.domains.is_empty() => {
            let d = r.pick(&p.domains).clone();
            let host = if r.chance(0.5) {
                format!("{}.{d}", r.word(1))
            } else {
                d
            };
            let host = if r.chance(0.3) {
                mixed_case(r, &host)
            } else {
                host
            };
            (host.clone(), host.clone(), p.domain_hits(&host))
        }
        Event::Http if !p.urls.is_empty() => {
            let u = r.pick(&p.urls).clone();
            let full = format!("http://{u}");
            (full.clone(), full, vec![u])
        }
        Event::Files => {
            let pools = [&p.md5, &p.sha1, &p.sha256];
            let pool = pools[r.below(3) as usize];
            if pool.is_empty() {
                return None;
            }
            let h = r.pick(pool).clone();
            let shown = if r.chance(0.3) {
                h.to_ascii_uppercase()
            } else {
                h.clone()
            };
            (shown.clone(), shown, vec![h])
        }
        Event::Smtp if !p.emails.is_empty() => {
            let e = r.pick(&p.emails).clone();
            (e.clone(), e.clone(), vec![e])
        }
        _ => return None,
    };
    let expected = hits.into_iter().map(|i| (text.clone(), i)).collect();
    Some((Placed::Field(field), expected))
}

/// An adversarial near-miss for a field: an indicator value inside a longer token of its kind.
fn near_miss(r: &mut Rng, p: &Pool) -> Option<String> {
    Some(match r.below(6) {
        0 if !p.ipv4.is_empty() => format!("{}.{}", fmt_v4(*r.pick(&p.ipv4)), 1 + r.below(9)),
        1 if !p.domains.is_empty() => format!("x{}", two_label(r, p)?),
        2 if !p.domains.is_empty() => {
            format!("{}.{}.{}", two_label(r, p)?, r.word(2), r.pick(TLDS))
        }
        3 if !p.md5.is_empty() => format!("{}{}", r.pick(&p.md5), r.hex(2)),
        4 if !p.urls.is_empty() => format!("http://{}x", r.pick(&p.urls)),
        5 if !p.domains.is_empty() => format!("{}-{}", two_label(r, p)?, r.word(1)),
        _ => return None,
    })
}

/// A registered (two-label) domain indicator, whose near-misses cannot hit a parent indicator.
fn two_label<'a>(r: &mut Rng, p: &'a Pool) -> Option<&'a String> {
    (0..8)
        .map(|_| r.pick(&p.domains))
        .find(|d| d.matches('.').count() == 1)
}

fn event_line(r: &mut Rng, p: &Pool, kind: &Event, ts: f64, spec: &Spec) -> Line {
    let mut planted = Vec::new();
    let (mut special, mut host_uri) = (None, None);
    if r.chance(spec.hit_rate) {
        if let Some((placed, expected)) = plant(r, p, kind) {
            match placed {
                Placed::Field(field) => special = Some(field),
                Placed::HostUri(host, uri) => host_uri = Some((host, uri)),
            }
            planted = expected;
        }
    }
    let miss = if special.is_none() && host_uri.is_none() && r.chance(spec.near_miss_rate) {
        near_miss(r, p)
    } else {
        None
    };
    let orig = format!(
        "172.{}.{}.{}",
        16 + r.below(16),
        r.below(256),
        1 + r.below(254)
    );
    let resp = benign_v4(r);
    let ts = format!("{ts:.6}");
    let u = uid(r);
    let port = (1024 + r.below(60000)).to_string();
    let mut f: Vec<String> = match kind {
        Event::Conn => {
            let resp = special
                .clone()
                .unwrap_or(if r.chance(0.1) { benign_v6(r) } else { resp });
            vec![
                ts,
                u,
                orig,
                port,
                resp,
                "443".into(),
                "tcp".into(),
                "ssl".into(),
                format!("{:.6}", r.below(100_000) as f64 / 1000.0),
                r.below(5000).to_string(),
                r.below(90_000).to_string(),
                "SF".into(),
                "T".into(),
                "F".into(),
                "0".into(),
                "ShADadFf".into(),
                r.below(40).to_string(),
                r.below(9000).to_string(),
                r.below(60).to_string(),
                r.below(90_000).to_string(),
                "(empty)".into(),
            ]
        }
        Event::Dns => {
            let q = special
                .clone()
                .unwrap_or_else(|| miss.clone().unwrap_or_else(|| benign_host(r)));
            vec![
                ts,
                u,
                orig,
                port,
                "172.16.0.53".into(),
                "53".into(),
                "udp".into(),
                r.below(65536).to_string(),
                "0.012104".into(),
                q,
                "1".into(),
                "C_INTERNET".into(),
                "1".into(),
                "A".into(),
                "0".into(),
                "NOERROR".into(),
                "F".into(),
                "F".into(),
                "T".into(),
                "T".into(),
                "0".into(),
                format!("{},{}", benign_v4(r), benign_v4(r)),
                "300.000000,300.000000".into(),
                "F".into(),
            ]
        }
        Event::Http => {
            let (host, uri) = host_uri.unwrap_or_else(|| {
                let uri = format!("/{}/{}.html?id={}", r.word(2), r.word(3), r.below(100_000));
                (benign_host(r), uri)
            });
            let referrer = special.clone().unwrap_or_else(|| {
                miss.clone()
                    .unwrap_or_else(|| format!("https://{}/", benign_host(r)))
            });
            let ua = if r.chance(0.01) {
                "Mozilla/5.0 \u{0}\u{1}bad agent".to_string()
            } else {
                r.pick(AGENTS).to_string()
            };
            vec![
                ts,
                u,
                orig,
                port,
                resp,
                "80".into(),
                "1".into(),
                "GET".into(),
                host,
                uri,
                referrer,
                "1.1".into(),
                ua,
                "-".into(),
                "0".into(),
                r.below(500_000).to_string(),
                "200".into(),
                "OK".into(),
                "-".into(),
                "-".into(),
                "(empty)".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                "-".into(),
                format!("F{}", &uid(r)[1..]),
                "-".into(),
                "text/html".into(),
            ]
        }
        Event::Ssl => {
            let sni = special
                .clone()
                .unwrap_or_else(|| miss.clone().unwrap_or_else(|| benign_host(r)));
            vec![
                ts,
                u,
                orig,
                port,
                resp,
                "443".into(),
                "TLSv13".into(),
                "TLS_AES_128_GCM_SHA256".into(),
                "x25519".into(),
                sni,
                "F".into(),
                "-".into(),
                "h2".into(),
                "T".into(),
                "CsiI".into(),
                r.hex(64),
                "(empty)".into(),
                format!("CN={}", benign_host(r)),
                "CN=R3,O=Let's Encrypt,C=US".into(),
                r.hex(32),
                r.hex(32),
            ]
        }
        Event::Files => {
            let mut hashes = [r.hex(32), r.hex(40), r.hex(64)];
            if let Some(h) = &special {
                let slot = match h.len() {
                    32 => 0,
                    40 => 1,
                    _ => 2,
                };
                hashes[slot] = h.clone();
            } else if let Some(m) = &miss {
                hashes[0] = m.clone();
            }
            let [md5, sha1, sha256] = hashes;
            vec![
                ts,
                format!("F{}", &uid(r)[1..]),
                u,
                resp,
                "80".into(),
                orig,
                port,
                "HTTP".into(),
                "0".into(),
                "MD5,SHA1,SHA256".into(),
                "application/x-dosexec".into(),
                format!("{}.exe", r.word(2)),
                "0.001".into(),
                "F".into(),
                "F".into(),
                r.below(900_000).to_string(),
                "-".into(),
                "0".into(),
                "0".into(),
                "F".into(),
                "-".into(),
                md5,
                sha1,
                sha256,
                "-".into(),
                "-".into(),
                "-".into(),
            ]
        }
        Event::Smtp => {
            let from = special
                .clone()
                .unwrap_or_else(|| format!("{}@{}", r.word(2), benign_host(r)));
            vec![
                ts,
                u,
                orig,
                port,
                resp,
                "25".into(),
                "1".into(),
                benign_host(r),
                from.clone(),
                format!("{}@{}", r.word(2), benign_host(r)),
                "Mon, 23 Nov 2026 10:00:00 +0000".into(),
                format!("{}@{}", r.word(1), benign_host(r)),
                format!("{}@{}", r.word(2), benign_host(r)),
                "-".into(),
                "-".into(),
                format!("<{}@{}>", r.hex(16), benign_host(r)),
                "-".into(),
                format!("{} {}", r.word(2), r.word(3)),
                "-".into(),
                format!("from {} ([{}])", benign_host(r), benign_v4(r)),
                "-".into(),
                "250 2.0.0 Ok".into(),
                benign_v4(r),
                "-".into(),
                "T".into(),
                "(empty)".into(),
            ]
        }
    };
    if r.chance(0.002) {
        // A NUL and invalid UTF-8 in a free-text field.
        let last = f.len() - 1;
        f[last] = format!("\u{0}{INVALID_UTF8}");
    }
    Line { fields: f, planted }
}

/// Marks where the TSV output gets two bytes of invalid UTF-8.
const INVALID_UTF8: &str = "<invalid-utf8>";

fn json_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// Generates a corpus.
pub fn generate(spec: &Spec) -> Corpus {
    let mut r = Rng::new(spec.seed);
    let pool = Pool::draw(&mut r, spec.indicators);
    let mut out = Corpus::default();
    pool.write(&mut out);
    let kinds = [
        Event::Conn,
        Event::Dns,
        Event::Http,
        Event::Ssl,
        Event::Files,
        Event::Smtp,
    ];
    let mut ts = 1_763_884_800.0f64;
    let mut line_no = 0usize;
    let mut json_line = 0usize;
    let mut remaining = spec.lines;
    let mut block = 0;
    while remaining > 0 {
        let kind = &kinds[block % kinds.len()];
        let (path, fields) = HEADERS[block % kinds.len()];
        block += 1;
        let header = format!(
            "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n#fields\t{fields}\n"
        );
        out.tsv.extend_from_slice(header.as_bytes());
        line_no += 6;
        let names: Vec<&str> = fields.split('\t').collect();
        for _ in 0..remaining.min(1000) {
            ts += r.below(2000) as f64 / 1000.0;
            let line = event_line(&mut r, &pool, kind, ts, spec);
            let text = line.fields.join("\t");
            for (t, ind) in &line.planted {
                out.planted.push(Planted {
                    line: line_no,
                    text: t.clone(),
                    indicator: ind.clone(),
                });
                // A URL split over the host and URI fields spans, in a JSON line, from the
                // host's value to the end of the URI's, over the key between.
                out.planted_json.push(Planted {
                    line: json_line,
                    text: t.replace('\t', "\",\"uri\":\""),
                    indicator: ind.clone(),
                });
            }
            match text.find(INVALID_UTF8) {
                Some(i) => {
                    out.tsv.extend_from_slice(&text.as_bytes()[..i]);
                    out.tsv.extend_from_slice(b"\xff\xfe");
                    out.tsv
                        .extend_from_slice(&text.as_bytes()[i + INVALID_UTF8.len()..]);
                }
                None => out.tsv.extend_from_slice(text.as_bytes()),
            }
            out.tsv.push(b'\n');
            let mut j = String::from("{");
            for (i, (n, v)) in names.iter().zip(&line.fields).enumerate() {
                if i > 0 {
                    j.push(',');
                }
                j.push('"');
                j.push_str(n);
                j.push_str("\":\"");
                json_escape(v, &mut j);
                j.push('"');
            }
            j.push_str("}\n");
            out.json.extend_from_slice(j.as_bytes());
            line_no += 1;
            json_line += 1;
            remaining -= 1;
        }
    }
    out
}

/// How many queries of a batched lookup hit something, from its `(query, hit)` output, where
/// the hits of one query stand together (as `Matcher::ip_batch` gives them).
pub fn queries_with_hits(out: &[(usize, iocmatch::Hit)]) -> usize {
    out.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!out.is_empty())
}
