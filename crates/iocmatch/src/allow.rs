//! Allowlists: MISP warninglists (and local lists in the plain-list format) of values that are
//! known to be benign. A match whose observed text is on an allowlist that applies to the
//! indicator's kind is suppressed and counted per list.
//!
//! Membership follows MISP (and pymispwarninglists' `slow_search`): `string` lists match the
//! value exactly; `substring` lists match when an entry occurs in the value; `hostname` lists match
//! the value (or the host of a `scheme://` URL) and its subdomains; `cidr` lists match addresses
//! inside a network (entries that are not networks, or have host bits set, match only as exact
//! strings); `regex` lists (`/pattern/flags`, one regex per entry) match when a regex does.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

use aho_corasick::AhoCorasick;
use ipnetwork::IpNetwork;
use regex_automata::meta::Regex;
use serde_json::Value;

use crate::indicator::Kind;
use crate::source::misp_json;

/// The kind of a warninglist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListType {
    /// Exact values.
    String,
    /// Values containing an entry.
    Substring,
    /// Host names and their subdomains (also the host of a URL).
    Hostname,
    /// Addresses inside networks.
    Cidr,
    /// Values a regex matches.
    Regex,
}

enum Members {
    String(HashSet<String>),
    Substring(Option<AhoCorasick>),
    Hostname {
        exact: HashSet<String>,
        parents: HashSet<String>,
    },
    Cidr {
        nets: Vec<(u8, HashSet<u128>, bool)>,
        raw: HashSet<String>,
    },
    Regex(Vec<Regex>),
}

/// One compiled list.
pub struct List {
    /// The list's name.
    pub name: String,
    /// Its type.
    pub kind: ListType,
    /// The indicator kinds it applies to (empty: all).
    pub applies_to: Vec<Kind>,
    members: Members,
    suppressed: AtomicU64,
}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "List({:?}, {:?})", self.name, self.kind)
    }
}

/// Python's `urlparse(value).hostname`: the host after `//`, lower-cased, if there is one.
fn url_hostname(value: &str) -> Option<String> {
    let rest = match value.find("//") {
        Some(0) => &value[2..],
        Some(i) => {
            let scheme = value[..i].strip_suffix(':')?;
            let ok = scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !ok {
                return None;
            }
            &value[i + 2..]
        }
        None => return None,
    };
    let netloc = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = netloc.rsplit('@').next().unwrap_or("");
    let host = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then(|| host.to_lowercase())
}

fn regex_entry(entry: &str) -> Result<Regex, String> {
    let (pattern, flags) = match entry.strip_prefix('/').and_then(|e| e.rsplit_once('/')) {
        Some((p, f)) if f.chars().all(|c| "gimsuy".contains(c)) => (p, f),
        _ => (entry, ""),
    };
    let pattern = if flags.contains('i') {
        format!("(?i){pattern}")
    } else {
        pattern.to_string()
    };
    Regex::new(&pattern).map_err(|e| format!("regex {entry:?}: {e}"))
}

impl List {
    /// Builds a list from its type and entries.
    pub fn new(
        name: &str,
        kind: ListType,
        entries: &[String],
        applies_to: Vec<Kind>,
    ) -> Result<List, String> {
        let members = match kind {
            ListType::String => Members::String(entries.iter().cloned().collect()),
            ListType::Substring => Members::Substring(if entries.is_empty() {
                None
            } else {
                Some(AhoCorasick::new(entries).map_err(|e| e.to_string())?)
            }),
            ListType::Hostname => Members::Hostname {
                exact: entries.iter().cloned().collect(),
                parents: entries
                    .iter()
                    .map(|e| e.trim_start_matches('.').to_string())
                    .collect(),
            },
            ListType::Cidr => {
                let mut by_prefix: Vec<(u8, HashSet<u128>, bool)> = Vec::new();
                for e in entries {
                    // Like Python's ip_network: host bits set makes an entry invalid.
                    let Ok(net) = e.parse::<IpNetwork>() else {
                        continue;
                    };
                    if net.network() != net.ip() {
                        continue;
                    }
                    let (key, v4) = match net.network() {
                        IpAddr::V4(a) => (u32::from(a) as u128, true),
                        IpAddr::V6(a) => (u128::from(a), false),
                    };
                    match by_prefix
                        .iter_mut()
                        .find(|(p, _, f)| *p == net.prefix() && *f == v4)
                    {
                        Some((_, set, _)) => {
                            set.insert(key);
                        }
                        None => by_prefix.push((net.prefix(), HashSet::from([key]), v4)),
                    }
                }
                Members::Cidr {
                    nets: by_prefix,
                    raw: entries.iter().cloned().collect(),
                }
            }
            ListType::Regex => Members::Regex(
                entries
                    .iter()
                    .map(|e| regex_entry(e))
                    .collect::<Result<_, _>>()?,
            ),
        };
        Ok(List {
            name: name.to_string(),
            kind,
            applies_to,
            members,
            suppressed: AtomicU64::new(0),
        })
    }

    /// Whether `value` is on the list.
    pub fn contains(&self, value: &str) -> bool {
        match &self.members {
            Members::String(set) => set.contains(value),
            Members::Substring(ac) => ac.as_ref().is_some_and(|ac| ac.is_match(value)),
            Members::Hostname { exact, parents } => {
                let host = url_hostname(value).unwrap_or_else(|| value.to_string());
                exact.contains(&host)
                    || host
                        .char_indices()
                        .any(|(i, c)| c == '.' && parents.contains(&host[i + 1..]))
            }
            Members::Cidr { nets, raw } => {
                let addr: Option<(u128, bool)> = if let Ok(a) = value.parse::<std::net::Ipv4Addr>()
                {
                    Some((u32::from(a) as u128, true))
                } else {
                    value
                        .parse::<std::net::Ipv6Addr>()
                        .ok()
                        .map(|a| (u128::from(a), false))
                };
                match addr {
                    Some((a, v4)) => nets.iter().any(|(p, set, is_v4)| {
                        if *is_v4 != v4 {
                            return false;
                        }
                        let bits = if v4 { 32 } else { 128 };
                        let shift = bits - *p as u32;
                        let masked = if shift >= 128 {
                            0
                        } else {
                            (a >> shift) << shift
                        };
                        set.contains(&masked)
                    }),
                    None => raw.contains(value),
                }
            }
            Members::Regex(res) => res.iter().any(|r| r.is_match(value)),
        }
    }

    /// Whether the list applies to indicators of `kind`.
    pub fn applies(&self, kind: Kind) -> bool {
        self.applies_to.is_empty() || self.applies_to.contains(&kind)
    }

    /// Counts one suppressed hit against this list.
    pub fn count_suppressed(&self) {
        self.suppressed.fetch_add(1, Ordering::Relaxed);
    }

    /// Hits this list has suppressed so far.
    pub fn suppressed(&self) -> u64 {
        self.suppressed.load(Ordering::Relaxed)
    }
}

/// Reads a MISP warninglist (`list.json`).
pub fn read_warninglist(json: &[u8]) -> Result<List, String> {
    let doc: Value = serde_json::from_slice(json)
        .map_err(|e| format!("line {}: invalid JSON: {e}", e.line()))?;
    let name = doc
        .get("name")
        .and_then(Value::as_str)
        .ok_or("warninglist without a name")?;
    let kind = match doc.get("type").and_then(Value::as_str) {
        Some("string") => ListType::String,
        Some("substring") => ListType::Substring,
        Some("hostname") => ListType::Hostname,
        Some("cidr") => ListType::Cidr,
        Some("regex") => ListType::Regex,
        t => return Err(format!("{name}: unknown warninglist type {t:?}")),
    };
    let entries: Vec<String> = doc
        .get("list")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{name}: no list"))?
        .iter()
        .filter_map(|v| v.as_str().map(String::from))
        .collect();
    let mut applies_to: Vec<Kind> = Vec::new();
    if let Some(attrs) = doc.get("matching_attributes").and_then(Value::as_array) {
        for ty in attrs.iter().filter_map(Value::as_str) {
            // Each MISP type's kinds, taken from a sample split of the type.
            for k in misp_json::kinds_of_type(ty) {
                if !applies_to.contains(&k) {
                    applies_to.push(k);
                }
            }
        }
        if applies_to.is_empty() && !attrs.is_empty() {
            // Only types iocmatch does not match: the list applies to nothing here.
            applies_to.push(Kind::Regex);
        }
    }
    List::new(name, kind, &entries, applies_to)
}

/// Reads a local allowlist in the plain-list format (one value a line, `#` comments; metadata
/// columns ignored): addresses and networks become a `cidr` list, domains a `hostname` list
/// (the name and its subdomains), anything else a `string` list. Lines that are not UTF-8 are
/// errors with their line number.
pub fn read_plain_allowlist(name: &str, input: &[u8]) -> Result<Vec<List>, String> {
    let (mut nets, mut hosts, mut strings) = (Vec::new(), Vec::new(), Vec::new());
    for (i, line) in input.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(line)
            .map_err(|_| format!("{name}:{}: line is not valid UTF-8", i + 1))?;
        let value = line.split('\t').next().unwrap_or("").trim();
        if value.is_empty() || value.starts_with('#') {
            continue;
        }
        match crate::normalize::detect(value) {
            Ok(Kind::Ipv4 | Kind::Ipv6 | Kind::Cidr) => nets.push(value.to_string()),
            Ok(Kind::Domain) => hosts.push(value.to_ascii_lowercase()),
            _ => strings.push(value.to_string()),
        }
    }
    let mut out = Vec::new();
    for (kind, entries) in [
        (ListType::Cidr, nets),
        (ListType::Hostname, hosts),
        (ListType::String, strings),
    ] {
        if !entries.is_empty() {
            out.push(List::new(name, kind, &entries, vec![])?);
        }
    }
    Ok(out)
}

/// Allowlists applied to matches.
#[derive(Debug, Default)]
pub struct Allowlist {
    lists: Vec<List>,
}

impl Allowlist {
    /// An empty allowlist.
    pub fn new() -> Allowlist {
        Allowlist::default()
    }

    /// Adds a list.
    pub fn push(&mut self, list: List) {
        self.lists.push(list);
    }

    /// The lists.
    pub fn lists(&self) -> &[List] {
        &self.lists
    }

    /// The first list that holds `observed` and applies to `kind` (values are also tried in
    /// lower case). Counts nothing.
    pub fn holder(&self, kind: Kind, observed: &str) -> Option<&List> {
        let lower = observed.to_lowercase();
        self.lists
            .iter()
            .find(|l| l.applies(kind) && (l.contains(observed) || l.contains(&lower)))
    }

    /// Whether a hit of `kind` on `observed` is suppressed; counts it against the list that
    /// holds it.
    pub fn suppresses(&self, kind: Kind, observed: &str) -> bool {
        match self.holder(kind, observed) {
            Some(l) => {
                l.count_suppressed();
                true
            }
            None => false,
        }
    }

    /// Whether there are no lists.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(kind: ListType, entries: &[&str]) -> List {
        let e: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        List::new("t", kind, &e, vec![]).unwrap()
    }

    #[test]
    fn membership_by_type() {
        let h = list(ListType::Hostname, &["example.com", ".example.org"]);
        assert!(
            h.contains("example.com")
                && h.contains("a.b.example.com")
                && h.contains("https://x.example.org/p")
        );
        assert!(!h.contains("notexample.com") && !h.contains("example.com.evil.test"));
        let c = list(
            ListType::Cidr,
            &["192.0.2.0/24", "2001:db8::/32", "10.0.0.1/8", "not-a-net"],
        );
        assert!(c.contains("192.0.2.9") && c.contains("2001:db8::1") && c.contains("not-a-net"));
        assert!(!c.contains("192.0.3.1") && !c.contains("10.1.1.1"));
        let s = list(ListType::Substring, &[".gov"]);
        assert!(s.contains("x.gov.uk") && !s.contains("gov"));
        let r = list(ListType::Regex, &["/^(security|abuse)\\@.*$/i"]);
        assert!(r.contains("Abuse@x.example") && !r.contains("bob@x.example"));
        assert_eq!(
            url_hostname("http://user@Host.Example:80/x"),
            Some("host.example".into())
        );
        assert_eq!(url_hostname("host.example/x"), None);
    }
}
