//! The indicator model: what an indicator is, where it came from, and what it carries.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::time::Timestamp;

/// The kind of an indicator: fixes its canonical form and how it matches.
///
/// Kind names (`Kind::name`) are shared by every interface: the CLI, the Rust API, and later the
/// C and Python bindings.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// An IPv4 address (IPv4-mapped IPv6 addresses are folded into this kind).
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// An IPv4 or IPv6 network; `/32` and `/128` are folded into the address kinds.
    Cidr,
    /// A DNS name; by default it also matches its subdomains.
    Domain,
    /// A URL, matched in its canonical scheme-less form (see `normalize::url`).
    Url,
    /// An e-mail address; the domain part is case-folded, the local part kept.
    Email,
    /// MD5 (32 hex digits).
    Md5,
    /// SHA-1 (40 hex digits).
    Sha1,
    /// SHA-224 (56 hex digits).
    Sha224,
    /// SHA-256 (64 hex digits).
    Sha256,
    /// SHA-384 (96 hex digits).
    Sha384,
    /// SHA-512 (128 hex digits).
    Sha512,
    /// A JA3/JA3S TLS fingerprint (an MD5 in hex).
    Ja3,
    /// A file name, matched whole.
    Filename,
    /// A software or user-agent string, matched whole (Zeek's `Intel::SOFTWARE`).
    UserAgent,
    /// A user name, matched whole.
    Username,
    /// A literal byte string, matched anywhere as a substring.
    Literal,
    /// A regular expression (regex-automata syntax).
    Regex,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 18] = [
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Cidr,
        Kind::Domain,
        Kind::Url,
        Kind::Email,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha224,
        Kind::Sha256,
        Kind::Sha384,
        Kind::Sha512,
        Kind::Ja3,
        Kind::Filename,
        Kind::UserAgent,
        Kind::Username,
        Kind::Literal,
        Kind::Regex,
    ];

    /// The stable name of the kind, as used in files, the CLI and the bindings.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Cidr => "cidr",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha224 => "sha224",
            Kind::Sha256 => "sha256",
            Kind::Sha384 => "sha384",
            Kind::Sha512 => "sha512",
            Kind::Ja3 => "ja3",
            Kind::Filename => "filename",
            Kind::UserAgent => "user-agent",
            Kind::Username => "username",
            Kind::Literal => "literal",
            Kind::Regex => "regex",
        }
    }

    /// The hash kind fixed by a hex digest's length, if any.
    pub fn hash_for_len(len: usize) -> Option<Kind> {
        match len {
            32 => Some(Kind::Md5),
            40 => Some(Kind::Sha1),
            56 => Some(Kind::Sha224),
            64 => Some(Kind::Sha256),
            96 => Some(Kind::Sha384),
            128 => Some(Kind::Sha512),
            _ => None,
        }
    }

    /// Whether values of this kind are hex digests (looked up as whole hex tokens).
    pub fn is_hex_digest(self) -> bool {
        matches!(
            self,
            Kind::Md5
                | Kind::Sha1
                | Kind::Sha224
                | Kind::Sha256
                | Kind::Sha384
                | Kind::Sha512
                | Kind::Ja3
        )
    }

    /// Whether values of this kind are matched as whole words by the string engine.
    pub fn is_word_string(self) -> bool {
        matches!(self, Kind::Filename | Kind::UserAgent | Kind::Username)
    }

    /// The matching modes this kind accepts; the first is its default.
    pub fn modes(self) -> &'static [Mode] {
        match self {
            Kind::Domain => &[Mode::Subdomains, Mode::Exact],
            Kind::Url => &[Mode::Exact, Mode::Prefix],
            Kind::Filename | Kind::UserAgent | Kind::Username | Kind::Literal => {
                &[Mode::Exact, Mode::NoCase]
            }
            _ => &[Mode::Exact],
        }
    }

    /// The default matching mode of this kind.
    pub fn default_mode(self) -> Mode {
        self.modes()[0]
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "subnet" | "network" => Some(Kind::Cidr),
            "hostname" | "host" | "fqdn" => Some(Kind::Domain),
            "email-addr" | "email-src" | "email-dst" => Some(Kind::Email),
            "sha-1" => Some(Kind::Sha1),
            "sha-256" => Some(Kind::Sha256),
            "sha-512" => Some(Kind::Sha512),
            "file-name" | "file_name" => Some(Kind::Filename),
            "useragent" | "user_agent" | "software" => Some(Kind::UserAgent),
            "user-name" | "user_name" => Some(Kind::Username),
            "substring" | "string" => Some(Kind::Literal),
            _ => Kind::ALL.iter().copied().find(|k| k.name() == lower),
        };
        alias.ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            format!("unknown kind {s:?}; expected one of {}", names.join(", "))
        })
    }
}

/// How an indicator matches an observed value of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// The observed value equals the indicator.
    Exact,
    /// Domains: the observed host equals the indicator or is one of its subdomains.
    Subdomains,
    /// URLs: the observed URL starts with the indicator at a path boundary.
    Prefix,
    /// Strings: equal, ignoring ASCII case.
    NoCase,
}

impl Mode {
    /// The stable name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Exact => "exact",
            Mode::Subdomains => "subdomains",
            Mode::Prefix => "prefix",
            Mode::NoCase => "nocase",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "exact" => Ok(Mode::Exact),
            "subdomains" | "subdomain" => Ok(Mode::Subdomains),
            "prefix" => Ok(Mode::Prefix),
            "nocase" | "case-insensitive" => Ok(Mode::NoCase),
            _ => Err(format!(
                "unknown match mode {s:?}; expected exact, subdomains, prefix or nocase"
            )),
        }
    }
}

/// The position of an indicator within a compiled set: dense, stable for the life of a `Matcher`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorId(pub u32);

impl IndicatorId {
    /// The id as an index into `Matcher::indicators`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for IndicatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where a record was read: a file (or other named input) and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The input's name, usually its path.
    pub file: Arc<str>,
    /// 1-based line number; 0 when the input has no lines (an API call).
    pub line: u32,
}

impl Location {
    /// A location for indicators added through the API rather than read from a file.
    pub fn api() -> Location {
        Location {
            file: Arc::from("<api>"),
            line: 0,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}", self.file, self.line)
        }
    }
}

/// Metadata one source attaches to an indicator.
///
/// The typed fields are those the feed formats and output formats need; everything else is kept
/// in `extra` under the source's own key names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// A human-readable description.
    pub description: Option<String>,
    /// A reference (usually a URL) for the indicator.
    pub reference: Option<String>,
    /// Confidence from 0 to 100.
    pub confidence: Option<u8>,
    /// Tags, e.g. `tlp:amber`.
    pub tags: Vec<String>,
    /// The indicator is valid from this time on.
    pub valid_from: Option<Timestamp>,
    /// The indicator is valid until this time.
    pub valid_until: Option<Timestamp>,
    /// MISP's `to_ids`: `Some(false)` marks a value shared for context, not for detection; it
    /// is loaded but matches only when `CompileOptions::include_non_ids` asks for it.
    pub to_ids: Option<bool>,
    /// Any other key/value pairs, as the source named them.
    pub extra: Extra,
}

impl Metadata {
    /// The empty metadata, shared by every origin that has none.
    pub fn none() -> Arc<Metadata> {
        static NONE: std::sync::LazyLock<Arc<Metadata>> =
            std::sync::LazyLock::new(|| Arc::new(Metadata::default()));
        NONE.clone()
    }
}

/// The key/value pairs a source gives beyond the typed fields, in key order, each key once.
///
/// Most records carry none to a handful, so they are kept in a vector sorted by key, grown one
/// pair at a time up to [`Extra::EXACT`] pairs: a `BTreeMap` allocates a node for eleven pairs
/// (544 bytes) with the first one, which at a million Zeek intel records was about half of a
/// loaded set's memory, and a vector's usual doubling gives two pairs room for four.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Extra(Vec<(String, String)>);

impl Extra {
    /// Up to this many pairs the vector grows by one pair at a time, with no spare room; past
    /// it (a rare record with many fields), by doubling, so that building it stays linear.
    const EXACT: usize = 8;

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        let i = self.find(key).ok()?;
        Some(&self.0[i].1)
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                if self.0.len() == self.0.capacity() && self.0.len() < Self::EXACT {
                    self.0.reserve_exact(1);
                }
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// Whether there is a value under `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Takes the value under `key` out.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.find(key).ok()?;
        Some(self.0.remove(i).1)
    }

    /// The pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.into_iter()
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl std::ops::Index<&str> for Extra {
    type Output = String;

    /// The value under `key`; panics if there is none, as indexing a map does.
    fn index(&self, key: &str) -> &String {
        self.get(key)
            .unwrap_or_else(|| panic!("no extra field {key:?}"))
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl FromIterator<(String, String)> for Extra {
    /// Later pairs replace earlier ones with the same key.
    fn from_iter<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Extra {
        let mut extra = Extra::default();
        for (k, v) in pairs {
            extra.insert(k, v);
        }
        extra
    }
}

/// One source's statement of an indicator: which feed, where in it, and with what metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The feed or source name (Zeek's `meta.source`, a MISP org, a file name).
    pub source: Arc<str>,
    /// Where the record was read.
    pub location: Location,
    /// What the source said about the indicator. Shared: origins without metadata all hold one
    /// empty value (a plain list's millions of records pay a pointer each, not the 150 bytes of
    /// the fields), and changing it through [`Origin::meta_mut`] copies it first.
    pub meta: Arc<Metadata>,
}

impl Origin {
    /// An origin with no metadata.
    pub fn new(source: Arc<str>, location: Location) -> Origin {
        Origin {
            source,
            location,
            meta: Metadata::none(),
        }
    }

    /// The metadata, to change: this origin's own copy.
    pub fn meta_mut(&mut self) -> &mut Metadata {
        Arc::make_mut(&mut self.meta)
    }
}

/// A normalised indicator: kind, canonical value, match mode and every source that named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Indicator {
    /// The kind.
    pub kind: Kind,
    /// The canonical value (see `normalize`).
    pub value: String,
    /// How it matches.
    pub mode: Mode,
    /// Every source that named this indicator, in load order; never empty.
    pub origins: Vec<Origin>,
}

impl Indicator {
    /// Whether the indicator is valid at `t`: some source gives no window, or a window with
    /// `valid_from <= t < valid_until` (either end may be open).
    pub fn valid_at(&self, t: Timestamp) -> bool {
        self.origins.iter().any(|o| {
            o.meta.valid_from.is_none_or(|f| f <= t) && o.meta.valid_until.is_none_or(|u| t < u)
        })
    }

    /// Whether any source gives this indicator a validity window.
    pub fn has_window(&self) -> bool {
        self.origins
            .iter()
            .any(|o| o.meta.valid_from.is_some() || o.meta.valid_until.is_some())
    }

    /// Whether any source marks this indicator for detection (MISP `to_ids` not false).
    pub fn for_detection(&self) -> bool {
        self.origins.iter().any(|o| o.meta.to_ids != Some(false))
    }

    /// The names of the sources that named this indicator, without repeats, in load order.
    pub fn sources(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::with_capacity(self.origins.len());
        for o in &self.origins {
            if !out.contains(&&*o.source) {
                out.push(&o.source);
            }
        }
        out
    }
}

/// A raw indicator record as a source parser produced it, before normalisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The value as written in the source.
    pub value: String,
    /// The declared kind; `None` asks for detection from the value.
    pub kind: Option<Kind>,
    /// The declared match mode; `None` takes the kind's default.
    pub mode: Option<Mode>,
    /// Source, location and metadata.
    pub origin: Origin,
}

impl Record {
    /// A record for `value` added through the API, kind detected, from `source`.
    pub fn new(value: impl Into<String>, source: &str) -> Record {
        Record {
            value: value.into(),
            kind: None,
            mode: None,
            origin: Origin::new(Arc::from(source), Location::api()),
        }
    }

    /// Sets the declared kind.
    pub fn kind(mut self, kind: Kind) -> Record {
        self.kind = Some(kind);
        self
    }

    /// Sets the declared match mode.
    pub fn mode(mut self, mode: Mode) -> Record {
        self.mode = Some(mode);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Origins without metadata share one empty value; changing one origin's metadata gives it
    /// its own copy and leaves the others, and the shared value, as they were.
    #[test]
    fn metadata_is_shared_until_changed() {
        let a = Record::new("evil.example", "feed");
        let mut b = Record::new("bad.example", "feed");
        assert!(Arc::ptr_eq(&a.origin.meta, &b.origin.meta));
        b.origin.meta_mut().description = Some("phishing".into());
        assert!(!Arc::ptr_eq(&a.origin.meta, &b.origin.meta));
        assert_eq!(b.origin.meta.description.as_deref(), Some("phishing"));
        assert_eq!(*a.origin.meta, Metadata::default());
        assert_eq!(*Metadata::none(), Metadata::default());
        // A copy of a record shares its metadata; changing the copy's leaves the first.
        let mut c = b.clone();
        c.origin.meta_mut().confidence = Some(80);
        assert_eq!(b.origin.meta.confidence, None);
        assert_eq!(c.origin.meta.description.as_deref(), Some("phishing"));
    }

    /// Pairs come out in key order whatever order they went in, a key set twice keeps its last
    /// value, and the vector holds no spare room for a handful of pairs.
    #[test]
    fn extra_is_a_small_ordered_map() {
        let mut extra = Extra::default();
        assert!(extra.is_empty());
        assert_eq!(extra.insert("zeek_type".into(), "Intel::ADDR".into()), None);
        assert_eq!(extra.0.capacity(), 1);
        for k in ["port", "uuid", "category", "zeek_type"] {
            extra.insert(k.into(), format!("{k}-value"));
        }
        assert_eq!(extra.0.capacity(), 4);
        let keys: Vec<&str> = extra.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["category", "port", "uuid", "zeek_type"]);
        assert_eq!(extra.len(), 4);
        assert_eq!(extra["zeek_type"], "zeek_type-value");
        assert_eq!(extra.get("port").map(String::as_str), Some("port-value"));
        assert_eq!(extra.get("absent"), None);
        assert!(extra.contains_key("uuid") && !extra.contains_key("absent"));
        assert_eq!(extra.remove("uuid").as_deref(), Some("uuid-value"));
        assert_eq!(extra.remove("uuid"), None);
        let keys: Vec<&str> = (&extra).into_iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["category", "port", "zeek_type"]);
        let collected: Extra = [("b", "1"), ("a", "2"), ("b", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let pairs: Vec<(&String, &String)> = collected.iter().collect();
        assert_eq!(pairs.len(), 2);
        assert_eq!((pairs[0].0.as_str(), pairs[0].1.as_str()), ("a", "2"));
        assert_eq!((pairs[1].0.as_str(), pairs[1].1.as_str()), ("b", "3"));
        // Past a handful, room doubles again.
        let many: Extra = (0..100)
            .map(|i| (format!("k{i:03}"), i.to_string()))
            .collect();
        assert_eq!(many.len(), 100);
        assert!(many.0.capacity() > many.len() && many.0.capacity() < 2 * many.len());
        assert_eq!(many["k042"], "42");
    }
}
