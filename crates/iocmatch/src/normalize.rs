//! Canonical forms of indicator values, and kind detection. Pure functions.
//!
//! The same functions canonicalise indicators when a set is loaded and observed values when a
//! matcher looks them up, so both sides of every comparison are in one form:
//!
//! - addresses: parsed; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address;
//! - networks: the network address and prefix; `/32` and `/128` are addresses; host bits set is a
//!   warning and the network is used;
//! - domains: lower case, one trailing dot dropped, IDN converted to punycode A-labels;
//! - URLs: see [`url`];
//! - e-mail: local part kept, domain as a domain;
//! - hashes: lower-case hex, the kind fixed by the length;
//! - strings: surrounding white space trimmed; `nocase` values lower-cased (ASCII).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnetwork::IpNetwork;

use crate::indicator::{Kind, Mode};

/// A canonical indicator value with its kind and mode, and a warning if the value was adjusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Normalized {
    /// The resolved kind.
    pub kind: Kind,
    /// The canonical value.
    pub value: String,
    /// The resolved match mode.
    pub mode: Mode,
    /// Set when the value was accepted but changed in meaning (e.g. host bits of a network).
    pub warning: Option<String>,
}

/// Canonicalises `value` as `kind` (or the detected kind) in `mode` (or the kind's default).
pub fn indicator(
    value: &str,
    kind: Option<Kind>,
    mode: Option<Mode>,
) -> Result<Normalized, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("empty value".into());
    }
    let kind = match kind {
        Some(k) => k,
        None => detect(value)?,
    };
    let mut warning = None;
    let (kind, canon) = match kind {
        Kind::Ipv4 | Kind::Ipv6 => {
            let addr = ip(value).ok_or_else(|| format!("{value:?} is not an IP address"))?;
            let actual = if addr.is_ipv4() {
                Kind::Ipv4
            } else {
                Kind::Ipv6
            };
            if kind == Kind::Ipv4 && actual == Kind::Ipv6 {
                return Err(format!("{value:?} is an IPv6 address, declared as ipv4"));
            }
            (actual, addr.to_string())
        }
        Kind::Cidr => {
            let (net, adjusted) = cidr(value)?;
            if adjusted {
                warning = Some(format!("{value:?} has host bits set; using {net}"));
            }
            match net {
                IpNetwork::V4(n) if n.prefix() == 32 => (Kind::Ipv4, n.ip().to_string()),
                IpNetwork::V6(n) if n.prefix() == 128 => (Kind::Ipv6, n.ip().to_string()),
                _ => (Kind::Cidr, net.to_string()),
            }
        }
        Kind::Domain => (Kind::Domain, domain(value)?),
        Kind::Url => (Kind::Url, url(value.as_bytes())?),
        Kind::Email => (Kind::Email, email(value)?),
        k if k.is_hex_digest() => {
            let (actual, hex) = hash(value)?;
            let ok = actual == k || (k == Kind::Ja3 && actual == Kind::Md5);
            if !ok {
                return Err(format!(
                    "{} hex digits make a {}, declared as {k}",
                    hex.len(),
                    actual
                ));
            }
            (k, hex)
        }
        Kind::Regex => {
            use crate::engine::regex;
            regex::validate(value, regex::DEFAULT_SIZE_LIMIT)?;
            if regex::required_literals(value).is_none() {
                warning = Some(format!(
                    "regex {value:?} holds no literal of {} or more bytes that every match \
                     contains, so it is run on every line (slower scans)",
                    regex::MIN_GATE_LEN
                ));
            }
            (Kind::Regex, value.to_string())
        }
        k => (k, value.to_string()),
    };
    let mode = match mode {
        None => kind.default_mode(),
        Some(m) if kind.modes().contains(&m) => m,
        Some(m) => {
            return Err(format!(
                "match mode {m} does not apply to {kind}; it takes {}",
                kind.modes()
                    .iter()
                    .map(|m| m.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))
        }
    };
    let canon = if mode == Mode::NoCase {
        canon.to_ascii_lowercase()
    } else {
        canon
    };
    Ok(Normalized {
        kind,
        value: canon,
        mode,
        warning,
    })
}

/// Detects the kind of a bare value, as plain lists and `check` need.
///
/// Order: network, address, hex digest (by length), URL (a scheme, or a host followed by `/`),
/// e-mail, file name (a short list of executable and document extensions), domain.
pub fn detect(value: &str) -> Result<Kind, String> {
    let v = value.trim();
    if let Some((addr, prefix)) = v.split_once('/') {
        // `addr/digits` is meant as a network even when invalid, so the error says why.
        if !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_digit())
            && addr.parse::<IpAddr>().is_ok()
        {
            return Ok(Kind::Cidr);
        }
    }
    if let Some(a) = ip(v) {
        return Ok(if a.is_ipv4() { Kind::Ipv4 } else { Kind::Ipv6 });
    }
    if v.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Some(k) = Kind::hash_for_len(v.len()) {
            return Ok(k);
        }
    }
    if has_scheme(v.as_bytes()).is_some() {
        return Ok(Kind::Url);
    }
    if let Some((local, dom)) = v.rsplit_once('@') {
        if !local.is_empty() && !local.contains('/') && domain(dom).is_ok() {
            return Ok(Kind::Email);
        }
    }
    if let Some((host, _)) = v.split_once('/') {
        let host = host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if !host.is_empty() && (domain(host).is_ok() || host.parse::<Ipv4Addr>().is_ok()) {
            return Ok(Kind::Url);
        }
    }
    if let Some((_, ext)) = v.rsplit_once('.') {
        if FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) {
            return Ok(Kind::Filename);
        }
    }
    if domain(v).is_ok() && v.trim_end_matches('.').contains('.') {
        return Ok(Kind::Domain);
    }
    Err(format!(
        "cannot tell the kind of {v:?}; declare it (e.g. kind=literal)"
    ))
}

/// Extensions that make a bare `name.ext` a file name rather than a domain when detecting kinds.
/// Extensions that are also top-level domains (`.zip`, `.mov`) are left out on purpose.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "scr", "sys", "bat", "cmd", "com.exe", "ps1", "psm1", "vbs", "vbe", "js", "jse",
    "wsf", "hta", "jar", "msi", "lnk", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx",
    "pdf", "rtf", "iso", "img", "rar", "7z", "gz", "tgz", "tmp", "dat", "bin", "elf", "so", "dmg",
    "apk", "sh", "py",
];

/// Parses an IP address, folding IPv4-mapped IPv6 into IPv4.
pub fn ip(s: &str) -> Option<IpAddr> {
    let addr: IpAddr = s.parse().ok()?;
    Some(fold_mapped(addr))
}

/// Folds `::ffff:a.b.c.d` into `a.b.c.d`; other addresses are returned unchanged.
pub fn fold_mapped(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Parses a network `addr/prefix`, returning the canonical network and whether host bits were
/// cleared. An IPv4-mapped IPv6 network of prefix 96 or more becomes the IPv4 network.
pub fn cidr(s: &str) -> Result<(IpNetwork, bool), String> {
    let (addr, prefix) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not a network (no /prefix)"))?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("{s:?} is not a network: bad address"))?;
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| format!("{s:?} is not a network: bad prefix length"))?;
    let (addr, prefix) = match addr {
        IpAddr::V6(v6) if prefix >= 96 && v6.to_ipv4_mapped().is_some() => (
            IpAddr::V4(v6.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED)),
            prefix - 96,
        ),
        a => (a, prefix),
    };
    let net = IpNetwork::new(addr, prefix).map_err(|e| format!("{s:?} is not a network: {e}"))?;
    let canon = IpNetwork::new(net.network(), prefix).map_err(|e| e.to_string())?;
    Ok((canon, canon.ip() != addr))
}

/// Canonicalises a domain name: see the module docs. Errors say what is wrong with it.
pub fn domain(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    domain_into(s.as_bytes(), &mut out)?;
    Ok(out)
}

/// [`domain`] over bytes into a reused buffer: the scan path uses this for every host token.
pub fn domain_into(s: &[u8], out: &mut String) -> Result<(), String> {
    out.clear();
    let s = s.strip_suffix(b".").unwrap_or(s);
    if s.is_empty() {
        return Err("empty domain".into());
    }
    if s.is_ascii() {
        for &b in s {
            out.push(b.to_ascii_lowercase() as char);
        }
    } else {
        let text = std::str::from_utf8(s).map_err(|_| "domain is not valid UTF-8".to_string())?;
        let ascii = idna::domain_to_ascii(text)
            .map_err(|_| format!("{text:?} is not a valid internationalised domain name"))?;
        out.push_str(&ascii);
    }
    check_domain(out)
}

fn check_domain(d: &str) -> Result<(), String> {
    if d.len() > 253 {
        return Err(format!("domain is {} bytes long; at most 253", d.len()));
    }
    let mut last = "";
    for label in d.split('.') {
        if label.is_empty() {
            return Err(format!("{d:?} has an empty label"));
        }
        if label.len() > 63 {
            return Err(format!("{d:?} has a label over 63 bytes"));
        }
        if let Some(c) = label
            .bytes()
            .find(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            return Err(format!(
                "{d:?} contains {:?}, not allowed in a domain",
                c as char
            ));
        }
        last = label;
    }
    if last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{d:?} ends in a numeric label; not a domain"));
    }
    Ok(())
}

/// Canonicalises an e-mail address: local part kept, domain canonical.
pub fn email(s: &str) -> Result<String, String> {
    let (local, dom) = s
        .rsplit_once('@')
        .ok_or_else(|| format!("{s:?} is not an e-mail address (no @)"))?;
    if local.is_empty() || local.len() > 64 || local.bytes().any(|b| b <= b' ' || b == b'@') {
        return Err(format!("{s:?} has an invalid local part"));
    }
    Ok(format!("{local}@{}", domain(dom)?))
}

/// Canonicalises a hex digest, returning the kind its length fixes.
pub fn hash(s: &str) -> Result<(Kind, String), String> {
    if let Some(c) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!("hash contains {c:?}, not a hex digit"));
    }
    let kind = Kind::hash_for_len(s.len()).ok_or_else(|| {
        format!(
            "{} hex digits is no known hash length (32, 40, 56, 64, 96, 128)",
            s.len()
        )
    })?;
    Ok((kind, s.to_ascii_lowercase()))
}

/// The length of a URL scheme and its `://` if `s` starts with one (`[A-Za-z][A-Za-z0-9+.-]*://`).
pub fn has_scheme(s: &[u8]) -> Option<usize> {
    let first = *s.first()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    let n = s
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        .count();
    s[n..].starts_with(b"://").then_some(n + 3)
}

/// Canonicalises a URL into the scheme-less key that indicators and observed URLs are compared by.
///
/// The form: `host[:port]/path[?query]`, where
/// - the scheme, user info and fragment are dropped (Zeek logs carry none of them, so a
///   URL indicator must match `host` + `uri` fields);
/// - the host is a canonical domain, an IPv4 address or a bracketed canonical IPv6 address;
/// - ports 80 and 443 are dropped whatever the scheme;
/// - an empty path is `/`; `.` and `..` segments are resolved;
/// - percent-escapes of unreserved characters (`A-Z a-z 0-9 - . _ ~`) are decoded, other escapes
///   upper-cased; bytes outside printable ASCII are percent-encoded.
pub fn url(s: &[u8]) -> Result<String, String> {
    let mut s = s.trim_ascii();
    if let Some(n) = has_scheme(s) {
        s = &s[n..];
    }
    if let Some(hash) = memchr::memchr(b'#', s) {
        s = &s[..hash];
    }
    let auth_end = s
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(s.len());
    let (mut auth, rest) = s.split_at(auth_end);
    if let Some(at) = memchr::memrchr(b'@', auth) {
        auth = &auth[at + 1..];
    }
    let mut out = String::with_capacity(s.len() + 1);
    let port_from = if auth.first() == Some(&b'[') {
        let close = memchr::memchr(b']', auth).ok_or("URL host has an unclosed '['")?;
        let inner = std::str::from_utf8(&auth[1..close]).map_err(|_| "bad IPv6 host")?;
        let a: Ipv6Addr = inner
            .parse()
            .map_err(|_| format!("URL host [{inner}] is not an IPv6 address"))?;
        match fold_mapped(IpAddr::V6(a)) {
            IpAddr::V4(v4) => out.push_str(&v4.to_string()),
            IpAddr::V6(v6) => {
                out.push('[');
                out.push_str(&v6.to_string());
                out.push(']');
            }
        }
        close + 1
    } else {
        let colon = memchr::memrchr(b':', auth).unwrap_or(auth.len());
        let host = &auth[..colon];
        if host.is_empty() {
            return Err("URL has no host".into());
        }
        match std::str::from_utf8(host)
            .ok()
            .and_then(|h| h.parse::<Ipv4Addr>().ok())
        {
            Some(v4) => out.push_str(&v4.to_string()),
            None => {
                let mut d = String::new();
                domain_into(host, &mut d).map_err(|e| format!("URL host: {e}"))?;
                out.push_str(&d);
            }
        }
        colon
    };
    let port = &auth[port_from..];
    if !port.is_empty() {
        let digits = port
            .strip_prefix(b":")
            .ok_or("URL has junk after its host")?;
        if !digits.is_empty() {
            let p: u16 = std::str::from_utf8(digits)
                .ok()
                .and_then(|d| d.parse().ok())
                .ok_or("URL has an invalid port")?;
            if p != 80 && p != 443 {
                out.push(':');
                out.push_str(&p.to_string());
            }
        }
    }
    let (path, query) = match memchr::memchr(b'?', rest) {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    let mut p = String::with_capacity(path.len() + 1);
    if !path.starts_with(b"/") {
        p.push('/');
    }
    push_escaped(path, &mut p);
    out.push_str(&remove_dot_segments(&p));
    if let Some(q) = query {
        out.push('?');
        push_escaped(q, &mut out);
    }
    Ok(out)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Appends `s` with percent-encoding normalised (see [`url`]).
fn push_escaped(s: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'%' && i + 2 < s.len() {
            if let (Some(h), Some(l)) = (hex_val(s[i + 1]), hex_val(s[i + 2])) {
                let v = h * 16 + l;
                if is_unreserved(v) {
                    out.push(v as char);
                } else {
                    out.push('%');
                    out.push(HEX[h as usize] as char);
                    out.push(HEX[l as usize] as char);
                }
                i += 3;
                continue;
            }
        }
        if b <= b' ' || b >= 0x7f {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        } else {
            out.push(b as char);
        }
        i += 1;
    }
}

/// RFC 3986 section 5.2.4 on an absolute path.
fn remove_dot_segments(path: &str) -> String {
    if !path.contains("/.") {
        return path.to_string();
    }
    let mut segs: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path[1..].split('/').collect();
    let last = parts.len() - 1;
    let mut trailing_slash = false;
    for (i, seg) in parts.iter().enumerate() {
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                segs.pop();
                trailing_slash = i == last;
            }
            s => {
                segs.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    for s in &segs {
        out.push('/');
        out.push_str(s);
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: &str) -> (Kind, String, Mode) {
        let x = indicator(v, None, None).unwrap_or_else(|e| panic!("{v}: {e}"));
        (x.kind, x.value, x.mode)
    }

    #[test]
    fn addresses_and_networks() {
        assert_eq!(n("::ffff:192.0.2.1").1, "192.0.2.1");
        assert_eq!(n("::ffff:192.0.2.1").0, Kind::Ipv4);
        assert_eq!(n("2001:DB8:0:0::1").1, "2001:db8::1");
        assert_eq!(n("192.0.2.0/24").0, Kind::Cidr);
        assert_eq!(
            n("192.0.2.7/32"),
            (Kind::Ipv4, "192.0.2.7".into(), Mode::Exact)
        );
        assert_eq!(n("::ffff:10.0.0.0/104").1, "10.0.0.0/8");
        let w = indicator("192.0.2.9/24", None, None).unwrap();
        assert_eq!(w.value, "192.0.2.0/24");
        assert!(w.warning.is_some());
        assert!(indicator("192.0.2.0/33", None, None).is_err());
        assert!(indicator("2001:db8::1", Some(Kind::Ipv4), None).is_err());
    }

    #[test]
    fn domains() {
        assert_eq!(
            n("Evil.EXAMPLE.com."),
            (Kind::Domain, "evil.example.com".into(), Mode::Subdomains)
        );
        assert_eq!(domain("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert!(domain("a..b").is_err());
        assert!(domain("a b.com").is_err());
        assert!(domain("1.2.3.999").is_err());
        assert!(domain(&"a".repeat(64)).is_err());
    }

    #[test]
    fn urls() {
        let c = |s: &str| url(s.as_bytes()).unwrap();
        assert_eq!(c("HTTP://Evil.Example:80"), "evil.example/");
        assert_eq!(
            c("https://evil.example:8443/a/./b/../c?x=%7e%2f#frag"),
            "evil.example:8443/a/c?x=~%2F"
        );
        assert_eq!(c("evil.example/a%2db"), "evil.example/a-b");
        assert_eq!(c("http://user:pw@evil.example/"), "evil.example/");
        assert_eq!(c("http://[::ffff:192.0.2.1]:443/x"), "192.0.2.1/x");
        assert_eq!(c("http://[2001:DB8::1]/x"), "[2001:db8::1]/x");
        assert_eq!(c("http://evil.example/a b/ü"), "evil.example/a%20b/%C3%BC");
        assert_eq!(c("http://evil.example/a/.."), "evil.example/");
        assert_eq!(c("http://evil.example/%"), "evil.example/%");
        assert!(url(b"http:///x").is_err());
        assert!(url(b"http://evil.example:99999/").is_err());
    }

    /// A host of digits and dots is a URL host only as a dotted quad: the scan's walk drops
    /// digit runs with fewer than three dots before looking for a URL start, relying on this.
    #[test]
    fn numeric_url_hosts_are_dotted_quads() {
        assert_eq!(url(b"http://1.2.3.4/x").unwrap(), "1.2.3.4/x");
        for bad in [
            "http://12.34/x",
            "12.34/x",
            "http://127.1/",
            "1.2:80/x",
            "http://9/x",
        ] {
            assert!(url(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashes_and_detection() {
        assert_eq!(n("D41D8CD98F00B204E9800998ECF8427E").0, Kind::Md5);
        assert_eq!(n(&"a".repeat(64)).0, Kind::Sha256);
        assert!(indicator(&"a".repeat(40), Some(Kind::Sha256), None).is_err());
        assert_eq!(n("Bob@Evil.Example").1, "Bob@evil.example");
        assert_eq!(n("evil.example/path").0, Kind::Url);
        assert_eq!(n("invoice.exe").0, Kind::Filename);
        assert!(detect("just words").is_err());
    }

    #[test]
    fn modes_are_checked_against_kinds() {
        assert!(indicator("evil.example", None, Some(Mode::Prefix)).is_err());
        let x = indicator("Invoice.EXE", Some(Kind::Filename), Some(Mode::NoCase)).unwrap();
        assert_eq!(x.value, "invoice.exe");
    }
}
