//! End-to-end tests of the `iocmatch` binary: exit codes, output records, errors, inputs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use iocmatch::reference::NaiveMatcher;
use iocmatch::{IndicatorSet, LoadOptions};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iocmatch"));
    cmd.args(args).current_dir(root());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("iocmatch runs");
    let Some(input) = stdin else {
        return child.wait_with_output().unwrap();
    };
    // Input is written beside the reading of the output, which a large input's records could
    // otherwise fill the pipe with before all of it is written.
    let mut pipe = child.stdin.take().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // A command that fails on its arguments may exit before reading its input.
            match pipe.write_all(input) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.unwrap(),
            }
        });
        child.wait_with_output().unwrap()
    })
}

fn records(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn temp_file(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iocmatch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn scan_reports_matches_with_location_and_metadata() {
    let ind = temp_file(
        "a.txt",
        b"# test list\nevil.example\tdesc=phishing\ttags=tlp:green\n198.51.100.0/24\n",
    );
    let out = run(
        &["scan", "-i", s(&ind)],
        Some(b"nothing here\nGET http://cdn.evil.example/x from 198.51.100.7\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    let r = &recs[0];
    assert_eq!(r["file"], "<stdin>");
    assert_eq!(r["line"], 2);
    assert_eq!(r["start"], 11);
    assert_eq!(r["end"], 27);
    assert_eq!(r["matched"], "cdn.evil.example");
    assert_eq!(r["indicator"], "evil.example");
    assert_eq!(r["kind"], "domain");
    assert_eq!(r["how"], "subdomain");
    assert_eq!(r["sources"][0], "a.txt");
    assert_eq!(r["meta"][0]["description"], "phishing");
    assert_eq!(r["meta"][0]["tags"][0], "tlp:green");
    assert!(r["meta"][0]["location"]
        .as_str()
        .unwrap()
        .ends_with("a.txt:2"));
    assert_eq!(recs[1]["how"], "cidr");
    assert_eq!(recs[1]["prefix_len"], 24);
}

#[test]
fn exit_codes_follow_grep() {
    let ind = temp_file("b.txt", b"evil.example\n");
    assert_eq!(
        run(&["scan", "-i", s(&ind)], Some(b"evil.example\n"))
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["scan", "-i", s(&ind)], Some(b"good.example\n"))
            .status
            .code(),
        Some(1)
    );
    let missing = run(&["scan", "-i", "/nonexistent/list.txt"], Some(b""));
    assert_eq!(missing.status.code(), Some(2));
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.contains("/nonexistent/list.txt"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let bad_fmt = run(&["scan", "-i", s(&ind), "--format", "nope"], Some(b""));
    assert_eq!(bad_fmt.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_fmt.stderr).contains("zeek-intel"));
    let no_log = run(&["scan", "-i", s(&ind), "/nonexistent/log"], None);
    assert_eq!(no_log.status.code(), Some(2));
}

#[test]
fn bad_indicator_lines_are_located_and_strict_fails() {
    let ind = temp_file("c.txt", b"evil.example\nnot a value\n192.0.2.0/33\n");
    let out = run(&["scan", "-i", s(&ind)], Some(b"evil.example\n"));
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.txt:2: error:"), "{err}");
    assert!(err.contains("c.txt:3: error:"), "{err}");
    let strict = run(
        &["scan", "--strict", "-i", s(&ind)],
        Some(b"evil.example\n"),
    );
    assert_eq!(strict.status.code(), Some(2));
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("c.txt:2") && err.contains("c.txt:3"), "{err}");
    assert!(strict.stdout.is_empty());
}

#[test]
fn zeek_intel_and_plain_lists_mix_and_merge() {
    let zeek = temp_file(
        "intel.dat",
        b"#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\nevil.example\tIntel::DOMAIN\tfeedZ\tc2\n",
    );
    let txt = temp_file("d.txt", b"EVIL.example\n");
    let out = run(
        &["scan", "-i", s(&zeek), "-i", s(&txt)],
        Some(b"x evil.example y\n"),
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "one indicator, two sources");
    assert_eq!(recs[0]["sources"], serde_json::json!(["feedZ", "d.txt"]));
    assert_eq!(recs[0]["meta"][0]["description"], "c2");
}

#[test]
fn text_output_is_one_line_per_match() {
    let ind = temp_file("e.txt", b"192.0.2.1\n");
    let out = run(
        &["scan", "-o", "text", "-i", s(&ind)],
        Some(b"a 192.0.2.1 b 192.0.2.1\n"),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(
        text.starts_with("<stdin>:1:2-11: 192.0.2.1 -> ipv4 192.0.2.1 (exact) [e.txt]"),
        "{text}"
    );
}

#[test]
fn check_looks_up_values() {
    let ind = temp_file(
        "f.txt",
        b"evil.example\n198.51.100.0/24\nd41d8cd98f00b204e9800998ecf8427e\n",
    );
    let out = run(
        &[
            "check",
            "-i",
            s(&ind),
            "www.evil.example",
            "198.51.100.9",
            "good.example",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["value"], "www.evil.example");
    assert_eq!(recs[1]["prefix_len"], 24);
    let none = run(&["check", "-i", s(&ind), "good.example"], None);
    assert_eq!(none.status.code(), Some(1));
    let typed = run(
        &[
            "check",
            "-i",
            s(&ind),
            "--kind",
            "hash",
            "D41D8CD98F00B204E9800998ECF8427E",
        ],
        None,
    );
    assert_eq!(records(&typed).len(), 1);
    let bad = run(
        &["check", "-i", s(&ind), "--kind", "ip", "evil.example"],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an IP address"));
}

#[test]
fn stats_counts_kinds_and_lists_problems() {
    let ind = temp_file(
        "g.txt",
        b"evil.example\nEvil.Example\n192.0.2.1\n192.0.2.0/33\n",
    );
    let out = run(&["stats", "--json", "-i", s(&ind)], None);
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["indicators"], 2);
    assert_eq!(doc["per_kind"]["domain"], 1);
    assert_eq!(doc["per_kind"]["ipv4"], 1);
    assert_eq!(doc["merged"], 1);
    assert_eq!(doc["rejected"], 1);
    assert_eq!(doc["files"][0]["diagnostics"][0]["line"], 4);
    let text = run(&["stats", "-i", s(&ind)], None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("g.txt:4: error:"));
}

#[test]
fn hostile_input_bytes_do_not_break_the_scan() {
    let ind = temp_file("h.txt", b"evil.example\n192.0.2.1\n");
    let mut log = Vec::new();
    log.extend_from_slice(b"\x00\xff\xfe evil.example \x00192.0.2.1\x00\n");
    log.extend(std::iter::repeat_n(b'a', 20 * 1024 * 1024));
    log.extend_from_slice(b" evil.example\r\n\xc3\x28 192.0.2.1");
    let path = temp_file("hostile.log", &log);
    let out = run(&["scan", "-i", s(&ind), s(&path)], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    let got: Vec<(u64, u64, &str)> = recs
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["start"].as_u64().unwrap(),
                r["matched"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 4, "evil.example"),
            (1, 18, "192.0.2.1"),
            (2, 20 * 1024 * 1024 + 1, "evil.example"),
            (3, 3, "192.0.2.1"),
        ]
    );
}

#[test]
fn gzip_logs_are_read() {
    use flate2::write::GzEncoder;
    let ind = temp_file("i.txt", b"evil.example\n");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"one\ntwo evil.example\n").unwrap();
    let path = temp_file("log.gz", &gz.finish().unwrap());
    let out = run(&["scan", "-i", s(&ind), s(&path)], None);
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0]["line"], 2);
    let broken = temp_file("broken.gz", &[0x1f, 0x8b, 8, 0, 0, 0]);
    let out = run(&["scan", "-i", s(&ind), s(&broken)], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.gz"));
}

/// Every record the CLI prints for `files` equals what the naive reference finds line by line.
fn assert_scan_equals_reference(
    indicator_files: &[PathBuf],
    files: &[PathBuf],
    threads: &str,
) -> usize {
    let mut set = IndicatorSet::new();
    for f in indicator_files {
        set.load_path(f, &LoadOptions::default()).unwrap();
    }
    let naive = NaiveMatcher::new(set.indicators());
    let mut expected = Vec::new();
    for f in files {
        let data = std::fs::read(f).unwrap();
        for (n, m) in naive.scan_log(&data) {
            let ind = &set.indicators()[m.indicator.index()];
            expected.push((
                f.display().to_string(),
                n as u64 + 1,
                m.start as u64,
                m.end as u64,
                ind.value.clone(),
            ));
        }
    }
    let mut args: Vec<String> = vec!["scan".into(), "--threads".into(), threads.into()];
    for f in indicator_files {
        args.push("-i".into());
        args.push(f.display().to_string());
    }
    args.extend(files.iter().map(|f| f.display().to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&argv, None);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let got: Vec<_> = records(&out)
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["start"].as_u64().unwrap(),
                r["end"].as_u64().unwrap(),
                r["indicator"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    got.len()
}

#[test]
fn real_zeek_logs_match_the_reference() {
    let corpus = root().join("../shared/corpora/zeek-logs");
    if !corpus.is_dir() {
        eprintln!("skipped: {} is absent", corpus.display());
        return;
    }
    let logs: Vec<PathBuf> = [
        "conn.log",
        "dns.log",
        "http.log",
        "files.log",
        "ssl.log",
        "x509.log",
        "smtp.log",
        "tor_ssl.log",
        "json/dns.log",
        "json/http.log",
    ]
    .iter()
    .map(|l| corpus.join(l))
    .collect();
    // The real intel file against real logs: whatever it finds must be what the reference finds.
    assert_scan_equals_reference(&[corpus.join("intel_example.intel")], &logs, "2");
    // Indicators taken from the logs themselves, so there are hits to compare.
    let ind = temp_file(
        "from-logs.txt",
        b"guyspy.com\n54.245.228.191\n192.168.33.0/24\ngoogle.com\ntorproject.org\tmatch=exact\n",
    );
    let n = assert_scan_equals_reference(&[ind], &logs, "1");
    assert!(n > 100, "only {n} hits");
}

/// The README's first command: the bundled examples give exactly the planted hits, and none of
/// the planted near-misses.
#[test]
fn bundled_examples_give_exactly_the_planted_hits() {
    let out = run(
        &[
            "scan",
            "-i",
            "examples/indicators/intel.zeek",
            "-i",
            "examples/indicators/blocklist.txt",
            "examples/logs/conn.log",
            "examples/logs/dns.log",
            "examples/logs/http.log",
            "examples/logs/ssl.log",
            "examples/logs/files.log",
            "examples/logs/smtp.log",
            "examples/logs/eve.json",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    let planted: Value =
        serde_json::from_slice(&std::fs::read(root().join("examples/planted.json")).unwrap())
            .unwrap();
    // Map each value as written in the indicator files to its canonical form.
    let mut set = IndicatorSet::new();
    let mut written = std::collections::HashMap::new();
    for f in [
        "examples/indicators/intel.zeek",
        "examples/indicators/blocklist.txt",
    ] {
        set.load_path(root().join(f), &LoadOptions::default())
            .unwrap();
    }
    for ind in set.indicators() {
        for o in &ind.origins {
            let text = std::fs::read_to_string(&*o.location.file).unwrap();
            let line = text.lines().nth(o.location.line as usize - 1).unwrap();
            written.insert(
                line.split('\t').next().unwrap().to_string(),
                ind.value.clone(),
            );
        }
    }
    let canonical = |v: &str| {
        written
            .get(v)
            .cloned()
            .unwrap_or_else(|| panic!("{v:?} is not in the indicator files"))
    };
    let mut want: Vec<(String, u64, String, String)> = planted["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                format!("examples/{}", h["file"].as_str().unwrap()),
                h["line"].as_u64().unwrap(),
                h["text"].as_str().unwrap().to_string(),
                canonical(h["indicator"].as_str().unwrap()),
            )
        })
        .collect();
    let mut got: Vec<(String, u64, String, String)> = recs
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
                r["matched"].as_str().unwrap().to_string(),
                r["indicator"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert!(want.len() > 50);
    assert_eq!(got, want);
    // Near-misses: no match overlaps any occurrence of a miss's text on its line.
    for miss in planted["misses"].as_array().unwrap() {
        let file = format!("examples/{}", miss["file"].as_str().unwrap());
        let line_no = miss["line"].as_u64().unwrap();
        let text = miss["text"].as_str().unwrap();
        let content = std::fs::read_to_string(root().join(&file)).unwrap();
        let line = content.lines().nth(line_no as usize - 1).unwrap();
        let spans: Vec<(u64, u64)> = line
            .match_indices(text)
            .map(|(i, t)| (i as u64, (i + t.len()) as u64))
            .collect();
        assert!(
            !spans.is_empty(),
            "{file}:{line_no}: {text:?} not on the line"
        );
        for r in recs
            .iter()
            .filter(|r| r["file"] == file.as_str() && r["line"] == line_no)
        {
            let (s, e) = (r["start"].as_u64().unwrap(), r["end"].as_u64().unwrap());
            for &(ms, me) in &spans {
                assert!(
                    e <= ms || s >= me,
                    "{file}:{line_no}: near-miss {text:?} reported as {r}"
                );
            }
        }
    }
}

#[test]
fn misp_events_load_and_stats_count_skipped_types() {
    let ev = temp_file(
        "event.json",
        br#"{"Event": {"info": "wave", "Orgc": {"name": "CERT-A"}, "Attribute": [
            {"type": "domain", "value": "evil.example", "to_ids": true},
            {"type": "text", "value": "notes"},
            {"type": "md5", "value": "not-hex"}]}}"#,
    );
    let out = run(&["scan", "-i", s(&ev)], Some(b"cdn.evil.example\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&out)[0]["sources"][0], "CERT-A");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Event.Attribute[2]"));
    let stats = run(&["stats", "--json", "-i", s(&ev)], None);
    let doc: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(doc["files"][0]["format"], "misp-json");
    assert_eq!(doc["files"][0]["skipped"]["text"], 1);
    assert_eq!(doc["rejected"], 1);
}

#[test]
fn csv_files_follow_the_column_flags() {
    let f = temp_file(
        "map.csv",
        b"ioc;type;note\nevil.example;domain;\"c2; wave 3\"\n192.0.2.0/24;ip-dst;scanner\n",
    );
    let out = run(
        &[
            "scan",
            "--format",
            "csv",
            "--csv-delimiter",
            ";",
            "--csv-value",
            "ioc",
            "--csv-kind",
            "type",
            "--csv-meta",
            "note=desc",
            "-i",
            s(&f),
        ],
        Some(b"x.evil.example 192.0.2.5\n"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["meta"][0]["description"], "c2; wave 3");
    assert_eq!(
        recs[0]["meta"][0]["location"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next(),
        Some("2")
    );
    let bad = run(
        &[
            "scan",
            "--format",
            "csv",
            "--csv-value",
            "nope",
            "-i",
            s(&f),
        ],
        Some(b"x\n"),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no column \"nope\""));
    let bad = run(
        &["scan", "--csv-meta", "novalue", "-i", s(&f)],
        Some(b"x\n"),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("COLUMN=KEY"));
}

#[test]
fn over_broad_indicators_warn_or_fail_by_flag() {
    let f = temp_file("broad.txt", b"evil.example\n0.0.0.0/0\n");
    let out = run(&["scan", "-i", s(&f)], Some(b"192.0.2.1\n"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "loaded with a warning, and it matches"
    );
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("broad.txt:2: warning: network 0.0.0.0/0 is over-broad"));
    let out = run(
        &["scan", "--broad", "reject", "-i", s(&f)],
        Some(b"192.0.2.1\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broad.txt:2: error:"));
    let out = run(&["scan", "--broad", "maybe", "-i", s(&f)], Some(b"x\n"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn validate_fails_on_bad_records_and_passes_clean_feeds() {
    let bad = temp_file("bad-feed.txt", b"evil.example\nnot a value\n");
    let out = run(&["validate", "-i", s(&bad)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad-feed.txt:2: error:"));
    let good = temp_file("good-feed.txt", b"evil.example\n192.0.2.1\n");
    assert_eq!(
        run(&["validate", "-i", s(&good)], None).status.code(),
        Some(0)
    );
    assert_eq!(run(&["stats", "-i", s(&bad)], None).status.code(), Some(0));
}

#[test]
fn allowlists_suppress_hits_and_say_so() {
    let ind = temp_file("allow-ind.txt", b"198.51.100.0/24\nevil.example\n");
    let local = temp_file("allow.txt", b"198.51.100.53\n");
    let wl = temp_file(
        "list.json",
        br#"{"name": "Test hosts", "version": 1, "description": "x", "type": "hostname", "list": ["www.evil.example"]}"#,
    );
    let out = run(
        &[
            "scan",
            "-i",
            s(&ind),
            "--allow",
            s(&local),
            "--allow",
            s(&wl),
        ],
        Some(b"198.51.100.53 198.51.100.7 www.evil.example cdn.evil.example\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    let got: Vec<String> = records(&out)
        .iter()
        .map(|r| r["matched"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, vec!["198.51.100.7", "cdn.evil.example"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 hit(s) suppressed by allowlist \"Test hosts\""),
        "{err}"
    );
}

#[test]
fn large_inputs_number_lines_across_blocks_on_one_thread_or_two() {
    // One log repeated past two of the reader's 8 MiB blocks, so that lines are numbered across
    // blocks, and with two threads the next block is read while one is scanned.
    let log = std::fs::read(root().join("examples/logs/dns.log")).unwrap();
    let copies = 20 * 1024 * 1024 / log.len() + 1;
    let big = log.repeat(copies);
    let path = temp_file("big.log", &big);
    let inds = [
        "-i",
        "examples/indicators/intel.zeek",
        "-i",
        "examples/indicators/blocklist.txt",
    ];
    let scan = |threads: &str, file: &str| {
        let mut args = vec!["scan", "--timing", "-j", threads];
        args.extend(inds);
        args.push(file);
        run(&args, None)
    };
    let once = records(&scan("1", "examples/logs/dns.log"));
    assert!(!once.is_empty());
    let one = scan("1", s(&path));
    let two = scan("2", s(&path));
    assert_eq!(one.stdout, two.stdout, "one thread and two agree");
    let every_core = scan("0", s(&path));
    assert!(every_core.status.success());
    assert_eq!(every_core.stdout, one.stdout, "-j 0: one thread per core");
    let mut args = vec!["scan", "--no-mmap", "-j", "2"];
    args.extend(inds);
    args.push(s(&path));
    assert_eq!(run(&args, None).stdout, one.stdout, "read, not mapped");
    // The file is mapped; standard input is read in blocks, and must give the same records.
    for threads in ["1", "2"] {
        let mut args = vec!["scan", "-j", threads];
        args.extend(inds);
        args.push("-");
        let piped = records(&run(&args, Some(&big)));
        let without_file = |recs: &[Value]| -> Vec<Value> {
            let mut recs = recs.to_vec();
            recs.iter_mut().for_each(|r| {
                r.as_object_mut().unwrap().remove("file");
            });
            recs
        };
        assert_eq!(
            without_file(&piped),
            without_file(&records(&one)),
            "{threads} thread(s) on standard input"
        );
    }
    let recs = records(&one);
    assert_eq!(recs.len(), once.len() * copies);
    let lines_per_copy = log.iter().filter(|&&b| b == b'\n').count() as u64;
    for (k, rec) in recs.iter().enumerate() {
        let base = &once[k % once.len()];
        let copy = (k / once.len()) as u64;
        assert_eq!(
            rec["line"],
            base["line"].as_u64().unwrap() + copy * lines_per_copy
        );
        assert_eq!(rec["matched"], base["matched"]);
        assert_eq!(rec["start"], base["start"]);
    }
    let err = String::from_utf8_lossy(&one.stderr);
    assert!(err.contains(&format!("bytes={} ", big.len())), "{err}");
}

/// Scans a file before a large log in which every line matches, truncates the log once its
/// records start to come, and returns the run's output with the text of the records read.
fn scan_truncated(extra: &[&str]) -> (Output, String, PathBuf, PathBuf) {
    let ind = temp_file("t.txt", b"evil.example\n");
    let before = temp_file("before-truncated.log", b"one evil.example\n");
    let path = temp_file(
        "truncated.log",
        &b"query evil.example from host\n".repeat(2_000_000),
    );
    let mut args = vec!["scan", "-j1", "-i", s(&ind)];
    args.extend(extra);
    args.extend([s(&before), s(&path)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_iocmatch"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first block's records fill the pipe and hold the scan there until they are read, so
    // once one of them is read the log is truncated with most of it not yet scanned.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut text = String::new();
    while !text.contains(s(&path)) {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() > 0);
        text.push_str(&line);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
    let out = child.wait_with_output().unwrap();
    std::fs::remove_file(&path).unwrap();
    (out, text, before, path)
}

/// A large file is scanned from a map; truncated under the scan, it ends the run with an error
/// that names it, not a signal death, and the records of the file before it are not lost. Read
/// instead (`--no-mmap`), it just ends early.
#[test]
fn a_log_truncated_while_mapped_is_an_error_naming_it() {
    let (out, text, before, path) = scan_truncated(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{}: the file shrank", s(&path))),
        "{err}"
    );
    let first_record: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first_record["file"], s(&before));

    let (out, text, _, _) = scan_truncated(&["--no-mmap"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("shrank"), "{err}");
    let read = text.lines().count();
    assert!(read > 1 && read < 2_000_001, "{read} records");
}

/// The pages of a mapped log are let go block by block, and mapped in one block ahead at most:
/// scanning a log of 192 MiB keeps the process well under that resident on one thread or two
/// (without the release the whole file would be; with every block's bounds found before the
/// scan, a page or a large folio at each block's end).
#[test]
fn a_mapped_log_is_not_held_resident_whole() {
    let ind = temp_file("r.txt", b"evil.example\n");
    let path = temp_file("resident.log", b"");
    let line = b"1700000000.1\tCabc\t10.0.0.1\t53\tudp\twww.example.org\t-\n";
    // Written in one piece, as a copy may be: the system may then cache the file in large
    // folios, which a stray read maps whole (where it does, finding every block's bounds
    // before the scan left 58 MiB resident here, against 15).
    std::fs::write(&path, line.repeat(192 * 1024 * 1024 / line.len())).unwrap();
    // Two 8 MiB blocks mapped at once on two threads (the one scanned, the next).
    for (threads, bound_mib) in [("-j1", 32), ("-j2", 40)] {
        let out = run(
            &["scan", "--timing", threads, "-i", s(&ind), s(&path)],
            None,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        let peak_kib: u64 = err
            .split("peak_rss_kib=")
            .nth(1)
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no peak in {err}"));
        assert!(
            peak_kib < bound_mib * 1024,
            "{threads}: peak resident {} MiB",
            peak_kib / 1024
        );
    }
    std::fs::remove_file(&path).unwrap();
}

/// Lines are numbered on across the end of the mapped lines: a match in a large file's
/// unfinished last line, read after the map, has the right line and offsets.
#[test]
fn the_unfinished_last_line_of_a_mapped_log_is_scanned() {
    let ind = temp_file("u.txt", b"evil.example\n");
    let mut log = b"first evil.example\n".to_vec();
    let filler = b"1700000000.1\tCabc\t10.0.0.1\t53\tudp\twww.example.org\t-\n";
    let lines = 2 * 1024 * 1024 / filler.len();
    log.extend(filler.repeat(lines));
    log.extend_from_slice(b"last evil.example");
    let path = temp_file("unfinished.log", &log);
    let out = run(&["scan", "-j1", "-i", s(&ind), s(&path)], None);
    std::fs::remove_file(&path).unwrap();
    let got: Vec<(u64, u64)> = records(&out)
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["start"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [(1, 6), (lines as u64 + 2, 5)]);
}

#[test]
fn many_small_files_are_scanned_side_by_side_and_reported_in_order() {
    // More small files than one side-by-side run takes, a file that cannot be read among them,
    // and standard input, which is always read on its own.
    let logs = ["conn", "dns", "files", "http", "smtp", "ssl"];
    let mut files = Vec::new();
    for k in 0..80 {
        let log = std::fs::read(root().join(format!("examples/logs/{}.log", logs[k % 6]))).unwrap();
        files.push(s(&temp_file(&format!("small-{k:02}.log"), &log)).to_string());
        if k == 40 {
            files.push("examples/logs/no-such.log".to_string());
            files.push("-".to_string());
        }
    }
    let stdin = std::fs::read(root().join("examples/logs/http.log")).unwrap();
    let scan = |threads: &str| {
        let mut args = vec![
            "scan",
            "-j",
            threads,
            "-i",
            "examples/indicators/intel.zeek",
            "-i",
            "examples/indicators/blocklist.txt",
        ];
        args.extend(files.iter().map(String::as_str));
        run(&args, Some(&stdin))
    };
    let (one, two) = (scan("1"), scan("2"));
    assert_eq!(one.stdout, two.stdout, "one thread and two agree");
    for out in [&one, &two] {
        assert_eq!(
            out.status.code(),
            Some(2),
            "an unreadable input fails the run"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("examples/logs/no-such.log"), "{err}");
    }
    // Records come file by file, in the order given, each file's as scanning it alone gives.
    let recs = records(&two);
    let order: Vec<&str> = recs.iter().map(|r| r["file"].as_str().unwrap()).collect();
    let mut seen: Vec<&str> = order.clone();
    seen.dedup();
    let given: Vec<&str> = files
        .iter()
        .map(|f| if f == "-" { "<stdin>" } else { f.as_str() })
        .filter(|f| seen.contains(f))
        .collect();
    assert_eq!(seen, given, "files appear once each, in order");
    assert!(seen.len() > 70, "most files have hits: {}", seen.len());
    for k in [0, 41, 79] {
        let name = format!("small-{k:02}.log");
        let f = files.iter().find(|f| f.ends_with(&name)).unwrap();
        let alone = records(&run(
            &[
                "scan",
                "-i",
                "examples/indicators/intel.zeek",
                "-i",
                "examples/indicators/blocklist.txt",
                f,
            ],
            None,
        ));
        assert!(!alone.is_empty(), "{f}");
        let within: Vec<&Value> = recs.iter().filter(|r| r["file"] == f.as_str()).collect();
        assert_eq!(within.len(), alone.len(), "{f}");
        for (a, b) in within.iter().zip(&alone) {
            assert_eq!((&a["line"], &a["matched"]), (&b["line"], &b["matched"]));
        }
    }
}
