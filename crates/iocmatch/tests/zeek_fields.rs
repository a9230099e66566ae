//! URLs that a Zeek HTTP log splits over its `host` and `uri` columns are joined and found,
//! by the parallel line scan (whose chunks see the header only through the state carried from
//! the chunks before) as by the naive reference; and so are those split over the `host` and
//! `uri` keys of Zeek's JSON lines and the `hostname` and `url` keys of Suricata's EVE lines.

use iocmatch::reference::NaiveMatcher;
use iocmatch::{How, IndicatorSet, LoadOptions, LogState, Matcher};

const INDICATORS: &str = "evil.example/gate.php\n\
                          dl.example/files/\tmatch=prefix\n\
                          198.51.100.7/x.bin\n\
                          other.example\n";

const HTTP: &str = "#separator \\x09\n#path\thttp\n#fields\tts\tuid\tmethod\thost\turi\treferrer\n";
const DNS: &str = "#path\tdns\n#fields\tts\tuid\tquery\tanswers\n";

fn matcher() -> (IndicatorSet, Matcher) {
    let mut set = IndicatorSet::new();
    let opts = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    set.load("feed", INDICATORS.as_bytes(), &opts).unwrap();
    let m = set.compile().unwrap();
    (set, m)
}

/// (line, matched text, indicator value, how) of every match of a whole-buffer scan.
fn fast(set: &IndicatorSet, m: &Matcher, log: &[u8]) -> Vec<(usize, String, String, How)> {
    let lines: Vec<&[u8]> = log.split(|&b| b == b'\n').collect();
    m.scan_lines(log)
        .into_iter()
        .map(|l| {
            let text = &lines[l.line][l.m.start..l.m.end];
            let value = &set.indicators()[l.m.indicator.index()].value;
            (
                l.line,
                String::from_utf8_lossy(text).into_owned(),
                value.clone(),
                l.m.how,
            )
        })
        .collect()
}

fn naive(set: &IndicatorSet, log: &[u8]) -> Vec<(usize, String, String, How)> {
    let lines: Vec<&[u8]> = log.split(|&b| b == b'\n').collect();
    NaiveMatcher::new(set.indicators())
        .scan_log(log)
        .into_iter()
        .map(|(n, x)| {
            let text = &lines[n][x.start..x.end];
            let value = &set.indicators()[x.indicator.index()].value;
            (
                n,
                String::from_utf8_lossy(text).into_owned(),
                value.clone(),
                x.how,
            )
        })
        .collect()
}

#[test]
fn host_and_uri_fields_are_joined_under_an_http_header() {
    let (set, m) = matcher();
    let log = format!(
        "{HTTP}\
         1.0\tC1\tGET\tEvil.Example\t/gate.php\t-\n\
         2.0\tC2\tGET\tdl.example\t/files/a/b.exe?x=1\t-\n\
         3.0\tC3\tGET\tdl.example\t/filesx\t-\n\
         4.0\tC4\tGET\t-\t/gate.php\t-\n\
         5.0\tC5\tGET\tevil.example\thttp://evil.example/gate.php\t-\n\
         6.0\tC6\tGET\t198.51.100.7:80\t/x.bin\t-\r\n\
         7.0\tC7\tGET\tevil.example\n\
         {DNS}\
         8.0\tC8\tevil.example\t/gate.php\n\
         {HTTP}\
         9.0\tC9\tPOST\tevil.example\t/gate.php\tother.example\n"
    );
    let got = fast(&set, &m, log.as_bytes());
    assert_eq!(got, naive(&set, log.as_bytes()));
    let joined: Vec<(usize, &str, How)> = got
        .iter()
        .filter(|g| g.1.contains('\t'))
        .map(|g| (g.0, g.1.as_str(), g.3))
        .collect();
    assert_eq!(
        joined,
        [
            (3, "Evil.Example\t/gate.php", How::Exact),
            (4, "dl.example\t/files/a/b.exe?x=1", How::Prefix),
            (8, "198.51.100.7:80\t/x.bin", How::Exact),
            (16, "evil.example\t/gate.php", How::Exact),
        ]
    );
    // The absolute URI of line 7 is a URL token of its own; the DNS line is no HTTP request.
    assert!(got
        .iter()
        .any(|g| g.0 == 7 && g.1 == "http://evil.example/gate.php"));
    assert!(!got.iter().any(|g| g.0 == 12 && g.2.contains('/')));
}

#[test]
fn joined_hits_keep_their_lines_past_long_sections_of_other_logs() {
    let (set, m) = matcher();
    // Long sections of another log, over several chunks, between HTTP sections, with fields
    // that would join into an indicator under an HTTP header; the last line has no newline.
    let mut log = String::from(HTTP);
    let mut want = Vec::new();
    for section in 0..4 {
        log.push_str(DNS);
        for i in 0..3000 {
            log.push_str(&format!("{section}.{i}\tD{i}\tevil.example\t/gate.php\n"));
        }
        log.push_str(HTTP);
        want.push(log.matches('\n').count());
        log.push_str(&format!(
            "{section}.0\tH{section}\tGET\tevil.example\t/gate.php\t-\n"
        ));
    }
    log.push_str(DNS);
    log.push_str("9.0\tD9\tevil.example\t/gate.php");
    let got = fast(&set, &m, log.as_bytes());
    assert_eq!(got, naive(&set, log.as_bytes()));
    let joined: Vec<usize> = got
        .iter()
        .filter(|g| g.1.contains('\t'))
        .map(|g| g.0)
        .collect();
    assert_eq!(joined, want);
}

#[test]
fn the_header_reaches_every_chunk_and_every_buffer() {
    let (set, m) = matcher();
    // Well over the 64 KiB of a chunk, with the header in the first only.
    let mut log = String::from(HTTP);
    for i in 0..6000 {
        let (host, uri) = if i % 1000 == 999 {
            ("evil.example", "/gate.php")
        } else {
            ("good.example", "/index.html")
        };
        log.push_str(&format!("{i}.0\tC{i}\tGET\t{host}\t{uri}\t-\n"));
    }
    let got = fast(&set, &m, log.as_bytes());
    assert_eq!(got.len(), 6, "{got:?}");
    assert!(got.iter().all(|g| g.1 == "evil.example\t/gate.php"));
    assert_eq!(got, naive(&set, log.as_bytes()));

    // Read in buffers, as the CLI reads a large file: the header only in the first.
    let (head, rest) = log.split_at(log.len() / 3);
    let cut = rest.find('\n').unwrap() + 1;
    let (second, third) = rest.split_at(cut + rest[cut..].len() / 2);
    let mut buffers = vec![format!("{head}{}", &second[..cut])];
    buffers.push(second[cut..].to_string());
    let third_cut = third.find('\n').unwrap() + 1;
    buffers[1].push_str(&third[..third_cut]);
    buffers.push(third[third_cut..].to_string());
    assert_eq!(buffers.concat(), log);
    let mut state = LogState::default();
    let mut lines_before = 0;
    let mut in_buffers = Vec::new();
    for b in &buffers {
        let mut found = Vec::new();
        let n = m.scan_log_into(b.as_bytes(), &mut state, &mut found);
        in_buffers.extend(found.into_iter().map(|l| lines_before + l.line));
        lines_before += n;
    }
    let whole: Vec<usize> = got.iter().map(|g| g.0).collect();
    assert_eq!(in_buffers, whole);
    // Without the state, a buffer past the header joins nothing.
    let alone = m.scan_lines(buffers[2].as_bytes());
    assert!(alone.is_empty(), "{alone:?}");
}

#[test]
fn host_and_path_keys_of_json_lines_are_joined() {
    let (set, m) = matcher();
    let log = concat!(
        // 0: Zeek's JSON writer.
        r#"{"ts":1.0,"uid":"C1","method":"GET","host":"Evil.Example","uri":"/gate.php","referrer":"-"}"#,
        "\n",
        // 1: Suricata EVE, the pair inside its "http" object, the path with escaped slashes.
        r#"{"timestamp":"2026-12-07T03:00:00","event_type":"http","http":{"hostname":"dl.example","url":"\/files\/a.exe","length":0}}"#,
        "\n",
        // 2: spaces around colons and after commas, the path key first.
        r#"{"uri": "/x.bin", "host" : "198.51.100.7:80"}"#,
        "\r\n",
        // 3: the pair's names inside another value only: nothing to join.
        r#"{"ua":"x\",\"host\":\"evil.example\",\"uri\":\"/gate.php"}"#,
        "\n",
        // 4: an absolute path key, and an unset host.
        r#"{"host":"evil.example","uri":"http://evil.example/gate.php"}"#,
        "\n",
        r#"{"host":"-","uri":"/gate.php"}"#,
        "\n",
        // 6: a path that does not extend the prefix at a path boundary.
        r#"{"hostname":"dl.example","url":"/filesx"}"#,
        "\n",
        // 7: an escape that is no JSON (Zeek writes bytes it cannot print as \\xNN).
        r#"{"host":"evil.example","uri":"/gate\x2ephp"}"#,
        "\n",
    );
    let got = fast(&set, &m, log.as_bytes());
    assert_eq!(got, naive(&set, log.as_bytes()));
    let joined: Vec<(usize, &str, How)> = got
        .iter()
        .filter(|g| g.1.contains('"'))
        .map(|g| (g.0, g.1.as_str(), g.3))
        .collect();
    assert_eq!(
        joined,
        [
            (0, r#"Evil.Example","uri":"/gate.php"#, How::Exact),
            (1, r#"dl.example","url":"\/files\/a.exe"#, How::Prefix),
            (2, r#"/x.bin", "host" : "198.51.100.7:80"#, How::Exact),
        ]
    );
    // The absolute path of line 4 is a URL token of its own.
    assert!(got
        .iter()
        .any(|g| g.0 == 4 && g.1 == "http://evil.example/gate.php"));
    // Without URL indicators, no line is read for keys.
    let mut plain = IndicatorSet::new();
    plain
        .load("feed", b"other.example\n", &LoadOptions::default())
        .unwrap();
    assert!(plain
        .compile()
        .unwrap()
        .scan_lines(log.as_bytes())
        .is_empty());
}
