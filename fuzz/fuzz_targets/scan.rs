//! The scan engine against the naive reference: the same matches for the whole text, and line by
//! line from `scan_lines`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some(case) = common::Case::new(data) else {
        return;
    };
    let text = case.text;
    assert_eq!(case.m.scan(text), case.naive_scan(text), "whole text");

    let mut expected = Vec::new();
    let mut start = 0;
    for (n, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        expected.extend(case.naive_scan(line).into_iter().map(|x| (n, start, x)));
        start += raw.len() + 1;
    }
    let got: Vec<_> = case
        .m
        .scan_lines(text)
        .iter()
        .map(|l| (l.line, l.line_start, l.m))
        .collect();
    assert_eq!(got, expected, "line by line");
});
