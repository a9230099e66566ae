//! The scan engine against the naive reference: the same matches for the whole text, and line by
//! line from `scan_lines` (with the URLs joined from Zeek HTTP lines' host and uri fields).
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

    // Line by line, with the URLs of Zeek HTTP lines joined from their host and uri fields.
    let mut starts = vec![0];
    starts.extend(newlines(text).map(|nl| nl + 1));
    let expected: Vec<_> = case
        .naive
        .scan_log(text)
        .into_iter()
        .filter(|(_, x)| case.valid_now(x.indicator))
        .map(|(n, x)| (n, starts[n], x))
        .collect();
    let got: Vec<_> = case
        .m
        .scan_lines(text)
        .iter()
        .map(|l| (l.line, l.line_start, l.m))
        .collect();
    assert_eq!(got, expected, "line by line");
});

/// The offsets of the newlines of `text`.
fn newlines(text: &[u8]) -> impl Iterator<Item = usize> + '_ {
    text.iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'\n')
        .map(|(i, _)| i)
}
