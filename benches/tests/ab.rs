//! The `ab` tool end to end, with two stand-in builds: shell scripts that log their runs and
//! print a fixed figure.

#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes an executable script that appends `name` to the log file it is given and prints
/// `output`.
fn stand_in(dir: &Path, name: &str, output: &str) -> PathBuf {
    let path = dir.join(name);
    let script = format!("#!/bin/sh\necho {name} >> \"$1\"\nprintf '%s\\n' '{output}'\n");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A directory of the test's own under Cargo's scratch space for tests (not the system's
/// temporary directory, which may not allow running scripts), removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("iocmatch-ab-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `ab` with `args`.
fn ab(args: &[&OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ab"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `ab` on the builds `before` and `after` with the options `extra`, each build given the
/// log file `log` to append its runs to.
fn ab_on(before: &Path, after: &Path, extra: &[&str], log: &Path) -> std::process::Output {
    let mut args = vec![before.as_os_str(), after.as_os_str()];
    args.extend(extra.iter().map(OsStr::new));
    args.extend([OsStr::new("--"), log.as_os_str()]);
    ab(&args)
}

#[test]
fn pairs_alternate_and_the_summary_compares_the_figures() {
    let tmp = TempDir::new("pairs");
    let dir = &tmp.0;
    let before = stand_in(dir, "before", "indicators=10 scan_mb_s=100.0 threads=1");
    let after = stand_in(dir, "after", "indicators=10 scan_mb_s=125.0 threads=1");
    let log = dir.join("runs.log");
    let out = ab_on(&before, &after, &["--pairs", "3"], &log);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "pair 1: before 100 after 125",
            "pair 2: before 100 after 125",
            "pair 3: before 100 after 125",
            "before mean 100.00 (100.00-100.00); after mean 125.00 (125.00-125.00); \
             after/before 1.250; after higher in 3 of 3",
        ]
    );
    // The first of each pair takes turns.
    let runs = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        runs.lines().collect::<Vec<_>>(),
        ["before", "after", "after", "before", "before", "after"]
    );
}

#[test]
fn a_missing_figure_or_a_failed_run_is_an_error() {
    let tmp = TempDir::new("errors");
    let dir = &tmp.0;
    let before = stand_in(dir, "before", "scan_mb_s=100.0");
    let silent = stand_in(dir, "silent", "nothing to read here");
    let log = dir.join("runs.log");
    let run = |a: &Path, b: &Path, extra: &[&str]| ab_on(a, b, extra, &log);
    let out = run(&before, &silent, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no number after \"scan_mb_s=\""), "{err}");
    assert!(err.contains("nothing to read here"), "{err}");

    let out = run(&before, &dir.join("absent"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent"));

    let out = run(&before, &before, &["--pairs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pairs must be at least 1"));
}

#[test]
fn wrong_arguments_say_what_is_wrong() {
    let cases: [(&[&str], &str); 5] = [
        (&["a"], "usage: ab BEFORE AFTER"),
        (&["a", "b", "c"], "usage: ab BEFORE AFTER"),
        (&["a", "b", "--fast"], "unknown option --fast"),
        (&["a", "b", "--pairs"], "--pairs needs a value"),
        (&["a", "b", "--pairs", "six"], "invalid number \"six\""),
    ];
    for (args, want) in cases {
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let out = ab(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // An argument that is not UTF-8 is refused, not a panic.
    let bad = OsStr::from_bytes(b"\xff");
    let out = ab(&[bad, OsStr::new("b")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not UTF-8"));
}
