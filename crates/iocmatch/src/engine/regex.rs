//! Regex indicators with regex-automata, gated by literals their matches must contain.
//!
//! Most regex indicators name something literal (`evil[0-9]+\.example`, `(?i)powershell\s+-enc`):
//! every match holds one of a few byte strings. Those strings are found for all regexes at once
//! with one Aho-Corasick pass over the text, and a regex runs only on the lines that hold one
//! of its own; logs are mostly lines that hold none. A regex with no such string of at least
//! [`MIN_GATE_LEN`] bytes (`[0-9]{3}-[a-z]{2}`) goes into one multi-pattern regex run on every
//! line, which says which of them match, and only those search for their spans.
//!
//! regex-automata never backtracks, so no pattern can take exponential time; compiled sizes are
//! bounded by a limit so a hostile pattern fails to load with an error instead of eating memory.

use aho_corasick::AhoCorasick;
use regex_automata::meta::{self, Regex};
use regex_automata::{Input, MatchKind, PatternSet};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};
use regex_syntax::hir::{Hir, HirKind};

use super::How;
use crate::indicator::IndicatorId;

/// Default limit on the compiled size of one regex (and of the combined set, times the count).
pub const DEFAULT_SIZE_LIMIT: usize = 1 << 20;

/// The shortest literal that gates a regex: shorter ones occur on most lines of a log.
pub const MIN_GATE_LEN: usize = 3;

/// The most literals one regex's gate may have, in lower case.
const MAX_GATE_LITERALS: usize = 256;

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

/// Byte strings one of which every match of a regex contains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateLiterals {
    /// The strings, sorted, without repeats; in lower case if `nocase`.
    pub bytes: Vec<Vec<u8>>,
    /// Whether they are to be found ignoring ASCII case: the spellings of a case-insensitive
    /// pattern (`(?i)cmd\.exe` has 64) are then one literal.
    pub nocase: bool,
}

/// The literals that gate `pattern`, each at least [`MIN_GATE_LEN`] bytes long; `None` if the
/// pattern has no such set (or does not parse).
///
/// Candidates are the prefixes and the suffixes of the whole pattern's matches and, for a
/// pattern that is a sequence of parts, the prefixes of each part's matches (a match of the
/// whole holds a match of every part): `\d+\.evil\.[a-z]+` starts with a digit and ends with
/// a letter, but holds `.evil.`. The candidate kept is the one [`gate_quality`] ranks first.
pub fn required_literals(pattern: &str) -> Option<GateLiterals> {
    let hir = regex_automata::util::syntax::parse(pattern).ok()?;
    let mut seqs = vec![
        Extractor::new().extract(&hir),
        Extractor::new().kind(ExtractKind::Suffix).extract(&hir),
    ];
    if let HirKind::Concat(parts) = unwrap_groups(&hir).kind() {
        seqs.extend(parts.iter().map(|p| Extractor::new().extract(p)));
    }
    seqs.iter()
        .filter_map(gate_literals)
        .filter_map(|lits| gate_quality(&lits.bytes).map(|q| (q, lits)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, lits)| lits)
}

/// The literals of `seq`, folded to lower case where that makes fewer of them (the sequence
/// spells a case-insensitive part); `None` if the sequence is infinite (any string may match).
fn gate_literals(seq: &Seq) -> Option<GateLiterals> {
    let sorted = |mut v: Vec<Vec<u8>>| {
        v.sort_unstable();
        v.dedup();
        v
    };
    let literals = seq.literals()?;
    let exact = sorted(literals.iter().map(|l| l.as_bytes().to_vec()).collect());
    let folded = sorted(exact.iter().map(|l| l.to_ascii_lowercase()).collect());
    Some(if folded.len() < exact.len() {
        GateLiterals {
            bytes: folded,
            nocase: true,
        }
    } else {
        GateLiterals {
            bytes: exact,
            nocase: false,
        }
    })
}

/// The pattern under any capturing groups around it as a whole.
fn unwrap_groups(hir: &Hir) -> &Hir {
    match hir.kind() {
        HirKind::Capture(group) => unwrap_groups(&group.sub),
        _ => hir,
    }
}

/// How well `literals` gate, best first: whether the shortest has four bytes or more (rare
/// enough in logs), whether there are eight or fewer (searched for together with SIMD
/// fingerprints; more are searched for byte by byte), then longer literals, then fewer; `None`
/// if they cannot gate (none, one too short, too many).
fn gate_quality(literals: &[Vec<u8>]) -> Option<(bool, bool, usize, std::cmp::Reverse<usize>)> {
    let shortest = literals.iter().map(Vec::len).min()?;
    let count = literals.len();
    let usable = shortest >= MIN_GATE_LEN && count <= MAX_GATE_LITERALS;
    usable.then_some((
        shortest >= 4,
        count <= 8,
        shortest,
        std::cmp::Reverse(count),
    ))
}

/// The literals of the gated regexes, found all at once.
#[derive(Debug)]
struct Gate {
    /// Find whether a line holds any literal, of case-sensitive and of case-insensitive gates
    /// (the latter in lower case, searched for in a lower-cased copy of the text): a leftmost
    /// case-sensitive search, which Aho-Corasick runs with SIMD prefilters, where its standard
    /// search (needed for `all`) and its case-insensitive one read the text byte by byte.
    exact: Option<AhoCorasick>,
    nocase: Option<AhoCorasick>,
    /// Finds every literal of a line, overlapping ones included, ignoring ASCII case (which
    /// at worst runs a case-sensitive gate's regex on a line it does not match).
    all: AhoCorasick,
    /// For each pattern of `all`, the regexes (indices into `each`) it gates.
    regexes: Vec<Vec<u32>>,
}

/// The regexes with no gate, run as one set on every line to learn which match.
#[derive(Debug)]
struct Ungated {
    set: Regex,
    /// For each pattern of `set`, its regex (an index into `each`).
    regexes: Vec<u32>,
}

/// The compiled regex indicators.
#[derive(Debug, Default)]
pub struct RegexEngine {
    each: Vec<(Regex, IndicatorId)>,
    gate: Option<Gate>,
    ungated: Option<Ungated>,
}

impl RegexEngine {
    /// Approximate bytes held by the compiled regexes and the gate's automaton.
    pub(crate) fn heap_bytes(&self) -> usize {
        let regexes: usize = self.each.iter().map(|(r, _)| r.memory_usage()).sum();
        let set = self.ungated.as_ref().map_or(0, |u| u.set.memory_usage());
        let gate = self.gate.as_ref().map_or(0, |g| {
            let finders = [&g.exact, &g.nocase].into_iter().flatten();
            g.all.memory_usage() + finders.map(|f| f.memory_usage()).sum::<usize>()
        });
        regexes + set + gate
    }

    /// Compiles the patterns; any pattern over `size_limit` fails the build with its indicator.
    pub fn build(patterns: &[(String, IndicatorId)], size_limit: usize) -> Result<Self, String> {
        let mut each = Vec::with_capacity(patterns.len());
        let mut literals = Vec::new();
        let (mut ungated, mut ungated_patterns) = (Vec::new(), Vec::new());
        for (r, (p, id)) in patterns.iter().enumerate() {
            each.push((
                build_one(p, size_limit).map_err(|e| format!("{p:?}: {e}"))?,
                *id,
            ));
            match required_literals(p) {
                Some(lits) => {
                    let nocase = lits.nocase;
                    literals.extend(lits.bytes.into_iter().map(|lit| (lit, nocase, r as u32)));
                }
                None => {
                    ungated.push(r as u32);
                    ungated_patterns.push(p.as_str());
                }
            }
        }
        let gate = if literals.is_empty() {
            None
        } else {
            Some(Gate::build(literals)?)
        };
        let ungated = if ungated.is_empty() {
            None
        } else {
            let set_limit = size_limit.saturating_mul(ungated.len());
            let set = Regex::builder()
                .configure(config(set_limit).match_kind(MatchKind::All))
                .build_many(&ungated_patterns)
                .map_err(|e| format!("cannot combine the regex indicators: {e}"))?;
            Some(Ungated {
                set,
                regexes: ungated,
            })
        };
        Ok(RegexEngine {
            each,
            gate,
            ungated,
        })
    }

    /// Calls `found` for every match of every regex indicator in `text`.
    pub fn scan(&self, text: &[u8], found: impl FnMut(usize, usize, IndicatorId, How)) {
        self.scan_lines(text, &[(0, text.len())], found);
    }

    /// Calls `found` for every match of every regex indicator in each line of `text`, a line
    /// being a span `(start, end)` of it; `lines` are in order and do not overlap. Offsets are
    /// in `text`. Each line is searched on its own, as a regex's leftmost-first matches depend
    /// on where its text ends.
    pub fn scan_lines(
        &self,
        text: &[u8],
        lines: &[(usize, usize)],
        mut found: impl FnMut(usize, usize, IndicatorId, How),
    ) {
        let mut run = |line: (usize, usize), r: u32| {
            let (re, id) = &self.each[r as usize];
            for m in re.find_iter(&text[line.0..line.1]) {
                if m.start() < m.end() {
                    found(line.0 + m.start(), line.0 + m.end(), *id, How::Regex);
                }
            }
        };
        if let Some(gate) = &self.gate {
            for (line, r) in gate.candidates(text, lines) {
                run(lines[line as usize], r);
            }
        }
        if let Some(ungated) = &self.ungated {
            let mut which = PatternSet::new(ungated.set.pattern_len());
            for &line in lines {
                which.clear();
                let input = Input::new(&text[line.0..line.1]);
                ungated.set.which_overlapping_matches(&input, &mut which);
                for pid in which.iter() {
                    run(line, ungated.regexes[pid.as_usize()]);
                }
            }
        }
    }

    /// Whether there are no regex indicators.
    pub fn is_empty(&self) -> bool {
        self.each.is_empty()
    }

    /// How many regexes have no gate and run on every line.
    pub fn ungated_count(&self) -> usize {
        self.ungated.as_ref().map_or(0, |u| u.regexes.len())
    }
}

impl Gate {
    /// The automata of `literals`: `(literal, nocase, regex)`, the literal gating the regex
    /// (an index into `each`); a literal several regexes share is one pattern.
    fn build(mut literals: Vec<(Vec<u8>, bool, u32)>) -> Result<Gate, String> {
        literals.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let mut merged: Vec<(Vec<u8>, bool, Vec<u32>)> = Vec::with_capacity(literals.len());
        for (lit, nocase, r) in literals {
            match merged.last_mut() {
                Some((last, nc, rs)) if *last == lit && *nc == nocase => rs.push(r),
                _ => merged.push((lit, nocase, vec![r])),
            }
        }
        for (_, _, rs) in &mut merged {
            rs.sort_unstable();
            rs.dedup();
        }
        let automaton = |kind, nocase: bool, lits: &mut dyn Iterator<Item = &Vec<u8>>| {
            AhoCorasick::builder()
                .match_kind(kind)
                .ascii_case_insensitive(nocase)
                .build(lits)
                .map_err(|e| format!("cannot build the regex gate: {e}"))
        };
        let finder = |nocase: bool| {
            let mut lits = merged
                .iter()
                .filter(|m| m.1 == nocase)
                .map(|m| &m.0)
                .peekable();
            match lits.peek() {
                None => Ok(None),
                // Case-sensitive even for the lower-case literals of case-insensitive gates,
                // which are searched for in a lower-cased copy of the text.
                Some(_) => {
                    automaton(aho_corasick::MatchKind::LeftmostFirst, false, &mut lits).map(Some)
                }
            }
        };
        Ok(Gate {
            exact: finder(false)?,
            nocase: finder(true)?,
            all: automaton(
                aho_corasick::MatchKind::Standard,
                true,
                &mut merged.iter().map(|m| &m.0),
            )?,
            regexes: merged.into_iter().map(|(_, _, rs)| rs).collect(),
        })
    }

    /// The `(line, regex)` pairs, without repeats and in order, where the line holds one of
    /// the regex's literals.
    ///
    /// A search for the first literal of each line finds the lines that hold any (skipping the
    /// rest of a line once one is found). Only on such a line are all occurrences looked at,
    /// overlapping ones included, as a literal inside or across another must not hide it.
    fn candidates(&self, text: &[u8], lines: &[(usize, usize)]) -> Vec<(u32, u32)> {
        let mut holding = Vec::new();
        if let Some(exact) = &self.exact {
            lines_holding(exact, text, lines, &mut holding);
        }
        if let Some(nocase) = &self.nocase {
            lines_holding(nocase, &text.to_ascii_lowercase(), lines, &mut holding);
        }
        holding.sort_unstable();
        holding.dedup();
        let mut pairs = Vec::new();
        for line in holding {
            let (start, end) = lines[line];
            for m in self.all.find_overlapping_iter(&text[start..end]) {
                for &r in &self.regexes[m.pattern().as_usize()] {
                    pairs.push((line as u32, r));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }
}

/// Appends to `out` the index of every line of `lines` (spans of `text`, in order) that holds a
/// pattern of `finder` (a leftmost automaton).
fn lines_holding(
    finder: &AhoCorasick,
    text: &[u8],
    lines: &[(usize, usize)],
    out: &mut Vec<usize>,
) {
    let mut at = 0;
    while let Some(m) = finder.find(aho_corasick::Input::new(text).range(at..)) {
        // The line holding the literal's start; a literal that runs past that line's end
        // (across a newline) cannot be part of a match within a line.
        let line = lines.partition_point(|&(_, end)| end < m.start());
        let Some(&(start, end)) = lines.get(line) else {
            break;
        };
        if start > m.start() || m.end() > end {
            at = m.start() + 1;
            continue;
        }
        out.push(line);
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(pattern: &str) -> Option<Vec<String>> {
        required_literals(pattern).map(|lits| {
            let mut v: Vec<String> = lits
                .bytes
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect();
            v.sort();
            v
        })
    }

    #[test]
    fn every_match_holds_a_literal_of_its_gate() {
        let cases: &[(&str, &[&str])] = &[
            (
                r"evil[0-9]+\.example",
                &["evil1.example", "evil0042.example"],
            ),
            (
                r"[a-z]+\.evil\.example",
                &["a.evil.example", "www.evil.example"],
            ),
            (r"\d+\.evil\.[a-z]+", &["1.evil.com", "\u{663}.evil.x"]),
            (r"(gate|panel)\.php", &["gate.php", "panel.php"]),
            (
                r"^/wp-admin/.*\.php$",
                &["/wp-admin/x.php", "/wp-admin/.php"],
            ),
            (r"(?i)cmd\.exe", &["CMD.EXE", "cMd.ExE", "cmd.exe"]),
            (
                r"(?i)stra(ss|\u{df})e",
                &["STRASSE", "stra\u{df}e", "Stra\u{17f}se"],
            ),
        ];
        for &(p, matches) in cases {
            let lits = required_literals(p).unwrap_or_else(|| panic!("{p} has no gate"));
            assert!(
                lits.bytes.iter().all(|l| l.len() >= MIN_GATE_LEN),
                "{p}: {lits:?}"
            );
            let re = Regex::new(p).unwrap();
            for m in matches {
                assert!(re.is_match(m), "{p} should match {m}");
                let holds = |l: &Vec<u8>| {
                    let same = |w: &[u8]| match lits.nocase {
                        true => w.eq_ignore_ascii_case(l) && *l == l.to_ascii_lowercase(),
                        false => w == l,
                    };
                    m.as_bytes().windows(l.len()).any(same)
                };
                assert!(
                    lits.bytes.iter().any(holds),
                    "{p}: {m} holds none of {lits:?}"
                );
            }
        }
        // A literal part inside a pattern whose ends are classes gates it; the spellings of a
        // case-insensitive pattern are one literal.
        assert_eq!(gate(r"\d+\.evil\.[a-z]+").unwrap(), [".evil."]);
        assert_eq!(gate(r"(?i)cmd\.exe").unwrap(), ["cmd.exe"]);
        assert!(required_literals(r"(?i)cmd\.exe").unwrap().nocase);
        assert!(!required_literals(r"(gate|panel)\.php").unwrap().nocase);
        assert_eq!(
            gate(r"(gate|panel)\.php").unwrap(),
            ["gate.php", "panel.php"]
        );
    }

    #[test]
    fn patterns_without_a_long_enough_literal_are_not_gated() {
        assert_eq!(gate(r"[0-9]{3}-[a-z]{2}"), None);
        assert_eq!(gate(r"a[a-z]+cd"), None);
        assert_eq!(gate(r"(?i)\w+@\w+\.\w+"), None);
        assert_eq!(gate(r"a|bcdef"), None);
    }

    fn engine(patterns: &[&str]) -> RegexEngine {
        let ps: Vec<(String, IndicatorId)> = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), IndicatorId(i as u32)))
            .collect();
        RegexEngine::build(&ps, DEFAULT_SIZE_LIMIT).unwrap()
    }

    /// Every match of each regex on each line, searched directly: what the gate must not change.
    fn direct(
        patterns: &[&str],
        text: &[u8],
        lines: &[(usize, usize)],
    ) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let re = Regex::new(p).unwrap();
            for &(s, e) in lines {
                for m in re.find_iter(&text[s..e]) {
                    out.push((s + m.start(), s + m.end(), i as u32));
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn scanned(e: &RegexEngine, text: &[u8], lines: &[(usize, usize)]) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        e.scan_lines(text, lines, |s, end, id, how| {
            assert_eq!(how, How::Regex);
            out.push((s, end, id.0));
        });
        out.sort_unstable();
        out
    }

    #[test]
    fn gated_and_ungated_regexes_find_what_a_direct_search_finds() {
        let patterns = [
            r"evil[0-9]+\.example",
            r"[0-9]{3}-[a-z]{2}",
            r"(?i)cmd\.exe",
            r"xabcx",
            r"abc[0-9]",
            r"\d+\.evil\.[a-z]+",
            r"e\.e",
            r"[a-z]{2}[0-9]",
        ];
        let e = engine(&patterns);
        assert_eq!(e.ungated_count(), 2);
        let text = b"evil1.example and 123-ab\nCMD.EXE then xabcx1 xabc7\n\
                     9.evil.com evil22.example\nabc\nevil\n1.example e.e\n\
                     line with no hits at all\nxabcx\nonly Cmd.Exe here\n";
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' {
                lines.push((start, i));
                start = i + 1;
            }
        }
        let want = direct(&patterns, text, &lines);
        assert!(
            want.len() >= 10,
            "the text should hold many matches: {want:?}"
        );
        assert_eq!(scanned(&e, text, &lines), want);
        // A literal that would cross a line end gates nothing: `evil\n1.example` is two lines.
        assert!(!want
            .iter()
            .any(|&(s, end, _)| text[s..end].contains(&b'\n')));
    }

    #[test]
    fn literals_inside_or_across_others_gate_their_own_regexes() {
        // `abc` lies inside `xabcx`, and `bcd` across `abc`: the gate must report all three.
        let patterns = ["xabcx", "abc", "bcd[0-9]"];
        let e = engine(&patterns);
        let text = b"..xabcx..\nabcd1\r\nab\nno";
        let lines = [(0, 9), (10, 15), (17, 19), (20, 22)];
        let want = direct(&patterns, text, &lines);
        assert_eq!(want, [(2, 7, 0), (3, 6, 1), (10, 13, 1), (11, 15, 2)]);
        assert_eq!(scanned(&e, text, &lines), want);
    }
}
