//! Byte classes and token boundaries shared by the scan engines. DESIGN.md states the rules in
//! prose; `reference` restates them independently for the differential tests.

/// Bytes of a host run: ASCII letters and digits, `.`, `-`, `_`, and any non-ASCII byte (IDN).
pub const fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_' || b >= 0x80
}

/// Bytes of an IPv6 run: hex digits, `:` and `.` (for a dotted IPv4 tail).
pub const fn is_v6_byte(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// Bytes of an e-mail local part.
pub const fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Bytes of a URL scheme.
pub const fn is_scheme_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
}

/// Bytes a URL token runs over: printable ASCII except `"`, `<`, `>` and backtick, and any
/// non-ASCII byte. Space, tab, control bytes and those four end it.
pub const fn is_url_byte(b: u8) -> bool {
    b > b' ' && b != 0x7f && !matches!(b, b'"' | b'<' | b'>' | b'`')
}

/// Punctuation dropped from the end of a URL token, as it usually ends the sentence, not the URL.
pub const URL_TRAILING: &[u8] = b".,;:!?)]}'";

/// The end of the URL token that starts at `start`: the run of URL bytes, less trailing punctuation.
pub fn url_end(text: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < text.len() && is_url_byte(text[end]) {
        end += 1;
    }
    while end > start && URL_TRAILING.contains(&text[end - 1]) {
        end -= 1;
    }
    end
}

/// Whether the byte at `at` continues a word: a letter or digit, or one of `.`, `-`, `_` with a
/// letter or digit beyond it on the far side (`toward` is -1 looking left, +1 looking right).
fn continues_word(text: &[u8], at: usize, toward: isize) -> bool {
    let b = text[at];
    if b.is_ascii_alphanumeric() {
        return true;
    }
    if matches!(b, b'.' | b'-' | b'_') {
        let beyond = at as isize + toward;
        return beyond >= 0
            && (beyond as usize) < text.len()
            && text[beyond as usize].is_ascii_alphanumeric();
    }
    false
}

/// Whether `text[start..end]` stands as a whole word: at each end whose own byte is a letter or
/// digit, the neighbouring byte does not continue the word.
pub fn is_whole_word(text: &[u8], start: usize, end: usize) -> bool {
    let left_ok =
        start == 0 || !text[start].is_ascii_alphanumeric() || !continues_word(text, start - 1, -1);
    let right_ok = end == text.len()
        || !text[end - 1].is_ascii_alphanumeric()
        || !continues_word(text, end, 1);
    left_ok && right_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan's e-mail pass reads a local part as runs of ASCII host bytes (from the class
    /// masks) joined across `%` and `+`: right only while those are all of a local part's bytes.
    #[test]
    fn local_part_bytes_are_the_ascii_host_bytes_and_percent_and_plus() {
        for b in 0..=255u8 {
            let expected = (is_host_byte(b) && b.is_ascii()) || b == b'%' || b == b'+';
            assert_eq!(is_local_byte(b), expected, "{b:#x}");
        }
    }
}
