//! The matching engines, one per family of kinds. Each is built once from the indicators of its
//! kinds and is immutable afterwards; `Matcher` holds one of each.

pub mod digest;
pub mod domain;
pub mod email;
pub(crate) mod hashing;
pub(crate) mod hex;
pub mod ip;
mod ip6;
pub mod regex;
pub(crate) mod slots;
pub mod strings;
pub mod url;
pub mod values;

use crate::indicator::IndicatorId;

/// How an indicator matched an observed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum How {
    /// The observed value equals the indicator (after canonicalisation).
    Exact,
    /// The observed host is a subdomain of the indicator.
    Subdomain,
    /// The observed address lies in the indicator's network of this prefix length.
    Cidr {
        /// The network's prefix length.
        prefix_len: u8,
    },
    /// The observed URL starts with the indicator at a path boundary.
    Prefix,
    /// The indicator occurs as a substring.
    Substring,
    /// The indicator's regex matched.
    Regex,
}

impl How {
    /// The stable name: `exact`, `subdomain`, `cidr`, `prefix`, `substring` or `regex`.
    pub fn name(self) -> &'static str {
        match self {
            How::Exact => "exact",
            How::Subdomain => "subdomain",
            How::Cidr { .. } => "cidr",
            How::Prefix => "prefix",
            How::Substring => "substring",
            How::Regex => "regex",
        }
    }
}

/// One indicator hit by a typed lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    /// The indicator.
    pub indicator: IndicatorId,
    /// How it matched.
    pub how: How,
}
