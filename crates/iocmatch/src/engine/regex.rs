//! Regex indicators with regex-automata: one multi-pattern regex says which indicators match a
//! text at all, then each of those indicators' own regex finds its spans.
//!
//! regex-automata never backtracks, so no pattern can take exponential time; compiled sizes are
//! bounded by a limit so a hostile pattern fails to load with an error instead of eating memory.

use regex_automata::meta::{self, Regex};
use regex_automata::{Input, MatchKind, PatternSet};

use super::How;
use crate::indicator::IndicatorId;

/// Default limit on the compiled size of one regex (and of the combined set, times the count).
pub const DEFAULT_SIZE_LIMIT: usize = 1 << 20;

fn config(size_limit: usize) -> meta::Config {
    meta::Config::new()
        .nfa_size_limit(Some(size_limit))
        .hybrid_cache_capacity(2 * size_limit.max(1 << 16))
        .dfa_size_limit(Some(size_limit))
}

fn build_one(pattern: &str, size_limit: usize) -> Result<Regex, String> {
    Regex::builder()
        .configure(config(size_limit))
        .build(pattern)
        .map_err(|e| match e.size_limit() {
            Some(limit) => format!("regex exceeds the size limit of {limit} bytes"),
            None => format!("invalid regex: {}", e.to_string().replace('\n', " ")),
        })
}

/// Checks that `pattern` compiles under `size_limit` and cannot match the empty string (which
/// would hit every line).
pub fn validate(pattern: &str, size_limit: usize) -> Result<(), String> {
    build_one(pattern, size_limit)?;
    let hir = regex_automata::util::syntax::parse(pattern).map_err(|e| e.to_string())?;
    if hir.properties().minimum_len() == Some(0) {
        return Err("regex matches the empty string, so it would hit everything".into());
    }
    Ok(())
}

/// The compiled regex indicators.
#[derive(Debug, Default)]
pub struct RegexEngine {
    set: Option<Regex>,
    each: Vec<(Regex, IndicatorId)>,
}

impl RegexEngine {
    /// Approximate bytes held by the compiled regexes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.set
            .iter()
            .chain(self.each.iter().map(|(r, _)| r))
            .map(Regex::memory_usage)
            .sum()
    }

    /// Compiles the patterns; any pattern over `size_limit` fails the build with its indicator.
    pub fn build(patterns: &[(String, IndicatorId)], size_limit: usize) -> Result<Self, String> {
        if patterns.is_empty() {
            return Ok(RegexEngine::default());
        }
        let mut each = Vec::with_capacity(patterns.len());
        for (p, id) in patterns {
            each.push((
                build_one(p, size_limit).map_err(|e| format!("{p:?}: {e}"))?,
                *id,
            ));
        }
        let all: Vec<&str> = patterns.iter().map(|(p, _)| p.as_str()).collect();
        let set_limit = size_limit.saturating_mul(patterns.len());
        let set = Regex::builder()
            .configure(config(set_limit).match_kind(MatchKind::All))
            .build_many(&all)
            .map_err(|e| format!("cannot combine the regex indicators: {e}"))?;
        Ok(RegexEngine {
            set: Some(set),
            each,
        })
    }

    /// Calls `found` for every match of every regex indicator in `text`.
    pub fn scan(&self, text: &[u8], mut found: impl FnMut(usize, usize, IndicatorId, How)) {
        let Some(set) = &self.set else { return };
        let mut which = PatternSet::new(set.pattern_len());
        set.which_overlapping_matches(&Input::new(text), &mut which);
        for pid in which.iter() {
            let (re, id) = &self.each[pid.as_usize()];
            for m in re.find_iter(text) {
                if m.start() < m.end() {
                    found(m.start(), m.end(), *id, How::Regex);
                }
            }
        }
    }

    /// Whether there are no regex indicators.
    pub fn is_empty(&self) -> bool {
        self.each.is_empty()
    }
}
