//! Byte-string indicators found anywhere in a text with Aho-Corasick: literals (plain substrings)
//! and whole-word strings (file names, user agents, user names), each case-sensitive or not.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::How;
use crate::indicator::IndicatorId;
use crate::scan::boundary;

/// One pattern's indicator and whether it must stand as a whole word.
#[derive(Clone, Copy, Debug)]
struct Pattern {
    id: IndicatorId,
    whole_word: bool,
}

/// One automaton and the indicators of its patterns.
#[derive(Debug)]
struct Automaton {
    ac: AhoCorasick,
    patterns: Vec<Pattern>,
}

/// Collects patterns, then builds the case-sensitive and case-insensitive automata.
#[derive(Debug, Default)]
pub struct StringsBuilder {
    exact: (Vec<Vec<u8>>, Vec<Pattern>),
    nocase: (Vec<Vec<u8>>, Vec<Pattern>),
}

impl StringsBuilder {
    /// Adds a pattern; `whole_word` requires a word boundary at both ends (see `scan::boundary`).
    pub fn add(&mut self, bytes: &[u8], id: IndicatorId, whole_word: bool, nocase: bool) {
        let side = if nocase {
            &mut self.nocase
        } else {
            &mut self.exact
        };
        side.0.push(bytes.to_vec());
        side.1.push(Pattern { id, whole_word });
    }

    /// Builds the automata.
    pub fn build(self) -> Result<StringEngine, String> {
        let make = |(pats, patterns): (Vec<Vec<u8>>, Vec<Pattern>),
                    nocase: bool|
         -> Result<Option<Automaton>, String> {
            if pats.is_empty() {
                return Ok(None);
            }
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .ascii_case_insensitive(nocase)
                .build(&pats)
                .map_err(|e| format!("cannot build the string automaton: {e}"))?;
            Ok(Some(Automaton { ac, patterns }))
        };
        Ok(StringEngine {
            exact: make(self.exact, false)?,
            nocase: make(self.nocase, true)?,
        })
    }
}

/// The built automata.
#[derive(Debug, Default)]
pub struct StringEngine {
    exact: Option<Automaton>,
    nocase: Option<Automaton>,
}

impl StringEngine {
    /// Calls `found(start, end, id, how)` for every occurrence of every pattern in `text`,
    /// overlapping ones included, that satisfies its boundary rule.
    pub fn scan(&self, text: &[u8], mut found: impl FnMut(usize, usize, IndicatorId, How)) {
        for a in [&self.exact, &self.nocase].into_iter().flatten() {
            for m in a.ac.find_overlapping_iter(text) {
                let p = a.patterns[m.pattern().as_usize()];
                if p.whole_word && !boundary::is_whole_word(text, m.start(), m.end()) {
                    continue;
                }
                let how = if p.whole_word {
                    How::Exact
                } else {
                    How::Substring
                };
                found(m.start(), m.end(), p.id, how);
            }
        }
    }

    /// Approximate bytes held by the automata.
    pub(crate) fn heap_bytes(&self) -> usize {
        [&self.exact, &self.nocase]
            .into_iter()
            .flatten()
            .map(|a| a.ac.memory_usage() + a.patterns.capacity() * std::mem::size_of::<Pattern>())
            .sum()
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.exact.is_none() && self.nocase.is_none()
    }
}
