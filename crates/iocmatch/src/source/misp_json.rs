//! MISP JSON: an event (`{"Event": {...}}`), a list of events (as a JSON array or a REST
//! `{"response": [...]}`), an attribute list (`{"Attribute": [...]}`, `{"response":
//! {"Attribute": [...]}}` or a bare array of attributes), and a feed folder (`manifest.json` and
//! one `<uuid>.json` event per manifest entry, read by `IndicatorSet::load_path`).
//!
//! Attributes inside an event's `Object`s are read too. Each attribute type maps to kinds as
//! below; composite types (`domain|ip`, `filename|sha256`, `ip-dst|port`, ...) are split, giving
//! one record per matchable part. Types that cannot be matched (`text`, `vulnerability`, ...) are
//! counted per type in `Parsed::skipped`, not reported as errors. `to_ids` is kept; attributes
//! with `to_ids: false` load but match only on request.
//!
//! | MISP type | kind |
//! |---|---|
//! | `ip-src`, `ip-dst` (and `\|port`) | ipv4 / ipv6 / cidr |
//! | `domain`, `hostname` (and `\|port`), `onion-address` | domain |
//! | `domain\|ip` | domain and ipv4 / ipv6 |
//! | `url` | url |
//! | `email`, `email-src`, `email-dst`, `email-reply-to`, `target-email`, `whois-registrant-email`, `dns-soa-email` | email |
//! | `md5`, `sha1`, `sha224`, `sha256`, `sha384`, `sha512`, `x509-fingerprint-*`, `imphash`, `authentihash`, `pehash`, `cdhash`, `hassh-md5`, `hasshserver-md5` | digest kind by length |
//! | `ja3-fingerprint-md5` | ja3 |
//! | `filename`, `filename\|<digest>` | filename (and the digest) |
//! | `user-agent` | user-agent |
//! | `pattern-in-traffic`, `pattern-in-file`, `pattern-in-memory` | literal |

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{record, Parsed};
use crate::error::Diagnostic;
use crate::indicator::{Kind, Location, Record};
use crate::normalize;

/// Digest types whose kind the value's length settles.
const DIGESTS: &[&str] = &[
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "x509-fingerprint-md5",
    "x509-fingerprint-sha1",
    "x509-fingerprint-sha256",
    "imphash",
    "authentihash",
    "pehash",
    "cdhash",
    "hassh-md5",
    "hasshserver-md5",
];

const EMAILS: &[&str] = &[
    "email",
    "email-src",
    "email-dst",
    "email-reply-to",
    "target-email",
    "whois-registrant-email",
    "dns-soa-email",
];

/// How one part of a (possibly composite) attribute is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Address,
    Domain,
    Url,
    Email,
    Digest,
    Ja3,
    Filename,
    UserAgent,
    Literal,
    /// A port: kept as metadata of the other parts.
    Port,
    /// A part of a composite that cannot be matched (the `ssdeep` of `filename|ssdeep`): the
    /// other parts are read, this one is counted as skipped.
    Unmatched,
}

/// The single MISP types iocmatch reads (composites are `|`-joined sequences of these and
/// `port`), and how each is read.
const TYPES: &[(&str, Part)] = &[
    ("ip-src", Part::Address),
    ("ip-dst", Part::Address),
    ("domain", Part::Domain),
    ("hostname", Part::Domain),
    ("onion-address", Part::Domain),
    ("url", Part::Url),
    ("ja3-fingerprint-md5", Part::Ja3),
    ("filename", Part::Filename),
    ("user-agent", Part::UserAgent),
    ("pattern-in-traffic", Part::Literal),
    ("pattern-in-file", Part::Literal),
    ("pattern-in-memory", Part::Literal),
    ("port", Part::Port),
];

/// The MISP attribute types iocmatch reads, composites excluded.
pub fn supported_types() -> impl Iterator<Item = &'static str> {
    TYPES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| *t != "port")
        .chain(DIGESTS.iter().copied())
        .chain(EMAILS.iter().copied())
}

/// The iocmatch kinds that values of a MISP type (composites included) can have.
pub fn kinds_of_type(ty: &str) -> Vec<Kind> {
    let mut out = Vec::new();
    let digests: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| k.is_hex_digest() && *k != Kind::Ja3)
        .collect();
    for part in parts_of(ty).unwrap_or_default() {
        let kinds: &[Kind] = match part {
            Part::Address => &[Kind::Ipv4, Kind::Ipv6, Kind::Cidr],
            Part::Domain => &[Kind::Domain],
            Part::Url => &[Kind::Url],
            Part::Email => &[Kind::Email],
            Part::Digest => &digests,
            Part::Ja3 => &[Kind::Ja3],
            Part::Filename => &[Kind::Filename],
            Part::UserAgent => &[Kind::UserAgent],
            Part::Literal => &[Kind::Literal],
            Part::Port | Part::Unmatched => &[],
        };
        for k in kinds {
            if !out.contains(k) {
                out.push(*k);
            }
        }
    }
    out
}

/// Whether iocmatch reads attributes of this MISP type (composites included, if one of their
/// parts can be matched).
pub fn is_supported(ty: &str) -> bool {
    parts_of(ty).is_some()
}

/// The parts of a MISP type, or `None` when iocmatch cannot match it.
fn parts_of(ty: &str) -> Option<Vec<Part>> {
    let composite = ty.contains('|');
    let one = |t: &str| -> Part {
        if let Some((_, p)) = TYPES.iter().find(|(name, _)| *name == t) {
            *p
        } else if DIGESTS.contains(&t) {
            Part::Digest
        } else if EMAILS.contains(&t) {
            Part::Email
        } else if composite && t == "ip" {
            Part::Address
        } else {
            Part::Unmatched
        }
    };
    let parts: Vec<Part> = ty.split('|').map(one).collect();
    parts
        .iter()
        .any(|p| !matches!(p, Part::Port | Part::Unmatched))
        .then_some(parts)
}

/// The kind a part's value declares.
fn kind_of(part: Part, value: &str) -> Result<Option<Kind>, String> {
    Ok(Some(match part {
        Part::Address if value.contains('/') => Kind::Cidr,
        Part::Address if value.contains(':') => Kind::Ipv6,
        Part::Address => Kind::Ipv4,
        Part::Domain => Kind::Domain,
        Part::Url => Kind::Url,
        Part::Email => Kind::Email,
        Part::Digest => normalize::hash(value.trim())?.0,
        Part::Ja3 => Kind::Ja3,
        Part::Filename => Kind::Filename,
        Part::UserAgent => Kind::UserAgent,
        Part::Literal => Kind::Literal,
        Part::Port | Part::Unmatched => return Ok(None),
    }))
}

/// What a MISP attribute of one type gives: a (kind, value) per matchable part, the composite's
/// port if it has one, and whether a part could not be matched (the `ssdeep` of
/// `filename|ssdeep`).
pub(crate) struct Split {
    pub parts: Vec<(Kind, String)>,
    pub port: Option<String>,
    pub unmatched_part: bool,
}

/// Splits a MISP attribute by its type. `None` when the type cannot be matched at all.
pub(crate) fn split_attribute(ty: &str, value: &str) -> Option<Result<Split, String>> {
    let parts = parts_of(ty)?;
    let values: Vec<&str> = if parts.len() == 1 {
        vec![value]
    } else {
        value.splitn(parts.len(), '|').collect()
    };
    if values.len() != parts.len() {
        return Some(Err(format!(
            "{ty} value {value:?} does not have {} parts",
            parts.len()
        )));
    }
    let mut out = Split {
        parts: Vec::new(),
        port: None,
        unmatched_part: false,
    };
    for (part, v) in parts.iter().zip(&values) {
        match part {
            Part::Port => out.port = Some(v.to_string()),
            Part::Unmatched => out.unmatched_part = true,
            _ => match kind_of(*part, v) {
                Ok(Some(k)) => out.parts.push((k, v.to_string())),
                Ok(None) => {}
                Err(e) => return Some(Err(format!("{ty}: {e}"))),
            },
        }
    }
    Some(Ok(out))
}

/// What an event contributes to each of its attributes' metadata.
#[derive(Default, Clone)]
struct EventInfo {
    source: Option<Arc<str>>,
    extra: Vec<(String, String)>,
    tags: Vec<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn tags(obj: &Map<String, Value>) -> Vec<String> {
    obj.get("Tag")
        .and_then(Value::as_array)
        .map(|ts| ts.iter().filter_map(|t| text(t.get("name"))).collect())
        .unwrap_or_default()
}

fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => Some(n.as_u64() != Some(0)),
        Value::String(s) => Some(!matches!(s.as_str(), "0" | "false" | "")),
        _ => None,
    }
}

/// Parses MISP JSON.
pub fn parse(input: &[u8], file: &Arc<str>, source: &Arc<str>) -> Parsed {
    let mut out = Parsed::default();
    let doc = match super::read_json(input, file) {
        Ok(v) => v,
        Err(d) => {
            out.problems.push(d);
            return out;
        }
    };
    let mut reader = Reader {
        file,
        source,
        out: &mut out,
    };
    reader.document(&doc);
    out
}

struct Reader<'a> {
    file: &'a Arc<str>,
    source: &'a Arc<str>,
    out: &'a mut Parsed,
}

impl Reader<'_> {
    fn problem(&mut self, msg: String) {
        self.out.problems.push(Diagnostic::error(
            Location {
                file: self.file.clone(),
                line: 0,
            },
            msg,
        ));
    }

    fn document(&mut self, doc: &Value) {
        match doc {
            Value::Object(o) if o.contains_key("Event") => self.event(&o["Event"], "Event"),
            Value::Object(o) if o.contains_key("response") => self.document(&o["response"]),
            Value::Object(o) if o.contains_key("Attribute") => {
                self.attributes(&o["Attribute"], &EventInfo::default(), "Attribute")
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::Object(o) if o.contains_key("Event") => {
                            self.event(&o["Event"], &format!("[{i}].Event"))
                        }
                        Value::Object(o) if o.contains_key("type") => {
                            self.attribute(o, &EventInfo::default(), &format!("[{i}]"))
                        }
                        _ => self.problem(format!("[{i}]: neither an event nor an attribute")),
                    }
                }
            }
            _ => self.problem(
                "not a MISP event, event list or attribute list (no Event, Attribute or response key)"
                    .into(),
            ),
        }
    }

    fn event(&mut self, ev: &Value, path: &str) {
        let Some(ev) = ev.as_object() else {
            return self.problem(format!("{path}: not an object"));
        };
        let mut info = EventInfo {
            source: ev
                .get("Orgc")
                .and_then(|o| text(o.get("name")))
                .map(|s| Arc::from(s.as_str())),
            tags: tags(ev),
            ..EventInfo::default()
        };
        for (key, name) in [
            ("id", "event_id"),
            ("uuid", "event_uuid"),
            ("info", "event_info"),
        ] {
            if let Some(v) = text(ev.get(key)) {
                info.extra.push((name.to_string(), v));
            }
        }
        if let Some(attrs) = ev.get("Attribute") {
            self.attributes(attrs, &info, &format!("{path}.Attribute"));
        }
        if let Some(objects) = ev.get("Object").and_then(Value::as_array) {
            for (i, obj) in objects.iter().enumerate() {
                if let Some(attrs) = obj.get("Attribute") {
                    self.attributes(attrs, &info, &format!("{path}.Object[{i}].Attribute"));
                }
            }
        }
    }

    fn attributes(&mut self, attrs: &Value, info: &EventInfo, path: &str) {
        let Some(list) = attrs.as_array() else {
            return self.problem(format!("{path}: not a list"));
        };
        for (i, a) in list.iter().enumerate() {
            match a.as_object() {
                Some(o) => self.attribute(o, info, &format!("{path}[{i}]")),
                None => self.problem(format!("{path}[{i}]: not an object")),
            }
        }
    }

    fn attribute(&mut self, a: &Map<String, Value>, info: &EventInfo, path: &str) {
        self.out.lines_read += 1;
        let (Some(ty), Some(value)) = (text(a.get("type")), text(a.get("value"))) else {
            return self.problem(format!("{path}: attribute without a type and a value"));
        };
        let uuid = text(a.get("uuid"));
        let at = match &uuid {
            Some(u) => format!("{path} ({u})"),
            None => path.to_string(),
        };
        let split = match split_attribute(&ty, &value) {
            None => {
                *self.out.skipped.entry(ty).or_insert(0) += 1;
                return;
            }
            Some(Err(e)) => return self.problem(format!("{at}: {e}")),
            Some(Ok(split)) => split,
        };
        if split.unmatched_part {
            *self.out.skipped.entry(format!("{ty} (part)")).or_insert(0) += 1;
        }
        let location = Location {
            file: self.file.clone(),
            line: 0,
        };
        for (kind, v) in &split.parts {
            let mut rec: Record = record(
                v,
                location.clone(),
                info.source.as_ref().unwrap_or(self.source),
            );
            rec.kind = Some(*kind);
            let meta = rec.origin.meta_mut();
            meta.to_ids = flag(a.get("to_ids"));
            meta.description = text(a.get("comment"));
            meta.tags = info.tags.iter().cloned().chain(tags(a)).collect();
            let mut extra: crate::Extra = info.extra.iter().cloned().collect();
            extra.insert("misp_type".into(), ty.clone());
            extra.insert("json_path".into(), path.to_string());
            for (key, name) in [
                ("uuid", "uuid"),
                ("category", "category"),
                ("first_seen", "first_seen"),
                ("last_seen", "last_seen"),
                ("timestamp", "timestamp"),
            ] {
                if let Some(v) = text(a.get(key)) {
                    extra.insert(name.into(), v);
                }
            }
            if let Some(p) = &split.port {
                extra.insert("port".into(), p.clone());
            }
            meta.extra = extra;
            self.out.records.push(rec);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Parsed {
        parse(s.as_bytes(), &Arc::from("event.json"), &Arc::from("feed"))
    }

    #[test]
    fn composite_types_split_and_metadata_kept() {
        let p = parse_str(
            r#"{"Event": {"id": "7", "uuid": "e-1", "info": "Phishing wave", "Orgc": {"name": "CERT-X"},
                "Tag": [{"name": "tlp:amber"}],
                "Attribute": [
                  {"type": "domain|ip", "value": "evil.example|192.0.2.1", "to_ids": true, "uuid": "a-1", "category": "Network activity"},
                  {"type": "ip-dst|port", "value": "198.51.100.0/24|443", "to_ids": false},
                  {"type": "text", "value": "just words"},
                  {"type": "vulnerability", "value": "CVE-2024-0001"},
                  {"type": "filename|ssdeep", "value": "b.exe|3:abc:def"}
                ],
                "Object": [{"Attribute": [{"type": "filename|sha256", "value": "a.exe|E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", "Tag": [{"name": "malware"}]}]}]}}"#,
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let kinds: Vec<Option<Kind>> = p.records.iter().map(|r| r.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Some(Kind::Domain),
                Some(Kind::Ipv4),
                Some(Kind::Cidr),
                Some(Kind::Filename),
                Some(Kind::Filename),
                Some(Kind::Sha256)
            ]
        );
        let r = &p.records[0];
        assert_eq!(&*r.origin.source, "CERT-X");
        assert_eq!(r.origin.meta.tags, vec!["tlp:amber"]);
        assert_eq!(r.origin.meta.to_ids, Some(true));
        assert_eq!(r.origin.meta.extra["event_info"], "Phishing wave");
        assert_eq!(r.origin.meta.extra["uuid"], "a-1");
        assert_eq!(p.records[2].origin.meta.to_ids, Some(false));
        assert_eq!(p.records[2].origin.meta.extra["port"], "443");
        assert_eq!(p.records[5].origin.meta.tags, vec!["tlp:amber", "malware"]);
        assert_eq!(p.skipped.get("text"), Some(&1));
        assert_eq!(p.skipped.get("vulnerability"), Some(&1));
        assert_eq!(p.skipped.get("filename|ssdeep (part)"), Some(&1));
        assert_eq!(p.lines_read, 6);
    }

    #[test]
    fn attribute_lists_and_event_lists() {
        let p = parse_str(
            r#"{"response": {"Attribute": [{"type": "url", "value": "http://evil.example/x"}]}}"#,
        );
        assert_eq!(p.records[0].kind, Some(Kind::Url));
        let p = parse_str(
            r#"[{"Event": {"Attribute": [{"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"}]}}, {"type": "email-src", "value": "a@evil.example"}]"#,
        );
        assert_eq!(p.records.len(), 2);
        let p = parse_str(
            r#"{"response": [{"Event": {"Attribute": [{"type": "hostname", "value": "x.example"}]}}]}"#,
        );
        assert_eq!(p.records[0].kind, Some(Kind::Domain));
    }

    #[test]
    fn broken_input_gives_located_errors() {
        let p = parse_str("{\"Event\": {\n\"Attribute\": [\n{\"type\": \"md5\", \"value\": ");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].location.line, 3);
        assert!(p.problems[0].message.contains("invalid JSON"));
        let p = parse_str(
            r#"{"Event": {"Attribute": [{"type": "md5", "value": "xyz", "uuid": "u-9"}, {"type": "md5"}, 5, {"type": "domain|ip", "value": "evil.example"}]}}"#,
        );
        let msgs: Vec<&str> = p.problems.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs[0].contains("Event.Attribute[0] (u-9)") && msgs[0].contains("hex"));
        assert!(msgs[1].contains("without a type"));
        assert!(msgs[2].contains("not an object"));
        assert!(msgs[3].contains("2 parts"));
        let p = parse_str(r#"{"type": "bundle"}"#);
        assert!(p.problems[0].message.contains("not a MISP"));
    }
}
