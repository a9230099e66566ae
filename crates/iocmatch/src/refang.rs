//! Refanging: undoing the ways analysts write indicators so that nothing clicks or resolves them
//! (`hxxp://evil[.]example`, `user[at]evil(dot)example`).

use std::borrow::Cow;

/// Defanged forms and what they stand for; matched ignoring ASCII case.
const FORMS: &[(&str, &str)] = &[
    (" [.] ", "."),
    (" (.) ", "."),
    (" [dot] ", "."),
    (" (dot) ", "."),
    (" [@] ", "@"),
    (" [at] ", "@"),
    (" (at) ", "@"),
    ("[://]", "://"),
    ("[:]//", "://"),
    ("[:]", ":"),
    ("[/]", "/"),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    (" dot ", "."),
    ("[@]", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    (" :// ", "://"),
    (" ://", "://"),
    (":// ", "://"),
    (" @ ", "@"),
];

/// Defanged schemes at the start of a value.
const SCHEMES: &[(&str, &str)] = &[
    ("hxxps://", "https://"),
    ("hxxp://", "http://"),
    ("hxxps[://]", "https://"),
    ("hxxp[://]", "http://"),
    ("meows://", "https://"),
    ("meow://", "http://"),
    ("fxp://", "ftp://"),
];

/// Undoes common defanging: `hxxp`/`hXXps`/`meow` schemes, `[.]`, `(.)`, `{.}`, `[dot]`,
/// `(dot)`, ` dot `, `[@]`, `[at]`, `(at)` (with or without spaces around them), `[:]`,
/// `[://]`, `[/]`, and spaces around `://` and `@`. Returns the input unchanged (borrowed) when there is nothing to undo.
///
/// Refanging is a guess, so loaders use it only when the value as written does not parse as its
/// kind and the refanged value does.
pub fn refang(s: &str) -> Cow<'_, str> {
    let lower = s.to_ascii_lowercase();
    let needs = SCHEMES.iter().any(|(f, _)| lower.starts_with(f))
        || FORMS.iter().any(|(f, _)| lower.contains(f));
    if !needs {
        return Cow::Borrowed(s);
    }
    let mut out = s.to_string();
    for (from, to) in SCHEMES {
        if out.to_ascii_lowercase().starts_with(from) {
            out = format!("{to}{}", &out[from.len()..]);
            break;
        }
    }
    for (from, to) in FORMS {
        out = replace_ignoring_case(&out, from, to);
    }
    Cow::Owned(out)
}

fn replace_ignoring_case(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(from) {
        if i < last {
            continue;
        }
        out.push_str(&s[last..i]);
        out.push_str(to);
        last = i + from.len();
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoes_the_common_forms() {
        let cases = [
            ("hxxp://evil[.]example/a", "http://evil.example/a"),
            ("hXXps[://]evil(dot)example[/]x", "https://evil.example/x"),
            ("meow://evil{.}example", "http://evil.example"),
            ("192.0.2[.]1", "192.0.2.1"),
            ("bob[at]evil[DOT]example", "bob@evil.example"),
            ("bob (at) evil (dot) example", "bob@evil.example"),
            ("evil dot example", "evil.example"),
            ("http :// evil.example", "http://evil.example"),
            ("bob @ evil.example", "bob@evil.example"),
            ("evil.example", "evil.example"),
        ];
        for (from, to) in cases {
            assert_eq!(refang(from), to, "{from}");
        }
        assert!(matches!(refang("plain.example"), Cow::Borrowed(_)));
    }
}
