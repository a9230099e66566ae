//! iocmatch matches threat-intelligence indicators (IoCs) against logs and events.
//!
//! Three types carry the data flow:
//!
//! - [`IndicatorSet`]: indicators loaded from feeds (plain lists, Zeek intel files, ...) or added
//!   one by one, normalised to canonical forms, deduplicated across sources, with located
//!   diagnostics for every record that could not be read;
//! - [`Matcher`]: the set compiled into one engine per family of kinds (an IP table with CIDR
//!   containment, domain and URL maps, digest maps, Aho-Corasick for strings, regex-automata for
//!   regexes); immutable, `Send + Sync`, cheap to clone;
//! - [`Match`] / [`Hit`]: small plain values naming an [`IndicatorId`], where and how it matched;
//!   metadata is looked up by id with [`Matcher::indicator`].
//!
//! ```
//! use iocmatch::{IndicatorSet, LoadOptions, How};
//!
//! let mut set = IndicatorSet::new();
//! set.load("feed.txt", b"evil.example\n198.51.100.0/24\n", &LoadOptions::default())?;
//! let matcher = set.compile()?;
//!
//! let line = b"GET http://cdn.evil.example/x from 198.51.100.7 (not notevil.example)";
//! let found = matcher.scan(line);
//! assert_eq!(found.len(), 2);
//! assert_eq!(&line[found[0].start..found[0].end], b"cdn.evil.example");
//! assert_eq!(found[0].how, How::Subdomain);
//! assert_eq!(found[1].how, How::Cidr { prefix_len: 24 });
//! assert_eq!(matcher.indicator(found[1].indicator).value, "198.51.100.0/24");
//! # Ok::<(), iocmatch::Error>(())
//! ```
//!
//! DESIGN.md beside this crate states the token rules of the free-text scan and why the engines
//! look as they do.

#![deny(missing_docs)]

pub mod allow;
pub mod engine;
mod error;
mod guard;
mod indicator;
mod kept;
mod matcher;
pub mod normalize;
mod prefetch;
mod refang;
pub mod reference;
pub mod scan;
mod set;
pub mod source;
mod time;

pub use engine::{Hit, How};
pub use error::{Diagnostic, Error, Severity};
pub use guard::{BroadPolicy, Guards};
pub use indicator::{
    Extra, Indicator, IndicatorId, Kind, Location, Metadata, Mode, Origin, Record,
};
pub use matcher::{CompileOptions, LineMatch, Match, Matcher};
pub use refang::refang;
pub use scan::LogState;
pub use set::{IndicatorSet, LoadOptions, LoadReport, SetStats};
pub use source::Format;
pub use time::{Clock, Timestamp};

/// The README's Rust examples, compiled as doctests so they cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_shareable<T: Send + Sync + std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}

    #[test]
    fn public_types_are_send_sync_unwind_safe() {
        assert_shareable::<Matcher>();
        assert_shareable::<IndicatorSet>();
        assert_shareable::<Match>();
        assert_shareable::<LineMatch>();
        assert_shareable::<Error>();
        assert_shareable::<Indicator>();
    }
}
