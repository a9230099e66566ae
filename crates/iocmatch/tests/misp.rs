//! MISP sources end to end: a feed folder, matching with to_ids, and the attribute types of
//! MISP's own describeTypes.json (from the `pymisp` package, when it is installed).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use iocmatch::source::misp_json;
use iocmatch::{CompileOptions, Error, IndicatorSet, LoadOptions};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iocmatch-misp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn feed_folder_loads_every_event_and_reports_missing_ones() {
    let dir = temp_dir("feed");
    std::fs::write(
        dir.join("manifest.json"),
        r#"{"5f1a-0001": {"info": "one"}, "5f1a-0002": {"info": "two"}, "5f1a-0003": {"info": "gone"}, "../etc/passwd": {}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("5f1a-0001.json"),
        r#"{"Event": {"uuid": "5f1a-0001", "info": "one", "Orgc": {"name": "CERT-A"}, "Attribute": [
            {"type": "domain", "value": "evil.example", "to_ids": true},
            {"type": "ip-dst", "value": "192.0.2.1", "to_ids": false},
            {"type": "comment", "value": "seen in a phishing wave"}]}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("5f1a-0002.json"),
        r#"{"Event": {"uuid": "5f1a-0002", "info": "two", "Orgc": {"name": "CERT-B"}, "Attribute": [
            {"type": "hostname", "value": "EVIL.example", "to_ids": true},
            {"type": "url", "value": "hxxp://evil[.]example/gate.php", "to_ids": true}]}}"#,
    )
    .unwrap();
    let mut set = IndicatorSet::new();
    let report = set.load_path(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(report.format, Some(iocmatch::Format::MispJson));
    assert_eq!(set.len(), 3, "{:?}", set.indicators());
    assert_eq!(report.merged, 1);
    assert_eq!(report.skipped.get("comment"), Some(&1));
    let errors: Vec<&str> = report.errors().map(|d| d.message.as_str()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().any(|m| m.contains("5f1a-0003")));
    assert!(errors.iter().any(|m| m.contains("not a uuid")));
    let evil = &set.indicators()[0];
    assert_eq!(evil.sources(), vec!["CERT-A", "CERT-B"]);
    assert!(evil.origins[0].location.file.ends_with("5f1a-0001.json"));

    let m = set.compile().unwrap();
    let line = b"GET http://evil.example/gate.php from 192.0.2.1";
    let found: Vec<&str> = m
        .scan(line)
        .iter()
        .map(|x| m.indicator(x.indicator).value.as_str())
        .collect();
    assert_eq!(
        found,
        vec!["evil.example/gate.php", "evil.example"],
        "to_ids false is not matched"
    );
    let all = set
        .compile_with(&CompileOptions {
            include_non_ids: true,
            ..CompileOptions::default()
        })
        .unwrap();
    assert_eq!(all.scan(line).len(), 3);

    let strict = LoadOptions {
        strict: true,
        ..LoadOptions::default()
    };
    assert!(matches!(
        IndicatorSet::new().load_path(&dir, &strict),
        Err(Error::Load { .. })
    ));
    let not_feed = temp_dir("empty");
    assert!(matches!(
        IndicatorSet::new().load_path(&not_feed, &LoadOptions::default()),
        Err(Error::Format(_))
    ));
}

/// describeTypes.json as shipped in the `pymisp` package, if Python and pymisp are installed.
fn describe_types() -> Option<serde_json::Value> {
    let out = Command::new("python3")
        .args(["-c", "import os, pymisp; print(os.path.join(os.path.dirname(pymisp.__file__), 'data', 'describeTypes.json'))"])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let path = String::from_utf8(out.stdout).ok()?;
    serde_json::from_slice(&std::fs::read(path.trim()).ok()?).ok()
}

#[test]
fn mapping_agrees_with_misps_describe_types() {
    let Some(doc) = describe_types() else {
        eprintln!("skipped: pymisp is not installed");
        return;
    };
    let result = &doc["result"];
    let types: BTreeSet<String> = result["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    // Every type iocmatch reads is a real MISP type.
    for t in misp_json::supported_types() {
        assert!(types.contains(t), "{t} is not a MISP type");
    }
    // Every MISP type whose default is to_ids and that iocmatch does not read is listed here on
    // purpose; a new MISP type turns up as a failure to look at.
    let unsupported_ids: BTreeSet<&str> = types
        .iter()
        .filter(|t| result["sane_defaults"][t.as_str()]["to_ids"].as_u64() == Some(1))
        .filter(|t| !misp_json::is_supported(t))
        .map(String::as_str)
        .collect();
    let known: BTreeSet<&str> = [
        "AS",
        "bro",
        "zeek",
        "snort",
        "suricata",
        "yara",
        "sigma",
        "stix2-pattern",
        "kusto-query",
        "cookie",
        "favicon-mmh3",
        "jarm-fingerprint",
        "community-id",
        "dom-hash",
        "filename-pattern",
        "regkey",
        "regkey|value",
        "mutex",
        "named pipe",
        "windows-scheduled-task",
        "windows-service-name",
        "windows-service-displayname",
        "mac-address",
        "mac-eui-64",
        "ssdeep",
        "tlsh",
        "vhash",
        "impfuzzy",
        "telfhash",
        "sha512/224",
        "sha512/256",
        "sha3-224",
        "sha3-256",
        "sha3-384",
        "sha3-512",
        "email-subject",
        "email-attachment",
        "email-body",
        "email-header",
        "email-x-mailer",
        "email-mime-boundary",
        "email-thread-index",
        "email-message-id",
        "email-dst-display-name",
        "email-src-display-name",
        "eppn",
        "http-method",
        "ssh-fingerprint",
        "pgp-public-key",
        "pgp-private-key",
        "gene",
        "mime-type",
        "malware-sample",
        "attachment",
        "uri",
        "btc",
        "dash",
        "xmr",
        "iban",
        "bic",
        "bank-account-nr",
        "aba-rtn",
        "bin",
        "cc-number",
        "prtn",
        "phone-number",
        "whois-registrant-phone",
        "whois-registrant-name",
        "whois-registrant-org",
        "whois-registrar",
        "github-username",
        "github-repository",
        "github-organisation",
        "jabber-id",
        "twitter-id",
        "dkim",
        "dkim-signature",
        "mobile-application-id",
        "azure-application-id",
        "chrome-extension-id",
        "edge-extension-id",
        "cortex",
        "process-state",
        "pdb",
        "git-commit-id",
        "hex",
        "identity-card-number",
        "cpe",
        "size-in-bytes",
        "counter",
        "integer",
        "datetime",
        "port",
        "boolean",
        "uuid",
        "anonymised",
        "float",
        "text",
        "other",
        "comment",
        "link",
        "campaign-name",
        "campaign-id",
        "threat-actor",
        "malware-type",
        "vulnerability",
        "weakness",
        "target-user",
        "target-machine",
        "target-org",
        "target-location",
        "target-external",
        "whois-creation-date",
    ]
    .into_iter()
    .collect();
    let surprises: Vec<&&str> = unsupported_ids.difference(&known).collect();
    assert!(
        surprises.is_empty(),
        "to_ids MISP types iocmatch does not read: {surprises:?}"
    );
    // Composite filename types with a supported digest are read.
    for t in [
        "filename|md5",
        "filename|sha1",
        "filename|sha256",
        "filename|sha512",
        "filename|imphash",
    ] {
        assert!(types.contains(t) && misp_json::is_supported(t), "{t}");
    }
}
