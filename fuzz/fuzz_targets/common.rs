//! What the targets share: a pool of indicators of every kind, picked by the first bytes of an
//! input, so that the fuzzer starts from sets that hit, and the split of the rest of the input
//! into the fuzzer's own indicators and the text.
// Each target includes this module and uses part of it.
#![allow(dead_code)]

use iocmatch::reference::NaiveMatcher;
use iocmatch::{Clock, IndicatorId, IndicatorSet, LoadOptions, Match, Matcher, Timestamp};

/// Plain-list indicator lines: every kind and mode, with overlapping networks and parents.
const POOL: &[&str] = &[
    "192.0.2.1",
    "192.0.2.0/24",
    "10.0.0.0/8",
    "0.0.0.0/0",
    "2001:db8::1",
    "2001:db8::/32",
    "evil.example",
    "a.evil.example\tmatch=exact",
    "example\tkind=domain",
    "b-c.test",
    "xn--bcher-kva.example",
    "http://evil.example/a",
    "evil.example/a/\tmatch=prefix",
    "http://192.0.2.1/x",
    "evil.example:8080/p",
    "bob@evil.example",
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "invoice.exe\tkind=filename",
    "EvilBot/1.0\tkind=user-agent",
    "ab\tkind=literal",
    "EVIL\tkind=literal\tmatch=nocase",
    "evil[0-9]+\tkind=regex",
    "(?i)bob@\\w+\tkind=regex",
    "\\d{3}-[a-z]{2}\tkind=regex",
    "\\d+\\.evil\\.[a-z]+\tkind=regex",
];

/// Between the fuzzer's own indicator lines and the text, in an input.
pub const SPLIT: &[u8] = b"\n--\n";

/// The time the targets match at, so that indicators' validity windows (`valid_until=` and
/// the like, which the fuzzer writes too) give the same verdict on every run: 2026-01-01.
pub const NOW: Timestamp = Timestamp(1_767_225_600);

/// An input made ready: its indicator set, the matcher on the fixed clock [`NOW`], the naive
/// reference over the same indicators, and the text.
pub struct Case<'a> {
    pub set: IndicatorSet,
    pub m: Matcher,
    pub naive: NaiveMatcher,
    pub text: &'a [u8],
}

impl<'a> Case<'a> {
    /// Takes an input apart: the first four bytes pick pool lines (one bit each), then come
    /// indicator lines of the fuzzer's own up to [`SPLIT`], then the text (all of the rest when
    /// there is no split). `None` for an input too short, or a set that does not compile (a
    /// regex over the size limit, say), which is an error the library reports, not a failure.
    pub fn new(data: &'a [u8]) -> Option<Case<'a>> {
        let (pick, rest) = data.split_first_chunk::<4>()?;
        let pick = u32::from_le_bytes(*pick);
        let (own, text) = match rest.windows(SPLIT.len()).position(|w| w == SPLIT) {
            Some(at) => (&rest[..at], &rest[at + SPLIT.len()..]),
            None => (&[][..], rest),
        };
        let mut indicators = Vec::new();
        for (i, line) in POOL.iter().enumerate() {
            if pick >> i & 1 != 0 {
                indicators.extend_from_slice(line.as_bytes());
                indicators.push(b'\n');
            }
        }
        indicators.extend_from_slice(own);

        let mut set = IndicatorSet::new();
        let opts = LoadOptions {
            format: Some(iocmatch::Format::Text),
            ..LoadOptions::default()
        };
        let report = set
            .load("fuzz", &indicators, &opts)
            .expect("a lenient load reports bad lines and never fails");
        assert_eq!(
            report.added + report.merged + report.rejected,
            report.records,
            "every record accounted for"
        );
        let m = set.compile().ok()?.with_clock(Clock::Fixed(NOW));
        let naive = NaiveMatcher::new(set.indicators());
        Some(Case {
            set,
            m,
            naive,
            text,
        })
    }

    /// Whether indicator `id` is valid at [`NOW`]: the naive reference knows no validity
    /// windows, so its hits are filtered by this before they are compared.
    pub fn valid_now(&self, id: IndicatorId) -> bool {
        self.set.indicators()[id.index()].valid_at(NOW)
    }

    /// The naive reference's matches in `text` of indicators valid at [`NOW`].
    pub fn naive_scan(&self, text: &[u8]) -> Vec<Match> {
        let mut found = self.naive.scan(text);
        found.retain(|m| self.valid_now(m.indicator));
        found
    }
}
