#!/usr/bin/env python3
"""Writes starting corpora for the fuzz targets from the project's own cases and examples:
corpus/scan and corpus/lookups get each plain-list test case's indicators and input (split as
the targets read them), and the scan target a few JSON log lines; corpus/feeds gets the cases of other formats with their format byte,
each example feed and a small MISP event and STIX bundle once per format byte. Needs Python
3.11 or later (tomllib). Run from this folder."""

import hashlib
import pathlib
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SPLIT = b"\n--\n"
ALL_POOL = (2**32 - 1).to_bytes(4, "little")
NO_POOL = bytes(4)
# Format::ALL in its order; the byte after the last asks for detection.
FORMATS = ["text", "zeek-intel", "misp-json", "misp-csv", "misp-freetext", "stix2",
           "suricata-dataset", "suricata-iprep", "csv"]

MISP_EVENT = b"""{"Event": {"info": "seed", "Attribute": [
 {"type": "ip-dst", "value": "192.0.2.1", "to_ids": true},
 {"type": "domain", "value": "evil.example", "to_ids": true},
 {"type": "url", "value": "http://evil.example/a", "to_ids": true},
 {"type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e", "to_ids": true},
 {"type": "ip-dst|port", "value": "192.0.2.7|443", "to_ids": true},
 {"type": "text", "value": "not matched", "to_ids": false}]}}"""

STIX_BUNDLE = b"""{"type": "bundle", "id": "bundle--1", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--1", "pattern_type": "stix",
  "pattern": "[ipv4-addr:value = '192.0.2.0/24'] OR [domain-name:value = 'evil.example']",
  "valid_from": "2024-01-01T00:00:00Z"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--2", "pattern_type": "stix",
  "pattern": "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
  "valid_from": "2024-01-01T00:00:00Z"}]}"""

# JSON log lines whose host and path keys are joined: Zeek's, Suricata EVE's, and one with
# escapes and spaces.
JSON_LINES = b"""{"ts":1.0,"uid":"C1","host":"evil.example","uri":"/a","referrer":"-"}
{"event_type":"http","http":{"hostname":"EVIL.example","url":"\\/a\\/b?q=1"}}
{"uri": "/p", "host" : "evil.example:8080", "ua":"x\\"host\\":\\"y\\""}
"""


def write(target: str, data: bytes) -> None:
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> None:
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text()).get("case", []):
            indicators = case.get("indicators", "").encode()
            text = case.get("input", "").encode()
            if case.get("format", "text") != "text":
                # The scan and lookup targets read their indicators as a plain list.
                write("feeds", bytes([FORMATS.index(case["format"])]) + indicators)
                continue
            write("scan", NO_POOL + indicators + SPLIT + text)
            write("scan", ALL_POOL + indicators + SPLIT + text)
            for token in text.split():
                write("lookups", NO_POOL + indicators + SPLIT + token[:200])
    for log in sorted((ROOT / "examples" / "logs").iterdir()):
        lines = log.read_bytes().splitlines(keepends=True)
        write("scan", ALL_POOL + b"".join(lines[:40]))
    write("scan", ALL_POOL + JSON_LINES)
    feeds = [f.read_bytes()[:4096] for f in sorted((ROOT / "examples" / "indicators").iterdir())]
    for body in feeds + [MISP_EVENT, STIX_BUNDLE]:
        for f in range(len(FORMATS) + 1):
            write("feeds", bytes([f]) + body)
    print("corpora written under", HERE / "corpus")


if __name__ == "__main__":
    main()
