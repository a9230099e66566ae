//! Warninglist membership agrees with pymispwarninglists' slow search on every shipped string,
//! substring, hostname and cidr list (when the package is installed; skipped otherwise).

use std::path::PathBuf;
use std::process::Command;

use iocmatch::allow::read_warninglist;

#[test]
fn membership_agrees_with_pymispwarninglists() {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/reference/warninglists.py");
    let out = match Command::new("python3").arg(&script).arg("30").output() {
        Ok(o) => o,
        Err(_) => {
            eprintln!("skipped: no python3");
            return;
        }
    };
    if out.status.code() == Some(3) {
        eprintln!("skipped: pymispwarninglists is not installed");
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lists = doc["lists"].as_object().unwrap();
    assert!(lists.len() > 100, "only {} lists", lists.len());
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for (name, entry) in lists {
        let json = std::fs::read(entry["path"].as_str().unwrap()).unwrap();
        let list = read_warninglist(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        for s in entry["samples"].as_array().unwrap() {
            let value = s[0].as_str().unwrap();
            let expected = s[1].as_bool().unwrap();
            checked += 1;
            if list.contains(value) != expected {
                disagreements.push(format!("{name}: {value:?}: reference says {expected}"));
            }
        }
    }
    assert!(checked > 10_000, "only {checked} samples");
    assert!(
        disagreements.is_empty(),
        "{} of {checked} disagree, e.g. {:?}",
        disagreements.len(),
        &disagreements[..disagreements.len().min(10)]
    );
}
