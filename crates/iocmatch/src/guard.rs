//! Guard rails: indicators so broad that they would match a large part of any log (`0.0.0.0/0`,
//! a bare top-level or public suffix as a domain with its subdomains, a two-letter literal) are
//! reported with their location, and by policy rejected, loaded with a warning, or allowed.

use std::fmt;
use std::str::FromStr;

use crate::indicator::{Kind, Mode};

/// What to do with an over-broad indicator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BroadPolicy {
    /// Reject it with an error (a strict load then fails).
    Reject,
    /// Load it, with a warning.
    #[default]
    Warn,
    /// Load it silently.
    Allow,
}

impl FromStr for BroadPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reject" => Ok(BroadPolicy::Reject),
            "warn" => Ok(BroadPolicy::Warn),
            "allow" => Ok(BroadPolicy::Allow),
            _ => Err(format!(
                "unknown policy {s:?}; expected reject, warn or allow"
            )),
        }
    }
}

impl fmt::Display for BroadPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BroadPolicy::Reject => "reject",
            BroadPolicy::Warn => "warn",
            BroadPolicy::Allow => "allow",
        })
    }
}

/// Where the line between specific and over-broad lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guards {
    /// What to do with an over-broad indicator.
    pub policy: BroadPolicy,
    /// Literals and whole-word strings shorter than this (in bytes) are over-broad.
    pub min_string_len: usize,
    /// IPv4 networks with a shorter prefix are over-broad.
    pub min_v4_prefix: u8,
    /// IPv6 networks with a shorter prefix are over-broad.
    pub min_v6_prefix: u8,
}

impl Default for Guards {
    fn default() -> Self {
        Guards {
            policy: BroadPolicy::Warn,
            min_string_len: 4,
            min_v4_prefix: 8,
            min_v6_prefix: 16,
        }
    }
}

impl Guards {
    /// Why a canonical indicator is over-broad, if it is.
    pub fn check(&self, kind: Kind, value: &str, mode: Mode) -> Option<String> {
        match kind {
            Kind::Cidr => {
                let (addr, prefix) = value.split_once('/')?;
                let prefix: u8 = prefix.parse().ok()?;
                let min = if addr.contains(':') {
                    self.min_v6_prefix
                } else {
                    self.min_v4_prefix
                };
                (prefix < min)
                    .then(|| format!("network {value} is over-broad (prefix shorter than /{min})"))
            }
            Kind::Domain if mode == Mode::Subdomains => {
                let suffix = psl::suffix(value.as_bytes())?;
                (suffix.as_bytes() == value.as_bytes()).then(|| {
                    format!("domain {value:?} is a public suffix; with its subdomains it matches whole registries (use match=exact for the name alone)")
                })
            }
            k if (k == Kind::Literal || k.is_word_string())
                && value.len() < self.min_string_len =>
            {
                Some(format!(
                    "{k} {value:?} is shorter than {} bytes",
                    self.min_string_len
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broad_indicators_are_named() {
        let g = Guards::default();
        assert!(g.check(Kind::Cidr, "0.0.0.0/0", Mode::Exact).is_some());
        assert!(g.check(Kind::Cidr, "::/0", Mode::Exact).is_some());
        assert!(g.check(Kind::Cidr, "10.0.0.0/8", Mode::Exact).is_none());
        assert!(g.check(Kind::Domain, "com", Mode::Subdomains).is_some());
        assert!(g.check(Kind::Domain, "co.uk", Mode::Subdomains).is_some());
        assert!(g.check(Kind::Domain, "com", Mode::Exact).is_none());
        assert!(g
            .check(Kind::Domain, "evil.co.uk", Mode::Subdomains)
            .is_none());
        assert!(g.check(Kind::Literal, "ab", Mode::Exact).is_some());
        assert!(g.check(Kind::Literal, "/cmd", Mode::Exact).is_none());
        assert!(g.check(Kind::Ipv4, "1.2.3.4", Mode::Exact).is_none());
    }
}
